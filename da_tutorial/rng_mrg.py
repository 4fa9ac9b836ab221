"""The tutorial's random numbers on either engine: MRG31k3p, drawn as
Theano's ``MRG_RandomStreams`` draws them.

The tutorial corrupts its inputs with ``theano.sandbox.rng_mrg``'s
``MRG_RandomStreams``; PyTensor has no such stream, and with another one the
tutorial's costs at 30 % corruption are not reproduced.  Here:

* the stream itself, in NumPy (engine-free, for the tests and as the
  reference): the states of a stream's substreams (``substream_states``,
  ``next_rstate``) and the samples drawn from them (``mrg_uniform_numpy``),
  written from the generator's definition (L'Ecuyer and Touzin, 2000) and
  Theano's conventions: the sample ``i`` of a draw comes from substream
  ``i % n_streams``, a draw of symbolic size uses 15,360 substreams, each
  draw starts 2**134 steps further on;
* the C loop of a draw (``MRG_C``), shared with ``fast_ops.FastMRGUniform``,
  which replaces Theano's own;
* for PyTensor, an Op (``MRGUniform``: C code, and Numba and JAX versions
  for those modes) and ``MRGRandomStreams`` with Theano's interface, which
  ``engine.RandomStreams`` is under PyTensor.  The same seed gives the same
  numbers as Theano's, bit for bit.
"""
import hashlib
import sys
import warnings

import numpy

# MRG31k3p: two multiple recursive generators, modulo M1 and M2
M1 = 2147483647          # 2**31 - 1
M2 = 2147462579          # 2**31 - 21069
# the transition matrices raised to 2**72 (one substream to the next) and to
# 2**134 (one draw's first substream to the next draw's)
A1P72 = ((1516919229, 758510237, 499121365),
         (1884998244, 1516919229, 335398200),
         (601897748, 1884998244, 358115744))
A2P72 = ((1228857673, 1496414766, 954677935),
         (1133297478, 1407477216, 1496414766),
         (2002613992, 1639496704, 1407477216))
A1P134 = ((1702500920, 1849582496, 1656874625),
          (828554832, 1702500920, 1512419905),
          (1143731069, 828554832, 102237247))
A2P134 = ((796789021, 1464208080, 607337906),
          (1241679051, 1431130166, 1464208080),
          (1401213391, 1178684362, 1431130166))
# a sample is the difference of the two components times 2**-31
NORM = {'float32': numpy.float32(4.6566126e-10),
        'float64': 4.656612873077392578125e-10}
SYMBOLIC_SIZE_STREAMS = 60 * 256


def _jump(state, a1, a2):
    """The state moved on by the jump matrices ``a1``, ``a2``: each
    component times its matrix, modulo its modulus."""
    s1, s2 = [int(v) for v in state[:3]], [int(v) for v in state[3:]]
    return ([sum(a * s for a, s in zip(row, s1)) % M1 for row in a1]
            + [sum(a * s for a, s in zip(row, s2)) % M2 for row in a2])


def check_seed(seed):
    """The six-number state a seed stands for, as Theano reads it.

    :raises ValueError: for a seed the generator cannot start from
    """
    if isinstance(seed, (int, numpy.integer)):
        if seed <= 0 or seed >= M2:
            raise ValueError('MRG seed must be an integer in [1, %d), got %s'
                             % (M2, seed))
        return [int(seed)] * 6
    seed = [int(s) for s in seed]
    if len(seed) != 6 or not any(seed[:3]) or not any(seed[3:]) \
            or max(seed[:3]) >= M1 or max(seed[3:]) >= M2 or min(seed) < 0:
        raise ValueError('MRG seed must be an integer or six: three in '
                         '[0, %d) and three in [0, %d), neither all 0; got %r'
                         % (M1, M2, seed))
    return seed


def substream_states(rstate, n_streams):
    """The (n_streams, 6) int32 states of a draw: ``rstate``, then each
    2**72 steps after the one before."""
    rows = [list(rstate)]
    for _ in range(n_streams - 1):
        rows.append(_jump(rows[-1], A1P72, A2P72))
    return numpy.array(rows, dtype='int32')


def next_rstate(rstate):
    """Where the next draw's substreams start: 2**134 steps on."""
    return _jump(rstate, A1P134, A2P134)


def guess_n_streams(size, warn=False):
    """Theano's number of substreams for a draw of ``size``: a sixth of the
    samples (all of them up to 6), at most 15,360; 15,360 when the size is
    symbolic, or given as NumPy integers (Theano looked for Python ints),
    with a warning where ``warn``."""
    if isinstance(size, (tuple, list)) and \
            all(isinstance(s, int) for s in size):
        n = int(numpy.prod(size))
        return min(n // 6 if n > 6 else n, SYMBOLIC_SIZE_STREAMS)
    if warn:
        warnings.warn('MRG_RandomStreams Can\'t determine #streams from '
                      'size (%s), guessing 60*256' % (size,), stacklevel=3)
    return SYMBOLIC_SIZE_STREAMS


def _fix(y, m, xp):
    """``y - m`` where ``y`` (uint32, read as int32) is negative or >= m."""
    return xp.where(y >= m, y - xp.uint32(m), y)


def mrg_step(x, xp=numpy):
    """One step of the streams whose states are the six uint32 arrays ``x``
    (x11, x12, x13, x21, x22, x23), with NumPy or JAX (``xp``).

    :returns: (the six new state arrays, the samples' numerators: int32 in
              [1, M1])
    """
    x11, x12, x13, x21, x22, x23 = x
    y1 = (((x12 & 511) << 22) + (x12 >> 9)
          + ((x13 & 16777215) << 7) + (x13 >> 24))
    y1 = _fix(_fix(y1, M1, xp) + x13, M1, xp)
    z1 = _fix(((x21 & 65535) << 15) + 21069 * (x21 >> 16), M2, xp)
    z2 = _fix(((x23 & 65535) << 15) + 21069 * (x23 >> 16), M2, xp)
    z2 = _fix(_fix(z2 + x23, M2, xp) + z1, M2, xp)
    d = y1.astype(xp.int32) - z2.astype(xp.int32)   # both below 2**31
    return (y1, x11, x12, z2, x21, x22), xp.where(d <= 0, d + M1, d)


def mrg_uniform_numpy(rstate, n_elements, dtype):
    """Draw ``n_elements`` uniforms from the substreams ``rstate``.

    :type rstate: numpy.ndarray
    :param rstate: (n_streams, 6) int32 states

    :type n_elements: int
    :param n_elements: samples; sample ``i`` comes from substream
                       ``i % n_streams``

    :type dtype: str
    :param dtype: 'float32' or 'float64'

    :returns: (the samples, the advanced (n_streams, 6) int32 states)
    """
    s = numpy.array(rstate, dtype='int64').T.astype('uint32')
    out = numpy.empty(n_elements, dtype=dtype)
    with numpy.errstate(over='ignore'):
        for start in range(0, n_elements, s.shape[1]):
            count = min(s.shape[1], n_elements - start)
            new, d = mrg_step(tuple(s[:, :count]))
            s[:, :count] = numpy.array(new)
            # as C computes it: the numerator converted, then multiplied
            out[start:start + count] = d.astype(dtype) * NORM[dtype]
    return out, s.T.astype('int32')


MRG_FIX_C = r"""
static inline npy_uint32 mrg_fix(npy_uint32 y, npy_uint32 m) {
    npy_int32 s = (npy_int32)y;
    return (s < 0 || s >= (npy_int32)m) ? y - m : y;
}
"""

MRG_C = r"""
/* One MRG31k3p step of every stream in [0, count), states in columns
   (structure of arrays), written as vectorisable, branch-free code.  The
   arithmetic is Theano's own (mrg_uniform), with its int32 wrap-around
   done in uint32 so that the compiler may not assume it away. */
static void mrg_round_%(dtype)s(npy_intp count, npy_uint32* __restrict__ s0,
                      npy_uint32* __restrict__ s1, npy_uint32* __restrict__ s2,
                      npy_uint32* __restrict__ s3, npy_uint32* __restrict__ s4,
                      npy_uint32* __restrict__ s5, %(dtype)s* __restrict__ out) {
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
        out[k] = d * %(NORM)s;
        s0[k] = x11; s1[k] = x12; s2[k] = x13;
        s3[k] = x21; s4[k] = x22; s5[k] = x23;
    }
}

/* Same signature and results as Theano's: sample i comes from stream
   i %% n_streams, so the streams are advanced round after round. */
void cpu_rng_mrg_uniform_%(dtype)s(PyArrayObject* o_sample,
                                   PyArrayObject* o_rstate,
                                   npy_int64 n_elements, int n_streams) {
    %(dtype)s* sample = (%(dtype)s*)PyArray_DATA(o_sample);
    npy_int32* state = (npy_int32*)PyArray_DATA(o_rstate);
    npy_intp used = n_elements < n_streams ? n_elements : n_streams;
    npy_uint32* cols = (npy_uint32*)malloc(6 * (used + 1) * sizeof(npy_uint32));
    if (cols == NULL) {   /* cannot happen in practice; stay correct */
        for (npy_int64 i = 0; i < n_elements; i++) {
            npy_uint32 st[6];
            npy_int32* row = state + (i %% n_streams) * 6;
            for (int c = 0; c < 6; c++) st[c] = (npy_uint32)row[c];
            mrg_round_%(dtype)s(1, st, st + 1, st + 2, st + 3, st + 4, st + 5,
                      sample + i);
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
        mrg_round_%(dtype)s(count, cols, cols + used, cols + 2 * used, cols + 3 * used,
                  cols + 4 * used, cols + 5 * used, sample + start);
    }
    for (npy_intp k = 0; k < used; k++)
        for (int c = 0; c < 6; c++)
            state[k * 6 + c] = (npy_int32)cols[c * used + k];
    free(cols);
}
"""


def source_hash(text):
    """A short hash of C source, for the compile cache's key: an engine
    reuses a compiled module whose version matches, so any change to the
    source must change the version."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def mrg_c_support_code():
    """The C functions ``cpu_rng_mrg_uniform_npy_float32`` and ``_float64``
    (Theano's names and signature)."""
    return MRG_FIX_C + '\n'.join(
        MRG_C % dict(dtype=dtype, NORM=norm) for dtype, norm in (
            ('npy_float32', '4.6566126e-10f'),
            ('npy_float64', '4.656612873077392578125e-10')))


# engine.py imports this module under PyTensor only, once PyTensor is
# imported (with the project's defaults); under Theano only the NumPy
# reference and the C source above are used (tests, fast_ops).
if 'pytensor' in sys.modules:
    import pytensor as theano
    import pytensor.tensor as T
    from pytensor.compile import optdb
    from pytensor.gradient import grad_undefined
    from pytensor.graph.basic import Apply
    from pytensor.graph.rewriting.basic import in2out, node_rewriter
    from pytensor.link.c.op import COp
    from pytensor.tensor.basic import MakeVector
    from pytensor.tensor.type import TensorType

    class MRGUniform(COp):
        """``MRGUniform(dtype, ndim)(rstate, size) -> (new rstate, sample)``:
        uniforms in (0, 1] from the substreams ``rstate``, as Theano's
        ``mrg_uniform`` draws them.

        :type dtype: str
        :param dtype: 'float32' or 'float64'

        :type ndim: int
        :param ndim: dimensions of the sample (the length of ``size``)

        :type inplace: bool
        :param inplace: advance ``rstate`` in place (set by a rewrite)
        """
        __props__ = ('dtype', 'ndim', 'inplace')

        def __init__(self, dtype, ndim, inplace=False):
            if dtype not in NORM:
                raise TypeError('MRGUniform draws float32 or float64, not %s'
                                % dtype)
            self.dtype, self.ndim, self.inplace = dtype, ndim, inplace
            if inplace:
                self.destroy_map = {0: [0]}

        def make_node(self, rstate, size):
            rstate = T.as_tensor_variable(rstate)
            size = T.cast(T.as_tensor_variable(size, ndim=1), 'int64')
            if rstate.type.dtype != 'int32' or rstate.type.ndim != 2:
                raise TypeError('rstate must be an int32 matrix, got %s'
                                % rstate.type)
            return Apply(self, [rstate, size],
                         [rstate.type(),
                          TensorType(self.dtype, shape=(None,) * self.ndim)()])

        def perform(self, node, inputs, outputs):
            rstate, size = inputs
            sample, new = mrg_uniform_numpy(rstate, int(numpy.prod(size)),
                                            self.dtype)
            if self.inplace:
                rstate[...] = new
                new = rstate
            outputs[0][0] = new
            outputs[1][0] = sample.reshape(tuple(size))

        def grad(self, inputs, output_grads):
            return [grad_undefined(self, i, v, 'random numbers have no '
                                   'gradient') for i, v in enumerate(inputs)]

        def c_support_code(self, **kwargs):
            return mrg_c_support_code()

        def c_code(self, node, name, inputs, outputs, sub):
            rstate, size = inputs
            o_rstate, o_sample = outputs
            fail = sub['fail']
            ndim = self.ndim
            dtype = 'npy_' + self.dtype
            typenum = 'NPY_FLOAT32' if self.dtype == 'float32' \
                else 'NPY_FLOAT64'
            copy = 0 if self.inplace else 1
            return r"""
            {
            npy_intp odims[%(ndim)d + 1];
            npy_int64 n_elements = 1;
            int must_alloc = %(o_sample)s == NULL
                             || PyArray_NDIM(%(o_sample)s) != %(ndim)d
                             || !PyArray_IS_C_CONTIGUOUS(%(o_sample)s);
            if (PyArray_NDIM(%(size)s) != 1
                || PyArray_DIMS(%(size)s)[0] != %(ndim)d) {
                PyErr_SetString(PyExc_ValueError,
                                "MRGUniform: size must have %(ndim)d entries");
                %(fail)s
            }
            for (int i = 0; i < %(ndim)d; i++) {
                odims[i] = *(npy_int64*)PyArray_GETPTR1(%(size)s, i);
                if (odims[i] < 0) {
                    PyErr_SetString(PyExc_ValueError,
                                    "MRGUniform: negative size");
                    %(fail)s
                }
                n_elements *= odims[i];
                must_alloc = must_alloc
                             || PyArray_DIMS(%(o_sample)s)[i] != odims[i];
            }
            if (n_elements > 2147483647) {
                PyErr_SetString(PyExc_ValueError,
                    "MRGUniform draws at most 2**31 - 1 samples at a time");
                %(fail)s
            }
            if (PyArray_NDIM(%(rstate)s) != 2
                || PyArray_DIMS(%(rstate)s)[1] != 6
                || PyArray_TYPE(%(rstate)s) != NPY_INT32
                || PyArray_DIMS(%(rstate)s)[0] < 1) {
                PyErr_SetString(PyExc_ValueError,
                                "MRGUniform: rstate must be n x 6 int32");
                %(fail)s
            }
            if (must_alloc) {
                Py_XDECREF(%(o_sample)s);
                %(o_sample)s = (PyArrayObject*)PyArray_EMPTY(
                    %(ndim)d, odims, %(typenum)s, 0);
                if (%(o_sample)s == NULL) { %(fail)s }
            }
            Py_XDECREF(%(o_rstate)s);
            if (%(copy)d) {
                %(o_rstate)s = (PyArrayObject*)PyArray_NewCopy(%(rstate)s,
                                                               NPY_CORDER);
                if (%(o_rstate)s == NULL) { %(fail)s }
            } else if (!PyArray_IS_C_CONTIGUOUS(%(rstate)s)) {
                %(o_rstate)s = NULL;
                PyErr_SetString(PyExc_ValueError,
                                "MRGUniform: an in-place rstate must be "
                                "C-contiguous");
                %(fail)s
            } else {
                %(o_rstate)s = %(rstate)s;
                Py_INCREF(%(o_rstate)s);
            }
            cpu_rng_mrg_uniform_%(dtype)s(%(o_sample)s, %(o_rstate)s,
                                          n_elements,
                                          (int)PyArray_DIMS(%(o_rstate)s)[0]);
            }
            """ % locals()

        def c_code_cache_version(self):
            # the C source's hash: any change to it recompiles
            return (1, source_hash(mrg_c_support_code() + self.c_code(
                None, 'n', ('rstate', 'size'), ('o_rstate', 'o_sample'),
                {'fail': ''})))

    @node_rewriter([MRGUniform])
    def mrg_uniform_inplace(fgraph, node):
        """Advance the substream states in place (no copy per draw)."""
        if node.op.inplace:
            return False
        op = MRGUniform(node.op.dtype, node.op.ndim, inplace=True)
        return op.make_node(*node.inputs).outputs

    optdb.register('dA_mrg_uniform_inplace',
                   in2out(mrg_uniform_inplace, ignore_newtrees=True),
                   'fast_run', 'inplace', position=50.9)

    def _numba_mrg_uniform(op):
        """The draw as a Numba function (PyTensor's Numba mode)."""
        from pytensor.link.numba.dispatch.basic import numba_njit
        from numba.np.unsafe.ndarray import to_fixed_tuple
        ndim, inplace = op.ndim, op.inplace
        dtype = numpy.dtype(op.dtype)
        norm = NORM[op.dtype]

        def fix(y, m):
            return y - m if y >= m else y
        fix = numba_njit(fix)

        @numba_njit
        def mrg_uniform(rstate, size):
            # int64 arithmetic: no sum below exceeds 2**32
            state = rstate if inplace else rstate.copy()
            n_streams = state.shape[0]
            n = 1
            for k in range(ndim):
                n *= size[k]
            out = numpy.empty(n, dtype=dtype)
            for i in range(n):
                row = state[i % n_streams]
                x11, x12, x13 = numpy.int64(row[0]), numpy.int64(row[1]), \
                    numpy.int64(row[2])
                x21, x22, x23 = numpy.int64(row[3]), numpy.int64(row[4]), \
                    numpy.int64(row[5])
                y1 = (((x12 & 511) << 22) + (x12 >> 9)
                      + ((x13 & 16777215) << 7) + (x13 >> 24))
                y1 = fix(fix(y1, M1) + x13, M1)
                z1 = fix(((x21 & 65535) << 15) + 21069 * (x21 >> 16), M2)
                z2 = fix(((x23 & 65535) << 15) + 21069 * (x23 >> 16), M2)
                z2 = fix(fix(z2 + x23, M2) + z1, M2)
                d = y1 - z2
                if d <= 0:
                    d += M1
                out[i] = dtype.type(d) * norm
                row[0], row[1], row[2] = y1, x11, x12
                row[3], row[4], row[5] = z2, x21, x22
            return state, out.reshape(to_fixed_tuple(size, ndim))
        return mrg_uniform

    def _jax_mrg_uniform(op, node):
        """The draw as a JAX function (PyTensor's JAX mode; the size must be
        static: a constant, or the shape of a variable, which the rewrite
        below turns into a tuple)."""
        import jax.numpy as jnp
        from pytensor.graph.basic import Constant
        dtype = op.dtype
        constant = node is not None and isinstance(node.inputs[1], Constant)
        static = tuple(int(v) for v in node.inputs[1].data) \
            if constant else None

        def mrg_uniform(rstate, size):
            shape = static or tuple(int(v) for v in size)
            n_elements = int(numpy.prod(shape))
            n_streams = rstate.shape[0]
            s = [rstate[:, c].astype(jnp.uint32) for c in range(6)]
            parts = []
            for start in range(0, n_elements, n_streams):
                count = min(n_streams, n_elements - start)
                new, d = mrg_step(tuple(c[:count] for c in s), jnp)
                s = [c.at[:count].set(v) for c, v in zip(s, new)]
                parts.append(d.astype(dtype) * jnp.asarray(NORM[dtype], dtype))
            new_state = jnp.stack(s, axis=1).astype(jnp.int32)
            return new_state, jnp.concatenate(parts).reshape(shape)
        return mrg_uniform

    def _register_other_linkers():
        """Give MRGUniform to PyTensor's Numba and JAX modes, when each
        first compiles (``linker_dispatch``)."""
        from da_tutorial import linker_dispatch

        def numba():
            from pytensor.link.numba.dispatch.basic import \
                register_funcify_default_op_cache_key
            # Numba keeps compiled functions on disk by the op's
            # properties: the source's hash, added to that key, makes any
            # change recompile
            import inspect
            salt = int(source_hash(inspect.getsource(_numba_mrg_uniform)),
                       16)
            register_funcify_default_op_cache_key(MRGUniform)(
                lambda op, node=None, **kwargs: (_numba_mrg_uniform(op),
                                                 salt))

        def jax():
            from pytensor.link.jax.dispatch import jax_funcify
            jax_funcify.register(MRGUniform)(
                lambda op, node=None, **kwargs: _jax_mrg_uniform(op, node))
        linker_dispatch.register('numba', numba)
        linker_dispatch.register('jax', jax)

        @node_rewriter([MRGUniform])
        def mrg_size_as_tuple(fgraph, node):
            """JAX needs the size as constants, not as a traced vector."""
            from pytensor.link.jax.dispatch.shape import JAXShapeTuple
            size = node.inputs[1].owner
            if size is None or not isinstance(size.op, MakeVector):
                return False
            inputs = [node.inputs[0], JAXShapeTuple()(*size.inputs)]
            return node.clone_with_new_inputs(inputs).outputs
        optdb.register('dA_mrg_size_as_tuple', in2out(mrg_size_as_tuple),
                       'jax', position=100)

    _register_other_linkers()

    class MRGRandomStreams(object):
        """Theano's ``MRG_RandomStreams`` on PyTensor: Theano's interface
        (``uniform``, ``binomial``, ``seed``, ``rstate``, ``state_updates``
        ...) and, for the same seed, Theano's numbers.  The Theano face
        adds the draws built on uniforms (``normal``, ``multinomial`` ...).

        :type seed: int or sequence of 6 int
        :param seed: the generator's starting state (Theano's rules)
        """

        def __init__(self, seed=12345):
            self.state_updates = []
            self.default_instance_seed = seed
            self.set_rstate(seed)

        def set_rstate(self, seed):
            """Start the next draw's substreams from ``seed``."""
            self.rstate = numpy.asarray(check_seed(seed), dtype='int32')

        def seed(self, seed=None):
            """Start again from ``seed`` (the stream's own when None): every
            draw made so far gets its first substreams anew."""
            self.set_rstate(self.default_instance_seed if seed is None
                            else seed)
            for old_r, new_r, size, nstreams in self.state_updates:
                states = self.get_substream_rstates(
                    nstreams or self.n_streams(size),
                    new_r.owner.outputs[1].dtype)
                old_r.set_value(states, borrow=True)

        def inc_rstate(self):
            """Move ``rstate`` 2**134 steps on, to the next draw's start."""
            self.rstate = numpy.asarray(next_rstate(self.rstate),
                                        dtype='int32')

        def get_substream_rstates(self, n_streams, dtype, inc_rstate=True):
            """The (n_streams, 6) states of a draw from ``rstate`` on (then
            moved on to the next draw's start)."""
            states = substream_states(self.rstate, n_streams)
            if inc_rstate:
                self.inc_rstate()
            return states

        def n_streams(self, size):
            """How many substreams a draw of ``size`` uses."""
            return guess_n_streams(size)

        def updates(self):
            """The (state, its next value, size, streams) of every draw."""
            return list(self.state_updates)

        def pretty_return(self, node_rstate, new_rstate, sample, size,
                          nstreams):
            """``sample``, noted with its state and that state's update."""
            sample.rstate = node_rstate
            sample.update = (node_rstate, new_rstate)
            self.state_updates.append((node_rstate, new_rstate, size,
                                       nstreams))
            node_rstate.default_update = new_rstate
            return sample

        def uniform(self, size, low=0.0, high=1.0, ndim=None, dtype=None,
                    nstreams=None, **kwargs):
            """Symbolic uniforms in (low, high] of shape ``size`` (a tuple of
            ints or a symbolic vector such as ``x.shape``).

            Each call draws from new substreams: ``nstreams`` of them
            (Theano's guess when None), which a shared state holds and the
            compiled function advances.
            """
            from pytensor.gradient import undefined_grad
            from pytensor.scalar import upcast
            if kwargs:
                raise TypeError('uniform() got unexpected keyword arguments '
                                '%s' % sorted(kwargs))
            low, high = T.as_tensor_variable(low), T.as_tensor_variable(high)
            if dtype is None:
                dtype = upcast(theano.config.floatX, low.dtype, high.dtype)
            low = undefined_grad(T.cast(low, dtype))
            high = undefined_grad(T.cast(high, dtype))
            if isinstance(size, tuple) and any(
                    isinstance(s, (int, numpy.integer)) and s <= 0
                    for s in size):
                raise ValueError('The specified size contains a dimension '
                                 'with value <= 0', size)
            states = self.get_substream_rstates(
                nstreams or self.n_streams(size), dtype)
            state = theano.shared(states)
            size_var = T.as_tensor_variable(size, ndim=1)
            ndim = ndim or T.get_vector_length(size_var)
            u = self.pretty_return(state, *MRGUniform(dtype, ndim)(
                state, size_var), size=size, nstreams=nstreams)
            state.tag.is_rng = True
            return u * (high - low) + low

        def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype='int64',
                     nstreams=None, **kwargs):
            """Symbolic draws of 0 or 1 (``n=1`` only, as Theano's): 1 where
            a uniform is below ``p``."""
            from pytensor.gradient import undefined_grad
            if n != 1:
                raise NotImplementedError('MRG_RandomStreams.binomial with '
                                          'n > 1')
            p = undefined_grad(T.as_tensor_variable(p))
            u = self.uniform(size=size, nstreams=nstreams, **kwargs)
            return T.cast(u < p, dtype)
