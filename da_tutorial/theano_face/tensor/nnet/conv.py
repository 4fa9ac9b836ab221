"""``theano.tensor.nnet.conv``: Theano's older convolution interface,
``conv.conv2d(input, filters, image_shape, filter_shape, border_mode,
subsample)`` (the LeNet tutorial's first version), a convolution with
flipped filters, 'valid' or 'full'."""
from ..._compat import face_names
from .abstract_conv import _conv


def conv2d(input, filters, image_shape=None, filter_shape=None,
           border_mode='valid', subsample=(1, 1), **kargs):
    """The 2-D convolution of ``input`` (batch, channels, rows, columns)
    with ``filters`` (kernels, channels, rows, columns)."""
    if border_mode not in ('valid', 'full'):
        raise ValueError("border_mode must be 'valid' or 'full', got %r"
                         % (border_mode,))
    return _conv(input, filters, 2, filter_shape, border_mode, subsample,
                 True, (1, 1), 1)


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
