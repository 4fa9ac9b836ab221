"""What a run of ``test_dA`` leaves behind, and what the models learnt.

The tutorial's own output, the filters of each model, is drawn by
``dA.py`` itself.  Beyond it, each model is saved (``save_run``, through
``dA.save``), ``report_models`` writes ``reconstructions.png`` (the models
rebuilding corrupted test digits) and ``cost_curves.png`` and gathers
``metrics.json``'s data (the run's settings, versions, costs and test-set
costs), and ``probe``
(``python dA.py --probe``) tabulates how well a classifier reads each
model's code.  Every function takes the trained models (any object with
the dA's ``W``, ``b``, ``b_prime``, ``n_hidden``, ``get_hidden_values``,
``get_reconstructed_input`` and ``save``) as arguments; nothing here
imports the tutorial's modules.  Every file is written to a temporary name
and renamed.
"""
import json
import os
import platform
import sys

import numpy

from . import blas
from .checks import UserError, corruption_name
from .engine import DEVICE, ENGINE, T, blas_ldflags, theano
from .files import atomic_write
from .machine import blas_threads, cpu
from .ops.row_blas import thread_report


def save_run(da, level, epoch_costs, epoch_seconds, output_folder):
    """Save one corruption level's model; return its record for
    metrics.json."""
    model = 'dA_corruption_%s.npz' % corruption_name(level)
    da.save(os.path.join(output_folder, model))
    return {'corruption_level': level,
            'epoch_costs': [float(c) for c in epoch_costs],
            'epoch_seconds': epoch_seconds, 'model': model}


def report_models(models, runs, test_set, settings, output_folder):
    """Show what the trained models learnt: reconstructions.png and
    cost_curves.png; return metrics.json's data, with their test-set
    costs (``Run.finish`` writes it last).

    :type models: list of dA
    :param models: the trained models, one per corruption level

    :type runs: list of dict
    :param runs: per model: corruption_level, epoch_costs, epoch_seconds,
                 model (file name); test costs are added

    :type test_set: pair of theano variables
    :param test_set: (test_set_x, test_set_y) as load_data returns them

    :type settings: dict
    :param settings: test_dA's settings, recorded in metrics.json

    :type output_folder: str
    :param output_folder: where the files go
    """
    levels = [r['corruption_level'] for r in runs]
    # the digits are shown corrupted at the highest level trained (30 %
    # when only 0 % was), with one fixed mask for every model
    shown = max(levels) or 0.3
    x = test_set[0].get_value(borrow=True)
    mask = numpy.random.RandomState(settings['seed']).uniform(
        size=x.shape) >= shown
    noisy = (x * mask).astype(x.dtype)
    for run, da in zip(runs, models):
        run['test_reconstruction_cost'] = reconstruction_cost(da, x, x)
        run['test_denoising_cost'] = reconstruction_cost(da, noisy, x)

    labels = test_set[1].eval()
    # the first test image of each digit, 0 to 9 (or the first ten)
    picks = [int(numpy.flatnonzero(labels == d)[0]) for d in range(10)
             if (labels == d).any()] or list(range(min(10, len(x))))
    rows = [x[picks], noisy[picks]] + [reconstruct(da, noisy[picks])
                                       for da in models]
    row_labels = ['clean test digits', 'corrupted %g %%' % (100 * shown)] + \
        ['rebuilt by the %g %% dA' % (100 * lv) for lv in levels]
    plot_image_rows(rows, row_labels,
                    os.path.join(output_folder, 'reconstructions.png'))
    plot_cost_curves({r['corruption_level']: r['epoch_costs'] for r in runs},
                     os.path.join(output_folder, 'cost_curves.png'))
    return {'settings': dict(settings, shown_corruption=shown),
            'versions': versions(), 'runs': runs}


def reconstruct(da, images):
    """Return the dA's reconstruction of ``images`` (no corruption added).

    :type da: dA
    :param da: a trained dA

    :type images: numpy.ndarray
    :param images: one flattened image per row
    """
    x = T.matrix('x')
    f = theano.function([x], da.get_reconstructed_input(
        da.get_hidden_values(x)))
    return f(numpy.asarray(images, dtype=theano.config.floatX))


def reconstruction_cost(da, inputs, targets):
    """Mean cross-entropy of rebuilding ``targets`` from ``inputs``."""
    z = reconstruct(da, inputs).astype('float64')
    t = numpy.asarray(targets, dtype='float64')
    eps = 1e-7   # float32 sigmoids can round to exactly 0 or 1
    z = numpy.clip(z, eps, 1 - eps)
    return float(numpy.mean(-numpy.sum(t * numpy.log(z)
                                       + (1 - t) * numpy.log(1 - z), axis=1)))


def versions():
    """The versions and Theano settings a run used, the BLAS and why
    (``blas.describe``), and the machine it ran on (``machine``), for
    metrics.json."""
    return {'python': platform.python_version(), 'numpy': numpy.__version__,
            # Theano's, or the Theano face's: '1.0.5+pytensor.<version>'
            'theano': getattr(sys.modules.get('theano'), '__version__',
                              theano.__version__),
            'blas_ldflags': blas_ldflags(),
            'blas': blas.describe(ENGINE, blas_ldflags(), override=False),
            'engine': ENGINE,
            'floatX': theano.config.floatX, 'device': DEVICE,
            'cpu': cpu(), 'blas_threads': blas_threads()}


def write_metrics(run_data, output_folder):
    """Write ``run_data`` as output_folder/metrics.json, atomically."""
    with atomic_write(os.path.join(output_folder, 'metrics.json')) as f:
        f.write((json.dumps(run_data, indent=2) + '\n').encode())


class RunRecord(object):
    """The record of an ``SdA.test_SdA`` run, ``data``: its settings, the
    versions, each pretrained layer's costs and seconds, the finetuning's
    validations and result, written to ``output_folder``/metrics.json as it
    grows (``complete`` once finetuning has ended)."""

    def __init__(self, settings, output_folder):
        self.output_folder = output_folder
        self.finetuning = []     # one dict per validation (early_stopping)
        self.data = {'settings': settings, 'versions': versions(),
                     'pretraining': [], 'finetuning': self.finetuning,
                     'complete': False}

    def write(self):
        """Write metrics.json as the record stands."""
        write_metrics(self.data, self.output_folder)

    def pretrained(self, layer, corruption_level, loop):
        """Record a pretrained layer (``loop``: its ``training.Epochs``)."""
        self.data['pretraining'].append({
            'layer': layer, 'corruption_level': corruption_level,
            'epoch_costs': [float(c) for c in loop.epoch_costs],
            'epoch_seconds': loop.epoch_seconds,
            # the batch-1 products' threads, as their calls chose them
            'threads': thread_report()})
        # minutes of training, summed over the processes of a resumed run
        self.data['pretraining_minutes'] = sum(
            sum(r['epoch_seconds']) for r in self.data['pretraining']) / 60.
        self.write()

    def finetuned(self, epochs, best_iter, best_validation_loss, test_score):
        """Record the end of finetuning (``early_stopping``'s results)."""
        self.data.update(
            finetuning_minutes=self.finetuning[-1]['seconds'] / 60.
            if self.finetuning else 0.,
            finetuning_epochs=epochs, best_iteration=best_iter + 1,
            best_validation_error=float(best_validation_loss),
            test_error=float(test_score), complete=True,
            finetuning_threads=thread_report())


def saved_encoders(output_folder, load_model):
    """Return ``[(label, model), ...]``: the raw pixels (``None``), then
    each model ``test_dA`` saved in ``output_folder``, as its metrics.json
    lists them, read by ``load_model(path, input=x)`` (``dA.load``).

    :raises UserError: naming the folder, when there is no run to read
    """
    path = os.path.join(output_folder, 'metrics.json')
    try:
        with open(path) as f:
            run_data = json.load(f)
        models = [(r['corruption_level'], os.path.join(output_folder,
                                                       r['model']))
                  for r in run_data['runs']]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UserError('no trained models to probe in %s (%s); run '
                        'python dA.py --output-folder %s first'
                        % (output_folder, e, output_folder)) from None
    x = T.matrix('x')
    return [('raw pixels', None)] + [
        ('%g %% dA code' % (100 * level), load_model(path, input=x))
        for level, path in models]


def probe(encoders, datasets, fit, output_folder):
    """Linear probe: how useful is each model's code for classifying?

    Fits a classifier (``fit``: the tutorial's logistic regression, from
    ``dA.py --probe``) on raw pixels and on each model's hidden
    activations; prints a table of validation and test errors and adds it
    to ``output_folder``/metrics.json as ``probe``.

    :type encoders: list of (str, dA or None)
    :param encoders: a label and a trained model per row of the table; None
                     stands for the raw pixels

    :type datasets: list
    :param datasets: three (x, y) pairs of shared variables, as
                     ``load_data`` returns them

    :type fit: callable
    :param fit: ``fit(datasets, n_in)`` trains a classifier and returns
                (best validation error, its test error, epochs run)

    :type output_folder: str
    :param output_folder: where ``test_dA`` wrote metrics.json

    :returns: list of dicts with features, validation_error, test_error,
              epochs
    """
    path = os.path.join(output_folder, 'metrics.json')
    with open(path) as f:
        run_data = json.load(f)
    x = T.matrix('x')
    table = []
    for label, da in encoders:
        print('... probing %s' % label)
        if da is None:
            features, n_in = datasets, datasets[0][0].get_value(
                borrow=True).shape[1]
        else:
            encode = theano.function([x], da.get_hidden_values(x))
            features = [(theano.shared(encode(sx.get_value(borrow=True)),
                                       borrow=True), sy)
                        for sx, sy in datasets]
            n_in = da.n_hidden
        valid, test, epochs = fit(features, n_in)
        table.append({'features': label, 'validation_error': float(valid),
                      'test_error': float(test), 'epochs': int(epochs)})
    print('%-16s %17s %11s %7s' % ('features', 'validation error',
                                   'test error', 'epochs'))
    for row in table:
        print('%-16s %15.4f %% %9.4f %% %7d' % (
            row['features'], 100 * row['validation_error'],
            100 * row['test_error'], row['epochs']))
    run_data['probe'] = table
    write_metrics(run_data, output_folder)
    return table


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

    :returns: the images as drawn, ``[[h x w array, ...], ...]``, a list
              per row
    """
    from matplotlib.figure import Figure
    n_rows, n_cols = len(rows), rows[0].shape[0]
    fig = Figure(figsize=(10, 0.75 * n_rows), dpi=100)
    # a caption column on the left, then one small axes per image
    grid = fig.add_gridspec(n_rows, n_cols + 3, left=0.01, right=0.99,
                            bottom=0.02, top=0.98, wspace=0.1, hspace=0.1)
    drawn = []
    for r, (row, label) in enumerate(zip(rows, labels)):
        caption = fig.add_subplot(grid[r, :3])
        caption.axis('off')
        caption.text(1, 0.5, label, ha='right', va='center')
        images = [numpy.asarray(image).reshape(img_shape) for image in row]
        for c, image in enumerate(images):
            ax = fig.add_subplot(grid[r, 3 + c])
            ax.imshow(image, cmap='gray', vmin=0, vmax=1,
                      interpolation='nearest')
            ax.axis('off')
        drawn.append(images)
    save_figure(fig, path)
    return drawn
