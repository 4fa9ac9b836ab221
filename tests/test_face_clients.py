"""More scripts written for Theano 1.0.5 (tests/clients/): the tutorial
series' LeNet, Hybrid Monte Carlo sampler and Elman RNN, and the examples
of Theano's own documentation tutorial (random numbers, derivatives,
loops, conditions, modes, logistic regression).

Each runs in a fresh interpreter in float32, as tests/test_tutorial_client.py
runs its clients; every figure it prints is compared with what Theano 1.0.5
printed under Python 3.11 (tests/clients/theano_1.0.5.json, written by
tests/clients/record.py), and its first figures, where that is cheap, with
NumPy.
"""
import importlib.util
import json
import math
import os
import subprocess
import sys

import numpy
import pytest

import npda
from conftest import (CLIENTS, ENGINE, RC, REFERENCE, flatten, installed,
                      run_client, run_env, same_as_theano, small_dataset_file)

pytestmark = pytest.mark.slow      # every client runs in a Python of its own


@installed
def test_lenet(tmp_path):
    result = run_client('lenet', tmp_path)
    # the logistic layer starts at zero: 1/10 for every class
    assert result['first'] == pytest.approx(math.log(10), rel=1e-6)
    assert len(result['epoch_costs']) == 2
    assert result['epoch_costs'][1] < result['epoch_costs'][0]
    assert all(0 <= e <= 1 for e in result['validation_errors'])
    same_as_theano('lenet', result, rtol=1e-4)


@installed
def test_hmc(tmp_path):
    result = run_client('hmc', tmp_path)
    # every draw keeps the average acceptance rate above the target after
    # the first: the stepsize went down once (to stepsize_min, 0.001) and
    # up by 2% in each of the other 24 draws
    assert result['stepsize'] == pytest.approx(0.001 * 1.02 ** 24, rel=1e-5)
    assert 0.9 < result['acceptance_rate'] <= 1
    assert result['dtypes_are_floatX'] == 1
    assert len(result['sample_means']) == 5
    assert len(result['first_draw']) == len(result['last_draw']) == 15
    same_as_theano('hmc', result, rtol=1e-4)


def contextwin(sentence, win):
    padded = win // 2 * [-1] + list(sentence) + win // 2 * [-1]
    return [padded[i:i + win] for i in range(len(sentence))]


@installed
def test_rnn_softmax(tmp_path):
    result = run_client('rnn_softmax', tmp_path)
    # the first sentence's class probabilities under the initial
    # parameters, by NumPy: the recurrence of rnnslu.py, one softmax row
    # per word
    p = {k: v.astype('float64') for k, v in
         numpy.load(str(tmp_path / 'rnn_initial.npz')).items()}
    words = numpy.load(str(tmp_path / 'rnn_data.npz'))['words']
    x = p['embeddings'][numpy.asarray(contextwin(words, 3))].reshape(
        len(words), -1)
    h = p['h0']
    expected = []
    for x_t in x:
        h = npda.sigmoid(x_t.dot(p['wx']) + h.dot(p['wh']) + p['bh'])
        expected.append(npda.softmax(h.dot(p['w']) + p['b']))
    numpy.testing.assert_allclose(result['first_probabilities'], expected,
                                  rtol=1e-5)
    # s[:, 0, :] is one row of probabilities per word
    assert result['probabilities_shape'] == [len(words), 4]
    numpy.testing.assert_allclose(numpy.sum(result['probabilities'], axis=1),
                                  1, rtol=1e-5)
    numpy.testing.assert_allclose(result['embedding_norms'], 1, rtol=1e-5)
    same_as_theano('rnn_softmax', result, rtol=1e-4)


@installed
def test_doc_random(tmp_path):
    result = run_client('doc_random', tmp_path)
    # RandomStreams(234) seeds each variable's generator in turn with
    # RandomState(234).randint(2 ** 30)
    seeds = numpy.random.RandomState(234)
    u_seed, n_seed = seeds.randint(2 ** 30), seeds.randint(2 ** 30)
    numpy.testing.assert_allclose(
        result['f_val0'], numpy.random.RandomState(u_seed).uniform(
            size=4).astype('float32'), rtol=1e-6)
    numpy.testing.assert_allclose(
        result['g_val0'], numpy.random.RandomState(n_seed).normal(
            size=4).astype('float32'), rtol=1e-6)
    numpy.testing.assert_allclose(
        result['after_rv_u_seed'],
        numpy.random.RandomState(89234).uniform(size=4), rtol=1e-6)
    assert result['f_changes'] == result['g_repeats'] == 1
    assert result['nearly_zeros_max'] == 0
    assert result['g_unchanged'] == 1
    assert result['v2_differs'] == result['v3_is_v1'] == 1
    assert result['dtypes'] == [1, 1]
    assert result['state_updates'] == 2
    # the values the tutorial prints
    copy = result['copy']
    assert copy['before'][0][0] == pytest.approx(0.72803009, abs=1e-7)
    assert copy['before'][1][0] == pytest.approx(0.55056769, abs=1e-7)
    assert copy['after'][0][0] == pytest.approx(0.59044123, abs=1e-7)
    assert copy['in_sync'] == result['copy_mrg']['in_sync'] == 1
    same_as_theano('doc_random', result, rtol=1e-4)


@installed
def test_doc_gradients(tmp_path):
    result = run_client('doc_gradients', tmp_path)
    assert result['pp_lengths_positive'] == [1, 1]
    assert result['x_squared'] == pytest.approx([8, 188.4], rel=1e-12)
    s = npda.sigmoid(numpy.array([0., 1, -1, -2]))
    numpy.testing.assert_allclose(result['dlogistic'], s * (1 - s),
                                  rtol=1e-12)
    numpy.testing.assert_allclose(result['dlogistic_floatX'], s * (1 - s),
                                  rtol=1e-6)
    assert result['jacobian'] == [8, 0, 0, 8]
    assert result['jacobian_macro'] == [8, 0, 0, 10]
    assert result['hessian'] == result['hessian_macro'] == [2, 0, 0, 2]
    assert result['rop'] == [2, 2]
    assert result['lop'] == result['lop_ignoring_W'] == [0, 0, 2, 2]
    assert result['unused_input_raises'] == 1
    assert result['vH'] == result['Hv'] == [4, 4]
    # Rop and Lop of tanh(x.dot(W)) with respect to W
    rng = numpy.random.RandomState(1)
    W, V, x, u = rng.randn(3, 2), rng.randn(3, 2), rng.randn(3), rng.randn(2)
    slope = 1 - numpy.tanh(x.dot(W)) ** 2
    numpy.testing.assert_allclose(result['rop_tanh'], slope * x.dot(V),
                                  rtol=1e-12)
    numpy.testing.assert_allclose(result['lop_tanh'],
                                  numpy.outer(x, u * slope).ravel(),
                                  rtol=1e-12)
    same_as_theano('doc_gradients', result, rtol=1e-4)


@installed
def test_doc_loops(tmp_path):
    result = run_client('doc_loops', tmp_path)
    numpy.testing.assert_allclose(result['elementwise'],
                                  numpy.tanh([2, 3, 2, 3]), rtol=1e-6)
    # x(t) = tanh(x(t - 1).dot(W) + y(t).dot(U) + p(T - t).dot(V))
    y = numpy.ones((5, 2))
    y[0] = -3
    p = numpy.ones((5, 2))
    p[0] = 3
    x = numpy.array([0., 1])
    expected = []
    for t in range(5):
        x = numpy.tanh(x.sum() + y[t].sum() + p[4 - t].sum()) * numpy.ones(2)
        expected.append(x)
    numpy.testing.assert_allclose(result['sequence'],
                                  numpy.ravel(expected), rtol=1e-5)
    assert result['norm_lines'] == pytest.approx([5 ** .5, 2, 3, 4, 5, 0],
                                                 rel=1e-6)
    assert result['norm_cols'] == [2, 1, 2, 3, 4, 5]
    assert result['trace'] == 4
    # x(t) = x(t - 2).dot(U) + x(t - 1).dot(V) + tanh(x(t - 1).dot(W) + b)
    u = 0.5 * (numpy.ones((2, 2)) - numpy.eye(2))
    taps = [numpy.zeros(2), numpy.array([0., 1])]
    for t in range(10):
        taps.append(taps[-2].dot(u) + taps[-1].dot(0.5 * numpy.ones((2, 2)))
                    + numpy.tanh(taps[-1].dot(0.5 * numpy.ones((2, 2))) + 1))
    numpy.testing.assert_allclose(result['taps'], numpy.ravel(taps[2:]),
                                  rtol=1e-5)
    w = numpy.eye(5, 3)
    w[2] = 1
    x = numpy.eye(5)[0]
    numpy.testing.assert_allclose(
        result['jacobian'], ((1 - numpy.tanh(x.dot(w)) ** 2) * w).T.ravel(),
        rtol=1e-5, atol=1e-7)
    assert result['accumulator'] == [0, 5]
    # a draw made outside the scan and used in its step is drawn anew at
    # each step (Theano moves it into the loop); passed as a non-sequence
    # it is drawn once
    assert result['outside_draw_distinct_masks'] > 1
    assert result['non_sequence_draw_distinct_masks'] == 1
    assert result['inside_draw_distinct_masks'] > 1
    assert result['outside_draw_scan_updates'] == 1
    assert result['inside_draw_scan_updates'] == 1
    assert result['inside_draw_dtype'] == 1
    # the masked outputs: tanh(2) on the identity's rows, tanh(1) below
    for key in ('outside_draw', 'non_sequence_draw', 'inside_draw'):
        assert all(v == 0 or v == pytest.approx(numpy.tanh(1)) or
                   v == pytest.approx(numpy.tanh(2)) for v in result[key]), key
    assert result['power'] == [float(i * i) for i in range(10)]
    assert result['power_3'] == pytest.approx([0, 1 / 8, 1, 27 / 8, 8])
    assert result['polynomial'] == result['polynomial_by_scan'] == 19
    assert result['polynomial_by_scan_2'] == pytest.approx(
        0.5 - 1.5 + 0.25 * 1.5 ** 2 + 2 * 1.5 ** 3, rel=1e-6)
    same_as_theano('doc_loops', result, rtol=1e-4)


@installed
def test_doc_conditions(tmp_path):
    result = run_client('doc_conditions', tmp_path)
    rng = numpy.random.RandomState(7)
    x = rng.uniform(size=(100, 50)).astype('float32')
    y = rng.uniform(-1, 0, size=(100, 50)).astype('float32')
    c = rng.uniform(size=(100, 50)).astype('float32')
    assert result['switch'] == result['ifelse'] == [result['switch'][0]] * 10
    assert result['switch'][0] == pytest.approx(x.mean(dtype='float64'),
                                                rel=1e-5)
    assert result['switch_other'] == result['ifelse_other']
    assert result['switch_other'] == pytest.approx(y.mean(dtype='float64'),
                                                   rel=1e-5)
    assert result['dtypes'] == [1, 1]
    chosen = numpy.where(c > 0.5, x, y)
    assert result['elementwise_sum'] == pytest.approx(
        chosen.sum(dtype='float64'), rel=1e-4)
    numpy.testing.assert_allclose(result['elementwise_row0'], chosen[0, :6])
    assert result['ifelse_pair'] == pytest.approx(
        [x.sum(dtype='float64'), y.max()], rel=1e-5)
    assert result['ifelse_pair_other'] == pytest.approx(
        [x.min(), y.sum(dtype='float64')], rel=1e-5)
    same_as_theano('doc_conditions', result, rtol=1e-4)


@installed
def test_doc_modes(tmp_path):
    result = run_client('doc_modes', tmp_path)
    rng = numpy.random.RandomState(42)
    x = rng.randn(60, 10).astype('float32').astype('float64')
    y = rng.randint(size=60, low=0, high=2)
    w = (0.1 * rng.randn(10)).astype('float32').astype('float64')
    p_1 = npda.sigmoid(x.dot(w))
    xent = numpy.mean(-y * numpy.log(p_1) - (1 - y) * numpy.log(1 - p_1))
    for mode in ('fast_compile', 'fast_run', 'py_fast_run', 'default'):
        # the first step's cross-entropy, before any update
        assert result[mode]['first_xent'] == pytest.approx(xent, rel=1e-4)
        assert result[mode]['last_xent'] < result[mode]['first_xent']
        assert result[mode]['dtypes'] == [1, 1]
    assert result['config_mode_is_default'] == 1
    assert result['debugmode'] == [50, 0, 70]
    same_as_theano('doc_modes', result, rtol=1e-4)


@installed
def test_doc_logistic(tmp_path):
    result = run_client('doc_logistic', tmp_path)
    init = numpy.load(str(tmp_path / 'logistic_initial.npz'))
    p_1 = npda.sigmoid(init['x'].dot(init['w']))
    y = init['y']
    xent = numpy.mean(-y * numpy.log(p_1) - (1 - y) * numpy.log(1 - p_1))
    assert result['first_xent'] == pytest.approx(xent, rel=1e-12)
    assert result['xent_every_50'] == sorted(result['xent_every_50'],
                                             reverse=True)
    # float64 throughout (T.dmatrix, T.dvector), whatever floatX says
    assert result['dtypes'] == [1, 1, 1]
    assert result['accuracy'] > 0.6
    same_as_theano('doc_logistic', result, rtol=1e-4)


@installed
def test_random_draws(tmp_path):
    """Every draw of both streams, seeding included, gives Theano's
    numbers: bit for bit, but for float32 truncated normals, where a few
    differ in their last bit (rtol 1e-5)."""
    result = run_client('random_draws', tmp_path)
    # the uniforms of RandomStreams(99): its first generator is seeded
    # with RandomState(99).randint(2 ** 30)
    seed = numpy.random.RandomState(99).randint(2 ** 30)
    numpy.testing.assert_allclose(
        result['numpy'][0][0], numpy.random.RandomState(seed).uniform(
            size=6).astype('float32'), rtol=1e-7)
    assert result['truncated_within'] == 1
    same_as_theano('random_draws', result, rtol=1e-5)


@installed
@pytest.mark.skipif(ENGINE != 'pytensor' or
                    importlib.util.find_spec('jax') is None,
                    reason="PyTensor's JAX mode, where JAX is installed")
def test_random_draws_in_jax_mode(tmp_path):
    """The MRG stream's draws in JAX mode are Theano's too (its
    RandomStreams, NumPy's RandomState, cannot run there)."""
    dataset = small_dataset_file(tmp_path)
    r = subprocess.run([sys.executable, os.path.join(CLIENTS,
                                                     'random_draws.py'),
                        dataset, str(tmp_path), 'mrg'], cwd=str(tmp_path),
                       capture_output=True, text=True, timeout=600,
                       env=run_env(**{RC: os.devnull, 'THEANO_FLAGS':
                                      'floatX=float32,mode=JAX'}))
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout.splitlines()[-1])
    with open(REFERENCE) as f:
        expected = json.load(f)['random_draws']
    for key in ('mrg', 'mrg_seeded'):
        numpy.testing.assert_allclose(flatten(result[key]),
                                      flatten(expected[key]), rtol=1e-5)
