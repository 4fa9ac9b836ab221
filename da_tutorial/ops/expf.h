/* expf(x) as the C library computes it, in a form the compiler vectorises:
   glibc's expf (2.28 and later: the algorithm of Arm's optimized-routines,
   x / ln 2 split into k / 32 + r, a table of 2^(i/32) and a cubic in r in
   double precision, with the four fused multiply-adds of its FMA build).
   It gives the same float as glibc's expf for every float from -110 to 89
   (checked for each of them when this was written); ex_expf_same() checks
   a sample at run time, and where one differs (another C library), the
   kernels call expf itself.  Needs <math.h> and <string.h>. */

/* 2^(i/32) rounded to the nearest double, i < 32, as the C library keeps
   it: each value's bits less i << 47 (tests/test_fast_ops.py recomputes
   it) */
static const npy_uint64 ex_tab[32] = {
    0x3ff0000000000000ULL, 0x3fefd9b0d3158574ULL, 0x3fefb5586cf9890fULL,
    0x3fef9301d0125b51ULL, 0x3fef72b83c7d517bULL, 0x3fef54873168b9aaULL,
    0x3fef387a6e756238ULL, 0x3fef1e9df51fdee1ULL, 0x3fef06fe0a31b715ULL,
    0x3feef1a7373aa9cbULL, 0x3feedea64c123422ULL, 0x3feece086061892dULL,
    0x3feebfdad5362a27ULL, 0x3feeb42b569d4f82ULL, 0x3feeab07dd485429ULL,
    0x3feea47eb03a5585ULL, 0x3feea09e667f3bcdULL, 0x3fee9f75e8ec5f74ULL,
    0x3feea11473eb0187ULL, 0x3feea589994cce13ULL, 0x3feeace5422aa0dbULL,
    0x3feeb737b0cdc5e5ULL, 0x3feec49182a3f090ULL, 0x3feed503b23e255dULL,
    0x3feee89f995ad3adULL, 0x3feeff76f2fb5e47ULL, 0x3fef199bdd85529cULL,
    0x3fef3720dcef9069ULL, 0x3fef5818dcfba487ULL, 0x3fef7c97337b9b5fULL,
    0x3fefa4afa2a490daULL, 0x3fefd0765b6e4540ULL
};

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
    t = ex_tab[ki % 32] + (ki << 47);
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
