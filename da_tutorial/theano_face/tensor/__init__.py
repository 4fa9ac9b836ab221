"""``theano.tensor`` (``T``) over ``pytensor.tensor``: the constructors
(``scalar``, ``lscalar``, ``matrix``, ``dmatrix``, ``ivector`` ...), the
math, ``grad``, ``cast``, ``set_subtensor``; ``TensorType(dtype,
broadcastable)`` as Theano spelled it; ``T.nnet`` and
``T.shared_randomstreams``."""
import pytensor.tensor as _pt
from pytensor.tensor import *  # noqa: F401,F403
from pytensor.gradient import Lop, Rop, grad, grad_undefined  # noqa: F401

from da_tutorial.theano_face import _compat


def TensorType(dtype, broadcastable=None, name=None, shape=None):
    """Theano's ``TensorType(dtype, broadcastable)``: ``broadcastable``
    says, per axis, whether its length is 1 (PyTensor writes ``shape``).

    :type dtype: str
    :param dtype: 'float32', 'int64' ...

    :type broadcastable: sequence of bool
    :param broadcastable: True for an axis of length 1
    """
    if broadcastable is not None and shape is None:
        shape = tuple(1 if b else None for b in broadcastable)
    return _pt.TensorType(dtype, shape=shape, name=name)


def __getattr__(name):
    """Other names: PyTensor's, where it has them."""
    return _compat.forward(_pt, 'theano.tensor', name)


from theano.tensor import nnet  # noqa: E402,F401
from theano.tensor import shared_randomstreams  # noqa: E402,F401
