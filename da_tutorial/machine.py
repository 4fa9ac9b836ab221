"""Where a run ran: the CPU (its model and vector extensions) and the
threads its BLAS was given, for metrics.json and the benchmarks'
printouts.  Read from Linux's ``/proc/cpuinfo``; elsewhere what Python's
``platform`` knows."""
import os
import platform

# the vector extensions that decide how fast the products and kernels run
VECTOR_FLAGS = ('sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw',
                'avx512vl', 'avx512_bf16', 'amx_tile')
THREAD_VARIABLES = ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS',
                    'MKL_NUM_THREADS')


def cpu(cpuinfo='/proc/cpuinfo'):
    """{'model', 'vector', 'cores', 'vendor'}: the CPU's model name, the
    extensions of ``VECTOR_FLAGS`` it has, the cores this process may use
    and its maker's ``vendor_id`` ('GenuineIntel', 'AuthenticAMD'; '' where
    not known).

    :type cpuinfo: str
    :param cpuinfo: the file to read (Linux's; a missing one gives what
                    ``platform`` says and no extensions)
    """
    model, flags = platform.processor() or platform.machine(), set()
    vendor = ''
    try:
        with open(cpuinfo) as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name':
                    model = value.strip()
                elif key.strip() == 'flags':
                    flags = set(value.split())
                elif key.strip() == 'vendor_id':
                    vendor = value.strip()
                if model and flags and key.strip() == '':
                    break       # the first processor is enough
    except OSError:
        pass
    return {'model': model, 'vector': [f for f in VECTOR_FLAGS if f in flags],
            'cores': cores(), 'vendor': vendor}


def cores():
    """The cores this process may use."""
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def blas_threads(environ=None):
    """The threads the BLAS was given: the first of ``THREAD_VARIABLES``
    set, as 'OPENBLAS_NUM_THREADS=1', else 'its default (N cores)'."""
    environ = os.environ if environ is None else environ
    for name in THREAD_VARIABLES:
        if environ.get(name):
            return '%s=%s' % (name, environ[name])
    return 'its default (%d cores)' % cores()


def describe(threads=None):
    """One line: 'AMD EPYC (avx, avx2, fma), 2 cores; BLAS threads: ...',
    and the BLAS where this process's engine has chosen one
    ('; BLAS: OpenBLAS (...)').

    :type threads: str or None
    :param threads: the BLAS threads, where the caller sets them (a
                    benchmark's children); None: ``blas_threads()``
    """
    from da_tutorial.blas import CHOSEN      # (blas reads this module)
    c = cpu()
    line = '%s (%s), %d cores; BLAS threads: %s' % (
        c['model'], ', '.join(c['vector']) or 'no extensions known',
        c['cores'], threads or blas_threads())
    for choice in CHOSEN.values():
        line += '; BLAS: %s' % choice.name
    return line
