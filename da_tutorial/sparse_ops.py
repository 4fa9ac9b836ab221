"""The opt-in fast dA step (``step='fast'``): the same model and the same
noise, its last bits summed another way.

``dA.get_cost_updates(..., step='fast')`` builds its step from one Op,
``FastStep``, instead of ``T.grad`` of the tutorial's cost.  It computes
the whole step in C:

* the encoder ``y = sigmoid(x~ W + b)`` adds only the rows of ``W`` that a
  nonzero pixel picks where ``x~`` is sparse (an MNIST row is about 81 %
  zeros, more once corrupted).  Sparse or not is decided per minibatch: a
  third or more nonzero (dense data, an SdA's upper layers) takes the dense
  kernel;
* the decoder, the cross-entropy and the gradient, written out:
  ``dz = (z - x) / B``, ``dy = dz W * y (1 - y)``, and W's update
  ``-lr (dz^T y + x~^T dy)`` in one pass over W, its second term on the
  rows of the minibatch that have a nonzero pixel there;
* a float32 sigmoid the compiler vectorises (within 3 ulp).

Its threads (OpenMP) split the hidden units for the encoder and ``dy``, and
the pixels for the decoder and W's update.  Every sum runs in the same order
whatever their number: one thread and two give the same bits.  They are as
many as the BLAS uses (OpenBLAS: ``OPENBLAS_NUM_THREADS``; else
``OMP_NUM_THREADS``, else one per core).  The kernels are float32, for the
CPU's C back end; ``applies`` says when.
"""
import functools

import numpy

from .engine import ENGINE, T
from .fast_ops import (_OpBase, Apply, _XENT_C, grad_not_implemented,
                       node_rewriter, optdb)
from .rng_mrg import source_hash

if ENGINE == 'theano':
    from theano.gof.cmodule import GCC_compiler
    from theano.tensor.blas import ldflags
else:
    from pytensor.link.c.cmodule import GCC_compiler
    from pytensor.tensor.blas import ldflags


def applies(*variables):
    """True where ``FastStep`` can run the step: float32 graphs compiled
    for the CPU's C code (not a GPU; PyTensor's Numba and JAX modes are
    ``dA.build_train_function``'s to check).

    :type variables: theano variables
    :param variables: the step's inputs and parameters
    """
    from .engine import DEVICE
    return DEVICE.startswith('cpu') and \
        all(v.dtype == 'float32' for v in variables)


@functools.lru_cache(maxsize=None)
def _openmp_flags():
    """``['-fopenmp']`` where the engine's compiler takes it (else the step
    runs on one thread)."""
    return ['-fopenmp'] if GCC_compiler.try_flags(['-fopenmp']) else []


_STEP_C = _XENT_C + r"""
#ifdef _OPENMP
#include <omp.h>
#else
#define omp_get_thread_num() 0
#define omp_get_num_threads() 1
#define omp_get_max_threads() 1
#endif

/* The BLAS's thread count, where it is OpenBLAS (a weak symbol: NULL with
   another BLAS).  C linkage: the engines compile this as C++. */
#ifdef __cplusplus
extern "C"
#endif
int openblas_get_num_threads(void) __attribute__((weak));

/* Keeps a loaded vector in a register: without it, the compiler reloads
   it from memory for each multiply-add, and the kernels wait on loads. */
#if defined(__x86_64__) || defined(__i386__)
#define DA_PIN(v) __asm__("" : "+x"(v))
#else
#define DA_PIN(v)
#endif

typedef float dv8 __attribute__((vector_size(32), aligned(4)));
#define DV_SPLAT(t) ((dv8){(t), (t), (t), (t), (t), (t), (t), (t)})
#define DA_INLINE static inline __attribute__((always_inline))

/* The products' register block: out[r, 0:8*NV) = (add ? out[r, :] : 0)
   + sum_k a[r, k] M[k, 0:8*NV) for r < NR, k over rows[0 .. K) (0 .. K
   where rows is NULL); a[r, k] is a[r * ars + k * aks]; the rows of M are
   ldm apart, of out ldo apart. */
DA_INLINE void da_mk(int NR, int NV, int add, int K, const int* rows,
                     const float* a, npy_intp ars, npy_intp aks,
                     const float* M, int ldm, float* out, int ldo) {
    dv8 acc[4][3];
    for (int r = 0; r < NR; r++)
        for (int q = 0; q < NV; q++)
            acc[r][q] = add ? *(dv8*)(out + (npy_intp)r * ldo + 8 * q)
                            : DV_SPLAT(0.0f);
    for (int j = 0; j < K; j++) {
        npy_intp k = rows ? rows[j] : j;
        const dv8* m = (const dv8*)(M + k * ldm);
        dv8 mv[3];
        for (int q = 0; q < NV; q++) {
            mv[q] = m[q];
            DA_PIN(mv[q]);
        }
        for (int r = 0; r < NR; r++) {
            dv8 av = DV_SPLAT(a[r * ars + k * aks]);
            DA_PIN(av);
            for (int q = 0; q < NV; q++)
                acc[r][q] += av * mv[q];
        }
    }
    for (int r = 0; r < NR; r++)
        for (int q = 0; q < NV; q++)
            *(dv8*)(out + (npy_intp)r * ldo + 8 * q) = acc[r][q];
}

/* out[r, 0:8*NV) = sum_k a[r, k] M[k, 0:8*NV), r < NR (rows of out
   ldo apart, of a lda apart, of M ldm apart) */
DA_INLINE void da_mk_rows(int NR, int NV, int K, const float* a, int lda,
                          const float* M, int ldm, float* out, int ldo) {
    da_mk(NR, NV, 0, K, NULL, a, lda, 1, M, ldm, out, ldo);
}

/* out[:, c0:c1) = a M[:, c0:c1), a: B x K dense (rows lda apart),
   M: K x ldm, out: rows ldo apart.  c0 a multiple of 8; c1 - c0 not, only
   where c1 is the last column: that block is computed ending at c1. */
__attribute__((noinline))
static void da_rows_dense(int B, int K, const float* a, int lda,
                          const float* M, int ldm, int c0, int c1,
                          float* out, int ldo) {
    float tmp[4 * 8];
    int c = c0;
    for (; c + 24 <= c1; c += 24) {
        int r = 0;
        for (; r + 4 <= B; r += 4)
            da_mk_rows(4, 3, K, a + (npy_intp)r * lda, lda, M + c, ldm,
                       out + (npy_intp)r * ldo + c, ldo);
        for (; r < B; r++)
            da_mk_rows(1, 3, K, a + (npy_intp)r * lda, lda, M + c, ldm,
                       out + (npy_intp)r * ldo + c, ldo);
    }
    for (; c + 8 <= c1; c += 8) {
        int r = 0;
        for (; r + 4 <= B; r += 4)
            da_mk_rows(4, 1, K, a + (npy_intp)r * lda, lda, M + c, ldm,
                       out + (npy_intp)r * ldo + c, ldo);
        for (; r < B; r++)
            da_mk_rows(1, 1, K, a + (npy_intp)r * lda, lda, M + c, ldm,
                       out + (npy_intp)r * ldo + c, ldo);
    }
    if (c == c1)
        return;
    /* the last, partial block */
    int last = c1 - 8;
    for (int r = 0; r < B; r++) {
        float* o = out + (npy_intp)r * ldo;
        if (last < 0) {
            for (int j = c; j < c1; j++) {
                float s = 0.0f;
                for (int k = 0; k < K; k++)
                    s += a[(npy_intp)r * lda + k] * M[(npy_intp)k * ldm + j];
                o[j] = s;
            }
        } else {
            da_mk_rows(1, 1, K, a + (npy_intp)r * lda, lda, M + last, ldm,
                       tmp, 8);
            for (int j = c; j < c1; j++)
                o[j] = tmp[j - last];
        }
    }
}

/* out[:, c0:c1) = x M[:, c0:c1), x (B rows) sparse: row e's entries
   are idx/val[start[e] .. start[e+1]).  c0, c1 as da_rows_dense's. */
__attribute__((noinline))
static void da_rows_sparse(int B, const int* start, const int* idx,
                           const float* val, const float* M, int ldm,
                           int c0, int c1, float* out, int ldo) {
    int c = c0;
    for (; c + 32 <= c1; c += 32)
        for (int r = 0; r < B; r++) {
            /* two sets of sums (even and odd entries), so that eight
               multiply-adds are in flight */
            dv8 a0 = DV_SPLAT(0.0f), a1 = a0, a2 = a0, a3 = a0;
            dv8 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int k = start[r], k1 = start[r + 1];
            for (; k + 2 <= k1; k += 2) {
                const dv8* m = (const dv8*)(M + (npy_intp)idx[k] * ldm + c);
                const dv8* n = (const dv8*)(M + (npy_intp)idx[k + 1] * ldm
                                            + c);
                dv8 v = DV_SPLAT(val[k]), u = DV_SPLAT(val[k + 1]);
                a0 += v * m[0]; a1 += v * m[1]; a2 += v * m[2];
                a3 += v * m[3];
                b0 += u * n[0]; b1 += u * n[1]; b2 += u * n[2];
                b3 += u * n[3];
            }
            if (k < k1) {
                const dv8* m = (const dv8*)(M + (npy_intp)idx[k] * ldm + c);
                dv8 v = DV_SPLAT(val[k]);
                a0 += v * m[0]; a1 += v * m[1]; a2 += v * m[2];
                a3 += v * m[3];
            }
            dv8* o = (dv8*)(out + (npy_intp)r * ldo + c);
            o[0] = a0 + b0; o[1] = a1 + b1; o[2] = a2 + b2; o[3] = a3 + b3;
        }
    for (; c + 8 <= c1; c += 8)
        for (int r = 0; r < B; r++) {
            dv8 a0 = DV_SPLAT(0.0f);
            for (int k = start[r]; k < start[r + 1]; k++)
                a0 += DV_SPLAT(val[k])
                      * *(const dv8*)(M + (npy_intp)idx[k] * ldm + c);
            *(dv8*)(out + (npy_intp)r * ldo + c) = a0;
        }
    if (c == c1)
        return;
    int last = c1 - 8;
    for (int r = 0; r < B; r++) {
        float* o = out + (npy_intp)r * ldo;
        if (last < 0) {
            for (int j = c; j < c1; j++) {
                float s = 0.0f;
                for (int k = start[r]; k < start[r + 1]; k++)
                    s += val[k] * M[(npy_intp)idx[k] * ldm + j];
                o[j] = s;
            }
        } else {
            dv8 a0 = DV_SPLAT(0.0f);
            for (int k = start[r]; k < start[r + 1]; k++)
                a0 += DV_SPLAT(val[k])
                      * *(const dv8*)(M + (npy_intp)idx[k] * ldm + last);
            for (int j = c; j < c1; j++)
                o[j] = a0[j - last];
        }
    }
}

/* the sum of a vector's 8 floats */
DA_INLINE float da_hsum(dv8 v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

/* out[r, q] = sum_{j < n} Y[r, j] W[q, j], r < NR, q < NQ */
DA_INLINE void da_mk_dots(int NR, int NQ, int n, const float* Y, int ldy,
                          const float* W, int ldw, float* out, int ldo) {
    dv8 acc[4][3];
    for (int r = 0; r < NR; r++)
        for (int q = 0; q < NQ; q++)
            acc[r][q] = DV_SPLAT(0.0f);
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        dv8 w[3];
        for (int q = 0; q < NQ; q++) {
            w[q] = *(const dv8*)(W + (npy_intp)q * ldw + j);
            DA_PIN(w[q]);
        }
        for (int r = 0; r < NR; r++) {
            dv8 y = *(const dv8*)(Y + (npy_intp)r * ldy + j);
            DA_PIN(y);
            for (int q = 0; q < NQ; q++)
                acc[r][q] += y * w[q];
        }
    }
    for (int r = 0; r < NR; r++)
        for (int q = 0; q < NQ; q++) {
            float s = da_hsum(acc[r][q]);
            for (int jj = j; jj < n; jj++)
                s += Y[(npy_intp)r * ldy + jj] * W[(npy_intp)q * ldw + jj];
            out[(npy_intp)r * ldo + q] = s;
        }
}

/* out (B x V, rows ldo apart) = Y W^T over n columns: Y B x n (rows ldy
   apart), W V x n (rows ldw apart) */
__attribute__((noinline))
static void da_dots(int B, int V, int n, const float* Y, int ldy,
                    const float* W, int ldw, float* out, int ldo) {
    int v = 0;
    for (; v + 3 <= V; v += 3) {
        int r = 0;
        for (; r + 4 <= B; r += 4)
            da_mk_dots(4, 3, n, Y + (npy_intp)r * ldy, ldy,
                       W + (npy_intp)v * ldw, ldw,
                       out + (npy_intp)r * ldo + v, ldo);
        for (; r < B; r++)
            da_mk_dots(1, 3, n, Y + (npy_intp)r * ldy, ldy,
                       W + (npy_intp)v * ldw, ldw,
                       out + (npy_intp)r * ldo + v, ldo);
    }
    for (; v < V; v++) {
        int r = 0;
        for (; r + 4 <= B; r += 4)
            da_mk_dots(4, 1, n, Y + (npy_intp)r * ldy, ldy,
                       W + (npy_intp)v * ldw, ldw,
                       out + (npy_intp)r * ldo + v, ldo);
        for (; r < B; r++)
            da_mk_dots(1, 1, n, Y + (npy_intp)r * ldy, ldy,
                       W + (npy_intp)v * ldw, ldw,
                       out + (npy_intp)r * ldo + v, ldo);
    }
}

/* rows 0 .. NR of W (ldw apart), columns 0 .. 8*NV:
   W[r, :] += sum_{i < B} P[i, r] Y[i, :] + sum_{i in rows} X[i, r] D[i, :]
   (P, X: rows ldp apart; Y, D: rows ldy apart); zero: W starts at 0 */
DA_INLINE void da_mk_update(int NR, int NV, int zero, int B, float* W,
                            int ldw, const float* P, const float* X,
                            int ldp, const float* Y, const float* D,
                            int ldy, const int* rows, int nrows) {
    da_mk(NR, NV, !zero, B, NULL, P, 1, ldp, Y, ldy, W, ldw);
    da_mk(NR, NV, 1, nrows, rows, X, 1, ldp, D, ldy, W, ldw);
}

/* W (V x H, rows ldw apart) += P^T Y + X^T D: P, X B x V (rows ldp
   apart), Y, D B x H (rows ldy apart).  The pixels by blocks of four:
   block k's rows of X with a nonzero are urows[ustart[k] .. ustart[k+1]).
   V: a multiple of 4, or the last pixels of the image. */
__attribute__((noinline))
static void da_update(int B, int V, int H, float* W, int ldw,
                      const float* P, const float* X, int ldp,
                      const float* Y, const float* D, int ldy,
                      const int* ustart, const int* urows) {
    for (int v = 0; v < V; v += 4) {
        int NR = V - v < 4 ? V - v : 4;
        const int* rows = urows + ustart[v / 4];
        int nrows = ustart[v / 4 + 1] - ustart[v / 4];
        for (int r = 0; r < NR; r += (NR == 4 ? 4 : 1)) {
            float* w = W + (npy_intp)(v + r) * ldw;
            const float* p = P + v + r;
            const float* x = X + v + r;
            int c = 0;
            if (NR == 4) {
                for (; c + 24 <= H; c += 24)
                    da_mk_update(4, 3, 0, B, w + c, ldw, p, x, ldp, Y + c,
                                 D + c, ldy, rows, nrows);
                for (; c + 8 <= H; c += 8)
                    da_mk_update(4, 1, 0, B, w + c, ldw, p, x, ldp, Y + c,
                                 D + c, ldy, rows, nrows);
            } else {
                for (; c + 24 <= H; c += 24)
                    da_mk_update(1, 3, 0, B, w + c, ldw, p, x, ldp, Y + c,
                                 D + c, ldy, rows, nrows);
                for (; c + 8 <= H; c += 8)
                    da_mk_update(1, 1, 0, B, w + c, ldw, p, x, ldp, Y + c,
                                 D + c, ldy, rows, nrows);
            }
            if (c == H)
                continue;
            /* the last columns: the increment of the block ending at H */
            for (int rr = r; rr < r + (NR == 4 ? 4 : 1); rr++) {
                float* wr = W + (npy_intp)(v + rr) * ldw;
                if (H < 8) {
                    for (int j = c; j < H; j++) {
                        float s = 0.0f;
                        for (int i = 0; i < B; i++)
                            s += P[(npy_intp)i * ldp + v + rr]
                                 * Y[(npy_intp)i * ldy + j];
                        for (int k = 0; k < nrows; k++)
                            s += X[(npy_intp)rows[k] * ldp + v + rr]
                                 * D[(npy_intp)rows[k] * ldy + j];
                        wr[j] += s;
                    }
                } else {
                    float tmp[8];
                    da_mk_update(1, 1, 1, B, tmp, 8, P + v + rr, X + v + rr,
                                 ldp, Y + H - 8, D + H - 8, ldy, rows, nrows);
                    for (int j = c; j < H; j++)
                        wr[j] += tmp[j - (H - 8)];
                }
            }
        }
    }
}

/* sigmoid(v) in float32, from exp(-|v|) (within 3 ulp) */
DA_INLINE float da_sigmoid(float v) {
    float t = xe_exp_neg(v < 0 ? v : -v);
    float s = 1.0f / (1.0f + t);
    return v >= 0 ? s : t * s;
}

/* x's nonzeros (B x V), for the encoder by row: row e's are
   ridx/rval[rstart[e] .. rstart[e+1]) (the pixels, the values); for the
   update by blocks of four pixels: block k's rows with a nonzero are
   urows[ustart[k] .. ustart[k+1]).  Returns 1 where x is sparse (under a
   third nonzero), else 0 (the row lists are then not to be used).
   Branch-free on the values. */
static int da_lists(int B, int V, const float* x, int* rstart, int* ridx,
                    float* rval, int* ustart, int* urows) {
    npy_intp m = 0;
    for (int e = 0; e < B; e++) {
        const float* xe = x + (npy_intp)e * V;
        rstart[e] = (int)m;
        for (int i = 0; i < V; i++) {
            ridx[m] = i;
            rval[m] = xe[i];
            m += xe[i] != 0.0f;
        }
    }
    rstart[B] = (int)m;
    npy_intp u = 0;
    for (int k = 0; k < (V + 3) / 4; k++) {
        ustart[k] = (int)u;
        int w = V - 4 * k < 4 ? V - 4 * k : 4;
        for (int e = 0; e < B; e++) {
            const float* xe = x + (npy_intp)e * V + 4 * k;
            int any = 0;
            for (int j = 0; j < w; j++)
                any |= xe[j] != 0.0f;
            urows[u] = e;
            u += any;
        }
    }
    ustart[(V + 3) / 4] = (int)u;
    return 3 * m < (npy_intp)B * V;
}

/* the thread's share [*lo, *hi) of n, cut at multiples of g */
static void da_share(int n, int g, int t, int nt, int* lo, int* hi) {
    int blocks = (n + g - 1) / g;
    *lo = (int)((npy_intp)blocks * t / nt) * g;
    *hi = (int)((npy_intp)blocks * (t + 1) / nt) * g;
    if (*lo > n) *lo = n;
    if (*hi > n) *hi = n;
}

#define DA_CHUNK 64     /* the cost's partial sums: per row and 64 pixels */

/* floats and ints of da_step's work space */
static void da_work_size(int B, int V, int H, npy_intp* nf, npy_intp* ni) {
    int ldh = (H + 15) / 16 * 16, chunks = (V + DA_CHUNK - 1) / DA_CHUNK;
    *nf = 2 * (npy_intp)B * ldh + 2 * (npy_intp)B * V
          + (npy_intp)B * chunks + (npy_intp)B * V + 1;
    *ni = (npy_intp)B * V + 1 + (npy_intp)B * ((V + 3) / 4) + B + 1
          + (V + 3) / 4 + 1;
}

/* One SGD step of the tutorial's dA on the minibatch x (B x V), with the
   corrupted xt: W (V x H), b (H), bp (V) updated in place, rowcost (B) the
   cross-entropy of each row.  Up to nt threads, which split the hidden
   units (the encoder and the gradient at them) and the pixels (the
   decoder and W's update): every sum runs in the same order whatever the
   number of threads.  work, iwork: da_work_size. */
static void da_step(int B, int V, int H, const float* x, const float* xt,
                    float* W, float* b, float* bp, float lr,
                    float* rowcost, int nt, float* work, int* iwork) {
    int ldh = (H + 15) / 16 * 16, chunks = (V + DA_CHUNK - 1) / DA_CHUNK;
    float* Y = work;
    float* DY = Y + (npy_intp)B * ldh;
    float* AZ = DY + (npy_intp)B * ldh;
    float* DZ = AZ + (npy_intp)B * V;
    float* RC = DZ + (npy_intp)B * V;
    float* rval = RC + (npy_intp)B * chunks;
    int* ridx = iwork;
    int* urows = ridx + (npy_intp)B * V + 1;
    int* rstart = urows + (npy_intp)B * ((V + 3) / 4);
    int* ustart = rstart + B + 1;
    int sparse = da_lists(B, V, xt, rstart, ridx, rval, ustart, urows);
    float scale = -lr / (float)B;
    #pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), n = omp_get_num_threads();
        int h0, h1, v0, v1;
        da_share(H, 16, t, n, &h0, &h1);
        da_share(V, DA_CHUNK, t, n, &v0, &v1);
        /* the encoder, on this thread's hidden units */
        if (h1 > h0) {
            if (sparse)
                da_rows_sparse(B, rstart, ridx, rval, W, H, h0, h1, Y, ldh);
            else
                da_rows_dense(B, V, xt, V, W, H, h0, h1, Y, ldh);
            for (int i = 0; i < B; i++)
                for (int h = h0; h < h1; h++)
                    Y[(npy_intp)i * ldh + h] =
                        da_sigmoid(Y[(npy_intp)i * ldh + h] + b[h]);
        }
        #pragma omp barrier
        /* the decoder, the cost and b_prime, on this thread's pixels */
        if (v1 > v0) {
            da_dots(B, v1 - v0, H, Y, ldh, W + (npy_intp)v0 * H, H, AZ + v0,
                    V);
            for (int i = 0; i < B; i++)
                for (int v = v0; v < v1; v++) {
                    npy_intp e = (npy_intp)i * V + v;
                    AZ[e] += bp[v];
                    DZ[e] = scale * (da_sigmoid(AZ[e]) - x[e]);
                }
            for (int c = v0; c < v1; c += DA_CHUNK) {
                int w = v1 - c < DA_CHUNK ? v1 - c : DA_CHUNK;
                float rc[256];
                for (int i0 = 0; i0 < B; i0 += 256) {
                    int rows = B - i0 < 256 ? B - i0 : 256;
                    xent_rows(rows, w, x + (npy_intp)i0 * V + c, V,
                              AZ + (npy_intp)i0 * V + c, V, rc);
                    for (int i = 0; i < rows; i++)
                        RC[(npy_intp)(i0 + i) * chunks + c / DA_CHUNK] = rc[i];
                }
            }
            for (int i = 0; i < B; i++)
                for (int v = v0; v < v1; v++)
                    bp[v] += DZ[(npy_intp)i * V + v];
        }
        #pragma omp barrier
        /* back to the hidden units, and b */
        if (h1 > h0) {
            da_rows_dense(B, V, DZ, V, W, H, h0, h1, DY, ldh);
            for (int i = 0; i < B; i++)
                for (int h = h0; h < h1; h++) {
                    float y = Y[(npy_intp)i * ldh + h];
                    DY[(npy_intp)i * ldh + h] *= y * (1.0f - y);
                }
            for (int i = 0; i < B; i++)
                for (int h = h0; h < h1; h++)
                    b[h] += DY[(npy_intp)i * ldh + h];
        }
        #pragma omp barrier
        /* W, on this thread's pixels */
        if (v1 > v0)
            da_update(B, v1 - v0, H, W + (npy_intp)v0 * H, H, DZ + v0,
                      xt + v0, V, Y, DY, ldh, ustart + v0 / 4, urows);
    }
    for (int i = 0; i < B; i++) {
        double s = 0.0;
        for (int c = 0; c < chunks; c++)
            s += RC[(npy_intp)i * chunks + c];
        rowcost[i] = (float)s;
    }
}
"""

_STEP_C += r"""
/* the threads of a step: `want`, else as many as the BLAS uses */
static int da_threads(int want) {
    if (want > 0)
        return want;
    int n = omp_get_max_threads();
    if (openblas_get_num_threads) {
        int blas = openblas_get_num_threads();
        if (blas > 0 && blas < n)
            n = blas;
    }
    return n > 0 ? n : 1;
}

/* a C-contiguous float32 array of `nd` dimensions, new reference */
static PyArrayObject* da_contiguous(PyArrayObject* a, int nd,
                                    const char* what) {
    if (PyArray_NDIM(a) != nd || PyArray_TYPE(a) != NPY_FLOAT32) {
        PyErr_Format(PyExc_TypeError, "FastStep: %s must be a %d-d "
                     "float32 array", what, nd);
        return NULL;
    }
    return PyArray_GETCONTIGUOUS(a);
}

/* the array an updated parameter is written to: `a` itself (in place), or
   a copy; new reference in *out */
static int da_result(PyArrayObject* a, int inplace, PyArrayObject** out) {
    PyArrayObject* r = a;
    if (inplace && PyArray_IS_C_CONTIGUOUS(a) && PyArray_ISWRITEABLE(a))
        Py_INCREF(r);
    else
        r = (PyArrayObject*)PyArray_NewCopy(a, NPY_CORDER);
    Py_XDECREF(*out);
    *out = r;
    return r == NULL;
}
"""


def _as(var, ndim, name):
    var = T.as_tensor_variable(var)
    if var.ndim != ndim or var.dtype != 'float32':
        raise TypeError('FastStep: %s must be a float32 %d-d tensor, got '
                        '%s %d-d' % (name, ndim, var.dtype, var.ndim))
    return var


def fast_cost_updates(da, tilde_x, learning_rate):
    """The step of ``dA.get_cost_updates(..., step='fast')``: the
    tutorial's cost and its SGD updates, computed together by ``FastStep``.

    With ``y = sigmoid(tilde_x W + b)``, ``z = sigmoid(y W' + b')`` and
    the mean cross-entropy over the B rows, the gradient at the
    reconstruction's pre-activation is ``dz = (z - x) / B``, at the
    hidden one ``dy = dz W * y (1 - y)``, and W's is
    ``tilde_x^T dy + dz^T y`` (W is also ``W_prime``).

    :type da: dA
    :param da: the model (its input ``da.x`` and parameters)

    :type tilde_x: theano variable
    :param tilde_x: the corrupted minibatch

    :type learning_rate: float or symbolic scalar
    :param learning_rate: SGD step size, > 0

    :returns: (cost, updates), as ``dA.get_cost_updates``
    """
    rows, W, b, b_prime = FastStep()(da.x, tilde_x, da.W, da.b, da.b_prime,
                                     learning_rate)
    updates = [(da.W, W), (da.b, b), (da.b_prime, b_prime)]
    return T.mean(rows), updates


def fast_step_numpy(x, tilde_x, W, b, b_prime, learning_rate):
    """The step's math in float64 NumPy (the Op's Python implementation):
    the rows' costs and the new ``W``, ``b``, ``b_prime``."""
    x, tilde_x, W, b, b_prime = (numpy.asarray(v, dtype='float64') for v in
                                 (x, tilde_x, W, b, b_prime))
    y = 1 / (1 + numpy.exp(-(tilde_x.dot(W) + b)))
    a = y.dot(W.T) + b_prime
    z = 1 / (1 + numpy.exp(-a))
    rows = (numpy.log1p(numpy.exp(-numpy.abs(a))) + (1 - x) *
            numpy.maximum(a, 0) + x * numpy.maximum(-a, 0)).sum(axis=1)
    dz = (z - x) / max(len(x), 1)
    dy = dz.dot(W) * y * (1 - y)
    lr = float(learning_rate)
    return (rows, W - lr * (tilde_x.T.dot(dy) + dz.T.dot(y)),
            b - lr * dy.sum(axis=0), b_prime - lr * dz.sum(axis=0))


class FastStep(_OpBase):
    """``FastStep()(x, tilde_x, W, b, b_prime, learning_rate)`` ->
    ``(cost_rows, W, b, b_prime)``: one SGD step of the tutorial's dA on a
    minibatch, ``cost_rows`` the cross-entropy of each row before the step,
    the others the parameters after it.  Created non-destructive; a rewrite
    makes it update the parameters in place where the engine allows it (a
    step's shared variables), as for its own gemm.

    :type x: float32 matrix (B x V)
    :param x: the clean minibatch

    :type tilde_x: float32 matrix (B x V)
    :param tilde_x: the corrupted minibatch

    :type W: float32 matrix (V x H)
    :param W: the weights (also ``W_prime``, transposed)

    :type b: float32 vector (H)
    :param b: the hidden units' biases

    :type b_prime: float32 vector (V)
    :param b_prime: the reconstruction's biases

    :type learning_rate: float32 scalar
    :param learning_rate: the SGD step size

    :type threads: int
    :param threads: 0 (the default): as many as the BLAS uses; else this
                    many (the result is the same)
    """
    __props__ = ('inplace', 'threads')
    C_CODE = r"""
{
PyArrayObject* xc = da_contiguous(%(x)s, 2, "x");
PyArrayObject* tc = xc ? da_contiguous(%(tx)s, 2, "tilde_x") : NULL;
if (tc == NULL) { Py_XDECREF(xc); %(fail)s }
if (PyArray_NDIM(%(W)s) != 2 || PyArray_NDIM(%(b)s) != 1
    || PyArray_NDIM(%(bp)s) != 1) {
    PyErr_SetString(PyExc_TypeError, "FastStep: W must be a matrix, b and "
                    "b_prime vectors");
    Py_DECREF(xc); Py_DECREF(tc); %(fail)s
}
npy_intp B = PyArray_DIMS(xc)[0], V = PyArray_DIMS(xc)[1];
npy_intp H = PyArray_DIMS(%(W)s)[1];
if (PyArray_DIMS(tc)[0] != B || PyArray_DIMS(tc)[1] != V
    || PyArray_DIMS(%(W)s)[0] != V || PyArray_DIMS(%(b)s)[0] != H
    || PyArray_DIMS(%(bp)s)[0] != V) {
    PyErr_Format(PyExc_ValueError, "FastStep: x is %%ldx%%ld, tilde_x "
        "%%ldx%%ld, W %%ldx%%ld, b %%ld, b_prime %%ld: W must be (pixels x "
        "units)", (long)B, (long)V, (long)PyArray_DIMS(tc)[0],
        (long)PyArray_DIMS(tc)[1], (long)PyArray_DIMS(%(W)s)[0], (long)H,
        (long)PyArray_DIMS(%(b)s)[0], (long)PyArray_DIMS(%(bp)s)[0]);
    Py_DECREF(xc); Py_DECREF(tc); %(fail)s
}
if (da_result(%(W)s, %(inplace)d, &%(Wo)s)
    || da_result(%(b)s, %(inplace)d, &%(bo)s)
    || da_result(%(bp)s, %(inplace)d, &%(bpo)s)) {
    Py_DECREF(xc); Py_DECREF(tc); %(fail)s
}
if (%(rows)s == NULL || PyArray_DIMS(%(rows)s)[0] != B) {
    Py_XDECREF(%(rows)s);
    %(rows)s = (PyArrayObject*)PyArray_ZEROS(1, &B, NPY_FLOAT32, 0);
    if (%(rows)s == NULL) { Py_DECREF(xc); Py_DECREF(tc); %(fail)s }
}
if (B > 0 && V > 0 && H > 0) {
    npy_intp nf, ni;
    da_work_size((int)B, (int)V, (int)H, &nf, &ni);
    if (nf > nf_%(name)s || ni > ni_%(name)s) {
        free(work_%(name)s);
        free(iwork_%(name)s);
        work_%(name)s = (float*)malloc(nf * sizeof(float));
        iwork_%(name)s = (int*)malloc(ni * sizeof(int));
        nf_%(name)s = ni_%(name)s = 0;
        if (work_%(name)s == NULL || iwork_%(name)s == NULL) {
            PyErr_NoMemory(); Py_DECREF(xc); Py_DECREF(tc); %(fail)s
        }
        nf_%(name)s = nf;
        ni_%(name)s = ni;
    }
    float lr = ((float*)PyArray_DATA(%(lr)s))[0];
    da_step((int)B, (int)V, (int)H, (const float*)PyArray_DATA(xc),
            (const float*)PyArray_DATA(tc), (float*)PyArray_DATA(%(Wo)s),
            (float*)PyArray_DATA(%(bo)s), (float*)PyArray_DATA(%(bpo)s),
            lr, (float*)PyArray_DATA(%(rows)s), da_threads(%(threads)d),
            work_%(name)s, iwork_%(name)s);
}
Py_DECREF(xc); Py_DECREF(tc);
}
"""

    def __init__(self, inplace=False, threads=0):
        self.inplace = inplace
        self.threads = int(threads)
        if inplace:
            self.destroy_map = {1: [2], 2: [3], 3: [4]}

    def make_node(self, x, tilde_x, W, b, b_prime, learning_rate):
        x, tilde_x, W = _as(x, 2, 'x'), _as(tilde_x, 2, 'tilde_x'), \
            _as(W, 2, 'W')
        b, b_prime = _as(b, 1, 'b'), _as(b_prime, 1, 'b_prime')
        lr = _as(T.cast(learning_rate, 'float32'), 0, 'learning_rate')
        rows = T.TensorType('float32', (x.broadcastable[0],))()
        return Apply(self, [x, tilde_x, W, b, b_prime, lr],
                     [rows, W.type(), b.type(), b_prime.type()])

    def perform(self, node, inputs, output_storage, params=None):
        results = fast_step_numpy(*inputs)
        for k, value in enumerate(results):
            value = value.astype('float32')
            if self.inplace and k > 0:     # as the C code: in place
                inputs[k + 1][...] = value
                value = inputs[k + 1]
            output_storage[k][0] = value

    def grad(self, inputs, output_grads):
        # it is the gradient step itself
        return [grad_not_implemented(self, i, v)
                for i, v in enumerate(inputs)]

    def c_headers(self, **kwargs):
        return ['<string.h>', '<stdlib.h>']

    def c_support_code(self, **kwargs):
        return _STEP_C

    def c_support_code_struct(self, node, name):
        # the work space, kept from one call to the next
        return ('float* work_%(n)s; int* iwork_%(n)s; '
                'npy_intp nf_%(n)s, ni_%(n)s;' % dict(n=name))

    def c_init_code_struct(self, node, name, sub):
        return ('work_%(n)s = NULL; iwork_%(n)s = NULL; '
                'nf_%(n)s = ni_%(n)s = 0;' % dict(n=name))

    def c_cleanup_code_struct(self, node, name):
        return 'free(work_%(n)s); free(iwork_%(n)s);' % dict(n=name)

    def c_libraries(self, **kwargs):
        # the BLAS, for its thread count only
        return ldflags()

    def c_lib_dirs(self, **kwargs):
        return ldflags(libs=False, libs_dir=True)

    def c_compile_args(self, **kwargs):
        # -fno-trapping-math: the branch-free selects become vector code
        return ldflags(libs=False, flags=True) + _openmp_flags() + \
            ['-fno-trapping-math']

    def c_code(self, node, name, inputs, outputs, sub):
        x, tx, W, b, bp, lr = inputs
        rows, Wo, bo, bpo = outputs
        return self.C_CODE % dict(
            x=x, tx=tx, W=W, b=b, bp=bp, lr=lr, rows=rows, Wo=Wo, bo=bo,
            bpo=bpo, name=name, fail=sub['fail'], inplace=int(self.inplace),
            threads=self.threads)

    def c_code_cache_version(self):
        return (2, source_hash(_STEP_C + self.C_CODE))


# Ops that call a BLAS (the engine's, or NumPy's for Dot)
_BLAS_OPS = ('Dot', 'Dot22', 'Dot22Scalar', 'Gemm', 'Gemv', 'CGemv', 'Ger',
             'CGer', 'BatchedDot')


def fast_step_inplace(fgraph, node):
    """``FastStep()`` -> its in-place version, where the engine's destroy
    handler allows it (as for its own gemm); on one thread where the same
    function calls a BLAS (the layers below an SdA layer): after each call
    the BLAS's idle threads spin for a while, and the step's second thread
    waiting for a core made SdA's layer-1 step 16 times slower (measured,
    docs/speed.md)."""
    if not isinstance(node.op, FastStep) or node.op.inplace:
        return False
    threads = node.op.threads
    if threads == 0 and any(type(n.op).__name__ in _BLAS_OPS
                            for n in fgraph.apply_nodes):
        threads = 1
    return FastStep(inplace=True, threads=threads).make_node(
        *node.inputs).outputs


if ENGINE == 'theano':       # (Theano's node knows its graph)
    local_fast_step_inplace = node_rewriter([FastStep], inplace=True)(
        lambda node: fast_step_inplace(node.fgraph, node))
else:
    from pytensor.graph.rewriting.basic import node_rewriter as _rewriter
    local_fast_step_inplace = _rewriter([FastStep], inplace=True)(
        fast_step_inplace)


if ENGINE == 'theano':
    from theano.gof.opt import TopoOptimizer
    optdb.register('dA_fast_step_inplace', TopoOptimizer(
        local_fast_step_inplace,
        failure_callback=TopoOptimizer.warn_inplace), 70.5,
        'fast_run', 'inplace')
else:
    from pytensor.graph.rewriting.basic import WalkingGraphRewriter
    optdb.register('dA_fast_step_inplace', WalkingGraphRewriter(
        local_fast_step_inplace,
        failure_callback=WalkingGraphRewriter.warn_inplace),
        'fast_run', 'inplace', position=70.5)
