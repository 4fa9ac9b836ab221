"""``theano.gradient`` over ``pytensor.gradient``: ``grad``, ``jacobian``,
``hessian``, ``verify_grad`` ... are PyTensor's.  Here, with Theano's
meaning: ``Rop`` through each Op's own R-operator, as Theano computed it
(its graph keeps every input it was asked about: a function of them all
compiles), ``Lop`` without PyTensor's deprecation warning, and the few
names PyTensor dropped (``consider_constant``, ``format_as`` ...)."""
import warnings

from pytensor import gradient as _pt_gradient
from pytensor.gradient import ZeroGrad, zero_grad, zero_grad_
from pytensor.graph.basic import Variable
from pytensor.tensor import as_tensor_variable

from ._compat import face_names, get_test_value


def Rop(f, wrt, eval_points, disconnected_outputs='raise',
        return_disconnected='zero'):
    """The Jacobian of ``f`` with respect to ``wrt`` times ``eval_points``
    (the R-operator), computed by each Op's R-operator as in Theano."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FutureWarning)
        try:
            return _pt_gradient.Rop(
                f, wrt, eval_points,
                disconnected_outputs=disconnected_outputs,
                return_disconnected=return_disconnected,
                use_op_rop_implementation=True)
        except NotImplementedError:
            # an Op without an R-operator: PyTensor's other way
            return _pt_gradient.Rop(
                f, wrt, eval_points,
                disconnected_outputs=disconnected_outputs,
                return_disconnected=return_disconnected)


def Lop(f, wrt, eval_points, consider_constant=None,
        disconnected_inputs='raise'):
    """``eval_points`` times the Jacobian of ``f`` with respect to ``wrt``
    (the L-operator)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FutureWarning)
        return _pt_gradient.Lop(f, wrt, eval_points,
                                consider_constant=consider_constant,
                                disconnected_inputs=disconnected_inputs)


# Theano's older names of a gradient truncated to zero
ConsiderConstant = ZeroGrad
consider_constant_ = zero_grad_


def consider_constant(x):
    """``x``, whose gradient is zero (Theano's older ``zero_grad``)."""
    return zero_grad(x)


def format_as(use_list, use_tuple, outputs):
    """``outputs`` as a list (``use_list``), a tuple (``use_tuple``), or a
    single variable (neither)."""
    assert not (use_list and use_tuple), \
        'Both flags cannot be simultaneously True'
    many = isinstance(outputs, (list, tuple))
    if use_list:
        return list(outputs) if many else [outputs]
    if use_tuple:
        return tuple(outputs) if many else (outputs,)
    if many:
        assert len(outputs) == 1, \
            'Wrong arguments. Expected a one element list'
        return outputs[0]
    return outputs


def get_debug_values(*args):
    """The test values of ``args``: [] where ``config.compute_test_value``
    is 'off'; else ``[value]`` for one argument, ``[(value, ...)]`` for
    several; where one has none, an AttributeError ('raise'), a warning
    and [] ('warn'), or [] ('ignore')."""
    import theano
    mode = theano.config.compute_test_value
    if mode == 'off':
        return []
    values = []
    for i, arg in enumerate(args):
        try:
            values.append(get_test_value(
                arg if isinstance(arg, Variable) else as_tensor_variable(arg)))
        except AttributeError:
            message = 'Argument %i%s has no test value' % (
                i, "('%s')" % arg.name if getattr(arg, 'name', None) else '')
            if mode in ('raise', 'pdb'):
                raise AttributeError(message) from None
            if mode == 'warn':
                warnings.warn(message, stacklevel=2)
            return []
    return values if len(values) == 1 else [tuple(values)]


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
