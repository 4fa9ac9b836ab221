"""``theano.sandbox.multinomial``: the Ops that turn uniforms into
multinomial draws and into choices without replacement, for
``MRG_RandomStreams.multinomial`` and ``.choice``, with the arithmetic of
Theano's C code (the running sum in double precision; the renormalisation
after each choice in the probabilities' own precision), so that the same
uniforms give Theano's draws."""
import numpy
import pytensor.tensor as _pt
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.scalar import as_scalar

from da_tutorial.ops import linkers

from .._compat import face_names


class MultinomialFromUniform(Op):
    """``MultinomialFromUniform(odtype)(pvals, unis, n)``: for each row of
    ``pvals`` (k outcomes), the counts of ``n`` draws, draw ``c`` of row
    ``i`` being the first outcome whose running sum exceeds
    ``unis[c * rows + i]``.

    :type odtype: str
    :param odtype: the counts' dtype ('auto': the probabilities')
    """
    __props__ = ('odtype',)

    def __init__(self, odtype):
        self.odtype = odtype

    def __str__(self):
        return '%s{%s}' % (type(self).__name__, self.odtype)

    def _odtype(self, pvals):
        return pvals.dtype if self.odtype == 'auto' else self.odtype

    def make_node(self, pvals, unis, n=1):
        pvals, unis = _pt.as_tensor_variable(pvals), _pt.as_tensor_variable(
            unis)
        if pvals.ndim != 2:
            raise NotImplementedError('pvals ndim should be 2', pvals.ndim)
        if unis.ndim != 1:
            raise NotImplementedError('unis ndim should be 1', unis.ndim)
        out = _pt.TensorType(self._odtype(pvals),
                             shape=self._out_shape(pvals.type.shape))()
        return Apply(self, [pvals, unis, as_scalar(n)], [out])

    def _out_shape(self, pvals_shape):
        return pvals_shape          # counts per outcome

    def grad(self, inputs, output_grads):
        return [_pt.zeros_like(x, dtype='floatX')
                if x.dtype.startswith(('int', 'uint')) else _pt.zeros_like(x)
                for x in inputs]

    def perform(self, node, inputs, outputs):
        pvals, unis, n = inputs
        n = int(n)
        rows = pvals.shape[0]
        if unis.shape[0] != rows * n:
            raise ValueError('unis.shape[0] != pvals.shape[0] * n')
        cumulative = numpy.cumsum(pvals, axis=1, dtype='float64')
        z = numpy.zeros(pvals.shape, dtype=node.outputs[0].dtype)
        for c in range(n):
            above = cumulative > unis[c * rows:(c + 1) * rows, None]
            hit = above.any(axis=1)
            z[numpy.flatnonzero(hit), above.argmax(axis=1)[hit]] += 1
        outputs[0][0] = z


class ChoiceFromUniform(MultinomialFromUniform):
    """``ChoiceFromUniform(odtype)(pvals, unis, n)``: for each row of
    ``pvals``, ``n`` outcomes drawn without replacement (each drawn
    outcome's probability set to 0 and the row renormalised)."""
    __props__ = ('odtype', 'replace')

    def __init__(self, odtype, replace=False):
        self.odtype, self.replace = odtype, replace

    def _odtype(self, pvals):
        return 'int64' if self.odtype == 'auto' else self.odtype

    def _out_shape(self, pvals_shape):
        return (pvals_shape[0], None)    # n choices per row

    def perform(self, node, inputs, outputs):
        pvals, unis, n = inputs
        n = int(n)
        rows, k = pvals.shape
        if n > k:
            raise ValueError('Cannot sample without replacement n samples '
                             'bigger than the size of the distribution.')
        if unis.shape[0] != rows * n:
            raise ValueError('unis.shape[0] != pvals.shape[0] * n')
        p = pvals.copy()
        z = numpy.empty((rows, n), dtype=node.outputs[0].dtype)
        dtype = p.dtype.type
        for c in range(n):
            for i in range(rows):
                total = 0.0        # C's double
                for m in range(k):
                    total += float(p[i, m])
                    if total > unis[c * rows + i]:
                        z[i, c] = m
                        if c < n - 1 and not self.replace:
                            self._renormalise(p[i], m, total, dtype)
                        break
        outputs[0][0] = z

    @staticmethod
    def _renormalise(row, m, total, dtype):
        """Theano's C: the sum restarted from the running sum before m, in
        the row's precision, then every probability divided by it."""
        s = dtype(total - float(row[m]))
        row[m] = 0
        for v in row[m:]:
            s = dtype(s + v)
        row[:] = (row / s).astype(row.dtype)


class MultinomialWOReplacementFromUniform(ChoiceFromUniform):
    """Theano's older name of ``ChoiceFromUniform``."""


def _jax_multinomial(op, node=None, **kwargs):
    """``MultinomialFromUniform`` in JAX: the same draws."""
    import jax.numpy as jnp
    dtype = node.outputs[0].dtype

    def multinomial(pvals, unis, n):
        rows, k = pvals.shape
        cumulative = jnp.cumsum(pvals.astype('float64'), axis=1)
        above = cumulative[None] > unis.reshape(-1, rows)[:, :, None]
        first = jnp.argmax(above, axis=-1)
        hit = above.any(axis=-1)
        counts = ((jnp.arange(k) == first[..., None]) & hit[..., None])
        return counts.sum(axis=0).astype(dtype)
    return multinomial


def _jax_choice(op, node=None, **kwargs):
    """``ChoiceFromUniform`` in JAX: the same choices, the probabilities
    renormalised after each with a sum in their own precision, in
    Theano's order."""
    import jax
    import jax.numpy as jnp
    dtype = node.outputs[0].dtype
    replace = op.replace

    def renormalise(row, m, before):
        """One row, its choice ``m`` removed (see ``_renormalise``)."""
        k = row.shape[0]
        row = row.at[m].set(0)

        def add(s, kv):
            at, v = kv
            return jnp.where(at >= m, s + v, s), None
        s, _ = jax.lax.scan(add, before.astype(row.dtype),
                            (jnp.arange(k), row))
        return row / s

    def choice(pvals, unis, n):
        rows, k = pvals.shape
        draws = unis.reshape(-1, rows)
        p, out = pvals, []
        for c in range(draws.shape[0]):
            cumulative = jnp.cumsum(p.astype('float64'), axis=1)
            above = cumulative > draws[c][:, None]
            m = jnp.argmax(above, axis=1)
            out.append(m)
            if c < draws.shape[0] - 1 and not replace:
                at_m = jnp.take_along_axis(p, m[:, None], 1)[:, 0]
                before = jnp.take_along_axis(cumulative, m[:, None], 1)[
                    :, 0] - at_m.astype('float64')
                p = jax.vmap(renormalise)(p, m, before)
        return jnp.stack(out, axis=1).astype(dtype)
    return choice


def _register_jax():
    from pytensor.link.jax.dispatch import jax_funcify
    jax_funcify.register(MultinomialFromUniform)(_jax_multinomial)
    jax_funcify.register(ChoiceFromUniform)(_jax_choice)


linkers.register('jax', _register_jax)


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
