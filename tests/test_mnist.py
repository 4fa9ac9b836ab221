"""Smoke test on the real MNIST file (skipped, with the reason, if absent)."""
import numpy
import pytest

import npda
from conftest import find_mnist

MNIST = find_mnist()
pytestmark = pytest.mark.skipif(
    MNIST is None, reason='real MNIST not found: link it as '
    'data/mnist.pkl.gz or set DA_DATA_DIR (see data/README.md)')


@pytest.fixture(scope='module')
def mnist():
    from da_tutorial.data import read_dataset
    return read_dataset(MNIST)


def test_mnist_file_is_the_tutorials(mnist):
    (tx, ty), (vx, vy), (sx, sy) = mnist
    assert tx.shape == (50000, 784) and vx.shape == sx.shape == (10000, 784)
    assert ty.shape == (50000,) and vy.shape == sy.shape == (10000,)
    for y in (ty, vy, sy):
        assert set(numpy.unique(y)) == set(range(10))
    # pixels are 8-bit values / 256: the tutorial's scaling
    assert tx.min() == 0 and 0.99 < tx.max() < 1
    scaled = tx[:100] * 256
    numpy.testing.assert_array_equal(scaled, numpy.round(scaled))


def test_training_on_real_digits_matches_numpy(mnist, tmp_path):
    from conftest import write_dataset
    from da_tutorial.engine import theano
    import dA as dA_module
    x = mnist[0][0][:1000]
    path = write_dataset(tmp_path / 'mnist1000.pkl.gz', (
        (x, mnist[0][1][:1000]), mnist[1], mnist[2]))
    costs = dA_module.test_dA(training_epochs=1, dataset=path, n_hidden=50,
                              corruption_levels=(0.,),
                              output_folder=str(tmp_path / 'run'))[0.]
    expected = npda.train(x.astype('float64'), seed=123, n_hidden=50,
                          learning_rate=0.1, epochs=1, batch_size=20)
    rtol = 1e-3 if theano.config.floatX == 'float32' else 1e-7
    numpy.testing.assert_allclose(costs, expected, rtol=rtol)
