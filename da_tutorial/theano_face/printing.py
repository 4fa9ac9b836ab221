"""``theano.printing`` over ``pytensor.printing``: ``pp``, ``debugprint``,
``Print``, ``pydotprint`` ... are PyTensor's; constants print as Theano
printed them (``TensorConstant{2}``); the few helpers PyTensor dropped are
here."""
import hashlib
import itertools

from pytensor.graph.basic import Constant, Variable
from pytensor.printing import leaf_printer
from pytensor.printing import pprint as _pprint

from ._compat import face_names

pydot_imported_msg = ''
# Theano's pretty-printer: PyTensor's, with constants as Theano wrote them
# (TensorConstant{2}: str() of a constant here; see _compat)
pprint = pp = _pprint.clone_assign(
    lambda pstate, r: isinstance(r, Constant), leaf_printer)


def debugprint(obj, depth=-1, print_type=False, file=None, ids='CHAR',
               stop_on_name=False, done=None, print_storage=False,
               print_clients=False, used_ids=None):
    """Print the graph of ``obj`` (a variable, an Apply, a function or a
    list of them), one node a line (``print_clients``: Theano's option to
    list each node's clients, which PyTensor does not print)."""
    from pytensor.printing import debugprint as _debugprint
    return _debugprint(obj, depth=depth, print_type=print_type, file=file,
                       id_type=ids, stop_on_name=stop_on_name, done=done,
                       print_storage=print_storage, used_ids=used_ids)


def hex_digest(x):
    """A short hash of a NumPy array, with its strides and shape."""
    return '%s|strides=[%s]|shape=[%s]' % (
        hashlib.sha256(x.tobytes()).hexdigest(),
        ','.join(str(s) for s in x.strides), ','.join(str(s) for s in x.shape))


def position_independent_str(obj):
    """A variable's description without its memory address."""
    if not isinstance(obj, Variable):
        raise NotImplementedError()
    return 'theano_var{type=%s}' % obj.type


def var_descriptor(obj, _prev_obs=None, _tag_generator=None):
    """A string, without newlines or memory addresses, that says fully how
    ``obj`` (a variable or an array) is computed."""
    seen = {} if _prev_obs is None else _prev_obs
    tags = itertools.count() if _tag_generator is None else _tag_generator
    if id(obj) in seen:
        return '<%s>' % seen[id(obj)]
    tag = seen[id(obj)] = 'T%d' % next(tags)
    if hasattr(obj, '__array__') and not isinstance(obj, Variable):
        name = '<ndarray:strides=[%s],digest=%s>' % (
            ','.join(str(s) for s in obj.strides),
            hashlib.sha256(obj).hexdigest())
    elif getattr(obj, 'owner', None) is not None:
        name = '%s(%s)' % (obj.owner.op, ','.join(
            var_descriptor(i, seen, tags) for i in obj.owner.inputs))
    elif getattr(obj, 'name', None) is not None:
        name = obj.name
    else:
        name = position_independent_str(obj)
    return tag + '=' + name


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
