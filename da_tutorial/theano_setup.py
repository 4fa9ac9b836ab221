"""The engine's settings: make Theano 1.0.5 importable on today's Python, with
a fast BLAS by default (PyTensor too), wherever the engine is first imported
from.

Why it exists: on Python 3.11 with NumPy 1.23, Theano 1.0.5 crashes at import
while guessing its BLAS link flags (``numpy.distutils.__config__`` no longer
has ``blas_opt_info``).  Setting ``blas.ldflags`` avoids that guess.  This
module supplies that one setting, and only as a default:

* if the user set ``blas.ldflags`` in ``THEANO_FLAGS`` or in a ``.theanorc``
  file (``THEANORC``), nothing is changed (PyTensor: ``blas__ldflags`` in
  ``PYTENSOR_FLAGS`` or ``.pytensorrc``);
* otherwise the OpenBLAS of the ``scipy-openblas32`` wheel is used (the
  project installs it; see ``pypi_openblas_ldflags``), else ``-lopenblas``
  when a system OpenBLAS can be linked, else the empty string, which makes
  the engine fall back to NumPy's BLAS (slower; one notice is printed).

When the user asks Theano for a GPU (``device=cuda``), one more default,
again only where the user set nothing: ``dnn.enabled=False``, since Theano
1.0.5 predates today's cuDNN and the dA has no convolution.  And Theano's
own reason for not starting that GPU (it then goes on, on the CPU) is kept
in ``GPU_START_ERRORS`` for ``engine.check_device``.

The defaults reach the engine through its flags variable while the engine is
imported, and the environment is restored right after, so child processes
see the user's own.  All other settings stay as the user gave them.

When is that?  At the engine's own import: for Theano, wherever it
happens, through ``import_hook.TheanoImportHook`` (a script that starts, as
the tutorials do, with ``import theano``); for PyTensor, only when the
project itself imports it (``engine.py``): a program that imports PyTensor
on its own gets PyTensor's own settings.

``python dA.py`` (and the other scripts) also train in float32 unless the
user set ``floatX``: see ``floatx_default``.
"""
import configparser
import importlib.util
import logging
import os
import re
import sys
import warnings

# Theano 1.0.5's own settings (the module's function theano_settings reads
# the user's)
from da_tutorial import theano_settings as theano_tree

# Where linkers look for a shared library, in addition to the interpreter's
# own LIBDIR.  A ``libopenblas.so`` (the development symlink) must exist for
# ``-lopenblas`` to link; the runtime ``libopenblas.so.0`` alone is not enough.
_SYSTEM_LIB_DIRS = (
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64',
    '/usr/lib', '/usr/local/lib',
)
_OTHER_LIB_DIRS = ('/opt/homebrew/lib', '/usr/local/opt/openblas/lib')

FALLBACK_NOTICE = (
    'theano_setup: no OpenBLAS found, so %(Engine)s uses its slower NumPy '
    'BLAS fallback (an epoch of dA.py is about 9x slower). For speed install '
    'one (pip install scipy-openblas32, or on Debian/Ubuntu apt-get install '
    'libopenblas-dev) or set %(key)s in %(flags)s or %(rc)s.'
)

# The BLAS functions that Theano's and PyTensor's C code call by name
# (tensor/blas*.py, nnet/corr*.py).
BLAS_NAMES = ('sgemm_', 'dgemm_', 'sgemv_', 'dgemv_', 'sger_', 'dger_',
              'sdot_', 'ddot_', 'openblas_set_num_threads',
              'openblas_get_num_threads')


# per engine: flags variable, rc-file variable and default, key names of
# the BLAS flags, and the logger of the engine's own fallback warning
ENGINES = {
    'theano': ('THEANO_FLAGS', 'THEANORC', '~/.theanorc',
               ('blas.ldflags',), 'theano.tensor.blas'),
    'pytensor': ('PYTENSOR_FLAGS', 'PYTENSORRC', '~/.pytensorrc',
                 ('blas__ldflags', 'blas.ldflags'), 'pytensor.tensor.blas'),
}
ENGINE_NAMES = {'theano': 'Theano', 'pytensor': 'PyTensor'}


def user_value(name, environ=None, engine='theano'):
    """Return the value the user gave the engine's option ``name`` in its
    flags variable or in one of its rc files (the flags win, as in the
    engine), or None.  For PyTensor, ``THEANO_FLAGS`` and ``.theanorc``
    count too, below PyTensor's own (they mean what they say on every
    engine: ``theano_flags_for_pytensor``).

    :type name: str
    :param name: ``'floatX'`` (section ``global``) or ``'section.option'``
                 such as ``'blas.ldflags'``; PyTensor's ``blas__ldflags``
                 spelling is recognised too

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    environ = os.environ if environ is None else environ
    value = _engine_value(name, environ, engine)
    if value is None and engine == 'pytensor':
        value = _engine_value(name, environ, 'theano')
    return value


def _engine_value(name, environ, engine):
    """``user_value`` from one engine's own flags variable and rc files."""
    flags_var, rc_var, rc_default = ENGINES[engine][:3]
    keys = {name, name.replace('.', '__')}
    value = None
    for item in environ.get(flags_var, '').split(','):
        key, _, given = item.partition('=')
        if key.strip() in keys:
            value = given.strip()     # the engine keeps the last one
    if value is not None:
        return value
    section, option = name.split('.', 1) if '.' in name else ('global', name)
    # Same file list and precedence as the engine's configparser.
    rc_files = [os.path.expanduser(p) for p in
                environ.get(rc_var, rc_default).split(os.pathsep)]
    parser = configparser.RawConfigParser()
    try:
        parser.read(rc_files)
    except configparser.Error:
        return None  # the engine itself will report a broken rc file
    if parser.has_option(section, option):
        return parser.get(section, option)
    return None


def user_setting(name, environ=None, engine='theano'):
    """Return True when the user set the engine's option ``name`` in its
    flags variable or in one of its rc files (the parameters are
    ``user_value``'s)."""
    return user_value(name, environ, engine) is not None


def gpu_requested(environ=None):
    """Return True when the user asked Theano for a GPU (``device`` or
    ``init_gpu_device`` set to ``cuda...`` or ``opencl...``)."""
    return any((user_value(name, environ) or '').startswith(('cuda',
                                                             'opencl'))
               for name in ('device', 'init_gpu_device'))


def user_blas_ldflags_set(environ=None, engine='theano'):
    """Return True when the user configured the BLAS flags themselves.

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    return user_setting('blas.ldflags', environ, engine)


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


def theano_settings(environ=None):
    """Return ``{name: value}`` of everything the user set for Theano:
    ``THEANO_FLAGS`` over ``.theanorc`` (``THEANORC``), names written as
    Theano writes them (``floatX``, ``blas.ldflags``)."""
    environ = os.environ if environ is None else environ
    settings = {}
    rc_files = [os.path.expanduser(p) for p in
                environ.get('THEANORC', '~/.theanorc').split(os.pathsep)]
    parser = configparser.RawConfigParser()
    parser.optionxform = str      # floatX keeps its capital
    try:
        parser.read(rc_files)
    except configparser.Error:
        parser = configparser.RawConfigParser()
    for section in parser.sections():
        for option, value in parser.items(section):
            key = option if section == 'global' else section + '.' + option
            settings['floatX' if key.lower() == 'floatx' else key] = value
    for item in environ.get('THEANO_FLAGS', '').split(','):
        key, sep, value = item.partition('=')
        if sep and key.strip():
            settings[key.strip()] = value.strip()
    return settings


# Why the GPU asked for through THEANO_FLAGS cannot be used on PyTensor
PYTENSOR_GPU_ERRORS = []
_warned_flags = set()


def jax_gpu_reason():
    """None when JAX is installed and sees a GPU; else why not."""
    if importlib.util.find_spec('jax') is None:
        return 'JAX is not installed in this Python (%s)' % sys.prefix
    try:
        import jax
        if any(d.platform == 'gpu' for d in jax.devices()):
            return None
        return 'JAX sees no GPU here (its devices: %s)' % ', '.join(
            sorted(set(d.platform for d in jax.devices())))
    except Exception as e:   # JAX raises RuntimeError without a back end
        return 'JAX sees no GPU here (%s)' % str(e).split('\n')[0]


def theano_flags_for_pytensor(environ=None):
    """Return the (key, value) pairs that give PyTensor what the user set
    for Theano, for what PyTensor did not get from its own
    ``PYTENSOR_FLAGS`` or ``.pytensorrc``.

    * names that mean the same (``theano_tree.PYTENSOR``:
      ``floatX``, ``mode``, ``optimizer_excluding`` (``dA_fast``
      included), ``blas.ldflags`` ...) are passed on, ``.`` written
      ``__``;
    * ``device=cuda`` (``cuda0``, ``gpu`` ...): PyTensor runs on a GPU
      through JAX, so ``mode=JAX`` where JAX sees one; where it does not,
      the reason goes to ``PYTENSOR_GPU_ERRORS``, which
      ``engine.check_device`` raises before anything is written;
    * the names the Theano face keeps itself (``int_division`` ...) are
      left to it; Theano's settings without effect here (its old bug
      warnings, its CUDA back end ...) get one warning each, where they
      are given another value than Theano's default; a name Theano 1.0.5
      did not have gets one warning too.
    """
    environ = os.environ if environ is None else environ
    pairs = []
    for key, value in theano_settings(environ).items():
        name = key.replace('.', '__')
        if _engine_value(key, environ, 'pytensor') is not None:
            continue                     # PyTensor's own setting wins
        meaning = theano_tree.meaning(key)
        if meaning == theano_tree.PYTENSOR:
            pairs.append((name, value))
        elif name in ('device', 'init_gpu_device'):
            if not value.startswith(theano_tree.GPU_DEVICES):
                continue                 # cpu: PyTensor's only device
            reason = jax_gpu_reason()
            if reason is None:
                if _engine_value('mode', environ, 'pytensor') is None:
                    pairs.append(('mode', 'JAX'))
            elif not PYTENSOR_GPU_ERRORS:
                PYTENSOR_GPU_ERRORS.append(
                    '%s=%s: PyTensor runs on a GPU through JAX, and %s. '
                    'Install JAX with CUDA (pip install -U "jax[cuda12]")'
                    % (key, value, reason))
        elif key in _warned_flags or meaning == theano_tree.FACE:
            continue
        elif meaning is None:
            _warned_flags.add(key)
            warnings.warn('THEANO_FLAGS or .theanorc sets %s, which is not '
                          'a setting of Theano 1.0.5 (ignored here)' % key,
                          stacklevel=3)
        elif (notice := theano_tree.no_effect_notice(key, value)):
            _warned_flags.add(key)
            warnings.warn('THEANO_FLAGS or .theanorc: ' + notice,
                          stacklevel=3)
    return pairs


class engine_defaults(object):
    """Within this block (``with engine_defaults(engine):``), the engine's
    flags variable carries the project's defaults that the user did not set
    (``defaults``), and Theano's GPU start-up errors are kept; the variable
    is restored afterwards.  The engine reads its flags when it is imported.

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """

    def __init__(self, engine):
        self.engine = engine
        self.saved = None     # (variable, its old value) while changed
        self.capture = None   # GPU start-up errors, while importing

    def defaults(self):
        """The (key, value) pairs to add: those the user did not set."""
        flags_var, rc_var, rc_default, keys, logger = ENGINES[self.engine]
        pairs = []
        if not user_blas_ldflags_set(engine=self.engine):
            ldflags = default_blas_ldflags()
            if not ldflags:
                print(FALLBACK_NOTICE % dict(
                    Engine=ENGINE_NAMES[self.engine], key=keys[0],
                    flags=flags_var, rc=os.path.basename(rc_default)),
                    file=sys.stderr)
                # the engine would print its own warning too; ours says it
                logging.getLogger(logger).setLevel(logging.ERROR)
            pairs.append((keys[0], ldflags))
        if self.engine == 'pytensor':
            # THEANO_FLAGS and .theanorc mean what they say here too
            pairs += theano_flags_for_pytensor()
        if self.engine == 'theano' and gpu_requested():
            # Theano 1.0.5 predates cuDNN 9; the dA has no convolution
            if not user_setting('dnn.enabled'):
                pairs.append(('dnn.enabled', 'False'))
            self.capture = GPUErrorCapture()
        return pairs

    def __enter__(self):
        flags_var = ENGINES[self.engine][0]
        pairs = self.defaults()
        if pairs:
            self.saved = (flags_var, os.environ.get(flags_var))
            os.environ[flags_var] = ','.join(
                ['%s=%s' % pair for pair in pairs] + [self.saved[1] or ''])
        return self

    def __exit__(self, *exc_info):
        if self.capture is not None:
            self.capture.close()
            self.capture = None
        if self.saved is not None:
            flags_var, old = self.saved
            if old is None:
                del os.environ[flags_var]
            else:
                os.environ[flags_var] = old
            self.saved = None


# Why Theano could not start the GPU it was asked for, as it logged it while
# being imported (it then goes on, on the CPU): engine.check_device says so.
GPU_START_ERRORS = []


class GPUErrorCapture(logging.Handler):
    """Collects the ERROR records of ``theano.gpuarray`` into
    GPU_START_ERRORS until it is closed (Theano still prints them)."""

    def __init__(self):
        logging.Handler.__init__(self, logging.ERROR)
        self.logger = logging.getLogger('theano.gpuarray')
        self.logger.addHandler(self)

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text += ': %s: %s' % (type(error).__name__, error)
        GPU_START_ERRORS.append(text)

    def close(self):
        self.logger.removeHandler(self)
        logging.Handler.close(self)


# Why Theano's Cython scan could not be built in this process, once known
SCAN_BUILD_ERRORS = []


def scan_source_predates_python():
    """True when the C code Theano ships for its Cython scan cannot compile
    on this Python: it includes ``longintrepr.h``, which Python 3.11 moved
    into ``cpython/``."""
    if sys.version_info < (3, 11):
        return False
    spec = importlib.util.find_spec('theano')
    if spec is None or not spec.submodule_search_locations:
        return False
    path = os.path.join(spec.submodule_search_locations[0], 'scan_module',
                        'c_code', 'scan_perform.c')
    try:
        with open(path) as f:
            return '#include "longintrepr.h"' in f.read()
    except OSError:
        return False


def scan_fallback(exec_module):
    """Wrap the loader of ``theano.scan_module.scan_perform_ext`` (Theano's
    Cython scan, compiled on first use) so that a failed build is an
    ImportError.

    Theano 1.0.5 ships that C code as Cython 0.28 generated it, which does
    not compile on Python 3.11 (``longintrepr.h`` moved).  Theano falls
    back to its Python scan on an ImportError only, and the failed build
    raises a plain Exception, so without this ``theano.scan`` cannot be
    compiled at all.  The failure is kept, so the build is tried once per
    process; one INFO line on the ``theano.scan_module`` logger says so.

    :type exec_module: callable
    :param exec_module: the module loader's own ``exec_module``
    """
    def exec_or_fall_back(module):
        if not SCAN_BUILD_ERRORS and scan_source_predates_python():
            # known to fail: not worth a compiler run and its error file
            SCAN_BUILD_ERRORS.append(
                "Theano's Cython scan (generated by Cython 0.28) does not "
                'compile on Python %d.%d; Theano uses its Python scan '
                'instead' % sys.version_info[:2])
        if SCAN_BUILD_ERRORS:
            raise ImportError(SCAN_BUILD_ERRORS[0])
        try:
            exec_module(module)
        except ImportError:
            raise
        except Exception as e:
            reason = str(e).split('\n')[0][:300]
            SCAN_BUILD_ERRORS.append(
                "Theano's Cython scan cannot be built here (%s); Theano "
                'uses its Python scan instead' % reason)
            logging.getLogger('theano.scan_module').info(
                SCAN_BUILD_ERRORS[0])
            raise ImportError(SCAN_BUILD_ERRORS[0]) from e
    return exec_or_fall_back


def import_pytensor():
    """Import and return PyTensor with the project's defaults
    (``engine_defaults('pytensor')``), unless something imported it
    before: then it keeps the settings it was imported with.  The
    project's engine and the Theano face both import it this way."""
    if 'pytensor' not in sys.modules:
        with engine_defaults('pytensor'):
            import pytensor     # noqa: F401
    return sys.modules['pytensor']


class floatx_default(object):
    """Within this block (``with floatx_default(config, engine):``)
    ``config.floatX`` is ``value``, unless the user set floatX in the
    engine's flags or rc file; it is restored afterwards.

    The command-line scripts train in float32 this way: the tutorial's
    numbers to 7 digits, twice as fast as float64, and what a GPU needs.

    :type config: the engine's ``config`` object
    :param config: ``theano.config`` or ``pytensor.config``

    :type engine: str
    :param engine: 'theano' or 'pytensor'

    :type value: str
    :param value: the default, 'float32' or 'float64'
    """

    def __init__(self, config, engine, value='float32'):
        self.config, self.engine, self.value = config, engine, value
        self.old = None

    def __enter__(self):
        if not user_setting('floatX', engine=self.engine):
            self.old = self.config.floatX
            self.config.floatX = self.value
        return self

    def __exit__(self, *exc_info):
        if self.old is not None:
            self.config.floatX = self.old
            self.old = None
