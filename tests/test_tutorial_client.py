"""Scripts written the tutorial's way, in a fresh interpreter after the
project's install: ``import theano`` first, then the project's modules.

The project's install puts ``dA-tutorial.pth`` into site-packages
(setup.py); its finder gives the engine the project's BLAS default at its
own import, wherever that happens.  Without it Theano 1.0.5 crashes at
``import theano`` on today's Python.
"""
import json
import math
import os
import site
import subprocess
import sys

import numpy
import pytest

import npda
from da_tutorial import blas
from conftest import (CLIENTS, DIST, ENGINE, FLAGS, LDFLAGS, RC, installed,
                      run_client, run_env, run_python, same_as_theano,
                      small_dataset_file)


@installed
def test_install_ships_the_pth_file():
    pth = [f for f in DIST.files if f.name == 'dA-tutorial.pth']
    assert len(pth) == 1, DIST.files
    path = pth[0].locate()
    assert os.path.isfile(path)
    # in a folder whose .pth files Python reads at start-up
    assert os.path.dirname(os.path.realpath(path)) in [
        os.path.realpath(d) for d in site.getsitepackages()]


@pytest.mark.slow
@installed
def test_processes_that_import_no_engine_import_nothing_of_ours(tmp_path):
    r = run_python('import sys; print(sorted(m for m in sys.modules if '
                   'm.split(".")[0] in ("theano", "pytensor") or m.startswith('
                   '"da_tutorial.") and m != "da_tutorial.import_hook")); '
                   'print([type(f).__name__ for f in sys.meta_path])',
                   tmp_path)
    assert r.returncode == 0, r.stderr
    imported, finders = r.stdout.splitlines()
    assert imported == '[]'
    assert finders.count('TheanoImportHook') == 1


ENGINE_FIRST = ('import {e}, {e}.tensor as T; from dA import dA; '
                'print(repr({e}.config.{key}))').format(
                    e=ENGINE, key=LDFLAGS.replace('.', '__')
                    if ENGINE == 'pytensor' else LDFLAGS)


@pytest.mark.slow
@installed
@pytest.mark.skipif(ENGINE != 'theano', reason='the hook acts on Theano '
                    'only: a script that imports PyTensor itself keeps '
                    "PyTensor's own settings (next test)")
def test_engine_imported_first_gets_the_blas_default(tmp_path):
    r = run_python(ENGINE_FIRST, tmp_path)   # from another folder
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == repr(blas.default_blas_ldflags())
    assert blas.default_blas_ldflags()   # the wheel is installed


@pytest.mark.slow
@installed
def test_engine_imported_first_keeps_the_users_blas_flags(tmp_path):
    r = run_python(ENGINE_FIRST, tmp_path, **{FLAGS: LDFLAGS + '='})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "''"
    rc = tmp_path / 'rc'
    rc.write_text('[blas]\nldflags = -lblas_of_my_own\n')
    code = ENGINE_FIRST.replace('; from dA import dA', '')
    r = run_python(code, tmp_path, **{RC: str(rc)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "'-lblas_of_my_own'"


# What a program that uses PyTensor directly sees: its settings, the
# environment and every logger, and JAX's where it is installed.
SEEN = '''
import json, logging, os, sys
import pytensor
try:
    import jax
    jax_seen = [jax.config.jax_enable_x64, jax.config.jax_platforms]
except ImportError:
    jax_seen = None
config = pytensor.config
print(json.dumps({
    'config': {k: str(getattr(config, k)) for k in (
        'blas__ldflags', 'floatX', 'mode', 'linker',
        'optimizer_excluding', 'compiledir')},
    'environ': dict(os.environ),
    'loggers': {name: [lg.level, len(lg.handlers), lg.propagate, lg.disabled]
                for name, lg in logging.root.manager.loggerDict.items()
                if isinstance(lg, logging.Logger)},
    'root': [logging.root.level, len(logging.root.handlers)],
    'jax': jax_seen,
    'ours': sorted(m for m in sys.modules if m.startswith('da_tutorial.')
                   and m != 'da_tutorial.import_hook')}, sort_keys=True))
'''


@pytest.mark.slow
@installed
@pytest.mark.skipif(ENGINE != 'pytensor', reason='PyTensor is installed '
                    'in the PyTensor leg only')
def test_the_hook_leaves_other_programs_using_pytensor_alone(tmp_path):
    """A program that imports PyTensor (PyMC, say), not through this
    project, sees exactly what it sees without the project installed."""
    with_project = run_python(SEEN, tmp_path)
    # the same interpreter and site-packages, but no .pth file is run:
    # as if the project were not installed
    bare = subprocess.run([sys.executable, '-S', '-c', 'import sys; '
                           'sys.path += %r; exec(%r)'
                           % (site.getsitepackages(), SEEN)],
                          cwd=str(tmp_path), env=run_env(),
                          capture_output=True, text=True, timeout=600)
    assert with_project.returncode == 0, with_project.stderr
    assert bare.returncode == 0, bare.stderr
    seen, expected = (json.loads(r.stdout) for r in (with_project, bare))
    assert seen['ours'] == []
    assert seen == expected
    assert with_project.stderr == bare.stderr


@pytest.mark.slow
@installed
def test_tutorial_style_sda_script(tmp_path):
    """tests/clients/sda.py, in float64 (no flags): the engine's own
    default precision, and the project's BLAS default."""
    dataset = small_dataset_file(tmp_path)
    script = os.path.join(CLIENTS, 'sda.py')
    r = subprocess.run([sys.executable, script, dataset, str(tmp_path)],
                       cwd=str(tmp_path), capture_output=True, text=True,
                       timeout=600, env=dict(os.environ, **{RC: os.devnull,
                                                            FLAGS: ''}))
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout.splitlines()[-1])
    assert result['ldflags'] == blas.default_blas_ldflags()
    # the first pretraining step, without corruption, is the tutorial's
    # cross-entropy of the initial weights (float64 here: no flags)
    init = numpy.load(str(tmp_path / 'initial.npz'))
    from da_tutorial.data import read_dataset
    x0 = read_dataset(dataset)[0][0][:20].astype('float64')
    assert result['first'] == pytest.approx(
        npda.cost(x0, init['W'], init['b'], init['b_prime']), rel=1e-9)
    assert result['pretraining'][-1] < result['pretraining'][0]
    # a zero-initialised logistic layer predicts 1/10 for every class
    assert result['finetuning'][0][0] == pytest.approx(math.log(10),
                                                       rel=1e-9)
    means = [numpy.mean(epoch) for epoch in result['finetuning']]
    assert means[-1] < means[0]
    assert result['error_after'] < result['error_before']



def free_energy(v, W, hbias, vbias):
    """The RBM's free energy, NumPy (float64)."""
    return -numpy.log1p(numpy.exp(v.dot(W) + hbias)).sum(axis=1) - v.dot(vbias)


@pytest.mark.slow
@installed
def test_tutorial_style_rbm_with_scan(tmp_path):
    """The tutorial series' RBM, unchanged: persistent CD-15 through
    theano.scan and sampling with theano.scan.  On Python 3.11 Theano's
    Cython scan cannot be built; the engine set-up makes Theano use its
    Python scan instead of failing."""
    dataset = small_dataset_file(tmp_path)
    r = subprocess.run([sys.executable, os.path.join(CLIENTS, 'rbm.py'),
                        dataset, str(tmp_path)], cwd=str(tmp_path),
                       capture_output=True, text=True, timeout=600,
                       env=run_env(**{RC: os.devnull}))
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout.splitlines()[-1])
    assert 'theano_compilation_error' not in r.stdout + r.stderr
    # the first monitoring cost: the pseudo-likelihood of minibatch 0 with
    # bit 0 flipped, under the initial parameters (NumPy math)
    init = numpy.load(str(tmp_path / 'rbm_initial.npz'))
    from da_tutorial.data import read_dataset
    x0 = numpy.round(read_dataset(dataset)[0][0][:20].astype('float64'))
    flipped = x0.copy()
    flipped[:, 0] = 1 - flipped[:, 0]
    params = [init[k].astype('float64') for k in ('W', 'hbias', 'vbias')]
    gap = free_energy(flipped, *params) - free_energy(x0, *params)
    expected = numpy.mean(784 * numpy.log(npda.sigmoid(gap)))
    rtol = 1e-4 if result['floatX'] == 'float32' else 1e-9
    assert result['costs'][0] == pytest.approx(expected, rel=rtol)
    assert len(result['costs']) == 10 and all(
        numpy.isfinite(result['costs']))
    assert result['sample_shape'] == [5, 784]
    assert set(result['sample_values']) <= {0.0, 1.0}
    assert result['means_in_unit']


# The tutorial series' scripts, unchanged (tests/clients/), on the small
# synthetic set in float32 (through THEANO_FLAGS on both engines).  Their
# first costs are checked against NumPy where they do not depend on the
# random stream; every printed figure, noise included, against what Theano
# 1.0.5 printed under Python 3.11 (tests/clients/theano_1.0.5.json, written
# by tests/clients/record.py on that engine; conftest.run_client).


@pytest.mark.slow
@installed
def test_tutorial_style_contractive_autoencoder(tmp_path):
    result = run_client('cA', tmp_path)
    # the first minibatch: reconstruction cost and the Jacobian's squared
    # norm (floor-divided by the batch size, as the tutorial writes it)
    init = numpy.load(str(tmp_path / 'cA_initial.npz'))
    from da_tutorial.data import read_dataset
    x = read_dataset(small_dataset_file(tmp_path))[0][0][:20].astype(
        'float64')
    W = init['W'].astype('float64')
    params = (x, W, init['b'], init['b_prime'])
    y, rec = npda.forward(*params)[0], npda.cost(*params)
    jacobian = numpy.floor(((y * (1 - y)) ** 2).dot((W ** 2).sum(axis=0))
                           .sum() / 20)
    assert result['first'][0] == pytest.approx(rec, rel=1e-5)
    assert result['first'][1] == jacobian
    same_as_theano('cA', result, rtol=1e-4)


@pytest.mark.slow
@installed
def test_tutorial_style_rbm_same_as_theano(tmp_path):
    same_as_theano('rbm', run_client('rbm', tmp_path), rtol=1e-3)


@pytest.mark.slow
@installed
def test_tutorial_style_dbn(tmp_path):
    result = run_client('DBN', tmp_path)
    # a zero-initialised logistic layer predicts 1/10 for every class
    assert result['finetuning_first'] == pytest.approx(math.log(10),
                                                       rel=1e-6)
    assert result['finetuning_means'][1] < result['finetuning_means'][0]
    same_as_theano('DBN', result, rtol=1e-3)


@pytest.mark.slow
@installed
def test_tutorial_style_mlp(tmp_path):
    result = run_client('mlp_client', tmp_path)
    W = numpy.load(str(tmp_path / 'mlp_initial.npz'))['W'].astype('float64')
    assert result['first'] == pytest.approx(
        math.log(10) + 0.0001 * (W ** 2).sum(), rel=1e-6)
    assert result['means'][1] < result['means'][0]
    same_as_theano('mlp_client', result, rtol=1e-4)


@pytest.mark.slow
@installed
def test_tutorial_style_sda_same_as_theano(tmp_path):
    """The SdA layer in float32, MRG noise included, as Theano printed it."""
    same_as_theano('sda', run_client('sda', tmp_path), rtol=1e-4)


FACE_NAMES = '''
import theano, theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams
x = T.matrix('x')
assert x and not (not x)               # a variable is truthy, as in Theano
try:
    bool(x < 1)
except TypeError as e:
    print('comparison:', e)
for name in ('T.MPISend', 'theano.config.lib.cnmem',
             'theano.tensor.nnet.corr', 'theano.no_such_thing'):
    try:
        eval(name)
    except AttributeError as e:
        print(name, '->', e)
print(theano.__version__)
# Theano's spellings of a type and of the CPU stream
print(T.TensorType('float32', (False, True))('v').type.shape)
from theano.tensor.shared_randomstreams import RandomStreams
draw = theano.function([], RandomStreams(1).binomial(size=(30, 40), p=0.5,
                                                      dtype='float32'))
first, second = draw(), draw()
print(first.shape, first.dtype, sorted(set(first.ravel().tolist())),
      (first != second).any(), abs(first.mean() - 0.5) < 0.1)
'''


@pytest.mark.slow
@installed
@pytest.mark.skipif(ENGINE != 'pytensor', reason="the Theano face is "
                    "PyTensor's; here a real Theano is imported")
def test_the_face_keeps_theanos_meaning_and_names_what_it_lacks(tmp_path):
    r = run_python(FACE_NAMES, tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == ('comparison: Variables do not support boolean '
                        'operations.')
    # refused, saying what to use instead
    for line, name in zip(lines[1:5:2], ('MPISend', 'corr')):
        assert name in line and 'instead' in line, line
    # not Theano 1.0.5's names at all
    assert 'lib.cnmem' in lines[2] and 'Theano 1.0.5 had none' in lines[2]
    assert 'no_such_thing' in lines[4] and 'has no counterpart' in lines[4]
    import pytensor
    assert lines[5] == '1.0.5+pytensor.' + pytensor.__version__
    assert lines[6] == '(None, 1)'
    assert lines[7] == '(30, 40) float32 [0.0, 1.0] True True'
