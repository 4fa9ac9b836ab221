"""What the Theano face needs to keep Theano's meaning over PyTensor:
truthy variables, ``In`` defaults, the device, and one clear error for a
name PyTensor lacks."""
import importlib
import importlib.abc
import importlib.util
import sys

from da_tutorial import theano_setup


def forward(module, face_name, name):
    """Return ``module.name`` (PyTensor's), or raise AttributeError saying
    that Theano's ``face_name.name`` has no counterpart in PyTensor."""
    if name.startswith('__'):
        raise AttributeError(name)
    try:
        return getattr(module, name)
    except AttributeError:
        pass
    try:     # a submodule of PyTensor's, not imported yet
        return importlib.import_module(module.__name__ + '.' + name)
    except ImportError:
        pass
    import pytensor
    raise AttributeError(
        '%s.%s has no counterpart in PyTensor, which runs Theano\'s names '
        'here (PyTensor %s under the dA tutorial\'s Theano face, since '
        'Theano 1.0.5 needs Python 3.11 or older)'
        % (face_name, name, pytensor.__version__))


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


def device():
    """Theano's ``config.device``: 'cpu', or 'cuda' where PyTensor runs on
    a GPU through JAX."""
    from da_tutorial.engine import jax_mode
    if jax_mode():
        import jax
        if jax.default_backend() == 'gpu':
            return 'cuda'
    return 'cpu'


def check_device():
    """Raise the project's DeviceError where ``device=cuda`` was asked for
    and no GPU can run it (before anything is compiled)."""
    if theano_setup.PYTENSOR_GPU_ERRORS:
        from da_tutorial.engine import check_device
        check_device()


class WithDefaults(object):
    """A compiled function whose ``In`` inputs have defaults: a call may
    leave them out, by position or by name (Theano's ``value=``)."""

    def __init__(self, compiled, defaults):
        self.compiled = compiled
        self.defaults = defaults      # [(position, name, value)]

    def __call__(self, *args, **kwargs):
        for position, name, value in self.defaults:
            if position >= len(args) and name not in kwargs:
                kwargs[name] = value
        return self.compiled(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.compiled, name)


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import theano.X`` for the modules the face does not write itself:
    PyTensor's ``pytensor.X``, the same module object under both names
    (``theano.printing``, ``theano.ifelse``, ``theano.gradient`` ...)."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith('theano.') or \
                getattr(sys.modules.get('theano'), '__version__', '').find(
                    '+pytensor') < 0:
            return None
        target_name = 'pytensor.' + fullname[len('theano.'):]
        try:
            found = importlib.util.find_spec(target_name)
        except ImportError:
            return None
        if found is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return importlib.import_module('pytensor.' + spec.name[7:])

    def exec_module(self, module):
        pass


def install_alias_finder():
    """Put ``AliasFinder`` last on ``sys.meta_path`` (the face's own files
    come first), once."""
    if not any(isinstance(f, AliasFinder) for f in sys.meta_path):
        sys.meta_path.append(AliasFinder())
