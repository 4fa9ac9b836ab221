"""``theano.gof``: Theano's graph machinery (``Op``, ``Apply``,
``Variable``, ``Type``, ``FunctionGraph``, the linkers and rewriters), all
PyTensor's (``pytensor.graph``, ``pytensor.link``); its submodules
(``theano.gof.graph``, ``.opt``, ``.utils`` ...) likewise."""
from .._compat import face_names


class object2(object):
    """Theano's base class with ``!=`` defined from ``==``."""
    __slots__ = []

    def __ne__(self, other):
        return not self == other


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
