/* CrossEntropyRows' work: *out (a float32 vector, reused where it has
   the right length) = the cross-entropy of each row of x and a (float32
   matrices of the same shape; rows may be strided, a row's elements are
   copied where they are not contiguous).  Returns 0, or -1 with a Python
   error set.  Needs xent.h. */
static int xent_op(PyArrayObject* x, PyArrayObject* a, PyArrayObject** out) {
    if (PyArray_DIMS(x)[0] != PyArray_DIMS(a)[0]
        || PyArray_DIMS(x)[1] != PyArray_DIMS(a)[1]) {
        PyErr_Format(PyExc_ValueError,
            "CrossEntropyRows: x is %ldx%ld, a is %ldx%ld",
            (long)PyArray_DIMS(x)[0], (long)PyArray_DIMS(x)[1],
            (long)PyArray_DIMS(a)[0], (long)PyArray_DIMS(a)[1]);
        return -1;
    }
    npy_intp rows = PyArray_DIMS(x)[0];
    npy_intp cols = PyArray_DIMS(x)[1];
    if (*out == NULL || PyArray_DIMS(*out)[0] != rows) {
        Py_XDECREF(*out);
        *out = (PyArrayObject*)PyArray_EMPTY(1, &rows, NPY_FLOAT32, 0);
        if (*out == NULL)
            return -1;
    }
    PyArrayObject* xc = x;
    PyArrayObject* ac = a;
    Py_INCREF(xc);
    Py_INCREF(ac);
    if (cols > 1 && PyArray_STRIDES(xc)[1] != 4) {
        Py_DECREF(xc);
        xc = PyArray_GETCONTIGUOUS(x);
    }
    if (cols > 1 && PyArray_STRIDES(ac)[1] != 4) {
        Py_DECREF(ac);
        ac = PyArray_GETCONTIGUOUS(a);
    }
    if (xc == NULL || ac == NULL) {
        Py_XDECREF(xc);
        Py_XDECREF(ac);
        return -1;
    }
    xent_rows(rows, cols,
              (const float*)PyArray_DATA(xc), PyArray_STRIDES(xc)[0] / 4,
              (const float*)PyArray_DATA(ac), PyArray_STRIDES(ac)[0] / 4,
              (float*)PyArray_DATA(*out));
    Py_DECREF(xc);
    Py_DECREF(ac);
    return 0;
}
