"""``theano.tensor.shared_randomstreams.RandomStreams`` over PyTensor's
``RandomStream``, with Theano's argument order (``size`` first)."""
from pytensor import config
from pytensor.tensor.random.utils import RandomStream


class RandomStreams(object):
    """Theano's CPU random streams: symbolic draws whose generator state is
    a shared variable that each compiled call advances.

    :type seed: int or None
    :param seed: seeds every draw's generator
    """

    def __init__(self, seed=None):
        self.stream = RandomStream(seed)

    def uniform(self, size=None, low=0.0, high=1.0, ndim=None, dtype=None):
        """Uniforms in [low, high) of shape ``size``."""
        return self.stream.uniform(low, high, size=size).astype(
            dtype or config.floatX)

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
        """Gaussians of mean ``avg`` and deviation ``std``."""
        return self.stream.normal(avg, std, size=size).astype(
            dtype or config.floatX)

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype='int64',
                 prob=None):
        """Draws of Binomial(n, p) (``prob``: Theano's older name of p)."""
        p = prob if prob is not None else p
        return self.stream.binomial(n, p, size=size).astype(dtype)

    def random_integers(self, size=None, low=0, high=1, ndim=None,
                        dtype='int64'):
        """Integers in [low, high], both included, as Theano's."""
        return self.stream.integers(low, high + 1, size=size).astype(dtype)

    def permutation(self, size=None, n=1, ndim=None, dtype='int64'):
        """A permutation of 0..n-1."""
        return self.stream.permutation(n).astype(dtype)
