/* The MRG31k3p stream's C loop, for Theano's mrg_uniform (mrg_theano.py)
   and PyTensor's MRGUniform (mrg_pytensor.py): Theano's
   cpu_rng_mrg_uniform_npy_float32 and _npy_float64, the same signature and
   the same numbers, streams advanced in vectorisable passes.

   A template for one sample type: mrg.py defines MRG_DTYPE (npy_float32 or
   npy_float64) and MRG_NORM (2**-31 in that type) before each copy. */
#ifndef MRG_TEMPLATE_ONCE
#define MRG_TEMPLATE_ONCE
static inline npy_uint32 mrg_fix(npy_uint32 y, npy_uint32 m) {
    npy_int32 s = (npy_int32)y;
    return (s < 0 || s >= (npy_int32)m) ? y - m : y;
}
/* name ## MRG_DTYPE */
#define MRG_PASTE(name, dtype) name##dtype
#define MRG_EXPAND(name, dtype) MRG_PASTE(name, dtype)
#define MRG_NAME(name) MRG_EXPAND(name, MRG_DTYPE)
#endif

/* One MRG31k3p step of every stream in [0, count), states in columns
   (structure of arrays), written as vectorisable, branch-free code.  The
   arithmetic is Theano's own (mrg_uniform), with its int32 wrap-around
   done in uint32 so that the compiler may not assume it away. */
static void MRG_NAME(mrg_round_)(
        npy_intp count, npy_uint32* __restrict__ s0,
        npy_uint32* __restrict__ s1, npy_uint32* __restrict__ s2,
        npy_uint32* __restrict__ s3, npy_uint32* __restrict__ s4,
        npy_uint32* __restrict__ s5, MRG_DTYPE* __restrict__ out) {
    const npy_uint32 M1 = 2147483647u, M2 = 2147462579u;
    for (npy_intp k = 0; k < count; k++) {
        npy_uint32 x11 = s0[k], x12 = s1[k], x13 = s2[k];
        npy_uint32 x21 = s3[k], x22 = s4[k], x23 = s5[k];
        npy_uint32 y1 = ((x12 & 511u) << 22) + (x12 >> 9)
                        + ((x13 & 16777215u) << 7) + (x13 >> 24);
        y1 = mrg_fix(y1, M1);
        y1 = mrg_fix(y1 + x13, M1);
        x13 = x12; x12 = x11; x11 = y1;
        npy_uint32 z1 = ((x21 & 65535u) << 15) + 21069u * (x21 >> 16);
        z1 = mrg_fix(z1, M2);
        npy_uint32 z2 = ((x23 & 65535u) << 15) + 21069u * (x23 >> 16);
        z2 = mrg_fix(z2, M2);
        z2 = mrg_fix(z2 + x23, M2);
        z2 = mrg_fix(z2 + z1, M2);
        x23 = x22; x22 = x21; x21 = z2;
        npy_int32 d = (npy_int32)x11 - (npy_int32)x21;
        d = (npy_int32)x11 <= (npy_int32)x21 ? d + (npy_int32)M1 : d;
        out[k] = d * MRG_NORM;
        s0[k] = x11; s1[k] = x12; s2[k] = x13;
        s3[k] = x21; s4[k] = x22; s5[k] = x23;
    }
}

/* Same signature and results as Theano's: sample i comes from stream
   i % n_streams, so the streams are advanced round after round. */
void MRG_NAME(cpu_rng_mrg_uniform_)(PyArrayObject* o_sample,
                                    PyArrayObject* o_rstate,
                                    npy_int64 n_elements, int n_streams) {
    MRG_DTYPE* sample = (MRG_DTYPE*)PyArray_DATA(o_sample);
    npy_int32* state = (npy_int32*)PyArray_DATA(o_rstate);
    npy_intp used = n_elements < n_streams ? n_elements : n_streams;
    npy_uint32* cols =
        (npy_uint32*)malloc(6 * (used + 1) * sizeof(npy_uint32));
    if (cols == NULL) {   /* cannot happen in practice; stay correct */
        for (npy_int64 i = 0; i < n_elements; i++) {
            npy_uint32 st[6];
            npy_int32* row = state + (i % n_streams) * 6;
            for (int c = 0; c < 6; c++) st[c] = (npy_uint32)row[c];
            MRG_NAME(mrg_round_)(1, st, st + 1, st + 2, st + 3, st + 4,
                                 st + 5, sample + i);
            for (int c = 0; c < 6; c++) row[c] = (npy_int32)st[c];
        }
        return;
    }
    for (npy_intp k = 0; k < used; k++)
        for (int c = 0; c < 6; c++)
            cols[c * used + k] = (npy_uint32)state[k * 6 + c];
    for (npy_int64 start = 0; start < n_elements; start += n_streams) {
        npy_intp count = n_elements - start < n_streams
                         ? (npy_intp)(n_elements - start) : n_streams;
        MRG_NAME(mrg_round_)(count, cols, cols + used, cols + 2 * used,
                             cols + 3 * used, cols + 4 * used,
                             cols + 5 * used, sample + start);
    }
    for (npy_intp k = 0; k < used; k++)
        for (int c = 0; c < 6; c++)
            state[k * 6 + c] = (npy_int32)cols[c * used + k];
    free(cols);
}
