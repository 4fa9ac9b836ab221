"""``theano.tensor.shared_randomstreams``: Theano's ``RandomStreams``, with
Theano's numbers.  Each draw gets a ``numpy.random.RandomState`` of its
own in a shared variable (``draw.rng``), seeded from the stream's seed as
Theano seeded it, and advanced by each call of a compiled function
(``draw.update``, ``stream.state_updates``)."""
import numpy

from .raw_random import (  # noqa: F401
    RandomStateSharedVariable, RandomStreamsBase, randomstate_constructor)
from .._compat import face_names


class RandomStreams(RandomStreamsBase):
    """Symbolic draws, each from its own ``RandomState``, like
    ``numpy.random``'s functions.

    :type seed: None or int
    :param seed: seeds the draws' generators (each is seeded by a number
                 this seed's generator draws)
    """

    def __init__(self, seed=None):
        super(RandomStreams, self).__init__()
        self.state_updates = []
        self.default_instance_seed = seed
        self.gen_seedgen = numpy.random.RandomState(seed)

    def updates(self):
        """The (generator, its next state) pairs of every draw so far."""
        return list(self.state_updates)

    def seed(self, seed=None):
        """Seed every draw's generator anew from ``seed`` (the stream's own
        seed when None)."""
        if seed is None:
            seed = self.default_instance_seed
        seedgen = numpy.random.RandomState(seed)
        for old_r, new_r in self.state_updates:
            old_r.set_value(numpy.random.RandomState(
                int(seedgen.randint(2 ** 30))), borrow=True)

    def __getitem__(self, item):
        return item.get_value(borrow=True)

    def __setitem__(self, item, val):
        item.set_value(val, borrow=True)

    def gen(self, op, *args, **kwargs):
        """A new draw: ``op(generator, *args, **kwargs)``, whose generator
        is a new shared ``RandomState``, advanced at each call."""
        seed = int(self.gen_seedgen.randint(2 ** 30))
        rng = randomstate_constructor(numpy.random.RandomState(seed))
        rng.tag.is_rng = True
        new_r, out = op(rng, *args, **kwargs)
        out.rng = rng
        out.update = (rng, new_r)
        self.state_updates.append(out.update)
        rng.default_update = new_r
        return out


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
