"""Make Theano 1.0.5 importable on today's Python, with fast BLAS by default.

Import this module before the first ``import theano``::

    import theano_setup  # noqa: F401
    import theano

Why it exists: on Python 3.11 with NumPy 1.23, Theano 1.0.5 crashes at import
while guessing its BLAS link flags (``numpy.distutils.__config__`` no longer
has ``blas_opt_info``).  Setting ``blas.ldflags`` avoids that guess.  This
module supplies that one setting, and only as a default:

* if the user set ``blas.ldflags`` in ``THEANO_FLAGS`` or in a ``.theanorc``
  file (``THEANORC``), nothing is changed;
* otherwise ``-lopenblas`` is used when a system OpenBLAS can be linked
  (Debian: ``apt-get install libopenblas-dev``), else the empty string, which
  makes Theano fall back to NumPy's BLAS (slower; one notice is printed).

All other Theano settings stay exactly as the user gave them.  The flag is
passed to Theano through ``THEANO_FLAGS`` for the duration of the import only;
the environment is restored afterwards so child processes see the user's own.
"""
import configparser
import logging
import os
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
    'theano_setup: no system OpenBLAS found, so Theano uses its slower '
    'NumPy BLAS fallback (an epoch of dA.py is 3 to 4x slower). For speed '
    'install it (Debian/Ubuntu: apt-get install libopenblas-dev) or set '
    'blas.ldflags in THEANO_FLAGS.'
)


def user_blas_ldflags_set(environ=None):
    """Return True when the user configured ``blas.ldflags`` themselves.

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)
    """
    environ = os.environ if environ is None else environ
    for item in environ.get('THEANO_FLAGS', '').split(','):
        if item.split('=', 1)[0].strip() == 'blas.ldflags':
            return True
    # Same file list and precedence as theano/configparser.py.
    rc_files = [os.path.expanduser(p) for p in
                environ.get('THEANORC', '~/.theanorc').split(os.pathsep)]
    parser = configparser.RawConfigParser()
    try:
        parser.read(rc_files)
    except configparser.Error:
        return False  # Theano itself will report a broken .theanorc
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


def default_blas_ldflags():
    """Return the ``blas.ldflags`` default: OpenBLAS if linkable, else ''."""
    folder = find_openblas()
    if folder is None:
        return ''
    if folder in _SYSTEM_LIB_DIRS:
        return '-lopenblas'  # on the linker's default search path
    return '-L%s -lopenblas' % folder


def _import_theano():
    """Import Theano with ``blas.ldflags`` defaulted, then restore the env."""
    if 'theano' in sys.modules or user_blas_ldflags_set():
        import theano  # noqa: F401  (user's own configuration, untouched)
        return
    ldflags = default_blas_ldflags()
    if not ldflags:
        print(FALLBACK_NOTICE, file=sys.stderr)
        # Theano would print its own warning too; ours already says it.
        logging.getLogger('theano.tensor.blas').setLevel(logging.ERROR)
    old = os.environ.get('THEANO_FLAGS')
    # Ours goes first: for a repeated key Theano keeps the last value.
    os.environ['THEANO_FLAGS'] = 'blas.ldflags=%s,%s' % (ldflags, old or '')
    try:
        import theano  # noqa: F401
    finally:
        if old is None:
            del os.environ['THEANO_FLAGS']
        else:
            os.environ['THEANO_FLAGS'] = old


_import_theano()
