"""The step's sigmoids, vectorised with the engine's bits:
``SigmoidElemwise``, and the rewrite that puts it in place of the engine's
fused elementwise functions with sigmoids (tag ``dA_fast``).

The engines' fused elementwise functions that have sigmoids (the hidden
layer's ``sigmoid(x W + b)``, the cost's gradient at the reconstruction)
call the C library's scalar ``expf`` per element: a fifth of a CPU step.
``SigmoidElemwise`` computes them with the very same float32 operations
in a loop the compiler vectorises, ``exp`` being ``ex_expf``: glibc's
``expf`` written out (``expf.h``: its table and cubic, the same result for
every float from -110 to 89); where a process's ``expf`` differs on a
sample checked at run time, ``expf`` itself is called.  So the weights are
the same, bit for bit, in about a third of the time.  Float32 only.
"""
import copy
import functools
import inspect

from ..engine import ENGINE, sigmoid
from .base import FAST_TAG, c_source, register_rewrite, source_hash
from .compiler import wide_vectors
from .graph import Apply, Composite, Elemwise, _OpBase, get_scalar_type

_C_FILES = ('expf.h', 'sigmoid.c')

# the engine's float32 sigmoid (z from x), and the same floats with
# ex_expf, written so that the compiler vectorises it
_SIGMOID_C = {
    'theano': ('%(z)s = %(x)s < -88.0f ? 0.0 : %(x)s > 15.0f ? 1.0f : '
               '1.0f /(1.0f + exp(-%(x)s));',
               '{ npy_float32 s_ = 1.0f / (1.0f + ex_expf(-%(x)s)); '
               '%(z)s = %(x)s < -88.0f ? 0.0f : %(x)s > 15.0f ? 1.0f : s_; }'),
    'pytensor': ('%(z)s = 1.0f / (1.0f + exp(-%(x)s));',
                 '%(z)s = 1.0f / (1.0f + ex_expf(-%(x)s));')}[ENGINE]

# SigmoidElemwise's per-node code (sigmoid_node.c, a template filled in
# per node): its operands and its loop, then the loop itself
_C_CODE, _LOOP = c_source('sigmoid_node.c').split('---- */\n', 1)
_C_CODE = _C_CODE[:_C_CODE.rindex('/* ----')]
# input k's element, by the sides it broadcasts (rows, columns)
_READ = {(False, False): 'r * C + c0 + c', (True, False): 'c0 + c',
         (False, True): 'r', (True, True): '0'}


class _VectorSigmoid(type(sigmoid.scalar_op)):
    """The engine's scalar sigmoid, its float32 C code with ``ex_expf``."""

    def c_code(self, node, name, inputs, outputs, sub):
        if node.inputs[0].type.dtype != 'float32':
            return super().c_code(node, name, inputs, outputs, sub)
        return _SIGMOID_C[1] % dict(x=inputs[0], z=outputs[0])

    def c_support_code(self, **kwargs):
        return ''

    def c_code_cache_version(self):
        return (1, source_hash(c_source('expf.h'), _SIGMOID_C[1]))


def _vector_sigmoid():
    """The engine's scalar sigmoid op, as a ``_VectorSigmoid``."""
    op = copy.copy(sigmoid.scalar_op)
    op.__class__ = _VectorSigmoid
    return op


def _composite_with(composite, swap):
    """A copy of the scalar ``composite`` with each node's op replaced by
    ``swap(op)`` (None where some op cannot be copied)."""
    fgraph = composite.fgraph
    new = {v: v.type() for v in fgraph.inputs}
    for node in fgraph.toposort():
        op = node.op
        op = _composite_with(op, swap) if isinstance(op, Composite) \
            else swap(op)
        if op is None:
            return None
        outs = op.make_node(*[new[i] if i in new else i
                              for i in node.inputs]).outputs
        new.update(zip(node.outputs, outs))
    return type(composite)([new[v] for v in fgraph.inputs],
                           [new[v] for v in fgraph.outputs])


class SigmoidElemwise(_OpBase):
    """A float32 matrix Elemwise of the engine whose scalar function has
    sigmoids (a fused ``Composite``), computed by the very same float32
    operations in a loop the compiler vectorises, ``exp`` being
    ``ex_expf``.  The same bits as the engine's loop, about a quarter of
    its time.

    :type elemwise: the engine's Elemwise op
    :param elemwise: the op replaced (its inplace pattern is kept)
    """
    __props__ = ('elemwise',)

    def __init__(self, elemwise):
        self.elemwise = elemwise
        self.destroy_map = dict(elemwise.destroy_map)

    def __str__(self):
        return 'SigmoidElemwise{%s}' % self.elemwise

    def make_node(self, *inputs):
        node = self.elemwise.make_node(*inputs)
        return Apply(self, node.inputs, [o.type() for o in node.outputs])

    def perform(self, node, inputs, output_storage, params=None):
        self.elemwise.perform(self.elemwise.make_node(*node.inputs), inputs,
                              output_storage)

    def _bodies(self, node, name):
        """The C code of one element: ``{'ex_expf': ..., 'exp': ...}``."""
        so = self.elemwise.scalar_op
        swap = lambda op: _vector_sigmoid() if op == sigmoid.scalar_op \
            else op
        vector = swap(so) if so == sigmoid.scalar_op else \
            _composite_with(so, swap)
        ins = [get_scalar_type('float32')() for _ in node.inputs]
        names = ['i%d' % k for k in range(len(ins))]
        bodies = {}
        for key, op in (('ex_expf', vector), ('exp', so)):
            bodies[key] = op.c_code(
                op.make_node(*ins), '%s_%s' % (name, key), names,
                ['o%d' % j for j in range(len(node.outputs))],
                dict(fail='{abort();}'))
        return bodies

    def c_headers(self, **kwargs):
        return ['<math.h>', '<string.h>', '<stdlib.h>']

    def c_support_code(self, **kwargs):
        return c_source(*_C_FILES)

    def c_compile_args(self, **kwargs):
        # lets the compiler turn the branch-free selects into vector code,
        # 512-bit where it targets AVX-512 (elementwise: the same bits)
        return ['-fno-trapping-math'] + wide_vectors()

    def c_code(self, node, name, inputs, outputs, sub):
        patterns = [tuple(i.broadcastable) for i in node.inputs]
        n_out = len(outputs)
        # each output: into its destroyed input where the engine's op
        # wrote there (sigmoid.c's se_output)
        into = [self.destroy_map.get(j, [None])[0] for j in range(n_out)]
        loop = dict(
            reads='\n'.join('npy_float32 i%d = p%d[%s];' % (k, k, _READ[p])
                            for k, p in enumerate(patterns)),
            declare='\n'.join('npy_float32 o%d;' % j for j in range(n_out)),
            keep='\n'.join('chunk%d[c] = o%d;' % (j, j)
                           for j in range(n_out)),
            copy='\n'.join('memcpy(q%d + r * C + c0, chunk%d, m * '
                           'sizeof(npy_float32));' % (j, j)
                           for j in range(n_out)))
        bodies = self._bodies(node, name)
        return _C_CODE % dict(
            n_in=len(inputs), inputs=', '.join(inputs),
            n_bcast=2 * len(inputs),
            bcast=', '.join('%d' % b for p in patterns for b in p),
            outputs=''.join(
                '\n    || se_output(&%s, %s, R, C)'
                % (out, 'NULL' if k is None else inputs[k])
                for out, k in zip(outputs, into)),
            fail=sub['fail'],
            pointers='\n'.join(
                ['const npy_float32* p%d = (const npy_float32*)'
                 'PyArray_DATA(in_[%d]);' % (k, k)
                 for k in range(len(inputs))] +
                ['npy_float32* q%d = (npy_float32*)PyArray_DATA(%s);\n'
                 'npy_float32 chunk%d[256];' % (j, out, j)
                 for j, out in enumerate(outputs)]),
            loop_ex_expf=_LOOP % dict(loop, body=bodies['ex_expf']),
            loop_exp=_LOOP % dict(loop, body=bodies['exp']))

    def c_code_cache_version(self):
        return _sigmoid_elemwise_version()


@functools.lru_cache(maxsize=None)
def _sigmoid_elemwise_version():
    """``SigmoidElemwise``'s cache version: its C files', its templates'
    and its class's source (which writes the loop), read once a
    process."""
    return (1, source_hash(c_source(*_C_FILES), _SIGMOID_C[1], _C_CODE,
                           _LOOP, inspect.getsource(SigmoidElemwise)))


def vectorisable(node):
    """True where ``SigmoidElemwise`` can take ``node``'s place: an
    Elemwise of float32 matrices whose scalar function has a sigmoid, on
    an engine whose sigmoid's C code is the one ``_SIGMOID_C`` knows.

    :type node: the engine's Apply node
    :param node: a node of a graph
    """
    op = node.op
    if type(op) is not Elemwise or \
            any(v.type.dtype != 'float32' or v.ndim != 2
                for v in node.inputs + node.outputs):
        return False
    so = op.scalar_op
    if so == sigmoid.scalar_op:
        found = True
    elif isinstance(so, Composite):
        found = any(n.op == sigmoid.scalar_op
                    for n in so.fgraph.toposort())
    else:
        found = False
    if not found or so.c_support_code().strip():
        return False      # (scalar ops with support code are left alone)
    return _engine_sigmoid_known()


@functools.lru_cache(maxsize=None)
def _engine_sigmoid_known():
    """True where the engine's float32 sigmoid C code is ``_SIGMOID_C``'s
    (checked once a process)."""
    snode = sigmoid.scalar_op.make_node(get_scalar_type('float32')())
    return sigmoid.scalar_op.c_code(snode, 'n', ['X'], ['Z'], {}) == \
        _SIGMOID_C[0] % dict(x='X', z='Z')


# after the engine's fusion and in-place phases, whose results it keeps
@register_rewrite(ENGINE, FAST_TAG + '_sigmoid', [Elemwise], 75.5, FAST_TAG)
def local_sigmoid_elemwise(fgraph, node):
    """A float32 Elemwise with sigmoids -> ``SigmoidElemwise`` (same bits,
    in place where it was)."""
    if not vectorisable(node):
        return False
    return SigmoidElemwise(node.op).make_node(*node.inputs).outputs
