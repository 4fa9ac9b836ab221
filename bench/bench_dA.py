"""Time the dA training step: this project's Theano function against
hand-written NumPy and PyTorch versions of the same math, and the BLAS.

    python bench/bench_dA.py                      # 0 % and 30 %, float32
    python bench/bench_dA.py --corruption 0.3 --threads 1 --batches 500

Each implementation runs in its own fresh process (so BLAS thread pools and
peak memory do not mix), on the same MNIST minibatches, for the same number
of minibatches; the median of ``--repeats`` timings is scaled to one epoch
(50,000 examples).  The Theano step is the very function ``test_dA`` trains
with (``dA.build_train_function``).

The hand-written versions are here for comparison only; they are not part of
the library.  PyTorch is used when it is installed (``pip install torch``).
"""
import argparse
import json
import os
import subprocess
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))   # the project's modules

IMPLS = ('theano', 'numpy', 'torch', 'theano-fallback')
LABELS = {'theano': 'this project (its engine + the BLAS it links)',
          'numpy': 'hand-written NumPy',
          'torch': 'hand-written PyTorch',
          'theano-fallback': 'same code, the engine without a BLAS'}


def flops_per_batch(batch_size, n_visible, n_hidden):
    """Five matrix products a step: 2 forward, 3 backward, 2*B*V*H each."""
    return 5 * 2 * batch_size * n_visible * n_hidden


def load_train_x(dataset, floatX):
    """The training images as a C-contiguous array of ``floatX``."""
    import numpy
    from logistic_sgd import find_dataset, read_dataset
    x = read_dataset(find_dataset(dataset, download_missing=False))[0][0]
    return numpy.ascontiguousarray(x, dtype=floatX)


def time_steps(step, n_batches, repeats):
    """Median seconds of ``repeats`` runs of ``step(i)`` for i < n_batches."""
    import numpy
    step(0)   # warm up (allocations, lazy initialisation)
    times = []
    for _ in range(repeats):
        t0 = timeit.default_timer()
        for i in range(n_batches):
            step(i)
        times.append(timeit.default_timer() - t0)
    return float(numpy.median(times))


def theano_step(args, x):
    """The project's own compiled training function."""
    from backend import theano
    import dA
    shared = theano.shared(x, borrow=True)
    _, train_da, _ = dA.build_train_function(
        shared, corruption_level=args.corruption, learning_rate=0.1,
        batch_size=args.batch_size, n_hidden=args.n_hidden)
    return train_da


def numpy_step(args, x):
    """Hand-written NumPy: the same math, in-place updates."""
    import numpy
    rng = numpy.random.RandomState(123)
    B, V, H = args.batch_size, x.shape[1], args.n_hidden
    dt = x.dtype
    bound = 4 * numpy.sqrt(6. / (V + H))
    W = rng.uniform(-bound, bound, (V, H)).astype(dt)
    b = numpy.zeros(H, dt)
    bp = numpy.zeros(V, dt)
    lr = 0.1
    keep = 1 - args.corruption
    h = numpy.empty((B, H), dt)
    z = numpy.empty((B, V), dt)
    gW = numpy.empty((V, H), dt)
    dh = numpy.empty((B, H), dt)

    def sigmoid_(a):
        numpy.negative(a, out=a)
        numpy.exp(a, out=a)
        numpy.add(a, 1, out=a)
        numpy.reciprocal(a, out=a)

    # closures cannot rebind names, so every update is an explicit out=
    def step(i):
        xb = x[i * B:(i + 1) * B]
        tx = xb * (rng.uniform(size=xb.shape) < keep) if keep < 1 else xb
        numpy.add(numpy.dot(tx, W, out=h), b, out=h)
        sigmoid_(h)
        numpy.add(numpy.dot(h, W.T, out=z), bp, out=z)
        sigmoid_(z)
        cost = -numpy.mean(numpy.sum(xb * numpy.log(z)
                                     + (1 - xb) * numpy.log1p(-z), axis=1))
        numpy.subtract(z, xb, out=z)
        numpy.multiply(z, lr / B, out=z)   # d cost / d pre-activation, * lr
        numpy.dot(z, W, out=dh)
        numpy.multiply(dh, h * (1 - h), out=dh)
        numpy.dot(tx.T, dh, out=gW)
        numpy.add(gW, numpy.dot(z.T, h), out=gW)
        numpy.subtract(W, gW, out=W)
        numpy.subtract(b, dh.sum(axis=0), out=b)
        numpy.subtract(bp, z.sum(axis=0), out=bp)
        return cost
    return step


def torch_step(args, x):
    """Hand-written PyTorch: explicit matrix products, in-place updates."""
    import torch
    torch.set_num_threads(args.threads)
    dt = torch.float32 if x.dtype.name == 'float32' else torch.float64
    X = torch.from_numpy(x)
    gen = torch.Generator().manual_seed(123)
    B, V, H = args.batch_size, x.shape[1], args.n_hidden
    bound = 4 * (6. / (V + H)) ** 0.5
    W = (torch.rand(V, H, generator=gen, dtype=dt) * 2 - 1) * bound
    b = torch.zeros(H, dtype=dt)
    bp = torch.zeros(V, dtype=dt)
    lr = 0.1
    keep = 1 - args.corruption
    h = torch.empty(B, H, dtype=dt)
    z = torch.empty(B, V, dtype=dt)
    dh = torch.empty(B, H, dtype=dt)

    @torch.no_grad()
    def step(i):
        xb = X[i * B:(i + 1) * B]
        if keep < 1:
            tx = xb * (torch.rand(xb.shape, generator=gen, dtype=dt) < keep)
        else:
            tx = xb
        torch.addmm(b, tx, W, out=h).sigmoid_()
        torch.addmm(bp, h, W.t(), out=z).sigmoid_()
        cost = -(xb * torch.log(z) + (1 - xb) * torch.log1p(-z)).sum(1).mean()
        z.sub_(xb).mul_(lr / B)
        torch.mm(z, W, out=dh)
        dh.mul_(h).mul_(1 - h)
        W.addmm_(tx.t(), dh, alpha=-1).addmm_(z.t(), h, alpha=-1)
        b.sub_(dh.sum(0))
        bp.sub_(z.sum(0))
        return float(cost)
    return step


def gemm_rate(args, x):
    """GFLOP/s of NumPy's SGEMM/DGEMM on the forward minibatch shape, and of
    the three other shapes of the step, in NumPy's own BLAS."""
    import numpy
    B, V, H = args.batch_size, x.shape[1], args.n_hidden
    rng = numpy.random.RandomState(0)
    a = rng.rand(B, V).astype(x.dtype)
    w = rng.rand(V, H).astype(x.dtype)
    hb = rng.rand(B, H).astype(x.dtype)
    out_h = numpy.empty((B, H), x.dtype)
    out_z = numpy.empty((B, V), x.dtype)
    out_w = numpy.empty((V, H), x.dtype)
    products = [lambda: numpy.dot(a, w, out=out_h),
                lambda: numpy.dot(hb, w.T, out=out_z),
                lambda: numpy.dot(a.T, hb, out=out_w)]
    n = 2000
    secs = 0.
    for p in products:
        p()
        t0 = timeit.default_timer()
        for _ in range(n):
            p()
        secs += timeit.default_timer() - t0
    return 2. * B * V * H * n * len(products) / secs / 1e9


def child(args):
    """Run one implementation in this process; print a JSON line."""
    import resource
    x = load_train_x(args.dataset, args.floatX)
    n_batches = min(args.batches, x.shape[0] // args.batch_size)
    result = {'impl': args.impl}
    if args.impl == 'gemm':
        result['gflops'] = gemm_rate(args, x)
    else:
        make = {'theano': theano_step, 'theano-fallback': theano_step,
                'numpy': numpy_step, 'torch': torch_step}[args.impl]
        step = make(args, x)
        secs = time_steps(step, n_batches, args.repeats)
        per_epoch = secs / n_batches * (x.shape[0] // args.batch_size)
        result.update(
            seconds_per_epoch=per_epoch,
            examples_per_second=x.shape[0] / per_epoch,
            gflops=flops_per_batch(args.batch_size, x.shape[1],
                                   args.n_hidden)
            * (x.shape[0] // args.batch_size) / per_epoch / 1e9)
    result['peak_mb'] = resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024.
    print('RESULT ' + json.dumps(result))


def run_child(args, impl, corruption):
    """Run ``impl`` in a fresh interpreter; return its result dict or None.
    """
    import theano_setup
    from backend import ENGINE
    env = dict(os.environ, DA_BACKEND=ENGINE)
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        env[var] = str(args.threads)
    flags_var, _, _, keys, _ = theano_setup.ENGINES[ENGINE]
    flags = 'floatX=%s' % args.floatX
    if impl == 'theano-fallback':   # what the engine does without a BLAS
        flags += ',%s=' % keys[0]
    env[flags_var] = (flags + ',' + env[flags_var]
                      if env.get(flags_var) else flags)
    cmd = [sys.executable, os.path.abspath(__file__), '--child', impl,
           '--corruption', str(corruption), '--batch-size',
           str(args.batch_size), '--n-hidden', str(args.n_hidden),
           '--floatX', args.floatX, '--threads', str(args.threads),
           '--batches', str(args.batches), '--repeats', str(args.repeats),
           '--dataset', args.dataset]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith('RESULT '):
            return json.loads(line[len('RESULT '):])
    if impl == 'torch' and 'No module named' in proc.stderr:
        return None
    sys.exit('bench: %s failed:\n%s' % (impl, proc.stderr[-3000:]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corruption', type=float, nargs='+',
                        default=[0., 0.3], help='levels (default 0 0.3)')
    parser.add_argument('--batch-size', type=int, default=20)
    parser.add_argument('--n-hidden', type=int, default=500)
    parser.add_argument('--floatX', choices=('float32', 'float64'),
                        default='float32')
    parser.add_argument('--threads', type=int, default=os.cpu_count(),
                        help='BLAS/OpenMP threads (default: all cores)')
    parser.add_argument('--batches', type=int, default=500,
                        help='minibatches timed per repeat (default 500)')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--dataset', default='mnist.pkl.gz')
    parser.add_argument('--child', choices=IMPLS + ('gemm',),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.impl = args.child
        args.corruption = args.corruption[0]
        return child(args)

    from backend import ENGINE, theano
    print('dA training step on %s %s: batch %d, 784-%d, %s, %d thread(s), '
          'median of %d x %d minibatches, scaled to one epoch of 50,000 '
          'examples' % (ENGINE, theano.__version__, args.batch_size,
                        args.n_hidden, args.floatX, args.threads,
                        args.repeats, args.batches))
    for impl in IMPLS:
        print('  %-15s %s' % (impl, LABELS[impl]))
    gemm = run_child(args, 'gemm', 0.)
    print('BLAS (NumPy\'s) on the step\'s matrix shapes: %.1f GFLOP/s'
          % gemm['gflops'])
    header = '%-10s %-15s %8s %11s %8s %8s %15s' % (
        'corruption', 'impl', 's/epoch', 'examples/s', 'GFLOP/s', 'peak MB',
        'theano speed-up')
    for level in args.corruption:
        print()
        print(header)
        results = {}
        for impl in IMPLS:
            r = run_child(args, impl, level)
            if r is None:
                print('%-10s %-15s (not installed)' % ('%g %%' % (100 * level),
                                                       impl))
                continue
            results[impl] = r
            ratio = r['seconds_per_epoch'] / \
                results['theano']['seconds_per_epoch']
            print('%-10s %-15s %8.2f %11.0f %8.1f %8.0f %14.2fx' % (
                '%g %%' % (100 * level), impl, r['seconds_per_epoch'],
                r['examples_per_second'], r['gflops'], r['peak_mb'], ratio))


if __name__ == '__main__':
    main()
