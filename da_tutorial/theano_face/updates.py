"""``theano.updates.OrderedUpdates``: the (shared variable, new value)
mapping that ``theano.scan`` returns and ``theano.function`` takes."""
import collections

from pytensor.compile.sharedvalue import SharedVariable


class OrderedUpdates(collections.OrderedDict):
    """An ordered dict from shared variables to their new values; ``+``
    joins two of them, and updating with a key already present with
    another value is an error (``KeyError('Collision', key)``), as in
    Theano."""

    def __init__(self, *args, **kwargs):
        super(OrderedUpdates, self).__init__(*args, **kwargs)
        for key in self:
            if not isinstance(key, SharedVariable):
                raise TypeError('OrderedUpdates keys must inherit from '
                                'SharedVariable', key)

    def __setitem__(self, key, value):
        if not isinstance(key, SharedVariable):
            raise TypeError('OrderedUpdates keys must inherit from '
                            'SharedVariable', key)
        return super(OrderedUpdates, self).__setitem__(key, value)

    def update(self, other=None):
        """Add ``other``'s updates; a key present with another value is a
        collision."""
        if other is None:
            return
        for key, value in collections.OrderedDict(other).items():
            if key in self:
                if self[key] == value:
                    continue
                raise KeyError('Collision', key)
            self[key] = value

    def __add__(self, other):
        joined = OrderedUpdates()
        joined.update(self)
        joined.update(other)
        return joined

    def __radd__(self, other):
        joined = OrderedUpdates()
        joined.update(other)
        joined.update(self)
        return joined
