"""The tutorial's cost in one kernel: ``CrossEntropyRows``, and the rewrite
that puts it in place of the cost's row sum (tag ``dA_fast``).

The engines compute the tutorial's
``-sum(x * log(z) + (1 - x) * log(1 - z), axis=1)`` with
``z = sigmoid(a)`` as two ``softplus`` per pixel, each a scalar ``expf``
and ``log1pf`` of the C library: a quarter of a CPU step.
``CrossEntropyRows`` computes
``log1p(exp(-|a|)) + (1 - x) * max(a, 0) + x * max(-a, 0)`` (one exp and
one log1p, no cancellation) with float32 polynomials the compiler
vectorises, summed in float64 as the engines do (``xent.h``).  Each
pixel's term is within 2 units in the last place of the exact value.
Only the cost that is returned is computed this way: the gradient is
still the engine's own ``T.grad`` of the tutorial's cost, so the weights
are exactly the same.  Float32 only.
"""
import numpy

from ..engine import ENGINE, T, sigmoid
from .base import FAST_TAG, c_source, register_rewrite, source_hash
from .compiler import wide_vectors
from .graph import (Apply, Sum, _OpBase, constant_value,
                    grad_not_implemented)

_C_FILES = ('xent.h', 'cost.c')
# the per-node glue: the work is cost.c's
_C_CODE = 'if (xent_op(%(x)s, %(a)s, &%(out)s)) { %(fail)s }'


def _match(var, op):
    """The inputs of ``var``'s Apply node if its op is ``op``, else None."""
    if var.owner is not None and var.owner.op == op:
        return var.owner.inputs
    return None


def match_cross_entropy(var):
    """Return ``(x, a)`` if ``var`` is the tutorial's
    ``x * log(z) + (1 - x) * log(1 - z)`` with ``z = sigmoid(a)``, float32,
    exactly as ``dA.get_cost_updates`` writes it; else None.

    :type var: theano variable
    :param var: the argument of the cost's ``T.sum(..., axis=1)``
    """
    if var.ndim != 2 or var.dtype != 'float32':
        return None
    terms = _match(var, T.add)
    if terms is None or len(terms) != 2:
        return None
    first, second = (_match(t, T.mul) for t in terms)
    if first is None or second is None or len(first) != 2 \
            or len(second) != 2:
        return None
    x, log_z = first
    one_minus_x, log_one_minus_z = second
    z, = _match(log_z, T.log) or (None,)
    one_z, = _match(log_one_minus_z, T.log) or (None,)
    if z is None or one_z is None:
        return None
    a, = _match(z, sigmoid) or (None,)
    sub_x = _match(one_minus_x, T.sub)
    sub_z = _match(one_z, T.sub)
    if a is None or sub_x is None or sub_z is None:
        return None
    if sub_x[1] is not x or sub_z[1] is not z \
            or constant_value(sub_x[0]) != 1 \
            or constant_value(sub_z[0]) != 1:
        return None
    if x.type != a.type:
        return None
    return x, a


def cross_entropy_rows_numpy(x, a):
    """The kernel's math in NumPy (the Op's Python implementation): the
    rows' costs, float32.

    :type x: numpy.ndarray
    :param x: targets, float32 matrix

    :type a: numpy.ndarray
    :param a: pre-sigmoid reconstruction, the same shape
    """
    term = (numpy.log1p(numpy.exp(-numpy.abs(a)))
            + (1 - x) * numpy.maximum(a, 0) + x * numpy.maximum(-a, 0))
    return term.sum(axis=1, dtype='float64').astype('float32')


class CrossEntropyRows(_OpBase):
    """``CrossEntropyRows()(x, a)[i] = -sum_j x log(sigmoid(a)) +
    (1 - x) log(1 - sigmoid(a))``, one float32 value per row.

    :type x: float32 matrix
    :param x: targets, in [0, 1]

    :type a: float32 matrix, same shape
    :param a: pre-sigmoid reconstruction
    """
    __props__ = ()

    def make_node(self, x, a):
        x = T.as_tensor_variable(x)
        a = T.as_tensor_variable(a)
        if x.ndim != 2 or a.ndim != 2:
            raise TypeError('CrossEntropyRows takes two matrices, got %d-d '
                            'and %d-d' % (x.ndim, a.ndim))
        if x.dtype != 'float32' or a.dtype != 'float32':
            raise TypeError('CrossEntropyRows is float32 only, got %s and %s'
                            % (x.dtype, a.dtype))
        # one value per row: a one-row minibatch gives a one-long vector,
        # typed so, as the engine's row sum it replaces is
        rows = T.TensorType('float32', (x.broadcastable[0],))()
        return Apply(self, [x, a], [rows])

    def perform(self, node, inputs, output_storage, params=None):
        x, a = inputs
        if x.shape != a.shape:
            raise ValueError('CrossEntropyRows: x has shape %s, a has %s'
                             % (x.shape, a.shape))
        output_storage[0][0] = cross_entropy_rows_numpy(x, a)

    def grad(self, inputs, output_grads):
        # The training step differentiates the tutorial's own cost instead.
        return [grad_not_implemented(self, i, v)
                for i, v in enumerate(inputs)]

    def c_headers(self, **kwargs):
        return ['<string.h>']

    def c_support_code(self, **kwargs):
        return c_source(*_C_FILES)

    def c_compile_args(self, **kwargs):
        # lets the compiler turn the branch-free selects into vector code,
        # 512-bit where it targets AVX-512 (elementwise: the same bits)
        return ['-fno-trapping-math'] + wide_vectors()

    def c_code(self, node, name, inputs, outputs, sub):
        x, a = inputs
        out, = outputs
        return _C_CODE % dict(x=x, a=a, out=out, fail=sub['fail'])

    def c_code_cache_version(self):
        return (1, source_hash(c_source(*_C_FILES), _C_CODE))


@register_rewrite(ENGINE, FAST_TAG + '_cost', [Sum], 0.1, FAST_TAG)
def local_cross_entropy_rows(fgraph, node):
    """``T.sum(x log z + (1 - x) log(1 - z), axis=1)`` ->
    ``-CrossEntropyRows()(x, a)``; registered just after the first merge,
    before the engine rewrites the cost into softplus terms."""
    if tuple(getattr(node.op, 'axis', None) or ()) != (1,) \
            or node.outputs[0].dtype != 'float32':
        return False
    parts = match_cross_entropy(node.inputs[0])
    if parts is None:
        return False
    return [-CrossEntropyRows()(*parts)]
