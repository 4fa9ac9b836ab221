"""Time the dA training step: this project's Theano function against the
tutorial's graph as Theano compiles it (with and without a BLAS) and
hand-written NumPy and PyTorch versions of the same math.

    python bench/bench_dA.py                      # 0 % and 30 %, float32
    python bench/bench_dA.py --corruption 0.3 --threads 1 --rounds 15

Each implementation runs in its own process (so BLAS thread pools and peak
memory do not mix), on the same MNIST minibatches.  The processes take
turns: in each round every implementation times one block of ``--batches``
minibatches, one after the other, with a pause before each block so that
the BLAS threads of the others have stopped spinning.  Load from elsewhere
on the machine then falls on all of them alike.  The median block over
``--rounds`` rounds is scaled to one epoch (2,500 minibatches of 20); the
last column compares each block with theano's block of the same round
(median, and the middle half of the rounds).  The
``theano`` row is the very function ``test_dA`` trains with
(``dA.build_train_function``); the ``tutorial`` rows compile the same graph
without ``fast_ops`` (``fast=False``), i.e. the tutorial's own code.

The hand-written versions are here for comparison only; they are not part of
the library.  PyTorch is used when it is installed (``pip install torch``).
"""
import argparse
import os
import subprocess
import sys
import time
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))   # the project's modules

IMPLS = ('theano', 'tutorial', 'numpy', 'torch', 'tutorial-fallback')
LABELS = {
    'theano': "this project's step (its engine, fast_ops, the BLAS it links)",
    'tutorial': "the tutorial's graph as the engine compiles it by default, "
                'same BLAS',
    'numpy': 'hand-written NumPy',
    'torch': 'hand-written PyTorch',
    'tutorial-fallback': "the tutorial's graph, the engine without a BLAS "
                         "(Theano's NumPy fallback)"}


def flops_per_batch(batch_size, n_visible, n_hidden):
    """Five matrix products a step: 2 forward, 3 backward, 2*B*V*H each."""
    return 5 * 2 * batch_size * n_visible * n_hidden


def load_train_x(dataset, floatX):
    """The training images as a C-contiguous array of ``floatX``."""
    import numpy
    from logistic_sgd import find_dataset, read_dataset
    x = read_dataset(find_dataset(dataset, download_missing=False))[0][0]
    return numpy.ascontiguousarray(x, dtype=floatX)


def theano_step(args, x):
    """The project's own compiled training function (``fast_ops`` on), or,
    for the ``tutorial`` rows, the same graph compiled without them."""
    import numpy
    from backend import theano
    import dA
    shared = theano.shared(x, borrow=True)
    _, train_da, n_batches = dA.build_train_function(
        shared, corruption_level=args.corruption, learning_rate=0.1,
        batch_size=args.batch_size, n_hidden=args.n_hidden,
        fast=args.impl == 'theano')
    # called as dA.train_epochs calls it: with 0-d int64 arrays
    indices = [numpy.asarray(i, dtype='int64') for i in range(n_batches)]
    return lambda i: train_da(indices[i])


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
    """Serve one implementation.  Print READY once warmed up; then for each
    ``run`` line on stdin time one block of minibatches and print its
    seconds; on any other line print the peak memory (MB) and stop."""
    import resource
    x = load_train_x(args.dataset, args.floatX)
    if args.impl == 'gemm':
        print(gemm_rate(args, x))
        return
    n_batches = x.shape[0] // args.batch_size
    make = {'theano': theano_step, 'tutorial': theano_step,
            'tutorial-fallback': theano_step,
            'numpy': numpy_step, 'torch': torch_step}[args.impl]
    step = make(args, x)
    step(0)   # warm up (allocations, lazy initialisation)
    batch = 1
    print('READY', flush=True)
    for line in sys.stdin:
        if line.strip() != 'run':
            break
        t0 = timeit.default_timer()
        for _ in range(args.batches):
            step(batch)
            batch = (batch + 1) % n_batches
        print(timeit.default_timer() - t0, flush=True)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.,
          flush=True)


def child_process(args, impl, corruption):
    """Start ``impl``'s process (stdin and stdout are pipes)."""
    import theano_setup
    from backend import ENGINE
    env = dict(os.environ, DA_BACKEND=ENGINE)
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        env[var] = str(args.threads)
    flags_var, _, _, keys, _ = theano_setup.ENGINES[ENGINE]
    flags = 'floatX=%s' % args.floatX
    if impl == 'tutorial-fallback':   # what the engine does without a BLAS
        flags += ',%s=' % keys[0]
    env[flags_var] = (flags + ',' + env[flags_var]
                      if env.get(flags_var) else flags)
    cmd = [sys.executable, os.path.abspath(__file__), '--child', impl,
           '--corruption', str(corruption), '--batch-size',
           str(args.batch_size), '--n-hidden', str(args.n_hidden),
           '--floatX', args.floatX, '--threads', str(args.threads),
           '--batches', str(args.batches), '--dataset', args.dataset]
    return subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def first_line(proc, impl):
    """The next line ``proc`` prints; exits with its errors if it died.
    None when ``impl`` is torch and torch is not installed."""
    line = proc.stdout.readline()
    if line:
        return line.strip()
    err = proc.stderr.read()
    proc.wait()
    if impl == 'torch' and "No module named 'torch'" in err:
        return None
    sys.exit('bench: %s failed:\n%s' % (impl, err[-3000:]))


def quartiles(values):
    """(lower quartile, median, upper quartile) of a list."""
    import numpy
    return tuple(float(q) for q in numpy.percentile(values, (25, 50, 75)))


def time_level(args, level):
    """Time every implementation at one corruption level, interleaved.

    :returns: {impl: None if not installed, else (median seconds per epoch,
              peak MB, quartiles of its time over theano's in the same
              round)}
    """
    procs = {}
    for impl in IMPLS:   # one at a time: compiling is CPU-bound too
        proc = child_process(args, impl, level)
        procs[impl] = proc if first_line(proc, impl) == 'READY' else None
    live = {impl: p for impl, p in procs.items() if p is not None}
    blocks = {impl: [] for impl in live}
    for _ in range(args.rounds):
        for impl, proc in live.items():
            time.sleep(args.pause)
            proc.stdin.write('run\n')
            proc.stdin.flush()
            blocks[impl].append(float(first_line(proc, impl)))
    results = dict.fromkeys(procs)
    for impl, proc in live.items():
        proc.stdin.write('end\n')
        proc.stdin.flush()
        peak = float(first_line(proc, impl))
        proc.wait()
        per_batch = quartiles(blocks[impl])[1] / args.batches
        ratios = [t / ref for t, ref in zip(blocks[impl], blocks['theano'])]
        results[impl] = (per_batch * 50000 / args.batch_size, peak,
                         quartiles(ratios))
    return results


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
    parser.add_argument('--batches', type=int, default=100,
                        help='minibatches in a timed block (default 100)')
    parser.add_argument('--rounds', type=int, default=15,
                        help='timed blocks per implementation (default 15)')
    parser.add_argument('--pause', type=float, default=0.3,
                        help='seconds of pause before each block (default '
                             '0.3: idle BLAS threads spin about 0.1 s)')
    parser.add_argument('--dataset', default='mnist.pkl.gz')
    parser.add_argument('--child', choices=IMPLS + ('gemm',),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ('batch_size', 'n_hidden', 'threads', 'batches', 'rounds'):
        if getattr(args, name) < 1:
            parser.error('--%s must be at least 1, got %d'
                         % (name.replace('_', '-'), getattr(args, name)))
    if args.child:
        args.impl = args.child
        args.corruption = args.corruption[0]
        return child(args)

    from backend import ENGINE, theano
    print('dA training step on %s %s: batch %d, 784-%d, %s, %d thread(s); '
          'median of %d interleaved blocks of %d minibatches, scaled to one '
          'epoch of 50,000 examples' % (
              ENGINE, theano.__version__, args.batch_size, args.n_hidden,
              args.floatX, args.threads, args.rounds, args.batches))
    for impl in IMPLS:
        print('  %-17s %s' % (impl, LABELS[impl]))
    gemm = child_process(args, 'gemm', 0.)
    print('BLAS (NumPy\'s) on the step\'s matrix shapes: %.1f GFLOP/s'
          % float(first_line(gemm, 'gemm')))
    gemm.wait()
    flop = flops_per_batch(args.batch_size, 784, args.n_hidden) \
        * 50000 / args.batch_size
    for level in args.corruption:
        print()
        print('%-10s %-17s %8s %11s %8s %8s  %s' % (
            'corruption', 'impl', 's/epoch', 'examples/s', 'GFLOP/s',
            'peak MB', 'its time / theano\'s (middle half of the rounds)'))
        results = time_level(args, level)
        for impl in IMPLS:
            name = '%g %%' % (100 * level)
            if results[impl] is None:
                print('%-10s %-17s (not installed)' % (name, impl))
                continue
            secs, peak, (low, mid, high) = results[impl]
            print('%-10s %-17s %8.2f %11.0f %8.1f %8.0f  %5.2fx (%.2f-%.2f)'
                  % (name, impl, secs, 50000 / secs, flop / secs / 1e9, peak,
                     mid, low, high))


if __name__ == '__main__':
    main()
