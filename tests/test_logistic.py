"""LogisticRegression against NumPy, and the classifier's training loop."""
import numpy
import pytest

import npda
from da_tutorial.engine import T, theano
from logistic_sgd import LogisticRegression, sgd_optimization_mnist, predict

floatX = theano.config.floatX
RTOL = 1e-4 if floatX == 'float32' else 1e-9


def test_against_numpy():
    rng = numpy.random.RandomState(0)
    x = T.matrix('x')
    y = T.ivector('y')
    clf = LogisticRegression(input=x, n_in=6, n_out=4)
    assert not clf.W.get_value().any() and not clf.b.get_value().any()
    assert clf.params == [clf.W, clf.b] and clf.input is x
    W = rng.randn(6, 4).astype(floatX)
    b = rng.randn(4).astype(floatX)
    clf.W.set_value(W)
    clf.b.set_value(b)
    xv = rng.randn(9, 6).astype(floatX)
    yv = rng.randint(0, 4, size=9).astype('int32')
    f = theano.function([x, y], [clf.p_y_given_x, clf.y_pred,
                                 clf.negative_log_likelihood(y),
                                 clf.errors(y)])
    p, pred, nll, err = f(xv, yv)
    p_np = npda.softmax(xv.astype('float64') @ W + b)
    numpy.testing.assert_allclose(p, p_np, rtol=RTOL, atol=1e-7)
    numpy.testing.assert_array_equal(pred, p_np.argmax(axis=1))
    numpy.testing.assert_allclose(
        nll, -numpy.mean(numpy.log(p_np[numpy.arange(9), yv])), rtol=RTOL)
    assert err == pytest.approx(numpy.mean(p_np.argmax(axis=1) != yv))


def test_errors_checks_shape_and_dtype():
    clf = LogisticRegression(input=T.matrix('x'), n_in=3, n_out=2)
    with pytest.raises(TypeError):
        clf.errors(T.imatrix('y'))
    with pytest.raises(NotImplementedError):
        clf.errors(T.vector('y'))


@pytest.mark.slow
def test_sgd_learns_and_saves_the_best_model(small_dataset, tmp_path,
                                            capsys):
    path, splits = small_dataset
    model = str(tmp_path / 'best.pkl')
    best_valid, test_score, epochs = sgd_optimization_mnist(
        learning_rate=0.5, n_epochs=20, dataset=path, batch_size=25,
        model_path=model, output_folder=str(tmp_path / 'run'))
    out = capsys.readouterr().out
    assert 'Optimization complete with best validation score of' in out
    assert epochs == 20
    assert best_valid < 0.2 and test_score < 0.2   # chance is 0.9
    pred = predict(dataset=path, model_path=model, n=10)
    test_y = splits[2][1][:10]
    assert numpy.mean(pred == test_y) >= 0.7
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # no temp file
        'best.pkl', 'run', 'small.pkl.gz']
    # the run's record, and nothing else: no checkpoint, lock or temp file
    assert sorted(p.name for p in (tmp_path / 'run').iterdir()) == [
        'metrics.json']


@pytest.mark.parametrize('kwargs', [dict(learning_rate=-1),
                                    dict(n_epochs=0),
                                    dict(batch_size=1000)])
def test_bad_settings(small_dataset, tmp_path, kwargs):
    with pytest.raises(ValueError):
        sgd_optimization_mnist(dataset=small_dataset[0],
                               model_path=str(tmp_path / 'm.pkl'),
                               output_folder=str(tmp_path / 'run'), **kwargs)
    assert not (tmp_path / 'm.pkl').exists()
    assert not (tmp_path / 'run').exists()
