"""The tutorial's random stream on PyTensor: ``MRGUniform`` (C code, and
Numba and JAX versions for those modes), its rewrites, and
``MRGRandomStreams``, Theano's ``MRG_RandomStreams`` interface, which
``engine.RandomStreams`` is under PyTensor.  The same seed gives the same
numbers as Theano's, bit for bit, in every mode.

PyTensor only: imported by ``engine.py`` and the Theano face (so it
imports no ``engine``), with PyTensor set up as the project does.
"""
import inspect

import numpy

from .. import defaults

pytensor = defaults.import_pytensor()   # the project's defaults
import pytensor.tensor as T  # noqa: E402
from pytensor.gradient import grad_undefined  # noqa: E402
from pytensor.graph.basic import Apply  # noqa: E402
from pytensor.link.c.op import COp  # noqa: E402
from pytensor.tensor.basic import MakeVector  # noqa: E402
from pytensor.tensor.type import TensorType  # noqa: E402

from . import linkers  # noqa: E402
from .base import c_source, register_rewrite, source_hash  # noqa: E402
from .mrg import (  # noqa: E402
    M1, M2, NORM, check_seed, guess_n_streams, mrg_c_support_code, mrg_step,
    mrg_uniform_numpy, next_rstate, substream_states)

# the per-node glue: the work is mrg_op.c's
_C_CODE = ('if (mrg_uniform_op(%(rstate)s, %(size)s, %(ndim)d, %(typenum)s, '
           '%(inplace)d, &%(o_rstate)s, &%(o_sample)s)) { %(fail)s }')


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
        return mrg_c_support_code() + c_source('mrg_op.c')

    def c_code(self, node, name, inputs, outputs, sub):
        rstate, size = inputs
        o_rstate, o_sample = outputs
        return _C_CODE % dict(
            rstate=rstate, size=size, ndim=self.ndim,
            typenum='NPY_FLOAT32' if self.dtype == 'float32'
            else 'NPY_FLOAT64', inplace=int(self.inplace),
            o_rstate=o_rstate, o_sample=o_sample, fail=sub['fail'])

    def c_code_cache_version(self):
        return (1, source_hash(self.c_support_code(), _C_CODE))


@register_rewrite('pytensor', 'dA_mrg_uniform_inplace', [MRGUniform], 50.9,
                  'fast_run', 'inplace', ignore_newtrees=True)
def mrg_uniform_inplace(fgraph, node):
    """Advance the substream states in place (no copy per draw)."""
    if node.op.inplace:
        return False
    op = MRGUniform(node.op.dtype, node.op.ndim, inplace=True)
    return op.make_node(*node.inputs).outputs


@register_rewrite('pytensor', 'dA_mrg_size_as_tuple', [MRGUniform], 100,
                  'jax')
def mrg_size_as_tuple(fgraph, node):
    """JAX needs the size as constants, not as a traced vector."""
    from pytensor.link.jax.dispatch.shape import JAXShapeTuple
    size = node.inputs[1].owner
    if size is None or not isinstance(size.op, MakeVector):
        return False
    inputs = [node.inputs[0], JAXShapeTuple()(*size.inputs)]
    return node.clone_with_new_inputs(inputs).outputs


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


def _register_numba():
    """Give ``MRGUniform`` to PyTensor's Numba mode (``linkers``)."""
    from pytensor.link.numba.dispatch.basic import \
        register_funcify_default_op_cache_key
    # Numba keeps compiled functions on disk by the op's properties: the
    # source's hash, added to that key, makes any change recompile
    salt = int(source_hash(inspect.getsource(_numba_mrg_uniform)), 16)
    register_funcify_default_op_cache_key(MRGUniform)(
        lambda op, node=None, **kwargs: (_numba_mrg_uniform(op), salt))


def _register_jax():
    """Give ``MRGUniform`` to PyTensor's JAX mode (``linkers``)."""
    from pytensor.link.jax.dispatch import jax_funcify
    jax_funcify.register(MRGUniform)(
        lambda op, node=None, **kwargs: _jax_mrg_uniform(op, node))


linkers.register('numba', _register_numba)
linkers.register('jax', _register_jax)


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
            dtype = upcast(pytensor.config.floatX, low.dtype, high.dtype)
        low = undefined_grad(T.cast(low, dtype))
        high = undefined_grad(T.cast(high, dtype))
        if isinstance(size, tuple) and any(
                isinstance(s, (int, numpy.integer)) and s <= 0
                for s in size):
            raise ValueError('The specified size contains a dimension '
                             'with value <= 0', size)
        states = self.get_substream_rstates(
            nstreams or self.n_streams(size), dtype)
        state = pytensor.shared(states)
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
