"""The compile mode of the project's training steps: the engine's mode plus
the kernels' rewrites (tag ``dA_fast``), where its linker runs the
kernels' code.

``python bench/bench_dA.py`` measures what they bring; the profiles that
motivated them are in ``bench/README.md``.  To turn them off (the
engine's own kernels, and its costs bit for bit):
``THEANO_FLAGS=optimizer_excluding=dA_fast`` (PyTensor:
``PYTENSOR_FLAGS``).
"""
from .. import flags
from ..engine import ENGINE, theano
from . import cost, one_row, row_blas, sigmoid  # noqa: F401  (rewrites)
from .base import FAST_TAG

if ENGINE == 'theano':
    from . import mrg_theano  # noqa: F401  (its rewrite)
    from theano.compile import get_default_mode
    from theano.gof.cc import CLinker, OpWiseCLinker
    from theano.gof.link import PerformLinker
    from theano.gof.vm import VM_Linker as VMLinker
else:
    from pytensor.compile.mode import Mode, get_default_mode
    from pytensor.graph.rewriting.db import RewriteDatabaseQuery
    from pytensor.link.basic import PerformLinker
    from pytensor.link.c.basic import CLinker, OpWiseCLinker
    from pytensor.link.vm import VMLinker

# the linkers that run Ops' C code (by type: JAX's and Numba's linkers are
# subclasses of PerformLinker)
C_LINKERS = (CLinker, OpWiseCLinker, VMLinker)


def fast_mode():
    """The compile mode of the project's training steps (dA.py's step and
    SdA.py's functions): the engine's default mode plus the kernels'
    rewrites (tag ``dA_fast``), where they apply.

    * Theano: its default mode with the rewrites; on a GPU device, the
      default alone (Theano's GPU kernels stay in place).
    * PyTensor: where the user chose no mode or linker (``PYTENSOR_FLAGS``
      or ``.pytensorrc``), its C back end (``linker=cvm``) with the
      rewrites, which measured fastest (``bench/README.md``); where the
      user chose, that mode, with the rewrites if its linker runs the
      kernels (their C code, or their Python: not Numba or JAX).

    ``optimizer_excluding=dA_fast`` in the flags turns the rewrites off,
    and a mode without graph rewriting (``optimizer=None``) stays without.
    Returns None where the default mode is used as it is.
    """
    if ENGINE == 'theano':
        if not theano.config.device.startswith('cpu'):
            return None
        mode = get_default_mode()
        if not isinstance(mode.provided_optimizer, theano.gof.Query):
            return None
        return mode.including(FAST_TAG)
    mode = _pytensor_mode()
    if type(mode.linker) not in C_LINKERS + (PerformLinker,):
        return None     # Numba, JAX...: no C code to swap in
    if not isinstance(mode.provided_optimizer, RewriteDatabaseQuery):
        return mode       # no graph rewriting asked for: none added
    # PyTensor computes an outer product of a column and a row (a batch-1
    # weight update) as an elementwise product, measured 10 times slower
    # here than its ger kernel, which it uses without this rewrite
    return mode.including(FAST_TAG).excluding('local_dot_to_mul')


def _pytensor_mode():
    """PyTensor's mode for the steps, before the rewrites: the user's, or
    where the user chose no mode or linker, the default mode with the C
    back end."""
    if flags.user_setting('mode', engine='pytensor') or \
            flags.user_setting('linker', engine='pytensor'):
        return get_default_mode()
    config = theano.config
    # the default mode with the C back end, as get_mode builds it
    mode = Mode(linker='cvm', optimizer=config.optimizer)
    for method, tags in (('excluding', config.optimizer_excluding),
                         ('including', config.optimizer_including),
                         ('requiring', config.optimizer_requiring)):
        if tags:
            mode = getattr(mode, method)(*tags.split(':'))
    return mode


def compiles_to_c(mode=None):
    """True where ``mode`` (None: the engine's default) runs Ops' C code
    (not Python only, not Numba or JAX).

    :type mode: the engine's Mode or None
    :param mode: a compile mode, as ``fast_mode`` returns
    """
    linker = (get_default_mode() if mode is None else mode).linker
    return bool(theano.config.cxx) and type(linker) in C_LINKERS and \
        getattr(linker, 'c_thunks', True) is not False
