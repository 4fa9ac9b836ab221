/* PyTensor's MRGUniform (mrg_pytensor.py): one draw of a sample of the
   shape `size` (an int64 vector of ndim entries) from the substreams
   rstate (n x 6 int32): *o_sample = the sample (NPY_FLOAT32 or
   NPY_FLOAT64: typenum), *o_rstate = the advanced states (rstate itself
   where inplace, else a copy).  Returns 0, or -1 with a Python error set.
   Needs mrg.c for both sample types. */
static int mrg_uniform_op(PyArrayObject* rstate, PyArrayObject* size,
                          int ndim, int typenum, int inplace,
                          PyArrayObject** o_rstate, PyArrayObject** o_sample) {
    npy_intp odims[NPY_MAXDIMS];
    npy_int64 n_elements = 1;
    int must_alloc = *o_sample == NULL || PyArray_NDIM(*o_sample) != ndim
                     || !PyArray_IS_C_CONTIGUOUS(*o_sample);
    if (PyArray_NDIM(size) != 1 || PyArray_DIMS(size)[0] != ndim) {
        PyErr_Format(PyExc_ValueError,
                     "MRGUniform: size must have %d entries", ndim);
        return -1;
    }
    if (ndim > NPY_MAXDIMS) {
        PyErr_Format(PyExc_ValueError,
                     "MRGUniform: at most %d dimensions", NPY_MAXDIMS);
        return -1;
    }
    for (int i = 0; i < ndim; i++) {
        odims[i] = *(npy_int64*)PyArray_GETPTR1(size, i);
        if (odims[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "MRGUniform: negative size");
            return -1;
        }
        n_elements *= odims[i];
        must_alloc = must_alloc || PyArray_DIMS(*o_sample)[i] != odims[i];
    }
    if (n_elements > 2147483647) {
        PyErr_SetString(PyExc_ValueError,
            "MRGUniform draws at most 2**31 - 1 samples at a time");
        return -1;
    }
    if (PyArray_NDIM(rstate) != 2 || PyArray_DIMS(rstate)[1] != 6
        || PyArray_TYPE(rstate) != NPY_INT32
        || PyArray_DIMS(rstate)[0] < 1) {
        PyErr_SetString(PyExc_ValueError,
                        "MRGUniform: rstate must be n x 6 int32");
        return -1;
    }
    if (must_alloc) {
        Py_XDECREF(*o_sample);
        *o_sample = (PyArrayObject*)PyArray_EMPTY(ndim, odims, typenum, 0);
        if (*o_sample == NULL)
            return -1;
    }
    Py_XDECREF(*o_rstate);
    if (!inplace) {
        *o_rstate = (PyArrayObject*)PyArray_NewCopy(rstate, NPY_CORDER);
        if (*o_rstate == NULL)
            return -1;
    } else if (!PyArray_IS_C_CONTIGUOUS(rstate)) {
        *o_rstate = NULL;
        PyErr_SetString(PyExc_ValueError, "MRGUniform: an in-place rstate "
                        "must be C-contiguous");
        return -1;
    } else {
        *o_rstate = rstate;
        Py_INCREF(*o_rstate);
    }
    if (typenum == NPY_FLOAT32)
        cpu_rng_mrg_uniform_npy_float32(*o_sample, *o_rstate, n_elements,
                                        (int)PyArray_DIMS(*o_rstate)[0]);
    else
        cpu_rng_mrg_uniform_npy_float64(*o_sample, *o_rstate, n_elements,
                                        (int)PyArray_DIMS(*o_rstate)[0]);
    return 0;
}
