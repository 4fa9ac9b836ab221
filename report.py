"""What a run of ``test_dA`` leaves behind, and what the models learnt.

The tutorial's own output is the filters of each model
(``save_filters``); beyond it, each model is saved (``save_dA``; read back
with ``load_dA``), ``report_models`` writes ``reconstructions.png`` (the
models rebuilding corrupted test digits), ``cost_curves.png`` and
``metrics.json`` (the run's settings, versions, costs and test-set costs),
and ``probe`` (``python dA.py --probe``) fits the tutorial's logistic
regression on each saved model's code.  Every file is written to a
temporary name and renamed.
"""
import json
import os
import platform
import tempfile
import zipfile

import numpy
from PIL import Image

from backend import DEVICE, ENGINE, T, blas_ldflags, theano
from logistic_sgd import load_data, train_logistic_regression
from utils import (atomic_write, corruption_name, plot_cost_curves,
                   plot_image_rows, tile_raster_images)


def check_output_folder(output_folder):
    """Create ``output_folder`` if needed and make sure files can be written.

    :raises ValueError: naming the folder and the reason
    """
    try:
        os.makedirs(output_folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_folder):
            pass
    except OSError as e:
        raise ValueError('output folder %r is not writable: %s; choose '
                         'another with --output-folder' % (output_folder, e))


def save_filters(da, path, tile_shape=(10, 10)):
    """Save the first filters of ``da`` (rows of W.T) as one tiled picture.

    Written to a temporary name and renamed, so ``path`` is never partial.

    :type da: dA
    :param da: a dA with 28x28 inputs

    :type path: str
    :param path: the ``.png`` file to write
    """
    image = Image.fromarray(tile_raster_images(
        X=da.W.get_value(borrow=True).T,
        img_shape=(28, 28), tile_shape=tile_shape,
        tile_spacing=(1, 1)))
    with atomic_write(path) as f:
        image.save(f, format='PNG')


def filters_saver(output_folder, level, every):
    """An ``on_epoch(epoch, da)`` that saves the filters after every
    ``every`` epochs (never for 0), as ``filters_corruption_<percent>_epoch_<N>
    .png``."""
    def on_epoch(epoch, da):
        if every and (epoch + 1) % every == 0:
            save_filters(da, os.path.join(
                output_folder, 'filters_corruption_%s_epoch_%d.png'
                % (corruption_name(level), epoch + 1)))
    return on_epoch


def save_run(da, level, epoch_costs, epoch_seconds, output_folder):
    """Save one corruption level's model; return its record for
    metrics.json."""
    model = 'dA_corruption_%s.npz' % corruption_name(level)
    save_dA(da, os.path.join(output_folder, model))
    return {'corruption_level': level,
            'epoch_costs': [float(c) for c in epoch_costs],
            'epoch_seconds': epoch_seconds, 'model': model}


def report_models(models, runs, test_set, settings, output_folder):
    """Show what the trained models learnt: reconstructions.png,
    cost_curves.png, and metrics.json with their test-set costs.

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
    write_metrics({'settings': dict(settings, shown_corruption=shown),
                   'versions': versions(), 'runs': runs}, output_folder)


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
    """The versions and Theano settings a run used, for metrics.json."""
    return {'python': platform.python_version(), 'numpy': numpy.__version__,
            'theano': theano.__version__,   # the engine's version
            'blas_ldflags': blas_ldflags(), 'engine': ENGINE,
            'floatX': theano.config.floatX, 'device': DEVICE}


def write_metrics(run_data, output_folder):
    """Write ``run_data`` as output_folder/metrics.json, atomically."""
    with atomic_write(os.path.join(output_folder, 'metrics.json')) as f:
        f.write((json.dumps(run_data, indent=2) + '\n').encode())


def probe(output_folder='dA_plots', dataset='mnist.pkl.gz',
          learning_rate=0.13, n_epochs=1000, batch_size=600):
    """Linear probe: how useful is each saved dA's code for classifying?

    Trains the tutorial's LogisticRegression (SGD, early stopping, its
    settings) on raw pixels and on the hidden activations of each dA that
    ``test_dA`` saved in ``output_folder``; prints a table of validation and
    test errors and adds it to metrics.json as ``probe``.

    :type output_folder: str
    :param output_folder: where ``test_dA`` wrote metrics.json and models

    :type dataset: str
    :param dataset: the data set the dAs were trained on

    :type learning_rate: float
    :param learning_rate: the classifier's SGD step (the tutorial's 0.13)

    :type n_epochs: int
    :param n_epochs: most epochs; early stopping usually ends sooner

    :type batch_size: int
    :param batch_size: the classifier's minibatch (the tutorial's 600)

    :returns: list of dicts with features, validation_error, test_error,
              epochs
    """
    path = os.path.join(output_folder, 'metrics.json')
    try:
        with open(path) as f:
            run_data = json.load(f)
        models = [(r['corruption_level'], os.path.join(output_folder,
                                                       r['model']))
                  for r in run_data['runs']]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError('no trained models to probe in %s (%s); run '
                         'python dA.py --output-folder %s first'
                         % (output_folder, e, output_folder)) from None
    x = T.matrix('x')
    encoders = [('raw pixels', None)] + [
        ('%g %% dA code' % (100 * level), load_dA(model, input=x))
        for level, model in models]
    datasets = load_data(dataset)
    table = []
    for label, da in encoders:
        print('... probing %s' % label)
        if da is None:
            features, n_in = datasets, 28 * 28
        else:
            encode = theano.function([x], da.get_hidden_values(x))
            features = [(theano.shared(encode(sx.get_value(borrow=True)),
                                       borrow=True), sy)
                        for sx, sy in datasets]
            n_in = da.n_hidden
        valid, test, epochs = train_logistic_regression(
            features, n_in, learning_rate, n_epochs, batch_size,
            model_path=None)
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


def save_dA(da, path):
    """Write a dA's W, b, b_prime and shapes to an ``.npz`` file (no pickle),
    under a temporary name, then renamed.

    :type da: dA
    :param da: the model

    :type path: str
    :param path: the file to write (``.npz`` is not added)
    """
    with atomic_write(path) as f:
        numpy.savez(f, W=da.W.get_value(), b=da.b.get_value(),
                    b_prime=da.b_prime.get_value(), n_visible=da.n_visible,
                    n_hidden=da.n_hidden)


def load_dA(path, input=None, numpy_rng=None, theano_rng=None):
    """Return a dA with exactly the parameters ``save_dA`` wrote.

    :type path: str
    :param path: an ``.npz`` written by ``save_dA``

    :type input: theano.tensor.TensorType
    :param input: symbolic input, as for the dA constructor

    :type numpy_rng: numpy.random.RandomState or None
    :param numpy_rng: seeds the corruption noise when ``theano_rng`` is
                      None (RandomState(123) when None too)

    :type theano_rng: RandomStreams or None
    :param theano_rng: as for the dA constructor

    :raises ValueError: naming the file and what is wrong with it
    """
    from dA import dA      # dA.py imports this module
    try:
        with numpy.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in ('W', 'b', 'b_prime',
                                        'n_visible', 'n_hidden')}
    except KeyError as e:
        raise ValueError('%s is not a saved dA: no %s in it'
                         % (path, e)) from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError('cannot read saved dA %s: %s: %s (truncated or '
                         'not an .npz written by save_dA?)'
                         % (path, type(e).__name__, e)) from e
    n_visible, n_hidden = int(arrays['n_visible']), int(arrays['n_hidden'])
    expected = {'W': (n_visible, n_hidden), 'b': (n_hidden,),
                'b_prime': (n_visible,)}
    for name, shape in expected.items():
        value = arrays[name]
        if value.shape != shape or value.dtype.kind != 'f' or \
                not numpy.all(numpy.isfinite(value)):
            raise ValueError('%s: %s must be finite floats of shape %s, '
                             'got %s %s' % (path, name, shape,
                                            value.dtype, value.shape))

    def shared(name):
        return theano.shared(numpy.asarray(arrays[name],
                                           dtype=theano.config.floatX),
                             name=name, borrow=True)
    return dA(numpy_rng or numpy.random.RandomState(123),
              theano_rng=theano_rng, input=input, n_visible=n_visible,
              n_hidden=n_hidden, W=shared('W'), bhid=shared('b'),
              bvis=shared('b_prime'))
