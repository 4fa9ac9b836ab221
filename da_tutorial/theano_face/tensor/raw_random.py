"""``theano.tensor.raw_random``: Theano's CPU random numbers, drawn from a
``numpy.random.RandomState`` held in a shared variable, as Theano drew
them.  PyTensor dropped ``RandomState`` for NumPy's ``Generator``, whose
numbers differ; here every draw calls the very ``RandomState`` method (or
helper) Theano called, with the same arguments, so the same seed gives
Theano's numbers.

``RandomFunction`` runs in Python (as Theano's did), so it cannot run in
JAX mode: PyTensor then names it (``RandomFunction{uniform}``); the MRG
stream (``theano.sandbox.rng_mrg``) runs there.
"""
import copy

import numpy
import pytensor.tensor as _pt
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.gradient import grad_undefined
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.link.c.type import Generic

from .._compat import face_names

import theano


class RandomStateType(Generic):
    """The type of a variable holding a ``numpy.random.RandomState``."""

    def __str__(self):
        return 'RandomStateType'

    def filter(self, data, strict=False, allow_downcast=None):
        if self.is_valid_value(data):
            return data
        raise TypeError('a RandomStateType variable holds a '
                        'numpy.random.RandomState, not %r' % type(data))

    def is_valid_value(self, a, strict=True):
        return type(a) == numpy.random.RandomState

    @staticmethod
    def values_eq(a, b):
        sa, sb = a.get_state(), b.get_state()
        return sa[0] == sb[0] and numpy.all(sa[1] == sb[1]) and \
            sa[2:4] == sb[2:4] and (sa[3] == 0 or sa[4] == sb[4])


random_state_type = RandomStateType()


class RandomStateSharedVariable(SharedVariable):
    """A shared variable holding a ``numpy.random.RandomState``."""


def randomstate_constructor(value, name=None, strict=False,
                            allow_downcast=None, borrow=False):
    """``theano.shared`` of a ``RandomState`` (copied unless ``borrow``)."""
    if not isinstance(value, numpy.random.RandomState):
        raise TypeError('randomstate_constructor shares a '
                        'numpy.random.RandomState, not %r' % type(value))
    if not borrow:
        value = copy.deepcopy(value)
    return RandomStateSharedVariable(type=random_state_type, value=value,
                                     name=name, strict=strict,
                                     allow_downcast=allow_downcast)


class RandomFunction(Op):
    """``RandomFunction(fn, outtype)(r, shape, *args) -> (new r, draw)``:
    ``fn`` (a ``RandomState`` method's name, or a helper taking the
    ``RandomState`` first and the shape last) on a copy of ``r``.

    :type ndim_added: int
    :param ndim_added: dimensions the draw has beyond ``shape``
                       (permutations and multinomials add one)
    """
    __props__ = ('fn', 'outtype', 'inplace', 'ndim_added')

    def __init__(self, fn, outtype, inplace=False, ndim_added=0):
        self.fn, self.outtype = fn, outtype
        self.inplace, self.ndim_added = inplace, ndim_added
        self.exec_fn = getattr(numpy.random.RandomState, fn) \
            if isinstance(fn, str) else fn
        if inplace:
            self.destroy_map = {0: [0]}

    def __str__(self):
        return 'RandomFunction{%s}' % self.exec_fn.__name__

    def make_node(self, r, shape, *args):
        shape = _pt.as_tensor_variable(shape, ndim=1)
        if shape.type.dtype not in ('int64', 'int32'):
            shape = _pt.cast(shape, 'int64')
        args = [_pt.as_tensor_variable(a) for a in args]
        return Apply(self, [r, shape] + args, [r.type(), self.outtype()])

    def perform(self, node, inputs, outputs):
        r, shape, args = inputs[0], inputs[1], list(inputs[2:])
        shape = None if len(shape) == 0 else tuple(int(s) for s in shape)
        if shape is not None and \
                self.outtype.ndim != len(shape) + self.ndim_added:
            raise ValueError('Shape mismatch: self.outtype.ndim (%i) != '
                             'len(shape) (%i) + self.ndim_added (%i)'
                             % (self.outtype.ndim, len(shape),
                                self.ndim_added))
        if not self.inplace:
            # (NumPy 2's copy.copy of a RandomState shares its generator)
            r = copy.deepcopy(r)
        outputs[0][0] = r
        value = numpy.asarray(self.exec_fn(r, *(args + [shape])),
                              dtype=node.outputs[1].type.dtype)
        if shape is None and value.ndim == 0 and self.outtype.ndim > 0:
            value = value.reshape([1] * self.outtype.ndim)
        if value.ndim != self.outtype.ndim:
            raise ValueError('Shape mismatch: "out" should have dimension '
                             '%i, but the value drawn has dimension %i'
                             % (self.outtype.ndim, value.ndim))
        outputs[1][0] = value

    def grad(self, inputs, outputs):
        return [grad_undefined(self, k, inp, 'No gradient defined through '
                               'raw random numbers op')
                for k, inp in enumerate(inputs)]

    def R_op(self, inputs, eval_points):
        return [None for _ in eval_points]


def _infer_ndim_bcast(ndim, shape, *args):
    """(ndim, the shape as an int64 vector, broadcastable) of a draw of
    ``shape`` (a tuple whose -1 entries follow the arguments, None for the
    arguments' own shape, or a symbolic vector)."""
    args_ndim = max([a.ndim for a in args] or [0])
    if isinstance(shape, (tuple, list)):
        if ndim is not None and len(shape) != ndim:
            raise ValueError('ndim should be equal to len(shape), but ndim '
                             '= %s, len(shape) = %s, shape = %s'
                             % (ndim, len(shape), shape))
        ndim = len(shape)
        bcast, lengths = [], []
        for i, s in enumerate(shape):
            if hasattr(s, 'type'):
                bcast.append(False)
                lengths.append(s)
            elif s >= 0:
                lengths.append(_pt.as_tensor_variable(s))
                bcast.append(s == 1)
            elif s == -1:
                lengths.append(_auto_length(i, ndim, args, bcast))
            else:
                raise ValueError('negative shape', s)
        v_shape = _pt.stack(lengths) if lengths else \
            _pt.constant([], dtype='int64')
    elif shape is None:
        if not args:
            raise TypeError('_infer_ndim_bcast cannot infer shape without '
                            'either shape or args')
        template = args[0]
        for a in args[1:]:
            template = template + a
        v_shape, bcast, ndim = (template.shape, template.broadcastable,
                                template.ndim)
    else:
        v_shape = _pt.as_tensor_variable(shape)
        if v_shape.ndim != 1:
            raise TypeError("shape must be a vector or list of scalar, got "
                            "'%s'" % v_shape)
        ndim = _pt.get_vector_length(v_shape) if ndim is None else ndim
        bcast = [False] * ndim
    if not v_shape.dtype.startswith(('int', 'uint')):
        raise TypeError('shape must be an integer vector or list',
                        v_shape.dtype)
    if args_ndim > ndim:
        raise ValueError('ndim should be at least as big as required by '
                         'args value', (ndim, args_ndim), args)
    return ndim, _pt.cast(v_shape, 'int64'), tuple(bcast)


def _auto_length(i, ndim, args, bcast):
    """The length of axis ``i`` given as -1: the first argument's that
    is not broadcastable there (1 when all are)."""
    overlapping = [a for a in args if i >= ndim - a.ndim]
    if not overlapping:
        raise ValueError('Auto-shape of -1 must overlap with the shape of '
                         'one of the broadcastable inputs')
    for a in overlapping:
        if not a.broadcastable[i + a.ndim - ndim]:
            bcast.append(False)
            return a.shape[i + a.ndim - ndim]
    bcast.append(True)
    return _pt.as_tensor_variable(1)


def _outtype(dtype, bcast):
    return _pt.TensorType(dtype, shape=tuple(1 if b else None
                                             for b in bcast))


def _broadcast_indices(out_shape, *shapes):
    """For every element of ``out_shape``, in C order, its index and the
    index of the element each of ``shapes`` broadcasts to it."""
    indices = [[()] for _ in (out_shape,) + shapes]
    for dim, length in enumerate(out_shape):
        ranges = [list(range(length))]
        for shape in shapes:
            if shape[dim] == length:
                ranges.append(list(range(length)))
            elif shape[dim] == 1:
                ranges.append([0] * length)
            else:
                raise ValueError('shape[%i] (%i) should be equal to '
                                 'out_shape[%i] (%i) or to 1'
                                 % (dim, shape[dim], dim, length))
        indices = _extend(indices, ranges)
    return indices


def _extend(indices, ranges):
    """Each prefix of ``indices`` followed by each position of ranges."""
    extended = [[] for _ in indices]
    for prefixes in zip(*indices):
        for positions in zip(*ranges):
            for k, (prefix, at) in enumerate(zip(prefixes, positions)):
                extended[k].append(prefix + (at,))
    return extended


def _as_ndim(a, ndim, what, size):
    if a.ndim > ndim:
        raise ValueError('%s.ndim (%i) should not be larger than len(size) '
                         '(%i)' % (what, a.ndim, ndim), a, size)
    return a.reshape((1,) * (ndim - a.ndim) + a.shape)


def random_integers_helper(random_state, low, high, size):
    """Integers in [low, high], one ``randint`` call per element."""
    ndim = len(size) if size is not None else max(low.ndim, high.ndim)
    low = _as_ndim(low, ndim, 'low', size)
    high = _as_ndim(high, ndim, 'high', size)
    shape = tuple(size) if size is not None else tuple(
        max(a, b) for a, b in zip(low.shape, high.shape))
    out = numpy.ndarray(shape)
    for oi, li, hi in zip(*_broadcast_indices(shape, low.shape,
                                              high.shape)):
        out[oi] = random_state.randint(low=low[li], high=high[hi] + 1)
    return out


def choice_helper(random_state, a, replace, p, size):
    """``RandomState.choice`` (an empty ``p``: uniform)."""
    if a.ndim > 1:
        raise ValueError('a.ndim (%i) must be 0 or 1' % a.ndim)
    if p.ndim != 1:
        raise ValueError('p.ndim (%i) must be 1' % p.ndim)
    return random_state.choice(a, size, bool(replace),
                               p if p.size else None)


def permutation_helper(random_state, n, shape):
    """One permutation of 0..n-1 for each element of ``shape``."""
    n = int(n.item())
    shape = () if shape is None else shape
    out = numpy.empty(list(shape) + [n], int)
    for i in numpy.ndindex(*shape):
        out[i] = random_state.permutation(n)
    return out


def multinomial_helper(random_state, n, pvals, size):
    """One ``RandomState.multinomial`` draw per element of ``size``."""
    ndim = len(size) if size is not None else max(n.ndim, pvals.ndim - 1)
    n = _as_ndim(n, ndim, 'n', size)
    if pvals.ndim - 1 > ndim:
        raise ValueError('pvals.ndim-1 (%i) should not be larger than '
                         'len(size) (%i)' % (pvals.ndim - 1, ndim))
    pvals = pvals.reshape((1,) * (ndim - pvals.ndim + 1) + pvals.shape)
    shape = tuple(size) if size is not None else tuple(
        max(a, b) for a, b in zip(n.shape, pvals.shape))
    out = numpy.ndarray(shape + (pvals.shape[-1],))
    assert pvals.min() >= 0
    for mi, ni, pi in zip(*_broadcast_indices(shape, n.shape,
                                              pvals.shape[:-1])):
        pvi = pvals[pi]
        total = numpy.sum(pvi)
        if 1.0 < total < 1.0 + 1e-5 or pvi[-1] < 5e-5:
            pvi = pvi * (1.0 - 5e-5)     # Theano's correction of rounding
        assert numpy.sum(pvi) <= 1.0, numpy.sum(pvi)
        out[mi] = random_state.multinomial(n=n[ni],
                                           pvals=pvi.astype('float64'))
    return out


def _float_draw(method, random_state, size, a, b, ndim, dtype):
    """``RandomState.method(a, b, size)``: floats of ``dtype`` (at least
    floatX's precision when None)."""
    a, b = _pt.as_tensor_variable(a), _pt.as_tensor_variable(b)
    if dtype is None:
        dtype = theano.scalar.upcast(theano.config.floatX, a.dtype, b.dtype)
    ndim, size, bcast = _infer_ndim_bcast(ndim, size, a, b)
    return RandomFunction(method, _outtype(dtype, bcast))(random_state,
                                                          size, a, b)


def uniform(random_state, size=None, low=0.0, high=1.0, ndim=None,
            dtype=None):
    """Uniforms in [low, high)."""
    return _float_draw('uniform', random_state, size, low, high, ndim, dtype)


def normal(random_state, size=None, avg=0.0, std=1.0, ndim=None,
           dtype=None):
    """Gaussians of mean ``avg`` and deviation ``std``."""
    return _float_draw('normal', random_state, size, avg, std, ndim, dtype)


def binomial(random_state, size=None, n=1, p=0.5, ndim=None, dtype='int64',
             prob=None):
    """Draws of Binomial(n, p) (``prob``: Theano's older name of p)."""
    p = prob if prob is not None else p
    n, p = _pt.as_tensor_variable(n), _pt.as_tensor_variable(p)
    ndim, size, bcast = _infer_ndim_bcast(ndim, size, n, p)
    return RandomFunction('binomial', _outtype(dtype, (False,) * ndim))(
        random_state, size, n, p)


def random_integers(random_state, size=None, low=0, high=1, ndim=None,
                    dtype='int64'):
    """Integers in [low, high], both included."""
    low, high = _pt.as_tensor_variable(low), _pt.as_tensor_variable(high)
    ndim, size, bcast = _infer_ndim_bcast(ndim, size, low, high)
    return RandomFunction(random_integers_helper, _outtype(dtype, bcast))(
        random_state, size, low, high)


def choice(random_state, size=None, a=2, replace=True, p=None, ndim=None,
           dtype='int64'):
    """Draws from ``a`` (``range(a)`` for an integer), with probabilities
    ``p`` (uniform when None)."""
    a = _pt.as_tensor_variable(a)
    replace = _pt.constant(replace, dtype='int8') \
        if isinstance(replace, bool) else _pt.as_tensor_variable(replace)
    p = _pt.as_tensor_variable(p if p is not None else [])
    ndim, size, bcast = _infer_ndim_bcast(ndim, size)
    return RandomFunction(choice_helper, _outtype(dtype, bcast))(
        random_state, size, a, replace, p)


def poisson(random_state, size=None, lam=1.0, ndim=None, dtype='int64'):
    """Poisson draws of mean ``lam``."""
    lam = _pt.as_tensor_variable(lam)
    ndim, size, bcast = _infer_ndim_bcast(ndim, size)
    return RandomFunction('poisson', _outtype(dtype, bcast))(
        random_state, size, lam)


def permutation(random_state, size=None, n=1, ndim=None, dtype='int64'):
    """Permutations of 0..n-1, one for each element of ``size`` (which
    adds an axis of length n)."""
    if size is None or size == ():
        if not (ndim is None or ndim == 1):
            raise TypeError('You asked for just one permutation but asked '
                            'for more then 1 dimensions.')
        size, bcast = (), ()
    else:
        ndim, size, bcast = _infer_ndim_bcast(ndim, size)
    return RandomFunction(permutation_helper,
                          _outtype(dtype, tuple(bcast) + (False,)),
                          ndim_added=1)(random_state, size, n)


def multinomial(random_state, size=None, n=1, pvals=[0.5, 0.5], ndim=None,
                dtype='int64'):
    """Multinomial draws of ``n`` trials over ``pvals`` (which adds the
    axis of the outcomes)."""
    n, pvals = _pt.as_tensor_variable(n), _pt.as_tensor_variable(pvals)
    ndim, size, bcast = _infer_ndim_bcast(ndim, size, n, pvals.T[0].T)
    bcast = tuple(bcast) + (pvals.type.broadcastable[-1],)
    return RandomFunction(multinomial_helper, _outtype(dtype, bcast),
                          ndim_added=1)(random_state, size, n, pvals)


class RandomStreamsBase(object):
    """The draws of a random stream; ``gen(draw, *args)`` makes one."""

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype='int64',
                 prob=None):
        p = prob if prob is not None else p
        return self.gen(binomial, size, n, p, ndim=ndim, dtype=dtype)

    def uniform(self, size=None, low=0.0, high=1.0, ndim=None, dtype=None):
        return self.gen(uniform, size, low, high, ndim=ndim, dtype=dtype)

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
        return self.gen(normal, size, avg, std, ndim=ndim, dtype=dtype)

    def random_integers(self, size=None, low=0, high=1, ndim=None,
                        dtype='int64'):
        return self.gen(random_integers, size, low, high, ndim=ndim,
                        dtype=dtype)

    def choice(self, size=None, a=2, replace=True, p=None, ndim=None,
               dtype='int64'):
        return self.gen(choice, size, a, replace, p, ndim=ndim, dtype=dtype)

    def poisson(self, size=None, lam=None, ndim=None, dtype='int64'):
        return self.gen(poisson, size, lam, ndim=ndim, dtype=dtype)

    def permutation(self, size=None, n=1, ndim=None, dtype='int64'):
        return self.gen(permutation, size, n, ndim=ndim, dtype=dtype)

    def multinomial(self, size=None, n=1, pvals=[0.5, 0.5], ndim=None,
                    dtype='int64'):
        return self.gen(multinomial, size, n, pvals, ndim=ndim, dtype=dtype)

    def shuffle_row_elements(self, input):
        """``input`` with each row's elements shuffled."""
        perm = self.permutation(size=input.shape[:-1], n=input.shape[-1],
                                ndim=input.ndim - 1)
        shuffled = _pt.permute_row_elements(input, perm)
        shuffled.permutation = perm
        return shuffled


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
