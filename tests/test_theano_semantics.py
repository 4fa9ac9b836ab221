"""Theano 1.0.5's meaning where PyTensor's differs, each written as a
Theano user writes it (``import theano``, ``theano.tensor as T``) and
checked against NumPy or Theano's documented values.  On Python 3.11
these run on the real Theano (so they check themselves), on 3.12 and later
on the face over PyTensor."""
import importlib.util
import itertools

import numpy
import pytest

import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams
from theano.tensor.nnet import conv2d
from theano.tensor.shared_randomstreams import RandomStreams
from theano.tensor.signal import pool

import npda
from da_tutorial import engine

ON_FACE = engine.ENGINE == 'pytensor'
rng = numpy.random.RandomState(1234)


def correlate_numpy(x, w, pad, step, dilation):
    """Theano's convolution, written out: the correlation of each zero
    padded image with each (already flipped) kernel, summed over the
    channels."""
    b, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = numpy.zeros((b, c, h + 2 * pad[0], wd + 2 * pad[1]))
    xp[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + wd] = x
    dk = [(k - 1) * d + 1 for k, d in zip((kh, kw), dilation)]
    oh = (xp.shape[2] - dk[0]) // step[0] + 1
    ow = (xp.shape[3] - dk[1]) // step[1] + 1
    out = numpy.zeros((b, f, oh, ow))
    for i, j in itertools.product(range(oh), range(ow)):
        r, s = i * step[0], j * step[1]
        patch = xp[:, :, r:r + dk[0]:dilation[0], s:s + dk[1]:dilation[1]]
        out[:, :, i, j] = numpy.tensordot(patch, w, axes=([1, 2, 3],
                                                          [1, 2, 3]))
    return out


@pytest.mark.parametrize('border_mode,pad', [
    ('valid', (0, 0)), ('full', (2, 1)), ('half', (1, 1)), ((1, 2), (1, 2))])
@pytest.mark.parametrize('subsample', [(1, 1), (2, 1)])
@pytest.mark.parametrize('filter_flip', [True, False])
def test_conv2d_is_theanos_convolution(border_mode, pad, subsample,
                                       filter_flip):
    x, w = T.dtensor4('x'), T.dtensor4('w')
    xv, wv = rng.randn(2, 3, 7, 6), rng.randn(4, 3, 3, 2)
    f = theano.function([x, w], conv2d(x, w, border_mode=border_mode,
                                       subsample=subsample,
                                       filter_flip=filter_flip,
                                       filter_shape=(4, 3, 3, 2)))
    flipped = wv[:, :, ::-1, ::-1] if filter_flip else wv
    expected = correlate_numpy(xv, flipped, pad, subsample, (1, 1))
    numpy.testing.assert_allclose(f(xv, wv), expected, rtol=1e-10)


def test_conv2d_dilation_groups_and_gradient():
    x = T.dtensor4('x')
    w = theano.shared(rng.randn(4, 2, 2, 3), name='w')
    xv = rng.randn(2, 4, 8, 7)
    y = conv2d(x, w, filter_dilation=(2, 1), num_groups=2)
    cost = (y ** 2).sum()
    f = theano.function([x], [y] + T.grad(cost, [x, w]))
    got, gx, gw = f(xv)
    wv = w.get_value()[:, :, ::-1, ::-1]
    expected = numpy.concatenate([
        correlate_numpy(xv[:, 2 * g:2 * g + 2], wv[2 * g:2 * g + 2], (0, 0),
                        (1, 1), (2, 1)) for g in range(2)], axis=1)
    numpy.testing.assert_allclose(got, expected, rtol=1e-10)
    # the gradients, against central differences of the NumPy cost
    def numpy_cost(xv, wv):
        return sum((correlate_numpy(xv[:, 2 * g:2 * g + 2],
                                    wv[2 * g:2 * g + 2, :, ::-1, ::-1],
                                    (0, 0), (1, 1), (2, 1)) ** 2).sum()
                   for g in range(2))
    eps = 1e-6
    for where in ((0, 1, 3, 2), (1, 3, 0, 6)):
        step = numpy.zeros_like(xv)
        step[where] = eps
        numeric = (numpy_cost(xv + step, w.get_value()) -
                   numpy_cost(xv - step, w.get_value())) / (2 * eps)
        assert gx[where] == pytest.approx(numeric, rel=1e-5)
    step = numpy.zeros_like(w.get_value())
    step[1, 0, 1, 2] = eps
    numeric = (numpy_cost(xv, w.get_value() + step) -
               numpy_cost(xv, w.get_value() - step)) / (2 * eps)
    assert gw[1, 0, 1, 2] == pytest.approx(numeric, rel=1e-5)


def pool_numpy(x, ws, stride, pad, ignore_border, mode):
    """Theano's Pool.perform, written out from its rules: a window starts
    at j * stride in the zero-padded input, is cut at its end, and leaves
    the padding out except for 'average_inc_pad'."""
    h, w = x.shape[-2:]
    ph, pw = h + 2 * pad[0], w + 2 * pad[1]

    def count(length, k, s):
        if ignore_border:
            return (length - k) // s + 1
        return (length - 1) // s + 1 if s >= k else \
            max(0, (length - 1 - k + s) // s) + 1
    oh, ow = count(ph, ws[0], stride[0]), count(pw, ws[1], stride[1])
    y = numpy.zeros(x.shape[:-2] + (ph, pw))
    y[..., pad[0]:pad[0] + h, pad[1]:pad[1] + w] = x
    out = numpy.zeros(x.shape[:-2] + (oh, ow))
    for i, j in itertools.product(range(oh), range(ow)):
        r0, c0 = i * stride[0], j * stride[1]
        r1, c1 = min(r0 + ws[0], ph), min(c0 + ws[1], pw)
        if mode != 'average_inc_pad':
            r0, c0 = max(r0, pad[0]), max(c0, pad[1])
            r1, c1 = min(r1, ph - pad[0]), min(c1, pw - pad[1])
        window = y[..., r0:r1, c0:c1]
        out[..., i, j] = {'max': window.max(axis=(-2, -1)),
                          'sum': window.sum(axis=(-2, -1))}.get(
            mode, window.mean(axis=(-2, -1)) if window.size else 0)
    return out


@pytest.mark.parametrize('mode', ['max', 'sum', 'average_inc_pad',
                                  'average_exc_pad'])
@pytest.mark.parametrize('ws,stride,pad,ignore_border', [
    ((2, 2), None, (0, 0), True), ((2, 2), None, (0, 0), False),
    ((3, 2), (2, 1), (0, 0), False), ((2, 3), (1, 2), (1, 1), True)])
def test_pool_2d_is_theanos_pooling(mode, ws, stride, pad, ignore_border):
    x = T.dtensor4('x')
    xv = rng.randn(2, 3, 7, 6)
    f = theano.function([x], pool.pool_2d(x, ws=ws, stride=stride, pad=pad,
                                          ignore_border=ignore_border,
                                          mode=mode))
    expected = pool_numpy(xv, ws, stride or ws, pad, ignore_border, mode)
    numpy.testing.assert_allclose(f(xv), expected, rtol=1e-12)


def test_max_pool_gradient_goes_to_every_maximum():
    """Theano's MaxPoolGrad: each element equal to its window's maximum
    gets the window's gradient (ties included)."""
    x = T.dmatrix('x')
    pooled = pool.pool_2d(x, ws=(2, 2), ignore_border=True)
    g = theano.function([x], T.grad(pooled.sum(), x))
    xv = numpy.array([[1., 3., 2., 2.], [3., 0., 1., 0.]])
    numpy.testing.assert_array_equal(g(xv), [[0, 1, 1, 1], [1, 0, 0, 0]])


def test_softmax_of_a_vector_is_a_row():
    v = T.dvector('v')
    with pytest.warns(UserWarning, match='vector'):
        s = T.nnet.softmax(v)
    assert s.ndim == 2
    vector = numpy.array([1., 2., 3.])
    out = theano.function([v], s)(vector)
    numpy.testing.assert_allclose(out, [npda.softmax(vector)], rtol=1e-12)


@pytest.mark.parametrize('stream', [MRG_RandomStreams, RandomStreams])
def test_a_draw_outside_scan_is_drawn_anew_at_each_step(stream):
    """Theano's loop documentation: a random variable made outside the
    scan and used in its step takes a new value at each step."""
    srng = stream(12)
    mask = srng.uniform((2,))
    steps, updates = theano.scan(lambda i: mask * 1, sequences=T.arange(6))
    f = theano.function([], steps, updates=updates)
    first, second = f(), f()
    assert len(set(map(tuple, first))) == 6
    assert not numpy.array_equal(first, second)


def test_rop_keeps_every_input():
    """A function of the weights, their direction and the input compiles
    (Theano's R-operator leaves no input unused)."""
    W, V, x = T.dmatrix('W'), T.dmatrix('V'), T.dvector('x')
    f = theano.function([W, V, x], T.Rop(T.dot(x, W), W, V))
    Wv, Vv, xv = rng.randn(3, 2), rng.randn(3, 2), rng.randn(3)
    numpy.testing.assert_allclose(f(Wv, Vv, xv), xv.dot(Vv), rtol=1e-12)


def test_pp_prints_theanos_constants():
    x = T.dscalar('x')
    gy = T.grad(x ** 2, x)
    printed = theano.pp(gy)
    assert 'TensorConstant{2}' in printed and 'x' in printed
    assert str(T.constant(numpy.zeros(3))) == 'TensorConstant{(3,) of 0.0}'


def test_round_rounds_halves_to_even_by_default():
    x = T.dvector('x')
    f = theano.function([x], [T.round(x), T.round(x, 'half_away_from_zero')])
    even, away = f(numpy.array([-2.5, -0.5, 0.5, 1.5, 2.5]))
    numpy.testing.assert_array_equal(even, [-2, -0, 0, 2, 2])
    numpy.testing.assert_array_equal(away, [-3, -1, 1, 2, 3])


def test_test_values_show_a_wrong_shape_where_the_graph_is_built():
    x = T.dmatrix('x')
    x.tag.test_value = numpy.arange(50.).reshape(5, 10) / 50
    W, W2 = theano.shared(numpy.ones((3, 4))), theano.shared(numpy.ones((10,
                                                                          3)))
    with theano.change_flags(compute_test_value='raise'):
        h = T.dot(x, W2)
        with pytest.raises(ValueError):
            T.dot(x, W)
        with pytest.raises(ValueError):     # no test value: an error
            T.dot(x, T.dmatrix('y'))
        # graphs built inside softmax, its gradient and scan
        p = T.nnet.softmax(h)
        g = T.grad(p[0, 0], W2)
        rows, _ = theano.scan(lambda r, acc: acc + r, sequences=x,
                              outputs_info=T.zeros_like(x[0]))
        (debug,) = theano.gradient.get_debug_values(h)
    value = x.tag.test_value.dot(W2.get_value())
    assert numpy.allclose(h.tag.test_value, value)
    assert numpy.allclose(debug, value)
    assert numpy.allclose(p.tag.test_value, npda.softmax(value))
    assert g.tag.test_value.shape == (10, 3)
    assert numpy.allclose(rows.tag.test_value,
                          numpy.cumsum(x.tag.test_value, axis=0))


def test_in_defaults_are_for_one_call():
    x, y = T.dscalars('x', 'y')
    acc = T.dscalar()
    f = theano.function([x, theano.In(y, value=2.)], x * y)
    total = theano.function([x, theano.In(acc, value=10., update=acc + x)],
                            acc + x)
    unnamed = T.dscalar()
    g = theano.function([x, theano.In(unnamed, value=3.)], x - unnamed)
    assert [f(1), f(1, 5), f(1), f(1, y=4)] == [2, 5, 2, 4]
    f.value[y] = 7.            # this call's value, then the default again
    assert [f(1), f(1)] == [7, 2]
    assert [total(1), total(2), total(3)] == [11, 13, 16]  # a state
    assert [g(5), g(5, 1)] == [2, 4]


def test_is_same_graph_replaces_in_both():
    x, y = T.dvectors('x', 'y')
    is_same = theano.compile.is_same_graph
    assert is_same(x + 1, x + 1) and not is_same(x + 1, y + 1)
    assert is_same(x + 1, y + 1, givens={x: y})
    assert not is_same(x * 2, y + 1, givens={x: y})


def test_conv2d_gradients_take_unknown_batch_and_channels():
    from theano.tensor.nnet.abstract_conv import (conv2d_grad_wrt_inputs,
                                                  conv2d_grad_wrt_weights)
    rng = numpy.random.RandomState(0)
    g, w, x = T.dtensor4('g'), T.dtensor4('w'), T.dtensor4('x')
    f = theano.function([g, w, x], [
        conv2d_grad_wrt_inputs(g, w, (None, None, 5, 5)),
        conv2d_grad_wrt_weights(x, g, (None, None, 2, 2))])
    G, W, X = rng.rand(2, 4, 4, 4), rng.rand(4, 3, 2, 2), rng.rand(2, 3, 5, 5)
    gx, gw = f(G, W, X)
    # conv2d flips its filters: out[b, o, i, j] = sum over c, u, v of
    # x[b, c, i + u, j + v] * w[o, c, 1 - u, 1 - v]
    want_x, want_w = numpy.zeros_like(X), numpy.zeros_like(W)
    for u, v in itertools.product(range(2), range(2)):
        want_x[:, :, u:u + 4, v:v + 4] += numpy.einsum(
            'boij,oc->bcij', G, W[:, :, 1 - u, 1 - v])
        want_w[:, :, 1 - u, 1 - v] = numpy.einsum(
            'boij,bcij->oc', G, X[:, :, u:u + 4, v:v + 4])
    assert numpy.allclose(gx, want_x) and numpy.allclose(gw, want_w)


def test_config_takes_theanos_settings():
    assert theano.config.warn.sum_div_dimshuffle_bug is False
    assert theano.config.int_division == 'int'
    assert theano.config.numpy.seterr_all == 'ignore'
    theano.config.warn.sum_div_dimshuffle_bug = False    # Theano's default
    with pytest.raises(ValueError):
        theano.config.cast_policy = 'no such policy'
    with theano.change_flags(compute_test_value='off'):
        assert theano.config.compute_test_value == 'off'


@pytest.mark.skipif(not ON_FACE, reason="the face's notice")
def test_a_setting_without_effect_is_said_once():
    with pytest.warns(UserWarning, match='warn.round=True has no effect'):
        theano.config.warn.round = True
    theano.config.warn.round = False


def test_permutation_draws_one_per_element_of_size():
    srng = RandomStreams(3)
    perms = theano.function([], srng.permutation(size=(3,), n=5))()
    assert perms.shape == (3, 5)
    for row in perms:
        assert sorted(row) == list(range(5))


@pytest.mark.skipif(not ON_FACE or importlib.util.find_spec('jax') is None,
                    reason="PyTensor's JAX mode, where JAX is installed")
def test_jax_mode_gives_numpy_and_names_what_it_cannot_run():
    # a float32 function first: float64 graphs after it stay float64
    with theano.change_flags(floatX='float32'):
        v = T.vector('v')
        assert theano.function([v], v * 2, mode='JAX')(
            numpy.ones(2, 'float32')).dtype == 'float32'
    x = T.dvector('x')
    f = theano.function([x], [T.exp(x), x.sum()], mode='JAX')
    out = f(numpy.ones(3))
    assert all(type(o) is numpy.ndarray for o in out)
    assert out[0].dtype == 'float64'
    numpy.testing.assert_allclose(out[0], numpy.exp(numpy.ones(3)),
                                  rtol=1e-15)
    # the MRG stream runs there, with the C back end's numbers
    draws = [theano.function([], MRG_RandomStreams(5).normal((4,)),
                             mode=mode)() for mode in ('JAX', 'FAST_RUN')]
    numpy.testing.assert_allclose(draws[0], draws[1], rtol=1e-12)
    # what JAX cannot run is named
    with pytest.raises(NotImplementedError, match='RandomFunction'):
        theano.function([], RandomStreams(1).uniform((2,)), mode='JAX')
    i, j = T.lscalar('i'), T.lscalar('j')
    with pytest.raises(NotImplementedError, match='Subtensor'):
        theano.function([x, i, j], x[i:j], mode='JAX')
    # inputs of the wrong shapes: Theano's ValueError, naming the Op
    y = T.dvector('y')
    add = theano.function([x, y], x + y, mode='JAX')
    with pytest.raises(ValueError, match='add'):
        add(numpy.ones(2), numpy.ones(3))
