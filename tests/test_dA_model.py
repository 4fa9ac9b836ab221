"""The dA graph against independent NumPy math (tests/npda.py)."""
import numpy
import pytest

import npda
from dA import dA, RandomStreams
from da_tutorial.engine import ENGINE, T, theano

if ENGINE == 'theano':   # the tutorial's CPU-only stream must work too
    from theano.tensor.shared_randomstreams import RandomStreams as CPUStreams
    OTHER_STREAMS, OTHER_ID = CPUStreams, 'shared_randomstreams'
else:
    from da_tutorial.engine import RandomStreams as OTHER_STREAMS
    OTHER_ID = 'RandomStream'

floatX = theano.config.floatX
# float32 runs (THEANO_FLAGS=floatX=float32) get a looser tolerance
RTOL = 1e-4 if floatX == 'float32' else 1e-9
N_VIS, N_HID, N = 12, 7, 5


def make_da(seed=1, **kw):
    return dA(numpy.random.RandomState(seed), n_visible=N_VIS,
              n_hidden=N_HID, **kw)


def params_of(da):
    return [p.get_value() for p in (da.W, da.b, da.b_prime)]


@pytest.fixture(scope='module')
def batch():
    return numpy.random.RandomState(0).uniform(
        0, 1, size=(N, N_VIS)).astype(floatX)


@pytest.fixture
def nonzero_biases_da():
    """A dA with non-zero biases so that every term of the math matters (a
    new one for each test: a test's training step stays its own)."""
    da = make_da()
    rng = numpy.random.RandomState(5)
    da.b.set_value(rng.uniform(-1, 1, N_HID).astype(floatX))
    da.b_prime.set_value(rng.uniform(-1, 1, N_VIS).astype(floatX))
    return da


def test_init_range_and_zero_biases():
    da = dA(numpy.random.RandomState(3), n_visible=784, n_hidden=500)
    W = da.W.get_value()
    bound = 4 * numpy.sqrt(6. / (784 + 500))
    assert W.shape == (784, 500) and W.dtype == floatX
    assert W.min() >= -bound and W.max() <= bound
    # uniform over the whole range: the extremes come close to the bounds
    assert W.min() < -0.99 * bound and W.max() > 0.99 * bound
    assert abs(W.mean()) < 0.01 * bound
    assert not da.b.get_value().any() and da.b.get_value().shape == (500,)
    assert not da.b_prime.get_value().any()
    assert da.b_prime.get_value().shape == (784,)
    assert da.params == [da.W, da.b, da.b_prime]


def test_seeding_follows_the_tutorial_order():
    W_expected, _, _ = npda.initial_params(123, N_VIS, N_HID)
    da = dA(numpy.random.RandomState(123), n_visible=N_VIS, n_hidden=N_HID)
    numpy.testing.assert_allclose(da.W.get_value(), W_expected, rtol=RTOL)
    assert isinstance(da.theano_rng, RandomStreams)   # the backend's


def test_passed_in_parameters_are_the_same_objects():
    W = theano.shared(numpy.ones((N_VIS, N_HID), dtype=floatX), name='W')
    bhid = theano.shared(numpy.ones(N_HID, dtype=floatX))
    bvis = theano.shared(numpy.ones(N_VIS, dtype=floatX))
    x = T.matrix('x')
    da = make_da(input=x, W=W, bhid=bhid, bvis=bvis)
    assert da.W is W and da.b is bhid and da.b_prime is bvis
    assert da.x is x
    assert da.params[0] is W and da.params[1] is bhid and da.params[2] is bvis


def test_tied_weights():
    da = make_da()
    W_prime = theano.function([], da.W_prime)
    numpy.testing.assert_array_equal(W_prime(), da.W.get_value().T)
    da.W.set_value(da.W.get_value() * 2)   # W' follows W: no copy
    numpy.testing.assert_array_equal(W_prime(), da.W.get_value().T)
    assert len(da.params) == 3             # W' is not a separate parameter


def test_forward_pass_and_cross_entropy(batch, nonzero_biases_da):
    da = nonzero_biases_da
    y = da.get_hidden_values(da.x)
    z = da.get_reconstructed_input(y)
    cost, _ = da.get_cost_updates(corruption_level=0., learning_rate=0.1)
    f = theano.function([da.x], [y, z, cost])
    y_t, z_t, c_t = f(batch)
    W, b, bp = params_of(da)
    y_n, z_n = npda.forward(batch, W, b, bp)
    numpy.testing.assert_allclose(y_t, y_n, rtol=RTOL)
    numpy.testing.assert_allclose(z_t, z_n, rtol=RTOL)
    numpy.testing.assert_allclose(c_t, npda.cost(batch, W, b, bp), rtol=RTOL)


@pytest.mark.skipif(floatX != 'float64', reason='finite differences need '
                    'float64 (run with the default floatX)')
def test_gradients_match_finite_differences(batch, nonzero_biases_da):
    da = nonzero_biases_da
    cost, _ = da.get_cost_updates(corruption_level=0., learning_rate=0.1)
    grads = theano.function([da.x], T.grad(cost, da.params))(batch)
    params = params_of(da)
    eps = 1e-6
    for k, (p, g) in enumerate(zip(params, grads)):
        numeric = numpy.zeros_like(p)
        for idx in numpy.ndindex(p.shape):
            plus = [q.copy() for q in params]
            minus = [q.copy() for q in params]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            numeric[idx] = (npda.cost(batch, *plus)
                            - npda.cost(batch, *minus)) / (2 * eps)
        numpy.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-8)
    # and the NumPy analytic gradients used below agree as well
    for g, n in zip(grads, npda.gradients(batch, *params)):
        numpy.testing.assert_allclose(g, n, rtol=1e-9, atol=1e-12)


def test_one_sgd_step_matches_numpy(batch, nonzero_biases_da):
    da = nonzero_biases_da
    before = params_of(da)
    cost, updates = da.get_cost_updates(corruption_level=0.,
                                        learning_rate=0.25)
    step = theano.function([da.x], cost, updates=updates)
    c = step(batch)
    rows, *expected = npda.sgd_step(batch, *before, learning_rate=0.25)
    numpy.testing.assert_allclose(c, rows.mean(), rtol=RTOL)
    for got, want in zip(params_of(da), expected):
        numpy.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-7)
    for p, b in zip(params_of(da), before):  # and it did move
        assert not numpy.allclose(p, b)


def corrupt(da, level, data):
    x = T.matrix('x')
    out = da.get_corrupted_input(x, level)
    assert out.dtype == floatX
    return theano.function([x], out)(data)


@pytest.mark.parametrize('streams', [None, OTHER_STREAMS],
                         ids=['default', OTHER_ID])
def test_corruption_levels(streams):
    theano_rng = None if streams is None else streams(42)
    da = make_da(theano_rng=theano_rng)
    data = numpy.random.RandomState(1).uniform(
        0.1, 1, size=(200, 100)).astype(floatX)
    numpy.testing.assert_array_equal(corrupt(da, 0., data), data)
    assert not corrupt(da, 1., data).any()
    out = corrupt(da, 0.3, data)
    kept = out != 0
    # surviving entries are untouched, the others exactly zero
    numpy.testing.assert_array_equal(out[kept], data[kept])
    # 20,000 Bernoulli(0.3) draws: sd of the fraction is 0.0032; allow 5 sd
    assert abs((1 - kept.mean()) - 0.3) < 0.016


def test_mask_dtype_is_floatx():
    da = make_da()
    mask = da.get_corrupted_input(T.ones((3, 4), dtype=floatX), 0.5)
    assert mask.dtype == floatX


def test_same_seed_same_costs_different_seed_different(batch):
    def costs(seed):
        da = make_da(seed=seed)
        cost, updates = da.get_cost_updates(0.3, 0.1)
        f = theano.function([da.x], cost, updates=updates)
        return [float(f(batch)) for _ in range(3)]
    assert costs(7) == costs(7)
    assert costs(7) != costs(8)


@pytest.mark.parametrize('kwargs, message', [
    (dict(n_visible=0), 'n_visible'),
    (dict(n_hidden=-3), 'n_hidden'),
    (dict(n_hidden=2.5), 'n_hidden'),
])
def test_bad_sizes_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dA(numpy.random.RandomState(0), **kwargs)


@pytest.mark.parametrize('level, lr, message', [
    (1.5, 0.1, 'corruption_level'), (-0.1, 0.1, 'corruption_level'),
    (0.3, 0., 'learning_rate'), (0.3, float('nan'), 'learning_rate'),
])
def test_bad_cost_arguments_are_refused(level, lr, message):
    with pytest.raises(ValueError, match=message):
        make_da().get_cost_updates(level, lr)


def test_zero_corruption_skips_the_mask_with_identical_results(batch):
    """Corruption 0 given as a number samples no mask; a symbolic 0 still
    samples one (of ones).  Both must train bit for bit the same."""
    level = T.scalar('level')
    runs = []
    for corruption, inputs in ((0., []), (level, [level])):
        da = make_da(seed=11)
        cost, updates = da.get_cost_updates(corruption, 0.1)
        f = theano.function([da.x] + inputs, cost, updates=updates)
        ops = [type(n.op).__name__ for n in f.maker.fgraph.toposort()]
        runs.append(([float(f(batch, *([0.] * len(inputs))))
                      for _ in range(3)], params_of(da), ops))
    (costs_skip, params_skip, ops_skip), (costs_mask, params_mask,
                                          ops_mask) = runs
    def random(op):   # Theano's mrg_uniform, PyTensor's RandomVariable...
        return 'uniform' in op.lower() or 'RandomVariable' in op
    assert not any(random(op) for op in ops_skip)
    assert any(random(op) for op in ops_mask)
    assert costs_skip == costs_mask
    for a, b in zip(params_skip, params_mask):
        numpy.testing.assert_array_equal(a, b)
