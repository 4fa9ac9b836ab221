"""Pick the symbolic engine: Theano 1.0.5, or its maintained successor
PyTensor, under the same names.

Every module of the project takes its engine from here::

    from da_tutorial.engine import theano, T, RandomStreams, sigmoid

so the code reads the same on both.  The project's install brings Theano
on Python <= 3.11 and PyTensor on 3.12 and later (``choose_engine`` says
which is used when both are there); the environment variable
``DA_BACKEND=theano`` or ``DA_BACKEND=pytensor`` forces one.  ``theano``
is the engine's top module (``pytensor`` under PyTensor), ``T`` its
``tensor`` module.

The engine's own flags (``THEANO_FLAGS`` / ``.theanorc``, or
``PYTENSOR_FLAGS`` / ``.pytensorrc``) are honoured; the project's defaults
(``defaults``; float32 in the scripts, ``cli.run_script``) are only
defaults.  Where the user asked for a GPU that Theano could not start,
``check_device`` says so instead of training on the CPU.
"""
import importlib
import importlib.util
import os
import sys

from . import defaults, flags, import_hook, pytensor_flags, theano_fixes

ENGINES = ('theano', 'pytensor')
# Theano 1.0.5 imports distutils, which Python 3.12 removed
THEANO_PYTHONS = (3, 12)


def choose_engine(environ=None, version=None):
    """Return 'theano' or 'pytensor' per ``DA_BACKEND`` and what is installed.

    Without ``DA_BACKEND``: the engine the user's script already imported
    (``import theano`` first, as the tutorials do), else the one the
    project's install brings for this Python: Theano on Python <= 3.11
    (PyTensor if Theano is missing), PyTensor on 3.12 and later.

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)

    :type version: tuple or None
    :param version: the Python version (``sys.version_info`` when None)

    :raises ImportError: naming the engine asked for, or both, and how to
                         install them
    """
    environ = os.environ if environ is None else environ
    version = tuple(sys.version_info if version is None else version)
    forced = environ.get('DA_BACKEND', '').strip().lower()
    if forced and forced not in ENGINES:
        raise ImportError("DA_BACKEND must be 'theano' or 'pytensor', got %r"
                          % environ['DA_BACKEND'])
    python = '%d.%d' % version[:2]
    if forced == 'theano' and version[:2] >= THEANO_PYTHONS:
        raise ImportError(
            'DA_BACKEND=theano: Theano 1.0.5 runs on Python 3.11 or older, '
            'this is Python %s. Unset DA_BACKEND to use PyTensor, or run '
            'with a Python 3.11 (README.md, "Theano or PyTensor").' % python)
    imported = [name for name in ENGINES if name in sys.modules]
    if forced:
        candidates = [forced]
    elif len(imported) == 1:
        candidates = imported
    elif version[:2] < THEANO_PYTHONS:
        candidates = ['theano', 'pytensor']
    else:
        candidates = ['pytensor']
    for name in candidates:
        if importlib.util.find_spec(name) is not None:
            return name
    if forced:
        raise ImportError('DA_BACKEND=%s, but %s is not installed: pip '
                          'install -e ".[%s]" (see README.md)'
                          % (forced, flags.ENGINE_NAMES[forced],
                             forced))
    raise ImportError(
        'no engine installed for this Python (%s): pip install -e . brings '
        'the right one (Theano on Python <= 3.11, PyTensor on 3.12 and '
        'later; see README.md)' % python)


ENGINE = choose_engine()

if ENGINE == 'theano':
    # the project's defaults at Theano's import, as for a script that
    # imports theano itself (without the .pth: a checkout not installed)
    import_hook.install()
    import theano
    import theano.tensor as T
    # runs on CPU and GPU alike (the tutorial's shared_randomstreams is
    # CPU-only); any RandomStreams object works with dA
    from theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams
    sigmoid = T.nnet.sigmoid
else:
    # the project's defaults, only where the project imports PyTensor
    theano = defaults.import_pytensor()
    import pytensor.tensor as T
    # Theano's MRG_RandomStreams on PyTensor: the tutorial's numbers
    from .ops.mrg_pytensor import MRGRandomStreams as RandomStreams
    # tutorial-style minibatches (givens at a symbolic index) in JAX mode
    from . import jax_slices  # noqa: F401
    # and `import theano` gives Theano's names over PyTensor (theano_face)
    import_hook.install()
    sigmoid = T.sigmoid

FLAGS_VAR = flags.ENGINES[ENGINE].flags_var    # THEANO_FLAGS, PYTENSOR_FLAGS


def blas_ldflags():
    """Return the BLAS link flags the engine uses."""
    if ENGINE == 'theano':
        return theano.config.blas.ldflags
    return theano.config.blas__ldflags


def one_row(minibatch):
    """``minibatch`` typed as holding exactly one row (checked when run).

    With batch size 1 the engine then knows each product is a vector times
    a matrix, and compiles it to its own level-2 BLAS kernels (gemv, and
    ger for the rank-1 weight updates), as it does for any variable of that
    type, instead of level-3 gemm calls on a 1-row matrix: about a quarter
    of the time for 784x1000 and 1000x1000 weights.

    :type minibatch: symbolic matrix or vector
    :param minibatch: a slice of one example, e.g. ``data[i: i + 1]``
    """
    if ENGINE == 'theano':
        # (a type the optimizer would drop where it is given as a
        # replacement of a matrix; the shape it keeps)
        return T.specify_shape(minibatch, (1,) + tuple(
            minibatch.shape[axis] for axis in range(1, minibatch.ndim)))
    return T.specify_broadcastable(minibatch, 0)


def jax_mode(mode=None):
    """True when functions compile for JAX (PyTensor's ``mode=JAX``).

    JAX compiles a function for fixed shapes; ``jax_slices`` lets it cut
    minibatches from a shared data set at a symbolic index, but PyTensor
    then hands JAX the whole data set at each call, so ``dA.py`` feeds its
    minibatches as inputs in this mode.

    :type mode: str, Mode or None
    :param mode: a compile mode (None: the default one, from the flags)
    """
    if ENGINE != 'pytensor':
        return False
    from pytensor.compile.mode import get_mode
    # by name: the JAX linker's module imports JAX itself
    return type(get_mode(mode).linker).__name__ == 'JAXLinker'


def device():
    """Return where the engine computes now: Theano's device; for
    PyTensor, 'cpu', or JAX's back end in JAX mode ('jax-gpu' on a GPU).
    The Theano face's ``config.device`` reads it too."""
    if ENGINE == 'theano':
        return theano.config.device
    if jax_mode():
        import jax
        return 'jax-' + jax.default_backend()
    return 'cpu'    # PyTensor's C and Numba back ends run on the CPU


DEVICE = device()


class DeviceError(RuntimeError):
    """The GPU the user asked for could not be started."""


def check_device():
    """Raise DeviceError when the user asked Theano for a GPU and Theano
    could not start it (Theano itself logs one ERROR and goes on, on the
    CPU: minutes of training on the wrong device).

    :raises DeviceError: with Theano's reason and how to fix it
    """
    if ENGINE != 'theano':
        # THEANO_FLAGS=device=cuda on PyTensor: a GPU through JAX, or this
        gpu_error = pytensor_flags.TRANSLATION.gpu_error
        if gpu_error is not None:
            raise DeviceError(gpu_error + '; to train on the CPU, leave '
                              'device out.')
        return
    asked = [name for name in ('device', 'init_gpu_device')
             if getattr(theano.config, name).startswith(('cuda', 'opencl'))]
    if not asked:
        return
    if importlib.import_module('theano.gpuarray').pygpu_activated:
        return
    reasons = list(theano_fixes.GPU_START.errors)
    if importlib.util.find_spec('pygpu') is None:
        reasons.append('pygpu is not installed in this Python (%s)'
                       % sys.prefix)
    raise DeviceError(
        '%s=%s was asked for (%s or .theanorc), but Theano could not start '
        'it: %s. To use the GPU, install its back end and check it with '
        'python -m da_tutorial.install_gpu (README.md, GPU); to train on '
        'the CPU, leave '
        '%s out.' % (asked[0], getattr(theano.config, asked[0]), FLAGS_VAR,
                     '; '.join(reasons) or 'see the ERROR above', asked[0]))
