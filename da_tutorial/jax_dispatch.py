"""JAX versions of the project's Ops, given to PyTensor only when JAX mode
first compiles a graph.

PyTensor's JAX linker finds an Op's JAX function through ``jax_funcify``,
whose module imports JAX.  Registering there at import would import JAX
in every process that imports the engine (and JAX's import draws from
NumPy's global generator), although Theano's own import touched neither.
So ``register`` only notes the pair, and a rewrite tagged ``jax`` (which
PyTensor runs in JAX mode only, before the linker) registers them all
the first time it runs.

Imported once PyTensor is (``engine.py``, the Theano face).
"""
from pytensor.compile import optdb
from pytensor.graph.rewriting.basic import GraphRewriter

_pending = []


def register(op_class, funcify):
    """Give ``op_class`` the JAX function ``funcify(op, node=..., **kw)``
    when JAX mode first compiles."""
    _pending.append((op_class, funcify))


class RegisterJaxFunctions(GraphRewriter):
    """Registers the pending JAX functions; changes no graph."""

    def apply(self, fgraph):
        if _pending:
            from pytensor.link.jax.dispatch import jax_funcify
            while _pending:
                op_class, funcify = _pending.pop()
                jax_funcify.register(op_class)(funcify)


if 'dA_register_jax_functions' not in optdb.__db__:
    optdb.register('dA_register_jax_functions', RegisterJaxFunctions(),
                   'jax', position=0.01)
