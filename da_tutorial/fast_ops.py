"""Faster C kernels for the dA training step, on the same math, for both
engines.

``dA.build_train_function`` compiles the tutorial's graph with
``fast_mode()``: the engine's mode plus the graph rewrites below.
``python bench/bench_dA.py`` measures what they bring; the profiles that
motivated them are in ``bench/README.md``.

* ``CrossEntropyRows`` computes the tutorial's cost,
  ``-sum(x * log(z) + (1 - x) * log(1 - z), axis=1)`` with
  ``z = sigmoid(a)``.  The engines turn it into two ``softplus`` per pixel,
  each a scalar ``expf`` and ``log1pf`` from the C library: a quarter of a
  CPU step.  Here it is
  ``log1p(exp(-|a|)) + (1 - x) * max(a, 0) + x * max(-a, 0)`` (one exp and
  one log1p, no cancellation) with float32 polynomials the compiler
  vectorises, summed in float64 as the engines do.  Each pixel's term is
  within 2 units in the last place (ulp) of the exact value.  Only the cost
  that is returned is computed this way: the gradient is still the engine's
  own ``T.grad`` of the tutorial's cost, so the weights are exactly the
  same.
* ``SigmoidElemwise`` computes the engine's fused elementwise functions
  that have sigmoids (the hidden layer's ``sigmoid(x W + b)``, the cost's
  gradient at the reconstruction) with the very same float32 operations,
  in a loop the compiler vectorises: the engines call the C library's
  scalar ``expf`` per element, a fifth of a CPU step; here ``ex_expf`` is
  glibc's ``expf`` written out (its table and cubic, the same result for
  every float from -110 to 89), and where a process's ``expf`` differs on
  a sample checked at run time, ``expf`` itself is called.  So the
  weights are the same, bit for bit, in about a third of the time.
* ``FastMRGUniform`` (Theano) draws the very same numbers as Theano's CPU
  ``mrg_uniform`` (MRG31k3p, integer arithmetic, hence bit for bit), but
  one stream after another in vectorisable passes instead of one element at
  a time with a division per element.  On PyTensor, ``rng_mrg.MRGUniform``
  runs the same C loop.

The cost and sigmoid kernels are float32 only (float64 graphs keep the
engine's own); the random numbers are the same in any precision.  All are
for the CPU's C back end; GPU graphs, and PyTensor's Numba and JAX modes,
are left alone.

For a minibatch of one example (``SdA.py``'s default), ``one_row_dot``
gives each product the engine's own vector kernels (gemv, ger) instead of
its matrix kernel (gemm) on one row: the same products, a quarter of the
time, the last bits as that BLAS routine sums them.  The batch-20 step of
``dA.py`` has no such product and is unchanged.

To turn the rewrites off (the engine's own kernels, and its costs bit for
bit): ``THEANO_FLAGS=optimizer_excluding=dA_fast`` (PyTensor:
``PYTENSOR_FLAGS``).
"""
import copy
import functools
import inspect

import numpy

from .engine import ENGINE, theano, T, sigmoid
from .rng_mrg import mrg_c_support_code, source_hash

if ENGINE == 'theano':
    from theano.gof.opt import in2out
    from theano.gof.opt import local_optimizer as node_rewriter
    from theano.compile import optdb
    from theano.sandbox.rng_mrg import mrg_uniform as _mrg_uniform
    from theano.tensor import NotScalarConstantError, Sum
    from theano.tensor.basic import Dot, Rebroadcast as _SameValues
    from theano.tensor.elemwise import DimShuffle, Elemwise
    from theano.scalar import Composite, get_scalar_type
    _scalar_constant = T.get_scalar_constant_value
    _OpBase, Apply = theano.Op, theano.Apply
    grad_not_implemented = theano.gradient.grad_not_implemented
else:
    from pytensor.compile import optdb
    from pytensor.gradient import grad_not_implemented
    from pytensor.graph.basic import Apply
    from pytensor.graph.rewriting.basic import in2out
    from pytensor.graph.rewriting.basic import node_rewriter as _node_rewriter
    from pytensor.link.c.op import COp as _OpBase
    from pytensor.tensor.exceptions import NotScalarConstantError
    from pytensor.tensor.elemwise import DimShuffle, Elemwise
    from pytensor.tensor.math import Dot, Sum
    from pytensor.scalar import Composite, get_scalar_type
    from pytensor.tensor.shape import SpecifyShape as _SameValues
    # (its get_scalar_constant_value refuses a constant made a matrix)
    _scalar_constant = T.get_underlying_scalar_constant_value

    def node_rewriter(ops):
        """PyTensor's node_rewriter, for rewrites written as Theano's:
        ``rewrite(node)``."""
        return lambda rewrite: _node_rewriter(ops)(
            lambda fgraph, node: rewrite(node))


_XENT_C = r"""
/* exp(v) for v <= 0; 0 below -87.33 (where float32 underflows). */
static inline float xe_exp_neg(float v) {
    float keep = v < -87.33f ? 0.0f : 1.0f;
    v = v < -87.33f ? -87.33f : v;
    /* round to nearest: add and remove 1.5 * 2^23 */
    float n = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = v - n * 0.693359375f;            /* Cody-Waite ln 2 */
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;                /* Cephes expf */
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    npy_int32 bits = ((npy_int32)n + 127) << 23;   /* 2^n */
    float scale;
    memcpy(&scale, &bits, 4);
    return keep * p * scale;
}

/* log1p(t) for 0 <= t <= 1 */
static inline float xe_log1p01(float t) {
    float u = 1.0f + t;
    npy_int32 iu;
    memcpy(&iu, &u, 4);
    npy_int32 k = (iu >> 23) - 127;
    npy_int32 im = (iu & 0x007fffff) | 0x3f800000;
    float m;                                   /* u = m * 2^k, m in [1, 2) */
    memcpy(&m, &im, 4);
    npy_int32 big = m > 1.41421356f;           /* m in [sqrt(.5), sqrt(2)) */
    m = big ? 0.5f * m : m;
    k = k + big;
    float x = m - 1.0f;
    float z = x * x;
    float y = 7.0376836292e-2f;                /* Cephes logf */
    y = y * x - 1.1514610310e-1f;
    y = y * x + 1.1676998740e-1f;
    y = y * x - 1.2420140846e-1f;
    y = y * x + 1.4249322787e-1f;
    y = y * x - 1.6668057665e-1f;
    y = y * x + 2.0000714765e-1f;
    y = y * x - 2.4999993993e-1f;
    y = y * x + 3.3333331174e-1f;
    y = y * x * z;
    float fk = (float)k;
    y += fk * -2.12194440e-4f;
    y += -0.5f * z;
    float r = x + y + fk * 0.693359375f;
    /* 1 + t was rounded: first-order correction (t - (u - 1)) / u */
    return r + (t - (u - 1.0f)) / u;
}

/* out[i] = sum_j log(1 + exp(-|a|)) + (1 - x) max(a, 0) + x max(-a, 0),
   i.e. -sum_j x log(sigmoid(a)) + (1 - x) log(1 - sigmoid(a)). */
static void xent_rows(npy_intp rows, npy_intp cols,
                      const float* x, npy_intp x_row,
                      const float* a, npy_intp a_row, float* out) {
    float term[64];
    for (npy_intp i = 0; i < rows; i++) {
        const float* xi = x + i * x_row;
        const float* ai = a + i * a_row;
        double sum = 0;
        for (npy_intp j0 = 0; j0 < cols; j0 += 64) {
            int n = cols - j0 < 64 ? (int)(cols - j0) : 64;
            for (int j = 0; j < n; j++) {    /* vectorised by the compiler */
                float av = ai[j0 + j], xv = xi[j0 + j];
                float neg_abs = av < 0 ? av : -av;
                term[j] = xe_log1p01(xe_exp_neg(neg_abs))
                          + (1.0f - xv) * (av > 0 ? av : 0.0f)
                          + xv * (av < 0 ? -av : 0.0f);
            }
            double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int j = 0;
            for (; j + 8 <= n; j += 8)
                for (int q = 0; q < 8; q++)
                    s[q] += term[j + q];
            for (; j < n; j++)
                s[0] += term[j];
            sum += ((s[0] + s[1]) + (s[2] + s[3]))
                   + ((s[4] + s[5]) + (s[6] + s[7]));
        }
        out[i] = (float)sum;
    }
}
"""


def _constant_value(var):
    """The scalar value of a constant (broadcast or not), else None."""
    try:
        return _scalar_constant(var)
    except NotScalarConstantError:
        return None


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
            or _constant_value(sub_x[0]) != 1 \
            or _constant_value(sub_z[0]) != 1:
        return None
    if x.type != a.type:
        return None
    return x, a


def _cross_entropy_rows_numpy(x, a):
    """The cost kernel's math in NumPy (the Op's Python implementation)."""
    term = (numpy.log1p(numpy.exp(-numpy.abs(a)))
            + (1 - x) * numpy.maximum(a, 0) + x * numpy.maximum(-a, 0))
    return term.sum(axis=1, dtype='float64').astype('float32')


_XENT_CALL = r"""
{
if (PyArray_DIMS(%(x)s)[0] != PyArray_DIMS(%(a)s)[0]
    || PyArray_DIMS(%(x)s)[1] != PyArray_DIMS(%(a)s)[1]) {
    PyErr_Format(PyExc_ValueError,
        "CrossEntropyRows: x is %%ldx%%ld, a is %%ldx%%ld",
        (long)PyArray_DIMS(%(x)s)[0], (long)PyArray_DIMS(%(x)s)[1],
        (long)PyArray_DIMS(%(a)s)[0], (long)PyArray_DIMS(%(a)s)[1]);
    %(fail)s
}
npy_intp rows = PyArray_DIMS(%(x)s)[0];
npy_intp cols = PyArray_DIMS(%(x)s)[1];
if (%(out)s == NULL || PyArray_DIMS(%(out)s)[0] != rows) {
    Py_XDECREF(%(out)s);
    %(out)s = (PyArrayObject*)PyArray_EMPTY(1, &rows, NPY_FLOAT32, 0);
    if (%(out)s == NULL) { %(fail)s }
}
/* rows may be strided, elements within a row must be contiguous */
PyArrayObject* xc = %(x)s;
PyArrayObject* ac = %(a)s;
Py_INCREF(xc);
Py_INCREF(ac);
if (cols > 1 && PyArray_STRIDES(xc)[1] != 4) {
    Py_DECREF(xc);
    xc = PyArray_GETCONTIGUOUS(%(x)s);
}
if (cols > 1 && PyArray_STRIDES(ac)[1] != 4) {
    Py_DECREF(ac);
    ac = PyArray_GETCONTIGUOUS(%(a)s);
}
if (xc == NULL || ac == NULL) {
    Py_XDECREF(xc);
    Py_XDECREF(ac);
    %(fail)s
}
xent_rows(rows, cols,
          (const float*)PyArray_DATA(xc), PyArray_STRIDES(xc)[0] / 4,
          (const float*)PyArray_DATA(ac), PyArray_STRIDES(ac)[0] / 4,
          (float*)PyArray_DATA(%(out)s));
Py_DECREF(xc);
Py_DECREF(ac);
}
"""

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
        output_storage[0][0] = _cross_entropy_rows_numpy(x, a)

    def grad(self, inputs, output_grads):
        # The training step differentiates the tutorial's own cost instead.
        return [grad_not_implemented(self, i, v)
                for i, v in enumerate(inputs)]

    def c_headers(self, **kwargs):
        return ['<string.h>']

    def c_support_code(self, **kwargs):
        return _XENT_C

    def c_compile_args(self, **kwargs):
        # lets the compiler turn the branch-free selects into vector code
        return ['-fno-trapping-math']

    def c_code(self, node, name, inputs, outputs, sub):
        x, a = inputs
        out, = outputs
        return _XENT_CALL % dict(x=x, a=a, out=out, fail=sub['fail'])

    def c_code_cache_version(self):
        # The engine reuses a compiled module whose version matches: the
        # source's hash makes any change to the C code recompile.
        return (1, source_hash(_XENT_C + _XENT_CALL))


@node_rewriter([Sum])
def local_cross_entropy_rows(node):
    """``T.sum(x log z + (1 - x) log(1 - z), axis=1)`` ->
    ``-CrossEntropyRows()(x, a)``."""
    if tuple(getattr(node.op, 'axis', None) or ()) != (1,) \
            or node.outputs[0].dtype != 'float32':
        return False
    parts = match_cross_entropy(node.inputs[0])
    if parts is None:
        return False
    return [-CrossEntropyRows()(*parts)]


def _exp2_table():
    """``2^(i/32)`` rounded to the nearest double, i < 32, as the C
    library's expf keeps it: each value's bits less ``i << 47``."""
    from decimal import Decimal, getcontext
    getcontext().prec = 50
    table = []
    for i in range(32):
        value = Decimal(2) ** (Decimal(i) / 32)          # in [1, 2)
        mantissa = int((value * 2 ** 52).to_integral_value(
            rounding='ROUND_HALF_EVEN'))
        table.append((1023 << 52 | mantissa - 2 ** 52) - (i << 47))
    return ', '.join('0x%016xULL' % v for v in table)


_EXPF_C = r"""
/* expf(x) as the C library computes it, in a form the compiler vectorises:
   glibc's expf (2.28 and later: the algorithm of Arm's optimized-routines,
   x / ln 2 split into k / 32 + r, a table of 2^(i/32) and a cubic in r in
   double precision, with the four fused multiply-adds of its FMA build).
   It gives the same float as glibc's expf for every float from -110 to 89
   (checked for each of them when this was written); ex_expf_same() checks
   a sample at run time, and where one differs (another C library), the
   kernels call expf itself. */
static const npy_uint64 ex_tab[32] = {%(table)s};

static inline float ex_expf(float x) {
    const double inv_ln2_32 = 0x1.71547652b82fep0 * 32, shift = 0x1.8p52;
    const double c0 = 0x1.c6af84b912394p-5 / (32.0 * 32.0 * 32.0);
    const double c1 = 0x1.ebfce50fac4f3p-3 / (32.0 * 32.0);
    const double c2 = 0x1.62e42ff0c52d6p-1 / 32.0;
    double xd = (double)x;
    double kd = __builtin_fma(inv_ln2_32, xd, shift);
    npy_uint64 ki, t;
    memcpy(&ki, &kd, 8);
    kd -= shift;
    double r = __builtin_fma(inv_ln2_32, xd, -kd);
    t = ex_tab[ki %% 32] + (ki << 47);
    double s;
    memcpy(&s, &t, 8);
    double p = __builtin_fma(c0, r, c1);
    double y = __builtin_fma(c2, r, 1.0);
    y = __builtin_fma(p, r * r, y);
    float e = (float)(y * s);
    /* glibc's overflow and underflow */
    e = x > 0x1.62e42ep6f ? (float)HUGE_VAL : e;
    return x < -0x1.9fe368p6f ? 0.0f : e;
}

/* 1 where ex_expf is this process's expf on a sample (checked once) */
static int ex_expf_same(void) {
    static int same = 0;                     /* 0: not checked yet */
    if (same == 0) {
        /* the library's own expf, called (a compiler folds expf of a
           constant itself, correctly rounded, which expf is not always) */
        float (*volatile library_expf)(float) = expf;
        int ok = 1;
        npy_uint32 bits;
        float x, ends[4] = {-0x1.f8cbb2p+5f, 0x1.04845ep+5f, 88.7f, -104.0f};
        for (int sign = 0; sign < 2; sign++) {
            float last = sign ? -110.0f : 89.0f;
            npy_uint32 top;
            memcpy(&top, &last, 4);
            for (bits = sign ? 0x80000000u : 0u; bits <= top; bits += 4099) {
                memcpy(&x, &bits, 4);
                float a = library_expf(x), b = ex_expf(x);
                ok &= memcmp(&a, &b, 4) == 0;
            }
        }
        for (int k = 0; k < 4; k++) {
            float a = library_expf(ends[k]), b = ex_expf(ends[k]);
            ok &= memcmp(&a, &b, 4) == 0;
        }
        same = ok ? 1 : -1;
    }
    return same > 0;
}
""" % dict(table=_exp2_table())

# the engines' float32 sigmoid (z from x), and the same floats with
# ex_expf, written so that the compiler vectorises it
_SIGMOID_C = {
    'theano': ('%(z)s = %(x)s < -88.0f ? 0.0 : %(x)s > 15.0f ? 1.0f : '
               '1.0f /(1.0f + exp(-%(x)s));',
               '{ npy_float32 s_ = 1.0f / (1.0f + ex_expf(-%(x)s)); '
               '%(z)s = %(x)s < -88.0f ? 0.0f : %(x)s > 15.0f ? 1.0f : s_; }'),
    'pytensor': ('%(z)s = 1.0f / (1.0f + exp(-%(x)s));',
                 '%(z)s = 1.0f / (1.0f + ex_expf(-%(x)s));')}[ENGINE]


class _VectorSigmoid(type(sigmoid.scalar_op)):
    """The engine's scalar sigmoid, its float32 C code with ``ex_expf``."""

    def c_code(self, node, name, inputs, outputs, sub):
        if node.inputs[0].type.dtype != 'float32':
            return super().c_code(node, name, inputs, outputs, sub)
        return _SIGMOID_C[1] % dict(x=inputs[0], z=outputs[0])

    def c_support_code(self, **kwargs):
        return ''

    def c_code_cache_version(self):
        return (1, source_hash(_EXPF_C + _SIGMOID_C[1]))


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
        return _EXPF_C

    def c_compile_args(self, **kwargs):
        # lets the compiler turn the branch-free selects into vector code
        return ['-fno-trapping-math']

    def c_code(self, node, name, inputs, outputs, sub):
        bodies = self._bodies(node, name)
        n_in, n_out = len(inputs), len(outputs)
        patterns = [i.broadcastable for i in node.inputs]
        release = 'for (k_ = 0; k_ < %d; k_++) Py_XDECREF(in_[k_]);' % n_in
        fail = '{ %s %s }' % (release, sub['fail'])
        code = ['{', 'PyArrayObject* in_[%d] = {NULL};' % n_in,
                'npy_intp R = 1, C = 1, dims[2];', 'int k_;']
        # the inputs, C-contiguous; the sides they do not broadcast
        for k, (var, (b0, b1)) in enumerate(zip(inputs, patterns)):
            code.append('in_[%d] = PyArray_GETCONTIGUOUS(%s);' % (k, var))
            code.append('if (in_[%d] == NULL) %s' % (k, fail))
            for axis, b, dim in ((0, b0, 'R'), (1, b1, 'C')):
                if not b:
                    code.append('%s = PyArray_DIMS(%s)[%d];'
                                % (dim, var, axis))
        for var, (b0, b1) in zip(inputs, patterns):
            checks = ['PyArray_DIMS(%s)[%d] != %s' % (var, axis, dim)
                      for axis, b, dim in ((0, b0, 'R'), (1, b1, 'C'))
                      if not b]
            if checks:
                code.append(
                    'if (%s) { PyErr_SetString(PyExc_ValueError, '
                    '"SigmoidElemwise: inputs of different shapes"); %s }'
                    % (' || '.join(checks), fail))
        # each output: its destroyed input where the engine's op wrote
        # there (and it is C-contiguous), else an array of its own
        code.append('dims[0] = R; dims[1] = C;')
        for j, out in enumerate(outputs):
            into = self.destroy_map.get(j, [None])[0]
            if into is not None:
                code.append(
                    'if (PyArray_IS_C_CONTIGUOUS(%(d)s) && '
                    'PyArray_ISWRITEABLE(%(d)s) && PyArray_DIMS(%(d)s)[0] == R'
                    ' && PyArray_DIMS(%(d)s)[1] == C) { Py_XDECREF(%(o)s); '
                    '%(o)s = %(d)s; Py_INCREF(%(o)s); } else'
                    % dict(d=inputs[into], o=out))
            code.append(
                'if (%(o)s == NULL || PyArray_DIMS(%(o)s)[0] != R || '
                'PyArray_DIMS(%(o)s)[1] != C || !PyArray_IS_C_CONTIGUOUS('
                '%(o)s)) { Py_XDECREF(%(o)s); %(o)s = (PyArrayObject*)'
                'PyArray_EMPTY(2, dims, NPY_FLOAT32, 0); if (%(o)s == NULL) '
                '%(f)s }' % dict(o=out, f=fail))
        code.append('{')
        for k in range(n_in):
            code.append('const npy_float32* p%d = (const npy_float32*)'
                        'PyArray_DATA(in_[%d]);' % (k, k))
        for j, out in enumerate(outputs):
            code.append('npy_float32* q%d = (npy_float32*)PyArray_DATA(%s);'
                        % (j, out))
            code.append('npy_float32 chunk%d[256];' % j)
        reads = ['npy_float32 i%d = p%d[%s];' % (k, k, {
            (False, False): 'r * C + c0 + c', (True, False): 'c0 + c',
            (False, True): 'r', (True, True): '0'}[pattern])
            for k, pattern in enumerate(patterns)]

        def loop(body):
            # by chunks of a row: the results go to a local array first, so
            # that the compiler need not check whether the output is an
            # input (in place, it is)
            return '\n'.join(
                ['for (npy_intp r = 0; r < R; r++)',
                 'for (npy_intp c0 = 0; c0 < C; c0 += 256) {',
                 'npy_intp m = C - c0 < 256 ? C - c0 : 256;',
                 'for (npy_intp c = 0; c < m; c++) {'] + reads +
                ['npy_float32 o%d;' % j for j in range(n_out)] + [body] +
                ['chunk%d[c] = o%d;' % (j, j) for j in range(n_out)] + ['}'] +
                ['memcpy(q%d + r * C + c0, chunk%d, m * sizeof(npy_float32));'
                 % (j, j) for j in range(n_out)] + ['}'])
        code += ['if (ex_expf_same()) {', loop(bodies['ex_expf']),
                 '} else {', loop(bodies['exp']), '}', '}', release, '}']
        return '\n'.join(code)

    def c_code_cache_version(self):
        return _sigmoid_elemwise_version()


@functools.lru_cache(maxsize=None)
def _sigmoid_elemwise_version():
    """``SigmoidElemwise``'s cache version: its C code's and its class's
    source (which writes the loop), read once a process."""
    return (1, source_hash(_EXPF_C + _SIGMOID_C[1]) + '-' +
            source_hash(inspect.getsource(SigmoidElemwise)))


def _vectorisable(node):
    """True where ``SigmoidElemwise`` can take ``node``'s place: an
    Elemwise of float32 matrices whose scalar function has a sigmoid, on
    an engine whose sigmoid's C code is the one ``_SIGMOID_C`` knows."""
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


@node_rewriter([Elemwise])
def local_sigmoid_elemwise(node):
    """A float32 Elemwise with sigmoids -> ``SigmoidElemwise`` (same bits,
    in place where it was)."""
    if not _vectorisable(node):
        return False
    return SigmoidElemwise(node.op).make_node(*node.inputs).outputs


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
    if var.broadcastable[axis]:
        return True
    try:
        shape = shape_of[var]      # (PyTensor's is not a dict)
    except (KeyError, TypeError):
        shape = None
    if shape is not None and _constant_value(shape[axis]) == 1:
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
    if isinstance(op, _SameValues):
        return _length_one(node.inputs[0], axis, shape_of, seen)
    if isinstance(op, Dot) and var.ndim == 2:
        return _length_one(node.inputs[axis], axis, shape_of, seen)
    if type(op).__name__.lower().startswith('mrg') and len(node.inputs) == 2:
        # the MRG draw (rstate, size): its size, here often the shape of a
        # one-row minibatch
        return _constant_value(node.inputs[1][axis]) == 1
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


if ENGINE == 'theano':    # (Theano's node knows its graph)
    local_one_row_dot = node_rewriter([Dot])(
        lambda node: one_row_dot(node.fgraph, node))
else:
    local_one_row_dot = _node_rewriter([Dot])(one_row_dot)

FAST_TAG = 'dA_fast'
_REWRITES = [local_cross_entropy_rows]

if ENGINE == 'theano':
    class FastMRGUniform(_mrg_uniform):
        """Theano's CPU ``mrg_uniform``, same numbers, vectorisable loop."""

        def c_support_code(self):
            return mrg_c_support_code()

        def c_code_cache_version(self):
            return (10, 'dA-fast', source_hash(self.c_support_code()))

    @node_rewriter([_mrg_uniform])
    def local_fast_mrg(node):
        """Theano's CPU ``mrg_uniform`` -> ``FastMRGUniform`` (same numbers).
        """
        if type(node.op) is not _mrg_uniform:
            return False
        op = FastMRGUniform(node.op.output_type, inplace=node.op.inplace)
        return op(*node.inputs)
    _REWRITES.append(local_fast_mrg)
    # just after the first merge, before the engine rewrites the cost into
    # softplus terms
    optdb.register(FAST_TAG + '_rewrites', in2out(*_REWRITES), 0.1,
                   FAST_TAG)
    # once the gradient is simplified, before the engine picks BLAS calls
    optdb.register(FAST_TAG + '_one_row', in2out(local_one_row_dot), 1.6,
                   FAST_TAG)
    # after the engine's fusion and in-place phases, whose results it keeps
    from theano.gof.opt import TopoOptimizer
    optdb.register(FAST_TAG + '_sigmoid', TopoOptimizer(
        local_sigmoid_elemwise, failure_callback=TopoOptimizer.warn_inplace),
        75.5, FAST_TAG)
else:
    optdb.register(FAST_TAG + '_rewrites', in2out(*_REWRITES), FAST_TAG,
                   position=0.1)
    optdb.register(FAST_TAG + '_one_row', in2out(local_one_row_dot),
                   FAST_TAG, position=1.6)
    from pytensor.graph.rewriting.basic import WalkingGraphRewriter
    optdb.register(FAST_TAG + '_sigmoid', WalkingGraphRewriter(
        local_sigmoid_elemwise,
        failure_callback=WalkingGraphRewriter.warn_inplace),
        FAST_TAG, position=75.5)

def fast_mode():
    """The compile mode of the project's training steps (dA.py's step and
    SdA.py's functions): the engine's default mode plus this module's
    rewrites (tag ``dA_fast``), where they apply.

    * Theano: its default mode with the rewrites; on a GPU device, the
      default alone (Theano's GPU kernels stay in place).
    * PyTensor: where the user chose no mode or linker (``PYTENSOR_FLAGS``
      or ``.pytensorrc``), its C back end (``linker=cvm``) with the
      rewrites, which measured fastest (``bench/README.md``); where the
      user chose, that mode, with the rewrites if it runs C code.

    ``optimizer_excluding=dA_fast`` in the flags turns the rewrites off,
    and a mode without graph rewriting (``optimizer=None``) stays without.
    Returns None where the default mode is used as it is.
    """
    from . import flags as theano_setup   # (its user_setting)
    if ENGINE == 'theano':
        if not theano.config.device.startswith('cpu'):
            return None
        from theano.compile import get_default_mode
        mode = get_default_mode()
        if not isinstance(mode.provided_optimizer, theano.gof.Query):
            return None
        return mode.including(FAST_TAG)
    from pytensor.compile.mode import Mode, get_default_mode
    config = theano.config
    if theano_setup.user_setting('mode', engine='pytensor') or \
            theano_setup.user_setting('linker', engine='pytensor'):
        mode = get_default_mode()
        if type(mode.linker).__name__ not in ('CLinker', 'OpWiseCLinker',
                                              'VMLinker', 'PerformLinker'):
            return None     # Numba, JAX...: no C code to swap in
    else:
        # the default mode with the C back end, as get_mode builds it
        mode = Mode(linker='cvm', optimizer=config.optimizer)
        for method, tags in (('excluding', config.optimizer_excluding),
                             ('including', config.optimizer_including),
                             ('requiring', config.optimizer_requiring)):
            if tags:
                mode = getattr(mode, method)(*tags.split(':'))
    from pytensor.graph.rewriting.db import RewriteDatabaseQuery
    if not isinstance(mode.provided_optimizer, RewriteDatabaseQuery):
        return mode       # no graph rewriting asked for: none added
    # PyTensor computes an outer product of a column and a row (a batch-1
    # weight update) as an elementwise product, measured 10 times slower
    # here than its ger kernel, which it uses without this rewrite
    return mode.including(FAST_TAG).excluding('local_dot_to_mul')


def compiles_to_c(mode=None):
    """True where ``mode`` (None: the engine's default) runs Ops' C code
    (not Python only, not Numba or JAX).

    :type mode: the engine's Mode or None
    :param mode: a compile mode, as ``fast_mode`` returns
    """
    if ENGINE == 'theano':
        from theano.compile import get_default_mode
    else:
        from pytensor.compile.mode import get_default_mode
    linker = (get_default_mode() if mode is None else mode).linker
    return bool(theano.config.cxx) and \
        type(linker).__name__ in ('CLinker', 'OpWiseCLinker', 'VM_Linker',
                                  'VMLinker') and \
        getattr(linker, 'c_thunks', True) is not False
