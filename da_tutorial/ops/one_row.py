"""A batch-1 step on the engine's vector kernels: the rewrite
``one_row_dot`` (tag ``dA_fast``).

For a minibatch of one example (``SdA.py``'s default), the engines compute
each product with their matrix kernel (gemm) on one row.  ``one_row_dot``
gives them their own vector kernels (gemv, ger) instead: the same
products, a quarter of the time, the last bits as that BLAS routine sums
them.  The batch-20 step of ``dA.py`` has no such product and is
unchanged.  No C of its own.
"""
from ..engine import ENGINE, T
from .base import FAST_TAG, register_rewrite
from .graph import DimShuffle, Dot, Elemwise, SameValues, constant_value

# the MRG stream's draw on the CPU (Theano's, and its FastMRGUniform)
if ENGINE == 'theano':
    from theano.sandbox.rng_mrg import mrg_uniform as _MRGDraw
else:
    from .mrg_pytensor import MRGUniform as _MRGDraw


def _one_row_type(var, pattern):
    """``var`` typed with the broadcastable ``pattern`` (same values)."""
    if ENGINE == 'theano':
        return T.patternbroadcast(var, pattern)
    axes = [i for i, one in enumerate(pattern) if one]
    return T.specify_broadcastable(var, *axes) if axes else var


def _length_one(var, axis, shape_of, seen):
    """True if the graph shows ``var`` is 1 long on ``axis``: its type or
    the engine's shape inference says so, or it is computed from such
    values (elementwise, transposed, a product, a random draw of that size).
    """
    key = (var, axis)
    if key not in seen:
        seen[key] = False      # (graphs have no cycles: only memoised)
        seen[key] = _length_one_now(var, axis, shape_of, seen)
    return seen[key]


def _length_one_now(var, axis, shape_of, seen):
    """``_length_one``'s answer for ``var``, from its type, its inferred
    shape or the node that computes it."""
    if var.broadcastable[axis]:
        return True
    try:
        shape = shape_of[var]      # (PyTensor's is not a dict)
    except (KeyError, TypeError):
        shape = None
    if shape is not None and constant_value(shape[axis]) == 1:
        return True
    node = var.owner
    if node is None:
        return False
    op = node.op
    if isinstance(op, Elemwise):
        # an elementwise result is as long as any input not broadcast
        return any(not i.broadcastable[axis] and
                   _length_one(i, axis, shape_of, seen) for i in node.inputs)
    if isinstance(op, DimShuffle):
        source = op.new_order[axis]
        return source != 'x' and _length_one(node.inputs[0], source,
                                             shape_of, seen)
    if isinstance(op, SameValues):
        return _length_one(node.inputs[0], axis, shape_of, seen)
    if isinstance(op, Dot) and var.ndim == 2:
        return _length_one(node.inputs[axis], axis, shape_of, seen)
    if isinstance(op, _MRGDraw):
        # the draw (rstate, size): its size, here often the shape of a
        # one-row minibatch
        return constant_value(node.inputs[1][axis]) == 1
    return False


def one_row_dot(fgraph, node):
    """``dot(x, y)`` where the graph shows a side of ``x`` or ``y`` is 1
    long, though its type does not say so -> the same ``dot`` on inputs
    typed so, which the engine compiles to its level-2 BLAS kernels (gemv
    for a vector times a matrix, ger for a rank-1 weight update) instead
    of level-3 gemm on a one-row matrix.

    This is how a batch-1 step (``SdA.py``'s default) gets the kernels the
    engine itself uses for vectors: about a quarter of gemm's time at
    784x1000.  The minibatch is typed as one row (``engine.one_row``); the
    noise mask and the gradients are not, but are computed from it, which
    is what ``_length_one`` follows.  Same products, summed by another BLAS
    routine (the last bits may differ from gemm's).

    :type fgraph: the engine's FunctionGraph
    :param fgraph: the graph being rewritten (its shape feature is used)

    :type node: the engine's Apply node
    :param node: a node of ``fgraph``
    """
    if not isinstance(node.op, Dot):
        return False
    x, y = node.inputs
    shape_feature = getattr(fgraph, 'shape_feature', None)
    if x.ndim != 2 or y.ndim != 2:
        return False
    shape_of = shape_feature.shape_of if shape_feature is not None else {}
    seen = {}
    px = tuple(_length_one(x, axis, shape_of, seen) for axis in (0, 1))
    py = tuple(_length_one(y, axis, shape_of, seen) for axis in (0, 1))
    if (px, py) == (x.broadcastable, y.broadcastable) or \
            not (px[0] or py[1] or (px[1] and py[0])):
        return False
    out = T.dot(_one_row_type(x, px), _one_row_type(y, py))
    if ENGINE == 'theano' and \
            out.broadcastable != node.outputs[0].broadcastable:
        out = T.patternbroadcast(out, node.outputs[0].broadcastable)
    return [out]


# once the gradient is simplified, before the engine picks BLAS calls
local_one_row_dot = register_rewrite(
    ENGINE, FAST_TAG + '_one_row', [Dot], 1.6, FAST_TAG)(one_row_dot)
