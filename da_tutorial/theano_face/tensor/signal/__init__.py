"""``theano.tensor.signal``: ``pool`` (``pool_2d`` ...); Theano's older
``signal.conv`` is PyTensor's ``signal.conv``."""
from ..._compat import face_names

# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
