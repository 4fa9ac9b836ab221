"""``theano.sandbox.rng_mrg.MRG_RandomStreams``: the project's MRG31k3p
stream on PyTensor, which draws Theano's own numbers for the same seed
(``da_tutorial.rng_mrg``)."""
from da_tutorial.rng_mrg import MRGRandomStreams


class MRG_RandomStreams(MRGRandomStreams):
    """Theano's ``MRG_RandomStreams``: ``uniform`` and ``binomial`` (n=1),
    Theano's numbers; its other methods have no counterpart here.

    :type seed: int or sequence of 6 int
    :param seed: the generator's starting state (Theano's rules)
    """

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        raise AttributeError(
            'MRG_RandomStreams.%s has no counterpart in the dA tutorial\'s '
            'Theano face over PyTensor: uniform and binomial are there, '
            "with Theano's numbers" % name)
