"""``theano.tensor.signal.pool``: Theano's pooling (``pool_2d``,
``pool_3d``, ``max_pool_2d_same_size``) over PyTensor, which has none.

As in Theano's CPU code, output element ``j`` of an axis pools the window
that starts at ``j * stride`` in the zero-padded input and is ``ws`` long,
cut at the padded input's end; 'max', 'sum' and 'average_exc_pad' leave
the padding out of it, 'average_inc_pad' counts it.  The windows are
strided slices, one per window position, stacked and reduced, so the
gradient is PyTensor's own: every element equal to a window's maximum gets
that window's gradient, as Theano's ``MaxPoolGrad`` gave it.
"""
import warnings

import numpy
import pytensor.tensor as _pt
from pytensor.gradient import grad as _grad

from ..._compat import face_names
from ..nnet.abstract_conv import lengths, pad_spatial, windows

MODES = ('max', 'sum', 'average_inc_pad', 'average_exc_pad')


def _maximum(a, b):
    return max(a, b) if isinstance(a, int) and isinstance(b, int) \
        else _pt.maximum(a, b)


def _out_length(length, ws, stride, ignore_border):
    """Theano's ``Pool.out_shape`` along one axis (``length``: padded)."""
    if ignore_border:
        if ws == stride:
            return length // stride
        return _maximum((length - ws) // stride + 1, 0)
    if stride >= ws:
        return (length - 1) // stride + 1
    return _maximum(0, (length - 1 - ws) // stride + 1) + 1


def _lowest(dtype):
    """The value no element can be below (max pooling's filler)."""
    if dtype.startswith(('int', 'uint')):
        return numpy.iinfo(dtype).min
    return -numpy.inf


def _pool(x, ws, ignore_border, stride, pad, mode, nd):
    """Pool the last ``nd`` axes of ``x``."""
    if mode == 'max_deterministic':
        mode = 'max'
    if mode not in MODES:
        raise ValueError("Pool mode parameter only support 'max', 'sum', "
                         "'average_inc_pad' and 'average_exc_pad'. Got %s"
                         % mode)
    x = _pt.as_tensor_variable(x)
    if x.ndim < nd:
        raise NotImplementedError('pool_%dd requires a dimension >= %d'
                                  % (nd, nd))
    ws = tuple(int(w) for w in ws)
    stride = ws if stride is None else tuple(int(s) for s in stride)
    pad = (0,) * nd if pad is None else tuple(int(p) for p in pad)
    if len(ws) != nd or len(stride) != nd or len(pad) != nd:
        raise ValueError('ws, stride and pad must have %d entries' % nd)
    if any(pad) and not ignore_border:
        raise NotImplementedError('padding works only with '
                                  'ignore_border=True')
    if any(p >= w for p, w in zip(pad, ws)):
        raise NotImplementedError('padding must be smaller than strides')
    lead = x.ndim - nd
    shape = lengths(x)
    padded = [shape[lead + i] + 2 * pad[i] for i in range(nd)]
    out = [_out_length(padded[i], ws[i], stride[i], ignore_border)
           for i in range(nd)]
    # the part of the last window past the padded input (ignore_border
    # False): filled so that it counts for nothing
    extra = [_maximum(stride[i] * (out[i] - 1) + ws[i] - padded[i], 0)
             for i in range(nd)]
    # (neither the padding nor the end is ever a window's maximum)
    fill = _lowest(x.dtype) if mode == 'max' else 0
    y = pad_spatial(x, pad, nd, fill, extra)
    cuts = windows(y, ws, stride, (1,) * nd, out, nd)
    if mode == 'max':
        return _pt.max(cuts, axis=0)
    total = _pt.sum(cuts, axis=0)
    if mode == 'sum':
        return total
    # the number of elements each window averages
    inside = _pt.ones(shape[lead:], dtype=x.dtype)
    inside = pad_spatial(inside, pad, nd, int(mode == 'average_inc_pad'))
    inside = pad_spatial(inside, (0,) * nd, nd, 0, extra)
    counts = _pt.sum(windows(inside, ws, stride, (1,) * nd, out, nd), axis=0)
    return total / counts


def pool_2d(input, ws=None, ignore_border=None, stride=None, pad=(0, 0),
            mode='max', ds=None, st=None, padding=None):
    """Pool the last two axes of ``input`` with windows ``ws`` (max, sum,
    'average_inc_pad' or 'average_exc_pad').  See Theano 1.0.5's
    ``pool_2d``; ``ds``, ``st``, ``padding``: its older names."""
    ws, stride, pad = _older_names(ws, ds, stride, st, pad, padding, 2)
    if ignore_border is None:
        warnings.warn('pool_2d() will have the parameter ignore_border '
                      'default value changed to True (currently False). To '
                      'have consistent behavior with all Theano version, '
                      'explicitly add the parameter ignore_border=True.',
                      stacklevel=2)
        ignore_border = False
    return _pool(input, ws, ignore_border, stride, pad, mode, 2)


def pool_3d(input, ws=None, ignore_border=None, stride=None,
            pad=(0, 0, 0), mode='max', ds=None, st=None, padding=None):
    """Pool the last three axes of ``input`` (see ``pool_2d``)."""
    ws, stride, pad = _older_names(ws, ds, stride, st, pad, padding, 3)
    if ignore_border is None:
        warnings.warn('pool_3d() will have the parameter ignore_border '
                      'default value changed to True (currently False).',
                      stacklevel=2)
        ignore_border = False
    return _pool(input, ws, ignore_border, stride, pad, mode, 3)


def _older_names(ws, ds, stride, st, pad, padding, nd):
    """(ws, stride, pad), from Theano's older names where given."""
    if ds is not None:
        if ws is not None:
            raise ValueError("You can't provide a tuple value to both 'ws' "
                             "and 'ds'. Please provide a value only to 'ws'.")
        warnings.warn("DEPRECATION: the 'ds' parameter is not going to exist "
                      "anymore as it is going to be replaced by the "
                      "parameter 'ws'.", stacklevel=3)
        ws = ds
    elif ws is None:
        raise ValueError('You must provide a tuple value for the window '
                         'size.')
    if st is not None:
        if stride is not None:
            raise ValueError("You can't provide a tuple value to both 'st "
                             "and 'stride'. Please provide a value only to "
                             "'stride'.")
        stride = st
    if padding is not None:
        if pad not in (None, (0,) * nd):
            raise ValueError("You can't provide a tuple value to both "
                             "'padding' and pad.  Please provide a value only "
                             "to pad.")
        pad = padding
    return ws, stride, pad


class Pool(object):
    """``Pool(ignore_border, mode, ndim)(x, ws, stride, pad)``: Theano's
    pooling Op, as a callable that builds the pooled variable."""

    def __init__(self, ignore_border=False, mode='max', ndim=2, openmp=None):
        self.ignore_border, self.mode, self.ndim = ignore_border, mode, ndim

    def __call__(self, x, ws, stride=None, pad=None):
        return _pool(x, _ints(ws), self.ignore_border, _ints(stride),
                     _ints(pad), self.mode, self.ndim)

    @staticmethod
    def out_shape(imgshape, ws=None, ignore_border=False, stride=None,
                  pad=None, ndim=2, ds=None, st=None, padding=None):
        """The shape of the pooled output for an input of ``imgshape``."""
        ws, stride, pad = _older_names(ws, ds, stride, st, pad, padding,
                                       ndim)
        stride, pad = stride or ws, pad or (0,) * ndim
        return list(imgshape[:-ndim]) + [
            _out_length(imgshape[-ndim + i] + 2 * pad[i], ws[i], stride[i],
                        ignore_border) for i in range(ndim)]


def _ints(values):
    """A tuple of Python ints from constants or a tuple (None stays)."""
    if values is None:
        return None
    data = getattr(values, 'data', values)
    return tuple(int(v) for v in numpy.asarray(data).ravel())


class PoolGrad(object):
    """The gradient of a pooling with respect to its input: what
    ``MaxPoolGrad(...)(x, maxout, gz, ws, stride, pad)`` and
    ``AveragePoolGrad(...)(x, gz, ws, stride, pad)`` computed."""

    def __init__(self, ignore_border, mode='max', ndim=2, openmp=None):
        self.ignore_border, self.mode, self.ndim = ignore_border, mode, ndim

    def _grad(self, x, gz, ws, stride, pad):
        out = _pool(x, _ints(ws), self.ignore_border, _ints(stride),
                    _ints(pad), self.mode, self.ndim)
        return _grad(None, x, known_grads={out: gz})


class MaxPoolGrad(PoolGrad):
    """``MaxPoolGrad(ignore_border, ndim)(x, maxout, gz, ws, stride,
    pad)``."""

    def __init__(self, ignore_border, ndim=2, openmp=None):
        PoolGrad.__init__(self, ignore_border, 'max', ndim)

    def __call__(self, x, maxout, gz, ws, stride=None, pad=None):
        return self._grad(x, gz, ws, stride, pad)


class AveragePoolGrad(PoolGrad):
    """``AveragePoolGrad(ignore_border, mode, ndim)(x, gz, ws, stride,
    pad)``."""

    def __call__(self, x, gz, ws, stride=None, pad=None):
        return self._grad(x, gz, ws, stride, pad)


def max_pool_2d_same_size(input, patch_size):
    """``input``'s shape, with each window's maximum where it is and zeros
    elsewhere (non-overlapping windows ``patch_size``)."""
    pooled = pool_2d(input, ws=patch_size, ignore_border=True)
    return MaxPoolGrad(True)(input, pooled, pooled, patch_size)


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
