"""The tutorial series' MLP (mlp.py) against NumPy math."""
import math

import numpy
import pytest

import mlp
from da_tutorial.engine import T, theano

floatX = theano.config.floatX


def test_mlp_first_cost_and_gradient_step_match_numpy(small_dataset):
    """The first cost is log(10) (the logistic layer starts at zero) plus
    the L2 term of the hidden weights, drawn as the tutorial draws them;
    one SGD step then moves only what NumPy says it moves."""
    _, splits = small_dataset
    xs, ys = splits[0][0][:20].astype(floatX), splits[0][1][:20]
    x, y = T.matrix('x'), T.ivector('y')
    rng = numpy.random.RandomState(1234)
    classifier = mlp.MLP(rng=rng, input=x, n_in=784, n_hidden=30, n_out=10)
    bound = numpy.sqrt(6. / (784 + 30))
    W_h = numpy.random.RandomState(1234).uniform(-bound, bound, (784, 30))
    numpy.testing.assert_allclose(classifier.hiddenLayer.W.get_value(), W_h,
                                  rtol=1e-6)
    l2 = 1e-4
    cost = classifier.negative_log_likelihood(y) + l2 * classifier.L2_sqr
    updates = [(p, p - 0.01 * T.grad(cost, p)) for p in classifier.params]
    step = theano.function([x, y], cost, updates=updates)
    first = float(step(xs, ys.astype('int32')))
    expected = math.log(10) + l2 * float((W_h ** 2).sum())
    assert first == pytest.approx(expected, rel=1e-5)
    # the logistic layer's gradient at zero weights: h^T (p - onehot) / n,
    # with p = 1/10 everywhere
    h = numpy.tanh(xs.astype('float64').dot(W_h))
    onehot = numpy.eye(10)[ys]
    grad_W = h.T.dot(0.1 - onehot) / len(ys)
    numpy.testing.assert_allclose(
        classifier.logRegressionLayer.W.get_value(), -0.01 * grad_W,
        rtol=1e-3, atol=1e-7)
    assert classifier.params == [classifier.hiddenLayer.W,
                                 classifier.hiddenLayer.b,
                                 classifier.logRegressionLayer.W,
                                 classifier.logRegressionLayer.b]


@pytest.mark.slow
def test_test_mlp_learns_the_small_set(small_dataset, tmp_path, capsys):
    path, _ = small_dataset
    valid, best_iter, test, epochs = mlp.test_mlp(
        learning_rate=0.1, n_epochs=20, dataset=path, batch_size=25,
        n_hidden=30, output_folder=str(tmp_path / 'run'))
    out = capsys.readouterr().out
    assert 'Optimization complete. Best validation score of' in out
    assert valid < 0.5 and test < 0.5     # chance is 0.9
    assert epochs == 20


def test_bad_settings_fail_before_loading(capsys):
    with pytest.raises(SystemExit):
        mlp.main(['--n-hidden', '0'])
    assert '--n-hidden must be an integer >= 1, got 0' in \
        capsys.readouterr().err
