"""``theano.compile.function_module``: ``Function``, what
``theano.function`` returns: PyTensor's compiled function with Theano's
members (``f.fn``, ``f.value[x]``, ``f.container[x]``, ``f.finder`` ...)
and, where ``In`` inputs have defaults or the function runs on JAX, a
call that fills those in and returns NumPy arrays."""
import copyreg

import numpy
from pytensor.compile.executor import Function as _Function
from pytensor.compile.executor import _pickle_Function

from .._compat import face_names


class _Items(object):
    """``f.value[x]`` / ``f.container[x]``: an input's value or container,
    by variable, name or position."""

    def __init__(self, function, containers):
        self.function, self.containers = function, containers

    def __getitem__(self, key):
        container = self.function._finder[key]
        return container if self.containers else container.value

    def __setitem__(self, key, value):
        self.function._finder[key].value = value

    def __contains__(self, key):
        return key in self.function._finder


class Function(_Function):
    """A compiled function, as Theano had it."""
    __slots__ = ()     # PyTensor's layout: the class of a compiled one

    @property
    def fn(self):
        """The virtual machine that runs the graph (Theano's ``fn``)."""
        return self.vm

    @property
    def finder(self):
        return self._finder

    @property
    def inv_finder(self):
        return self._inv_finder

    @property
    def indices(self):
        return [(i, None, [i]) for i in self.maker.inputs]

    @property
    def defaults(self):
        return [(i.value is None and not i.implicit, i.update is not None,
                 c.storage[0])
                for i, c in zip(self.maker.inputs, self.input_storage)]

    @property
    def value(self):
        return _Items(self, False)

    @property
    def container(self):
        return _Items(self, True)

    def copy(self, *args, **kwargs):
        """``Function.copy``; the copy is a Theano function too."""
        return theano_function(_Function.copy(self, *args, **kwargs),
                               self.maker.theano_defaults)

    def sync_shared(self):
        """Theano's wait for shared GPU values: nothing to wait for here."""


class DefaultingFunction(Function):
    """A compiled function whose ``In`` inputs have defaults (a call may
    leave them out, by position or by name: Theano's ``value=``; a value
    given for one call is for that call only), or that runs on JAX (its
    arrays are turned into NumPy's)."""
    __slots__ = ()

    def __call__(self, *args, **kwargs):
        if self.maker.theano_jax:
            import jax
            if jax.config.jax_enable_x64 != self.maker.theano_x64:
                jax.config.update('jax_enable_x64', self.maker.theano_x64)
        try:
            out = Function.__call__(self, *args, **kwargs)
        except Exception as e:
            refusal = jax_refusal(e) if self.maker.theano_jax else None
            if refusal is None:
                raise
            raise refusal from e
        finally:
            for position, value in self.maker.theano_defaults:
                self.input_storage[position].value = value
        if not self.maker.theano_jax:
            return out
        if isinstance(out, (list, tuple)):
            return [numpy.asarray(o) for o in out]
        return numpy.asarray(out) if out is not None else out


def jax_refusal(error):
    """Where JAX failed inside the graph PyTensor gave it: a ValueError
    naming the Op for inputs of shapes that do not fit (what Theano
    raised), a NotImplementedError naming it for what JAX cannot compile
    (a shape known only at run time ...); else None."""
    import linecache
    frame, line = error.__traceback__, None
    while frame is not None:
        if frame.tb_frame.f_code.co_name == 'jax_funcified_fgraph':
            line = linecache.getline(frame.tb_frame.f_code.co_filename,
                                     frame.tb_lineno).strip()
        frame = frame.tb_next
    message = str(error).splitlines()[0] if str(error) else ''
    if not line or isinstance(error, NotImplementedError):
        return None
    call = line.split('=', 1)[-1].strip()
    if any(words in message for words in (
            'incompatible shapes', 'shapes that differ',
            'to have the same shape')):
        return ValueError('%s: %s' % (call, message))
    if type(error).__module__.startswith('jax') or 'concrete' in message:
        return NotImplementedError(
            "JAX mode cannot run %s: %s. JAX compiles for fixed shapes; "
            "compile this function in the C mode (mode='FAST_RUN')"
            % (call, message))
    return None


def refuse_dynamic_slices(fgraph):
    """Raise, naming the Op, where JAX mode meets a slice whose length is
    known only at run time (JAX compiles for fixed shapes; a slice of
    fixed length at a variable start, ``x[i:i + 20]``, is fine)."""
    from pytensor.graph.basic import Constant
    from pytensor.tensor.subtensor import Subtensor
    for node in fgraph.toposort():
        if isinstance(node.op, Subtensor) and not all(
                isinstance(i, Constant) for i in node.inputs[1:]):
            raise NotImplementedError(
                'JAX mode cannot run %s: its slice bounds are known only '
                'when the function runs, and JAX compiles for fixed '
                'shapes. Give the slice a fixed length (x[i:i + n]), or '
                "compile this function in the C mode (mode='FAST_RUN')."
                % node.op)


def jax_precision(mode, variables):
    """Where ``mode`` runs on JAX, whether the graph of ``variables`` (its
    outputs, inputs, updates) needs JAX's 64-bit floats, which are then
    switched on, else off (None: not JAX mode).  Theano computes every
    graph in its own dtypes; PyTensor sets JAX's precision once, from
    ``floatX``, when it first loads its JAX back end, so a float64 graph
    compiled after a float32 one would run in float32.  A function keeps
    its precision (``DefaultingFunction`` sets it again at each call)."""
    from pytensor.compile.mode import get_mode
    from pytensor.graph.basic import Variable, ancestors
    if type(get_mode(mode).linker).__name__ != 'JAXLinker':
        return None
    import jax
    import pytensor.link.jax.dispatch  # noqa: F401 (sets it first)
    want = any(getattr(v.type, 'dtype', None) in ('float64', 'complex128')
               for v in ancestors([v for v in variables
                                   if isinstance(v, Variable)]))
    jax.config.update('jax_enable_x64', want)
    return want


def theano_function(compiled, defaults, x64=None):
    """``compiled`` (PyTensor's) made a ``Function``; a
    ``DefaultingFunction`` where ``defaults`` (``[(position, value)]``,
    the ``In`` defaults to put back after each call) or its JAX linker
    ask for it."""
    jax = type(compiled.maker.linker).__name__ == 'JAXLinker'
    if jax:
        refuse_dynamic_slices(compiled.maker.fgraph)
    compiled.__class__ = DefaultingFunction if defaults or jax else Function
    compiled.maker.theano_defaults = defaults
    compiled.maker.theano_jax = jax
    if jax and x64 is None:       # (a copy, an unpickled function)
        x64 = any(getattr(v.type, 'dtype', None) in ('float64', 'complex128')
                  for v in compiled.maker.fgraph.variables)
    compiled.maker.theano_x64 = x64
    return compiled


def _unpickle(constructor, args, cls, defaults):
    compiled = constructor(*args)
    if compiled is not None:       # (config.unpickle_function False: None)
        theano_function(compiled, defaults)
    return compiled


def _pickle(compiled):
    """A compiled function pickles as PyTensor pickles it, and unpickles
    as what it was (its class, its ``In`` defaults)."""
    return _unpickle, _pickle_Function(compiled) + (
        type(compiled), compiled.maker.theano_defaults)


copyreg.pickle(Function, _pickle)
copyreg.pickle(DefaultingFunction, _pickle)


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
