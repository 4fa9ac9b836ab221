/* SigmoidElemwise's operands, on either side of its loop over the
   elements (which sigmoid.py writes for each node: the node's scalar code
   is inlined there, so that the compiler vectorises it).  Needs expf.h. */

/* in_[k] = input k, C-contiguous (a new reference, NULL until made);
   *R, *C = the shape, from the inputs' sides that do not broadcast
   (bcast[2k], bcast[2k + 1]: input k's rows, columns), which must agree.
   Returns 0, or -1 with a Python error set. */
static int se_inputs(int n, PyArrayObject** inputs, const int* bcast,
                     PyArrayObject** in_, npy_intp* R, npy_intp* C) {
    *R = 1;
    *C = 1;
    for (int k = 0; k < n; k++) {
        in_[k] = PyArray_GETCONTIGUOUS(inputs[k]);
        if (in_[k] == NULL)
            return -1;
        if (!bcast[2 * k])
            *R = PyArray_DIMS(inputs[k])[0];
        if (!bcast[2 * k + 1])
            *C = PyArray_DIMS(inputs[k])[1];
    }
    for (int k = 0; k < n; k++)
        if ((!bcast[2 * k] && PyArray_DIMS(inputs[k])[0] != *R)
            || (!bcast[2 * k + 1] && PyArray_DIMS(inputs[k])[1] != *C)) {
            PyErr_SetString(PyExc_ValueError,
                            "SigmoidElemwise: inputs of different shapes");
            return -1;
        }
    return 0;
}

/* *out = the R x C float32 output: `into` itself where the engine's op
   wrote into that input (and it is C-contiguous and writeable: into is
   NULL where the op writes no input), else *out where it fits, else a
   new array.  Returns 0, or -1 with a Python error set. */
static int se_output(PyArrayObject** out, PyArrayObject* into, npy_intp R,
                     npy_intp C) {
    if (into != NULL && PyArray_IS_C_CONTIGUOUS(into)
        && PyArray_ISWRITEABLE(into) && PyArray_DIMS(into)[0] == R
        && PyArray_DIMS(into)[1] == C) {
        Py_XDECREF(*out);
        *out = into;
        Py_INCREF(*out);
    } else if (*out == NULL || PyArray_DIMS(*out)[0] != R
               || PyArray_DIMS(*out)[1] != C
               || !PyArray_IS_C_CONTIGUOUS(*out)) {
        npy_intp dims[2] = {R, C};
        Py_XDECREF(*out);
        *out = (PyArrayObject*)PyArray_EMPTY(2, dims, NPY_FLOAT32, 0);
        if (*out == NULL)
            return -1;
    }
    return 0;
}

/* releases in_[0 .. n) (se_inputs') */
static void se_release(int n, PyArrayObject** in_) {
    for (int k = 0; k < n; k++)
        Py_XDECREF(in_[k]);
}
