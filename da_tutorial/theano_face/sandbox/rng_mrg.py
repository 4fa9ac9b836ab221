"""``theano.sandbox.rng_mrg``: Theano's ``MRG_RandomStreams`` over
PyTensor, with Theano's numbers for the same seed, in PyTensor's C, Numba
and JAX modes: ``uniform`` and ``binomial`` (``da_tutorial.ops.mrg``'s
MRG31k3p stream), and the draws Theano built on its uniforms, built here
the same way (so the same uniforms give the same numbers): ``normal``
(Box-Muller), ``truncated_normal``, ``multinomial`` and ``choice``
(``theano.sandbox.multinomial``)."""
import warnings

import numpy
import pytensor.tensor as T
from pytensor.gradient import grad_undefined, undefined_grad
from pytensor.graph.basic import Apply, Variable
from pytensor.graph.op import Op
from pytensor.scalar import upcast

from da_tutorial.ops import linkers, mrg, mrg_pytensor
from da_tutorial.ops.mrg import M1, M2, guess_n_streams  # noqa: F401
from da_tutorial.ops.mrg_pytensor import (  # noqa: F401
    MRGUniform as mrg_uniform)

from .._compat import face_names
from .multinomial import ChoiceFromUniform, MultinomialFromUniform

import theano

# Theano's names of the jump matrices (2**72 and 2**134 steps)
A1p72, A2p72 = (numpy.asarray(mrg.A1P72), numpy.asarray(mrg.A2P72))
A1p134, A2p134 = (numpy.asarray(mrg.A1P134),
                  numpy.asarray(mrg.A2P134))
MASK12, MASK13, MASK2, MULT2 = 511, 16777215, 65535, 21069
NORM = 4.656612873077392578125e-10


def ff_2p134(rstate):
    """``rstate`` 2**134 steps on."""
    return numpy.asarray(mrg.next_rstate(rstate), dtype='int32')


def ff_2p72(rstate):
    """``rstate`` 2**72 steps on."""
    return mrg.substream_states(rstate, 2)[1]


# the int32 constants Theano's MRG code shifts and masks by
np_int32_vals = [numpy.int32(i) for i in (0, 7, 9, 15, 16, 22, 24)]


def matVecModM(A, s, m):
    """``A s`` modulo ``m``, exactly (A a 3x3 matrix, s a 3-vector)."""
    return numpy.asarray([sum(int(a) * int(v) for a, v in zip(row, s)) % m
                          for row in numpy.asarray(A)], dtype='int64')


def multMatVect(v, A, m1, B, m2):
    """The six numbers ``v`` moved on by the jump matrices: (A v[:3] mod
    m1, B v[3:] mod m2), as int32."""
    return numpy.concatenate([matVecModM(A, v[:3], m1),
                              matVecModM(B, v[3:], m2)]).astype('int32')


class DotModulo(object):
    """``DotModulo()(A, s, m, A2, s2, m2)``: ``multMatVect`` on NumPy values
    (Theano computed the jumps with a compiled Op)."""

    def __call__(self, A, s, m, A2, s2, m2):
        return multMatVect(numpy.concatenate([s, s2]), A, m, A2, m2)


def mrg_next_value(rstate, new_rstate, NORM, mask, offset):
    """One MRG31k3p step of the six numbers ``rstate``, written into
    ``new_rstate``; returns the sample (Theano's reference in Python)."""
    new, d = mrg.mrg_step(tuple(numpy.asarray(
        rstate, dtype='int64').astype('uint32').reshape(6, 1)))
    new_rstate[...] = numpy.array(new).ravel().astype('int32')
    return float(d[0]) * NORM


def _check_size(size):
    """``size`` (an int, a tuple or list of ints and scalars, or a
    symbolic vector or scalar) as a symbolic int vector."""
    if isinstance(size, Variable):
        if size.ndim == 1:
            return size
        if size.ndim == 0:
            return T.stack([size])
        raise ValueError('Theano variable must have 1 dimension to be a '
                         'valid size.', size)
    if isinstance(size, (numpy.integer, int)):
        return T.constant([size], ndim=1)
    if not isinstance(size, (tuple, list)):
        raise ValueError('Size must be a int, tuple, list or Theano '
                         'variable.', size)
    for s in size:
        if isinstance(s, Variable) and s.ndim != 0:
            raise ValueError('Non-scalar Theano variable in size', size, s)
        if isinstance(s, (numpy.integer, int)) and s <= 0:
            raise ValueError('The specified size contains a dimension with '
                             'value <= 0', size)
        if not isinstance(s, (Variable, numpy.integer, int)):
            raise ValueError('Size must be a int, tuple, list or Theano '
                             'variable.', size)
    return T.as_tensor_variable(size, ndim=1)


class TruncatedFix(Op):
    """``TruncatedFix(dtype)(z0, z1, cos_theta, sin_theta, rstate) ->
    (new rstate, samples)``: Theano's truncation of Box-Muller samples to
    two deviations.  The samples beyond (``z``, at angles ``theta``) get
    new radii ``sqrt(-2 log u)`` from uniforms ``u`` in [e**-2, 1), drawn
    from the substreams ``rstate`` (as many as there are such samples);
    the result is Theano's ``join(z0 kept, z0 redrawn, z1 kept, z1
    redrawn)``.  One Op, where Theano's graph had data-dependent shapes,
    so that JAX mode runs it too.

    :type dtype: str
    :param dtype: 'float32' or 'float64'
    """
    __props__ = ('dtype',)

    def __init__(self, dtype):
        self.dtype = dtype

    def make_node(self, z0, z1, cos_theta, sin_theta, rstate):
        inputs = [T.as_tensor_variable(v) for v in
                  (z0, z1, cos_theta, sin_theta, rstate)]
        return Apply(self, inputs, [inputs[4].type(),
                                    T.TensorType(self.dtype, (None,))()])

    def perform(self, node, inputs, outputs):
        z0, z1, cos_theta, sin_theta, rstate = inputs
        bad0, bad1 = (z0 < -2.) | (z0 > 2.), (z1 < -2.) | (z1 > 2.)
        n0 = int(bad0.sum())
        u, outputs[0][0] = mrg.mrg_uniform_numpy(
            rstate, n0 + int(bad1.sum()), self.dtype)
        r = _radii(u, self.dtype, numpy)
        outputs[1][0] = numpy.concatenate([
            z0[~bad0], r[:n0] * cos_theta[bad0], z1[~bad1],
            r[n0:] * sin_theta[bad1]]).astype(self.dtype)

    def grad(self, inputs, output_grads):
        return [grad_undefined(self, i, v, 'random numbers have no '
                               'gradient') for i, v in enumerate(inputs)]


def _radii(u, dtype, xp):
    """The radii of the redrawn samples from uniforms in (0, 1]: as
    Theano computed ``sqrt(-2 log(u (1 - e**-2) + e**-2))``."""
    lower = xp.asarray(1. / numpy.e ** 2, dtype=dtype)
    one = xp.asarray(1., dtype=dtype)
    return xp.sqrt(xp.asarray(-2., dtype=dtype) * xp.log(
        u * (one - lower) + lower))


def _jax_truncated_fix(op, node=None, **kwargs):
    """``TruncatedFix`` in JAX: as many uniforms as samples, the state
    advanced only by those used, and the samples placed by sorting."""
    import jax.numpy as jnp
    dtype = op.dtype

    def truncated_fix(z0, z1, cos_theta, sin_theta, rstate):
        bad0, bad1 = (z0 < -2.) | (z0 > 2.), (z1 < -2.) | (z1 > 2.)
        n0 = bad0.sum()
        n_fix = n0 + bad1.sum()
        state = [rstate[:, c].astype(jnp.uint32) for c in range(6)]
        n_streams, parts = rstate.shape[0], []
        for start in range(0, z0.shape[0] + z1.shape[0], n_streams):
            count = min(n_streams, z0.shape[0] + z1.shape[0] - start)
            new, d = mrg.mrg_step(tuple(c[:count] for c in state), jnp)
            used = start + jnp.arange(count) < n_fix
            state = [c.at[:count].set(jnp.where(used, v, c[:count]))
                     for c, v in zip(state, new)]
            parts.append(d.astype(dtype) * jnp.asarray(mrg.NORM[dtype],
                                                      dtype))
        r = _radii(jnp.concatenate(parts), dtype, jnp)

        def half(z, bad, trig, first):
            order = jnp.argsort(bad, stable=True)
            rank = jnp.cumsum(bad) - 1 + first
            return jnp.where(bad[order], r[rank[order]] * trig[order],
                             z[order])
        samples = jnp.concatenate([half(z0, bad0, cos_theta, 0),
                                   half(z1, bad1, sin_theta, n0)])
        return jnp.stack(state, axis=1).astype(jnp.int32), samples
    return truncated_fix


def _register_jax():
    from pytensor.link.jax.dispatch import jax_funcify
    jax_funcify.register(TruncatedFix)(_jax_truncated_fix)


linkers.register('jax', _register_jax)


class MRG_RandomStreams(mrg_pytensor.MRGRandomStreams):
    """Theano's ``MRG_RandomStreams``: symbolic random draws from the
    MRG31k3p generator, Theano's numbers for the same seed.

    :type seed: int or sequence of 6 int
    :param seed: the generator's starting state (Theano's rules)
    """

    def multinomial(self, size=None, n=1, pvals=None, ndim=None,
                    dtype='int64', nstreams=None, **kwargs):
        """For each row of ``pvals`` (a matrix), the counts of ``n`` draws
        over its outcomes."""
        if pvals is None:
            raise TypeError('You have to specify pvals')
        pvals = undefined_grad(T.as_tensor_variable(pvals))
        if size is not None:
            raise ValueError('Provided a size argument to MRG_RandomStreams'
                             '.multinomial, which does not use the size '
                             'argument.')
        if ndim is not None:
            raise ValueError('Provided an ndim argument to MRG_RandomStreams'
                             '.multinomial, which does not use the ndim '
                             'argument.')
        if pvals.ndim != 2:
            raise NotImplementedError('MRG_RandomStreams.multinomial only '
                                      'implemented for pvals.ndim = 2')
        return self._from_uniforms(MultinomialFromUniform(dtype), pvals, n,
                                   nstreams, kwargs)

    def choice(self, size=1, a=None, replace=True, p=None, ndim=None,
               dtype='int64', nstreams=None, **kwargs):
        """For each row of ``p`` (a matrix), ``size`` outcomes drawn without
        replacement (the only way Theano drew them)."""
        if replace:
            raise NotImplementedError('MRG_RandomStreams.choice only works '
                                      'without replacement for now.')
        if a is not None:
            raise TypeError('For now, a has to be None in MRG_RandomStreams'
                            '.choice. Sampled values are between 0 and '
                            'p.shape[1]-1')
        if p is None:
            raise TypeError('For now, p has to be specified in '
                            'MRG_RandomStreams.choice.')
        p = undefined_grad(T.as_tensor_variable(p))
        if ndim is not None:
            raise ValueError('ndim argument to MRG_RandomStreams.choice is '
                             'not used.')
        if p.ndim != 2:
            raise NotImplementedError('MRG_RandomStreams.choice is only '
                                      'implemented for p.ndim = 2')
        return self._from_uniforms(ChoiceFromUniform(odtype=dtype), p, size,
                                   nstreams, kwargs)

    def _from_uniforms(self, op, probabilities, count, nstreams, kwargs):
        """``op(probabilities, uniforms, count)``: ``count`` uniforms a row
        of ``probabilities``, drawn as Theano drew them."""
        unis = self.uniform(size=probabilities[:, 0].shape * count, ndim=1,
                            nstreams=nstreams, **kwargs)
        return op(probabilities, unis, T.as_tensor_variable(count))

    def multinomial_wo_replacement(self, size=None, n=1, pvals=None,
                                   ndim=None, dtype='int64', nstreams=None,
                                   **kwargs):
        """Theano's older name of ``choice(size=n, replace=False)``."""
        warnings.warn('MRG_RandomStreams.multinomial_wo_replacement() is '
                      'deprecated and will be removed in the next release '
                      'of Theano. Please use MRG_RandomStreams.choice() '
                      'instead.')
        assert size is None
        return self.choice(size=n, a=None, replace=False, p=pvals,
                           dtype=dtype, nstreams=nstreams, ndim=ndim,
                           **kwargs)

    def normal(self, size, avg=0.0, std=1.0, ndim=None, dtype=None,
               nstreams=None, truncate=False, **kwargs):
        """Gaussians of mean ``avg`` and deviation ``std`` by Box-Muller on
        an even number of uniforms; ``truncate``: within two deviations
        (those outside drawn again from fresh uniforms)."""
        size = _check_size(size)
        avg = undefined_grad(T.as_tensor_variable(avg))
        std = undefined_grad(T.as_tensor_variable(std))
        if dtype is None:
            dtype = upcast(theano.config.floatX, avg.dtype, std.dtype)
        avg, std = T.cast(avg, dtype), T.cast(std, dtype)
        n_odd = size.prod(dtype='int64')
        n_even = n_odd + n_odd % 2
        uniform = self.uniform((n_even,), low=0., high=1., ndim=1,
                               dtype=dtype, nstreams=nstreams, **kwargs)
        u1, u2 = uniform[:n_even // 2], uniform[n_even // 2:]
        r = T.sqrt(-2.0 * T.log(u1))
        theta = numpy.array(2.0 * numpy.pi, dtype=dtype) * u2
        cos_theta, sin_theta = T.cos(theta), T.sin(theta)
        z0, z1 = r * cos_theta, r * sin_theta
        if truncate:
            samples = self._truncated(z0, z1, cos_theta, sin_theta, dtype,
                                      nstreams, kwargs)
        else:
            samples = T.join(0, z0, z1)
        samples = T.reshape(samples[:n_odd], size, ndim=ndim)
        return samples * std + avg

    def _truncated(self, z0, z1, cos_theta, sin_theta, dtype, nstreams,
                   kwargs):
        """Box-Muller samples within two deviations: the others' radii
        drawn again from fresh uniforms in [e**-2, 1) (``TruncatedFix``,
        which runs in JAX mode too)."""
        if kwargs:
            raise TypeError('normal() got unexpected keyword arguments %s'
                            % sorted(kwargs))
        n_streams = nstreams or guess_n_streams(None)
        state = theano.shared(self.get_substream_rstates(n_streams, dtype))
        new_state, samples = TruncatedFix(dtype)(z0, z1, cos_theta,
                                                 sin_theta, state)
        self.pretty_return(state, new_state, samples, size=None,
                           nstreams=n_streams)
        state.tag.is_rng = True
        return samples

    def truncated_normal(self, size, avg=0.0, std=1.0, ndim=None,
                         dtype=None, nstreams=None, **kwargs):
        """Gaussians truncated at two deviations, scaled so that their
        deviation is ``std``."""
        std = std / T.constant(.87962566103423978)
        return self.normal(size=size, avg=avg, std=std, truncate=True,
                           ndim=ndim, dtype=dtype, nstreams=nstreams,
                           **kwargs)


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
