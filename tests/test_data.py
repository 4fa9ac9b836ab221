"""load_data, the checks on data files, and the downloader (loopback only)."""
import gzip
import hashlib
import http.server
import os
import pickle
import threading

import numpy
import pytest

from da_tutorial import data as datasets
from da_tutorial.data import DataError, download, read_dataset
from logistic_sgd import load_data
from conftest import synthetic_digits, write_dataset


def test_load_data_gives_shared_floatx_and_int32(small_dataset):
    from da_tutorial.engine import theano
    path, splits = small_dataset
    data = load_data(path)
    assert len(data) == 3
    for (sx, sy), (x, y) in zip(data, splits):
        assert sx.dtype == theano.config.floatX and sy.dtype == 'int32'
        numpy.testing.assert_array_equal(sx.get_value(), x)
        numpy.testing.assert_array_equal(sy.eval(), y)


def test_python2_style_pickle_of_the_tutorial_file(tmp_path):
    """The tutorial's file is a protocol-2 pickle read with latin1."""
    splits = tuple(synthetic_digits(20, s) for s in range(3))
    path = write_dataset(tmp_path / 'p2.pkl.gz', splits, protocol=2)
    numpy.testing.assert_array_equal(read_dataset(path)[0][0], splits[0][0])


def test_missing_file_names_the_places_tried(tmp_path, monkeypatch):
    monkeypatch.setenv('DA_DATA_DIR', str(tmp_path / 'elsewhere'))
    with pytest.raises(DataError) as e:
        load_data('no_such_file.pkl.gz')
    msg = str(e.value)
    assert 'no_such_file.pkl.gz' in msg and 'elsewhere' in msg
    assert 'DA_DATA_DIR' in msg


def test_bare_name_found_in_data_dir_env(small_dataset, monkeypatch):
    path, _ = small_dataset
    monkeypatch.setattr(datasets, 'DATA_DIR', '/nonexistent')
    monkeypatch.setenv('DA_DATA_DIR', os.path.dirname(path))
    assert datasets.find_dataset(os.path.basename(path)) == path


def test_truncated_file(small_dataset, tmp_path):
    path, _ = small_dataset
    raw = open(path, 'rb').read()
    cut = tmp_path / 'cut.pkl.gz'
    cut.write_bytes(raw[:len(raw) // 2])
    with pytest.raises(DataError, match='cannot read'):
        load_data(str(cut))


def test_not_gzip(tmp_path):
    bad = tmp_path / 'plain.pkl.gz'
    bad.write_bytes(b'this is not a gzip file')
    with pytest.raises(DataError, match='cannot read'):
        load_data(str(bad))


def good_splits():
    return [list(synthetic_digits(10, s)) for s in range(3)]


def _wrong_width(s):
    s[0][0] = s[0][0][:, :700]


def _label_10(s):
    s[1][1][3] = 10


def _negative_label(s):
    s[2][1][0] = -1


def _pixels_above_one(s):
    s[0][0][0, 0] = 1.5


def _nan_pixel(s):
    s[0][0][0, 0] = numpy.nan


def _float_labels(s):
    s[0][1] = s[0][1].astype('float32')


def _too_few_labels(s):
    s[0][1] = s[0][1][:5]


def _two_splits(s):
    del s[2]


@pytest.mark.parametrize('breaker, message', [
    (_wrong_width, r'N x 784'),
    (_label_10, r'labels 0\.\.9'),
    (_negative_label, r'labels 0\.\.9'),
    (_pixels_above_one, r'\[0, 1\]'),
    (_nan_pixel, r'\[0, 1\]'),
    (_float_labels, 'integers'),
    (_too_few_labels, 'one label per row'),
    (_two_splits, 'three splits'),
])
def test_malformed_contents_are_refused(tmp_path, breaker, message):
    splits = good_splits()
    breaker(splits)
    path = write_dataset(tmp_path / 'bad.pkl.gz',
                         tuple(tuple(s) for s in splits))
    with pytest.raises(DataError, match=message):
        load_data(path)


class _RunsCode(object):
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))   # creates a file when unpickled


def test_code_running_pickle_is_refused(tmp_path):
    marker = str(tmp_path / 'pwned')
    path = write_dataset(tmp_path / 'evil.pkl.gz', _RunsCode(marker))
    # the same file really does run code under a plain unpickler
    with gzip.open(path) as f:
        pickle.load(f).close()
    assert os.path.exists(marker)
    os.remove(marker)
    with pytest.raises(DataError, match='refused to load'):
        load_data(path)
    assert not os.path.exists(marker)


#######################################################################
# downloader, against a server on the loopback interface only          #
#######################################################################

PAYLOAD = os.urandom(200000)
PAYLOAD_MD5 = hashlib.md5(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = {'/good': PAYLOAD, '/wrong': PAYLOAD[::-1],
                '/drop': PAYLOAD}.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.path == '/drop':   # connection lost halfway
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope='module')
def server():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_download_good_file(server, tmp_path):
    dest = str(tmp_path / 'f.bin')
    assert download(dest, [server + '/good'], PAYLOAD_MD5, timeout=10) == dest
    assert open(dest, 'rb').read() == PAYLOAD
    assert os.listdir(str(tmp_path)) == ['f.bin']


def test_download_falls_through_bad_mirrors(server, tmp_path):
    dest = str(tmp_path / 'f.bin')
    urls = [server + '/drop', server + '/wrong', server + '/missing',
            server + '/good']
    download(dest, urls, PAYLOAD_MD5, timeout=10)
    assert open(dest, 'rb').read() == PAYLOAD
    assert os.listdir(str(tmp_path)) == ['f.bin']


@pytest.mark.parametrize('path, why', [('/wrong', 'MD5'),
                                       ('/drop', '/drop'),
                                       ('/missing', '404')])
def test_failed_download_leaves_nothing(server, tmp_path, path, why):
    dest = str(tmp_path / 'f.bin')
    with pytest.raises(DataError) as e:
        download(dest, [server + path], PAYLOAD_MD5, timeout=10)
    assert why in str(e.value) and server + path in str(e.value)
    assert os.listdir(str(tmp_path)) == []


def test_load_data_downloads_missing_mnist(server, tmp_path, monkeypatch,
                                           small_dataset):
    """A bare 'mnist.pkl.gz' found nowhere is fetched into the checkout's
    data/."""
    src, splits = small_dataset
    body = open(src, 'rb').read()
    data_dir = tmp_path / 'data'
    monkeypatch.setattr(_Handler, 'do_GET', _serve_bytes(body))
    monkeypatch.setattr(datasets, 'DATA_DIR', str(data_dir))
    monkeypatch.setattr(datasets, 'MNIST_MIRRORS', [server + '/mnist'])
    monkeypatch.setattr(datasets, 'MNIST_MD5',
                        hashlib.md5(body).hexdigest())
    monkeypatch.delenv('DA_DATA_DIR', raising=False)
    monkeypatch.chdir(tmp_path)
    data = load_data('mnist.pkl.gz')
    numpy.testing.assert_array_equal(data[0][0].get_value(), splits[0][0])
    assert os.listdir(str(data_dir)) == ['mnist.pkl.gz']


def _serve_bytes(body):
    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    return do_GET


@pytest.mark.parametrize('checkout, env, where', [
    (False, False, 'the per-user data folder'),   # a regular install
    (False, True, '$DA_DATA_DIR'),
    (True, True, "the checkout's data/ folder")])
def test_download_goes_where_it_says_never_beside_the_package(
        server, tmp_path, monkeypatch, capsys, small_dataset, checkout, env,
        where):
    """Without a checkout (a regular install puts the package into
    site-packages) the download goes to $DA_DATA_DIR or the per-user
    folder, and the message says which."""
    src, splits = small_dataset
    body = open(src, 'rb').read()
    monkeypatch.setattr(_Handler, 'do_GET', _serve_bytes(body))
    monkeypatch.setattr(datasets, 'MNIST_MIRRORS', [server + '/mnist'])
    monkeypatch.setattr(datasets, 'MNIST_MD5',
                        hashlib.md5(body).hexdigest())
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    folders = {'checkout': tmp_path / 'data', 'env': tmp_path / 'env',
               'user': tmp_path / 'home' / 'dA_tutorial_data'}
    monkeypatch.setattr(datasets, 'DATA_DIR',
                        str(folders['checkout']) if checkout else None)
    if env:
        monkeypatch.setenv('DA_DATA_DIR', str(folders['env']))
    else:
        monkeypatch.delenv('DA_DATA_DIR', raising=False)
    monkeypatch.chdir(tmp_path)
    path = datasets.find_dataset('mnist.pkl.gz')
    expected = folders['checkout' if checkout else 'env' if env else 'user']
    assert path == str(expected / 'mnist.pkl.gz')
    assert open(path, 'rb').read() == body
    message = capsys.readouterr().err
    assert str(expected) in message and where in message
    # the package's own folder got nothing
    package = os.path.dirname(datasets.__file__)
    assert not os.path.exists(os.path.join(package, 'mnist.pkl.gz'))
