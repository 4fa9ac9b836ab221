"""Plotting samples and filters (the tutorial's ``tile_raster_images``) and
the pictures of a run, ``atomic_write`` for every file the project saves,
the checks that validate settings at the door (``check_int``,
``check_number``, ``check_batch_size``, ``check_hyperparameters``), and
``train_epochs``, the one training loop (dA.py's and SdA.py's).

No Theano here, so it imports fast and can be used on its own.  Pillow turns
the array ``tile_raster_images`` returns into a picture::

    from PIL import Image
    Image.fromarray(tile_raster_images(X=da.W.get_value(borrow=True).T,
                                       img_shape=(28, 28), tile_shape=(10, 10),
                                       tile_spacing=(1, 1))).save('f.png')
"""
import contextlib
import os
import sys
import tempfile
import timeit

import numpy
from tqdm import tqdm


@contextlib.contextmanager
def atomic_write(path):
    """Open a temporary file beside ``path`` for binary writing; on success
    rename it to ``path``, on any error delete it.

    So ``path`` is either the complete new file or left as it was, never
    half written.

    :type path: str
    :param path: the file to create or replace
    """
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp-')
    try:
        with os.fdopen(fd, 'wb') as f:
            yield f
        # mkstemp makes the file private (0600); give it the usual mode
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def check_int(name, value, low=1):
    """Raise ValueError, naming ``name``, unless ``value`` is an integer
    (not a bool) >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, (int, numpy.integer)) \
            or value < low:
        raise ValueError('%s must be an integer >= %d, got %r'
                         % (name, low, value))


def check_batch_size(batch_size, n_examples, where):
    """Raise ValueError unless ``batch_size`` fits in ``n_examples``, the
    size of ``where`` (e.g. 'the training set')."""
    if batch_size > n_examples:
        raise ValueError('batch_size %d is larger than %s (%d examples); use '
                         'at most %d' % (batch_size, where, n_examples,
                                         n_examples))


def check_number(name, value, low, high, low_open=False):
    """Raise ValueError, naming ``name`` and the range, unless ``value`` is a
    finite real number in [low, high] (or (low, high] if ``low_open``)."""
    ok = isinstance(value, (int, float, numpy.integer, numpy.floating)) \
        and not isinstance(value, bool) and numpy.isfinite(value) \
        and (value > low if low_open else value >= low) and value <= high
    if not ok:
        raise ValueError('%s must be a number in %s%g, %g], got %r'
                         % (name, '(' if low_open else '[', low, high, value))


def corruption_name(corruption_level):
    """Return the percent used in file names: 0.3 -> '30'."""
    return '%d' % round(100 * corruption_level)


def check_hyperparameters(learning_rate, training_epochs, batch_size,
                          n_hidden, corruption_levels, filters_every=0):
    """Raise ValueError, naming the value and its range, for a bad setting
    of ``dA.test_dA``."""
    check_number('learning_rate', learning_rate, 0, numpy.inf,
                  low_open=True)
    check_int('training_epochs', training_epochs)
    check_int('batch_size', batch_size)
    check_int('n_hidden', n_hidden)
    check_int('filters_every', filters_every, low=0)
    if len(corruption_levels) == 0:
        raise ValueError('corruption_levels must name at least one level')
    for level in corruption_levels:
        check_number('corruption level', level, 0, 1)
    names = [corruption_name(level) for level in corruption_levels]
    if len(set(names)) != len(names):
        raise ValueError('corruption levels %r give the same file name '
                         'twice (whole percents are used)'
                         % (list(corruption_levels),))


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


def save_figure(fig, path):
    """Save a matplotlib Figure as PNG through ``atomic_write``."""
    with atomic_write(path) as f:
        fig.savefig(f, format='png')


def plot_cost_curves(costs, path):
    """Plot the training cost of each corruption level against the epoch.

    :type costs: dict
    :param costs: corruption level -> list of per-epoch mean costs

    :type path: str
    :param path: the PNG to write (800x500 pixels)

    :returns: the plotted data, ``[(label, epochs, costs), ...]``, one entry
              per line of the figure
    """
    # Figure without pyplot: no global state, no GUI backend needed
    from matplotlib.figure import Figure
    fig = Figure(figsize=(8, 5), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    for level in sorted(costs):
        ax.plot(range(len(costs[level])), costs[level], marker='o',
                label='corruption %g %%' % (100 * level))
    ax.set_xlabel('epoch')
    ax.set_ylabel('mean training cost (cross-entropy per image)')
    ax.set_title('dA training cost per epoch')
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)
    return [(line.get_label(), list(line.get_xdata()), list(line.get_ydata()))
            for line in ax.get_lines()]


def plot_image_rows(rows, labels, path, img_shape=(28, 28)):
    """Draw rows of images, one labelled row per array, e.g. digits, their
    corrupted versions and reconstructions.

    :type rows: list of 2-D numpy.ndarray
    :param rows: each (n_images, h*w) with values in [0, 1]; all the same n

    :type labels: list of str
    :param labels: one caption per row, written at its left

    :type path: str
    :param path: the PNG to write (1000 pixels wide, 75 high per row)
    """
    from matplotlib.figure import Figure
    n_rows, n_cols = len(rows), rows[0].shape[0]
    tiles = tile_raster_images(numpy.vstack(rows), img_shape,
                               (n_rows, n_cols), (2, 2),
                               scale_rows_to_unit_interval=False)
    fig = Figure(figsize=(10, 0.75 * n_rows), dpi=100)
    ax = fig.add_axes([0.3, 0.02, 0.68, 0.96])
    ax.imshow(tiles, cmap='gray', vmin=0, vmax=255, interpolation='nearest')
    ax.set_xticks([])
    ax.set_yticks([(img_shape[0] + 2) * r + img_shape[0] / 2.
                   for r in range(n_rows)])
    ax.set_yticklabels(labels)
    ax.tick_params(axis='y', length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    save_figure(fig, path)


def train_epochs(train_fn, n_batches, epochs, report, context='',
                 batch_size=1):
    """Run ``epochs`` passes of ``train_fn`` over minibatches 0..n_batches-1.

    The one training loop of the project: dA.py and SdA.py's pretraining
    both go through it.  On a terminal, a progress bar on stderr shows the
    minibatches done, examples per second and the time left in the epoch;
    in a pipe or a log file only ``report``'s lines appear.

    :type train_fn: callable
    :param train_fn: ``train_fn(batch_index)`` does one SGD step and returns
                     the minibatch cost

    :type n_batches: int
    :param n_batches: minibatches per epoch

    :type epochs: int
    :param epochs: passes over the training set

    :type report: callable
    :param report: ``report(epoch, mean_cost)``, called after each epoch

    :type context: str
    :param context: settings named in the error if training diverges

    :type batch_size: int
    :param batch_size: examples per minibatch, for the progress bar's rate

    :returns: (list of the mean cost of each epoch, list of its seconds)
    :raises FloatingPointError: naming the epoch and minibatch where a cost
                                was not finite
    """
    show_bar = sys.stderr.isatty()
    epoch_costs, epoch_seconds = [], []
    # Theano converts a Python int argument on every call; a ready 0-d
    # int64 array takes its fast path (about 0.1 ms of a 1.5 ms step).
    indices = [numpy.asarray(i, dtype='int64') for i in range(n_batches)]
    # go through training epochs
    for epoch in range(epochs):
        start = timeit.default_timer()
        bar = tqdm(total=n_batches * batch_size, unit='ex', leave=False,
                   disable=not show_bar, desc='epoch %d' % epoch)
        # go through training set
        c = []
        for batch_index in range(n_batches):
            c.append(train_fn(indices[batch_index]))
            bar.update(batch_size)
            if not numpy.isfinite(c[-1]):
                bar.close()
                raise FloatingPointError(
                    'training diverged (%s): cost %s at epoch %d, minibatch '
                    '%d; try a smaller learning rate'
                    % (context, c[-1], epoch, batch_index))
        bar.close()
        epoch_costs.append(numpy.mean(c))
        epoch_seconds.append(timeit.default_timer() - start)
        report(epoch, epoch_costs[-1])
    return epoch_costs, epoch_seconds
