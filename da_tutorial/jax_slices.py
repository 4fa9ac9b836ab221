"""Minibatches cut at a symbolic index, in PyTensor's JAX mode.

Every script of the tutorial series feeds its minibatches as
``givens={x: data[index * batch_size:(index + 1) * batch_size]}``.  JAX
compiles a function for fixed shapes and refuses a slice whose bounds are
traced values, so such a function does not compile in JAX mode as it is.
Its length is fixed all the same: ``stop - start`` is a constant
(``batch_size``).  The rewrite here (tagged ``jax``, so it runs in JAX mode
only) finds every slice along the first axis whose length is constant
while its start is not, in any graph, the user's included, and turns it
into ``FixedLengthSlice``: ``jax.lax.dynamic_slice_in_dim`` under JAX, a
NumPy slice elsewhere.  The numbers are the same for every start in range
(JAX moves a start past the end back, NumPy would return fewer rows).

Imported by ``engine.py`` and the Theano face once PyTensor is.
"""
import pytensor.tensor as pt
from pytensor import scalar as ps
from pytensor.compile import optdb
from pytensor.graph.basic import Apply, Constant
from pytensor.graph.op import Op
from pytensor.graph.rewriting.basic import in2out, node_rewriter
from pytensor.tensor.elemwise import Elemwise
from pytensor.tensor.subtensor import Subtensor

from da_tutorial.ops import linkers


def affine(var):
    """Return ``var`` as ``{leaf: coefficient, None: constant}`` when it is
    an affine integer expression of some leaves (sums, differences,
    products by constants, casts), else None."""
    if isinstance(var, Constant):
        try:
            return {None: int(var.data)}
        except (TypeError, ValueError):
            return None
    node = var.owner
    if node is None:
        return {var: 1}
    op = node.op.scalar_op if isinstance(node.op, Elemwise) else node.op
    parts = None
    if isinstance(op, (ps.Add, ps.Sub, ps.Mul, ps.Neg, ps.Cast,
                       ps.Identity)) or type(op).__name__ in (
                           'ScalarFromTensor', 'TensorFromScalar'):
        parts = [affine(i) for i in node.inputs]
        if any(p is None for p in parts):
            return None
    if parts is None:
        return {var: 1}
    if isinstance(op, ps.Add):
        return _combine(parts, [1] * len(parts))
    if isinstance(op, ps.Sub):
        return _combine(parts, [1, -1])
    if isinstance(op, ps.Neg):
        return _combine(parts, [-1])
    if isinstance(op, ps.Mul):
        variable = [p for p in parts if set(p) - {None}]
        if len(variable) > 1:
            return {var: 1}
        factor = 1
        for p in parts:
            if p is not (variable[0] if variable else None):
                factor *= p.get(None, 0)
        return _combine(variable or [{None: 1}], [factor])
    return parts[0]       # casts and scalar/tensor conversions


def _combine(parts, weights):
    """The sum of ``weight * part``, dropping zero coefficients."""
    total = {}
    for part, weight in zip(parts, weights):
        for key, value in part.items():
            total[key] = total.get(key, 0) + weight * value
    return {k: v for k, v in total.items() if v or k is None}


class FixedLengthSlice(Op):
    """``FixedLengthSlice(length)(x, start) = x[start:start + length]``,
    a slice of rows of static length at a traced start.

    :type length: int
    :param length: rows in the result
    """
    __props__ = ('length',)
    view_map = {0: [0]}

    def __init__(self, length):
        self.length = int(length)

    def make_node(self, x, start):
        x = pt.as_tensor_variable(x)
        start = pt.as_tensor_variable(start)
        shape = (self.length,) + tuple(x.type.shape[1:])
        return Apply(self, [x, start],
                     [pt.TensorType(x.dtype, shape=shape)()])

    def perform(self, node, inputs, outputs):
        x, start = inputs
        start = int(start)
        outputs[0][0] = x[start:start + self.length]

    def L_op(self, inputs, outputs, grads):
        x, start = inputs
        zeros = pt.zeros_like(x)
        rows = pt.set_subtensor(zeros[start:start + self.length], grads[0])
        return [rows, pt.zeros_like(start, dtype='floatX')]


@node_rewriter([Subtensor])
def fixed_length_slices(fgraph, node):
    """``x[start:stop]`` along the first axis, where ``stop - start`` is a
    constant and ``start`` is not: a ``FixedLengthSlice``."""
    idx = node.op.idx_list
    if not idx or not isinstance(idx[0], slice):
        return False
    first = idx[0]
    if first.start is None or first.stop is None or first.step is not None:
        return False
    if any(s != slice(None, None, None) for s in idx[1:]):
        return False
    start, stop = node.inputs[1], node.inputs[2]
    a, b = affine(start), affine(stop)
    if a is None or b is None or not set(a) - {None}:
        return False
    diff = _combine([b, a], [1, -1])
    if set(diff) - {None} or diff.get(None, 0) <= 0:
        return False
    begin = pt.cast(pt.as_tensor_variable(start), 'int64')
    return [FixedLengthSlice(diff[None])(node.inputs[0], begin)]


def _jax_fixed_length_slice(op, **kwargs):
    import jax
    length = op.length

    def fixed_length_slice(x, start):
        return jax.lax.dynamic_slice_in_dim(x, start, length, axis=0)
    return fixed_length_slice


def register():
    """Register the rewrite for JAX mode and the op's JAX version
    (once)."""
    if 'dA_fixed_length_slices' in optdb.__db__:
        return
    optdb.register('dA_fixed_length_slices', in2out(fixed_length_slices),
                   'jax', position=0.9)
    linkers.register('jax', _register_jax)


def _register_jax():
    from pytensor.link.jax.dispatch import jax_funcify
    jax_funcify.register(FixedLengthSlice)(_jax_fixed_length_slice)


register()
