"""Shared helpers: small data sets written to disk, where MNIST lives, the
engine's settings for a test's duration, fresh interpreters, and the
clients of tests/clients run as a user would."""
import gzip
import json
import os
import pickle
import site
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy
import pytest

from da_tutorial import engine  # (configures the engine before any test)

REPO = Path(__file__).resolve().parent.parent
ENGINE = engine.ENGINE
# the engine's variables for its flags and rc file, and its BLAS flags' key
FLAGS, RC, LDFLAGS = {
    'theano': ('THEANO_FLAGS', 'THEANORC', 'blas.ldflags'),
    'pytensor': ('PYTENSOR_FLAGS', 'PYTENSORRC', 'blas__ldflags')}[ENGINE]


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


def float32():
    """The tutorial's float32 setting, for the test's duration."""
    theano = engine.theano
    return (theano.change_flags if ENGINE == 'theano'
            else theano.config.change_flags)(floatX='float32')


# MRG31k3p's moduli, and states at the generator's edges: all at the top of
# their range; and a step whose sum is exactly M1 (first component), M2
# (second), where a reduction by "> M" instead of ">= M" would go wrong.
M1, M2 = 2 ** 31 - 1, 2147462579
EDGE_STATES = numpy.array([
    [M1 - 1, M1 - 1, M1 - 1, M2 - 1, M2 - 1, M2 - 1],
    [5, (M1 - 129) * pow(2 ** 22, -1, M1) % M1, 1, 7, 9, 11],
    [5, 6, 7, (M2 - 2 ** 15 - 1) * pow(2 ** 15, -1, M2) % M2, 9, 1]],
    dtype='int32')


def run_env(**env_changes):
    """The environment of a fresh interpreter: no engine flags of the
    caller's, the suite's engine, and ``env_changes``."""
    env = dict(os.environ)
    for var in ('THEANO_FLAGS', 'THEANORC', 'PYTENSOR_FLAGS', 'PYTENSORRC'):
        env.pop(var, None)
    env['DA_BACKEND'] = ENGINE
    env.update(env_changes)
    return env


def run_python(code, tmp_path, **env_changes):
    """Run ``python -c code`` in tmp_path with the given environment."""
    return subprocess.run([sys.executable, '-c', code], cwd=str(tmp_path),
                          env=run_env(**env_changes), capture_output=True,
                          text=True, timeout=600)


# the tutorial series' scripts, as written for Theano 1.0.5, and every
# figure they printed there (tests/clients/record.py writes it)
CLIENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       'clients')
REFERENCE = os.path.join(CLIENTS, 'theano_1.0.5.json')
# the installed project (the checkout's own dA_tutorial.egg-info is on
# sys.path too, when tests run from it)
DIST = next(iter(metadata.distributions(name='dA-tutorial',
                                        path=site.getsitepackages())), None)
installed = pytest.mark.skipif(
    DIST is None, reason='the project is not installed in this Python '
    "(pip install -e '.[test]', as README says)")


def run_client(name, tmp_path):
    """Run tests/clients/``name``.py as a user would, on the small set in
    float32; return its JSON."""
    dataset = small_dataset_file(tmp_path)
    r = subprocess.run([sys.executable, os.path.join(CLIENTS, name + '.py'),
                        dataset, str(tmp_path)], cwd=str(tmp_path),
                       capture_output=True, text=True, timeout=600,
                       env=run_env(**{RC: os.devnull,
                                      'THEANO_FLAGS': 'floatX=float32'}))
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout.splitlines()[-1])
    assert result['floatX'] == 'float32'
    return result


def same_as_theano(name, result, rtol):
    """Compare every number of ``result`` with Theano 1.0.5's."""
    with open(REFERENCE) as f:
        expected = json.load(f)[name]
    numpy.testing.assert_allclose(
        numpy.asarray(flatten(result), dtype=float),
        numpy.asarray(flatten(expected), dtype=float), rtol=rtol)


def flatten(value):
    """The numbers of a JSON value, in order."""
    if isinstance(value, dict):
        return [v for k in sorted(value) if k != 'floatX'
                for v in flatten(value[k])]
    if isinstance(value, list):
        return [v for item in value for v in flatten(item)]
    if isinstance(value, str):
        return []            # BLAS flags: each engine's own
    return [float(value)]
