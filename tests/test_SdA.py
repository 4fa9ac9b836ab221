"""mlp.HiddenLayer and the stacked denoising autoencoder (SdA.py)."""
import numpy
import pytest

from da_tutorial.engine import T, sigmoid, theano
import SdA as SdA_module
from SdA import SdA
from mlp import HiddenLayer
from logistic_sgd import load_data

floatX = theano.config.floatX


def test_hidden_layer_init_and_output():
    x = T.matrix('x')
    rng = numpy.random.RandomState(0)
    tanh = HiddenLayer(rng, x, 300, 200)
    sig = HiddenLayer(rng, x, 300, 200, activation=sigmoid)
    bound = numpy.sqrt(6. / 500)
    for layer, b in ((tanh, bound), (sig, 4 * bound)):
        W = layer.W.get_value()
        assert W.shape == (300, 200) and W.dtype == floatX
        assert -b <= W.min() < -0.99 * b and 0.99 * b < W.max() <= b
        assert not layer.b.get_value().any()
        assert layer.params == [layer.W, layer.b]
    xv = rng.rand(4, 300).astype(floatX)
    W, b = sig.W.get_value(), rng.rand(200).astype(floatX)
    sig.b.set_value(b)
    got = theano.function([x], sig.output)(xv)
    numpy.testing.assert_allclose(
        got, 1 / (1 + numpy.exp(-(xv.astype('float64') @ W + b))),
        rtol=1e-4 if floatX == 'float32' else 1e-10)
    linear = HiddenLayer(rng, x, 300, 200, W=sig.W, b=sig.b, activation=None)
    assert linear.W is sig.W and linear.b is sig.b
    numpy.testing.assert_allclose(theano.function([x], linear.output)(xv),
                                  xv.astype('float64') @ W + b, rtol=1e-4)


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    from conftest import small_dataset_file
    return load_data(small_dataset_file(tmp_path_factory.mktemp('sda')))


def small_sda(seed=3):
    return SdA(numpy.random.RandomState(seed), n_ins=784,
               hidden_layers_sizes=[40, 30], n_outs=10,
               corruption_levels=[0.1, 0.2])


def test_sharing_is_real(data):
    sda = small_sda()
    assert len(sda.dA_layers) == len(sda.sigmoid_layers) == 2
    for da, layer in zip(sda.dA_layers, sda.sigmoid_layers):
        assert da.W is layer.W and da.b is layer.b
    assert sda.dA_layers[1].x is sda.sigmoid_layers[0].output
    assert len(sda.params) == 6    # W, b of each layer and of the top
    # pretraining layer k changes what the MLP's layer k computes
    fns = sda.pretraining_functions(data[0][0], batch_size=20)
    layer_out = [theano.function([sda.x], l.output)
                 for l in sda.sigmoid_layers]
    probe = data[1][0].get_value()[:10]
    for k in range(2):
        before = [f(probe) for f in layer_out]
        fns[k](0, corruption=0.2, lr=0.5)
        after = [f(probe) for f in layer_out]
        assert not numpy.allclose(before[k], after[k])
        for j in range(k):                   # layers below are untouched
            numpy.testing.assert_array_equal(before[j], after[j])


def test_pretraining_lowers_each_layers_cost(data):
    sda = small_sda()
    fns = sda.pretraining_functions(data[0][0], batch_size=20)
    for k, fn in enumerate(fns):
        epochs = [numpy.mean([fn(i, corruption=sda.corruption_levels[k],
                                 lr=0.1) for i in range(10)])
                  for _ in range(4)]
        assert epochs[-1] < epochs[0], (k, epochs)


def test_finetuning_lowers_validation_error(data):
    sda = small_sda()
    train_fn, valid_score, test_score = sda.build_finetune_functions(
        data, batch_size=10, learning_rate=0.2)
    assert len(valid_score()) == 5 and len(test_score()) == 5
    before = numpy.mean(valid_score())
    for _ in range(15):
        for i in range(20):
            train_fn(i)
    after = numpy.mean(valid_score())
    assert after < before and after < 0.5, (before, after)


def test_small_sda_end_to_end(small_dataset, capsys):
    valid, test = SdA_module.test_SdA(
        finetune_lr=0.2, pretraining_epochs=1, pretrain_lr=0.05,
        training_epochs=8, dataset=small_dataset[0], batch_size=10,
        hidden_layers_sizes=(40, 30), corruption_levels=(0.1, 0.2))
    out = capsys.readouterr().out
    assert 'Pre-training layer 1, epoch 0, cost' in out
    assert 'Optimization complete with best validation score' in out
    assert valid < 0.5 and test < 0.5           # chance is 0.9


@pytest.mark.parametrize('kwargs, message', [
    (dict(hidden_layers_sizes=()), 'at least one'),
    (dict(hidden_layers_sizes=(10, 0), corruption_levels=(.1, .1)),
     'hidden layer size'),
    (dict(corruption_levels=(.1, .2)), 'one corruption level per'),
    (dict(corruption_levels=(.1, .2, 2.)), 'corruption level'),
    (dict(finetune_lr=-1), 'finetune_lr'),
    (dict(pretrain_lr=0), 'pretrain_lr'),
    (dict(pretraining_epochs=-1), 'pretraining_epochs'),
    (dict(training_epochs=0), 'training_epochs'),
    (dict(batch_size=51), 'larger than the smallest split'),
])
def test_bad_settings_fail_before_compiling(small_dataset, monkeypatch,
                                            kwargs, message):
    def refuse(*args, **kw):
        raise AssertionError('compiled before the settings were checked')
    monkeypatch.setattr(SdA_module.theano, 'function', refuse)
    with pytest.raises(ValueError, match=message):
        SdA_module.test_SdA(dataset=small_dataset[0], **kwargs)


def test_command_line_reports_bad_values(capsys):
    with pytest.raises(SystemExit) as e:
        SdA_module.main(['--hidden-layers', '100', '--corruption-levels',
                         '0.1', '0.2'])
    assert e.value.code == 2
    assert 'one corruption level per hidden layer' in capsys.readouterr().err


def test_the_tutorials_own_constructor_call():
    """test_SdA's call in the tutorial: three layers, the constructor's
    default corruption_levels (two of them) left as they are."""
    sda = SdA(numpy_rng=numpy.random.RandomState(89677), n_ins=28 * 28,
              hidden_layers_sizes=[1000, 1000, 1000], n_outs=10)
    assert sda.n_layers == 3 and len(sda.dA_layers) == 3
    assert [layer.W.get_value().shape for layer in sda.sigmoid_layers] == \
        [(784, 1000), (1000, 1000), (1000, 1000)]
    assert all(da.W is layer.W for da, layer in
               zip(sda.dA_layers, sda.sigmoid_layers))
