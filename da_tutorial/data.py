"""The data: finding, downloading and safely reading MNIST in the
tutorial's format.

``logistic_sgd.load_data`` (the tutorial's loader) takes its arrays from
here.  A bare file name such as ``mnist.pkl.gz`` is looked for in the
checkout's ``data/`` (when the project runs from a checkout: the folder
itself, or an editable install), then in the folder named by the
environment variable ``DA_DATA_DIR``, then in the per-user folder
``~/dA_tutorial_data`` (as scikit-learn and Keras keep theirs).
``mnist.pkl.gz`` is downloaded when it is found nowhere (checked by MD5,
written to a temporary name, then renamed): into the checkout's ``data/``,
else ``$DA_DATA_DIR``, else the per-user folder; never into site-packages.
Every file is unpickled with an unpickler that rebuilds NumPy arrays and
nothing else, then checked: three splits of N x 784 floats in [0, 1] with N
integer labels 0..9.  ``data/README.md`` says how to get MNIST by hand.
"""
import gzip
import hashlib
import os
import pickle
import sys
import urllib.request

import numpy

from .checks import UserError
from .files import atomic_write


def checkout_data_dir():
    """Return the checkout's ``data/`` folder when the project runs from a
    checkout (``setup.cfg`` and ``data/`` beside this package), else None:
    a regular install puts the package into site-packages, where no data
    may go."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.isfile(os.path.join(root, 'setup.cfg')) and \
            os.path.isdir(os.path.join(root, 'data')):
        return os.path.join(root, 'data')
    return None


DATA_DIR = checkout_data_dir()
DATA_DIR_ENV = 'DA_DATA_DIR'
USER_DATA_DIR = os.path.join('~', 'dA_tutorial_data')

MNIST_NAME = 'mnist.pkl.gz'
MNIST_MD5 = 'a02cd19f81d51c426d7ca14024243ce9'
# The tutorial's own address first; every copy must have the digest above.
MNIST_MIRRORS = (
    'http://www.iro.umontreal.ca/~lisa/deep/data/mnist/mnist.pkl.gz',
    'http://deeplearning.net/data/mnist/mnist.pkl.gz',
    'https://github.com/mnielsen/neural-networks-and-deep-learning/raw/'
    'master/data/mnist.pkl.gz',
)


class DataError(UserError):
    """A data set file is missing, cannot be fetched, or is malformed."""


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds NumPy arrays and nothing else.

    A pickle can name any importable callable and run it while loading; a
    data file has no business doing so, so every global other than the few
    NumPy needs to rebuild arrays and dtypes is refused.
    """
    _ALLOWED = {
        ('numpy.core.multiarray', '_reconstruct'),
        ('numpy.core.multiarray', 'scalar'),
        ('numpy', 'ndarray'),
        ('numpy', 'dtype'),
        # protocol-2 pickles made by Python 3 spell bytes this way
        ('_codecs', 'encode'),
    }

    def find_class(self, module, name):
        # NumPy 2 writes numpy._core; NumPy 1 reads it as numpy.core.
        short = module.replace('numpy._core', 'numpy.core')
        if (short, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(
                'refused to load %s.%s: a data file may hold NumPy arrays '
                'only' % (module, name))
        return super().find_class(short, name)


def _check_split(name, split, n_features):
    """Raise DataError unless ``split`` is (x: N x n_features floats in
    [0, 1], y: N integer labels 0..9)."""
    if not (isinstance(split, (tuple, list)) and len(split) == 2):
        raise DataError('the %s split must be a pair (x, y)' % name)
    x, y = split
    if not isinstance(x, numpy.ndarray) or not isinstance(y, numpy.ndarray):
        raise DataError('the %s split must hold NumPy arrays' % name)
    if x.ndim != 2 or x.shape[1] != n_features or x.shape[0] == 0:
        raise DataError('%s x must be N x %d with N > 0, got shape %s'
                        % (name, n_features, x.shape))
    if x.dtype.kind != 'f':
        raise DataError('%s x must be floats, got dtype %s' % (name, x.dtype))
    if not numpy.all(numpy.isfinite(x)) or x.min() < 0 or x.max() > 1:
        raise DataError('%s x must lie in [0, 1], got values in [%g, %g]'
                        % (name, numpy.nanmin(x), numpy.nanmax(x)))
    if y.shape != (x.shape[0],):
        raise DataError('%s y must hold one label per row of x (%d), got '
                        'shape %s' % (name, x.shape[0], y.shape))
    if y.dtype.kind not in 'iu':
        raise DataError('%s y must be integers, got dtype %s'
                        % (name, y.dtype))
    if y.min() < 0 or y.max() > 9:
        raise DataError('%s y must be labels 0..9, got values in [%d, %d]'
                        % (name, y.min(), y.max()))


def read_dataset(path, n_features=28 * 28):
    """Read and check a tutorial-format data file; return NumPy arrays.

    The file is a gzip of one pickle of ``((train_x, train_y), (valid_x,
    valid_y), (test_x, test_y))``.  Only NumPy arrays are unpickled.

    :type path: str
    :param path: the ``.pkl.gz`` file

    :type n_features: int
    :param n_features: columns each x must have (784 for 28x28 images)

    :raises DataError: naming the file and what is wrong with it
    """
    try:
        with gzip.open(path, 'rb') as f:
            # latin1 reads the Python 2 pickle of the tutorial's own file
            data = _ArraysOnlyUnpickler(f, encoding='latin1').load()
    except (OSError, EOFError, pickle.UnpicklingError, ValueError,
            TypeError, AttributeError, IndexError, KeyError) as e:
        raise DataError('cannot read %s: %s: %s (is it a complete '
                        'tutorial-format .pkl.gz?)'
                        % (path, type(e).__name__, e)) from e
    if not (isinstance(data, (tuple, list)) and len(data) == 3):
        raise DataError('%s must hold three splits (train, valid, test)'
                        % path)
    try:
        for name, split in zip(('train', 'valid', 'test'), data):
            _check_split(name, split, n_features)
    except DataError as e:
        raise DataError('%s: %s' % (path, e)) from None
    return data


def download(dest, urls=MNIST_MIRRORS, md5=MNIST_MD5, timeout=30):
    """Download the first good copy among ``urls`` to ``dest``.

    Each copy is written to a temporary file beside ``dest``, checked against
    ``md5``, then renamed, so ``dest`` is either complete or absent.

    :type dest: str
    :param dest: the file to create

    :type urls: sequence of str
    :param urls: addresses to try in order

    :type md5: str
    :param md5: expected hex MD5 of the file

    :raises DataError: listing each address and why it failed
    """
    failures = []
    for url in urls:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
            with atomic_write(dest) as out, \
                    urllib.request.urlopen(url, timeout=timeout) as resp:
                expected = resp.headers.get('Content-Length')
                digest = hashlib.md5()
                size = 0
                for chunk in iter(lambda: resp.read(1 << 16), b''):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                if expected is not None and size != int(expected):
                    raise IOError('connection closed after %d of %s bytes'
                                  % (size, expected))
                if digest.hexdigest() != md5:
                    raise IOError('MD5 %s, expected %s'
                                  % (digest.hexdigest(), md5))
            return dest
        except Exception as e:  # any failure: try the next mirror
            failures.append('%s (%s: %s)' % (url, type(e).__name__, e))
    raise DataError('could not download %s from any mirror:\n  %s'
                    % (os.path.basename(dest), '\n  '.join(failures)))


def data_folders():
    """Return ``[(folder, what it is), ...]`` where bare file names are
    looked for, in order: the checkout's ``data/``, ``$DA_DATA_DIR``, the
    per-user folder.  The first one is where a download goes."""
    folders = []
    if DATA_DIR is not None:
        folders.append((DATA_DIR, "the checkout's data/ folder"))
    if os.environ.get(DATA_DIR_ENV):
        folders.append((os.environ[DATA_DIR_ENV], '$' + DATA_DIR_ENV))
    folders.append((os.path.expanduser(USER_DATA_DIR),
                    'the per-user data folder'))
    return folders


def find_dataset(dataset, download_missing=True):
    """Return the path of ``dataset``, looking where the README says.

    :type dataset: str
    :param dataset: a path, or a bare file name such as ``mnist.pkl.gz``

    :type download_missing: bool
    :param download_missing: fetch ``mnist.pkl.gz`` into the first of
                             ``data_folders()`` when it is found nowhere

    :raises DataError: listing every place tried and how to fix it
    """
    tried = [dataset]
    if os.path.isfile(dataset):
        return dataset
    folders = data_folders()
    if os.path.basename(dataset) == dataset:  # a bare name
        for folder, _ in folders:
            path = os.path.join(folder, dataset)
            tried.append(path)
            if os.path.isfile(path):
                return path
        if dataset == MNIST_NAME and download_missing:
            folder, what = folders[0]
            print('... downloading %s into %s (%s; set %s to choose '
                  'another)' % (MNIST_NAME, folder, what, DATA_DIR_ENV),
                  file=sys.stderr)
            try:
                return download(os.path.join(folder, MNIST_NAME),
                                MNIST_MIRRORS, MNIST_MD5)
            except DataError as e:
                raise DataError(
                    '%s\nLooked for it in: %s.\nFix: put the tutorial\'s '
                    '%s into %s, or set %s to the folder holding it (see '
                    'data/README.md).' % (e, ', '.join(tried), MNIST_NAME,
                                         folder, DATA_DIR_ENV)) from None
    raise DataError('data set %r not found; looked in: %s. Give an existing '
                    'path, or put the file into %s, or set %s to its folder.'
                    % (dataset, ', '.join(tried), folders[0][0],
                       DATA_DIR_ENV))
