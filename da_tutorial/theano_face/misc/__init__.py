"""``theano.misc``: ``pkl_utils`` (Theano's zip format for models) is the
face's; the rest is PyTensor's ``pytensor.misc``."""
from .._compat import face_names

# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
