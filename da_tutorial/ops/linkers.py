"""The project's Ops in PyTensor's JAX and Numba modes, given to PyTensor
only when that mode first compiles a graph.

PyTensor's JAX and Numba linkers find an Op's function through their
``funcify`` registries, whose modules import JAX and Numba.  Registering
there at import would import JAX or Numba in every process that imports
the engine (and JAX's import draws from NumPy's global generator),
although Theano's own import touched neither.  So ``register`` only notes
the registration, and a rewrite tagged with the mode's name (which
PyTensor runs in that mode only, before its linker) makes the pending
ones the first time it runs.

PyTensor only: imported once PyTensor is (by ``mrg_pytensor``, the Theano
face, ``jax_slices``).
"""
from pytensor.compile import optdb
from pytensor.graph.rewriting.basic import GraphRewriter

_pending = {'jax': [], 'numba': []}


def register(mode, registration):
    """Call ``registration()`` (which imports the mode's dispatch and
    registers there) when ``mode`` first compiles.

    :type mode: str
    :param mode: 'jax' or 'numba'

    :type registration: callable
    :param registration: called without arguments, once
    """
    _pending[mode].append(registration)


class RegisterPending(GraphRewriter):
    """Makes the pending registrations of one mode; changes no graph.

    :type mode: str
    :param mode: 'jax' or 'numba'
    """

    def __init__(self, mode):
        self.mode = mode

    def apply(self, fgraph):
        while _pending[self.mode]:
            _pending[self.mode].pop()()


for _mode in _pending:
    if 'dA_register_%s_functions' % _mode not in optdb.__db__:
        optdb.register('dA_register_%s_functions' % _mode,
                       RegisterPending(_mode), _mode, position=0.01)
