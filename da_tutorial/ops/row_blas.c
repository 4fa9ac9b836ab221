/* A batch-1 step's products on the project's own kernels (row_blas.py):
   float32 gemv and ger, every sum in an order that the data's layout
   alone fixes, whatever the threads and the vector width, on threads whose
   number is chosen by timing the calls (threads.h).  Needs threads.h. */

/* The CPU's vector: 16 floats with AVX-512, else 8 (AVX2).  A sum over a
   row runs in 16 lanes, RB_NV vectors, so the same sums on either. */
#ifndef RB_W       /* (a test sets it, to run the other width's code) */
#ifdef __AVX512F__
#define RB_W 16
#else
#define RB_W 8
#endif
#endif
#define RB_NV (16 / RB_W)
typedef float rb_vec __attribute__((vector_size(RB_W * 4), aligned(4),
                                    may_alias));
#define RB_INLINE static inline __attribute__((always_inline))
#define RB_CHUNK 2048  /* sums kept in L1 by rb_columns, per thread */
#define RB_AHEAD 512   /* floats that software prefetches read ahead */

RB_INLINE rb_vec rb_splat(float t) {
    rb_vec v;
    for (int k = 0; k < RB_W; k++)
        v[k] = t;
    return v;
}

#define RB_AT(p) (*(rb_vec*)(p))

/* [*lo, *hi): thread t's share of n items, in whole units */
RB_INLINE void rb_share(int n, int unit, int t, int nt, int* lo, int* hi) {
    int units = (n + unit - 1) / unit;
    *lo = (int)((long)units * t / nt) * unit;
    *hi = (int)((long)units * (t + 1) / nt) * unit;
    if (*lo > n) *lo = n;
    if (*hi > n) *hi = n;
}

/* ------------------------------------------------------------------ */
/* The kernels.  Each output's sum runs in one fixed order:
   - rb_rows (A's rows contiguous): out[i] = sum_j A[i, j] x[j] in 16
     lanes, lane j % 16, the lanes then added pairwise (8, 4, 2, 1 apart);
   - rb_columns (A's columns contiguous) and rb_strided: one sum over j
     in order, each term a fused multiply-add, the zeros of x skipped
     (adding 0 * a is exact for a finite a).
   Then out[i] = alpha s (+ beta y[i]). */

RB_INLINE float rb_finish(float s, float alpha, float beta, const float* y,
                          npy_intp sy, npy_intp i) {
    float r = alpha * s;
    if (beta != 0.0f)
        r += beta * y[i * sy];
    return r;
}

/* the 16 lanes of `acc` plus the tail j in [n16, n), added pairwise */
RB_INLINE float rb_lanes(const rb_vec* acc, const float* row, const float* x,
                         int n16, int n) {
    float l[16];
    memcpy(l, acc, sizeof l);
    for (int j = n16; j < n; j++)
        l[j - n16] += row[j] * x[j];
    for (int w = 8; w >= 1; w /= 2)
        for (int k = 0; k < w; k++)
            l[k] += l[k + w];
    return l[0];
}

static void rb_rows(int i0, int i1, int n, const float* A, npy_intp lda,
                    const float* x, float alpha, float beta,
                    const float* y, npy_intp sy, float* out, npy_intp so) {
    int n16 = n / 16 * 16, i = i0;
    for (; i + 4 <= i1; i += 4) {      /* four rows: four chains at once */
        const float* r[4] = {A + i * lda, A + (i + 1) * lda,
                             A + (i + 2) * lda, A + (i + 3) * lda};
        rb_vec a[4][RB_NV];
        for (int k = 0; k < 4; k++)
            for (int v = 0; v < RB_NV; v++)
                a[k][v] = rb_splat(0.0f);
        for (int j = 0; j < n16; j += 16) {
            for (int k = 0; k < 4; k++)   /* a line of each row, ahead */
                __builtin_prefetch(r[k] + j + RB_AHEAD);
            for (int v = 0; v < RB_NV; v++) {
                rb_vec xv = RB_AT(x + j + v * RB_W);
                for (int k = 0; k < 4; k++)
                    a[k][v] += RB_AT(r[k] + j + v * RB_W) * xv;
            }
        }
        for (int k = 0; k < 4; k++)
            out[(i + k) * so] = rb_finish(rb_lanes(a[k], r[k], x, n16, n),
                                          alpha, beta, y, sy, i + k);
    }
    for (; i < i1; i++) {
        const float* r0 = A + i * lda;
        rb_vec a[RB_NV];
        for (int v = 0; v < RB_NV; v++)
            a[v] = rb_splat(0.0f);
        for (int j = 0; j < n16; j += 16)
            for (int v = 0; v < RB_NV; v++)
                a[v] += RB_AT(r0 + j + v * RB_W) * RB_AT(x + j + v * RB_W);
        out[i * so] = rb_finish(rb_lanes(a, r0, x, n16, n), alpha, beta,
                                y, sy, i);
    }
}

/* A's column j at A + j * lda; x's nonzeros: nz of them, at idx, val */
static void rb_columns(int i0, int i1, int nz, const int* idx,
                       const float* val, const float* __restrict A,
                       npy_intp lda,
                       float alpha, float beta, const float* y, npy_intp sy,
                       float* out, npy_intp so) {
    float acc[RB_CHUNK];
    for (int c0 = i0; c0 < i1; c0 += RB_CHUNK) {
        int w = i1 - c0 < RB_CHUNK ? i1 - c0 : RB_CHUNK, wv = w / RB_W * RB_W;
        memset(acc, 0, sizeof acc);
        int k = 0;
        for (; k + 8 <= nz; k += 8) {  /* eight columns a pass over acc */
            const float* p[8];
            rb_vec sv[8];
            for (int q = 0; q < 8; q++) {
                p[q] = A + idx[k + q] * lda + c0;
                sv[q] = rb_splat(val[k + q]);
            }
            for (int c = 0; c < wv; c += RB_W) {
                rb_vec a = RB_AT(acc + c);
                for (int q = 0; q < 8; q++)
                    a += RB_AT(p[q] + c) * sv[q];
                RB_AT(acc + c) = a;
            }
            for (int c = wv; c < w; c++) {
                float a = acc[c];
                for (int q = 0; q < 8; q++)
                    a += p[q][c] * val[k + q];
                acc[c] = a;
            }
        }
        for (; k < nz; k++) {
            const float* p0 = A + idx[k] * lda + c0;
            float v0 = val[k];
            rb_vec s0 = rb_splat(v0);
            for (int c = 0; c < wv; c += RB_W)
                RB_AT(acc + c) += RB_AT(p0 + c) * s0;
            for (int c = wv; c < w; c++)
                acc[c] += p0[c] * v0;
        }
        for (int c = 0; c < w; c++)
            out[(c0 + c) * so] = rb_finish(acc[c], alpha, beta, y, sy,
                                           c0 + c);
    }
}

/* any other layout: one sum over j in order, as rb_columns */
static void rb_strided(int i0, int i1, int nz, const int* idx,
                       const float* val, const float* A, npy_intp sa0,
                       npy_intp sa1, float alpha, float beta, const float* y,
                       npy_intp sy, float* out, npy_intp so) {
    for (int i = i0; i < i1; i++) {
        float s = 0.0f;
        for (int k = 0; k < nz; k++)
            s += A[i * sa0 + idx[k] * sa1] * val[k];
        out[i * so] = rb_finish(s, alpha, beta, y, sy, i);
    }
}

/* A[i, j] += f1[i] g1[j] (then + f2[i] g2[j], where f2), each a fused
   multiply-add, in that order; lines whose factors are all 0 skipped.
   The line index i runs along `lines` (its step `ls`), j along `cells`
   (step 1): rows of a row-contiguous A, or columns of a column-contiguous
   one, where the roles of the two vectors swap (the products are the
   same: (alpha x[i]) y[j]). */
static void rb_lines(int l0, int l1, int cells, float* A, npy_intp ls,
                     const float* f1, const float* __restrict g1,
                     const float* f2, const float* __restrict g2) {
    int cv = cells / RB_W * RB_W;
    for (int i = l0; i < l1; i++) {
        float a = f1[i], b = f2 ? f2[i] : 0.0f;
        float* __restrict row = A + i * ls;
        if (a != 0.0f && b != 0.0f) {
            rb_vec sa = rb_splat(a), sb = rb_splat(b);
            for (int j = 0; j < cv; j += RB_W) {
                rb_vec r = RB_AT(row + j);
                r += sa * RB_AT(g1 + j);
                r += sb * RB_AT(g2 + j);
                RB_AT(row + j) = r;
            }
            for (int j = cv; j < cells; j++) {
                float r = row[j];
                r += a * g1[j];
                r += b * g2[j];
                row[j] = r;
            }
        } else if (a != 0.0f || b != 0.0f) {
            const float* g = a != 0.0f ? g1 : g2;
            float f = a != 0.0f ? a : b;
            rb_vec sf = rb_splat(f);
            for (int j = 0; j < cv; j += RB_W)
                RB_AT(row + j) += sf * RB_AT(g + j);
            for (int j = cv; j < cells; j++)
                row[j] += f * g[j];
        }
    }
}

/* ------------------------------------------------------------------ */
/* The Ops' calls: checks, work space, threads.                        */

typedef struct {
    float* f;
    int* i;
    size_t nf, ni;
} rb_work;

static int rb_reserve(rb_work* w, size_t nf, size_t ni) {
    if (nf > w->nf) {
        free(w->f);
        w->f = (float*)malloc(nf * sizeof(float));
        w->nf = w->f ? nf : 0;
    }
    if (ni > w->ni) {
        free(w->i);
        w->i = (int*)malloc(ni * sizeof(int));
        w->ni = w->i ? ni : 0;
    }
    if ((nf && !w->f) || (ni && !w->i)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* a float32 array of nd dimensions, or a TypeError naming it */
static int rb_check(PyArrayObject* a, int nd, const char* op,
                    const char* what) {
    if (PyArray_NDIM(a) != nd || PyArray_TYPE(a) != NPY_FLOAT32) {
        PyErr_Format(PyExc_TypeError, "%s: %s must be a %d-d float32 array",
                     op, what, nd);
        return -1;
    }
    return 0;
}

#define RB_STRIDE(a, k) (PyArray_STRIDES(a)[k] / (npy_intp)sizeof(float))

/* the vector v (n long, any stride) into `to`, contiguous; its nonzeros'
   indices and values into idx, val (when idx); returns their number */
static int rb_gather(PyArrayObject* v, float* to, int* idx, float* val) {
    int n = (int)PyArray_DIM(v, 0), nz = 0;
    npy_intp s = RB_STRIDE(v, 0);
    const float* p = (const float*)PyArray_DATA(v);
    for (int j = 0; j < n; j++) {
        to[j] = p[j * s];
        if (idx && to[j] != 0.0f) {
            idx[nz] = j;
            val[nz++] = to[j];
        }
    }
    return nz;
}

/* *out = beta y + alpha A x (in y's own memory where inplace) */
static int rb_gemv_op(PyArrayObject* y, PyArrayObject* alpha_a,
                      PyArrayObject* A, PyArrayObject* x,
                      PyArrayObject* beta_a, int inplace, rb_tune* tune,
                      rb_work* work, PyArrayObject** out) {
    const char* op = "RowGemv";
    if (rb_check(y, 1, op, "y") || rb_check(A, 2, op, "A") ||
        rb_check(x, 1, op, "x") || rb_check(alpha_a, 0, op, "alpha") ||
        rb_check(beta_a, 0, op, "beta"))
        return -1;
    int m = (int)PyArray_DIM(A, 0), n = (int)PyArray_DIM(A, 1);
    if (PyArray_DIM(x, 0) != n || PyArray_DIM(y, 0) != m) {
        PyErr_Format(PyExc_ValueError, "RowGemv: shapes y %ld, A %ldx%ld, "
                     "x %ld do not agree", (long)PyArray_DIM(y, 0), (long)m,
                     (long)n, (long)PyArray_DIM(x, 0));
        return -1;
    }
    float alpha = *(float*)PyArray_DATA(alpha_a);
    float beta = *(float*)PyArray_DATA(beta_a);
    if (inplace) {
        Py_XDECREF(*out);
        Py_INCREF(y);
        *out = y;
    } else if (!*out || PyArray_NDIM(*out) != 1 ||
               PyArray_DIM(*out, 0) != m || *out == y) {
        Py_XDECREF(*out);
        npy_intp dims[1] = {m};
        *out = (PyArrayObject*)PyArray_EMPTY(1, dims, NPY_FLOAT32, 0);
        if (!*out)
            return -1;
    }
    if (rb_reserve(work, 2 * (size_t)n + 16, (size_t)n + 1))
        return -1;
    float *xc = work->f, *val = work->f + n;
    const float* a = (const float*)PyArray_DATA(A);
    const float* yp = (const float*)PyArray_DATA(y);
    float* o = (float*)PyArray_DATA(*out);
    npy_intp sa0 = RB_STRIDE(A, 0), sa1 = RB_STRIDE(A, 1);
    npy_intp sy = RB_STRIDE(y, 0), so = RB_STRIDE(*out, 0);
    int rows = sa1 == 1 || n <= 1;
    int nz = rb_gather(x, xc, rows ? NULL : work->i, val);
    if (m == 0)
        return 0;
    if (n == 0 || (!rows && nz == 0)) {
        for (int i = 0; i < m; i++)
            o[i * so] = rb_finish(0.0f, alpha, beta, yp, sy, i);
        return 0;
    }
    int nt = rb_pick(tune);
    double t0 = rb_now();
    #pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int lo, hi;
        rb_share(m, rows ? 4 : 16, omp_get_thread_num(),
                 omp_get_num_threads(), &lo, &hi);
        if (rows)
            rb_rows(lo, hi, n, a, sa0, xc, alpha, beta, yp, sy, o, so);
        else if (sa0 == 1)
            rb_columns(lo, hi, nz, work->i, val, a, sa1, alpha, beta, yp,
                       sy, o, so);
        else
            rb_strided(lo, hi, nz, work->i, val, a, sa0, sa1, alpha, beta,
                       yp, sy, o, so);
    }
    rb_learn(tune, rb_now() - t0);
    return 0;
}

/* *out = A + alpha1 x1 y1^T (+ alpha2 x2 y2^T), in A's memory where
   inplace; pairs: 1 or 2 */
static int rb_ger_op(PyArrayObject* A, int pairs, PyArrayObject** alphas,
                     PyArrayObject** xs, PyArrayObject** ys, int inplace,
                     rb_tune* tune, rb_work* work, PyArrayObject** out) {
    const char* op = "RowGer";
    if (rb_check(A, 2, op, "A"))
        return -1;
    int m = (int)PyArray_DIM(A, 0), n = (int)PyArray_DIM(A, 1);
    for (int p = 0; p < pairs; p++) {
        if (rb_check(alphas[p], 0, op, "alpha") ||
            rb_check(xs[p], 1, op, "x") || rb_check(ys[p], 1, op, "y"))
            return -1;
        if (PyArray_DIM(xs[p], 0) != m || PyArray_DIM(ys[p], 0) != n) {
            PyErr_Format(PyExc_ValueError, "RowGer: shapes A %ldx%ld, x "
                         "%ld, y %ld do not agree", (long)m, (long)n,
                         (long)PyArray_DIM(xs[p], 0),
                         (long)PyArray_DIM(ys[p], 0));
            return -1;
        }
    }
    if (inplace) {
        Py_XDECREF(*out);
        Py_INCREF(A);
        *out = A;
    } else {
        Py_XDECREF(*out);
        *out = (PyArrayObject*)PyArray_NewCopy(A, NPY_CORDER);
        if (!*out)
            return -1;
    }
    if (m == 0 || n == 0)
        return 0;
    if (rb_reserve(work, 2 * (size_t)pairs * (m + n), 0))
        return -1;
    /* f = alpha x (rounded first, as in every layout), g = y */
    float* f[2] = {NULL, NULL};
    float* g[2] = {NULL, NULL};
    for (int p = 0; p < pairs; p++) {
        f[p] = work->f + (size_t)p * (m + n);
        g[p] = f[p] + m;
        float alpha = *(float*)PyArray_DATA(alphas[p]);
        rb_gather(xs[p], f[p], NULL, NULL);
        for (int i = 0; i < m; i++)
            f[p][i] = alpha * f[p][i];
        rb_gather(ys[p], g[p], NULL, NULL);
    }
    float* a = (float*)PyArray_DATA(*out);
    npy_intp s0 = RB_STRIDE(*out, 0), s1 = RB_STRIDE(*out, 1);
    int nt = rb_pick(tune);
    double t0 = rb_now();
    #pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int t = omp_get_thread_num(), k = omp_get_num_threads(), lo, hi;
        if (s1 == 1 || n == 1) {          /* rows */
            rb_share(m, 4, t, k, &lo, &hi);
            rb_lines(lo, hi, n, a, s0, f[0], g[0], f[1], g[1]);
        } else if (s0 == 1 || m == 1) {   /* columns: the roles swap */
            rb_share(n, 4, t, k, &lo, &hi);
            rb_lines(lo, hi, m, a, s1, g[0], f[0], g[1], f[1]);
        } else if (t == 0) {              /* any other layout */
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    float r = a[i * s0 + j * s1];
                    r += f[0][i] * g[0][j];
                    if (pairs == 2)
                        r += f[1][i] * g[1][j];
                    a[i * s0 + j * s1] = r;
                }
        }
    }
    rb_learn(tune, rb_now() - t0);
    return 0;
}
