"""Intel's MKL, from the ``mkl`` wheel, as the engine's BLAS.

The wheel puts MKL's libraries in the environment's ``lib`` folder
(``libraries``).  The engine links three of them (``ldflags``): the GNU
Fortran interface (``sgemm_`` as Theano calls it), GNU OpenMP threading,
so that one OpenMP runtime, GCC's ``libgomp``, serves MKL and the
project's own OpenMP kernels (``ops/fast_step.c``), and the core.

MKL may sum a product in another order when it runs on another number of
threads, so its last bits could depend on ``OMP_NUM_THREADS``.  Its
conditional numerical reproducibility in strict mode
(``strict_reproducibility``) makes them the same on any number of
threads; it must be asked for before MKL computes anything, in the
process that computes, so the project loads the very libraries the engine
will link (``load``) and asks, before the engine is imported.  A user's
own ``MKL_CBWR`` wins.

Each of the three libraries needs symbols of the other two, so they can
only be loaded together, as a compiled program that needs all three is
(``ctypes`` loads one library at a time): ``loader`` links an empty
library that needs them, once, into the project's cache folder.
"""
import ctypes
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys

# the layers the engine links, in the linker's order
LAYERS = ('gf_lp64', 'gnu_thread', 'core')

# mkl_cbwr.h: the best code path for this CPU, and results independent of
# the number of threads
MKL_CBWR_AUTO = 2
MKL_CBWR_STRICT = 0x10000
MKL_CBWR_SUCCESS = 0


def libraries(prefix=None):
    """Return the paths of MKL's ``LAYERS`` in ``prefix``/lib, in that
    order (the newest where the folder holds several versions), or None
    where one is missing.

    :type prefix: str or None
    :param prefix: the environment (``sys.prefix`` when None), where pip
                   puts the ``mkl`` wheel's libraries
    """
    folder = os.path.join(sys.prefix if prefix is None else prefix, 'lib')
    found = []
    for layer in LAYERS:
        # libmkl_core.so.2, .so.3 ...: the wheel installs no plain .so
        names = glob.glob(os.path.join(folder, 'libmkl_%s.so.*' % layer))
        names = [n for n in names if re.search(r'\.so\.\d+$', n)]
        if not names:
            return None
        found.append(max(names, key=lambda n: int(n.rsplit('.', 1)[1])))
    return found


def ldflags(paths):
    """Return the engine's ``blas.ldflags`` for MKL's ``paths``
    (``libraries``), or None where their folder has a space (the engines
    split the flags at spaces).

    ``-l:name`` links a library by its file name (the wheel has no
    ``libmkl_core.so``); ``-L`` makes the engines add a run path, so the
    compiled code finds MKL without ``LD_LIBRARY_PATH``; the linker must
    keep all three, though the compiled code calls only the first
    (``--no-as-needed``, which some distributions' compilers do not
    default to; as ``-Xlinker``'s argument, since the flags variables
    split at commas); ``-lgomp`` is the OpenMP runtime of MKL's GNU
    threading.
    """
    folder = os.path.dirname(paths[0])
    if ' ' in folder:
        return None
    return ' '.join(['-L' + folder, '-Xlinker', '--no-as-needed'] +
                    ['-l:' + os.path.basename(p) for p in paths] +
                    ['-lgomp'])


def version():
    """The installed ``mkl`` wheel's version, or None."""
    from importlib import metadata
    try:
        return metadata.version('mkl')
    except metadata.PackageNotFoundError:
        return None


def fingerprint(paths):
    """What identifies an install of the libraries at ``paths``: each
    one's path, size and modification time (a new wheel changes them)."""
    stats = [os.stat(p) for p in paths]
    return [[p, s.st_size, s.st_mtime_ns] for p, s in zip(paths, stats)]


def loader(paths, folder):
    """Return the path of an empty library that needs MKL's ``paths``
    (``libraries``) and ``libgomp``, with a run path to their folder;
    linked into ``folder`` the first time, then reused.

    :type folder: str
    :param folder: where to keep it (the project's cache folder)

    :raises OSError: no C compiler, or it failed (its message)
    """
    key = hashlib.sha1(repr(fingerprint(paths)).encode()).hexdigest()[:16]
    path = os.path.join(folder, 'mkl-loader-%s.so' % key)
    if os.path.exists(path):
        return path
    compiler = next((c for c in (os.environ.get('CC'), 'gcc', 'cc', 'g++')
                     if c and shutil.which(c)), None)
    if compiler is None:
        raise OSError('no C compiler (gcc) found to load MKL with')
    os.makedirs(folder, exist_ok=True)
    tmp = '%s.%d.tmp' % (path, os.getpid())
    link = [compiler, '-shared', '-o', tmp, '-x', 'c', os.devnull,
            '-Wl,-rpath,' + os.path.dirname(paths[0])] + \
        ldflags(paths).split()
    try:
        r = subprocess.run(link, capture_output=True, text=True)
        if r.returncode:
            raise OSError('%s failed: %s' % (' '.join(link),
                                             r.stderr.strip()))
        os.replace(tmp, path)      # whole or not at all
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def load(paths, folder):
    """Load MKL's ``paths`` into this process (``loader``); return the
    ``ctypes`` library, through which MKL's functions are called.  The
    engine's compiled code, linked to the same files, then uses these very
    libraries (the dynamic linker loads a library once per process).

    :raises OSError: MKL could not be loaded (the reason)
    """
    return ctypes.CDLL(loader(paths, folder))


def strict_reproducibility(lib, environ=None):
    """Ask MKL (``lib``, from ``load``) for the same bits on any number of
    threads: ``mkl_cbwr_set(MKL_CBWR_AUTO | MKL_CBWR_STRICT)``, unless the
    user set ``MKL_CBWR`` (theirs wins).  Return None where it holds, else
    why not, in words.

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)
    """
    environ = os.environ if environ is None else environ
    if environ.get('MKL_CBWR'):
        return 'MKL_CBWR=%s set by you' % environ['MKL_CBWR']
    # MKL_CBWR_Set is the C entry point (the lower-case mkl_cbwr_set of
    # this Fortran interface takes its argument by reference)
    status = lib.MKL_CBWR_Set(MKL_CBWR_AUTO | MKL_CBWR_STRICT)
    if status != MKL_CBWR_SUCCESS:
        # -8: MKL had computed already (another library loaded it first)
        return 'mkl_cbwr_set failed (%d)' % status
    return None


def strict_mode(lib):
    """True when MKL (``lib``) runs in strict reproducible mode."""
    return bool(lib.MKL_CBWR_Get(-1) & MKL_CBWR_STRICT)   # -1: all
