"""What every kernel of ``da_tutorial.ops`` shares, on either engine: its C
code read from the ``.c``/``.h`` files beside it, the compile cache's
version of that code, and the one way a kernel registers a graph rewrite.

The kernels name their engine (``da_tutorial.engine.ENGINE``) when they
register; this module imports no engine itself, because the MRG stream's
Op (``mrg_pytensor``), which uses it, is imported by ``engine.py``.
"""
import functools
import hashlib
import os

# the rewrites of the training steps' mode (``compile_mode.fast_mode``):
# ``optimizer_excluding=dA_fast`` in the engine's flags turns them off
FAST_TAG = 'dA_fast'

_FOLDER = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=None)
def _read(name):
    """The text of this folder's file ``name``."""
    with open(os.path.join(_FOLDER, name), encoding='utf-8') as f:
        return f.read()


def c_source(*names):
    """The text of the C files ``names`` of this folder (``xent.h``,
    ``cost.c`` ...), one after the other, read once a process: an Op's
    ``c_support_code``, as PyTensor's own Ops read theirs.

    :type names: str
    :param names: file names, in the order the code needs them
    """
    return '\n'.join(_read(name) for name in names)


def source_hash(*texts):
    """A short hash of source text, for an Op's ``c_code_cache_version``
    (its C code's: the files' and the per-node glue's) or Numba's cache
    key.  The engine reuses a compiled module whose version matches, so
    any change to the code must change it.

    :type texts: str
    :param texts: the code, and the Python text that writes the rest
    """
    return hashlib.sha256(''.join(texts).encode()).hexdigest()[:16]


def register_rewrite(engine, name, tracks, position, *tags, **options):
    """Decorator: ``rewrite(fgraph, node)``, a rewrite of the nodes of the
    Ops ``tracks`` (it returns their replacements, or False), run on the
    graph from its inputs to its outputs and registered in the engine's
    optimizer database as ``name``, at ``position``, with ``tags``.
    Returns the engine's node rewriter.

    :type engine: str
    :param engine: 'theano' or 'pytensor' (``engine.ENGINE``)

    :type tracks: list
    :param tracks: Op classes (or instances) whose nodes it rewrites

    :type position: float
    :param position: where in the database's sequence it runs (the
                     engines' own phases: 0 merge, 1 canonicalize, 1.7 the
                     BLAS calls, 49 fusion, 50 to 75 the in-place rewrites)

    :type options: dict
    :param options: ``inplace=True``: the rewrite makes an Op destroy its
                    input (the engine then checks the graph allows it);
                    any other: the engine's ``in2out`` (``ignore_newtrees``)
    """
    inplace = options.pop('inplace', False)

    def register(rewrite):
        if engine == 'theano':
            from theano.compile import optdb
            from theano.gof.opt import in2out, local_optimizer

            @functools.wraps(rewrite)
            def theano_rewrite(node):      # (Theano's node knows its graph)
                return rewrite(node.fgraph, node)
            rewriter = local_optimizer(tracks, inplace=inplace)(
                theano_rewrite)
            optdb.register(name, in2out(rewriter, **options), position,
                           *tags)
        else:
            from pytensor.compile import optdb
            from pytensor.graph.rewriting.basic import in2out, node_rewriter
            rewriter = node_rewriter(tracks, inplace=inplace)(rewrite)
            optdb.register(name, in2out(rewriter, **options), *tags,
                           position=position)
        return rewriter
    return register
