"""``import theano`` where no Theano can run: Theano 1.0.5's names over
PyTensor, its successor.

On Python 3.12 and later Theano 1.0.5 cannot be installed, yet every
script of the tutorial series starts with ``import theano`` and
``import theano.tensor as T``.  Where no real Theano is installed and
PyTensor is, ``import_hook.TheanoImportHook`` loads this package as
``theano`` (a real Theano is never shadowed).  It gives the names the
tutorials use, with Theano's meaning where PyTensor changed it:

* ``function`` takes ``theano.In(x, value=...)`` defaults (PyTensor 3
  refuses them), and ``givens``, ``updates``, ``mode`` as Theano did;
* ``shared``, ``scan`` (with its updates), ``grad``, ``config`` (with
  ``config.floatX``, ``config.device``, ``config.blas.ldflags``);
* ``theano.tensor`` (``T``): PyTensor's tensor module, ``TensorType(dtype,
  broadcastable)``, and ``T.nnet`` (``sigmoid``, a row-wise ``softmax``,
  ...); ``theano.tensor.shared_randomstreams.RandomStreams``;
* ``theano.sandbox.rng_mrg.MRG_RandomStreams``: the project's MRG31k3p
  stream, which draws Theano's own numbers;
* a variable is truthy, as in Theano (the tutorials' RBM starts with
  ``if not input:``); only comparison results refuse ``bool()``.

``THEANO_FLAGS`` and ``.theanorc`` apply (``theano_setup``), below
``PYTENSOR_FLAGS``.  A Theano name with no PyTensor counterpart raises an
AttributeError that says so.  ``theano.__version__`` names PyTensor.
"""

from da_tutorial import theano_setup

pytensor = theano_setup.import_pytensor()   # the project's defaults
import pytensor.tensor  # noqa: E402
from pytensor import config as _config
from pytensor import function as _function
from pytensor.compile.io import In as _PyTensorIn
from pytensor.compile.io import Out  # noqa: F401
from pytensor.compile.mode import Mode, get_mode  # noqa: F401
from pytensor.compile.sharedvalue import shared  # noqa: F401
from pytensor.gradient import grad  # noqa: F401
from pytensor.graph.basic import Apply, Constant, Variable  # noqa: F401
from pytensor.graph.op import Op  # noqa: F401
from pytensor.scan.basic import scan as _scan
from pytensor.tensor.variable import _tensor_py_operators

from da_tutorial import jax_slices  # noqa: F401  (givens slices in JAX)
from da_tutorial.theano_face import _compat

__version__ = '1.0.5+pytensor.%s' % pytensor.__version__
# what scripts print to say which engine they run on
ENGINE = 'PyTensor %s under the dA tutorial\'s Theano face' % \
    pytensor.__version__

_compat.theano_truthiness(_tensor_py_operators)


class _Config(object):
    """``theano.config`` over ``pytensor.config``: Theano's dotted names
    (``config.blas.ldflags``) and ``device`` ('cpu', or the GPU JAX runs
    on)."""

    def __init__(self, prefix=''):
        object.__setattr__(self, '_prefix', prefix)

    def _name(self, name):
        return self._prefix + name

    def __getattr__(self, name):
        full = self._name(name)
        if full == 'device':
            return _compat.device()
        if hasattr(_config, full):
            return getattr(_config, full)
        if any(key.startswith(full + '__') for key in
               _config._config_var_dict):
            return _Config(full + '__')
        raise AttributeError(
            'theano.config.%s has no counterpart in PyTensor (this is '
            'PyTensor %s under the dA tutorial\'s Theano face)'
            % (full.replace('__', '.'), pytensor.__version__))

    def __setattr__(self, name, value):
        setattr(_config, self._name(name), value)


config = _Config()


class In(object):
    """``theano.In``: an input of ``theano.function``, with Theano's
    ``value=`` default (which PyTensor 3 no longer takes).

    :type variable: Variable
    :param variable: the symbolic input

    :type name: str or None
    :param name: its keyword in calls (the variable's name by default)

    :type value: any
    :param value: the value used when a call leaves it out
    """

    def __init__(self, variable, name=None, value=None, **kwargs):
        self.variable, self.value, self.kwargs = variable, value, kwargs
        self.name = name if name is not None else variable.name


def function(inputs, outputs=None, mode=None, updates=None, givens=None,
             no_default_updates=False, accept_inplace=False, name=None,
             rebuild_strict=True, allow_input_downcast=None, profile=None,
             on_unused_input=None):
    """``theano.function``, compiled by PyTensor: the same arguments, and
    ``In`` inputs with defaults.  See ``pytensor.function``."""
    _compat.check_device()
    specs, defaults = [], []
    for i, item in enumerate(inputs):
        if isinstance(item, In):
            specs.append(_PyTensorIn(item.variable, name=item.name,
                                     **item.kwargs))
            if item.value is not None:
                defaults.append((i, item.name, item.value))
        else:
            specs.append(item)
    compiled = _function(
        specs, outputs, mode=mode, updates=updates, givens=givens,
        no_default_updates=no_default_updates,
        accept_inplace=accept_inplace, name=name,
        rebuild_strict=rebuild_strict,
        allow_input_downcast=allow_input_downcast, profile=profile,
        on_unused_input=on_unused_input)
    if not defaults:
        return compiled
    return _compat.WithDefaults(compiled, defaults)


def scan(fn, sequences=None, outputs_info=None, non_sequences=None,
         n_steps=None, truncate_gradient=-1, go_backwards=False, mode=None,
         name=None, profile=False, allow_gc=None, strict=False,
         return_list=False):
    """``theano.scan``: returns ``(outputs, updates)``, as Theano's did.
    See ``pytensor.scan``."""
    return _scan(fn, sequences=sequences, outputs_info=outputs_info,
                 non_sequences=non_sequences, n_steps=n_steps,
                 truncate_gradient=truncate_gradient,
                 go_backwards=go_backwards, mode=mode, name=name,
                 profile=profile, allow_gc=allow_gc, strict=strict,
                 return_list=return_list, return_updates=True)


def __getattr__(name):
    """Other names: PyTensor's, where it has them."""
    return _compat.forward(pytensor, 'theano', name)


import theano.tensor  # noqa: E402  (theano.tensor, as in Theano)
_compat.install_alias_finder()
