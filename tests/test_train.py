"""test_dA end to end on a small synthetic set, checked against NumPy."""
import os

import numpy
import pytest
from PIL import Image

import dA as dA_module
import npda
from da_tutorial.engine import theano

floatX = theano.config.floatX
RTOL = 1e-3 if floatX == 'float32' else 1e-7


@pytest.mark.slow
def test_end_to_end_matches_numpy_and_draws_filters(small_dataset, tmp_path,
                                                    capsys):
    path, splits = small_dataset
    out = tmp_path / 'plots'
    costs = dA_module.test_dA(learning_rate=0.1, training_epochs=2,
                              dataset=path, batch_size=20,
                              output_folder=str(out), n_hidden=120,
                              corruption_levels=(0., 0.3), seed=123)
    captured = capsys.readouterr()
    # the tutorial's lines, on the tutorial's streams
    lines = [l for l in captured.out.splitlines() if l.startswith('Training')]
    assert [l.split(',')[0] for l in lines] == ['Training epoch 0',
                                               'Training epoch 1'] * 2
    assert 'The no corruption code for file dA.py ran for' in captured.err
    assert 'The 30% corruption code for file dA.py ran for' in captured.err
    # without corruption the run is deterministic: NumPy SGD must agree
    expected = npda.train(splits[0][0].astype('float64'), seed=123,
                          n_hidden=120, learning_rate=0.1, epochs=2,
                          batch_size=20)
    numpy.testing.assert_allclose(costs[0.], expected, rtol=RTOL)
    for level, printed in zip((0., 0.3), (lines[:2], lines[2:])):
        numpy.testing.assert_allclose(
            [float(l.split()[-1]) for l in printed], costs[level], rtol=1e-6)
    assert costs[0.3][1] < costs[0.3][0]
    assert sorted(os.listdir(str(out))) == [
        'cost_curves.png', 'dA_corruption_0.npz', 'dA_corruption_30.npz',
        'filters_corruption_0.png', 'filters_corruption_30.png',
        'metrics.json', 'reconstructions.png']
    for name in ('filters_corruption_0.png', 'filters_corruption_30.png'):
        img = numpy.asarray(Image.open(str(out / name)))
        assert img.shape == (289, 289) and img.dtype == numpy.uint8
        assert img.std() > 10          # not blank
    # pipes and log files get no progress bar: the tutorial's lines, and
    # one line per epoch with the time left
    assert '\r' not in captured.err and 'ex/s' not in captured.err
    assert '[dA, corruption 30 %, epoch 2/2: ' in captured.err


def test_non_finite_cost_stops_with_epoch_and_minibatch(small_dataset,
                                                        tmp_path):
    out = tmp_path / 'plots'
    with pytest.raises(FloatingPointError,
                       match=r'epoch 0, minibatch \d+.*learning rate'):
        # half the largest rate the door lets through: its steps blow up
        rate = float(numpy.finfo(dA_module.theano.config.floatX).max) / 784
        dA_module.test_dA(learning_rate=rate / 2, training_epochs=1,
                          dataset=small_dataset[0], batch_size=20,
                          output_folder=str(out), n_hidden=120,
                          corruption_levels=(0.,))
    assert os.listdir(str(out)) == []      # no picture of a broken model


@pytest.fixture
def no_compiling(monkeypatch):
    """Fail the test if anything gets compiled."""
    def refuse(*args, **kwargs):
        raise AssertionError('compiled before the settings were checked')
    monkeypatch.setattr(dA_module.theano, 'function', refuse)


@pytest.mark.parametrize('kwargs, message', [
    (dict(corruption_levels=(0., 1.2)), 'corruption level'),
    (dict(corruption_levels=(-0.1,)), 'corruption level'),
    (dict(corruption_levels=()), 'at least one'),
    (dict(corruption_levels=(0.3, 0.301)), 'same file name'),
    (dict(training_epochs=0), 'training_epochs'),
    (dict(training_epochs=2.5), 'training_epochs'),
    (dict(learning_rate=0), 'learning_rate'),
    (dict(learning_rate=float('inf')), 'learning_rate'),
    (dict(n_hidden=0), 'n_hidden'),
    (dict(batch_size=-1), 'batch_size'),
    (dict(batch_size=201), 'larger than the training set'),
])
def test_bad_hyperparameters_fail_before_compiling(
        small_dataset, tmp_path, no_compiling, kwargs, message):
    settings = dict(dataset=small_dataset[0], output_folder=str(tmp_path),
                    training_epochs=1)
    settings.update(kwargs)
    with pytest.raises(ValueError, match=message):
        dA_module.test_dA(**settings)


def test_unwritable_output_folder(small_dataset, tmp_path, no_compiling):
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    with pytest.raises(ValueError, match='not writable'):
        dA_module.test_dA(dataset=small_dataset[0],
                          output_folder=str(blocker / 'plots'))


def test_command_line_reports_bad_values(capsys, no_compiling):
    with pytest.raises(SystemExit) as e:
        dA_module.main(['--epochs', '0'])
    assert e.value.code == 2
    # the command line names its option, as the user typed it
    assert '--epochs must be an integer >= 1, got 0' in \
        capsys.readouterr().err
    # and the function its parameter
    with pytest.raises(ValueError, match='^training_epochs must be an '
                       'integer >= 1, got 0$'):
        dA_module.test_dA(training_epochs=0)


def test_infinite_learning_rate_names_a_range_without_it(capsys,
                                                         no_compiling):
    with pytest.raises(SystemExit):
        dA_module.main(['--learning-rate', 'inf'])
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.endswith(' error: --learning-rate must be a finite '
                            'number in (0, inf), got inf')


def test_bad_dataset_leaves_no_output_folder(tmp_path, monkeypatch,
                                             no_compiling):
    monkeypatch.setenv('DA_DATA_DIR', str(tmp_path))
    out = tmp_path / 'dA_plots'
    with pytest.raises(ValueError, match='no_such.pkl.gz'):
        dA_module.test_dA(dataset='no_such.pkl.gz', output_folder=str(out))
    assert not out.exists()
