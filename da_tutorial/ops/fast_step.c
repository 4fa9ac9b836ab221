/* The opt-in fast step (FastStep, fast_step.py): one SGD step of the
   tutorial's dA in C, its products on the nonzero pixels where the input
   is sparse, on OpenMP threads that split the hidden units and the pixels
   (every sum in the same order whatever their number).  Needs xent.h,
   <string.h> and <stdlib.h>. */

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

/* da_step's work space, kept by each node from one call to the next */
typedef struct {
    float* f;
    int* i;
    npy_intp nf, ni;
} da_work;

/* da_fast_step_op's work once x and tilde_x are C-contiguous (xc, tc) */
static int da_fast_step_run(PyArrayObject* xc, PyArrayObject* tc,
                            PyArrayObject* W, PyArrayObject* b,
                            PyArrayObject* bp, PyArrayObject* lr,
                            int inplace, int threads, da_work* work,
                            PyArrayObject** rows, PyArrayObject** Wo,
                            PyArrayObject** bo, PyArrayObject** bpo) {
    if (PyArray_NDIM(W) != 2 || PyArray_NDIM(b) != 1
        || PyArray_NDIM(bp) != 1) {
        PyErr_SetString(PyExc_TypeError, "FastStep: W must be a matrix, b "
                        "and b_prime vectors");
        return -1;
    }
    npy_intp B = PyArray_DIMS(xc)[0], V = PyArray_DIMS(xc)[1];
    npy_intp H = PyArray_DIMS(W)[1];
    if (PyArray_DIMS(tc)[0] != B || PyArray_DIMS(tc)[1] != V
        || PyArray_DIMS(W)[0] != V || PyArray_DIMS(b)[0] != H
        || PyArray_DIMS(bp)[0] != V) {
        PyErr_Format(PyExc_ValueError, "FastStep: x is %ldx%ld, tilde_x "
            "%ldx%ld, W %ldx%ld, b %ld, b_prime %ld: W must be (pixels x "
            "units)", (long)B, (long)V, (long)PyArray_DIMS(tc)[0],
            (long)PyArray_DIMS(tc)[1], (long)PyArray_DIMS(W)[0], (long)H,
            (long)PyArray_DIMS(b)[0], (long)PyArray_DIMS(bp)[0]);
        return -1;
    }
    if (da_result(W, inplace, Wo) || da_result(b, inplace, bo)
        || da_result(bp, inplace, bpo))
        return -1;
    if (*rows == NULL || PyArray_DIMS(*rows)[0] != B) {
        Py_XDECREF(*rows);
        *rows = (PyArrayObject*)PyArray_ZEROS(1, &B, NPY_FLOAT32, 0);
        if (*rows == NULL)
            return -1;
    }
    if (B == 0 || V == 0 || H == 0)
        return 0;
    npy_intp nf, ni;
    da_work_size((int)B, (int)V, (int)H, &nf, &ni);
    if (nf > work->nf || ni > work->ni) {
        free(work->f);
        free(work->i);
        work->f = (float*)malloc(nf * sizeof(float));
        work->i = (int*)malloc(ni * sizeof(int));
        work->nf = work->ni = 0;
        if (work->f == NULL || work->i == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        work->nf = nf;
        work->ni = ni;
    }
    da_step((int)B, (int)V, (int)H, (const float*)PyArray_DATA(xc),
            (const float*)PyArray_DATA(tc), (float*)PyArray_DATA(*Wo),
            (float*)PyArray_DATA(*bo), (float*)PyArray_DATA(*bpo),
            ((float*)PyArray_DATA(lr))[0], (float*)PyArray_DATA(*rows),
            da_threads(threads), work->f, work->i);
    return 0;
}

/* FastStep's work: the step on the minibatch x, its corrupted copy tx,
   W, b, bp and the learning rate lr (a float32 scalar): *rows = the rows'
   costs before the step, *Wo, *bo, *bpo = the parameters after it (W, b,
   bp themselves where inplace and they can be written).  threads: 0, as
   many as the BLAS uses.  Returns 0, or -1 with a Python error set. */
static int da_fast_step_op(PyArrayObject* x, PyArrayObject* tx,
                           PyArrayObject* W, PyArrayObject* b,
                           PyArrayObject* bp, PyArrayObject* lr,
                           int inplace, int threads, da_work* work,
                           PyArrayObject** rows, PyArrayObject** Wo,
                           PyArrayObject** bo, PyArrayObject** bpo) {
    PyArrayObject* xc = da_contiguous(x, 2, "x");
    PyArrayObject* tc = xc ? da_contiguous(tx, 2, "tilde_x") : NULL;
    int status = tc == NULL ? -1 : da_fast_step_run(
        xc, tc, W, b, bp, lr, inplace, threads, work, rows, Wo, bo, bpo);
    Py_XDECREF(xc);
    Py_XDECREF(tc);
    return status;
}
