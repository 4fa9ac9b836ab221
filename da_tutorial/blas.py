"""The BLAS the engine links its C code to, where the user chose none.

Theano 1.0.5 must be given ``blas.ldflags``: on Python 3.11 with NumPy
1.23 it crashes at import while guessing them (``numpy.distutils``'s
``__config__`` no longer has ``blas_opt_info``).  The default
(``default_blas_ldflags``), for Theano and PyTensor alike:

* the OpenBLAS of the ``scipy-openblas32`` wheel (the project installs it;
  ``pypi_openblas_ldflags``);
* else ``-lopenblas`` where a system OpenBLAS can be linked
  (``find_openblas``);
* else the empty string: the engine falls back to NumPy's BLAS (slower;
  ``FALLBACK_NOTICE`` says so once).

A ``blas.ldflags`` of the user's (``user_blas_ldflags_set``) is never
replaced: ``defaults.engine_defaults`` asks first.
"""
import importlib.util
import logging
import os
import re
import sys

from da_tutorial import flags

# Where linkers look for a shared library, in addition to the interpreter's
# own LIBDIR.  A ``libopenblas.so`` (the development symlink) must exist for
# ``-lopenblas`` to link; the runtime ``libopenblas.so.0`` alone is not enough.
_SYSTEM_LIB_DIRS = (
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64',
    '/usr/lib', '/usr/local/lib',
)
_OTHER_LIB_DIRS = ('/opt/homebrew/lib', '/usr/local/opt/openblas/lib')

FALLBACK_NOTICE = (
    'dA-tutorial: no OpenBLAS found, so %(Engine)s uses its slower NumPy '
    'BLAS fallback (an epoch of dA.py is about 9x slower). For speed install '
    'one (pip install scipy-openblas32, or on Debian/Ubuntu apt-get install '
    'libopenblas-dev) or set %(key)s in %(flags)s or %(rc)s.'
)

# The BLAS functions that Theano's and PyTensor's C code call by name
# (tensor/blas*.py, nnet/corr*.py).
BLAS_NAMES = ('sgemm_', 'dgemm_', 'sgemv_', 'dgemv_', 'sger_', 'dger_',
              'sdot_', 'ddot_', 'openblas_set_num_threads',
              'openblas_get_num_threads')

# per engine: the name of its BLAS flags, and the logger of its own
# warning about the NumPy fallback
LDFLAGS_KEY = {'theano': 'blas.ldflags', 'pytensor': 'blas__ldflags'}
FALLBACK_LOGGER = {'theano': 'theano.tensor.blas',
                   'pytensor': 'pytensor.tensor.blas'}


def user_blas_ldflags_set(environ=None, engine='theano'):
    """Return True when the user configured the BLAS flags themselves.

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    return flags.user_setting('blas.ldflags', environ, engine)


def find_openblas(lib_dirs=None):
    """Return the folder holding a linkable ``libopenblas.so``, or None.

    :type lib_dirs: sequence of str or None
    :param lib_dirs: folders to search (a default list when None)
    """
    if lib_dirs is None:
        libdir = getattr(sys, 'base_prefix', sys.prefix) + '/lib'
        lib_dirs = _SYSTEM_LIB_DIRS + _OTHER_LIB_DIRS + (libdir,)
    for folder in lib_dirs:
        for name in ('libopenblas.so', 'libopenblas.dylib'):
            if os.path.exists(os.path.join(folder, name)):
                return folder
    return None


def pypi_openblas_ldflags():
    """Return flags linking the OpenBLAS of the ``scipy-openblas32`` wheel,
    or None when it is not installed.

    That wheel is the OpenBLAS that NumPy and SciPy ship, for any Linux,
    macOS or Windows, installed by pip without root; on the project's
    machine its small matrix products are faster than Debian's OpenBLAS
    (``bench/README.md``).  Its symbols carry a prefix (``scipy_sgemm_``), so
    the flags rename the few that Theano calls with ``-D`` (compile flags,
    which Theano passes to its BLAS ops).
    """
    if importlib.util.find_spec('scipy_openblas32') is None:
        return None
    import scipy_openblas32
    if ' ' in scipy_openblas32.get_lib_dir():
        return None   # Theano splits the flags at spaces
    found = re.search(r'BLAS_SYMBOL_PREFIX=(\w+)',
                      scipy_openblas32.get_pkg_config())
    prefix = found.group(1) if found else ''
    parts = ['-L' + scipy_openblas32.get_lib_dir(),
             '-l' + scipy_openblas32.get_library()]
    parts += ['-D%s=%s%s' % (name, prefix, name) for name in BLAS_NAMES
              if prefix]
    return ' '.join(parts)


def default_blas_ldflags():
    """Return the ``blas.ldflags`` default: the OpenBLAS wheel if installed,
    else a system OpenBLAS if linkable, else ''."""
    pypi = pypi_openblas_ldflags()
    if pypi:
        return pypi
    folder = find_openblas()
    if folder is None:
        return ''
    if folder in _SYSTEM_LIB_DIRS:
        return '-lopenblas'  # on the linker's default search path
    return '-L%s -lopenblas' % folder


def ldflags_default(engine):
    """Return the ``(key, value)`` flag that gives the engine the default
    BLAS (``default_blas_ldflags``).  Where there is none, print
    ``FALLBACK_NOTICE`` and silence the engine's own warning, which would
    say the same.

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    ldflags = default_blas_ldflags()
    if not ldflags:
        where = flags.ENGINES[engine]
        print(FALLBACK_NOTICE % dict(
            Engine=flags.ENGINE_NAMES[engine], key=LDFLAGS_KEY[engine],
            flags=where.flags_var, rc=os.path.basename(where.rc_default)),
            file=sys.stderr)
        logging.getLogger(FALLBACK_LOGGER[engine]).setLevel(logging.ERROR)
    return (LDFLAGS_KEY[engine], ldflags)
