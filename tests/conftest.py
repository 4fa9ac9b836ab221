"""Shared helpers: small data sets written to disk, and where MNIST lives."""
import gzip
import os
import pickle
from pathlib import Path

import numpy
import pytest

from da_tutorial import engine  # noqa: F401  (configures the engine before any test)

REPO = Path(__file__).resolve().parent.parent


def synthetic_digits(n, seed=0):
    """Return (x, y): n 28x28 images of bright bars in [0, 1], labels 0..9.

    Label k draws a horizontal bar at row 2 + 2k plus noise, so the set has
    structure a dA and a classifier can pick up, and is cheap to make.
    """
    rng = numpy.random.RandomState(seed)
    y = rng.randint(0, 10, size=n)
    x = rng.uniform(0, 0.2, size=(n, 28, 28))
    for i, label in enumerate(y):
        row = 2 + 2 * label
        x[i, row:row + 3, 4:24] = rng.uniform(0.7, 1.0, size=(3, 20))
    return x.reshape(n, 784).astype('float32'), y.astype('int64')


def write_dataset(path, splits, protocol=2):
    """Write ``splits`` as the tutorial's gzip-of-one-pickle file."""
    with gzip.open(str(path), 'wb') as f:
        pickle.dump(splits, f, protocol=protocol)
    return str(path)


def small_splits():
    """200 train, 50 valid and 50 test synthetic images."""
    return tuple(synthetic_digits(n, seed) for n, seed
                 in ((200, 1), (50, 2), (50, 3)))


def small_dataset_file(folder):
    """Write ``small_splits()`` to ``folder``/small.pkl.gz; return the path."""
    return write_dataset(Path(folder) / 'small.pkl.gz', small_splits())


@pytest.fixture
def small_dataset(tmp_path):
    """(path, splits) of a valid tutorial-format file in tmp_path."""
    return small_dataset_file(tmp_path), small_splits()


def find_mnist():
    """Return the path of the real MNIST file, or None."""
    candidates = [REPO / 'data' / 'mnist.pkl.gz',
                  REPO.parent / 'shared' / 'data' / 'mnist.pkl.gz']
    if os.environ.get('DA_DATA_DIR'):
        candidates.insert(1, Path(os.environ['DA_DATA_DIR']) / 'mnist.pkl.gz')
    for path in candidates:
        if path.is_file():
            return str(path)
    return None
