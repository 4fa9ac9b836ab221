"""The kernels of the opt-in fast dA step (``exact=False``): the same
model and the same noise, its last bits summed another way.

``dA.get_cost_updates(..., exact=False)`` builds its step from these
instead of ``T.grad`` of the tutorial's cost:

* ``SparseDot`` computes ``x W``.  Where ``x`` is sparse (an MNIST row
  is about 81 % zeros, more once corrupted), it adds only the rows of ``W``
  that a nonzero pixel picks, 64 columns at a time, so that the block of
  ``W`` stays in the cache for the whole minibatch.
* ``SparseRankUpdate`` adds ``alpha x^T d`` to ``W`` in place.  Where
  ``x`` is sparse, it reads and writes only the rows of the pixels that are
  nonzero somewhere in the minibatch.
* ``FastSigmoid`` computes ``sigmoid(a)`` with a float32 exponential
  the compiler vectorises (within 3 ulp), instead of the engine's
  double-precision ``exp`` per element.

Sparse or not is decided per minibatch: at or above a third of nonzero
entries (a layer's sigmoid output, dense data), both products call the
engine's BLAS (gemm, or gemv and ger for one row) as the exact step does.
The kernels are float32, for the CPU's C back end; ``applies`` says when.
"""
import numpy

from .engine import ENGINE, T
from .fast_ops import (_OpBase, Apply, _XENT_C, grad_not_implemented,
                       node_rewriter, optdb)
from .rng_mrg import source_hash

if ENGINE == 'theano':
    from theano.tensor.blas import ldflags
    from theano.tensor.blas_headers import blas_header_text, \
        blas_header_version
else:
    from pytensor.tensor.blas import ldflags
    try:           # PyTensor 3.3 and later: blas is a package
        from pytensor.tensor.blas.c_code.blas_headers import \
            blas_header_text, blas_header_version
    except ImportError:
        from pytensor.tensor.blas_headers import blas_header_text, \
            blas_header_version


def applies(*variables):
    """True where this module's kernels can run the step: float32 graphs
    compiled for the CPU's C code, with a BLAS (not a GPU; PyTensor's Numba
    and JAX modes are ``dA.build_train_function``'s to check).

    :type variables: theano variables
    :param variables: the step's inputs and parameters
    """
    from .engine import DEVICE
    # (the engines' fallback without a BLAS has no ger)
    return DEVICE.startswith('cpu') and bool(ldflags()) and \
        all(v.dtype == 'float32' for v in variables)


_SPARSE_C = _XENT_C + r"""
/* 8 floats, loaded from any float address */
typedef float sp_v8 __attribute__((vector_size(32), aligned(4)));

/* The nonzeros of x (B x V, C order) by row (by_row) or by column, as
   lists: for list r, idx[start[r] .. start[r+1]) and val[...]; `which[r]`
   is the row or column the list belongs to (empty ones are left out).
   Returns the number of lists, or -1 when x is not sparse: a third or more
   of it nonzero, where gemm is faster.  Written without branches on the
   values (which a branch predictor cannot guess); tmp_idx, tmp_val: room
   for B * V + 1 entries each, count: for V + B + 1. */
static int sp_lists(int B, int V, const float* x, int by_row, int* start,
                    int* idx, float* val, int* which, int* tmp_idx,
                    float* tmp_val, int* count) {
    npy_intp m = 0, total = (npy_intp)B * V;
    int lists = 0;
    int* ri = by_row ? idx : tmp_idx;
    float* rv = by_row ? val : tmp_val;
    int* row_start = count + V;
    for (int e = 0; e < B; e++) {
        const float* xe = x + (npy_intp)e * V;
        npy_intp m0 = m;
        row_start[e] = (int)m0;
        for (int i = 0; i < V; i++) {
            ri[m] = i;
            rv[m] = xe[i];
            m += xe[i] != 0.0f;
        }
        if (by_row && m > m0) {
            start[lists] = (int)m0;
            which[lists++] = e;
        }
    }
    row_start[B] = (int)m;
    if (3 * m >= total)
        return -1;
    if (!by_row) {
        /* the same entries by column: count, place, fill (in row order,
           so each column lists its rows in order) */
        memset(count, 0, V * sizeof(int));
        for (npy_intp k = 0; k < m; k++)
            count[ri[k]]++;
        npy_intp placed = 0;
        for (int i = 0; i < V; i++)
            if (count[i]) {
                start[lists] = (int)placed;
                which[lists++] = i;
                placed += count[i];
                count[i] = start[lists - 1];
            }
        for (int e = 0; e < B; e++)
            for (npy_intp k = row_start[e]; k < row_start[e + 1]; k++) {
                idx[count[ri[k]]] = e;
                val[count[ri[k]]++] = rv[k];
            }
    }
    start[lists] = (int)m;
    return lists;
}

/* a0..a7 = sum_k val[k] src[idx[k]][j0 .. j0 + 64), k in [k0, k1):
   eight independent vector sums, so that the multiply-adds overlap */
#define SP_BLOCK(k0, k1, j0)                                               \
    sp_v8 a0 = {0}, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,          \
          a6 = a0, a7 = a0;                                                \
    for (int k = (k0); k < (k1); k++) {                                    \
        const sp_v8* s = (const sp_v8*)(src + (npy_intp)idx[k] * H + (j0));\
        float t = val[k];                                                  \
        sp_v8 v = {t, t, t, t, t, t, t, t};                                \
        a0 += v * s[0]; a1 += v * s[1]; a2 += v * s[2]; a3 += v * s[3];    \
        a4 += v * s[4]; a5 += v * s[5]; a6 += v * s[6]; a7 += v * s[7];    \
    }

/* For each list r: out[which[r]] (+)= alpha * sum_k val[k] src[idx[k]],
   rows of H floats.  By blocks of 64 columns held in registers, so that a
   block of src stays in the cache across lists and out is written once;
   the last block ends at H, overlapping the one before. */
static void sp_combine(int lists, const int* start, const int* idx,
                       const float* val, const int* which, const float* src,
                       int H, float alpha, int add, float* out) {
    int j0 = 0;
    for (; j0 + 64 <= H; j0 += 64)
        for (int r = 0; r < lists; r++) {
            SP_BLOCK(start[r], start[r + 1], j0)
            sp_v8* o = (sp_v8*)(out + (npy_intp)which[r] * H + j0);
            if (add) {
                o[0] += alpha * a0; o[1] += alpha * a1; o[2] += alpha * a2;
                o[3] += alpha * a3; o[4] += alpha * a4; o[5] += alpha * a5;
                o[6] += alpha * a6; o[7] += alpha * a7;
            } else {
                o[0] = alpha * a0; o[1] = alpha * a1; o[2] = alpha * a2;
                o[3] = alpha * a3; o[4] = alpha * a4; o[5] = alpha * a5;
                o[6] = alpha * a6; o[7] = alpha * a7;
            }
        }
    if (j0 == H)
        return;
    int from = j0;                      /* the columns still to write */
    int last = H - 64;
    for (int r = 0; r < lists; r++) {
        float* o = out + (npy_intp)which[r] * H;
        if (last < 0) {                 /* fewer than 64 columns */
            for (int j = 0; j < H; j++) {
                float acc = 0.0f;
                for (int k = start[r]; k < start[r + 1]; k++)
                    acc += val[k] * src[(npy_intp)idx[k] * H + j];
                o[j] = (add ? o[j] : 0.0f) + alpha * acc;
            }
            continue;
        }
        SP_BLOCK(start[r], start[r + 1], last)
        sp_v8 res[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
        const float* r64 = (const float*)res;
        for (int j = from; j < H; j++)
            o[j] = (add ? o[j] : 0.0f) + alpha * r64[j - last];
    }
}
#undef SP_BLOCK

/* x (B x V) sparse: out (B x H) = alpha x src, src (V x H) (by_row), or
   out (V x H) += alpha x^T src, src (B x H).  Returns 0, or 1 where x is
   not sparse (nothing done), or -1 out of memory. */
static int sp_product(int B, int V, int H, const float* x, const float* src,
                      float alpha, int by_row, float* out) {
    npy_intp n = (npy_intp)B * V + 1, lists = (B > V ? B : V) + 1;
    void* work = malloc(2 * n * (sizeof(int) + sizeof(float))
                        + (2 * lists + V + B + 1) * sizeof(int));
    if (work == NULL)
        return -1;
    int* idx = (int*)work;
    float* val = (float*)(idx + n);
    int* tmp_idx = (int*)(val + n);
    float* tmp_val = (float*)(tmp_idx + n);
    int* start = (int*)(tmp_val + n);
    int* which = start + lists;
    int* count = which + lists;
    int found = sp_lists(B, V, x, by_row, start, idx, val, which, tmp_idx,
                         tmp_val, count);
    if (found >= 0) {
        if (by_row)   /* rows of out with no nonzero in x are zeros */
            memset(out, 0, (npy_intp)B * H * sizeof(float));
        sp_combine(found, start, idx, val, which, src, H, alpha, !by_row,
                   out);
    }
    free(work);
    return found < 0;
}

/* out = sigmoid(a), n values */
static void sp_sigmoid(npy_intp n, const float* a, float* out) {
    for (npy_intp k = 0; k < n; k++) {        /* vectorised */
        float v = a[k];
        float t = xe_exp_neg(v < 0 ? v : -v);   /* exp(-|v|) */
        float s = 1.0f / (1.0f + t);
        out[k] = v >= 0 ? s : t * s;
    }
}

/* a C-contiguous float32 array of `nd` dimensions, new reference */
static PyArrayObject* sp_contiguous(PyArrayObject* a, int nd,
                                    const char* what) {
    if (PyArray_NDIM(a) != nd || PyArray_TYPE(a) != NPY_FLOAT32) {
        PyErr_Format(PyExc_TypeError, "%s: expected a %d-d float32 array",
                     what, nd);
        return NULL;
    }
    return PyArray_GETCONTIGUOUS(a);
}
"""

# lets the compiler turn the branch-free selects into vector code
_VECTORISE = ['-fno-trapping-math']


class _BlasKernel(_OpBase):
    """This module's C code, with the engine's BLAS declarations and link
    flags as the engine's own BLAS ops have them."""
    __props__ = ()

    def c_headers(self, **kwargs):
        return ['<string.h>']

    def c_support_code(self, **kwargs):
        return blas_header_text() + _SPARSE_C

    def c_libraries(self, **kwargs):
        return ldflags()

    def c_compile_args(self, **kwargs):
        return ldflags(libs=False, flags=True) + _VECTORISE

    def c_lib_dirs(self, **kwargs):
        return ldflags(libs=False, libs_dir=True)

    def c_header_dirs(self, **kwargs):
        return ldflags(libs=False, include_dir=True)

    def grad(self, inputs, output_grads):
        # the fast step writes its own gradient
        return [grad_not_implemented(self, i, v)
                for i, v in enumerate(inputs)]

    def c_code_cache_version(self):
        return (1, blas_header_version(),
                source_hash(_SPARSE_C + self.C_CODE))


def _as(var, ndim, name):
    var = T.as_tensor_variable(var)
    if var.ndim != ndim or var.dtype != 'float32':
        raise TypeError('%s must be a float32 %d-d tensor, got %s %d-d'
                        % (name, ndim, var.dtype, var.ndim))
    return var


class SparseDot(_BlasKernel):
    """``SparseDot()(x, W) = dot(x, W)``, by rows of ``W`` where ``x`` is
    sparse.

    :type x: float32 matrix (B x V)
    :param x: the (corrupted) minibatch

    :type W: float32 matrix (V x H)
    :param W: the weights
    """
    # (input, axis) of each axis of the result: how ``fast_ops``
    # sees that a one-row minibatch gives one-row results
    axes_from = ((0, 0), (1, 1))
    C_CODE = r"""
{
PyArrayObject* xc = sp_contiguous(%(x)s, 2, "SparseDot x");
PyArrayObject* wc = xc ? sp_contiguous(%(W)s, 2, "SparseDot W") : NULL;
if (wc == NULL) { Py_XDECREF(xc); %(fail)s }
int B = (int)PyArray_DIMS(xc)[0], V = (int)PyArray_DIMS(xc)[1];
int H = (int)PyArray_DIMS(wc)[1];
if (PyArray_DIMS(wc)[0] != V) {
    PyErr_Format(PyExc_ValueError, "SparseDot: x is %%dx%%d, W is "
                 "%%ldx%%d", B, V, (long)PyArray_DIMS(wc)[0], H);
    Py_DECREF(xc); Py_DECREF(wc); %(fail)s
}
if (%(out)s == NULL || PyArray_DIMS(%(out)s)[0] != B
    || PyArray_DIMS(%(out)s)[1] != H || !PyArray_IS_C_CONTIGUOUS(%(out)s)) {
    npy_intp dims[2] = {B, H};
    Py_XDECREF(%(out)s);
    %(out)s = (PyArrayObject*)PyArray_ZEROS(2, dims, NPY_FLOAT32, 0);
    if (%(out)s == NULL) { Py_DECREF(xc); Py_DECREF(wc); %(fail)s }
}
const float* x = (const float*)PyArray_DATA(xc);
const float* W = (const float*)PyArray_DATA(wc);
float* out = (float*)PyArray_DATA(%(out)s);
int dense = 0;
if (V == 0 || H == 0 || B == 0)
    memset(out, 0, (npy_intp)B * H * sizeof(float));
else
    dense = sp_product(B, V, H, x, W, 1.0f, 1, out);
if (dense < 0) {
    PyErr_NoMemory(); Py_DECREF(xc); Py_DECREF(wc); %(fail)s
} else if (dense) {
    /* out^T = W^T x^T, in BLAS's column order */
    char N = 'N';
    float one = 1.0f, zero = 0.0f;
    int inc = 1;
    if (B == 1)
        sgemv_(&N, &H, &V, &one, (float*)W, &H, (float*)x, &inc,
               &zero, out, &inc);
    else
        sgemm_(&N, &N, &H, &B, &V, &one, (float*)W, &H, (float*)x,
               &V, &zero, out, &H);
}
Py_DECREF(xc); Py_DECREF(wc);
}
"""

    def make_node(self, x, W):
        x, W = _as(x, 2, 'x'), _as(W, 2, 'W')
        out = T.TensorType('float32', (x.broadcastable[0],
                                       W.broadcastable[1]))()
        return Apply(self, [x, W], [out])

    def perform(self, node, inputs, output_storage, params=None):
        x, W = inputs
        output_storage[0][0] = numpy.dot(x, W).astype('float32')

    def c_code(self, node, name, inputs, outputs, sub):
        x, W = inputs
        return self.C_CODE % dict(x=x, W=W, out=outputs[0],
                                  fail=sub['fail'])


class SparseRankUpdate(_BlasKernel):
    """``SparseRankUpdate()(W, x, d, alpha) = W + alpha * dot(x.T, d)``,
    in place on ``W`` (an intermediate result, or a shared variable the
    step updates); where ``x`` is sparse, only the rows of ``W`` whose
    pixel is nonzero somewhere in the minibatch are read and written.

    :type W: float32 matrix (V x H)
    :param W: the weights, overwritten

    :type x: float32 matrix (B x V)
    :param x: the (corrupted) minibatch

    :type d: float32 matrix (B x H)
    :param d: the gradient at the hidden pre-activations

    :type alpha: float32 scalar
    :param alpha: the scale, ``-learning_rate``
    """
    __props__ = ('inplace',)
    # (input, axis) of each axis of the result: how ``fast_ops``
    # sees that a one-row minibatch gives one-row results
    axes_from = ((0, 0), (0, 1))
    C_CODE = r"""
{
PyArrayObject* xc = sp_contiguous(%(x)s, 2, "SparseRankUpdate x");
PyArrayObject* dc = xc ? sp_contiguous(%(d)s, 2, "SparseRankUpdate d")
                       : NULL;
if (dc == NULL) { Py_XDECREF(xc); %(fail)s }
if (PyArray_NDIM(%(W)s) != 2 || PyArray_TYPE(%(W)s) != NPY_FLOAT32) {
    PyErr_SetString(PyExc_TypeError, "SparseRankUpdate: W must be a "
                    "float32 matrix");
    Py_DECREF(xc); Py_DECREF(dc); %(fail)s
}
int B = (int)PyArray_DIMS(xc)[0], V = (int)PyArray_DIMS(xc)[1];
int H = (int)PyArray_DIMS(dc)[1];
if (PyArray_DIMS(%(W)s)[0] != V || PyArray_DIMS(%(W)s)[1] != H
    || PyArray_DIMS(dc)[0] != B) {
    PyErr_Format(PyExc_ValueError, "SparseRankUpdate: W is %%ldx%%ld, x "
                 "is %%dx%%d, d is %%ldx%%d",
                 (long)PyArray_DIMS(%(W)s)[0], (long)PyArray_DIMS(%(W)s)[1],
                 B, V, (long)PyArray_DIMS(dc)[0], H);
    Py_DECREF(xc); Py_DECREF(dc); %(fail)s
}
/* the result: W itself when in place, else a copy */
PyArrayObject* wo = %(W)s;
if (%(inplace)d && PyArray_IS_C_CONTIGUOUS(wo))
    Py_INCREF(wo);
else
    wo = (PyArrayObject*)PyArray_NewCopy(%(W)s, NPY_CORDER);
if (wo == NULL) { Py_DECREF(xc); Py_DECREF(dc); %(fail)s }
Py_XDECREF(%(out)s);
%(out)s = wo;
float alpha = ((float*)PyArray_DATA(%(alpha)s))[0];
float* x = (float*)PyArray_DATA(xc);
float* d = (float*)PyArray_DATA(dc);
float* W = (float*)PyArray_DATA(wo);
if (B > 0 && V > 0 && H > 0) {
    int dense = sp_product(B, V, H, x, d, alpha, 0, W);
    if (dense < 0) {
        PyErr_NoMemory(); Py_DECREF(xc); Py_DECREF(dc); %(fail)s
    } else if (dense) {
        /* W^T += alpha d^T x, in BLAS's column order */
        char N = 'N', Tr = 'T';
        float one = 1.0f;
        int inc = 1;
        if (B == 1)
            sger_(&H, &V, &alpha, d, &inc, x, &inc, W, &H);
        else
            sgemm_(&N, &Tr, &H, &V, &B, &alpha, d, &H, x, &V, &one, W, &H);
    }
}
Py_DECREF(xc); Py_DECREF(dc);
}
"""

    def __init__(self, inplace=False):
        self.inplace = inplace
        if inplace:
            self.destroy_map = {0: [0]}

    def make_node(self, W, x, d, alpha):
        W, x, d = _as(W, 2, 'W'), _as(x, 2, 'x'), _as(d, 2, 'd')
        alpha = _as(T.cast(alpha, 'float32'), 0, 'alpha')
        return Apply(self, [W, x, d, alpha], [W.type()])

    def perform(self, node, inputs, output_storage, params=None):
        W, x, d, alpha = inputs
        W = W if self.inplace else W.copy()
        W += (alpha * numpy.dot(x.T, d)).astype('float32')
        output_storage[0][0] = W

    def c_code(self, node, name, inputs, outputs, sub):
        W, x, d, alpha = inputs
        return self.C_CODE % dict(W=W, x=x, d=d, alpha=alpha,
                                  out=outputs[0], fail=sub['fail'],
                                  inplace=int(self.inplace))


@node_rewriter([SparseRankUpdate], inplace=True)
def local_sparse_update_inplace(node):
    """``SparseRankUpdate()`` -> its in-place version, where the engine's
    destroy handler allows it (as for its own gemm)."""
    if isinstance(node.op, SparseRankUpdate) and not node.op.inplace:
        return [SparseRankUpdate(inplace=True)(*node.inputs)]
    return False


if ENGINE == 'theano':
    from theano.gof.opt import TopoOptimizer
    optdb.register('dA_sparse_inplace', TopoOptimizer(
        local_sparse_update_inplace,
        failure_callback=TopoOptimizer.warn_inplace), 70.5,
        'fast_run', 'inplace')
else:
    from pytensor.graph.rewriting.basic import WalkingGraphRewriter
    optdb.register('dA_sparse_inplace', WalkingGraphRewriter(
        local_sparse_update_inplace,
        failure_callback=WalkingGraphRewriter.warn_inplace),
        'fast_run', 'inplace', position=70.5)


class FastSigmoid(_BlasKernel):
    """``FastSigmoid()(a) = sigmoid(a)``, float32, within 3 ulp.

    :type a: float32 matrix
    :param a: pre-activations
    """
    # (input, axis) of each axis of the result: how ``fast_ops``
    # sees that a one-row minibatch gives one-row results
    axes_from = ((0, 0), (0, 1))
    C_CODE = r"""
{
PyArrayObject* ac = sp_contiguous(%(a)s, 2, "FastSigmoid a");
if (ac == NULL) { %(fail)s }
if (%(out)s == NULL || PyArray_DIMS(%(out)s)[0] != PyArray_DIMS(ac)[0]
    || PyArray_DIMS(%(out)s)[1] != PyArray_DIMS(ac)[1]
    || !PyArray_IS_C_CONTIGUOUS(%(out)s)) {
    Py_XDECREF(%(out)s);
    %(out)s = (PyArrayObject*)PyArray_EMPTY(2, PyArray_DIMS(ac),
                                            NPY_FLOAT32, 0);
    if (%(out)s == NULL) { Py_DECREF(ac); %(fail)s }
}
sp_sigmoid(PyArray_SIZE(ac), (const float*)PyArray_DATA(ac),
           (float*)PyArray_DATA(%(out)s));
Py_DECREF(ac);
}
"""

    def make_node(self, a):
        a = _as(a, 2, 'a')
        return Apply(self, [a], [a.type()])

    def perform(self, node, inputs, output_storage, params=None):
        a, = inputs
        output_storage[0][0] = (1 / (1 + numpy.exp(-a))).astype('float32')

    def c_code(self, node, name, inputs, outputs, sub):
        return self.C_CODE % dict(a=inputs[0], out=outputs[0],
                                  fail=sub['fail'])
