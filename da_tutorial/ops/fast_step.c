/* The opt-in fast step (FastStep, fast_step.py): one SGD step of the
   tutorial's dA in C, its products on the nonzero pixels where the input
   is sparse, on OpenMP threads that split the hidden units and the pixels.
   Each output sum runs in one order whatever the number of threads and
   the vector width: over k, as a chain of multiply-adds (fused where the
   CPU has FMA: fast_step.py asks GCC for them in every loop); the register
   blocks only choose which independent columns share a vector.  Needs
   xent.h, <string.h> and <stdlib.h>. */

/* (OpenMP, and the thread count: threads.h) */

/* The vectors' width in floats: 16 (zmm) where the compiler targets
   AVX-512, else 8 (ymm).  -DDA_VECTOR_FLOATS=16 forces the wide code on
   any x86 (GCC splits each vector in two): the tests compare its bits
   with the 8-wide build's. */
#ifndef DA_VECTOR_FLOATS
#ifdef __AVX512F__
#define DA_VECTOR_FLOATS 16
#else
#define DA_VECTOR_FLOATS 8
#endif
#endif
#define DV DA_VECTOR_FLOATS

typedef float dv8 __attribute__((vector_size(32), aligned(4)));
#define DV8_SPLAT(t) ((dv8){(t), (t), (t), (t), (t), (t), (t), (t)})
#if DV == 16
typedef float dvf __attribute__((vector_size(64), aligned(4)));
#define DV_SPLAT(t) ((dvf){(t), (t), (t), (t), (t), (t), (t), (t), \
                           (t), (t), (t), (t), (t), (t), (t), (t)})
#define DA_NV 6         /* 4 rows x 6 vectors: 24 sums of the 32 zmm */
#elif DV == 8
typedef dv8 dvf;
#define DV_SPLAT(t) DV8_SPLAT(t)
#define DA_NV 3         /* 4 rows x 3 vectors: 12 sums of the 16 ymm */
#else
#error "DA_VECTOR_FLOATS must be 8 or 16"
#endif
/* then blocks of 2 vectors (a thread's share of the hidden units can be
   32 columns; a single row's sums in two chains, not one), then 1 */
#define DA_NV_MID 2
#define DA_INLINE static inline __attribute__((always_inline))

/* s + a b in the scalar loops, as the vectors' multiply-adds: fused where
   the CPU has FMA.  Written out: GCC vectorises a scalar sum's loop with
   its products apart (the vectors' fused ones come from fast_step.py's
   flags). */
#ifdef __FP_FAST_FMAF
#define DA_FMA(a, b, s) __builtin_fmaf((a), (b), (s))
#else
#define DA_FMA(a, b, s) ((a) * (b) + (s))
#endif

/* Keeps a loaded vector in a register: without it, the compiler reloads
   it from memory for each multiply-add, and the kernels wait on loads.
   "v" allows AVX-512's 32 registers, "x" the first 16. */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__AVX512F__)
#define DA_PIN(v) __asm__("" : "+v"(v))
#elif (defined(__x86_64__) || defined(__i386__)) && defined(__AVX__) \
    && DV == 8
#define DA_PIN(v) __asm__("" : "+x"(v))
#else
#define DA_PIN(v)       /* (a 16-float vector is two registers here) */
#endif

/* The products' register block: out[r, 0:DV*NV) = (add ? out[r, :] : 0)
   + sum_k a[r, k] M[k, 0:DV*NV) for r < NR, k over rows[0 .. K) (0 .. K
   where rows is NULL); a[r, k] is a[r * ars + k * aks]; the rows of M are
   ldm apart, of out ldo apart. */
DA_INLINE void da_mk(int NR, int NV, int add, int K, const int* rows,
                     const float* a, npy_intp ars, npy_intp aks,
                     const float* M, int ldm, float* out, int ldo) {
    dvf acc[4][DA_NV];
    for (int r = 0; r < NR; r++)
        for (int q = 0; q < NV; q++)
            acc[r][q] = add ? *(dvf*)(out + (npy_intp)r * ldo + DV * q)
                            : DV_SPLAT(0.0f);
    for (int j = 0; j < K; j++) {
        npy_intp k = rows ? rows[j] : j;
        const dvf* m = (const dvf*)(M + k * ldm);
        dvf mv[DA_NV];
        for (int q = 0; q < NV; q++) {
            mv[q] = m[q];
            DA_PIN(mv[q]);
        }
        for (int r = 0; r < NR; r++) {
            dvf av = DV_SPLAT(a[r * ars + k * aks]);
            DA_PIN(av);
            for (int q = 0; q < NV; q++)
                acc[r][q] += av * mv[q];
        }
    }
    for (int r = 0; r < NR; r++)
        for (int q = 0; q < NV; q++)
            *(dvf*)(out + (npy_intp)r * ldo + DV * q) = acc[r][q];
}

/* out[r, 0:DV*NV) = sum_k a[r, k] M[k, 0:DV*NV), r < NR (rows of out
   ldo apart, of a lda apart, of M ldm apart) */
DA_INLINE void da_mk_rows(int NR, int NV, int K, const float* a, int lda,
                          const float* M, int ldm, float* out, int ldo) {
    da_mk(NR, NV, 0, K, NULL, a, lda, 1, M, ldm, out, ldo);
}

/* out[:, c:c+DV*NV) = a M[:, c:c+DV*NV) for the B rows of a (da_rows_dense),
   by blocks of 4 rows, then single rows */
DA_INLINE void da_dense_cols(int NV, int B, int K, const float* a, int lda,
                             const float* M, int ldm, int c, float* out,
                             int ldo) {
    int r = 0;
    for (; r + 4 <= B; r += 4)
        da_mk_rows(4, NV, K, a + (npy_intp)r * lda, lda, M + c, ldm,
                   out + (npy_intp)r * ldo + c, ldo);
    for (; r < B; r++)
        da_mk_rows(1, NV, K, a + (npy_intp)r * lda, lda, M + c, ldm,
                   out + (npy_intp)r * ldo + c, ldo);
}

/* out[:, c0:c1) = a M[:, c0:c1), a: B x K dense (rows lda apart),
   M: K x ldm, out: rows ldo apart.  c0 a multiple of 16; c1 - c0 not,
   only where c1 is the last column: that block is computed ending at c1.
   A column's sum is the same whatever its block. */
__attribute__((noinline))
static void da_rows_dense(int B, int K, const float* a, int lda,
                          const float* M, int ldm, int c0, int c1,
                          float* out, int ldo) {
    float tmp[4 * DV];
    int c = c0;
    for (; c + DA_NV * DV <= c1; c += DA_NV * DV)
        da_dense_cols(DA_NV, B, K, a, lda, M, ldm, c, out, ldo);
    for (; c + DA_NV_MID * DV <= c1; c += DA_NV_MID * DV)
        da_dense_cols(DA_NV_MID, B, K, a, lda, M, ldm, c, out, ldo);
    for (; c + DV <= c1; c += DV)
        da_dense_cols(1, B, K, a, lda, M, ldm, c, out, ldo);
    if (c == c1)
        return;
    /* the last, partial block: the DV columns ending at c1, four rows at
       a time (four chains of multiply-adds in flight, not one) */
    int last = c1 - DV;
    if (last < 0) {
        for (int r = 0; r < B; r++)
            for (int j = c; j < c1; j++) {
                float s = 0.0f;
                for (int k = 0; k < K; k++)
                    s = DA_FMA(a[(npy_intp)r * lda + k],
                               M[(npy_intp)k * ldm + j], s);
                out[(npy_intp)r * ldo + j] = s;
            }
        return;
    }
    for (int r = 0; r < B; r += 4) {
        int n = B - r < 4 ? B - r : 4;
        if (n == 4)
            da_mk_rows(4, 1, K, a + (npy_intp)r * lda, lda, M + last, ldm,
                       tmp, DV);
        else
            for (int i = 0; i < n; i++)
                da_mk_rows(1, 1, K, a + (npy_intp)(r + i) * lda, lda,
                           M + last, ldm, tmp + i * DV, DV);
        for (int i = 0; i < n; i++)
            for (int j = c; j < c1; j++)
                out[(npy_intp)(r + i) * ldo + j] = tmp[i * DV + j - last];
    }
}

/* out[0:DV*NV) = sum_k val[k] M[idx[k], 0:DV*NV), k from k0 to k1: the
   even entries and the odd ones summed apart, then added (two chains a
   vector, so that 2 NV multiply-adds are in flight); M's rows ldm apart */
DA_INLINE void da_mk_sparse(int NV, int k0, int k1, const int* idx,
                            const float* val, const float* M, int ldm,
                            float* out) {
    dvf a[4], b[4];
    for (int q = 0; q < NV; q++)
        a[q] = b[q] = DV_SPLAT(0.0f);
    int k = k0;
    for (; k + 2 <= k1; k += 2) {
        const dvf* m = (const dvf*)(M + (npy_intp)idx[k] * ldm);
        const dvf* n = (const dvf*)(M + (npy_intp)idx[k + 1] * ldm);
        dvf v = DV_SPLAT(val[k]), u = DV_SPLAT(val[k + 1]);
        for (int q = 0; q < NV; q++) {
            a[q] += v * m[q];
            b[q] += u * n[q];
        }
    }
    if (k < k1) {
        const dvf* m = (const dvf*)(M + (npy_intp)idx[k] * ldm);
        dvf v = DV_SPLAT(val[k]);
        for (int q = 0; q < NV; q++)
            a[q] += v * m[q];
    }
    for (int q = 0; q < NV; q++)
        ((dvf*)out)[q] = a[q] + b[q];
}

/* out[:, c0:c1) = x M[:, c0:c1), x (B rows) sparse: row e's entries
   are idx/val[start[e] .. start[e+1]).  c0, c1 as da_rows_dense's; every
   column summed as da_mk_sparse does, whatever its block. */
__attribute__((noinline))
static void da_rows_sparse(int B, const int* start, const int* idx,
                           const float* val, const float* M, int ldm,
                           int c0, int c1, float* out, int ldo) {
    int c = c0;
    for (; c + 4 * DV <= c1; c += 4 * DV)
        for (int r = 0; r < B; r++)
            da_mk_sparse(4, start[r], start[r + 1], idx, val, M + c, ldm,
                         out + (npy_intp)r * ldo + c);
    for (; c + DA_NV_MID * DV <= c1; c += DA_NV_MID * DV)
        for (int r = 0; r < B; r++)
            da_mk_sparse(DA_NV_MID, start[r], start[r + 1], idx, val, M + c,
                         ldm, out + (npy_intp)r * ldo + c);
    for (; c + DV <= c1; c += DV)
        for (int r = 0; r < B; r++)
            da_mk_sparse(1, start[r], start[r + 1], idx, val, M + c, ldm,
                         out + (npy_intp)r * ldo + c);
    if (c == c1)
        return;
    int last = c1 - DV;
    for (int r = 0; r < B; r++) {
        float* o = out + (npy_intp)r * ldo;
        int k0 = start[r], k1 = start[r + 1];
        if (last < 0) {
            for (int j = c; j < c1; j++) {
                float s = 0.0f, t = 0.0f;
                int k = k0;
                for (; k + 2 <= k1; k += 2) {
                    s = DA_FMA(val[k], M[(npy_intp)idx[k] * ldm + j], s);
                    t = DA_FMA(val[k + 1], M[(npy_intp)idx[k + 1] * ldm + j],
                               t);
                }
                if (k < k1)
                    s = DA_FMA(val[k], M[(npy_intp)idx[k] * ldm + j], s);
                o[j] = s + t;
            }
        } else {
            float tmp[DV];
            da_mk_sparse(1, k0, k1, idx, val, M + last, ldm, tmp);
            for (int j = c; j < c1; j++)
                o[j] = tmp[j - last];
        }
    }
}

/* the sum of a vector's 8 floats */
DA_INLINE float da_hsum(dv8 v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

/* out[r, q] = sum_{j < n} Y[r, j] W[q, j], r < NR, q < NQ: eight partial
   sums (j mod 8), added by da_hsum, then the last n mod 8 terms */
DA_INLINE void da_mk_dots(int NR, int NQ, int n, const float* Y, int ldy,
                          const float* W, int ldw, float* out, int ldo) {
    dv8 acc[4][3];
    for (int r = 0; r < NR; r++)
        for (int q = 0; q < NQ; q++)
            acc[r][q] = DV8_SPLAT(0.0f);
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
                s = DA_FMA(Y[(npy_intp)r * ldy + jj],
                           W[(npy_intp)q * ldw + jj], s);
            out[(npy_intp)r * ldo + q] = s;
        }
}

#if DV == 16
/* 16-float vectors from 8-float halves: a's floats then b's, and the 8
   floats at p twice (on AVX-512, a vinsertf64x4 and a vbroadcastf64x4) */
#ifdef __AVX512F__
#include <immintrin.h>
DA_INLINE dvf da_join(const float* a, const float* b) {
    return (dvf)_mm512_insertf64x4(
        _mm512_broadcast_f64x4(_mm256_loadu_pd((const double*)a)),
        _mm256_loadu_pd((const double*)b), 1);
}
DA_INLINE dvf da_twice(const float* p) {
    return (dvf)_mm512_broadcast_f64x4(_mm256_loadu_pd((const double*)p));
}
#else
DA_INLINE dvf da_join(const float* a, const float* b) {
    return (dvf){a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]};
}
DA_INLINE dvf da_twice(const float* p) {
    return da_join(p, p);
}
#endif

/* da_mk_dots for q < 2 NP, W's rows 2p and 2p + 1 in the halves of one
   16-float vector: the same eight partial sums a dot product */
DA_INLINE void da_mk_dots2(int NR, int NP, int n, const float* Y, int ldy,
                           const float* W, int ldw, float* out, int ldo) {
    dvf acc[4][3];
    for (int r = 0; r < NR; r++)
        for (int p = 0; p < NP; p++)
            acc[r][p] = DV_SPLAT(0.0f);
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        dvf w[3];
        for (int p = 0; p < NP; p++) {
            w[p] = da_join(W + (npy_intp)(2 * p) * ldw + j,
                           W + (npy_intp)(2 * p + 1) * ldw + j);
            DA_PIN(w[p]);
        }
        for (int r = 0; r < NR; r++) {
            dvf y = da_twice(Y + (npy_intp)r * ldy + j);
            DA_PIN(y);
            for (int p = 0; p < NP; p++)
                acc[r][p] += y * w[p];
        }
    }
    for (int r = 0; r < NR; r++)
        for (int q = 0; q < 2 * NP; q++) {
            dv8 half;
            memcpy(&half, (const char*)&acc[r][q / 2] + (q % 2) * sizeof half,
                   sizeof half);
            float s = da_hsum(half);
            for (int jj = j; jj < n; jj++)
                s = DA_FMA(Y[(npy_intp)r * ldy + jj],
                           W[(npy_intp)q * ldw + jj], s);
            out[(npy_intp)r * ldo + q] = s;
        }
}
#endif

/* out (B x V, rows ldo apart) = Y W^T over n columns: Y B x n (rows ldy
   apart), W V x n (rows ldw apart) */
__attribute__((noinline))
static void da_dots(int B, int V, int n, const float* Y, int ldy,
                    const float* W, int ldw, float* out, int ldo) {
    int v = 0;
#if DV == 16
    for (; v + 6 <= V; v += 6) {
        int r = 0;
        for (; r + 4 <= B; r += 4)
            da_mk_dots2(4, 3, n, Y + (npy_intp)r * ldy, ldy,
                        W + (npy_intp)v * ldw, ldw,
                        out + (npy_intp)r * ldo + v, ldo);
        for (; r < B; r++)
            da_mk_dots2(1, 3, n, Y + (npy_intp)r * ldy, ldy,
                        W + (npy_intp)v * ldw, ldw,
                        out + (npy_intp)r * ldo + v, ldo);
    }
    for (; v + 2 <= V; v += 2) {
        int r = 0;
        for (; r + 4 <= B; r += 4)
            da_mk_dots2(4, 1, n, Y + (npy_intp)r * ldy, ldy,
                        W + (npy_intp)v * ldw, ldw,
                        out + (npy_intp)r * ldo + v, ldo);
        for (; r < B; r++)
            da_mk_dots2(1, 1, n, Y + (npy_intp)r * ldy, ldy,
                        W + (npy_intp)v * ldw, ldw,
                        out + (npy_intp)r * ldo + v, ldo);
    }
#else
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
#endif
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

/* rows 0 .. NR of W (ldw apart), columns 0 .. DV*NV:
   W[r, :] += sum_{i < B} P[i, r] Y[i, :] + sum_{i in rows} X[i, r] D[i, :]
   (P, X: rows ldp apart; Y, D: rows ldy apart), each sum added to W's own
   value term by term */
DA_INLINE void da_mk_update(int NR, int NV, int B, float* W, int ldw,
                            const float* P, const float* X, int ldp,
                            const float* Y, const float* D, int ldy,
                            const int* rows, int nrows) {
    da_mk(NR, NV, 1, B, NULL, P, 1, ldp, Y, ldy, W, ldw);
    da_mk(NR, NV, 1, nrows, rows, X, 1, ldp, D, ldy, W, ldw);
}

/* da_update's full blocks of columns, from c, on W's NR rows at w (rows
   ldw apart; p, x: P's and X's column of w's first row); returns the
   first column left (H where none is) */
DA_INLINE int da_update_cols(int NR, int c, int B, int H, float* w, int ldw,
                             const float* p, const float* x, int ldp,
                             const float* Y, const float* D, int ldy,
                             const int* rows, int nrows) {
    for (; c + DA_NV * DV <= H; c += DA_NV * DV)
        da_mk_update(NR, DA_NV, B, w + c, ldw, p, x, ldp, Y + c, D + c, ldy,
                     rows, nrows);
    for (; c + DA_NV_MID * DV <= H; c += DA_NV_MID * DV)
        da_mk_update(NR, DA_NV_MID, B, w + c, ldw, p, x, ldp, Y + c, D + c,
                     ldy, rows, nrows);
    for (; c + DV <= H; c += DV)
        da_mk_update(NR, 1, B, w + c, ldw, p, x, ldp, Y + c, D + c, ldy,
                     rows, nrows);
    return c;
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
            int c = NR == 4
                ? da_update_cols(4, 0, B, H, w, ldw, p, x, ldp, Y, D, ldy,
                                 rows, nrows)
                : da_update_cols(1, 0, B, H, w, ldw, p, x, ldp, Y, D, ldy,
                                 rows, nrows);
            if (c == H)
                continue;
            /* the last columns: the block ending at H, from W's values
               (those before c, already updated, are not kept), its rows
               together (four chains of multiply-adds in flight) */
            int n = NR == 4 ? 4 : 1;
            if (H < DV) {
                for (int rr = 0; rr < n; rr++)
                    for (int j = c; j < H; j++) {
                        float s = w[(npy_intp)rr * ldw + j];
                        for (int i = 0; i < B; i++)
                            s = DA_FMA(P[(npy_intp)i * ldp + v + r + rr],
                                       Y[(npy_intp)i * ldy + j], s);
                        for (int k = 0; k < nrows; k++)
                            s = DA_FMA(
                                X[(npy_intp)rows[k] * ldp + v + r + rr],
                                D[(npy_intp)rows[k] * ldy + j], s);
                        w[(npy_intp)rr * ldw + j] = s;
                    }
                continue;
            }
            float tmp[4 * DV];
            for (int rr = 0; rr < n; rr++)
                memcpy(tmp + rr * DV, w + (npy_intp)rr * ldw + H - DV,
                       DV * sizeof(float));
            if (n == 4)
                da_mk_update(4, 1, B, tmp, DV, p, x, ldp, Y + H - DV,
                             D + H - DV, ldy, rows, nrows);
            else
                da_mk_update(1, 1, B, tmp, DV, p, x, ldp, Y + H - DV,
                             D + H - DV, ldy, rows, nrows);
            for (int rr = 0; rr < n; rr++)
                for (int j = c; j < H; j++)
                    w[(npy_intp)rr * ldw + j] = tmp[rr * DV + j - (H - DV)];
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
                            int inplace, rb_tune* tune, da_work* work,
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
    double t0 = rb_now();
    da_step((int)B, (int)V, (int)H, (const float*)PyArray_DATA(xc),
            (const float*)PyArray_DATA(tc), (float*)PyArray_DATA(*Wo),
            (float*)PyArray_DATA(*bo), (float*)PyArray_DATA(*bpo),
            ((float*)PyArray_DATA(lr))[0], (float*)PyArray_DATA(*rows),
            rb_pick(tune), work->f, work->i);
    rb_learn(tune, rb_now() - t0);
    return 0;
}

/* FastStep's work: the step on the minibatch x, its corrupted copy tx,
   W, b, bp and the learning rate lr (a float32 scalar): *rows = the rows'
   costs before the step, *Wo, *bo, *bpo = the parameters after it (W, b,
   bp themselves where inplace and they can be written); its threads as
   `tune` picks them (threads.h).  Returns 0, or -1 with a Python error set. */
static int da_fast_step_op(PyArrayObject* x, PyArrayObject* tx,
                           PyArrayObject* W, PyArrayObject* b,
                           PyArrayObject* bp, PyArrayObject* lr,
                           int inplace, rb_tune* tune, da_work* work,
                           PyArrayObject** rows, PyArrayObject** Wo,
                           PyArrayObject** bo, PyArrayObject** bpo) {
    PyArrayObject* xc = da_contiguous(x, 2, "x");
    PyArrayObject* tc = xc ? da_contiguous(tx, 2, "tilde_x") : NULL;
    int status = tc == NULL ? -1 : da_fast_step_run(
        xc, tc, W, b, bp, lr, inplace, tune, work, rows, Wo, bo, bpo);
    Py_XDECREF(xc);
    Py_XDECREF(tc);
    return status;
}
