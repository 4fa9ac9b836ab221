"""``theano.tensor.nnet.neighbours``: ``images2neibs`` (each image's
patches, one a row) and ``neibs2images`` (back), as Theano gave them,
over PyTensor's strided slices."""
import pytensor.tensor as _pt
from pytensor.raise_op import Assert

from ..._compat import face_names
from .abstract_conv import lengths, pad_spatial, windows

MODES = ('valid', 'ignore_borders', 'half', 'full')


def images2neibs(ten4, neib_shape, neib_step=None, mode='valid'):
    """The ``neib_shape`` patches of each image of ``ten4`` (batch,
    channels, rows, columns), ``neib_step`` apart, one row each:
    (batch * channels * patches, patch rows * patch columns), patches in
    row-major order.  ``mode``: 'valid' (the patches must tile the image
    exactly), 'ignore_borders' (a partial patch at the end is left
    out), 'half' and 'full' (the image padded with zeros, as a
    convolution's border)."""
    if mode not in MODES:
        raise NotImplementedError(
            "images2neibs(mode=%r) is not available in the dA tutorial's "
            "Theano face; use 'valid', 'ignore_borders', 'half' or 'full' "
            'instead' % (mode,))
    shape = tuple(int(s) for s in neib_shape)
    step = tuple(int(s) for s in neib_step) if neib_step is not None \
        else shape
    ten4 = _pt.as_tensor_variable(ten4)
    pads = {'half': tuple(s // 2 for s in shape),
            'full': tuple(s - 1 for s in shape)}.get(mode, (0, 0))
    y = pad_spatial(ten4, pads, 2)
    rows, cols = lengths(y)[2:]
    if mode != 'ignore_borders':
        # Theano's check: the patches cover the image exactly
        y = Assert('images2neibs: neib_shape, neib_step and the image\'s '
                   'shape not consistent')(
            y, _pt.eq((rows - shape[0]) % step[0], 0) &
            _pt.eq((cols - shape[1]) % step[1], 0))
    grid = [(rows - shape[0]) // step[0] + 1,
            (cols - shape[1]) // step[1] + 1]
    patches = windows(y, shape, step, (1, 1), grid, 2)
    # (patch positions, batch, channels, grid...) -> rows of patches
    return patches.dimshuffle(1, 2, 3, 4, 0).reshape(
        (-1, shape[0] * shape[1]))


def neibs2images(neibs, neib_shape, original_shape, mode='valid'):
    """The images of ``original_shape`` whose non-overlapping patches
    (``images2neibs``' rows) are ``neibs``; with 'ignore_borders', the
    parts no patch covered are zeros."""
    if mode not in ('valid', 'ignore_borders'):
        raise NotImplementedError('neibs2images do not support mode=%s'
                                  % mode)
    neibs = _pt.as_tensor_variable(neibs)
    rows, cols = (int(s) for s in neib_shape)
    original = [original_shape[i] for i in range(4)]
    grid = [original[2] // rows, original[3] // cols]
    images = neibs.reshape((original[0], original[1], grid[0], grid[1], rows,
                            cols)).dimshuffle(0, 1, 2, 4, 3, 5).reshape(
        (original[0], original[1], grid[0] * rows, grid[1] * cols))
    if mode == 'valid':
        return images
    full = _pt.zeros(original, dtype=neibs.dtype)
    return _pt.set_subtensor(full[:, :, :grid[0] * rows, :grid[1] * cols],
                             images)


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
