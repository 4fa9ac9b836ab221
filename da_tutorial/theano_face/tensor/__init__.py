"""``theano.tensor`` (``T``) over ``pytensor.tensor``: the constructors
(``scalar``, ``lscalar``, ``matrix`` ...), the math, ``grad``, ``cast``,
``set_subtensor`` ... are PyTensor's.  Here, with Theano's meaning where
PyTensor changed it or dropped it:

* ``TensorType(dtype, broadcastable)`` and ``flatten(x, outdim)``;
* ``addbroadcast``, ``unbroadcast``, ``patternbroadcast`` and their Op,
  ``Rebroadcast``;
* ``batched_dot``, ``batched_tensordot``, ``topk`` and ``argtopk``,
  ``div_proxy`` (after ``config.int_division``), ``inv`` (1 / x),
  ``abs_``, ``load`` ...;
* ``T.nnet``, ``T.signal``, ``T.shared_randomstreams``,
  ``T.raw_random``, ``T.extra_ops``.
"""
import builtins
import string
import warnings

import numpy
import pytensor.tensor as _pt
from pytensor.tensor import *  # noqa: F401,F403
from pytensor.gradient import grad, grad_undefined  # noqa: F401
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.scalar.basic import BinaryScalarOp, upgrade_to_float
from pytensor.tensor.elemwise import DimShuffle as _DimShuffle
from pytensor.tensor.elemwise import Elemwise

from da_tutorial.ops import linkers

from .._compat import face_names
from ..gradient import Lop, Rop, consider_constant  # noqa: F401

# the star brought PyTensor's submodules: Theano's (theano.tensor.basic,
# the face's) are looked up instead
for _name, _value in list(globals().items()):
    if not _name.startswith('_') and isinstance(_value, builtins.type(_pt)) and \
            _value.__name__.split('.')[0] == 'pytensor':
        del globals()[_name]


class _TensorTypeMeta(builtins.type):
    """Makes ``isinstance(v.type, T.TensorType)`` true of PyTensor's
    tensor types."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, _pt.TensorType)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _pt.TensorType)


class TensorType(metaclass=_TensorTypeMeta):
    """Theano's ``TensorType(dtype, broadcastable)``: ``broadcastable``
    says, per axis, whether its length is 1 (PyTensor writes ``shape``).
    Makes PyTensor's own tensor type.

    :type dtype: str
    :param dtype: 'float32', 'int64' ...

    :type broadcastable: sequence of bool
    :param broadcastable: True for an axis of length 1
    """

    def __new__(cls, dtype, broadcastable=None, name=None, sparse_grad=False,
                shape=None):
        if broadcastable is not None and shape is None:
            shape = tuple(1 if b else None for b in broadcastable)
        return _pt.TensorType(dtype, shape=shape, name=name)


Tensor = TensorType


def tensor(*args, **kwargs):
    """A symbolic tensor: ``tensor(dtype, broadcastable, name=None)``."""
    name = kwargs.pop('name', None)
    return TensorType(*args, **kwargs)(name=name)


class _DimShuffleMeta(builtins.type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _DimShuffle)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _DimShuffle)


class DimShuffle(metaclass=_DimShuffleMeta):
    """Theano's ``DimShuffle(input_broadcastable, new_order)``: an Op that
    reorders axes and adds or drops broadcastable ones.  Makes PyTensor's
    own."""

    def __new__(cls, input_broadcastable, new_order, inplace=True):
        return _DimShuffle(input_ndim=len(input_broadcastable),
                           new_order=new_order)


def dot(a, b):
    """The product of ``a`` and ``b`` (matrix, vector or tensor)."""
    return _pt.dot(a, b)


def choose(a, choices, out=None, mode='raise'):
    """``numpy.choose`` on tensors (``out`` must be None, as in Theano)."""
    if out is not None:
        raise TypeError('choose does not take out')
    return _pt.choose(a, choices, mode=mode)


def get_scalar_constant_value(orig_v, elemwise=True,
                              only_process_constants=False, max_recur=10):
    """The constant a scalar variable always holds.

    :raises NotScalarConstantError: where it holds no constant
    """
    return _pt.get_scalar_constant_value(
        orig_v, elemwise=elemwise,
        only_process_constants=only_process_constants, max_recur=max_recur)


def _flat_ndim(ndim, outdim):
    """Theano's ``ndim`` of ``flatten`` and ``is_flat``: 1 by default,
    ``outdim`` its deprecated spelling."""
    if ndim is not None and outdim is not None:
        raise ValueError('You should only specify ndim')
    if outdim is not None:
        warnings.warn('flatten outdim parameter is deprecated, use ndim '
                      'instead.', stacklevel=3)
        return outdim
    return 1 if ndim is None else ndim


def is_flat(var, ndim=None, outdim=None):
    """True when ``var`` has ``ndim`` axes (1 by default)."""
    return var.ndim == _flat_ndim(ndim, outdim)


def mean(input, axis=None, dtype=None, op=False, keepdims=False,
         acc_dtype=None):
    """The mean along ``axis`` (``op``: Theano's other way to compute it,
    with the same result)."""
    return _pt.mean(input, axis=axis, dtype=dtype, keepdims=keepdims,
                    acc_dtype=acc_dtype)


def tile(x, reps, ndim=None):
    """``x`` repeated ``reps`` times along each axis."""
    if ndim is not None and ndim < x.ndim:
        raise ValueError('ndim should be equal or larger than x.ndim')
    return _pt.tile(x, reps)


def unravel_index(indices, dims, order='C', ndim=None):
    """``numpy.unravel_index`` on tensors."""
    return _pt.extra_ops.unravel_index(indices, dims, order=order)


def repeat(x, repeats, axis=None):
    """Each element of ``x`` repeated ``repeats`` times along ``axis``."""
    return _pt.extra_ops.repeat(x, repeats, axis=axis)


class Iv(BinaryScalarOp):
    """The modified Bessel function of the first kind, as SciPy computes
    it (PyTensor's own, ``ive(v, x) * exp(|x|)``, gives NaN where it is
    infinite)."""
    nfunc_spec = ('scipy.special.iv', 2, 1)

    def impl(self, v, x):
        from scipy import special
        return special.iv(v, x)

    def L_op(self, inputs, outputs, grads):
        v, x = inputs
        return [grad_undefined(self, 0, v),
                grads[0] * (self(v - 1, x) + self(v + 1, x)) / 2.0]


iv = Elemwise(Iv(upgrade_to_float, name='iv'), name='iv')


def flatten(x, ndim=None, outdim=None):
    """``x`` with its last axes merged into one, ``ndim`` axes in all (1
    by default)."""
    x = _pt.as_tensor_variable(x)
    ndim = _flat_ndim(ndim, outdim)
    if ndim < 1 or (ndim > 1 and ndim > x.ndim):
        raise ValueError('ndim %s out of bound [1, %d)' % (ndim, x.ndim + 1))
    return _pt.flatten(x, ndim)


def inv(x):
    """``1 / x``, elementwise (not the matrix inverse)."""
    return _pt.reciprocal(x)


abs_ = _pt.abs
join_ = _pt.join


def numpy_scalar(data):
    """The scalar a 0-d (or 1-element) array holds, as a NumPy scalar."""
    data = numpy.asarray(data)
    if data.ndim > 0 and (data.ndim > 1 or data.size != 1):
        raise _pt.NotScalarConstantError('v.data is non-numeric, '
                                         'non-scalar, or has more than one '
                                         'unique value', data)
    return data.reshape(())[()] if data.ndim else data[()]


def div_proxy(x, y):
    """``x / y`` as Theano's ``/`` computed it: true division, or integer
    division of two integers where ``config.int_division`` is 'int'
    ('raise': an error)."""
    import theano
    x, y = _pt.as_tensor_variable(x), _pt.as_tensor_variable(y)
    both_int = builtins.all(v.dtype.startswith(('int', 'uint'))
                            for v in (x, y))
    if both_int and theano.config.int_division == 'raise':
        raise TypeError("With `config.int_division` set to 'raise', "
                        "dividing two integer types with '/' is forbidden "
                        'to avoid confusion between integer and floating '
                        'point divisions. Please use // for integer '
                        'division, or cast one of the arguments to a float.')
    if both_int and theano.config.int_division == 'int':
        return _pt.int_div(x, y)
    return _pt.true_div(x, y)


class Rebroadcast(Op):
    """``Rebroadcast((axis, bool), ...)(x)``: ``x`` itself, with the given
    axes said to be broadcastable (length 1, checked when run) or not.

    :type axis: pairs of (int, bool)
    :param axis: each axis to change and whether it is broadcastable
    """
    __props__ = ('axis',)
    view_map = {0: [0]}

    def __init__(self, *axis):
        self.axis = tuple(sorted(dict(axis).items()))

    def make_node(self, x):
        x = _pt.as_tensor_variable(x)
        if self.axis and builtins.max(a for a, _ in self.axis) >= x.ndim:
            raise ValueError('Trying to rebroadcast non-existent dimension')
        shape = list(x.type.shape)
        for axis, broadcastable in self.axis:
            shape[axis] = 1 if broadcastable else (
                None if shape[axis] == 1 else shape[axis])
        return Apply(self, [x], [_pt.TensorType(x.dtype, shape=shape)()])

    def perform(self, node, inputs, outputs):
        x, = inputs
        for axis, broadcastable in self.axis:
            if broadcastable and x.shape[axis] != 1:
                raise ValueError('Dimension %s in Rebroadcast\'s input was '
                                 'supposed to be 1 (got %s instead)'
                                 % (axis, x.shape[axis]))
        outputs[0][0] = x

    def infer_shape(self, node, shapes):
        shape = list(shapes[0])
        for axis, broadcastable in self.axis:
            if broadcastable:
                shape[axis] = _pt.constant(1, dtype='int64')
        return [tuple(shape)]

    def grad(self, inputs, output_grads):
        x, = inputs
        back = [(axis, x.type.shape[axis] == 1) for axis, _ in self.axis]
        return [Rebroadcast(*back)(output_grads[0])]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


def _jax_rebroadcast(op, node=None, **kwargs):
    def rebroadcast(x):
        for axis, broadcastable in op.axis:
            if broadcastable and x.shape[axis] != 1:
                raise ValueError('Dimension %s in Rebroadcast\'s input was '
                                 'supposed to be 1 (got %s instead)'
                                 % (axis, x.shape[axis]))
        return x
    return rebroadcast


def _register_jax():
    from pytensor.link.jax.dispatch import jax_funcify
    jax_funcify.register(Rebroadcast)(_jax_rebroadcast)


linkers.register('jax', _register_jax)


def addbroadcast(x, *axes):
    """``x`` with ``axes`` said to have length 1."""
    return Rebroadcast(*[(a, True) for a in axes])(x) if axes else x


def unbroadcast(x, *axes):
    """``x`` with ``axes`` no longer said to have length 1."""
    return Rebroadcast(*[(a, False) for a in axes])(x) if axes else x


def patternbroadcast(x, broadcastable):
    """``x`` with each axis broadcastable or not, as ``broadcastable``
    says."""
    return Rebroadcast(*enumerate(broadcastable))(x)


def batched_tensordot(x, y, axes=2):
    """For each ``i`` of the first axis, ``tensordot(x[i], y[i], axes)``
    (``axes``: a number of trailing/leading axes, or two lists of axes
    counted in ``x`` and ``y`` themselves, the batch axis 0 excluded)."""
    x, y = _pt.as_tensor_variable(x), _pt.as_tensor_variable(y)
    if isinstance(axes, int):
        axes = [list(range(x.ndim - axes, x.ndim)),
                list(range(1, axes + 1))]
    x_axes, y_axes = [[a % v.ndim for a in (ax if isinstance(
        ax, (list, tuple)) else [ax])] for ax, v in zip(axes, (x, y))]
    letters = iter(string.ascii_letters[1:])
    xs = ['a'] + [next(letters) for _ in range(x.ndim - 1)]
    ys = ['a'] + [next(letters) for _ in range(y.ndim - 1)]
    for i, j in zip(x_axes, y_axes):
        ys[j] = xs[i]
    out = ['a'] + [c for k, c in enumerate(xs[1:], 1) if k not in x_axes] + \
        [c for k, c in enumerate(ys[1:], 1) if k not in y_axes]
    return _pt.einsum('%s,%s->%s' % (''.join(xs), ''.join(ys),
                                     ''.join(out)), x, y)


def batched_dot(a, b):
    """For each ``i`` of the first axis, ``dot(a[i], b[i])``."""
    a, b = _pt.as_tensor_variable(a), _pt.as_tensor_variable(b)
    if a.ndim == 0 or b.ndim == 0:
        raise TypeError('a and b must have at least one (batch) axis')
    if a.ndim == 1:
        return a.dimshuffle(*([0] + ['x'] * (b.ndim - 1))) * b
    if b.ndim == 1:
        return a * b.dimshuffle(*([0] + ['x'] * (a.ndim - 1)))
    return batched_tensordot(a, b, [[a.ndim - 1],
                                    [builtins.max(1, b.ndim - 2)]])


class TopKOp(Op):
    """The ``kth`` largest elements along ``axis`` (the smallest for a
    negative ``kth``), in the order ``numpy.partition`` leaves them, or
    their indices, or both, as Theano's CPU TopKOp."""
    __props__ = ('axis', 'return_values', 'return_indices', 'idx_dtype')

    def __init__(self, axis=-1, idx_dtype='int64', return_values=True,
                 return_indices=True):
        self.axis, self.idx_dtype = axis, idx_dtype
        self.return_values, self.return_indices = return_values, \
            return_indices

    def make_node(self, x, kth):
        x, kth = _pt.as_tensor_variable(x), _pt.as_tensor_variable(kth)
        outputs, shape = [], (None,) * x.ndim    # k along the axis
        if self.return_values:
            outputs.append(_pt.TensorType(x.dtype, shape=shape)())
        if self.return_indices:
            outputs.append(_pt.TensorType(self.idx_dtype, shape=shape)())
        return Apply(self, [x, kth], outputs)

    def perform(self, node, inputs, outputs):
        x, k = inputs
        k = int(k)
        axis = self.axis % x.ndim
        where = [slice(None)] * x.ndim
        where[axis] = slice(-k, None) if k > 0 else slice(None, -k)
        where = tuple(where)
        out = iter(outputs)
        if self.return_values:
            next(out)[0] = numpy.partition(x, -k, axis=axis)[where]
        if self.return_indices:
            next(out)[0] = numpy.argpartition(x, -k, axis=axis)[
                where].astype(self.idx_dtype)


def topk(x, kth, axis=-1, sorted=True, idx_dtype='int64'):
    """The ``kth`` largest elements of ``x`` along ``axis`` (the smallest
    for a negative ``kth``); ``sorted=True`` is not implemented (Theano's
    rule)."""
    if sorted:
        raise NotImplementedError('We are still working on sorted topk. Use '
                                  'sorted=False for now.')
    return TopKOp(axis=axis, return_indices=False)(x, kth)


def argtopk(x, kth, axis=-1, sorted=True, idx_dtype='int64'):
    """The indices of ``topk``'s elements."""
    if sorted:
        raise NotImplementedError('We are still working on sorted topk. Use '
                                  'sorted=False for now.')
    return TopKOp(axis=axis, idx_dtype=idx_dtype, return_values=False)(
        x, kth)


def topk_and_argtopk(x, kth, axis=-1, sorted=True, idx_dtype='int64'):
    """``(topk(...), argtopk(...))``."""
    if sorted:
        raise NotImplementedError('We are still working on sorted topk. Use '
                                  'sorted=False for now.')
    return tuple(TopKOp(axis=axis, idx_dtype=idx_dtype)(x, kth))


def advanced_boolean_subtensor(x, *args):
    """``x[args]``, where the indices may be boolean masks."""
    return x[args if len(args) != 1 else args[0]]


def advanced_boolean_inc_subtensor(x, y, *args):
    """``x`` with ``y`` added at ``x[args]`` (boolean masks allowed)."""
    return _pt.inc_subtensor(advanced_boolean_subtensor(x, *args), y)


def advanced_boolean_set_subtensor(x, y, *args):
    """``x`` with ``x[args]`` set to ``y`` (boolean masks allowed)."""
    return _pt.set_subtensor(advanced_boolean_subtensor(x, *args), y)


def check_equal_numpy(x, y):
    """True when two arrays have the same shape and values (within 1e-10;
    NaN where each has NaN), as Theano compared outputs."""
    x, y = numpy.asarray(x), numpy.asarray(y)
    return x.shape == y.shape and bool(numpy.all(
        (abs(x - y) < 1e-10) | (numpy.isnan(x) & numpy.isnan(y))))


class LoadFromDisk(Op):
    """``LoadFromDisk(dtype, broadcastable, mmap_mode)(path)``: the array
    ``numpy.load`` reads from ``path`` when the function runs."""
    __props__ = ('dtype', 'broadcastable', 'mmap_mode')

    def __init__(self, dtype, broadcastable, mmap_mode=None):
        if mmap_mode not in (None, 'c'):
            raise ValueError("The only supported values for mmap_mode are "
                             "None and 'c', got %s" % mmap_mode)
        self.dtype, self.mmap_mode = numpy.dtype(dtype).name, mmap_mode
        self.broadcastable = tuple(broadcastable)

    def make_node(self, path):
        from pytensor.graph.basic import Constant
        from pytensor.link.c.type import generic
        if isinstance(path, str):
            path = Constant(generic, path)
        return Apply(self, [path], [TensorType(self.dtype,
                                               self.broadcastable)()])

    def perform(self, node, inputs, outputs):
        out = numpy.load(inputs[0], mmap_mode=self.mmap_mode)
        if out.dtype != self.dtype:
            raise TypeError('Expected an array of type %s, got %s instead'
                            % (self.dtype, out.dtype))
        outputs[0][0] = out


def load(path, dtype, broadcastable, mmap_mode=None):
    """An array read from the ``.npy`` file ``path`` at each call."""
    return LoadFromDisk(dtype, broadcastable, mmap_mode)(path)


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())


from theano.tensor import nnet  # noqa: E402,F401
from theano.tensor import shared_randomstreams  # noqa: E402,F401
