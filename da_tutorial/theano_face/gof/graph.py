"""``theano.gof.graph``: walking a graph (``inputs``, ``ancestors``,
``variables``, ``ops``, ``io_toposort`` ...), over PyTensor's
``pytensor.graph.basic`` and ``pytensor.graph.traversal``, which renamed
some of them and return generators where Theano returned lists."""
from pytensor.graph import traversal

from .._compat import face_names


def inputs(variable_list, blockers=None):
    """The graph's inputs: the variables without owner (or in
    ``blockers``) that ``variable_list`` depends on."""
    return list(traversal.graph_inputs(variable_list, blockers))


def variables(i, o):
    """The variables between the inputs ``i`` and the outputs ``o``."""
    return list(traversal.vars_between(i, o))


def ops(i, o):
    """The Apply nodes between the inputs ``i`` and the outputs ``o``."""
    return list(traversal.applys_between(i, o))


def orphans(i, o):
    """The variables ``o`` depends on that are neither in ``i`` nor
    computed from it."""
    return list(traversal.orphans_between(i, o))


def variables_and_orphans(i, o):
    """``(variables(i, o), orphans(i, o))``."""
    return variables(i, o), orphans(i, o)


def list_of_nodes(inputs, outputs):
    """The Apply nodes on the paths from ``inputs`` to ``outputs``."""
    return ops(inputs, outputs)


def is_in_ancestors(l_node, f_node):
    """True when the Apply ``f_node`` is ``l_node`` or one it depends
    on."""
    return traversal.apply_depends_on(l_node, f_node)


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
