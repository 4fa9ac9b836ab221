"""Make Theano 1.0.5 importable on today's Python, with fast BLAS by default
(for PyTensor too).

``backend.py`` calls ``import_engine('theano')`` (or ``'pytensor'``) before
the engine is first imported; nothing happens on importing this module.

Why it exists: on Python 3.11 with NumPy 1.23, Theano 1.0.5 crashes at import
while guessing its BLAS link flags (``numpy.distutils.__config__`` no longer
has ``blas_opt_info``).  Setting ``blas.ldflags`` avoids that guess.  This
module supplies that one setting, and only as a default:

* if the user set ``blas.ldflags`` in ``THEANO_FLAGS`` or in a ``.theanorc``
  file (``THEANORC``), nothing is changed (PyTensor: ``blas__ldflags`` in
  ``PYTENSOR_FLAGS`` or ``.pytensorrc``);
* otherwise the OpenBLAS of the ``scipy-openblas32`` wheel is used when it
  is installed (the ``theano`` extra brings it; see ``pypi_openblas_ldflags``),
  else ``-lopenblas`` when a system OpenBLAS can be linked (Debian:
  ``apt-get install libopenblas-dev``), else the empty string, which makes
  Theano fall back to NumPy's BLAS (slower; one notice is printed).

All other Theano settings stay exactly as the user gave them.  The flag is
passed to Theano through ``THEANO_FLAGS`` for the duration of the import only;
the environment is restored afterwards so child processes see the user's own.
PyTensor guesses no BLAS at all with today's NumPy, so it gets the same
default.
"""
import configparser
import importlib
import importlib.util
import logging
import os
import re
import sys

# Where linkers look for a shared library, in addition to the interpreter's
# own LIBDIR.  A ``libopenblas.so`` (the development symlink) must exist for
# ``-lopenblas`` to link; the runtime ``libopenblas.so.0`` alone is not enough.
_SYSTEM_LIB_DIRS = (
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64',
    '/usr/lib', '/usr/local/lib',
)
_OTHER_LIB_DIRS = ('/opt/homebrew/lib', '/usr/local/opt/openblas/lib')

FALLBACK_NOTICE = (
    'theano_setup: no OpenBLAS found, so Theano uses its slower NumPy BLAS '
    'fallback (an epoch of dA.py is about 9x slower). For speed install one '
    '(pip install scipy-openblas32, or on Debian/Ubuntu apt-get install '
    'libopenblas-dev) or set blas.ldflags in THEANO_FLAGS.'
)

# The BLAS functions that Theano's and PyTensor's C code call by name
# (tensor/blas*.py, nnet/corr*.py).
BLAS_NAMES = ('sgemm_', 'dgemm_', 'sgemv_', 'dgemv_', 'sger_', 'dger_',
              'sdot_', 'ddot_', 'openblas_set_num_threads',
              'openblas_get_num_threads')


# per engine: flags variable, rc-file variable and default, key names,
# and the logger of the engine's own fallback warning
ENGINES = {
    'theano': ('THEANO_FLAGS', 'THEANORC', '~/.theanorc',
               ('blas.ldflags',), 'theano.tensor.blas'),
    'pytensor': ('PYTENSOR_FLAGS', 'PYTENSORRC', '~/.pytensorrc',
                 ('blas__ldflags', 'blas.ldflags'), 'pytensor.tensor.blas'),
}


def user_blas_ldflags_set(environ=None, engine='theano'):
    """Return True when the user configured the BLAS flags themselves.

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    environ = os.environ if environ is None else environ
    flags_var, rc_var, rc_default, keys, _ = ENGINES[engine]
    for item in environ.get(flags_var, '').split(','):
        if item.split('=', 1)[0].strip() in keys:
            return True
    # Same file list and precedence as the engine's configparser.
    rc_files = [os.path.expanduser(p) for p in
                environ.get(rc_var, rc_default).split(os.pathsep)]
    parser = configparser.RawConfigParser()
    try:
        parser.read(rc_files)
    except configparser.Error:
        return False  # the engine itself will report a broken rc file
    return parser.has_option('blas', 'ldflags')


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
    flags = ['-L' + scipy_openblas32.get_lib_dir(),
             '-l' + scipy_openblas32.get_library()]
    flags += ['-D%s=%s%s' % (name, prefix, name) for name in BLAS_NAMES
              if prefix]
    return ' '.join(flags)


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


def import_engine(engine='theano'):
    """Import the engine with its BLAS flags defaulted, then restore the
    environment.  Does nothing to an engine already imported, or when the
    user set the flags.

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    flags_var, _, _, keys, logger = ENGINES[engine]
    if engine in sys.modules or user_blas_ldflags_set(engine=engine):
        importlib.import_module(engine)  # user's own configuration
        return
    ldflags = default_blas_ldflags()
    if not ldflags:
        print(FALLBACK_NOTICE.replace('THEANO_FLAGS', flags_var),
              file=sys.stderr)
        # the engine would print its own warning too; ours already says it
        logging.getLogger(logger).setLevel(logging.ERROR)
    old = os.environ.get(flags_var)
    # Ours goes first: for a repeated key the engine keeps the last value.
    os.environ[flags_var] = '%s=%s,%s' % (keys[0], ldflags, old or '')
    try:
        importlib.import_module(engine)
    finally:
        if old is None:
            del os.environ[flags_var]
        else:
            os.environ[flags_var] = old
