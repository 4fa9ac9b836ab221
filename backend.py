"""Pick the symbolic engine: Theano 1.0.5, or its maintained successor
PyTensor, under the same names.

Every module of the project takes its engine from here::

    from backend import theano, T, RandomStreams, sigmoid

so the code reads the same on both.  Theano is used when it is installed,
otherwise PyTensor; the environment variable ``DA_BACKEND=theano`` or
``DA_BACKEND=pytensor`` forces one.  ``theano`` is the engine's top module
(``pytensor`` under PyTensor), ``T`` its ``tensor`` module.

The engine's own flags (``THEANO_FLAGS`` / ``.theanorc``, or
``PYTENSOR_FLAGS`` / ``.pytensorrc``) are honoured; ``theano_setup.py`` only
supplies a BLAS default that they override.
"""
import importlib.util
import os
import warnings

ENGINES = ('theano', 'pytensor')


def choose_engine(environ=None):
    """Return 'theano' or 'pytensor' per ``DA_BACKEND`` and what is installed.

    :raises ImportError: naming the engine asked for, or both, and how to
                         install them
    """
    environ = os.environ if environ is None else environ
    forced = environ.get('DA_BACKEND', '').strip().lower()
    if forced and forced not in ENGINES:
        raise ImportError("DA_BACKEND must be 'theano' or 'pytensor', got %r"
                          % environ['DA_BACKEND'])
    for name in [forced] if forced else ENGINES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ImportError(
        '%s is not installed: pip install -e ".[%s]" (see README.md)'
        % (forced, forced) if forced else
        'neither Theano nor PyTensor is installed: pip install -e '
        '".[theano]" (Python <= 3.11, NumPy < 1.24) or ".[pytensor]"')


ENGINE = choose_engine()

if ENGINE == 'theano':
    import theano_setup
    theano_setup.import_engine('theano')
    import theano
    import theano.tensor as T
    from theano import Variable  # noqa: F401
    # runs on CPU and GPU alike (the tutorial's shared_randomstreams is
    # CPU-only); any RandomStreams object works with dA
    from theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams
    sigmoid = T.nnet.sigmoid
    softmax = T.nnet.softmax
    FLAGS_VAR = 'THEANO_FLAGS'
    DEVICE = theano.config.device

    def blas_ldflags():
        """The BLAS link flags the engine uses."""
        return theano.config.blas.ldflags
else:
    import theano_setup
    theano_setup.import_engine('pytensor')
    import pytensor as theano
    import pytensor.tensor as T
    from pytensor.graph.basic import Variable  # noqa: F401
    from pytensor.tensor.random.utils import RandomStream
    from pytensor.tensor.special import softmax as _softmax
    sigmoid = T.sigmoid
    FLAGS_VAR = 'PYTENSOR_FLAGS'
    DEVICE = 'cpu'   # PyTensor's C and Numba back ends run on the CPU

    def blas_ldflags():
        """The BLAS link flags the engine uses."""
        return theano.config.blas__ldflags

    def softmax(x):
        """Row-wise softmax, as Theano's (PyTensor's default is over all
        elements)."""
        return _softmax(x, axis=-1)

    class RandomStreams(object):
        """Theano's RandomStreams interface over PyTensor's RandomStream.

        :type seed: int
        :param seed: seed of the stream
        """

        def __init__(self, seed):
            with warnings.catch_warnings():   # deprecated, still supported
                warnings.simplefilter('ignore', FutureWarning)
                self.stream = RandomStream(seed)

        def binomial(self, size, n=1, p=0.5, dtype='int64'):
            """Symbolic binomial draws of shape ``size``, cast to ``dtype``.
            """
            p = T.cast(p, theano.config.floatX)
            return self.stream.binomial(n=n, p=p, size=size).astype(dtype)

        def uniform(self, size, low=0., high=1., dtype=None):
            """Symbolic uniform draws of shape ``size``."""
            dtype = dtype or theano.config.floatX
            return self.stream.uniform(low, high, size=size).astype(dtype)
