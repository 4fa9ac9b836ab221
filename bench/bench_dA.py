"""Time the dA training step: this project's step on Theano and on PyTensor
against the tutorial's graph as Theano compiles it (with and without a
BLAS), PyTensor's default Numba back end, and hand-written NumPy and
PyTorch versions of the same math; on a GPU, the same on CUDA.

    python bench/bench_dA.py                      # 0 % and 30 %, float32
    python bench/bench_dA.py --corruption 0.3 --threads 1 --rounds 15
    python bench/bench_dA.py --cold-cache         # compile from scratch
    python bench/bench_dA.py --impls theano pytensor --before ../old
                                                  # and an older checkout's

Each implementation runs in its own process, with the Python of its
engine's environment: Theano's (Python <= 3.11) for the Theano, NumPy and
PyTorch rows, PyTensor's (Python 3.12 or later) for the PyTensor rows; by
default ``.venv-theano``/``.venv`` and ``.venv-pytensor`` of the checkout,
or this Python where it has the engine (``--theano-python``,
``--pytensor-python``).  A row whose engine or library is missing says so.

Each process first runs one epoch (2,500 minibatches of 20) from its own
start: that is the ``first epoch`` column, imports, data, compiling (a cold
or warm compile cache, as found, or cold with ``--cold-cache``) and the
epoch's steps.  Then the processes take turns: in each round every
implementation times one block of ``--batches`` minibatches, one after the
other, with a pause before each block so that the BLAS threads of the
others have stopped spinning; load from elsewhere on the machine falls on
all of them alike.  The median block over ``--rounds`` rounds is scaled to
one epoch; the ratio column compares each block with the ``theano`` block
of the same round (median, and the middle half of the rounds).  The
``theano`` and ``pytensor`` rows are the very function ``test_dA`` trains
with (``dA.build_train_function``); ``tutorial`` compiles the same graph
without the ``dA_fast`` rewrites (the engine's default mode), i.e. the
tutorial's own code.

With ``--before DIR`` (a checkout of an earlier commit, with its own
``.venv-theano`` and ``.venv-pytensor``), each of the project's rows is
also timed as that checkout runs it, as a ``before:`` row in the same
rounds: a change's effect on speed, measured within noise.

The hand-written versions are here for comparison only; they are not part of
the library.  PyTorch is used where it is installed (``pip install torch``).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import timeit

START = time.time()
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)   # the project's modules
EPOCH_BATCHES = 2500

# row: (engine whose environment runs it, extra engine flags, label)
IMPLS = {
    'theano': ('theano', '', "this project's step on Theano 1.0.5 "
               '(the dA_fast kernels, the BLAS it links)'),
    'theano-inexact': ('theano', '', "the opt-in fast step on Theano "
                       "(build_train_function(..., step='fast'))"),
    'tutorial': ('theano', '', "the tutorial's graph as Theano compiles it "
                 'by default, same BLAS'),
    'pytensor': ('pytensor', '', "this project's step on PyTensor (its C "
                 'back end, the dA_fast kernels, the same BLAS wheel)'),
    'pytensor-inexact': ('pytensor', '', 'the opt-in fast step on '
                         'PyTensor (its C back end)'),
    'pytensor-numba': ('pytensor', 'mode=NUMBA', "the project's graph in "
                       "PyTensor's default Numba mode"),
    'pytensor-jax': ('pytensor', 'mode=JAX', "the project's graph in "
                     "PyTensor's JAX mode (minibatches as inputs)"),
    'numpy': ('theano', '', 'hand-written NumPy'),
    'torch': ('theano', '', 'hand-written PyTorch'),
    'tutorial-fallback': ('theano', 'blas.ldflags=', "the tutorial's graph, "
                          "Theano without a BLAS (its NumPy fallback)"),
    'theano-gpu': ('theano', 'device=cuda', "this project's step on Theano's "
                   'CUDA back end'),
    'torch-cuda': ('theano', '', 'hand-written PyTorch on CUDA'),
}
DEFAULT_IMPLS = ('theano', 'theano-inexact', 'tutorial', 'pytensor',
                 'pytensor-inexact', 'pytensor-numba', 'numpy', 'torch',
                 'tutorial-fallback')
GPU_IMPLS = ('theano-gpu', 'torch-cuda')


def flops_per_batch(batch_size, n_visible, n_hidden):
    """Five matrix products a step: 2 forward, 3 backward, 2*B*V*H each."""
    return 5 * 2 * batch_size * n_visible * n_hidden


def load_train_x(dataset, floatX):
    """The training images as a C-contiguous array of ``floatX``."""
    import numpy
    from da_tutorial.data import find_dataset, read_dataset
    x = read_dataset(find_dataset(dataset, download_missing=False))[0][0]
    return numpy.ascontiguousarray(x, dtype=floatX)


def engine_step(args, x):
    """The project's own compiled training function; for the
    ``tutorial`` rows, the same graph compiled without the ``dA_fast``
    rewrites; for the ``-inexact`` rows, the opt-in fast step."""
    import numpy
    from da_tutorial import engine
    import dA
    engine.check_device()
    shared = engine.theano.shared(x, borrow=True)
    _, train_da, n_batches = dA.build_train_function(
        shared, corruption_level=args.corruption, learning_rate=0.1,
        batch_size=args.batch_size, n_hidden=args.n_hidden,
        step='fast' if args.impl.endswith('-inexact') else 'tutorial',
        mode=engine.theano.compile.mode.get_default_mode()
        if args.impl.startswith('tutorial') else None)
    # called as training.Epochs calls it: with 0-d int64 arrays
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
    """Hand-written PyTorch: explicit matrix products, in-place updates; on
    CUDA for ``torch-cuda`` (the data set copied there once)."""
    import torch
    torch.set_num_threads(args.threads)
    device = 'cuda' if args.impl == 'torch-cuda' else 'cpu'
    if device == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('no CUDA device for PyTorch here')
    dt = torch.float32 if x.dtype.name == 'float32' else torch.float64
    X = torch.from_numpy(x).to(device)
    gen = torch.Generator(device=device).manual_seed(123)
    B, V, H = args.batch_size, x.shape[1], args.n_hidden
    bound = 4 * (6. / (V + H)) ** 0.5
    W = (torch.rand(V, H, generator=gen, dtype=dt, device=device) * 2 - 1) \
        * bound
    b = torch.zeros(H, dtype=dt, device=device)
    bp = torch.zeros(V, dtype=dt, device=device)
    lr = 0.1
    keep = 1 - args.corruption
    h = torch.empty(B, H, dtype=dt, device=device)
    z = torch.empty(B, V, dtype=dt, device=device)
    dh = torch.empty(B, H, dtype=dt, device=device)

    @torch.no_grad()
    def step(i):
        xb = X[i * B:(i + 1) * B]
        if keep < 1:
            tx = xb * (torch.rand(xb.shape, generator=gen, dtype=dt,
                                  device=device) < keep)
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
        return float(cost)   # waits for the device, as a training loop does
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
    """Serve one implementation.  Run one epoch from the process's start and
    print READY with its seconds; then for each ``run`` line on stdin time
    one block of minibatches and print its seconds; on any other line print
    the peak memory (MB) and stop."""
    import resource
    x = load_train_x(args.dataset, args.floatX)
    if args.impl == 'gemm':
        print(gemm_rate(args, x))
        return
    n_batches = x.shape[0] // args.batch_size
    make = {'numpy': numpy_step, 'torch': torch_step,
            'torch-cuda': torch_step}.get(args.impl, engine_step)
    step = make(args, x)
    for batch in range(min(EPOCH_BATCHES, n_batches)):   # the first epoch
        step(batch)
    first_epoch = time.time() - args.started
    batch = 0
    print('READY %r' % first_epoch, flush=True)
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


def engine_pythons(args):
    """{engine: the Python that has it, or None}."""
    found = {}
    for engine, given in (('theano', args.theano_python),
                          ('pytensor', args.pytensor_python)):
        candidates = [given] if given else [
            sys.executable] + [os.path.join(REPO, v, 'bin', 'python') for v in
                               ('.venv-%s' % engine, '.venv')]
        found[engine] = None
        for python in candidates:
            if python and has_module(python, engine):
                found[engine] = python
                break
    return found


def has_module(python, name):
    """True when ``python`` runs and can import ``name``."""
    if not os.path.exists(python):
        return False
    code = 'import importlib.util, sys; sys.exit(importlib.util.find_spec(' \
           '%r) is None)' % name
    return subprocess.run([python, '-c', code],
                          capture_output=True).returncode == 0


BEFORE = 'before:'
PROJECT_ROWS = ('theano', 'theano-inexact', 'pytensor', 'pytensor-inexact')


def row(args, impl):
    """(the IMPLS row, the Python, the bench script) of ``impl``: a
    ``before:`` row runs in the ``--before`` checkout, with its own
    environment and its own copy of this script."""
    if not impl.startswith(BEFORE):
        return impl, args.pythons[IMPLS[impl][0]], os.path.abspath(__file__)
    base = impl[len(BEFORE):]
    python = os.path.join(args.before, '.venv-%s' % IMPLS[base][0], 'bin',
                          'python')
    return base, python if os.path.exists(python) else None, os.path.join(
        args.before, 'bench', 'bench_dA.py')


def child_process(args, impl, corruption, cache):
    """Start ``impl``'s process (stdin and stdout are pipes)."""
    from da_tutorial.flags import ENGINES
    impl, python, script = row(args, impl)
    engine, extra, _ = IMPLS[impl]
    env = dict(os.environ, DA_BACKEND=engine)
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        env[var] = str(args.threads)
    flags_var = ENGINES[engine].flags_var
    flags = ['floatX=%s' % args.floatX] + ([extra] if extra else [])
    if cache:
        flags.append('base_compiledir=%s' % cache[engine])
    env[flags_var] = ','.join(flags + ([env[flags_var]] if env.get(flags_var)
                                       else []))
    cmd = [python, script, '--child', impl,
           '--corruption', str(corruption), '--batch-size',
           str(args.batch_size), '--n-hidden', str(args.n_hidden),
           '--floatX', args.floatX, '--threads', str(args.threads),
           '--batches', str(args.batches), '--dataset', args.dataset,
           '--started', repr(time.time())]
    return subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


MISSING = ("No module named 'torch'", 'no CUDA device', 'could not start it')


def first_line(proc, impl):
    """The next line ``proc`` prints; exits with its errors if it died.
    None when what the row needs is missing (torch, a GPU)."""
    line = proc.stdout.readline()
    if line:
        return line.strip()
    err = proc.stderr.read()
    proc.wait()
    if any(m in err for m in MISSING):
        return None
    sys.exit('bench: %s failed:\n%s' % (impl, err[-3000:]))


def quartiles(values):
    """(lower quartile, median, upper quartile) of a list."""
    import numpy
    return tuple(float(q) for q in numpy.percentile(values, (25, 50, 75)))


def time_level(args, level, impls, cache):
    """Time every implementation at one corruption level, interleaved.

    :returns: {impl: None if not available, else (median seconds per
              epoch, first epoch seconds, peak MB, quartiles of its time
              over theano's in the same round)}
    """
    procs, first_epochs = {}, {}
    for impl in impls:   # one at a time: compiling is CPU-bound too
        if row(args, impl)[1] is None:
            procs[impl] = None
            continue
        proc = child_process(args, impl, level, cache)
        ready = first_line(proc, impl)
        procs[impl] = proc if ready else None
        if ready:
            first_epochs[impl] = float(ready.split()[1])
    live = {impl: p for impl, p in procs.items() if p is not None}
    blocks = {impl: [] for impl in live}
    for _ in range(args.rounds):
        for impl, proc in live.items():
            time.sleep(args.pause)
            proc.stdin.write('run\n')
            proc.stdin.flush()
            blocks[impl].append(float(first_line(proc, impl)))
    results = dict.fromkeys(procs)
    reference = blocks.get('theano') or next(iter(blocks.values()))
    for impl, proc in live.items():
        proc.stdin.write('end\n')
        proc.stdin.flush()
        peak = float(first_line(proc, impl))
        proc.wait()
        per_batch = quartiles(blocks[impl])[1] / args.batches
        ratios = [t / ref for t, ref in zip(blocks[impl], reference)]
        results[impl] = (per_batch * 50000 / args.batch_size,
                         first_epochs[impl], peak, quartiles(ratios))
    return results


def gpu_present():
    """True when an NVIDIA GPU is visible (``nvidia-smi -L`` lists one)."""
    try:
        out = subprocess.run(['nvidia-smi', '-L'], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and 'GPU' in out.stdout


def versions(python):
    """'Python 3.x.y, <engine> v, NumPy v' of an environment."""
    code = ('import sys, importlib, numpy\n'
            'parts = ["Python %d.%d.%d" % sys.version_info[:3]]\n'
            'for m in ("theano", "pytensor", "torch"):\n'
            '    try:\n'
            '        parts.append("%s %s" % (m, importlib.import_module(m)'
            '.__version__))\n'
            '    except Exception:\n'
            '        pass\n'
            'parts.append("NumPy " + numpy.__version__)\n'
            'print(", ".join(parts))\n')
    env = dict(os.environ, THEANO_FLAGS='blas.ldflags=',
               PYTENSOR_FLAGS='blas__ldflags=')
    out = subprocess.run([python, '-c', code], capture_output=True,
                         text=True, env=env)
    return out.stdout.strip() or '?'


def parse_args(argv):
    """The command line, checked."""
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
    parser.add_argument('--impls', nargs='+', choices=sorted(IMPLS),
                        help='rows to time (default: %s; and %s where a GPU '
                             'is present)' % (' '.join(DEFAULT_IMPLS),
                                               ' '.join(GPU_IMPLS)))
    parser.add_argument('--theano-python', help="Python of Theano's "
                        'environment (default: found, see above)')
    parser.add_argument('--pytensor-python', help="Python of PyTensor's "
                        'environment (default: found, see above)')
    parser.add_argument('--cold-cache', action='store_true',
                        help='compile into empty, temporary compile caches')
    parser.add_argument('--dataset', default='mnist.pkl.gz')
    parser.add_argument('--child', choices=sorted(IMPLS) + ['gemm'],
                        help=argparse.SUPPRESS)
    parser.add_argument('--started', type=float, help=argparse.SUPPRESS)
    parser.add_argument('--before', metavar='DIR',
                        help="also time the project's rows of the checkout "
                             'in DIR, with its own environments')
    args = parser.parse_args(argv)
    for name in ('batch_size', 'n_hidden', 'threads', 'batches', 'rounds'):
        if getattr(args, name) < 1:
            parser.error('--%s must be at least 1, got %d'
                         % (name.replace('_', '-'), getattr(args, name)))
    return args


def print_setting(args, impls):
    """What is timed, where, and the BLAS's own rate."""
    from da_tutorial.machine import describe
    print('machine: ' + describe('%d (--threads)' % args.threads))
    print('dA training step: batch %d, 784-%d, %s, %d thread(s); median of '
          '%d interleaved blocks of %d minibatches, scaled to one epoch of '
          '50,000 examples; first epoch: from the process\'s start, %s '
          'compile cache' % (
              args.batch_size, args.n_hidden, args.floatX, args.threads,
              args.rounds, args.batches,
              'a cold' if args.cold_cache else 'the'))
    for engine, python in args.pythons.items():
        print('  %-8s %s' % (engine, '%s (%s)' % (python, versions(python))
                             if python else 'not found'))
    if args.before:
        print('  before   %s' % os.path.abspath(args.before))
    for impl in impls:
        print('  %-24s %s' % (impl, IMPLS[row(args, impl)[0]][2]))
    if args.pythons['theano'] or args.pythons['pytensor']:
        python = args.pythons['theano'] or args.pythons['pytensor']
        gemm = subprocess.run(
            [python, os.path.abspath(__file__), '--child', 'gemm',
             '--dataset', args.dataset, '--floatX', args.floatX],
            capture_output=True, text=True,
            env=dict(os.environ, **{v: str(args.threads) for v in (
                'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS')}))
        print("BLAS (NumPy's, %s) on the step's matrix shapes: %.1f GFLOP/s"
              % (os.path.basename(os.path.dirname(os.path.dirname(python))),
                 float(gemm.stdout.split()[-1])))


def print_level(args, level, impls, results):
    """One corruption level's table."""
    flop = flops_per_batch(args.batch_size, 784, args.n_hidden) \
        * 50000 / args.batch_size
    print()
    print('%-10s %-24s %8s %11s %8s %8s  %-32s %s' % (
        'corruption', 'impl', 's/epoch', 'examples/s', 'GFLOP/s',
        'peak MB', "its time / theano's (mid half)", 'first epoch s'))
    for impl in impls:
        name = '%g %%' % (100 * level)
        if results[impl] is None:
            print('%-10s %-24s (not available here)' % (name, impl))
            continue
        secs, first, peak, (low, mid, high) = results[impl]
        ratio = '%5.2fx (%.2f-%.2f)' % (mid, low, high)
        print('%-10s %-24s %8.2f %11.0f %8.1f %8.0f  %-32s %13.1f' % (
            name, impl, secs, 50000 / secs, flop / secs / 1e9, peak,
            ratio, first))


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        args.impl = args.child
        args.corruption = args.corruption[0]
        args.started = args.started or START
        return child(args)

    args.pythons = engine_pythons(args)
    impls = list(args.impls or DEFAULT_IMPLS +
                 (GPU_IMPLS if gpu_present() else ()))
    if args.before:
        impls += [BEFORE + impl for impl in impls if impl in PROJECT_ROWS]
    print_setting(args, impls)
    for level in args.corruption:
        cache = None
        if args.cold_cache:
            cache = {e: tempfile.mkdtemp(prefix='bench-%s-' % e)
                     for e in ('theano', 'pytensor')}
        try:
            results = time_level(args, level, impls, cache)
        finally:
            for folder in (cache or {}).values():
                shutil.rmtree(folder, ignore_errors=True)
        print_level(args, level, impls, results)


if __name__ == '__main__':
    main()
