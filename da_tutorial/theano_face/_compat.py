"""The face's plumbing: where each Theano name is found over PyTensor
(``lookup``, after ``_table``), the refusal of a name with no meaning
today, Theano's truthy variables, the device, ``In`` defaults, and the
finder that makes ``import theano.X`` work for every module of the table.
"""
import functools
import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

from da_tutorial import flags, pytensor_flags
from ._table import (COMMON, MODULE_ALIASES, MODULES, NO_SOURCES, PACKAGES,
                     refusal_reason)


class Refused(AttributeError):
    """A Theano 1.0.5 name with no sensible meaning on PyTensor (the old
    GPU back end's internals, MPI, Theano's own graph rewrites ...).  The
    message says what to use instead.  An AttributeError, so that
    ``hasattr`` and ``getattr(module, name, default)`` work as on a
    Theano that lacks the name."""


class RefusedImport(ImportError):
    """``import theano.X`` of a Theano module with no meaning on PyTensor;
    the message says what to use instead."""


def _pytensor_version():
    import pytensor
    return pytensor.__version__


def refusal(theano_name, name):
    """The Refused error of ``theano_name.name``, or None when the table
    does not refuse it."""
    reason = refusal_reason(theano_name, name)
    if reason is None:
        return None
    return Refused('%s.%s is not available in the dA tutorial\'s Theano '
                   'face over PyTensor %s: %s'
                   % (theano_name, name, _pytensor_version(), reason))


def _submodule(submodule, name):
    """The module ``submodule`` (the face's or PyTensor's), else the one
    ``MODULE_ALIASES`` names for ``name``, else None."""
    try:
        return importlib.import_module(submodule)
    except ModuleNotFoundError as e:
        if e.name != submodule:
            raise
    if name in MODULE_ALIASES:
        return importlib.import_module(MODULE_ALIASES[name])
    return None


def lookup(theano_name, name):
    """Theano's ``theano_name.name`` on PyTensor: refused, or the table's
    rename, else the first of the module's sources that has the name, else
    its submodule (a face module or PyTensor's).

    :raises Refused: where the table refuses the name
    :raises AttributeError: where nothing has it
    """
    entry = MODULES.get(theano_name, NO_SOURCES)
    error = refusal(theano_name, name)
    if error is not None:
        raise error
    target = entry.renamed.get(name) or COMMON.get(name)
    if target is not None:
        module, _, attr = target.partition(':')
        return getattr(importlib.import_module(module), attr) if attr \
            else importlib.import_module(module)
    submodule = theano_name + '.' + name
    if submodule in MODULES:     # the face's module (theano.ifelse)
        return importlib.import_module(submodule)
    with warnings.catch_warnings():
        # (a name PyTensor moved warns; Theano's is this one)
        warnings.simplefilter('ignore', FutureWarning)
        for source in entry.sources:
            module = importlib.import_module(source)
            try:
                value = getattr(module, name)
            except Refused as e:
                # the same object as that module's: refused here too
                raise Refused(str(e).replace(source + '.' + name, submodule,
                                             1))
            except AttributeError:
                continue
            if isinstance(value, types.ModuleType):
                # a module: the face's, where it has one
                return _submodule(submodule, name) or value
            return value
    module = _submodule(submodule, name)
    if module is not None:
        return module
    raise AttributeError(
        "%s.%s has no counterpart in PyTensor, which runs Theano's names "
        'here (PyTensor %s under the dA tutorial\'s Theano face, since '
        'Theano 1.0.5 needs Python 3.11 or older)'
        % (theano_name, name, _pytensor_version()))


def face_names(namespace):
    """A face module's ``__getattr__`` and ``__dir__`` (PEP 562): Theano's
    other names of the module whose globals are ``namespace`` (``lookup``;
    what it finds is kept in the module, so each name is looked up once),
    and its own names with its sources'."""
    theano_name = namespace['__name__']
    entry = MODULES.get(theano_name, NO_SOURCES)

    missing = {}

    def __getattr__(name):
        if name.startswith('__'):
            raise AttributeError(name)
        if name in missing:       # (hasattr in a loop asks again)
            raise AttributeError(missing[name])
        try:
            value = lookup(theano_name, name)
        except Refused:
            raise
        except AttributeError as e:
            missing[name] = str(e)
            raise
        namespace[name] = value
        return value

    def __dir__():
        names = set(namespace) | set(entry.renamed)
        for source in entry.sources:
            names.update(dir(importlib.import_module(source)))
        return sorted(names)
    return __getattr__, __dir__


def _pytensor_module(theano_name):
    """``pytensor.X`` for ``theano.X`` where PyTensor has that module, else
    None (without importing it)."""
    target = 'pytensor' + theano_name[len('theano'):]
    try:
        return target if importlib.util.find_spec(target) else None
    except ImportError:
        return None


def theano_truthiness(operators):
    """Make tensor variables truthy, as Theano's are; only the results of
    ``<``, ``<=``, ``>`` and ``>=`` refuse ``bool()`` (Theano's rule, so
    that ``a < b < c`` is an error).  PyTensor refuses every variable."""
    if getattr(operators, '_theano_truthiness', False):
        return

    def __bool__(self):
        if getattr(self, '_theano_comparison', False):
            raise TypeError('Variables do not support boolean operations.')
        return True

    def marking(compare):
        def compare_and_mark(self, other):
            result = compare(self, other)
            try:
                result._theano_comparison = True
            except AttributeError:
                pass
            return result
        return compare_and_mark

    for name in ('__lt__', '__le__', '__gt__', '__ge__'):
        setattr(operators, name, marking(getattr(operators, name)))
    operators.__bool__ = __bool__
    operators._theano_truthiness = True


def theano_variable_members(operators):
    """Give variables the members Theano's had and PyTensor's lack:
    ``get_scalar_constant_value()``, ``choose(choices, out, mode)`` and
    the construction observers (called with each new variable)."""
    from pytensor.graph.basic import Variable
    if getattr(Variable, 'construction_observers', None) is not None:
        return

    def get_scalar_constant_value(self):
        import theano.tensor
        return theano.tensor.get_scalar_constant_value(self)

    def choose(self, choices, out=None, mode='raise'):
        import theano.tensor
        return theano.tensor.choose(self, choices, out=out, mode=mode)

    def append_construction_observer(cls, observer):
        cls.construction_observers.append(observer)

    def remove_construction_observer(cls, observer):
        cls.construction_observers.remove(observer)

    def notify_construction_observers(cls, instance):
        for observer in cls.construction_observers:
            observer(instance)

    operators.get_scalar_constant_value = get_scalar_constant_value
    operators.choose = choose
    Variable.construction_observers = []
    Variable.append_construction_observer = classmethod(
        append_construction_observer)
    Variable.remove_construction_observer = classmethod(
        remove_construction_observer)
    Variable.notify_construction_observers = classmethod(
        notify_construction_observers)
    init = Variable.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if Variable.construction_observers:
            Variable.notify_construction_observers(self)
    Variable.__init__ = __init__


def theano_constant_strings():
    """Print constants as Theano printed them: ``TensorConstant{2}``,
    ``TensorConstant{(3,) of 0.0}``, ``Constant{1}`` (PyTensor prints the
    bare value; ``theano.pp`` and ``debugprint`` show these)."""
    import numpy
    from pytensor.scalar.basic import ScalarConstant
    from pytensor.tensor.variable import TensorConstant
    if getattr(TensorConstant, '_theano_str', False):
        return

    def short(name, dots):
        return name[:10] + dots + name[-10:] if len(name) > 20 else name

    def tensor_constant_str(self):
        flat = numpy.asarray(self.data).ravel()
        if numpy.ndim(self.data) > 0 and flat.size and (flat == flat[0]).all():
            name = '%s of %s' % (numpy.shape(self.data), flat[0])
        else:
            name = '%s' % self.data
        return 'TensorConstant{%s}' % short(name, '..')

    def scalar_constant_str(self):
        if self.name is not None:
            return self.name
        return 'Constant{%s}' % short(str(self.data), '...')

    TensorConstant.__str__ = tensor_constant_str
    ScalarConstant.__str__ = scalar_constant_str
    TensorConstant._theano_str = True


_TEST_VALUES_PAUSED = [0]


class test_values_paused:
    """Within it no test values are computed: the graphs PyTensor builds
    for itself (an Op's inner graph, a scan step, a compilation's
    rewrites) have placeholders without test values, which Theano's
    code never met."""

    def __enter__(self):
        _TEST_VALUES_PAUSED[0] += 1

    def __exit__(self, *exc):
        _TEST_VALUES_PAUSED[0] -= 1


def theano_test_values():
    """Theano's test values: where ``config.compute_test_value`` is not
    'off', each Op applied to variables with test values
    (``x.tag.test_value``; a constant's data, a shared variable's value)
    computes its outputs' test values at once, with its Python code, so
    that a wrong shape shows where the graph is built ('raise' and 'pdb':
    an input without a test value is an error; 'warn': a warning;
    'ignore': skipped).  PyTensor dropped them."""
    from pytensor.compile import builders
    from pytensor.graph.op import Op
    if getattr(Op, '_theano_test_values', False):
        return
    call = Op.__call__

    depth = [0]

    def __call__(self, *inputs, **kwargs):
        if _TEST_VALUES_PAUSED[0]:
            return call(self, *inputs, **kwargs)
        depth[0] += 1
        try:
            out = call(self, *inputs, **kwargs)
        finally:
            depth[0] -= 1
        import theano
        mode = theano.config.compute_test_value
        if mode != 'off':
            first = out[0] if isinstance(out, (list, tuple)) else out
            if getattr(first, 'owner', None) is not None:
                # the Ops an Op applies while building its node (an
                # ExpandDims to broadcast) get values where they can
                compute_test_values(first.owner,
                                    'ignore' if depth[0] else mode)
        return out
    Op.__call__ = __call__
    Op._theano_test_values = True
    for cls in (builders.OpFromGraph, getattr(builders, 'SymbolicOp', None)):
        if cls is not None:
            cls.__init__ = _paused(cls.__init__)


def _paused(method):
    """``method``, run with test values paused."""
    @functools.wraps(method)
    def paused(*args, **kwargs):
        with test_values_paused():
            return method(*args, **kwargs)
    return paused


def get_test_value(var):
    """A variable's test value: a constant's data, a shared variable's
    value, else ``var.tag.test_value`` (AttributeError without one)."""
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.basic import Constant
    if isinstance(var, Constant):
        return var.data
    if isinstance(var, SharedVariable):
        return var.get_value(borrow=True, return_internal_type=True)
    return var.tag.test_value


def compute_test_values(node, mode):
    """Give ``node``'s outputs their test values (see
    ``theano_test_values``)."""
    import copy
    from pytensor.tensor.type import TensorType
    storage = {}
    for i, var in enumerate(node.inputs):
        try:
            storage[var] = [get_test_value(var)]
        except AttributeError:
            if not isinstance(var.type, TensorType):
                # a scalar graph inside an Elemwise's gradient
                return
            message = ('Cannot compute test value: input %i (%s) of Op %s '
                       'missing default value' % (i, var, node))
            if mode in ('raise', 'pdb'):
                raise ValueError(message) from None
            if mode == 'warn':
                warnings.warn(message, stacklevel=4)
            return
    for i in set(i for ins in getattr(node.op, 'destroy_map', {}).values()
                 for i in ins):
        var = node.inputs[i]
        storage[var] = [copy.copy(storage[var][0])]
    for var in node.outputs:
        storage[var] = [None]
    compute = {var: [var in node.inputs] for var in storage}
    node.op.make_thunk(node, storage, compute, [], impl='py')()
    for var in node.outputs:
        var.tag.test_value = storage[var][0]


# PyTensor's deprecation warnings about what is Theano 1.0.5's own API
# (an Op's ``grad``, ``as_op`` ...): the face's users write Theano's API
PYTENSOR_DEPRECATIONS = (
    r'.* should implement `pullback` instead of `L_op`/`grad`',
    r'pytensor\.as_op is deprecated', r'pytensor\.tensor\.xlogx\.xlogy0 is',
    r'pytensor\.sparse\.mul is deprecated', r'sgn is deprecated',
    r'`pytensor\.graph\.basic\.\w+` was moved to')


def quiet_pytensor_deprecations():
    """Silence ``PYTENSOR_DEPRECATIONS`` in this process (it imported the
    face)."""
    for message in PYTENSOR_DEPRECATIONS:
        warnings.filterwarnings('ignore', message=message)


def device():
    """Theano's ``config.device``: 'cpu', or 'cuda' where PyTensor runs on
    a GPU through JAX (``engine.device``, in Theano's words)."""
    from da_tutorial import engine
    # (where engine.ENGINE is 'theano', it is this face, on the CPU)
    return 'cuda' if engine.ENGINE == 'pytensor' and \
        engine.device() == 'jax-gpu' else 'cpu'


def check_device():
    """Raise the project's DeviceError where ``device=cuda`` was asked for
    and no GPU can run it (before anything is compiled)."""
    if pytensor_flags.TRANSLATION.gpu_error is not None:
        from da_tutorial.engine import check_device
        check_device()


class FaceFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import theano.X`` for the modules the face has no file of: a
    module made from the table (``MODULES``: Theano's names over
    its PyTensor sources), else PyTensor's ``pytensor.X`` itself, under
    both names (``theano.scalar`` ...); a module the table refuses raises
    ``RefusedImport``, saying what to use instead."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith('theano.') or \
                '+pytensor' not in getattr(sys.modules.get('theano'),
                                           '__version__', ''):
            return None
        parent, _, name = fullname.rpartition('.')
        error = refusal(parent, name)
        if error is not None:
            raise RefusedImport(str(error), name=fullname)
        if fullname not in MODULES and \
                _pytensor_module(fullname) is None:
            return None
        return importlib.util.spec_from_loader(
            fullname, self, is_package=fullname in PACKAGES)

    def create_module(self, spec):
        if spec.name in MODULES:
            return None          # a new module, filled by exec_module
        return importlib.import_module(_pytensor_module(spec.name))

    def exec_module(self, module):
        if module.__name__ not in MODULES:
            return               # PyTensor's module, as it is
        namespace = vars(module)
        namespace['__getattr__'], namespace['__dir__'] = face_names(namespace)
        if module.__name__ in PACKAGES:
            module.__path__ = []


def install_face_finder():
    """Put ``FaceFinder`` last on ``sys.meta_path`` (the face's own files
    come first), once."""
    if not any(isinstance(f, FaceFinder) for f in sys.meta_path):
        sys.meta_path.append(FaceFinder())


def theano_default_linker():
    """Theano compiled with its C back end unless told otherwise: so does
    the face, where the user set no ``mode`` or ``linker`` (in
    ``THEANO_FLAGS``, ``PYTENSOR_FLAGS`` or their rc files).  PyTensor's
    own default, Numba, takes about a second to compile each function
    (the tutorials compile dozens)."""
    import pytensor
    if any(flags.user_setting(name, engine='pytensor')
           for name in ('mode', 'linker')):
        return
    if pytensor.config.mode == 'Mode':
        pytensor.config.linker = 'cvm'
