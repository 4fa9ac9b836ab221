"""mlp.HiddenLayer and the stacked denoising autoencoder (SdA.py)."""
import numpy
import pytest

from da_tutorial.engine import T, sigmoid, theano
import npda
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
        got, npda.sigmoid(xv.astype('float64') @ W + b),
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_small_sda_end_to_end(small_dataset, tmp_path, capsys):
    valid, test = SdA_module.test_SdA(
        finetune_lr=0.2, pretraining_epochs=1, pretrain_lr=0.05,
        training_epochs=8, dataset=small_dataset[0], batch_size=10,
        hidden_layers_sizes=(40, 30), corruption_levels=(0.1, 0.2),
        output_folder=str(tmp_path / 'out'))
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


def params_of(sda):
    return [p.get_value().astype('float64') for p in sda.params]


def test_batch_one_finetuning_step_is_sgd_on_the_network(data):
    """SdA.py's default batch of one goes through the engine's vector
    kernels (ops.one_row.one_row_dot); the step is still the tutorial's SGD,
    checked against NumPy in float64."""
    sda = small_sda()
    rng = numpy.random.RandomState(5)
    for p in sda.params:      # a non-zero top layer: every gradient counts
        p.set_value((rng.uniform(-.3, .3, p.get_value().shape))
                    .astype(floatX))
    train_fn, _, _ = sda.build_finetune_functions(data, batch_size=1,
                                                  learning_rate=0.2)
    W0, b0, W1, b1, W2, b2 = params_of(sda)
    i = 7
    x = data[0][0].get_value()[i:i + 1].astype('float64')
    y = int(data[0][1].eval()[i])
    cost = train_fn(i)

    h0 = npda.sigmoid(x @ W0 + b0)
    h1 = npda.sigmoid(h0 @ W1 + b1)
    p = npda.softmax(h1 @ W2 + b2)
    d2 = p.copy()
    d2[0, y] -= 1
    d1 = (d2 @ W2.T) * h1 * (1 - h1)
    d0 = (d1 @ W1.T) * h0 * (1 - h0)
    expected = [W0 - 0.2 * x.T @ d0, b0 - 0.2 * d0[0],
                W1 - 0.2 * h0.T @ d1, b1 - 0.2 * d1[0],
                W2 - 0.2 * h1.T @ d2, b2 - 0.2 * d2[0]]
    tol = dict(rtol=1e-4, atol=1e-6) if floatX == 'float32' else \
        dict(rtol=1e-9, atol=1e-12)
    numpy.testing.assert_allclose(float(cost), -numpy.log(p[0, y]), **tol)
    for got, want in zip(params_of(sda), expected):
        numpy.testing.assert_allclose(got, want, **tol)


def test_batch_one_pretraining_step_is_the_dA_gradient(data):
    """Layer 1's dA at batch 1 (its input through layer 0), without
    corruption, against the tied-weights gradient in NumPy."""
    sda = small_sda()
    fns = sda.pretraining_functions(data[0][0], batch_size=1)
    W0, b0 = params_of(sda)[:2]
    da = sda.dA_layers[1]
    W, b, bp = (v.get_value().astype('float64')
                for v in (da.W, da.b, da.b_prime))
    i = 3
    x0 = data[0][0].get_value()[i:i + 1].astype('float64')
    cost = fns[1](i, corruption=0., lr=0.5)

    x = npda.sigmoid(x0 @ W0 + b0)
    rows, *expected = npda.sgd_step(x, W, b, bp, 0.5)
    tol = dict(rtol=1e-4, atol=1e-6) if floatX == 'float32' else \
        dict(rtol=1e-9, atol=1e-12)
    numpy.testing.assert_allclose(float(cost), rows[0], **tol)
    for param, value in zip((da.W, da.b, da.b_prime), expected):
        numpy.testing.assert_allclose(param.get_value(), value, **tol)
    # and layer 0 is untouched by layer 1's step
    numpy.testing.assert_array_equal(sda.params[0].get_value(), W0)


def compiled_op_names(fn):
    fn = getattr(fn, 'compiled', fn)     # the Theano face's wrapper
    return [type(node.op).__name__ for node in fn.maker.fgraph.toposort()]


def test_batch_one_steps_use_no_matrix_matrix_product(data):
    """At batch 1 no product is compiled as a matrix-matrix one (Dot22):
    each is a vector kernel (gemv), or on Theano a ger for the updates."""
    sda = small_sda()
    fns = sda.pretraining_functions(data[0][0], batch_size=1)
    train_fn, _, _ = sda.build_finetune_functions(data, batch_size=1,
                                                  learning_rate=0.1)
    for fn in fns + [train_fn]:
        names = compiled_op_names(fn)
        assert any('Gemv' in n for n in names), names
        assert not any(n.startswith('Dot22') for n in names), names
        if 'pytensor' not in theano.__name__:
            assert not any(n.startswith('Gemm') for n in names), names
    # at batch 20 the engine's matrix kernels stay
    fns20 = sda.pretraining_functions(data[0][0], batch_size=20)
    assert any(n.startswith(('Dot22', 'Gemm'))
               for n in compiled_op_names(fns20[0]))


def numpy_errors(sda, x, y):
    """Misclassified examples of the SdA's weights, by NumPy."""
    a = x.astype('float64')
    for layer in sda.sigmoid_layers:
        a = npda.sigmoid(a @ layer.W.get_value() + layer.b.get_value())
    a = a @ sda.logLayer.W.get_value() + sda.logLayer.b.get_value()
    return int((a.argmax(axis=1) != y).sum())


@pytest.mark.slow
def test_evaluation_batch_size_keeps_the_error(data):
    """validate/test in minibatches of 1, 10 or 50 give the same error, the
    one NumPy counts."""
    sda = small_sda()
    train_fn, _, _ = sda.build_finetune_functions(data, batch_size=1,
                                                  learning_rate=0.1)
    for i in range(100):
        train_fn(i)
    x, y = data[1][0].get_value(), data[1][1].eval()
    expected = numpy_errors(sda, x, y) / float(len(y))
    assert 0 < expected < 0.9
    for size in (1, 10, 50):
        _, valid_score, _ = sda.build_finetune_functions(
            data, batch_size=1, learning_rate=0.1, eval_batch_size=size)
        scores = valid_score()
        assert len(scores) == 50 // size
        assert abs(numpy.mean(scores) - expected) < 1e-6, size


@pytest.mark.parametrize('sizes, largest, expected', [
    ([10000, 10000], 500, 500), ([50, 50], 500, 50), ([10000, 9999], 500, 1),
    ([30, 45], 500, 15), ([1000], 7, 5)])
def test_even_batch_size(sizes, largest, expected):
    from da_tutorial.training import even_batch_size
    assert even_batch_size(sizes, largest) == expected


@pytest.mark.slow
def test_the_run_is_recorded(small_dataset, tmp_path, capsys):
    """metrics.json holds what the run printed: each layer's pretraining
    costs, each validation, the final errors; progress went to stderr."""
    import json
    folder = tmp_path / 'run'
    valid, test = SdA_module.test_SdA(
        finetune_lr=0.2, pretraining_epochs=2, pretrain_lr=0.05,
        training_epochs=3, dataset=small_dataset[0], batch_size=10,
        hidden_layers_sizes=(40, 30), corruption_levels=(0.1, 0.2),
        output_folder=str(folder))
    captured = capsys.readouterr()
    run = json.loads((folder / 'metrics.json').read_text())
    assert run['settings']['hidden_layers_sizes'] == [40, 30]
    assert [r['layer'] for r in run['pretraining']] == [0, 1]
    for r in run['pretraining']:
        assert len(r['epoch_costs']) == len(r['epoch_seconds']) == 2
        assert r['threads']['setting']     # how the threads were chosen
        for epoch, cost in enumerate(r['epoch_costs']):
            assert 'Pre-training layer %d, epoch %d, cost %f' % (
                r['layer'], epoch, cost) in captured.out
    assert [r['epoch'] for r in run['finetuning']] == [1, 2, 3]
    for r in run['finetuning']:
        assert 'validation error %f %%' % (100 * r['validation_error']) \
            in captured.out
    assert run['best_validation_error'] == valid
    assert run['test_error'] == test
    assert 'left]' in captured.err and 'pre-training layer 1 of 2' in \
        captured.err
    assert run['complete'] is True


@pytest.mark.slow
def test_an_interrupted_run_keeps_its_record(small_dataset, tmp_path,
                                            monkeypatch):
    """A run stopped in finetuning (Ctrl-C in its third epoch) leaves the
    record of what was done, marked incomplete: the pretraining and the
    validations up to the last new best model."""
    import json
    real_early_stopping = SdA_module.early_stopping

    def stopped_in_epoch_3(train_model, *args, **kwargs):
        calls = []

        def step(index):
            calls.append(index)
            if len(calls) > 45:    # 20 minibatches an epoch
                raise KeyboardInterrupt
            return train_model(index)
        return real_early_stopping(step, *args, **kwargs)
    monkeypatch.setattr(SdA_module, 'early_stopping', stopped_in_epoch_3)
    folder = tmp_path / 'run'
    with pytest.raises(KeyboardInterrupt):
        SdA_module.test_SdA(
            finetune_lr=0.2, pretraining_epochs=1, pretrain_lr=0.05,
            training_epochs=5, dataset=small_dataset[0], batch_size=10,
            hidden_layers_sizes=(40, 30), corruption_levels=(0.1, 0.2),
            output_folder=str(folder))
    run = json.loads((folder / 'metrics.json').read_text())
    assert run['complete'] is False and 'test_error' not in run
    assert [r['layer'] for r in run['pretraining']] == [0, 1]
    assert all(numpy.isfinite(r['epoch_costs']).all()
               for r in run['pretraining'])
    assert run['finetuning'][0]['epoch'] == 1
    assert run['finetuning'][0]['test_error'] is not None
    assert run['finetuning'][-1]['test_error'] is not None


@pytest.mark.slow
@pytest.mark.parametrize('batch_size', [1, 10])
def test_cached_inputs_pretrain_bit_for_bit(small_dataset, batch_size):
    """cache_inputs=True (test_SdA's) gives each layer the very numbers of
    the tutorial's functions, which compute the inputs at every step."""
    datasets = load_data(small_dataset[0])
    results = []
    for cache_inputs in (False, True):
        sda = SdA(numpy_rng=numpy.random.RandomState(89677), n_ins=28 * 28,
                  hidden_layers_sizes=[40, 30, 20], n_outs=10)
        fns = sda.pretraining_functions(train_set_x=datasets[0][0],
                                        batch_size=batch_size,
                                        cache_inputs=cache_inputs)
        costs = []
        for i, fn in enumerate(fns):
            for epoch in range(2):
                costs.extend(fn(index=j, corruption=[.1, .2, .3][i], lr=0.05)
                             for j in range(200 // batch_size))
        results.append((numpy.array(costs),
                        [p.get_value() for p in sda.params]))
    (tutorial, tutorial_params), (cached, cached_params) = results
    assert numpy.array_equal(tutorial, cached)
    assert numpy.isfinite(tutorial).all() and tutorial.std() > 0
    for a, b in zip(tutorial_params, cached_params):
        assert numpy.array_equal(a, b)


def test_cached_inputs_need_the_layers_in_order(small_dataset):
    sda = SdA(numpy_rng=numpy.random.RandomState(1), n_ins=28 * 28,
              hidden_layers_sizes=[20, 20, 20], n_outs=10)
    fns = sda.pretraining_functions(load_data(small_dataset[0])[0][0], 10,
                                    cache_inputs=True)
    fns[0](0)
    with pytest.raises(RuntimeError, match='in order, bottom first'):
        fns[2](0)
    fns[1](0)
    fns[2](0)
