"""Which BLAS is faster on this machine, OpenBLAS or MKL, at the products
a training step of the tutorial makes (``PRODUCTS``).

Each library is timed once (``measure``), with ``ctypes``, in a Python of
its own, so that neither one's threads nor its start-up touch the other's
figures or the process that asks.  The figures are kept (``cached_times``,
``store``) in the project's cache folder (``cache_folder``), under a key
that names the CPU, the libraries' files and the thread settings, so that
another CPU, a new wheel or another ``OMP_NUM_THREADS`` is measured anew.
``decide`` turns the figures into the choice and its reason: a pure
function, which the tests feed with figures of other CPUs.

Importing this module imports nothing but the standard library and
``mkl``: the timing Python imports it too.
"""
import array
import ctypes
import datetime
import json
import math
import os
import subprocess
import sys
import time

from . import mkl

# MKL must be this much faster, summed over the products both timed, to be
# chosen: a close race is within the noise of one timing, and OpenBLAS is
# the tutorial's own, with README's numbers
THRESHOLD = 1.3

CACHE_NAME = 'blas-speed.json'
CACHE_ENTRIES = 16       # one per CPU, install and thread setting
TIMEOUT = 30             # seconds for one library's timing Python

# The products of one training step, as the engine asks the BLAS for them
# (row-major, so a Fortran call with the operands swapped): label, then
# ('gemm', transa, transb, m, n, k, lda, ldb, size of A, size of B) or
# ('gemv', m, n, lda).  The dA's step at the tutorial's batch of 20 ...
PRODUCTS = (
    # the code, x W: 20x784 @ 784x500
    ('sgemm 20x784 @ 784x500', ('gemm', b'N', b'N', 500, 20, 784, 500, 784,
                                784 * 500, 20 * 784)),
    # the reconstruction, y W': 20x500 @ 500x784 (W' = W.T, a view)
    ('sgemm 20x500 @ 500x784', ('gemm', b'T', b'N', 784, 20, 500, 500, 500,
                                784 * 500, 20 * 500)),
    # W's gradient, x.T d: 784x20 @ 20x500 (x.T a view)
    ('sgemm 784x20 @ 20x500', ('gemm', b'N', b'T', 500, 784, 20, 500, 784,
                               20 * 500, 20 * 784)),
    # ... and SdA's batch of one: a row times 784x1000 weights
    ('sgemv 1x784 @ 784x1000', ('gemv', 1000, 784, 1000)),
)


def _floats(n):
    """A ctypes array of ``n`` float32, all 0.5 (no denormals)."""
    values = array.array('f', [0.5]) * n
    return (ctypes.c_float * n).from_buffer(values)


def _call(lib, prefix, product):
    """A function of no arguments making ``product`` (a row of
    ``PRODUCTS``) once with ``lib``'s BLAS, on buffers of its own."""
    ref = ctypes.byref
    one, zero, inc = ctypes.c_float(1.0), ctypes.c_float(0.0), ctypes.c_int(1)
    if product[0] == 'gemm':
        _, ta, tb, m, n, k, lda, ldb, a_size, b_size = product
        a, b, c = _floats(a_size), _floats(b_size), _floats(m * n)
        args = (ctypes.c_char_p(ta), ctypes.c_char_p(tb),
                ref(ctypes.c_int(m)), ref(ctypes.c_int(n)),
                ref(ctypes.c_int(k)), ref(one), a, ref(ctypes.c_int(lda)),
                b, ref(ctypes.c_int(ldb)), ref(zero), c, ref(ctypes.c_int(m)))
        function = getattr(lib, prefix + 'sgemm_')
    else:
        _, m, n, lda = product
        a, x, y = _floats(m * n), _floats(n), _floats(m)
        args = (ctypes.c_char_p(b'N'), ref(ctypes.c_int(m)),
                ref(ctypes.c_int(n)), ref(one), a, ref(ctypes.c_int(lda)),
                x, ref(inc), ref(zero), y, ref(inc))
        function = getattr(lib, prefix + 'sgemv_')
    return lambda: function(*args)


def best_time(call, calls=150, budget=0.08):
    """Microseconds a ``call()`` takes: the fastest of ``calls`` calls
    (fewer, but at least 10, once ``budget`` seconds have gone), after a
    warm-up.  The fastest, not the mean: on a machine busy with other work,
    a call that had to wait for a core says nothing about the library."""
    for _ in range(10):
        call()
    best, done, start = math.inf, 0, time.perf_counter()
    while done < calls and (done < 10 or
                            time.perf_counter() - start < budget):
        t = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t)
        done += 1
    return best * 1e6


def time_library(spec):
    """{label: microseconds} of ``PRODUCTS`` with the library of ``spec``:
    {'path': its file, 'prefix': of its symbols ('scipy_' in the OpenBLAS
    wheel), 'mkl': True for MKL (asked for strict reproducibility first,
    as the engine runs it)}."""
    lib = ctypes.CDLL(spec['path'])
    if spec.get('mkl'):
        mkl.strict_reproducibility(lib)
    return {label: round(best_time(_call(lib, spec['prefix'], product)), 1)
            for label, product in PRODUCTS}


def child():
    """The timing Python's work: ``time_library`` of the spec in argv[1]
    (JSON), printed as JSON."""
    print(json.dumps(time_library(json.loads(sys.argv[1]))))


def measure(spec, timeout=TIMEOUT):
    """``time_library(spec)``, in a Python of its own.

    :raises OSError: the timing failed (its error)
    """
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(
        __file__)))
    code = ('import sys; sys.path.insert(0, %r); '
            'from da_tutorial.blas_speed import child; child()'
            % package_parent)
    try:
        r = subprocess.run([sys.executable, '-I', '-c', code,
                            json.dumps(spec)], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise OSError('timing %s took over %d s' % (spec['path'], timeout))
    if r.returncode:
        last = (r.stderr.strip().splitlines() or ['exit status %d'
                                                  % r.returncode])[-1]
        raise OSError('timing %s failed: %s' % (spec['path'], last))
    return json.loads(r.stdout)


def compare(specs, rounds=2, most=4, agree=1.25):
    """{name: {label: microseconds}} of each library of ``specs`` ({name:
    spec for ``time_library``}), each timed in turns, ``rounds`` times and
    more (up to ``most``) until, for every product, its two best rounds
    agree within ``agree``; the best is kept.  On a machine busy with
    other work, a library's threads may wait for a core for the whole of a
    round: a third round then shows it.

    :raises OSError: a timing failed (its error)
    """
    seen = {name: {} for name in specs}   # {name: {label: [times]}}
    for done in range(1, most + 1):
        for name, spec in specs.items():
            for label, t in measure(spec).items():
                seen[name].setdefault(label, []).append(t)
        if done >= rounds and all(
                sorted(ts)[1] <= agree * min(ts)
                for name in seen for ts in seen[name].values()):
            break
    return {name: {label: min(ts) for label, ts in seen[name].items()}
            for name in seen}


def decide(times, cpu):
    """Return ``(choice, reason)``: 'mkl' where MKL was at least
    ``THRESHOLD`` times as fast as OpenBLAS over the products both were
    timed at (summed), else 'openblas'; the reason, one line, says so
    with the figures.

    :type times: dict
    :param times: {'openblas': {label: microseconds}, 'mkl': {...}}

    :type cpu: dict
    :param cpu: ``machine.cpu()`` of the machine they were measured on
    """
    both = [label for label, _ in PRODUCTS
            if label in times['openblas'] and label in times['mkl']]
    openblas = sum(times['openblas'][label] for label in both)
    mkl_time = sum(times['mkl'][label] for label in both)
    ratio = openblas / mkl_time
    figures = ('%d products of a training step took %.0f us on MKL, %.0f '
               'us on OpenBLAS, on this %s' % (len(both), mkl_time, openblas,
                                               cpu.get('model') or 'CPU'))
    if ratio >= THRESHOLD:
        return 'mkl', 'MKL is %.1fx as fast as OpenBLAS here: %s' % (
            ratio, figures)
    return 'openblas', ('MKL is %.2fx as fast as OpenBLAS here, under the '
                        '%.1fx that would choose it: %s'
                        % (ratio, THRESHOLD, figures))


def cache_folder(environ=None):
    """The project's cache folder: ``$XDG_CACHE_HOME/dA-tutorial``, else
    ``~/.cache/dA-tutorial``.

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)
    """
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CACHE_HOME') or os.path.join(
        os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'dA-tutorial')


def _entries(path):
    """The cache file's entries; none where it is missing or unreadable
    (it is measured again)."""
    try:
        with open(path) as f:
            entries = json.load(f)['entries']
        return [e for e in entries if isinstance(e, dict) and 'key' in e]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def cached_times(key, folder):
    """The figures stored under ``key`` (JSON data) in ``folder``'s cache
    file, with the date they were measured, or None."""
    for entry in _entries(os.path.join(folder, CACHE_NAME)):
        if entry['key'] == key:
            return entry['times'], entry.get('measured', '?')
    return None


def store(key, times, folder):
    """Keep ``times`` under ``key`` in ``folder``'s cache file, newest
    first (at most ``CACHE_ENTRIES``); the file is written whole to a
    temporary name and renamed, so a reader never sees half of it.
    Return the date it records."""
    path = os.path.join(folder, CACHE_NAME)
    today = datetime.date.today().isoformat()
    entries = [{'key': key, 'times': times, 'measured': today}] + [
        e for e in _entries(path) if e['key'] != key]
    os.makedirs(folder, exist_ok=True)
    tmp = '%s.%d.tmp' % (path, os.getpid())
    try:
        with open(tmp, 'w') as f:
            json.dump({'entries': entries[:CACHE_ENTRIES]}, f, indent=1)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return today
