/* The tutorial's cross-entropy per row, from the pre-sigmoid a:
   -sum_j x log(sigmoid(a)) + (1 - x) log(1 - sigmoid(a))
   = sum_j log1p(exp(-|a|)) + (1 - x) max(a, 0) + x max(-a, 0),
   one exp and one log1p per pixel (no cancellation), as float32
   polynomials the compiler vectorises, summed in float64.  Each term is
   within 2 ulp of the exact value.  Used by CrossEntropyRows (cost.c) and
   the fast step (fast_step.c).  Needs <string.h>. */

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
