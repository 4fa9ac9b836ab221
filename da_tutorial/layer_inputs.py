"""A stacked autoencoder's layer inputs computed once: the pretraining
function of layer k reads them from a cache its first call fills, through
layers 0..k-1 (``SdA.pretraining_functions(..., cache_inputs=True)``)."""
import numpy


class FillsFirst(object):
    """A layer's pretraining function reading its inputs from ``cache``,
    which its first call fills: ``below(index)`` for each minibatch (see
    ``SdA.pretraining_functions(..., cache_inputs=True)``).  Anything else
    is the compiled function's (``fn.maker``, ...)."""

    def __init__(self, fn, below, cache, n_batches, layer, fn_below):
        self.fn, self.below, self.cache = fn, below, cache
        self.n_batches, self.layer, self.fn_below = n_batches, layer, fn_below

    def __call__(self, *args, **kwargs):
        if self.below is not None:
            if getattr(self.fn_below, 'below', None) is not None:
                raise RuntimeError(
                    'layer %d: its inputs come through layer %d, whose own '
                    'inputs are computed at its first call; with '
                    'cache_inputs=True, pretrain the layers in order, '
                    'bottom first' % (self.layer, self.layer - 1))
            self.fill()
        return self.fn(*args, **kwargs)

    def fill(self):
        """Compute and keep this layer's inputs now, and first those of
        the layers below that are not kept yet: for a run resumed above
        the bottom layer, whose lower layers are trained."""
        if self.below is None:
            return
        if isinstance(self.fn_below, FillsFirst):
            self.fn_below.fill()
        self.cache.set_value(numpy.concatenate(
            [self.below(numpy.asarray(i, dtype='int64'))
             for i in range(self.n_batches)]), borrow=True)
        self.below = None

    def __getattr__(self, name):
        return getattr(self.fn, name)


def fill_inputs(fn):
    """Fill the inputs of ``fn`` now, if it is a ``FillsFirst`` that has
    not yet (a resumed run: its layers below were trained by an earlier
    process)."""
    if isinstance(fn, FillsFirst):
        fn.fill()
