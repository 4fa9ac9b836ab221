"""The GPU: Theano's CUDA back end (install_gpu.py, engine.check_device)
and PyTensor's JAX mode.

The tests that need a GPU skip, saying why, where none can start; the rest
run anywhere: the install step's checks, the refusal to train on the CPU
when a GPU was asked for, and JAX mode on the CPU.
"""
import functools
import json
import os
import subprocess
import sys
import tarfile

import numpy
import pytest

from da_tutorial import engine
from da_tutorial import install_gpu
import npda
from conftest import (FLAGS, RC, REPO, find_mnist, run_env,
                      small_dataset_file, small_splits)

ENGINE = engine.ENGINE
theano_only = pytest.mark.skipif(ENGINE != 'theano',
                                 reason="Theano's CUDA back end (this suite "
                                        'runs on PyTensor)')


@functools.lru_cache(maxsize=None)
def gpu_starts():
    """True when pygpu is installed and starts a CUDA GPU here (asked when
    a test that depends on it runs, not at collection: a fresh Python)."""
    if ENGINE != 'theano':
        return False
    r = subprocess.run([sys.executable, '-c', install_gpu.START_GPU],
                       capture_output=True, text=True, timeout=300)
    return r.returncode == 0


needs_gpu = pytest.mark.skipif('not gpu_starts()', reason='no GPU starts '
                               'here (pygpu not installed, or no CUDA GPU '
                               'and driver)')


# --- the install step -------------------------------------------------------

def make_tarball(path, commit, top='libgpuarray-0.7.6'):
    """A tiny source tarball whose git archive header names ``commit``."""
    src = path.parent / 'src'
    (src / top).mkdir(parents=True)
    (src / top / 'CMakeLists.txt').write_text('project(x C)\n')
    with tarfile.open(str(path), 'w:gz', format=tarfile.PAX_FORMAT,
                      pax_headers={'comment': commit}) as tar:
        tar.add(str(src / top), arcname=top)
    return str(path)


def test_source_must_be_the_pinned_commit(tmp_path):
    good = make_tarball(tmp_path / 'good.tar.gz', install_gpu.COMMIT)
    out = tmp_path / 'out'
    out.mkdir()
    src = install_gpu.unpack_pinned(good, str(out))
    assert os.path.isfile(os.path.join(src, 'CMakeLists.txt'))
    other = tmp_path / 'other'
    other.mkdir()
    bad = make_tarball(other / 'bad.tar.gz', '0' * 40)
    with pytest.raises(install_gpu.InstallError,
                       match='not libgpuarray v0.7.6: its header names '
                             "commit '0000"):
        install_gpu.unpack_pinned(bad, str(out))
    with pytest.raises(install_gpu.InstallError, match='not found'):
        install_gpu.fetch_source(str(tmp_path / 'missing.tar.gz'),
                                 str(out))


def test_shared_vendor_tarball_is_the_pinned_commit():
    tarball = REPO.parent / 'shared' / 'vendor' / 'libgpuarray-0.7.6.tar.gz'
    if not tarball.is_file():
        pytest.skip('no local libgpuarray tarball beside the project')
    with tarfile.open(str(tarball)) as tar:
        assert tar.pax_headers['comment'] == install_gpu.COMMIT


def fake_library(folder, name):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text('')
    return str(folder / name)


def test_cuda_libraries_are_linked_under_the_names_opened(tmp_path):
    """Versioned libraries found are linked as libcuda.so, libnvrtc.so...;
    the newest version wins; missing ones are reported with a fix."""
    driver = tmp_path / 'driver'
    toolkit = tmp_path / 'cuda' / 'targets' / 'x86_64-linux' / 'lib'
    cuda1 = fake_library(driver, 'libcuda.so.1')
    fake_library(toolkit, 'libnvrtc.so.12')
    nvrtc = fake_library(toolkit, 'libnvrtc.so.13')
    builtins = fake_library(toolkit, 'libnvrtc-builtins.so.13.0')
    venv = str(tmp_path / 'venv')
    found = install_gpu.link_cuda_libraries(venv, [str(driver),
                                                   str(toolkit)])
    report = {name: target for name, target, _ in found}
    assert report['libcuda.so'] == os.path.realpath(cuda1)
    assert report['libnvrtc.so'] == os.path.realpath(nvrtc)
    assert report['libnvrtc-builtins.so'] == os.path.realpath(builtins)
    assert report['libcublas.so'] is None
    fixes = {name: fix for name, _, fix in found}
    assert 'CUDA toolkit' in fixes['libcublas.so']
    links = tmp_path / 'venv' / 'lib' / install_gpu.LINKS
    for name, target in (('libcuda.so', cuda1), ('libnvrtc.so', nvrtc),
                         ('libnvrtc-builtins.so.13.0', builtins)):
        assert os.path.realpath(str(links / name)) == \
            os.path.realpath(target)
    assert not (links / 'libcublas.so').exists()
    # a library that went away loses its link at the next check
    os.remove(cuda1)
    install_gpu.link_cuda_libraries(venv, [str(driver), str(toolkit)])
    assert not os.path.lexists(str(links / 'libcuda.so'))


def test_library_dirs_follow_the_environment(tmp_path, monkeypatch):
    (tmp_path / 'mine').mkdir()
    (tmp_path / 'cuda' / 'lib64').mkdir(parents=True)
    monkeypatch.setenv('LD_LIBRARY_PATH', str(tmp_path / 'mine'))
    monkeypatch.setenv('CUDA_HOME', str(tmp_path / 'cuda'))
    dirs = install_gpu.library_dirs()
    assert dirs[:2] == [str(tmp_path / 'mine'), str(tmp_path / 'cuda' /
                                                     'lib64')]


@pytest.mark.slow
def test_install_step_is_a_command(tmp_path):
    """``python -m da_tutorial.install_gpu`` from any folder, and the
    console script the install puts beside the Python."""
    commands = [[sys.executable, '-m', 'da_tutorial.install_gpu', '--help']]
    script = os.path.join(os.path.dirname(sys.executable), 'dA-install-gpu')
    if os.path.exists(script):     # an installed project
        commands.append([script, '--help'])
    for cmd in commands:
        r = subprocess.run(cmd, cwd=str(tmp_path), capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "Build and install Theano's GPU back end" in r.stdout


def test_install_refuses_outside_a_virtual_environment(monkeypatch, capsys):
    monkeypatch.setattr(install_gpu.sys, 'base_prefix', sys.prefix)
    assert install_gpu.main(['--check']) == 2
    assert 'run this with the Python of a virtual environment' in \
        capsys.readouterr().err


# --- no silent CPU fallback -------------------------------------------------

@pytest.mark.slow
@theano_only
@pytest.mark.skipif('gpu_starts()', reason='a GPU starts here')
def test_gpu_asked_for_but_not_started_stops_before_any_output(tmp_path):
    out = tmp_path / 'plots'
    r = subprocess.run(
        [sys.executable, str(REPO / 'dA.py'), '--epochs', '1',
         '--output-folder', str(out), '--dataset',
         small_dataset_file(tmp_path)], cwd=str(tmp_path),
        env=run_env(**{FLAGS: 'device=cuda,floatX=float32',
                       RC: os.devnull}),
        capture_output=True, text=True, timeout=600)
    assert r.returncode == 2
    message = r.stderr.strip().splitlines()[-1]
    assert message.startswith('error: device=cuda was asked for')
    assert 'Theano could not start it: ' in message
    # Theano's own reason is in it
    assert 'pygpu' in message
    assert 'python -m da_tutorial.install_gpu' in message
    assert not out.exists()
    assert 'Training epoch' not in r.stdout


GPU_DEFAULTS = ('from da_tutorial import engine, theano_fixes; '
                'print(engine.theano.config.dnn.enabled); '
                'print(len(theano_fixes.GPU_START.errors))')


@pytest.mark.slow
@theano_only
@pytest.mark.skipif('gpu_starts()', reason='a GPU starts here')
def test_gpu_defaults_are_only_defaults(tmp_path):
    """A GPU asked for: cuDNN off unless the user says otherwise; Theano's
    reason for not starting the GPU is kept."""
    r = run_python_gpu(tmp_path, 'device=cuda')
    assert r.stdout.split() == ['False', '1'], r.stderr
    r = run_python_gpu(tmp_path, 'device=cuda,dnn.enabled=True')
    assert r.stdout.split()[0] == 'True', r.stderr
    r = run_python_gpu(tmp_path, 'device=cpu')
    assert r.stdout.split() == ['auto', '0'], r.stderr


def run_python_gpu(tmp_path, flags):
    return subprocess.run([sys.executable, '-c', GPU_DEFAULTS],
                          cwd=str(tmp_path), capture_output=True, text=True,
                          env=run_env(**{FLAGS: flags, RC: os.devnull}),
                          timeout=600)


def test_gpu_requested_reads_flags_and_rc(tmp_path):
    from da_tutorial.flags import gpu_requested
    none = str(tmp_path / 'none')
    assert gpu_requested({'THEANO_FLAGS': 'device=cuda0', 'THEANORC': none})
    assert gpu_requested({'THEANO_FLAGS': 'init_gpu_device=cuda',
                          'THEANORC': none})
    assert not gpu_requested({'THEANO_FLAGS': 'device=cpu',
                              'THEANORC': none})
    rc = tmp_path / 'rc'
    rc.write_text('[global]\ndevice = cuda\n')
    assert gpu_requested({'THEANORC': str(rc)})
    # the flags win over the rc file, as in Theano
    assert not gpu_requested({'THEANO_FLAGS': 'device=cpu',
                              'THEANORC': str(rc)})


# --- on a GPU: Theano's CUDA back end ---------------------------------------

# an array of floats that a node computes in the CPU's memory (the index
# arithmetic, int scalars, may stay there)
HOST_ARRAY = '''
def host_array(var):
    return (type(var.type).__name__ == 'TensorType'
            and var.type.dtype.startswith('float') and var.ndim > 0)
'''

GPU_RUN = HOST_ARRAY + '''
import json, sys
import numpy
sys.path.insert(0, {tests!r})
from conftest import small_splits
from da_tutorial import engine
from da_tutorial.engine import theano
import dA
engine.check_device()
x = small_splits()[0][0]
shared = theano.shared(numpy.asarray(x, dtype='float32'))
result = {{}}
for level in (0., 0.3):
    da, train_da, n = dA.build_train_function(
        shared, corruption_level=level, learning_rate=0.1, batch_size=20,
        n_hidden=60, seed=123)
    ops = sorted({{type(node.op).__name__ + ' ' + type(node.op).__module__
                  for node in train_da.maker.fgraph.toposort()}})
    nodes = train_da.maker.fgraph.toposort()
    on_host = sorted({{str(node.op) for node in nodes for out in node.outputs
                      if host_array(out)}})
    costs = [float(train_da(i % n)) for i in range(30)]
    result[str(level)] = {{'ops': ops, 'on_host': on_host, 'costs': costs,
                          'W': numpy.asarray(da.W.get_value()).tolist()}}
print(json.dumps(result))
'''


def run_step(tmp_path, device, script=GPU_RUN):
    """Run ``script`` on ``device``; return the JSON it prints last."""
    code = script.format(tests=str(REPO / 'tests'))
    r = subprocess.run([sys.executable, '-c', code], cwd=str(tmp_path),
                       env=run_env(**{FLAGS: 'device=%s,floatX=float32'
                                      % device, RC: os.devnull}),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.splitlines()[-1])


@pytest.mark.slow
@needs_gpu
def test_gpu_step_runs_on_the_gpu_and_equals_the_cpu(tmp_path):
    gpu, cpu = run_step(tmp_path, 'cuda'), run_step(tmp_path, 'cpu')
    for level in ('0.0', '0.3'):
        # no float array is computed on the host; the products are GPU ops
        assert gpu[level]['on_host'] == [], gpu[level]['ops']
        assert 'GpuGemm theano.gpuarray.blas' in gpu[level]['ops']
        numpy.testing.assert_allclose(gpu[level]['costs'],
                                      cpu[level]['costs'], rtol=1e-4)
        numpy.testing.assert_allclose(gpu[level]['W'], cpu[level]['W'],
                                      rtol=1e-3, atol=1e-5)


# SdA.py's default, batch 1, as a tutorial script writes it (theano first):
# the one-row minibatch and its vector products must compile on the GPU too
SDA_GPU_RUN = HOST_ARRAY + '''
import json, sys
import numpy
import theano
sys.path.insert(0, {tests!r})
from conftest import small_dataset_file
from logistic_sgd import load_data
from SdA import SdA
datasets = load_data(small_dataset_file('.'))
sda = SdA(numpy_rng=numpy.random.RandomState(89677), n_ins=28 * 28,
          hidden_layers_sizes=[60, 40], n_outs=10)
pretrain = sda.pretraining_functions(train_set_x=datasets[0][0],
                                     batch_size=1)
train, validate, test = sda.build_finetune_functions(
    datasets=datasets, batch_size=1, learning_rate=0.1)
fns = pretrain + [train]
nodes = [node for fn in fns for node in fn.maker.fgraph.toposort()]
ops = sorted({{type(node.op).__name__ + ' ' + type(node.op).__module__
              for node in nodes}})
on_host = sorted({{str(node.op) for node in nodes for out in node.outputs
                  if host_array(out)}})
costs = [float(pretrain[i](j, corruption=0.2, lr=0.01))
         for i in (0, 1) for j in range(20)]
costs += [float(train(j)) for j in range(40)]
print(json.dumps({{'ops': ops, 'on_host': on_host, 'costs': costs,
                  'valid': float(numpy.mean(validate())),
                  'W': numpy.asarray(sda.params[0].get_value()).tolist()}}))
'''


@pytest.mark.slow
@needs_gpu
def test_sda_batch_one_runs_on_the_gpu_and_equals_the_cpu(tmp_path):
    gpu = run_step(tmp_path, 'cuda', SDA_GPU_RUN)
    cpu = run_step(tmp_path, 'cpu', SDA_GPU_RUN)
    # no float array is computed on the host; the products are GPU ops
    assert gpu['on_host'] == [], gpu['ops']
    assert any(op.startswith(('GpuGemm', 'GpuDot22', 'GpuGemv', 'GpuGer'))
               for op in gpu['ops']), gpu['ops']
    numpy.testing.assert_allclose(gpu['costs'], cpu['costs'], rtol=1e-4)
    numpy.testing.assert_allclose(gpu['W'], cpu['W'], rtol=1e-3, atol=1e-5)
    assert abs(gpu['valid'] - cpu['valid']) <= 0.02


# --- PyTensor's JAX mode ----------------------------------------------------

jax_only = pytest.mark.skipif(
    ENGINE != 'pytensor' or __import__('importlib').util.find_spec('jax')
    is None, reason="PyTensor's JAX mode needs PyTensor and JAX")

JAX_RUN = '''
import json, sys
import numpy
sys.path.insert(0, {tests!r})
from conftest import small_splits
from da_tutorial.engine import jax_mode, theano, DEVICE
import dA
assert jax_mode(), 'not in JAX mode'
x = small_splits()[0][0]
shared = theano.shared(numpy.asarray(x, dtype='float32'))
result = {{'device': DEVICE}}
for level in (0., 0.3):
    da, train_da, n = dA.build_train_function(
        shared, corruption_level=level, learning_rate=0.1, batch_size=20,
        n_hidden=60, seed=123)
    result[str(level)] = [float(train_da(numpy.asarray(i % n)))
                          for i in range(20)]
# the corruption mask: a new one at each call, 30 % of the pixels zeroed
xs = theano.tensor.matrix('xs')
da = dA.dA(numpy.random.RandomState(1), input=xs, n_visible=784,
           n_hidden=10)
corrupt = theano.function([xs], da.get_corrupted_input(xs, 0.3))
first, second = corrupt(x[:100]), corrupt(x[:100])
lit = x[:100] != 0
result['masks_differ'] = bool((first != second).any())
result['zeroed'] = float(((first == 0) & lit).sum() / lit.sum())
print(json.dumps(result))
'''


@pytest.mark.slow
@jax_only
def test_jax_mode_trains_the_tutorials_dA(tmp_path):
    code = JAX_RUN.format(tests=str(REPO / 'tests'))
    r = subprocess.run([sys.executable, '-c', code], cwd=str(tmp_path),
                       env=run_env(**{FLAGS: 'mode=JAX,floatX=float32',
                                      RC: os.devnull}),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout.splitlines()[-1])
    assert result['device'].startswith('jax-')
    # without corruption: plain SGD, as NumPy computes it
    x = small_splits()[0][0].astype('float64')
    W, b, b_prime = npda.initial_params(123, 784, 60)
    expected = []
    for i in range(20):
        xb = x[(i % 10) * 20:(i % 10 + 1) * 20]
        rows, W, b, b_prime = npda.sgd_step(xb, W, b, b_prime, 0.1)
        expected.append(rows.mean())
    numpy.testing.assert_allclose(result['0.0'], expected, rtol=1e-4)
    # with corruption: the masks are drawn anew at each call
    assert result['masks_differ']
    assert 0.28 < result['zeroed'] < 0.32
    noisy = result['0.3']
    assert noisy[0] != pytest.approx(expected[0], rel=1e-4)
    assert numpy.mean(noisy[10:]) < numpy.mean(noisy[:10])


@pytest.mark.slow
@jax_only
@pytest.mark.skipif(find_mnist() is None, reason='real MNIST not found')
def test_jax_mode_gives_the_tutorials_first_epoch_on_mnist(tmp_path):
    out = tmp_path / 'plots'
    r = subprocess.run(
        [sys.executable, str(REPO / 'dA.py'), '--epochs', '1',
         '--corruption-levels', '0', '--dataset', find_mnist(),
         '--output-folder', str(out)], cwd=str(tmp_path),
        env=run_env(**{FLAGS: 'mode=JAX,floatX=float32', RC: os.devnull}),
        capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stdout.splitlines() if l.startswith('Training')][0]
    assert abs(float(line.split()[-1]) - 63.28917) < 1e-5 * 63.28917


def printed_figures(stdout, starts):
    """The last number of each printed line that starts with one of
    ``starts`` (the scripts' progress lines)."""
    return [float(line.replace('%', '').split()[-1])
            for line in stdout.splitlines() if line.startswith(starts)]


@pytest.mark.slow
@jax_only
@pytest.mark.parametrize('script, options, starts', [
    ('logistic_sgd.py', ['--epochs', '2', '--batch-size', '25'],
     ('epoch',)),
    ('SdA.py', ['--hidden-layers', '20', '20', '--corruption-levels', '0.1',
                '0.2', '--pretraining-epochs', '1', '--training-epochs', '1',
                '--batch-size', '10'], ('Pre-training', 'epoch'))])
def test_jax_mode_trains_the_tutorial_scripts(tmp_path, script, options,
                                              starts):
    """Their functions slice shared data at a symbolic index (``givens``),
    as every tutorial-style script does: in JAX mode that compiles too
    (da_tutorial/jax_slices.py), with the C back end's numbers."""
    dataset = small_dataset_file(tmp_path)
    printed = {}
    for mode in ('JAX', 'cvm'):
        flags = ('mode=JAX' if mode == 'JAX' else 'linker=cvm') + \
            ',floatX=float32'
        r = subprocess.run(
            [sys.executable, str(REPO / script), '--dataset', dataset,
             '--model' if script == 'logistic_sgd.py' else '--seed',
             str(tmp_path / 'm.pkl') if script == 'logistic_sgd.py'
             else '89677'] + options, cwd=str(tmp_path),
            env=run_env(**{FLAGS: flags, RC: os.devnull}),
            capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        printed[mode] = printed_figures(r.stdout, starts)
    assert len(printed['JAX']) >= 2
    numpy.testing.assert_allclose(printed['JAX'], printed['cvm'], rtol=1e-4,
                                  atol=1e-6)
