"""The engine's graph classes that the kernels build on and match, under
one name each: Theano's or PyTensor's, per ``da_tutorial.engine.ENGINE``.

* ``_OpBase``: the base class of an Op with C code; ``Apply``;
  ``grad_not_implemented``;
* the Ops the rewrites look for: ``Sum``, ``Elemwise``, ``DimShuffle``,
  ``Dot``, ``SameValues`` (an Op that passes its input's values on, only
  retyped), and the scalar ``Composite`` with ``get_scalar_type``;
* ``BLAS_OPS``: the Ops that call a BLAS (the engine's, or NumPy's for
  ``Dot``), those of them this engine's version has;
* ``constant_value``: the value of a scalar constant.
"""
import importlib

from ..engine import ENGINE, T

if ENGINE == 'theano':
    from theano import Apply, Op as _OpBase  # noqa: F401
    from theano.gradient import grad_not_implemented  # noqa: F401
    from theano.scalar import Composite, get_scalar_type  # noqa: F401
    from theano.tensor import NotScalarConstantError, Sum  # noqa: F401
    from theano.tensor.basic import Dot, Rebroadcast as SameValues  # noqa
    from theano.tensor.elemwise import DimShuffle, Elemwise  # noqa: F401
    _scalar_constant = T.get_scalar_constant_value
    _BLAS = ('theano.tensor.basic:Dot', 'theano.tensor.blas:Dot22',
             'theano.tensor.blas:Dot22Scalar', 'theano.tensor.blas:Gemm',
             'theano.tensor.blas:Gemv', 'theano.tensor.blas:Ger',
             'theano.tensor.blas:BatchedDot', 'theano.tensor.blas_c:CGemv',
             'theano.tensor.blas_c:CGer')
else:
    from pytensor.gradient import grad_not_implemented  # noqa: F401
    from pytensor.graph.basic import Apply  # noqa: F401
    from pytensor.link.c.op import COp as _OpBase  # noqa: F401
    from pytensor.scalar import Composite, get_scalar_type  # noqa: F401
    from pytensor.tensor.elemwise import DimShuffle, Elemwise  # noqa: F401
    from pytensor.tensor.exceptions import NotScalarConstantError
    from pytensor.tensor.math import Dot, Sum  # noqa: F401
    from pytensor.tensor.shape import SpecifyShape as SameValues  # noqa
    # (its get_scalar_constant_value refuses a constant made a matrix)
    _scalar_constant = T.get_underlying_scalar_constant_value
    # (PyTensor 3 made blas a package, and has no Ger)
    _BLAS = ('pytensor.tensor.math:Dot', 'pytensor.tensor.blas:Dot22',
             'pytensor.tensor.blas:Dot22Scalar', 'pytensor.tensor.blas:Gemm',
             'pytensor.tensor.blas:Gemv', 'pytensor.tensor.blas:Ger',
             'pytensor.tensor.blas:BatchedDot',
             'pytensor.tensor.blas_c:CGemv', 'pytensor.tensor.blas_c:CGer',
             'pytensor.tensor.blas.blas_c:CGemv',
             'pytensor.tensor.blas.blas_c:CGer')


def _existing(*paths):
    """The classes ``'module:Class'`` of ``paths`` that exist."""
    found = []
    for path in paths:
        module, name = path.split(':')
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            pass
    return tuple(found)


BLAS_OPS = _existing(*_BLAS)


def constant_value(var):
    """The value of ``var`` where it is a scalar constant (broadcast to
    any shape or not), else None.

    :type var: the engine's variable
    :param var: any variable
    """
    try:
        return _scalar_constant(var)
    except NotScalarConstantError:
        return None
