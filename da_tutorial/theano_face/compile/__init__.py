"""``theano.compile`` over ``pytensor.compile``: ``Mode``, ``get_mode``,
``SharedVariable``, ``OpFromGraph``, ``ProfileStats`` ... are PyTensor's;
``function``, ``shared``, ``In`` and ``Param`` are the face's (Theano's
meaning); here the names PyTensor dropped: the predefined modes
``FAST_RUN`` and ``FAST_COMPILE``, ``pfunc``, ``is_same_graph``,
``generic_constructor`` ..."""
import sys
import types

from pytensor.compile.debug.monitormode import MonitorMode as _MonitorMode
from pytensor.compile.mode import get_mode
from pytensor.compile.mode import predefined_modes as _predefined_modes
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import equal_computations
from pytensor.graph.replace import clone_replace
from pytensor.link.c.type import generic

from .._compat import face_names

from theano import In, Param, function, shared  # noqa: E402,F401

FAST_RUN = get_mode('FAST_RUN')
FAST_COMPILE = get_mode('FAST_COMPILE')
# Theano's modes by name, PyTensor's too
predefined_modes = dict(_predefined_modes, FAST_RUN=FAST_RUN,
                        FAST_COMPILE=FAST_COMPILE)
# the optimizer tags every mode leaves out (Theano's, when no C compiler)
exclude = []
# the value of an input that has none
NODEFAULT = ['NODEFAULT']


class MonitorMode(_MonitorMode):
    """Theano's ``MonitorMode``: ``pre_func(i, node, fn)`` is called before
    each node runs and ``post_func(i, node, fn)`` after (PyTensor passes
    the graph first)."""

    def eval(self, fgraph, i, node, fn):
        if self.pre_func is not None:
            self.pre_func(i, node, fn)
        fn()
        if self.post_func is not None:
            self.post_func(i, node, fn)


def pfunc(params, outputs=None, mode=None, updates=None, givens=None,
          no_default_updates=False, accept_inplace=False, name=None,
          rebuild_strict=True, allow_input_downcast=None, profile=None,
          on_unused_input=None, output_keys=None):
    """``theano.function``'s own compile step: the same arguments, the
    inputs called ``params``."""
    import theano
    return theano.function(params, outputs, mode=mode, updates=updates,
                           givens=givens,
                           no_default_updates=no_default_updates,
                           accept_inplace=accept_inplace, name=name,
                           rebuild_strict=rebuild_strict,
                           allow_input_downcast=allow_input_downcast,
                           profile=profile, on_unused_input=on_unused_input)


def is_same_graph(var1, var2, givens=None, debug=False):
    """True when ``var1`` and ``var2`` compute the same thing, after the
    replacements of ``givens`` (pairs or a dict) in both."""
    if givens:
        var1, var2 = clone_replace([var1, var2], replace=dict(givens))
    return equal_computations([var1], [var2])


def detect_nan(i, node, fn):
    """A ``post_func`` for ``MonitorMode``: where a node's output has a
    NaN, print the node, its inputs and its outputs."""
    import numpy
    from pytensor.printing import debugprint
    for output in fn.outputs:
        value = output[0]
        if isinstance(value, numpy.ndarray) and value.dtype.kind in 'fc' \
                and numpy.isnan(value).any():
            print('*** NaN detected ***')
            debugprint(node)
            print('Inputs : %s' % [input[0] for input in fn.inputs])
            print('Outputs: %s' % [output[0] for output in fn.outputs])
            break


def generic_constructor(value, name=None, strict=False, allow_downcast=None):
    """A shared variable holding any Python object."""
    return SharedVariable(type=generic, value=value, name=name,
                          strict=strict, allow_downcast=allow_downcast)


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())


class _CompileModule(types.ModuleType):
    """``theano.compile``, whose ``function`` stays the function when the
    module ``theano.compile.function`` is imported (as in Theano)."""

    def __setattr__(self, name, value):
        if name == 'function' and isinstance(value, types.ModuleType):
            return
        types.ModuleType.__setattr__(self, name, value)


sys.modules[__name__].__class__ = _CompileModule
