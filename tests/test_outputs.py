"""What test_dA writes besides the filters (da_tutorial.report): pictures,
metrics, saved models (dA.save, dA.load), the linear probe; and the progress
bar (da_tutorial.training)."""
import json
import os
import sys

import numpy
import pytest
from PIL import Image

import dA as dA_module
from da_tutorial import training
from da_tutorial.engine import T, sigmoid, theano
from da_tutorial.report import plot_cost_curves, plot_image_rows
from dA import dA

load_dA = dA.load

floatX = theano.config.floatX


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """One small run of test_dA (2 epochs, filters every epoch)."""
    from conftest import small_dataset_file
    folder = tmp_path_factory.mktemp('run')
    path = small_dataset_file(folder)
    out = folder / 'plots'
    costs = dA_module.test_dA(learning_rate=0.1, training_epochs=2,
                              dataset=path, batch_size=20,
                              output_folder=str(out), n_hidden=120,
                              corruption_levels=(0., 0.3), seed=5,
                              filters_every=1)
    return path, out, costs


@pytest.mark.slow
def test_pictures_exist_with_expected_sizes(trained):
    _, out, _ = trained
    sizes = {'reconstructions.png': (1000, 300), 'cost_curves.png': (800, 500),
             'filters_corruption_30_epoch_1.png': (289, 289),
             'filters_corruption_0_epoch_2.png': (289, 289)}
    for name, size in sizes.items():
        img = Image.open(str(out / name))
        assert img.size == size, name
        pixels = numpy.asarray(img.convert('L'), dtype=float)
        assert pixels.std() > 10, name + ' is blank'


@pytest.mark.slow
def test_test_set_costs_match_numpy(trained):
    """metrics.json's test reconstruction cost of each saved model is the
    mean cross-entropy of rebuilding the clean test digits (NumPy math)."""
    import npda
    from conftest import small_splits
    _, out, _ = trained
    test_x = small_splits()[2][0].astype('float64')
    metrics = json.loads((out / 'metrics.json').read_text())
    assert metrics['settings']['shown_corruption'] == 0.3
    for run in metrics['runs']:
        with numpy.load(str(out / run['model'])) as f:
            expected = npda.cost(test_x, f['W'].astype('float64'),
                                 f['b'].astype('float64'),
                                 f['b_prime'].astype('float64'))
        assert run['test_reconstruction_cost'] == pytest.approx(
            expected, rel=1e-4 if floatX == 'float32' else 1e-9)
        assert run['test_denoising_cost'] > 0


@pytest.mark.slow
def test_metrics_json_keys_and_printed_costs(trained, capsys):
    _, out, costs = trained
    metrics = json.loads((out / 'metrics.json').read_text())
    assert set(metrics) == {'settings', 'versions', 'runs', 'files'}
    # the run's files, exactly: the folder holds nothing else
    assert sorted(metrics['files']) == sorted(os.listdir(str(out)))
    assert set(metrics['versions']) == {'python', 'numpy', 'theano',
                                        'blas_ldflags', 'blas', 'floatX',
                                        'device', 'engine', 'cpu',
                                        'blas_threads'}
    assert metrics['versions']['floatX'] == floatX
    assert metrics['settings']['corruption_levels'] == [0., 0.3]
    for run in metrics['runs']:
        assert set(run) == {'corruption_level', 'epoch_costs',
                            'epoch_seconds', 'model',
                            'test_reconstruction_cost', 'test_denoising_cost'}
        assert run['epoch_costs'] == [float(c) for c in
                                      costs[run['corruption_level']]]
        assert len(run['epoch_seconds']) == 2
        assert all(t > 0 for t in run['epoch_seconds'])
    # no temporary file left behind
    assert not [n for n in os.listdir(str(out)) if n.startswith('.tmp')]


def test_cost_curves_plot_one_line_per_level(tmp_path):
    costs = {0.: [5., 4., 3.5], 0.3: [6., 5.5, 5.2], 0.5: [7., 6.9, 6.8]}
    lines = plot_cost_curves(costs, str(tmp_path / 'c.png'))
    assert [label for label, _, _ in lines] == ['corruption 0 %',
                                                'corruption 30 %',
                                                'corruption 50 %']
    for (label, xs, ys), level in zip(lines, sorted(costs)):
        assert xs == [0, 1, 2] and ys == costs[level]
    assert Image.open(str(tmp_path / 'c.png')).size == (800, 500)


def test_image_rows_draw_each_image_in_its_place(tmp_path):
    rows = [numpy.random.RandomState(r).rand(4, 6) for r in range(3)]
    drawn = plot_image_rows(rows, ['a', 'b', 'c'], str(tmp_path / 'r.png'),
                            img_shape=(2, 3))
    for row, images in zip(rows, drawn):
        for k, image in enumerate(images):
            numpy.testing.assert_array_equal(image, row[k].reshape(2, 3))
    assert Image.open(str(tmp_path / 'r.png')).size == (1000, 225)


@pytest.mark.slow
def test_save_then_load_gives_the_same_model(trained, tmp_path):
    _, out, _ = trained
    path = str(out / 'dA_corruption_30.npz')
    x = T.matrix('x')
    loaded = load_dA(path, input=x)
    with numpy.load(path) as f:
        saved = {k: f[k] for k in f.files}
    numpy.testing.assert_array_equal(loaded.W.get_value(), saved['W'])
    numpy.testing.assert_array_equal(loaded.b.get_value(), saved['b'])
    numpy.testing.assert_array_equal(loaded.b_prime.get_value(),
                                     saved['b_prime'])
    assert (loaded.n_visible, loaded.n_hidden) == (784, 120)
    # saving the loaded model again gives the same arrays
    again = str(tmp_path / 'again.npz')
    loaded.save(again)
    with numpy.load(again) as f:
        for k in ('W', 'b', 'b_prime'):
            numpy.testing.assert_array_equal(f[k], saved[k])
    # same cost on the same minibatch, at corruption 0 (deterministic)
    batch = numpy.random.RandomState(0).rand(10, 784).astype(floatX)
    costs = []
    for model in (loaded, load_dA(again)):
        cost, _ = model.get_cost_updates(0., 0.1)
        costs.append(float(theano.function([model.x], cost)(batch)))
    assert costs[0] == costs[1]


@pytest.mark.slow
def test_loaded_weights_seed_a_stacked_layer(trained):
    from mlp import HiddenLayer
    _, out, _ = trained
    x = T.matrix('x')
    first = load_dA(str(out / 'dA_corruption_30.npz'), input=x)
    layer = HiddenLayer(numpy.random.RandomState(0), x, 784, 120,
                        W=first.W, b=first.b, activation=sigmoid)
    batch = numpy.random.RandomState(1).rand(3, 784).astype(floatX)
    numpy.testing.assert_allclose(
        theano.function([x], layer.output)(batch),
        theano.function([x], first.get_hidden_values(x))(batch))


@pytest.mark.slow
def test_truncated_or_hostile_npz_gets_a_one_line_error(trained, tmp_path):
    _, out, _ = trained
    raw = (out / 'dA_corruption_0.npz').read_bytes()
    cut = tmp_path / 'cut.npz'
    cut.write_bytes(raw[:len(raw) // 2])
    wrong = tmp_path / 'wrong.npz'
    numpy.savez(str(wrong), W=numpy.zeros((784, 10)), b=numpy.zeros(11),
                b_prime=numpy.zeros(784), n_visible=784, n_hidden=10)
    partial = tmp_path / 'partial.npz'
    numpy.savez(str(partial), W=numpy.zeros((784, 10)))
    # a pickled object in place of W: loading it could run any code
    hostile = tmp_path / 'hostile.npz'
    numpy.savez(str(hostile), W=numpy.array([os.system], dtype=object),
                b=numpy.zeros(10), b_prime=numpy.zeros(784), n_visible=784,
                n_hidden=10)
    sizes = tmp_path / 'sizes.npz'
    numpy.savez(str(sizes), W=numpy.zeros((784, 10)), b=numpy.zeros(10),
                b_prime=numpy.zeros(784), n_visible='784', n_hidden=10)
    for path, message in ((cut, 'cannot read saved dA'),
                          (wrong, 'b must be finite floats of shape'),
                          (partial, 'not a saved dA'),
                          (hostile, 'cannot read saved dA'),
                          (sizes, 'must be positive integers')):
        with pytest.raises(ValueError, match=message) as error:
            load_dA(str(path))
        assert '\n' not in str(error.value), path


@pytest.mark.slow
def test_probe_beats_chance(trained, capsys):
    path, out, _ = trained
    from da_tutorial.report import probe, saved_encoders
    from logistic_sgd import load_data, train_logistic_regression

    def fit(data, n_in):
        return train_logistic_regression(data, n_in, learning_rate=0.5,
                                         n_epochs=30, batch_size=25,
                                         model_path=None)
    table = probe(saved_encoders(str(out), dA.load), load_data(path), fit,
                  str(out))
    assert [r['features'] for r in table] == ['raw pixels', '0 % dA code',
                                              '30 % dA code']
    for row in table:
        assert row['test_error'] < 0.5 and row['validation_error'] < 0.5
    printed = capsys.readouterr().out
    assert 'validation error' in printed and '30 % dA code' in printed
    metrics = json.loads((out / 'metrics.json').read_text())
    assert metrics['probe'] == table


def test_probe_without_a_run_says_what_to_do(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        dA_module.main(['--probe', '--output-folder', str(tmp_path),
                        '--dataset', 'unused.pkl.gz'])
    assert e.value.code == 2
    assert 'run python dA.py' in capsys.readouterr().err


def test_progress_bar_on_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, 'isatty', lambda: True)
    loop = training.Epochs(2, 50, batch_size=20)
    for epoch in loop:
        c = loop.costs
        for batch_index in loop.minibatches():
            c.append(1.0)
        print('Training epoch %d, cost ' % epoch, numpy.mean(c))
    captured = capsys.readouterr()
    assert loop.epoch_costs == [1.0, 1.0] and len(loop.epoch_seconds) == 2
    assert captured.out.splitlines() == ['Training epoch 0, cost  1.0',
                                         'Training epoch 1, cost  1.0']
    assert 'ex/s' in captured.err or 'ex]' in captured.err
