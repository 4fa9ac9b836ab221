"""The BLAS the engine links its C code to, where the user chose none.

Theano 1.0.5 must be given ``blas.ldflags``: on Python 3.11 with NumPy
1.23 it crashes at import while guessing them (``numpy.distutils``'s
``__config__`` no longer has ``blas_opt_info``).  The default
(``ldflags_default``), for Theano and PyTensor alike, follows ``DA_BLAS``
(``auto``, ``openblas`` or ``mkl``):

* ``auto``: where both Intel's MKL (the ``mkl`` wheel, which the install
  brings on Intel CPUs: ``install_mkl``) and the OpenBLAS wheel are
  installed, the two are timed once on this machine at the tutorial's
  products and the result cached (``timed_choice``): MKL where it is
  clearly faster (its kernels were 2 to 3 times OpenBLAS's on an Intel
  Xeon), else OpenBLAS;
* OpenBLAS: the ``scipy-openblas32`` wheel's (``pypi_openblas_ldflags``),
  else ``-lopenblas`` where a system OpenBLAS can be linked
  (``find_openblas``), else the empty string: the engine falls back to
  NumPy's BLAS (slower; ``FALLBACK_NOTICE`` says so once).

A ``blas.ldflags`` of the user's (``user_blas_ldflags_set``) is never
replaced: ``defaults.engine_defaults`` asks first.  ``python dA.py
--version`` shows the choice and why.
"""
import collections
import importlib.util
import logging
import os
import platform
import re
import sys

from da_tutorial import flags, machine, mkl

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
# warnings about the BLAS (the NumPy fallback; a library folder without a
# plain .so, which MKL's is)
LDFLAGS_KEY = {'theano': 'blas.ldflags', 'pytensor': 'blas__ldflags'}
FALLBACK_LOGGER = {'theano': 'theano.tensor.blas',
                   'pytensor': 'pytensor.tensor.blas'}
NO_PLAIN_SO_WARNING = 'We did not find a dynamic library in the library_dir'

# DA_BLAS's values, and how a user overrides the choice
DA_BLAS_VALUES = ('auto', 'openblas', 'mkl')
BAD_DA_BLAS = 'DA_BLAS must be auto, openblas or mkl, got %r'
OVERRIDE = ('DA_BLAS=openblas|mkl, or %s in %s or %s, chooses another')

Choice = collections.namedtuple('Choice', 'name ldflags reason')
Choice.__doc__ = """A BLAS for the engine: its name and version in words,
the engine's ``blas.ldflags`` for it, and why it was chosen (one line)."""

# the choice made at each engine's import in this process (ldflags_default)
CHOSEN = {}


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


def openblas_wheel():
    """Return ``(folder, library, symbol prefix)`` of the ``scipy-openblas32``
    wheel's OpenBLAS (``library``: the file's name), or None when it is not
    installed."""
    if importlib.util.find_spec('scipy_openblas32') is None:
        return None
    import scipy_openblas32
    found = re.search(r'BLAS_SYMBOL_PREFIX=(\w+)',
                      scipy_openblas32.get_pkg_config())
    return (scipy_openblas32.get_lib_dir(),
            scipy_openblas32.get_library(fullname=True),
            found.group(1) if found else '')


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
    wheel = openblas_wheel()
    if wheel is None:
        return None
    import scipy_openblas32
    folder, _, prefix = wheel
    if ' ' in folder:
        return None   # Theano splits the flags at spaces
    parts = ['-L' + folder, '-l' + scipy_openblas32.get_library()]
    parts += ['-D%s=%s%s' % (name, prefix, name) for name in BLAS_NAMES
              if prefix]
    return ' '.join(parts)


def openblas_choice(reason):
    """The OpenBLAS ``Choice``: the wheel's if installed, else a system
    OpenBLAS if linkable, else none ('': NumPy's BLAS).

    :type reason: str
    :param reason: why OpenBLAS, in words
    """
    pypi = pypi_openblas_ldflags()
    if pypi:
        from importlib import metadata
        return Choice('OpenBLAS (scipy-openblas32 %s)'
                      % metadata.version('scipy-openblas32'), pypi, reason)
    folder = find_openblas()
    if folder is None:
        return Choice("no OpenBLAS: the engine's NumPy BLAS fallback", '',
                      reason)
    if folder in _SYSTEM_LIB_DIRS:
        ldflags = '-lopenblas'    # on the linker's default search path
    else:
        ldflags = '-L%s -lopenblas' % folder
    return Choice('OpenBLAS (%s)' % folder, ldflags, reason)


def da_blas(environ=None):
    """Return ``DA_BLAS``'s value, one of ``DA_BLAS_VALUES`` ('auto' where
    it is unset or empty; any case, spaces around allowed).

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)

    :raises ValueError: another value (``BAD_DA_BLAS``, one line)
    """
    environ = os.environ if environ is None else environ
    value = environ.get('DA_BLAS', '').strip().lower() or 'auto'
    if value not in DA_BLAS_VALUES:
        raise ValueError(BAD_DA_BLAS % environ['DA_BLAS'])
    return value


def install_mkl(environ=None, cpu_vendor=None, system=None, arch=None):
    """Return True when installing the project should bring MKL (the
    ``mkl`` wheel; setup.py asks, on the machine that builds the install):
    with ``DA_BLAS=mkl`` anywhere, never with ``DA_BLAS=openblas``, and by
    default on Linux x86_64 with an Intel CPU, where MKL's products are 2
    to 3 times OpenBLAS's at the tutorial's sizes (on AMD it was not
    clearly faster: docs/speed.md).

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)

    :type cpu_vendor: str or None
    :param cpu_vendor: /proc/cpuinfo's ``vendor_id`` (read when None)

    :type system: str or None
    :param system: ``platform.system()`` (asked when None)

    :type arch: str or None
    :param arch: ``platform.machine()`` (asked when None)

    :raises ValueError: a bad ``DA_BLAS`` (``da_blas``)
    """
    wanted = da_blas(environ)
    if wanted != 'auto':
        return wanted == 'mkl'
    system = platform.system() if system is None else system
    arch = platform.machine() if arch is None else arch
    if system != 'Linux' or arch != 'x86_64':
        return False
    vendor = machine.cpu()['vendor'] if cpu_vendor is None else cpu_vendor
    return vendor == 'GenuineIntel'


def speed_key(cpu, paths, environ):
    """The key the timing of ``paths`` (MKL's and OpenBLAS's libraries) is
    kept under: the CPU, the libraries' files (``mkl.fingerprint``) and
    the settings that change their speed (thread counts, ``MKL_CBWR``)."""
    settings = machine.THREAD_VARIABLES + ('MKL_CBWR',)
    return {'cpu': cpu['model'], 'vector': cpu['vector'],
            'cores': cpu['cores'], 'libraries': mkl.fingerprint(paths),
            'settings': {name: environ[name] for name in settings
                         if environ.get(name)}}


def timed_choice(mkl_paths, wheel, environ):
    """``(name, reason)`` of ``auto`` where both MKL (``mkl_paths``) and the
    OpenBLAS ``wheel`` (``openblas_wheel()``) are installed: the two timed
    on this machine (``blas_speed``), once, then read from the cache.

    :raises OSError: the timing failed (its reason)
    """
    from da_tutorial import blas_speed
    cpu = machine.cpu()
    openblas_path = os.path.join(wheel[0], wheel[1])
    folder = blas_speed.cache_folder(environ)
    key = speed_key(cpu, mkl_paths + [openblas_path], environ)
    cached = blas_speed.cached_times(key, folder)
    if cached is None:
        print('dA-tutorial: timing OpenBLAS and MKL on this machine, once '
              '(about a second; DA_BLAS=openblas|mkl skips it)',
              file=sys.stderr)
        times = blas_speed.compare({
            'openblas': {'path': openblas_path, 'prefix': wheel[2]},
            'mkl': {'path': mkl.loader(mkl_paths, folder), 'prefix': '',
                    'mkl': True}})
        cached = times, blas_speed.store(key, times, folder)
    times, measured = cached
    name, reason = blas_speed.decide(times, cpu)
    return name, '%s (timed %s)' % (reason, measured)


def choose_blas(environ=None):
    """Return the ``Choice`` of BLAS for the engine, per ``DA_BLAS`` (see
    the module's docstring).

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)

    :raises UserError: a bad ``DA_BLAS``, or ``DA_BLAS=mkl`` without MKL
    """
    from da_tutorial.checks import UserError
    environ = os.environ if environ is None else environ
    try:
        wanted = da_blas(environ)
    except ValueError as e:
        raise UserError(str(e)) from None
    paths = mkl.libraries()
    mkl_flags = paths and mkl.ldflags(paths)
    if wanted == 'mkl' and not mkl_flags:
        raise UserError(
            'DA_BLAS=mkl, but MKL is not installed in this Python (no '
            'libmkl_core.so.* in %s, or a space in its path): pip install '
            'mkl, or unset DA_BLAS' % os.path.join(sys.prefix, 'lib'))
    if wanted == 'openblas':
        return openblas_choice('DA_BLAS=openblas')
    if wanted == 'mkl':
        return Choice('MKL %s' % mkl.version(), mkl_flags, 'DA_BLAS=mkl')
    # auto
    if not mkl_flags:
        return openblas_choice('auto: MKL is not installed (pip install mkl '
                               'to have the two timed)')
    wheel = openblas_wheel()
    if wheel is None:
        return Choice('MKL %s' % mkl.version(), mkl_flags,
                      'auto: the OpenBLAS wheel is not installed')
    try:
        name, reason = timed_choice(paths, wheel, environ)
    except OSError as e:
        return openblas_choice('auto: timing MKL failed (%s)' % e)
    if name == 'mkl':
        return Choice('MKL %s' % mkl.version(), mkl_flags, 'auto: ' + reason)
    return openblas_choice('auto: ' + reason)


def default_blas_ldflags(environ=None):
    """Return the ``blas.ldflags`` default: ``choose_blas``'s."""
    return choose_blas(environ).ldflags


class _DropWarning(logging.Filter):
    """Drops a logger's records that start with ``text``."""

    def __init__(self, text):
        logging.Filter.__init__(self)
        self.text = text

    def filter(self, record):
        return not str(record.msg).startswith(self.text)


def prepare_mkl(engine):
    """Before the engine links MKL: load it into this process with its
    results independent of the thread count (``mkl.strict_reproducibility``),
    and silence the engine's warning that MKL's folder has no plain ``.so``
    (the flags name the files).  Return a note for the choice's reason, or
    '' (where MKL could not be made reproducible, one line on stderr says
    why).

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    from da_tutorial import blas_speed
    logging.getLogger(FALLBACK_LOGGER[engine]).addFilter(
        _DropWarning(NO_PLAIN_SO_WARNING))
    try:
        lib = mkl.load(mkl.libraries(), blas_speed.cache_folder())
        why_not = mkl.strict_reproducibility(lib)
    except OSError as e:
        why_not = 'MKL could not be loaded first: %s' % e
    if why_not is None:
        return '; strict reproducibility: the same bits on any thread count'
    if not os.environ.get('MKL_CBWR'):
        print('dA-tutorial: MKL\'s results may depend on its thread count '
              '(%s)' % why_not, file=sys.stderr)
    return '; %s' % why_not


def ldflags_default(engine):
    """Return the ``(key, value)`` flag that gives the engine the default
    BLAS (``choose_blas``), and record the choice in ``CHOSEN``.  For MKL,
    ``prepare_mkl``.  Where there is no BLAS, print ``FALLBACK_NOTICE``
    and silence the engine's own warning, which would say the same.

    A bad ``DA_BLAS`` stops the program here, at the engine's import, with
    one line (exit status 2, as the scripts end on a user's mistake).

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    from da_tutorial.checks import UserError
    try:
        choice = choose_blas()
    except UserError as e:
        print('error: %s' % e, file=sys.stderr)
        raise SystemExit(2)
    if choice.name.startswith('MKL'):
        choice = choice._replace(reason=choice.reason + prepare_mkl(engine))
    if not choice.ldflags:
        where = flags.ENGINES[engine]
        print(FALLBACK_NOTICE % dict(
            Engine=flags.ENGINE_NAMES[engine], key=LDFLAGS_KEY[engine],
            flags=where.flags_var, rc=os.path.basename(where.rc_default)),
            file=sys.stderr)
        logging.getLogger(FALLBACK_LOGGER[engine]).setLevel(logging.ERROR)
    CHOSEN[engine] = choice
    return (LDFLAGS_KEY[engine], choice.ldflags)


def describe(engine, ldflags, override=True):
    """One line: the BLAS the engine links, why, and (with ``override``)
    how to choose another.

    :type engine: str
    :param engine: 'theano' or 'pytensor'

    :type ldflags: str
    :param ldflags: the engine's BLAS flags now (``engine.blas_ldflags()``)
    """
    where = flags.ENGINES[engine]
    choice = CHOSEN.get(engine)
    if choice is None or choice.ldflags != ldflags:
        # the user's own flags (or an engine imported without the project)
        return '%s=%r, set for %s, which wins over DA_BLAS' % (
            LDFLAGS_KEY[engine], ldflags, flags.ENGINE_NAMES[engine])
    line = '%s; %s' % (choice.name, choice.reason)
    if override:
        line += '; ' + OVERRIDE % (LDFLAGS_KEY[engine], where.flags_var,
                                   os.path.basename(where.rc_default))
    return line
