"""``theano.sandbox``: ``rng_mrg`` (the MRG stream) and ``multinomial``
(its Ops); the rest of Theano's sandbox had no users outside it."""
from .._compat import face_names

# the rest of Theano's names here: refused with a reason (_table)
__getattr__, __dir__ = face_names(globals())
