"""``theano.tensor.nnet.abstract_conv``: Theano's convolutions (``conv2d``,
``conv3d``, ``conv2d_grad_wrt_inputs``, ``conv2d_transpose``,
``separable_conv2d``) over PyTensor, which has no such Op.

A convolution here is what Theano's CPU code computed (``CorrMM``): the
input is cut into one strided slice per kernel position (``im2col``), and
those are multiplied by the kernel in one matrix product, which the BLAS
does.  Everything is PyTensor's own Ops (slices, ``stack``, ``dot``), so
gradients, the C back end and JAX mode come with them.  Borders
('valid', 'full', 'half', or zeros padded), strides, dilation, groups and
Theano's kernel flip are as in Theano.
"""
import itertools

import numpy
import pytensor.tensor as _pt
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.gradient import grad as _grad
from pytensor.tensor.exceptions import NotScalarConstantError

from ..._compat import face_names


def get_conv_shape_1axis(image_shape, kernel_shape, border_mode, subsample,
                         dilation=1):
    """The output length along one axis (None where a length is None)."""
    if None in (image_shape, kernel_shape, border_mode, subsample,
                dilation):
        return None
    dilated = (kernel_shape - 1) * dilation + 1
    if border_mode == 'half':
        pad = dilated // 2
    elif border_mode == 'full':
        pad = dilated - 1
    elif border_mode == 'valid':
        pad = 0
    else:
        pad = border_mode
        if pad < 0:
            raise ValueError('border_mode must be >= 0')
    out = image_shape + 2 * pad - dilated if pad else image_shape - dilated
    if subsample != 1:
        out = out // subsample
    return out + 1


def get_conv_output_shape(image_shape, kernel_shape, border_mode, subsample,
                          filter_dilation=None):
    """The shape of a convolution's output: (batch, kernels, lengths...)."""
    spatial = len(image_shape) - 2
    dilation = filter_dilation or (1,) * spatial
    modes = border_mode if isinstance(border_mode, tuple) else \
        (border_mode,) * spatial
    return (image_shape[0], kernel_shape[0]) + tuple(
        get_conv_shape_1axis(image_shape[2 + i], kernel_shape[-spatial + i],
                             modes[i], subsample[i], dilation[i])
        for i in range(spatial))


def _known(x, shape):
    """``x``, its lengths said to be those of ``shape`` that are ints (as
    Theano's ``input_shape`` and ``filter_shape`` said; checked when
    run)."""
    if shape is None or not any(isinstance(s, (int, numpy.integer))
                                for s in shape):
        return x
    return _pt.specify_shape(x, [int(s) if isinstance(
        s, (int, numpy.integer)) else None for s in shape])


def _kernel_lengths(filters, filter_shape, nd):
    """The kernel's lengths as Python ints (one slice of the input is cut
    per kernel position): from ``filter_shape``, the filters' static type,
    a shared variable's value or constant folding; None where they are
    known only at run time."""
    if filter_shape is not None and all(
            isinstance(s, (int, numpy.integer)) for s in filter_shape[-nd:]):
        return tuple(int(s) for s in filter_shape[-nd:])
    static = filters.type.shape[-nd:]
    if all(s is not None for s in static):
        return tuple(static)
    if isinstance(filters, SharedVariable):
        return tuple(filters.get_value(borrow=True).shape[-nd:])
    try:
        return tuple(int(_pt.get_scalar_constant_value(filters.shape[i]))
                     for i in range(filters.ndim - nd, filters.ndim))
    except NotScalarConstantError:
        return None


def _pads(border_mode, kernel, dilation):
    """The zeros added on each side, per spatial axis (ints, or symbolic
    where the kernel's lengths are)."""
    nd = len(dilation)
    dilated = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    if border_mode == 'valid':
        return (0,) * nd
    if border_mode == 'full':
        return tuple(d - 1 for d in dilated)
    if border_mode == 'half':
        return tuple(d // 2 for d in dilated)
    if isinstance(border_mode, (int, numpy.integer)):
        border_mode = (border_mode,) * nd
    if isinstance(border_mode, tuple) and len(border_mode) == nd and all(
            isinstance(p, (int, numpy.integer)) and p >= 0
            for p in border_mode):
        return tuple(int(p) for p in border_mode)
    raise ValueError("border_mode must be 'valid', 'full', 'half', a "
                     'non-negative int or a tuple of %d of them, got %r'
                     % (nd, border_mode))


def lengths(x):
    """The lengths of ``x``'s axes: Python ints where its type knows them
    (then slices have constant bounds, which JAX mode needs), symbolic
    elsewhere."""
    return [s if s is not None else x.shape[i]
            for i, s in enumerate(x.type.shape)]


def pad_spatial(x, pads, nd, value=0, extra=None):
    """``x`` with ``pads`` elements of ``value`` on both sides of each of
    its last ``nd`` axes (and ``extra`` more at the end, where given)."""
    extra = extra or (0,) * nd
    if not any(pads) and not any(isinstance(e, _pt.Variable) or e
                                 for e in extra):
        return x
    lead = x.ndim - nd
    shape = lengths(x)
    padded = _pt.alloc(_pt.constant(value, dtype=x.dtype), *(
        shape[:lead] + [shape[lead + i] + 2 * pads[i] + extra[i]
                        for i in range(nd)]))
    where = (slice(None),) * lead + tuple(
        slice(pads[i], pads[i] + shape[lead + i]) for i in range(nd))
    return _pt.set_subtensor(padded[where], x)


def windows(y, kernel, steps, dilation, out, nd, axis=0):
    """The strided slices of ``y`` (one per kernel position, C order),
    stacked on a new axis ``axis`` (the first by default: (positions,
    leading axes..., out...))."""
    lead = y.ndim - nd
    cuts = []
    for offset in itertools.product(*[range(k) for k in kernel]):
        starts = [o * d for o, d in zip(offset, dilation)]
        cuts.append(y[(slice(None),) * lead + tuple(
            slice(starts[i], starts[i] + steps[i] * (out[i] - 1) + 1,
                  steps[i]) for i in range(nd))])
    return _pt.stack(cuts, axis=axis)


def correlate(x, w, nd, kernel, pads, steps, dilation):
    """The correlation of ``x`` (batch, channels, lengths...) with ``w``
    (kernels, channels, kernel lengths...) (no flip, one group)."""
    # channels first, so that the stacked slices are (channels,
    # positions, batch, out...): already the matrix (channels * positions,
    # batch * out...) whose rows follow the kernel's own order
    y = pad_spatial(x, pads, nd).dimshuffle(1, 0, *range(2, 2 + nd))
    channels, batch = lengths(y)[:2]
    out = [(length - (kernel[i] - 1) * dilation[i] - 1) // steps[i] + 1
           for i, length in enumerate(lengths(y)[2:])]
    cols = windows(y, kernel, steps, dilation, out, nd, axis=1)
    positions = int(numpy.prod(kernel))
    cols = cols.reshape((channels * positions, batch * _product(out)))
    kernels = lengths(w)[0]
    result = _pt.dot(w.reshape((kernels, -1)), cols)
    return result.reshape([kernels, batch] + out).dimshuffle(
        1, 0, *range(2, 2 + nd))


def _product(values):
    """The product of ints and symbolic scalars (an int where all are)."""
    result = 1
    for v in values:
        result = result * v
    return result


def _conv(input, filters, nd, filter_shape, border_mode, subsample,
          filter_flip, filter_dilation, num_groups, unshared=False,
          input_shape=None):
    """Theano's ``conv2d``/``conv3d``: the correlation of each group of
    input channels with its group of filters (flipped where
    ``filter_flip``); the lengths given in ``input_shape`` and
    ``filter_shape`` are checked when run, and known from then on."""
    if unshared:
        raise NotImplementedError('unshared convolutions are not available '
                                  "in the dA tutorial's Theano face; use "
                                  'shared filters (unshared=False)')
    input = _pt.as_tensor_variable(input)
    filters = _pt.as_tensor_variable(filters)
    if input.ndim != nd + 2 or filters.ndim != nd + 2:
        raise ValueError('conv%dd takes inputs and filters of %d dimensions, '
                         'got %d and %d' % (nd, nd + 2, input.ndim,
                                            filters.ndim))
    input, filters = _known(input, input_shape), _known(filters, filter_shape)
    kernel = _kernel_lengths(filters, filter_shape, nd)
    subsample = tuple(subsample) if subsample is not None else (1,) * nd
    dilation = tuple(filter_dilation) if filter_dilation is not None \
        else (1,) * nd
    if kernel is None and nd != 2:
        raise ValueError('conv%dd needs the filters\' lengths known when '
                         'the graph is built: pass filter_shape=(...)' % nd)
    if kernel is None:
        # lengths known only at run time: SciPy's convolution per image,
        # kernel and channel (slower than the product of slices)
        pads = _pads(border_mode, filters.shape[2:], dilation)
        step = lambda x, w: _convolve(x, w, pads, subsample, dilation,  # noqa
                                      filter_flip)
    else:
        pads = _pads(border_mode, kernel, dilation)
        if filter_flip:
            filters = filters[(slice(None), slice(None)) +
                              (slice(None, None, -1),) * nd]
        step = lambda x, w: correlate(x, w, nd, kernel, pads,  # noqa: E731
                                      subsample, dilation)
    if num_groups == 1:
        return step(input, filters)
    channels = input.shape[1] // num_groups
    kernels = filters.shape[0] // num_groups
    return _pt.concatenate([
        step(input[:, g * channels:(g + 1) * channels],
             filters[g * kernels:(g + 1) * kernels])
        for g in range(num_groups)], axis=1)


def _convolve(x, w, pads, steps, dilation, flip):
    """The 2-D convolution of ``x`` (batch, channels, rows, columns) with
    ``w`` (kernels, channels, rows, columns) whose lengths are symbolic:
    ``convolve2d`` (a true convolution: Theano's flip) of each image and
    kernel, channel by channel, summed over the channels."""
    from pytensor.tensor.signal.conv import convolve2d
    if not flip:
        w = w[:, :, ::-1, ::-1]
    if dilation != (1, 1):
        dilated = _pt.zeros((w.shape[0], w.shape[1],
                             (w.shape[2] - 1) * dilation[0] + 1,
                             (w.shape[3] - 1) * dilation[1] + 1), w.dtype)
        w = _pt.set_subtensor(dilated[:, :, ::dilation[0], ::dilation[1]], w)
    out = convolve2d(pad_spatial(x, pads, 2).dimshuffle(0, 'x', 1, 2, 3),
                     w.dimshuffle('x', 0, 1, 2, 3), mode='valid').sum(axis=2)
    return out[:, :, ::steps[0], ::steps[1]]


def conv2d(input, filters, input_shape=None, filter_shape=None,
           border_mode='valid', subsample=(1, 1), filter_flip=True,
           image_shape=None, filter_dilation=(1, 1), num_groups=1,
           unshared=False, **kwargs):
    """The 2-D convolution of ``input`` (batch, channels, rows, columns)
    with ``filters`` (kernels, channels / num_groups, rows, columns):
    (batch, kernels, output rows, output columns), as Theano computed it.
    See Theano 1.0.5's ``theano.tensor.nnet.conv2d``."""
    return _conv(input, filters, 2, filter_shape, border_mode, subsample,
                 filter_flip, filter_dilation, num_groups, unshared,
                 input_shape or image_shape)


def conv3d(input, filters, input_shape=None, filter_shape=None,
           border_mode='valid', subsample=(1, 1, 1), filter_flip=True,
           filter_dilation=(1, 1, 1), num_groups=1):
    """The 3-D convolution of ``input`` (batch, channels, 3 lengths) with
    ``filters`` (kernels, channels / num_groups, 3 lengths)."""
    return _conv(input, filters, 3, filter_shape, border_mode, subsample,
                 filter_flip, filter_dilation, num_groups,
                 input_shape=input_shape)


def _filled(shape, known):
    """``shape`` with its leading Nones replaced by ``known``'s lengths."""
    return tuple(k if length is None else length
                 for length, k in zip(shape, known)) + \
        tuple(shape)[len(known):]


def conv2d_grad_wrt_inputs(output_grad, filters, input_shape,
                           filter_shape=None, border_mode='valid',
                           subsample=(1, 1), filter_flip=True,
                           filter_dilation=(1, 1), num_groups=1,
                           unshared=False):
    """The gradient of ``conv2d`` with respect to its input (of
    ``input_shape``), for the output's gradient ``output_grad``."""
    output_grad = _pt.as_tensor_variable(output_grad)
    filters = _pt.as_tensor_variable(filters)
    # Theano lets the batch and the channels be None: the gradient's and
    # the filters'
    known = (output_grad.shape[0], filters.shape[-3] * num_groups)
    x = _pt.zeros(_filled(input_shape, known), dtype=output_grad.dtype)
    out = _conv(x, filters, 2, filter_shape, border_mode, subsample,
                filter_flip, filter_dilation, num_groups, unshared)
    return _grad(None, x, known_grads={out: output_grad})


def conv2d_grad_wrt_weights(input, output_grad, filter_shape,
                            input_shape=None, border_mode='valid',
                            subsample=(1, 1), filter_flip=True,
                            filter_dilation=(1, 1), num_groups=1,
                            unshared=False):
    """The gradient of ``conv2d`` with respect to its filters (of
    ``filter_shape``), for the output's gradient ``output_grad``."""
    input = _pt.as_tensor_variable(input)
    output_grad = _pt.as_tensor_variable(output_grad)
    # Theano lets the leading lengths be None: the gradient's channels,
    # (unshared: its rows and columns), the input's channels per group
    known = (output_grad.shape[1],) + (
        (output_grad.shape[2], output_grad.shape[3]) if unshared else ()) + (
        input.shape[1] // num_groups,)
    w = _pt.zeros(_filled(filter_shape, known), dtype=input.dtype)
    out = _conv(input, w, 2, filter_shape, border_mode, subsample,
                filter_flip, filter_dilation, num_groups, unshared)
    return _grad(None, w, known_grads={out: output_grad})


def conv2d_transpose(input, filters, output_shape, filter_shape=None,
                     border_mode='valid', input_dilation=(1, 1),
                     filter_flip=True, filter_dilation=(1, 1), num_groups=1,
                     unshared=False):
    """The transpose of ``conv2d`` (a "deconvolution"): the gradient of a
    convolution with respect to its input, of ``output_shape``."""
    return conv2d_grad_wrt_inputs(
        input, filters, output_shape, filter_shape=filter_shape,
        border_mode=border_mode, subsample=input_dilation,
        filter_flip=filter_flip, filter_dilation=filter_dilation,
        num_groups=num_groups, unshared=unshared)


def separable_conv2d(input, depthwise_filters, pointwise_filters,
                     num_channels, input_shape=None,
                     depthwise_filter_shape=None,
                     pointwise_filter_shape=None, border_mode='valid',
                     subsample=(1, 1), filter_flip=True,
                     filter_dilation=(1, 1)):
    """A depthwise convolution (each channel with its own filters), then a
    pointwise one (1 x 1) that mixes the channels."""
    depthwise = conv2d(input, depthwise_filters,
                       filter_shape=depthwise_filter_shape,
                       border_mode=border_mode, subsample=subsample,
                       filter_flip=filter_flip,
                       filter_dilation=filter_dilation,
                       num_groups=num_channels)
    return conv2d(depthwise, pointwise_filters,
                  filter_shape=pointwise_filter_shape, border_mode='valid',
                  filter_flip=filter_flip)


abstract_conv2d = conv2d

# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
