"""``import theano`` where no Theano can run: Theano 1.0.5's public API
over PyTensor, its successor.

On Python 3.12 and later Theano 1.0.5 cannot be installed, yet every
script of the tutorial series and of Theano's own documentation starts
with ``import theano``.  Where no real Theano is installed and PyTensor
is, ``import_hook.TheanoImportHook`` loads this package as ``theano`` (a
real Theano is never shadowed).

Every public name of Theano 1.0.5's modules (``theano``, ``theano.tensor``
with ``nnet``, ``signal.pool``, ``shared_randomstreams``, ``extra_ops``,
``basic``; ``theano.sandbox.rng_mrg``, ``theano.scan_module``,
``theano.gradient``, ``theano.printing``, ``theano.ifelse``,
``theano.compile``; ``theano.config`` and its sections) is one of:

* forwarded to PyTensor's counterpart, where it behaves the same
  (``_table`` says where each is found);
* implemented here, where PyTensor has none or changed its meaning:
  ``function`` with ``In(x, value=...)`` defaults and NumPy results in JAX
  mode, ``scan`` returning Theano's updates and drawing outer random
  variables anew at each step, ``config`` with Theano's whole tree, the
  MRG and NumPy random streams with Theano's numbers, ``conv2d`` and
  ``pool_2d``, softmax of a vector as a row, ``Rop``/``Lop``, ``pp`` ...;
* refused, for the rare name with no sensible meaning today (the old GPU
  back end's internals, MPI ...): ``_compat.Refused``, an AttributeError
  that says what to use instead.

Importing it does what Theano's import did and no more: NumPy's
floating-point errors are ignored (``config.numpy.seterr_all``); JAX is
not imported unless JAX mode is asked for.  Variables are truthy, as in
Theano (the tutorials' RBM starts with ``if not input:``).
``theano.__version__`` names PyTensor.
"""
import logging
import warnings

from da_tutorial import defaults

pytensor = defaults.import_pytensor()   # the project's defaults
import pytensor.tensor  # noqa: E402
from pytensor.compile.io import In as _PyTensorIn  # noqa: E402
from pytensor.compile.io import Out  # noqa: E402,F401
from pytensor.compile.mode import Mode, get_mode  # noqa: E402,F401
from pytensor.compile.sharedvalue import SharedVariable  # noqa: E402
from pytensor.gradient import grad  # noqa: E402,F401
from pytensor.graph.basic import Apply, Constant, Variable  # noqa: E402,F401
from pytensor.graph.op import Op  # noqa: E402,F401
from pytensor.link.basic import Container  # noqa: E402
from pytensor.tensor.variable import _tensor_py_operators  # noqa: E402

from da_tutorial import jax_slices  # noqa: E402,F401  (givens in JAX)
from ._compat import (  # noqa: E402
    check_device, face_names, install_face_finder, quiet_pytensor_deprecations,
    test_values_paused, theano_constant_strings,
    theano_default_linker, theano_test_values, theano_truthiness,
    theano_variable_members)
from .configparser import change_flags, config  # noqa: E402,F401

__version__ = '1.0.5+pytensor.%s' % pytensor.__version__
# what scripts print to say which engine they run on
ENGINE = 'PyTensor %s under the dA tutorial\'s Theano face' % \
    pytensor.__version__

install_face_finder()    # import theano.X for every module
theano_truthiness(_tensor_py_operators)
theano_variable_members(_tensor_py_operators)
theano_constant_strings()
theano_test_values()
quiet_pytensor_deprecations()
theano_default_linker()

theano_logger = logging.getLogger('theano')


def has_handlers(logger):
    """True when ``logger`` or one of its ancestors has a handler."""
    return logger.hasHandlers()


def disable_log_handler(logger=theano_logger, handler=None):
    """Remove ``handler`` (all of them when None) from ``logger``."""
    for h in ([handler] if handler is not None else list(logger.handlers)):
        logger.removeHandler(h)


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

    def __init__(self, variable, name=None, value=None, update=None,
                 mutable=None, strict=False, allow_downcast=None,
                 autoname=True, implicit=None, borrow=None, shared=False):
        self.variable, self.value = variable, value
        self.name = name if name is not None else variable.name
        self.kwargs = dict(update=update, mutable=mutable, strict=strict,
                           allow_downcast=allow_downcast, autoname=autoname,
                           implicit=implicit, borrow=borrow, shared=shared)


class Param(In):
    """Theano's older spelling of ``In``: ``Param(x, default=...)``."""

    def __init__(self, variable, default=None, name=None, mutable=False,
                 strict=False, allow_downcast=None, implicit=None,
                 borrow=None):
        In.__init__(self, variable, name=name, value=default,
                    mutable=mutable, strict=strict,
                    allow_downcast=allow_downcast, implicit=implicit,
                    borrow=borrow)


def function(inputs, outputs=None, mode=None, updates=None, givens=None,
             no_default_updates=False, accept_inplace=False, name=None,
             rebuild_strict=True, allow_input_downcast=None, profile=None,
             on_unused_input=None):
    """``theano.function``, compiled by PyTensor: the same arguments, ``In``
    inputs with defaults, and NumPy arrays back in every mode (JAX's
    included), as Theano gave.  See ``pytensor.function``."""
    check_device()
    specs, defaults = [], []
    for i, item in enumerate(inputs):
        if isinstance(item, In):
            kwargs = dict(item.kwargs)
            value = item.value
            if value is not None and not isinstance(
                    value, (Container, SharedVariable)):
                # PyTensor takes a default only in a container
                value = Container(item.variable, storage=[None],
                                  strict=kwargs['strict'],
                                  allow_downcast=kwargs['allow_downcast'])
                value.value = item.value
                if kwargs['implicit'] is None:
                    kwargs['implicit'] = False
                if kwargs['update'] is None:   # Theano's refeed
                    defaults.append((i, item.value))
            specs.append(_PyTensorIn(item.variable, name=item.name,
                                     value=value, **kwargs))
        else:
            specs.append(item)
    from theano.compile.function_module import jax_precision, theano_function
    outs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    news = updates.values() if isinstance(updates, dict) else [
        u[1] for u in updates or ()]
    x64 = jax_precision(mode, [getattr(i, 'variable', i) for i in inputs] +
                        list(outs) + list(news) + list(
                            dict(givens or ()).values()))
    with test_values_paused(), warnings.catch_warnings():
        # PyTensor deprecates no_default_updates=True, Theano's own spelling
        warnings.simplefilter('ignore', DeprecationWarning)
        compiled = pytensor.function(
            specs, outputs, mode=mode, updates=updates, givens=givens,
            no_default_updates=no_default_updates or None,
            accept_inplace=accept_inplace, name=name,
            rebuild_strict=rebuild_strict,
            allow_input_downcast=allow_input_downcast, profile=profile,
            on_unused_input=on_unused_input)
    return theano_function(compiled, defaults, x64)


def function_dump(filename, inputs, outputs=None, mode=None, updates=None,
                  givens=None, no_default_updates=False,
                  accept_inplace=False, name=None, rebuild_strict=True,
                  allow_input_downcast=None, profile=None,
                  on_unused_input=None, extra_tag_to_remove=None):
    """``theano.function_dump``: pickle what ``theano.function`` would be
    given into ``filename``, to reproduce a compilation elsewhere."""
    from pytensor.compile.debug.dump import function_dump as dump
    return dump(filename, inputs, outputs, mode=mode, updates=updates,
                givens=givens, no_default_updates=no_default_updates,
                accept_inplace=accept_inplace, name=name,
                rebuild_strict=rebuild_strict,
                allow_input_downcast=allow_input_downcast, profile=profile,
                on_unused_input=on_unused_input,
                extra_tag_to_remove=extra_tag_to_remove)


def shared(value, name=None, strict=False, allow_downcast=None, **kwargs):
    """``theano.shared``: PyTensor's, and a ``numpy.random.RandomState``
    shared as Theano shared it (``RandomStateSharedVariable``)."""
    import numpy
    if isinstance(value, numpy.random.RandomState):
        from theano.tensor.raw_random import randomstate_constructor
        return randomstate_constructor(value, name=name, strict=strict,
                                       allow_downcast=allow_downcast,
                                       **kwargs)
    return pytensor.shared(value, name=name, strict=strict,
                           allow_downcast=allow_downcast, **kwargs)


def dot(l, r):
    """``theano.dot``: the symbolic dot product of dense or sparse
    variables (``T.dot``)."""
    import theano.tensor
    return theano.tensor.dot(l, r)


def get_scalar_constant_value(v):
    """The constant a scalar variable always holds
    (``T.get_scalar_constant_value``).

    :raises theano.tensor.NotScalarConstantError: where it holds none
    """
    import theano.tensor
    return theano.tensor.get_scalar_constant_value(v)


from theano.scan_module import (  # noqa: E402,F401
    foldl, foldr, map, reduce, scan, scan_checkpoints)
from theano.printing import pp, pprint  # noqa: E402,F401
from theano.gradient import Lop, Rop, subgraph_grad  # noqa: E402,F401
from theano.updates import OrderedUpdates  # noqa: E402,F401

# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())

import theano.tensor  # noqa: E402  (theano.tensor, as in Theano)
theano.configparser.apply_numpy_seterr()   # as Theano's import did
