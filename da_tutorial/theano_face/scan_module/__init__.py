"""``theano.scan`` and its views (``map``, ``reduce``, ``foldl``,
``foldr``, ``scan_checkpoints``) over PyTensor's scan, with Theano's
meaning:

* each returns ``(outputs, updates)``, the updates an ``OrderedUpdates``;
* every shared variable with a default update that the step's graph
  reaches is updated at every step, as Theano did.  So a random variable
  drawn outside the loop but used inside its step is drawn anew at each
  step (PyTensor updates only the generators created inside the step, so
  there the same draw would be reused at every step).
"""
import warnings

from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.replace import clone_replace
from pytensor.graph.traversal import graph_inputs
from pytensor.scan.basic import get_updates_and_outputs
from pytensor.scan.basic import scan as _scan
from pytensor.scan.checkpoints import scan_checkpoints as _checkpoints
from pytensor.scan.utils import until  # noqa: F401

from .._compat import face_names, test_values_paused
from ..updates import OrderedUpdates


def _updating_every_step(fn):
    """``fn``, whose step also returns the default update of every shared
    variable its graph reaches (Theano's rule: random generators
    advance at every step)."""
    def step(*args):
        with test_values_paused():  # the step's inputs have none
            condition, outputs, updates = get_updates_and_outputs(fn(*args))
        roots = outputs + list(updates.values()) + (
            [condition] if condition is not None else [])
        for var in graph_inputs(roots):
            if isinstance(var, SharedVariable) and var not in updates and \
                    getattr(var, 'default_update', None) is not None:
                updates[var] = var.default_update
        result = (outputs, updates)
        return result + (until(condition),) if condition is not None \
            else result
    return step


def _theano_result(outputs, updates):
    """``(outputs, updates)`` as Theano returned them."""
    return outputs, OrderedUpdates(updates)


def scan(fn, sequences=None, outputs_info=None, non_sequences=None,
         n_steps=None, truncate_gradient=-1, go_backwards=False, mode=None,
         name=None, profile=False, allow_gc=None, strict=False,
         return_list=False):
    """``theano.scan``: a loop; returns ``(outputs, updates)``.  See
    ``pytensor.scan`` for the arguments."""
    with warnings.catch_warnings():
        # PyTensor plans to stop returning the updates; Theano returns them
        warnings.simplefilter('ignore', DeprecationWarning)
        return _theano_result(*_scan(
            _updating_every_step(fn), sequences=sequences,
            outputs_info=outputs_info, non_sequences=non_sequences,
            n_steps=n_steps, truncate_gradient=truncate_gradient,
            go_backwards=go_backwards, mode=mode, name=name,
            profile=profile, allow_gc=allow_gc, strict=strict,
            return_list=return_list, return_updates=True))


def map(fn, sequences, non_sequences=None, truncate_gradient=-1,
        go_backwards=False, mode=None, name=None):
    """``fn`` applied to each element of ``sequences``."""
    return scan(fn, sequences=sequences, outputs_info=[],
                non_sequences=non_sequences,
                truncate_gradient=truncate_gradient,
                go_backwards=go_backwards, mode=mode, name=name)


def reduce(fn, sequences, outputs_info, non_sequences=None,
           go_backwards=False, mode=None, name=None):
    """The last of ``scan``'s outputs: ``fn`` folded over ``sequences``."""
    outputs, updates = scan(fn, sequences=sequences,
                            outputs_info=outputs_info,
                            non_sequences=non_sequences,
                            go_backwards=go_backwards, mode=mode, name=name)
    if isinstance(outputs, (list, tuple)):
        return [x[-1] for x in outputs], updates
    return outputs[-1], updates


def foldl(fn, sequences, outputs_info, non_sequences=None, mode=None,
          name=None):
    """``reduce`` from the first element to the last."""
    return reduce(fn, sequences, outputs_info, non_sequences=non_sequences,
                  go_backwards=False, mode=mode, name=name)


def foldr(fn, sequences, outputs_info, non_sequences=None, mode=None,
          name=None):
    """``reduce`` from the last element to the first."""
    return reduce(fn, sequences, outputs_info, non_sequences=non_sequences,
                  go_backwards=True, mode=mode, name=name)


def scan_checkpoints(fn, sequences=[], outputs_info=None, non_sequences=[],
                     name='checkpointscan_fn', n_steps=None, save_every_N=10,
                     padding=True):
    """``scan`` that keeps only every ``save_every_N``-th state for the
    gradient (recomputing the others)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        return _theano_result(*_checkpoints(
            _updating_every_step(fn), sequences=list(sequences),
            outputs_info=outputs_info, non_sequences=list(non_sequences),
            name=name, n_steps=n_steps, save_every_N=save_every_N,
            padding=padding, return_updates=True))


def clone(output, replace=None, strict=True, share_inputs=True,
          copy_inputs=None):
    """``theano.clone``: a copy of the graph of ``output`` with the
    variables of ``replace`` (a dict or pairs) replaced."""
    return clone_replace(output, replace=replace, rebuild_strict=strict,
                         copy_inputs_over=share_inputs)


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
