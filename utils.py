""" This file contains different utility functions that are not connected
in anyway to the networks presented in the tutorials, but rather help in
processing the outputs into a more understandable way.

For example ``tile_raster_images`` helps in generating a easy to grasp
image from a set of samples or weights.  Pillow turns the array it returns
into a picture, as ``dA.py`` does with the filters::

    from PIL import Image
    Image.fromarray(tile_raster_images(X=da.W.get_value(borrow=True).T,
                                       img_shape=(28, 28), tile_shape=(10, 10),
                                       tile_spacing=(1, 1))).save('f.png')

NumPy only, no engine: it imports fast and can be used on its own.
"""
import numpy


def scale_to_unit_interval(ndar, eps=1e-8):
    """Return a copy of ``ndar`` shifted and scaled so it spans [0, 1].

    :type ndar: numpy.ndarray
    :param ndar: values to rescale (left unchanged)

    :type eps: float
    :param eps: added to the range so a constant array does not divide by 0
    """
    ndar = numpy.array(ndar, dtype='float64' if ndar.dtype.kind != 'f'
                       else ndar.dtype, copy=True)
    ndar -= ndar.min()
    ndar *= 1.0 / (ndar.max() + eps)
    return ndar


def _check_pair(name, value):
    """Raise ValueError unless ``value`` is a pair of non-negative ints."""
    if len(value) != 2 or any(int(v) != v or v < 0 for v in value):
        raise ValueError('%s must be two non-negative integers, got %r'
                         % (name, value))


def tile_raster_images(X, img_shape, tile_shape, tile_spacing=(0, 0),
                       scale_rows_to_unit_interval=True,
                       output_pixel_vals=True):
    """Arrange the rows of ``X`` as a grid of images, e.g. to show filters.

    Each row of ``X`` is one flattened image of ``img_shape``; rows fill the
    grid of ``tile_shape`` row by row, with ``tile_spacing`` pixels of
    background (0) between tiles.  Rows past the grid are ignored; cells with
    no row stay 0.  The result has shape
    ``((h + sh) * rows - sh, (w + sw) * cols - sw)``.

    :type X: 2-D numpy.ndarray, or a tuple of 4 such arrays or None
    :param X: one image per row; a 4-tuple gives the R, G, B and alpha
              channels (None for a channel fills it with 0, or fully opaque
              for alpha) and the result gets a last axis of 4

    :type img_shape: tuple of 2 ints
    :param img_shape: (height, width) of each image

    :type tile_shape: tuple of 2 ints
    :param tile_shape: (rows, columns) of images in the grid

    :type tile_spacing: tuple of 2 ints
    :param tile_spacing: pixels between tiles (vertically, horizontally)

    :type scale_rows_to_unit_interval: bool
    :param scale_rows_to_unit_interval: rescale each image to [0, 1] first

    :type output_pixel_vals: bool
    :param output_pixel_vals: return uint8 pixels (0..255), as for a PNG;
                              otherwise values in X's dtype

    :returns: numpy.ndarray suitable for ``PIL.Image.fromarray``
    """
    _check_pair('img_shape', img_shape)
    _check_pair('tile_shape', tile_shape)
    _check_pair('tile_spacing', tile_spacing)

    out_shape = [(ishp + tsp) * tshp - tsp for ishp, tshp, tsp
                 in zip(img_shape, tile_shape, tile_spacing)]

    if isinstance(X, tuple):
        if len(X) != 4:
            raise ValueError('a tuple X must hold 4 channels (R, G, B, alpha),'
                             ' got %d' % len(X))
        if output_pixel_vals:
            out_array = numpy.zeros(out_shape + [4], dtype='uint8')
            channel_defaults = [0, 0, 0, 255]
        else:
            dtype = next((c.dtype for c in X if c is not None), 'float64')
            out_array = numpy.zeros(out_shape + [4], dtype=dtype)
            channel_defaults = [0., 0., 0., 1.]
        for i, channel in enumerate(X):
            if channel is None:
                out_array[:, :, i] = channel_defaults[i]
            else:
                out_array[:, :, i] = tile_raster_images(
                    channel, img_shape, tile_shape, tile_spacing,
                    scale_rows_to_unit_interval, output_pixel_vals)
        return out_array

    X = numpy.asarray(X)
    if X.ndim != 2 or X.shape[1] != img_shape[0] * img_shape[1]:
        raise ValueError('X must be 2-D with one %dx%d image (%d values) per '
                         'row, got shape %s' % (img_shape[0], img_shape[1],
                                                img_shape[0] * img_shape[1],
                                                X.shape))
    H, W = img_shape
    Hs, Ws = tile_spacing
    out_array = numpy.zeros(out_shape,
                            dtype='uint8' if output_pixel_vals else X.dtype)
    scale = 255 if output_pixel_vals else 1
    for tile_row in range(tile_shape[0]):
        for tile_col in range(tile_shape[1]):
            k = tile_row * tile_shape[1] + tile_col
            if k >= X.shape[0]:
                return out_array
            img = X[k].reshape(img_shape)
            if scale_rows_to_unit_interval:
                img = scale_to_unit_interval(img)
            top, left = tile_row * (H + Hs), tile_col * (W + Ws)
            # float -> uint8 truncates, exactly as the tutorial's code did
            out_array[top:top + H, left:left + W] = img * scale
    return out_array
