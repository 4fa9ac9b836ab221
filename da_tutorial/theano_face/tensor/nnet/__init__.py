"""``theano.tensor.nnet``: the activations and costs the tutorials use, as
Theano computed them (``softmax`` row by row)."""
import pytensor.tensor as _pt
from pytensor.tensor.math import sigmoid, softplus  # noqa: F401
from pytensor.tensor.special import softmax as _softmax

from da_tutorial.theano_face import _compat


def softmax(x):
    """Theano's softmax: over the last axis, one row of a matrix at a time
    (PyTensor's default is over all elements)."""
    return _softmax(x, axis=-1)


def relu(x, alpha=0):
    """Theano's ``relu``: x where positive, ``alpha * x`` elsewhere."""
    if alpha == 0:
        return _pt.maximum(x, 0)
    return _pt.switch(x > 0, x, alpha * x)


def binary_crossentropy(output, target):
    """``-(target * log(output) + (1 - target) * log(1 - output))``,
    elementwise."""
    return -(target * _pt.log(output) + (1.0 - target) * _pt.log(1.0 - output))


def categorical_crossentropy(coding_dist, true_dist):
    """The cross-entropy of each row of ``coding_dist``: against an integer
    label per row (``true_dist`` a vector), or a distribution per row."""
    if true_dist.ndim == coding_dist.ndim:
        return -_pt.sum(true_dist * _pt.log(coding_dist),
                        axis=coding_dist.ndim - 1)
    return -_pt.log(coding_dist[_pt.arange(true_dist.shape[0]), true_dist])


def hard_sigmoid(x):
    """Theano's piecewise linear sigmoid: clip(0.2 x + 0.5, 0, 1)."""
    return _pt.clip(0.2 * x + 0.5, 0, 1)


def ultra_fast_sigmoid(x):
    """Theano's fast approximation of the sigmoid; here the exact one."""
    return sigmoid(x)


def __getattr__(name):
    """Other names: PyTensor's, where it has them."""
    return _compat.forward(_pt, 'theano.tensor.nnet', name)
