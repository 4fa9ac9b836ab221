"""A batch-1 step's products on the project's own kernels: ``RowGemv`` and
``RowGer`` (``row_blas.c``), and the rewrites that put them in place of the
engine's BLAS calls (tag ``dA_fast``).

At a minibatch of one example (``SdA.py``'s default) each product is a
vector times a matrix (gemv) and each weight update a rank-1 update (ger),
which ``one_row.one_row_dot`` makes the engine see.  The BLAS computes
them on threads that wait for each other at every call: the fastest
setting on a quiet machine, and the slowest once another program keeps a
core busy (a layer-0 epoch of ``SdA.py`` took 55.6 s with OpenBLAS's two
threads next to a CPU loop, 28.6 s with one).  These kernels:

* sum every product in one order that the data's layout alone fixes, so
  that one thread and four, AVX2 and AVX-512, OpenBLAS and MKL give the
  same bits (``row_blas.c`` says which order);
* skip the zeros of the vector in ``x W`` (four fifths of an MNIST digit)
  and, in an update, of its factors: adding ``0 * w`` is exact;
* do both of a step's updates of ``W`` in one pass over it
  (``merge_row_gers``), in the order the graph had them;
* choose their threads by timing their own calls: one, or the cores (at
  most four), whichever measured faster, tried again now and then and at
  once when the calls slow down (another program took a core).  The
  threads the user gives (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``,
  ``MKL_NUM_THREADS``, or ``openmp=False`` in the engine's flags) are used
  as they are.

Float32 on the CPU only; elsewhere the engine's own kernels stay.
"""
import ctypes
import functools
import os

from .. import flags
from ..engine import ENGINE, T, theano
from .base import FAST_TAG, c_source, register_rewrite, source_hash
from .compiler import fused_multiply_adds
from .fast_step import _openmp_flags, applies
from .graph import (BLAS_OPS, Apply, _existing, _OpBase,
                    grad_not_implemented)

if ENGINE == 'theano':
    from theano.tensor.blas import Gemm
    from theano.tensor.blas_c import CGemv, CGer
else:
    from pytensor.tensor.blas import Gemm
    CGemv = _existing('pytensor.tensor.blas.blas_c:CGemv',  # PyTensor 3
                      'pytensor.tensor.blas_c:CGemv')[0]
    CGer = None          # (PyTensor's updates are Gemm of a column, a row)

_C_FILES = ('threads.h', 'row_blas.c')
# each multiply-add fused where the CPU has the instruction, in every loop
# (compiler.fused_multiply_adds: the same sums in any block or width)
_COMPILE_ARGS = ['-fno-trapping-math']

_GEMV_CODE = r"""if (rb_gemv_op(%(y)s, %(alpha)s, %(A)s, %(x)s, %(beta)s,
               %(inplace)d, &tune_%(name)s, &work_%(name)s, &%(out)s)) {
    %(fail)s
}"""
_GER_CODE = r"""{
    PyArrayObject* alphas[2] = {%(a1)s, %(a2)s};
    PyArrayObject* xs[2] = {%(x1)s, %(x2)s};
    PyArrayObject* ys[2] = {%(y1)s, %(y2)s};
    if (rb_ger_op(%(A)s, %(pairs)d, alphas, xs, ys, %(inplace)d,
                  &tune_%(name)s, &work_%(name)s, &%(out)s)) {
        %(fail)s
    }
}"""


# the live nodes' thread tuners, as capsules (row_blas.c's rb_register)
TUNERS = []


class _Tune(ctypes.Structure):
    """row_blas.c's ``rb_tune``, field for field."""
    _fields_ = [('fixed', ctypes.c_int), ('most', ctypes.c_int),
                ('cur', ctypes.c_int), ('probing', ctypes.c_int),
                ('n', ctypes.c_int), ('until', ctypes.c_long),
                ('period', ctypes.c_long), ('mean', ctypes.c_double),
                ('base', ctypes.c_double), ('sum', ctypes.c_double),
                ('switches', ctypes.c_long), ('worst', ctypes.c_double)]


def thread_report():
    """The threads of the kernels that choose theirs (the batch-1 products,
    ``RowGemv`` and ``RowGer``, and ``FastStep``) in the live compiled
    functions, for metrics.json: ``{'setting': how they
    are chosen and why, 'products': [{'threads', 'us_per_call',
    'switches'}, ...]}``, of those called so far."""
    from ..machine import THREAD_VARIABLES, cores
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object,
                                                  ctypes.c_char_p]
    tunes = [_Tune.from_address(get(c, b'rb_tune')) for c in TUNERS]
    user = [n for n in THREAD_VARIABLES if os.environ.get(n)]
    if user:
        setting = '%s=%s, the user\'s' % (user[0], os.environ[user[0]])
    elif default_threads() == 1:
        setting = 'one: openmp=False in the engine\'s flags'
    else:
        setting = ('timed: each product keeps one thread or %d, whichever '
                   'its calls measured faster, and tries the other again '
                   'now and then and when its calls slow down (another '
                   'program took a core); one thread and more give the '
                   'same bits' % min(cores(), 4))
    return {'setting': setting, 'products': [
        {'threads': t.fixed or t.cur, 'us_per_call': round(t.mean * 1e6, 1),
         'switches': t.switches} for t in tunes if t.mean > 0]}


def _float32(var, ndim, op, name):
    """``var`` as a float32 tensor of ``ndim`` dimensions (TypeError if it
    is another one)."""
    var = T.as_tensor_variable(var)
    if var.ndim == ndim and var.dtype != 'float32' and ndim == 0:
        var = T.cast(var, 'float32')
    if var.ndim != ndim or var.dtype != 'float32':
        raise TypeError('%s: %s must be a float32 %d-d tensor, got %s %d-d'
                        % (op, name, ndim, var.dtype, var.ndim))
    return var


@functools.lru_cache(maxsize=None)
def default_threads():
    """0 (the kernels choose by timing), or 1 where the user turned the
    engine's OpenMP off (``openmp=False`` in its flags or rc file)."""
    if flags.user_setting('openmp', engine=ENGINE) and \
            not theano.config.openmp:
        return 1
    return 0


class _RowOp(_OpBase):
    """What ``RowGemv`` and ``RowGer`` share: the C file, the per-node
    thread tuner and work space, the compile flags."""

    def c_headers(self, **kwargs):
        return ['<string.h>', '<stdlib.h>', '<time.h>']

    def c_support_code(self, **kwargs):
        return c_source(*_C_FILES)

    def c_support_code_struct(self, node, name):
        # kept from one call to the next
        return 'rb_tune tune_%s; rb_work work_%s;' % (name, name)

    def c_init_code_struct(self, node, name, sub):
        return ('rb_tune_init(&tune_%(n)s, %(t)d); work_%(n)s.f = NULL; '
                'work_%(n)s.i = NULL; work_%(n)s.nf = work_%(n)s.ni = 0;'
                % dict(n=name, t=self.threads))

    def c_cleanup_code_struct(self, node, name):
        return ('rb_register(&tune_%(n)s, 0); free(work_%(n)s.f); '
                'free(work_%(n)s.i);' % dict(n=name))

    def c_compile_args(self, **kwargs):
        width = ['-DRB_W=%d' % self.width] if self.width else []
        return _COMPILE_ARGS + fused_multiply_adds() + _openmp_flags() + \
            width

    def grad(self, inputs, output_grads):
        return [grad_not_implemented(self, i, v)
                for i, v in enumerate(inputs)]


class RowGemv(_RowOp):
    """``RowGemv(inplace)(y, alpha, A, x, beta)`` -> ``beta y + alpha A x``
    (``y`` is not read where ``beta`` is 0), as the engine's ``CGemv``,
    float32.

    :type inplace: bool
    :param inplace: write the result into ``y``

    :type threads: int
    :param threads: 0: chosen by timing the calls; else this many (the
                    result is the same)

    :type width: int
    :param width: 0: the CPU's vector (16 floats with AVX-512, else 8);
                  8 or 16 to compile that one's code (the result is the
                  same; for the tests)
    """
    __props__ = ('inplace', 'threads', 'width')

    def __init__(self, inplace=False, threads=0, width=0):
        self.inplace = bool(inplace)
        self.threads = int(threads)
        self.width = int(width)
        if self.inplace:
            self.destroy_map = {0: [0]}

    def make_node(self, y, alpha, A, x, beta):
        y, A, x = (_float32(v, n, 'RowGemv', k) for v, n, k in
                   ((y, 1, 'y'), (A, 2, 'A'), (x, 1, 'x')))
        alpha = _float32(alpha, 0, 'RowGemv', 'alpha')
        beta = _float32(beta, 0, 'RowGemv', 'beta')
        return Apply(self, [y, alpha, A, x, beta], [y.type()])

    def perform(self, node, inputs, output_storage, params=None):
        y, alpha, A, x, beta = inputs
        out = alpha * A.dot(x)
        if beta != 0:
            out += beta * y
        if self.inplace:
            y[...] = out
            out = y
        output_storage[0][0] = out.astype('float32')

    def c_code(self, node, name, inputs, outputs, sub):
        y, alpha, A, x, beta = inputs
        return _GEMV_CODE % dict(y=y, alpha=alpha, A=A, x=x, beta=beta,
                                 out=outputs[0], name=name,
                                 inplace=int(self.inplace), fail=sub['fail'])

    def c_code_cache_version(self):
        return (2, source_hash(c_source(*_C_FILES), _GEMV_CODE,
                               *_COMPILE_ARGS))


class RowGer(_RowOp):
    """``RowGer(inplace, pairs)(A, alpha1, x1, y1[, alpha2, x2, y2])`` ->
    ``A + alpha1 outer(x1, y1) [+ alpha2 outer(x2, y2)]``, as the engine's
    ``CGer`` (one pair) or two of them one after the other (two pairs: one
    pass over ``A``, the same roundings in the same order), float32.

    :type inplace: bool
    :param inplace: update ``A`` in its own memory

    :type pairs: int
    :param pairs: 1 or 2 rank-1 updates

    :type threads: int
    :param threads: 0: chosen by timing the calls; else this many (the
                    result is the same)

    :type width: int
    :param width: as ``RowGemv``'s
    """
    __props__ = ('inplace', 'pairs', 'threads', 'width')

    def __init__(self, inplace=False, pairs=1, threads=0, width=0):
        if pairs not in (1, 2):
            raise ValueError('RowGer: pairs must be 1 or 2, got %r' % pairs)
        self.inplace = bool(inplace)
        self.pairs = pairs
        self.threads = int(threads)
        self.width = int(width)
        if self.inplace:
            self.destroy_map = {0: [0]}

    def make_node(self, A, *terms):
        if len(terms) != 3 * self.pairs:
            raise TypeError('RowGer: %d inputs after A for %d pairs, got %d'
                            % (3 * self.pairs, self.pairs, len(terms)))
        A = _float32(A, 2, 'RowGer', 'A')
        terms = [_float32(v, (0, 1, 1)[k % 3], 'RowGer',
                          ('alpha', 'x', 'y')[k % 3])
                 for k, v in enumerate(terms)]
        return Apply(self, [A] + terms, [A.type()])

    def perform(self, node, inputs, output_storage, params=None):
        A = inputs[0] if self.inplace else inputs[0].copy()
        for p in range(self.pairs):
            alpha, x, y = inputs[1 + 3 * p: 4 + 3 * p]
            A += (alpha * x)[:, None] * y[None, :]
        output_storage[0][0] = A

    def c_code(self, node, name, inputs, outputs, sub):
        A, a1, x1, y1 = inputs[:4]
        a2, x2, y2 = inputs[4:] if self.pairs == 2 else ('NULL',) * 3
        return _GER_CODE % dict(A=A, a1=a1, x1=x1, y1=y1, a2=a2, x2=x2,
                                y2=y2, pairs=self.pairs, out=outputs[0],
                                name=name, inplace=int(self.inplace),
                                fail=sub['fail'])

    def c_code_cache_version(self):
        return (2, source_hash(c_source(*_C_FILES), _GER_CODE,
                               *_COMPILE_ARGS))


def _all_float32(node):
    """True where the node's inputs and outputs are float32 on the CPU."""
    return applies(*(list(node.inputs) + list(node.outputs)))


def _one_value(var, value):
    """True where ``var`` is a constant equal to ``value`` everywhere."""
    from .graph import constant_value
    found = constant_value(var)
    return found is not None and float(found) == value


def _takes(node):
    """True where ``row_blas`` replaces the node: a float32 gemv, a ger or
    a gemm of a column by a row with ``beta`` 1."""
    op = node.op
    if not _all_float32(node):
        return False
    if isinstance(op, CGemv) or (CGer is not None and isinstance(op, CGer)):
        return True
    if isinstance(op, Gemm):
        _, _, X, Y, beta = node.inputs
        return X.broadcastable[1] and Y.broadcastable[0] and \
            _one_value(beta, 1.0)
    return False


def _threads_for(fgraph):
    """The kernels' threads in ``fgraph``: ``default_threads()``, or one
    where the function still calls the BLAS (a product of another shape):
    after each call the BLAS's idle threads spin for a while, and threads
    of the kernels' own, waiting for a core beside them, made steps many
    times slower (FastStep's, docs/speed.md)."""
    if any(isinstance(n.op, BLAS_OPS) and not _takes(n)
           for n in fgraph.apply_nodes):
        return 1
    return default_threads()


# after the engine's own in-place rewrites (70), before FastStep's (70.5)
@register_rewrite(ENGINE, 'dA_fast_row_blas', [CGemv, Gemm] +
                  ([CGer] if CGer else []), 70.2, FAST_TAG, inplace=True)
def row_blas(fgraph, node):
    """The engine's float32 gemv and ger (Theano's ``CGer``, PyTensor's
    ``Gemm`` of a column by a row with ``beta`` 1) -> ``RowGemv`` and
    ``RowGer``, in place where they were."""
    if not isinstance(node.op, (CGemv, Gemm) + ((CGer,) if CGer else ())) \
            or not _takes(node):
        return False
    op, threads = node.op, _threads_for(fgraph)
    if isinstance(op, CGemv):
        return RowGemv(op.inplace, threads).make_node(*node.inputs).outputs
    if isinstance(op, Gemm):
        Z, alpha, X, Y, _ = node.inputs
        return RowGer(op.inplace, 1, threads).make_node(
            Z, alpha, X[:, 0], Y[0, :]).outputs
    return RowGer(op.destructive, 1, threads).make_node(*node.inputs).outputs


def _clients(fgraph, var):
    """The nodes that use ``var`` (the engines keep them differently)."""
    clients = fgraph.clients[var] if hasattr(fgraph, 'clients') and \
        isinstance(fgraph.clients, dict) else var.clients
    return [c[0] for c in clients]


@register_rewrite(ENGINE, 'dA_fast_row_ger_pairs', [RowGer], 70.3,
                  FAST_TAG, inplace=True)
def merge_row_gers(fgraph, node):
    """``RowGer(RowGer(A, a1, x1, y1), a2, x2, y2)``, the inner one used
    nowhere else -> one ``RowGer`` of both pairs: one pass over ``A``
    instead of two, the same roundings in the same order."""
    op = node.op
    if not isinstance(op, RowGer):
        return False
    inner = node.inputs[0].owner
    if op.pairs != 1 or inner is None or not isinstance(inner.op, RowGer) \
            or inner.op.pairs != 1 or inner.op.inplace != op.inplace or \
            len(_clients(fgraph, node.inputs[0])) != 1:
        return False
    return RowGer(op.inplace, 2, op.threads, op.width).make_node(
        *(list(inner.inputs) + list(node.inputs[1:]))).outputs
