"""``theano.tensor.nnet``: the activations, costs, convolutions and
softmaxes of Theano 1.0.5, as Theano computed them:

* ``softmax`` and ``logsoftmax`` row by row, a vector giving a (1, n) row
  (with Theano's deprecation warning), as the series' recurrent tutorials
  expect;
* ``relu``, ``elu``, ``selu``, ``softsign``, ``hard_sigmoid`` and
  ``ultra_fast_sigmoid`` with Theano's formulas (the last one its
  piecewise approximation);
* the cross-entropies, and the fused softmax / cross-entropy functions and
  Ops of Theano's optimizer, as plain graphs;
* ``conv2d`` and friends (``abstract_conv``), ``batch_normalization``,
  ``h_softmax``, ``confusion_matrix``.

Theano's Op classes here build their graphs when called
(``SoftmaxWithBias()(x, b)``).
"""
import warnings

import pytensor.tensor as _pt
from pytensor.tensor.math import sigmoid, softplus  # noqa: F401
from pytensor.tensor.special import LogSoftmax, Softmax  # noqa: F401
from pytensor.tensor.special import log_softmax as _log_softmax
from pytensor.tensor.special import softmax as _softmax

from ..._compat import face_names
from .abstract_conv import (  # noqa: F401
    abstract_conv2d, conv2d, conv2d_grad_wrt_inputs, conv2d_transpose,
    conv3d, separable_conv2d)


def _as_rows(c, name):
    """``c`` as Theano's softmax took it: a matrix, or a vector made a
    (1, n) row."""
    c = _pt.as_tensor_variable(c)
    if c.ndim == 1:
        warnings.warn('DEPRECATION: If x is a vector, %s will not '
                      'automatically pad x anymore in next releases. If you '
                      'need it, please do it manually. The vector case is '
                      'gonna be supported soon and the output will be a '
                      'vector.' % name, stacklevel=3)
        return _pt.shape_padleft(c)
    return c


def softmax(c):
    """The softmax of each row of ``c``; a vector gives a (1, n) row."""
    return _softmax(_as_rows(c, 'Softmax'), axis=-1)


def logsoftmax(c):
    """The log of the softmax of each row of ``c`` (a vector: a row)."""
    return _log_softmax(_as_rows(c, 'LogSoftmax'), axis=-1)


softmax_op = softmax
logsoftmax_op = logsoftmax


def softmax_graph(c):
    """``exp(c) / exp(c).sum(axis=-1, keepdims=True)``, as written."""
    return _pt.exp(c) / _pt.exp(c).sum(axis=-1, keepdims=True)


class SoftmaxGrad(object):
    """``SoftmaxGrad()(dy, sm)``: the gradient through a row-wise softmax
    ``sm`` of the output gradient ``dy``."""

    def __call__(self, dy, sm):
        return sm * (dy - (dy * sm).sum(axis=-1, keepdims=True))


softmax_grad = SoftmaxGrad()


class SoftmaxWithBias(object):
    """``SoftmaxWithBias()(x, b)``: the softmax of each row of ``x + b``."""

    def __call__(self, x, b):
        return softmax(x + b)


softmax_with_bias = SoftmaxWithBias()


def relu(x, alpha=0):
    """``x`` where positive, ``alpha * x`` elsewhere (Theano's formula,
    whose gradient at 0 is ``(1 + alpha) / 2``)."""
    if alpha == 0:
        return 0.5 * (x + abs(x))
    alpha = _pt.as_tensor_variable(alpha)
    return 0.5 * (1 + alpha) * x + 0.5 * (1 - alpha) * abs(x)


def elu(x, alpha=1):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    return _pt.switch(x > 0, x, alpha * _pt.expm1(x))


def selu(x):
    """The self-normalising ELU (Klambauer et al., 2017)."""
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def softsign(x):
    """``x / (1 + |x|)``."""
    return x / (1.0 + abs(x))


def hard_sigmoid(x):
    """Theano's piecewise linear sigmoid: clip(0.2 x + 0.5, 0, 1)."""
    return _pt.clip(x * 0.2 + 0.5, 0, 1)


def ultra_fast_sigmoid(x):
    """Theano's fast approximation of the sigmoid, from a piecewise tanh:
    within 0.02 of it."""
    half = 0.5 * x
    a = abs(half)
    z = _pt.switch(a < 1.7, 1.5 * a / (1 + a),
                   _pt.switch(a < 3, 0.935409070603099 +
                              0.0458812946797165 * (a - 1.7),
                              0.99505475368673))
    return 0.5 * (_pt.sign(half) * z + 1.)


def binary_crossentropy(output, target):
    """``-(target * log(output) + (1 - target) * log(1 - output))``."""
    return -(target * _pt.log(output) + (1.0 - target) * _pt.log(1.0 - output))


def sigmoid_binary_crossentropy(output, target):
    """``binary_crossentropy(sigmoid(output), target)``, computed stably."""
    return softplus(-abs(output)) + output * ((output > 0) - target)


def crossentropy_categorical_1hot(coding_dist, true_one_of_n):
    """``-log(coding_dist[i, true_one_of_n[i]])`` for each row ``i``."""
    return -_pt.log(coding_dist[_pt.arange(coding_dist.shape[0]),
                                true_one_of_n])


def categorical_crossentropy(coding_dist, true_dist):
    """The cross-entropy of each row of ``coding_dist``: against an integer
    label per row (``true_dist`` a vector), or a distribution per row."""
    if true_dist.ndim == coding_dist.ndim:
        return -_pt.sum(true_dist * _pt.log(coding_dist),
                        axis=coding_dist.ndim - 1)
    if true_dist.ndim == coding_dist.ndim - 1:
        return crossentropy_categorical_1hot(coding_dist, true_dist)
    raise TypeError('rank mismatch between coding and true distributions')


def _one_hot(labels, n):
    return _pt.eq(_pt.arange(n).dimshuffle('x', 0), labels.dimshuffle(0, 'x'))


class CrossentropyCategorical1Hot(object):
    """``CrossentropyCategorical1Hot()(coding_dist, true_one_of_n)``."""

    def __call__(self, coding_dist, true_one_of_n):
        return crossentropy_categorical_1hot(coding_dist, true_one_of_n)


class CrossentropyCategorical1HotGrad(object):
    """``CrossentropyCategorical1HotGrad()(g_y, coding_dist,
    true_one_of_n)``: the gradient of that cross-entropy."""

    def __call__(self, g_y, coding_dist, true_one_of_n):
        hot = _one_hot(true_one_of_n, coding_dist.shape[1])
        return _pt.switch(hot, -g_y.dimshuffle(0, 'x') / coding_dist, 0)


crossentropy_categorical_1hot_grad = CrossentropyCategorical1HotGrad()


class CrossentropySoftmaxArgmax1HotWithBias(object):
    """``(...)(x, b, y_idx) -> (nll, softmax, argmax)`` of each row of
    ``x + b``."""

    def __call__(self, x, b, y_idx):
        a = x + b
        rows = _pt.arange(a.shape[0])
        nll = -_log_softmax(a, axis=-1)[rows, y_idx]
        return nll, _softmax(a, axis=-1), _pt.argmax(a, axis=-1)


crossentropy_softmax_argmax_1hot_with_bias = \
    CrossentropySoftmaxArgmax1HotWithBias()


class CrossentropySoftmax1HotWithBiasDx(object):
    """``(...)(dy, sm, y_idx)``: the gradient of that cross-entropy with
    respect to ``x``: ``(sm - one_hot(y_idx)) * dy``."""

    def __call__(self, dy, sm, y_idx):
        hot = _one_hot(y_idx, sm.shape[1])
        return (sm - hot) * dy.dimshuffle(0, 'x')


crossentropy_softmax_1hot_with_bias_dx = CrossentropySoftmax1HotWithBiasDx()


def crossentropy_softmax_1hot_with_bias(x, b, y_idx, **kwargs):
    """(the cross-entropy of each row's softmax, the softmax)."""
    return crossentropy_softmax_argmax_1hot_with_bias(x, b, y_idx)[:2]


def crossentropy_softmax_1hot(x, y_idx, **kwargs):
    """``crossentropy_softmax_1hot_with_bias`` without a bias."""
    b = _pt.zeros_like(x[0, :])
    return crossentropy_softmax_1hot_with_bias(x, b, y_idx, **kwargs)


def crossentropy_softmax_max_and_argmax_1hot_with_bias(x, b, y_idx,
                                                       **kwargs):
    """(cross-entropy, softmax, the softmax's row maxima, their
    places)."""
    xent, sm = crossentropy_softmax_1hot_with_bias(x, b, y_idx, **kwargs)
    max_pr, argmax = _pt.max_and_argmax(sm, axis=-1)
    return xent, sm, max_pr, argmax


def crossentropy_softmax_max_and_argmax_1hot(x, y_idx, **kwargs):
    """The same without a bias."""
    b = _pt.zeros_like(x[0, :])
    return crossentropy_softmax_max_and_argmax_1hot_with_bias(x, b, y_idx,
                                                              **kwargs)


class Prepend_scalar_constant_to_each_row(object):
    """``Prepend_scalar_constant_to_each_row(val)(mat)``: a first column
    of ``val``."""

    def __init__(self, val=0):
        self.val = val

    def __call__(self, mat):
        return prepend_scalar_to_each_row(self.val, mat)


class Prepend_scalar_to_each_row(object):
    """``Prepend_scalar_to_each_row()(val, mat)``: a first column of the
    scalar ``val``."""

    def __call__(self, val, mat):
        mat = _pt.as_tensor_variable(mat)
        column = _pt.alloc(_pt.cast(val, mat.dtype), mat.shape[0], 1)
        return _pt.concatenate([column, mat], axis=1)


prepend_scalar_to_each_row = Prepend_scalar_to_each_row()
prepend_0_to_each_row = Prepend_scalar_constant_to_each_row(0.)
prepend_1_to_each_row = Prepend_scalar_constant_to_each_row(1.)


def h_softmax(x, batch_size, n_outputs, n_classes, n_outputs_per_class,
              W1, b1, W2, b2, target=None):
    """The two-level hierarchical softmax: the probability of each output
    (``target`` None) or of each row's target."""
    class_probs = softmax(_pt.dot(x, W1) + b1)
    if target is None:
        activations = _pt.tensordot(x, W2, (1, 1)) + b2
        probs = softmax(activations.reshape((-1, n_outputs_per_class)))
        probs = probs.reshape((batch_size, n_classes, -1))
        probs = class_probs.dimshuffle(0, 1, 'x') * probs
        return probs.reshape((batch_size, -1))[:, :n_outputs]
    target = target.flatten()
    classes = target // n_outputs_per_class
    rows = _pt.arange(batch_size)
    activations = _pt.sum(x.dimshuffle(0, 1, 'x') * W2[classes], axis=1) \
        + b2[classes]
    probs = softmax(activations)[rows, target % n_outputs_per_class]
    return class_probs[rows, classes] * probs


def batch_normalization(inputs, gamma, beta, mean, std, mode='low_mem'):
    """``(inputs - mean) * (gamma / std) + beta``."""
    if mode not in ('low_mem', 'high_mem'):
        raise ValueError('mode must be either "low_mem", "high_mem"')
    return (inputs - mean) * (gamma / std) + beta


def confusion_matrix(actual, pred):
    """[the confusion matrix of two label vectors, the labels in order]."""
    if actual.ndim != 1:
        raise ValueError('actual must be 1-d tensor variable')
    if pred.ndim != 1:
        raise ValueError('pred must be 1-d tensor variable')
    order = _pt.extra_ops.unique(_pt.concatenate([actual, pred]))
    one_hot_a = _pt.eq(actual.dimshuffle(0, 'x'), order).astype('int64')
    one_hot_p = _pt.eq(pred.dimshuffle(0, 'x'), order).astype('int64')
    return [_pt.dot(one_hot_a.T, one_hot_p), order]


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
