"""The engine and its set-up (engine.py, flags.py, blas.py, defaults.py,
pytensor_flags.py), float32-clean graphs, imports from elsewhere.

These run fresh interpreters, as a user would, so each sees its own flags.
They use the engine the suite runs on (``DA_BACKEND``).
"""
import os
import subprocess
import sys
import warnings

import pytest


from da_tutorial import blas, cli, engine, flags
from conftest import FLAGS, LDFLAGS, RC, REPO, run_env, run_python

RC_NAME = '.theanorc' if engine.ENGINE == 'theano' else '.pytensorrc'


SHOW = ('import os; from dA import dA; from da_tutorial import engine; '
        'print(repr(engine.blas_ldflags()), engine.theano.config.floatX, '
        'engine.DEVICE, os.environ.get(engine.FLAGS_VAR), sep="\\n")')
# PyTensor has no device flag (and warns about one)
USER_FLAGS = ('device=cpu,floatX=float32' if engine.ENGINE == 'theano'
              else 'floatX=float32')


@pytest.mark.slow
def test_import_from_any_directory_with_user_flags(tmp_path):
    r = run_python(SHOW, tmp_path, **{FLAGS: USER_FLAGS})
    assert r.returncode == 0, r.stderr
    ldflags, floatx, device, flags = r.stdout.splitlines()
    assert (floatx, device) == ('float32', 'cpu')
    assert flags == USER_FLAGS   # environment restored
    assert ldflags == repr(blas.default_blas_ldflags())


@pytest.mark.slow
def test_user_blas_flags_win(tmp_path):
    r = run_python(SHOW, tmp_path, **{FLAGS: LDFLAGS + '='})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "''"
    rc = tmp_path / 'rc'
    rc.write_text('[global]\nfloatX = float32\n\n[blas]\nldflags =\n')
    r = run_python(SHOW, tmp_path, **{RC: str(rc)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:2] == ["''", 'float32']


def test_user_blas_ldflags_set_pytensor(tmp_path):
    none = str(tmp_path / 'missing_rc')
    assert blas.user_blas_ldflags_set(
        {'PYTENSOR_FLAGS': 'blas__ldflags=-lblas', 'PYTENSORRC': none},
        engine='pytensor')
    # THEANO_FLAGS means what it says on PyTensor too
    assert blas.user_blas_ldflags_set(
        {'THEANO_FLAGS': 'blas.ldflags=-lblas', 'PYTENSORRC': none,
         'THEANORC': none}, engine='pytensor')
    assert not blas.user_blas_ldflags_set(
        {'THEANO_FLAGS': 'floatX=float32', 'PYTENSORRC': none,
         'THEANORC': none}, engine='pytensor')


def test_user_blas_ldflags_set(tmp_path):
    assert blas.user_blas_ldflags_set(
        {'THEANO_FLAGS': 'floatX=float32, blas.ldflags=-lblas'})
    none = str(tmp_path / 'missing_rc')
    assert not blas.user_blas_ldflags_set(
        {'THEANO_FLAGS': 'floatX=float32,blas.check_openmp=False',
         'THEANORC': none})
    rc = tmp_path / 'rc'
    rc.write_text('[global]\ndevice = cpu\n')
    assert not blas.user_blas_ldflags_set({'THEANORC': str(rc)})
    rc.write_text('[blas]\nldflags = -lmkl_rt\n')
    assert blas.user_blas_ldflags_set(
        {'THEANORC': none + os.pathsep + str(rc)})


def test_pypi_openblas_flags_name_real_symbols():
    """The wheel's library exists and exports every renamed BLAS function."""
    wheel = pytest.importorskip('scipy_openblas32')
    import ctypes
    flags = blas.pypi_openblas_ldflags().split()
    assert flags == blas.default_blas_ldflags({'DA_BLAS': 'openblas'}).split()
    folder = [f[2:] for f in flags if f.startswith('-L')]
    name = [f[2:] for f in flags if f.startswith('-l')]
    renames = dict(f[2:].split('=') for f in flags if f.startswith('-D'))
    assert len(folder) == len(name) == 1
    assert sorted(renames) == sorted(blas.BLAS_NAMES)
    assert wheel.get_library() == name[0]
    lib = ctypes.CDLL(os.path.join(folder[0],
                                   wheel.get_library(fullname=True)))
    for target in renames.values():
        assert hasattr(lib, target), target


def test_no_pypi_openblas(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: None if name == 'scipy_openblas32'
                        else real(name, *a))
    assert blas.pypi_openblas_ldflags() is None
    assert 'scipy' not in blas.default_blas_ldflags()


def test_find_openblas(tmp_path):
    assert blas.find_openblas([str(tmp_path)]) is None
    (tmp_path / 'libopenblas.so.0').write_text('')   # runtime only: no link
    assert blas.find_openblas([str(tmp_path)]) is None
    (tmp_path / 'libopenblas.so').write_text('')
    assert blas.find_openblas(['/nonexistent', str(tmp_path)]) == \
        str(tmp_path)


@pytest.mark.slow
def test_fallback_notice_when_no_openblas(tmp_path):
    # a machine without OpenBLAS: hide every libopenblas from the search
    code = ('import os.path; real = os.path.exists; '
            'os.path.exists = lambda p: "openblas" not in p and real(p); '
            'import importlib.util; spec = importlib.util.find_spec; '
            'importlib.util.find_spec = lambda name, *a: None '
            'if name == "scipy_openblas32" else spec(name, *a); '
            'from da_tutorial import engine; os.path.exists = real; '
            'print(repr(engine.blas_ldflags()))')
    # (DA_BLAS=openblas: no MKL either, where the mkl wheel is installed)
    r = run_python(code, tmp_path, PYTHONPATH=str(REPO), DA_BLAS='openblas')
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "''"
    assert r.stderr.count('no OpenBLAS found') == 1
    assert 'Using NumPy C-API' not in r.stderr   # Theano's own is silenced
    # the notice names the engine in use, its flags and its rc file
    name = flags.ENGINE_NAMES[engine.ENGINE]
    assert 'so %s uses its slower NumPy BLAS fallback' % name in r.stderr
    assert 'set %s in %s or %s' % (LDFLAGS, FLAGS, RC_NAME) in r.stderr


@pytest.mark.slow
def test_backend_choice_and_errors(tmp_path):
    assert engine.choose_engine({'DA_BACKEND': engine.ENGINE}) == \
        engine.ENGINE
    with pytest.raises(ImportError, match="must be 'theano' or 'pytensor'"):
        engine.choose_engine({'DA_BACKEND': 'tensorflow'})
    r = run_python('import dA', tmp_path, DA_BACKEND='nonsense')
    assert r.returncode != 0 and "must be 'theano' or 'pytensor'" in r.stderr
    # Theano 1.0.5 cannot run on Python 3.12: asking for it there says so
    with pytest.raises(ImportError, match='Theano 1.0.5 runs on Python 3.11 '
                       'or older, this is Python 3.12'):
        engine.choose_engine({'DA_BACKEND': 'theano'}, version=(3, 12, 1))


def test_backend_default_engine(monkeypatch):
    """Without DA_BACKEND: the engine a script imported already, else
    Theano on Python <= 3.11 (PyTensor if it is the one there), PyTensor on
    3.12 and later (never Theano)."""
    installed = {'theano'}
    monkeypatch.setattr(engine.importlib.util, 'find_spec',
                        lambda name: object() if name in installed else None)
    for name in engine.ENGINES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert engine.choose_engine({}, version=(3, 11)) == 'theano'
    with pytest.raises(ImportError, match=r'Python \(3.13\).*PyTensor on '
                       '3.12 and later'):
        engine.choose_engine({}, version=(3, 13))
    installed.add('pytensor')
    assert engine.choose_engine({}, version=(3, 11)) == 'theano'
    assert engine.choose_engine({}, version=(3, 13)) == 'pytensor'
    assert engine.choose_engine({'DA_BACKEND': 'PyTensor'},
                                 version=(3, 11)) == 'pytensor'
    monkeypatch.setitem(sys.modules, 'pytensor', object())  # import pytensor
    assert engine.choose_engine({}, version=(3, 11)) == 'pytensor'
    installed.discard('theano')
    monkeypatch.delitem(sys.modules, 'pytensor')
    assert engine.choose_engine({}, version=(3, 11)) == 'pytensor'
    installed.discard('pytensor')
    with pytest.raises(ImportError, match='DA_BACKEND=pytensor, but '
                       'PyTensor is not installed'):
        engine.choose_engine({'DA_BACKEND': 'pytensor'}, version=(3, 11))


FLOAT32_RUN = '''
import sys
sys.path.insert(0, {tests!r})
from conftest import small_dataset_file
import dA, logistic_sgd
path = small_dataset_file({tmp!r})
# (the 30 % graph holds all of the 0 % one, and the noise)
dA.main(['--epochs', '1', '--n-hidden', '20', '--dataset', path,
         '--corruption-levels', '0.3', '--output-folder', {out!r}])
logistic_sgd.main(['--epochs', '1', '--batch-size', '25', '--dataset', path,
                   '--model', {model!r}])
print('float32 ok')
'''


@pytest.mark.slow
def test_graphs_are_float32_clean(tmp_path):
    """With warn_float64=raise any float64 node in a graph is an error."""
    code = FLOAT32_RUN.format(tests=str(REPO / 'tests'), tmp=str(tmp_path),
                              out=str(tmp_path / 'plots'),
                              model=str(tmp_path / 'm.pkl'))
    r = run_python(code, tmp_path,
                   **{FLAGS: 'floatX=float32,warn_float64=raise'})
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'float32 ok' in r.stdout
    assert 'Training epoch 0, cost' in r.stdout
    assert 'Optimization complete' in r.stdout
    assert (tmp_path / 'plots' / 'filters_corruption_30.png').exists()


def test_user_setting_floatx(tmp_path):
    none = str(tmp_path / 'missing_rc')
    for name, flags_var, rc_var in (('theano', 'THEANO_FLAGS', 'THEANORC'),
                                      ('pytensor', 'PYTENSOR_FLAGS',
                                       'PYTENSORRC')):
        assert flags.user_setting(
            'floatX', {flags_var: 'device=cpu, floatX=float64',
                       rc_var: none}, name)
        assert not flags.user_setting(
            'floatX', {flags_var: 'device=cpu', rc_var: none}, name)
        rc = tmp_path / 'rc'
        rc.write_text('[global]\nfloatx = float64\n')   # any case, as engine
        assert flags.user_setting('floatX', {rc_var: str(rc)}, name)
        rc.write_text('[blas]\nfloatX = float64\n')     # wrong section
        assert not flags.user_setting('floatX', {rc_var: str(rc)},
                                             name)


def test_script_floatx_default_and_restore(monkeypatch):
    config = engine.theano.config
    before = config.floatX
    monkeypatch.setenv(FLAGS, 'floatX=float64')       # the user's wins
    with cli.script_floatx():
        assert config.floatX == before
    monkeypatch.setenv(FLAGS, '')
    monkeypatch.setenv(RC, os.devnull)
    with cli.script_floatx():
        assert config.floatX == 'float32'
    assert config.floatX == before


@pytest.mark.slow
def test_dA_script_trains_in_float32_by_default(tmp_path, small_dataset):
    """python dA.py, as README's first command runs it: float32 costs."""
    out = tmp_path / 'plots'
    r = subprocess.run(
        [sys.executable, str(REPO / 'dA.py'), '--epochs', '1', '--n-hidden',
         '20', '--corruption-levels', '0', '--dataset', small_dataset[0],
         '--output-folder', str(out)], cwd=str(tmp_path),
        env=dict(run_env(), **{RC: os.devnull}), capture_output=True,
        text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    import json
    metrics = json.loads((out / 'metrics.json').read_text())
    assert metrics['versions']['floatX'] == 'float32'
    printed = [l for l in r.stdout.splitlines() if l.startswith('Training')]
    cost = printed[0].split()[-1]
    # a float32 prints with at most 9 significant digits, a float64 with 17
    assert len(cost.replace('.', '').lstrip('0')) <= 9, cost
    assert float(cost) == pytest.approx(
        metrics['runs'][0]['epoch_costs'][0], rel=1e-6)


pytensor_only = pytest.mark.skipif(engine.ENGINE != 'pytensor',
                                   reason='THEANO_FLAGS on PyTensor')
FLAGS_SEEN = ('import warnings; warnings.simplefilter("always"); '
              'import theano; c = theano.config; '
              'print(c.floatX, repr(c.blas.ldflags), c.optimizer_excluding, '
              'c.mode, sep="\\n")')


@pytest.mark.slow
@pytensor_only
def test_theano_flags_mean_what_they_say_on_pytensor(tmp_path):
    rc = tmp_path / 'theanorc'
    rc.write_text('[global]\nfloatX = float64\nmode = FAST_COMPILE\n')
    r = run_python(FLAGS_SEEN, tmp_path, THEANORC=str(rc),
                   PYTENSORRC=os.devnull, THEANO_FLAGS='blas.ldflags=-lmine,'
                   'optimizer_excluding=dA_fast,lib.cnmem=0.5,'
                   'dnn.enabled=False,warn.sum_sum_bug=False')
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ['float64', "'-lmine'", 'dA_fast',
                                     'FAST_COMPILE']
    # a flag Theano 1.0.5 did not have (Theano 0.9's) is named, once
    assert r.stderr.count('lib.cnmem') == 1
    assert 'lib.cnmem, which is not a setting of Theano 1.0.5' in r.stderr
    # one of the old CUDA back end, without effect here, is said so once;
    # one left at Theano's default is not
    assert r.stderr.count('dnn.enabled=False has no effect on PyTensor') == 1
    assert 'sum_sum_bug' not in r.stderr
    # PyTensor's own flags win
    r = run_python(FLAGS_SEEN, tmp_path, THEANORC=str(rc),
                   PYTENSORRC=os.devnull, THEANO_FLAGS='floatX=float64',
                   PYTENSOR_FLAGS='floatX=float32,mode=FAST_RUN')
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == 'float32'
    assert r.stdout.splitlines()[3] == 'FAST_RUN'


@pytest.mark.slow
@pytensor_only
def test_theano_flags_floatx_reaches_the_scripts(tmp_path, small_dataset):
    """THEANO_FLAGS=floatX=float64 python dA.py: float64, not the
    scripts' float32 default."""
    out = tmp_path / 'plots'
    r = subprocess.run(
        [sys.executable, str(REPO / 'dA.py'), '--epochs', '1', '--n-hidden',
         '20', '--corruption-levels', '0', '--dataset', small_dataset[0],
         '--output-folder', str(out)], cwd=str(tmp_path),
        env=run_env(THEANO_FLAGS='floatX=float64', THEANORC=os.devnull,
                    PYTENSORRC=os.devnull),
        capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    import json
    metrics = json.loads((out / 'metrics.json').read_text())
    assert metrics['versions']['floatX'] == 'float64'
    assert '+pytensor.' in metrics['versions']['theano']   # honest
    cost = [l for l in r.stdout.splitlines() if l.startswith('Training')]
    assert len(cost[0].split()[-1].replace('.', '').lstrip('0')) > 9


@pytest.mark.slow
@pytensor_only
def test_theano_gpu_flags_without_a_gpu_stop_before_any_output(
        tmp_path, small_dataset):
    from da_tutorial.pytensor_flags import jax_gpu_reason
    if jax_gpu_reason() is None:
        pytest.skip('JAX sees a GPU here')
    out = tmp_path / 'plots'
    r = subprocess.run(
        [sys.executable, str(REPO / 'dA.py'), '--epochs', '1', '--dataset',
         small_dataset[0], '--output-folder', str(out)], cwd=str(tmp_path),
        env=run_env(THEANO_FLAGS='device=cuda,floatX=float32'),
        capture_output=True, text=True, timeout=600)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        'error: device=cuda: PyTensor runs on a GPU through JAX')
    assert 'pip install -U "jax[cuda12]"' in lines[0]
    assert r.stdout == '' and not out.exists()


def test_one_rc_parser_reads_both_ways(tmp_path):
    """``user_value`` (one setting) and ``theano_user_settings`` (all of
    them) read the same flags and rc files alike, the flags winning."""
    rc = tmp_path / 'rc'
    rc.write_text('[global]\nfloatx = float64\n\n[blas]\nldflags = -lx\n\n'
                  '[dnn.conv]\nalgo_fwd = none\n')
    env = {'THEANORC': str(rc), 'THEANO_FLAGS': 'mode=FAST_RUN'}
    assert flags.user_value('floatX', env) == 'float64'
    assert flags.user_value('blas.ldflags', env) == '-lx'
    assert flags.theano_user_settings(env) == {
        'floatX': 'float64', 'blas.ldflags': '-lx',
        'dnn.conv.algo_fwd': 'none', 'mode': 'FAST_RUN'}
    env['THEANO_FLAGS'] = 'floatX=float32'
    assert flags.user_value('floatX', env) == 'float32'
    assert flags.theano_user_settings(env)['floatX'] == 'float32'
    # on PyTensor, PyTensor's own flags over Theano's
    env['PYTENSOR_FLAGS'] = 'floatX=float16'
    env['PYTENSORRC'] = os.devnull
    assert flags.user_value('floatX', env, 'pytensor') == 'float16'


def test_theano_flags_for_pytensor_keeps_what_it_found(monkeypatch):
    from da_tutorial import pytensor_flags
    monkeypatch.setattr(pytensor_flags, 'jax_gpu_reason',
                        lambda: 'JAX sees no GPU here')
    translation = pytensor_flags.TheanoFlagsForPyTensor()
    env = {'THEANO_FLAGS': 'floatX=float32,device=cuda,lib.cnmem=1',
           'THEANORC': os.devnull, 'PYTENSORRC': os.devnull}
    with pytest.warns(UserWarning, match='lib.cnmem'):
        assert translation.pairs(env) == [('floatX', 'float32')]
    assert translation.gpu_error.startswith(
        'device=cuda: PyTensor runs on a GPU through JAX, and JAX sees no '
        'GPU here.')
    assert translation.warned == {'lib.cnmem'}
    with warnings.catch_warnings():
        warnings.simplefilter('error')     # said once
        translation.pairs(env)
    # the process's own translation is another object
    assert pytensor_flags.TRANSLATION is not translation
