"""sparse_ops.py and the opt-in fast step (``exact=False``): the kernels
against NumPy, on sparse and dense inputs; the step against the
tutorial's gradient computed in float64 NumPy, and against the exact step
over many steps."""
import numpy
import pytest

from da_tutorial import sparse_ops
from da_tutorial.engine import T, theano, RandomStreams
from conftest import synthetic_digits
from test_fast_ops import float32

import dA as dA_module
from SdA import SdA

C_MODE = theano.Mode(linker='c')
PY_MODE = theano.Mode(linker='py')


def digits_like(rows, cols, density, seed):
    """Nonnegative float32 rows with about ``density`` of them nonzero."""
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(0, 1, size=(rows, cols))
    x[rng.uniform(size=x.shape) >= density] = 0
    return x.astype('float32')


# (examples, inputs, units, density): sparse at batch 20 and 1, dense
# (the BLAS path), fewer than 64 units, units not a multiple of 64
SHAPES = [(20, 97, 150, 0.15), (1, 97, 300, 0.15), (20, 97, 150, 0.9),
          (1, 97, 150, 0.9), (3, 11, 40, 0.2), (4, 30, 64, 0.0)]


@pytest.mark.parametrize('mode', [C_MODE, PY_MODE], ids=['c', 'python'])
@pytest.mark.parametrize('shape', SHAPES, ids=str)
def test_kernels_match_numpy(shape, mode):
    B, V, H, density = shape
    rng = numpy.random.RandomState(1)
    x = digits_like(B, V, density, seed=2)
    W = rng.normal(0, 1, size=(V, H)).astype('float32')
    d = rng.normal(0, 1, size=(B, H)).astype('float32')
    xs, Ws, ds = (T.matrix(dtype='float32') for _ in range(3))
    dot = theano.function([xs, Ws], sparse_ops.SparseDot()(xs, Ws),
                          mode=mode)
    update = theano.function(
        [Ws, xs, ds], sparse_ops.SparseRankUpdate()(Ws, xs, ds, -0.1),
        mode=mode)
    x64, W64, d64 = (a.astype('float64') for a in (x, W, d))
    numpy.testing.assert_allclose(dot(x, W), x64.dot(W64), rtol=1e-5,
                                  atol=1e-5)
    W_in = W.copy()
    numpy.testing.assert_allclose(update(W_in, x, d),
                                  W64 - 0.1 * x64.T.dot(d64), rtol=1e-5,
                                  atol=1e-5)
    # a function's input is not overwritten (the in-place version is only
    # for intermediate results and updated shared variables)
    assert (W_in == W).all()


def test_rank_update_of_a_shared_variable_is_in_place():
    x = digits_like(20, 97, 0.15, seed=3)
    d = numpy.random.RandomState(4).normal(size=(20, 150)).astype('float32')
    W0 = numpy.random.RandomState(5).normal(size=(97, 150)).astype('float32')
    W = theano.shared(W0.copy())
    xs, ds = T.matrix(dtype='float32'), T.matrix(dtype='float32')
    step = theano.function(
        [xs, ds], [], updates=[(W, sparse_ops.SparseRankUpdate()(
            W, xs, ds, -0.5))])
    ops = [n.op for n in step.maker.fgraph.toposort()]
    assert any(isinstance(op, sparse_ops.SparseRankUpdate) and op.inplace
               for op in ops)
    step(x, d)
    step(x, d)
    expected = W0 - 1.0 * x.astype('float64').T.dot(d)
    numpy.testing.assert_allclose(W.get_value(), expected, rtol=1e-5,
                                  atol=1e-5)


def test_fast_sigmoid_within_three_ulp():
    a = numpy.concatenate([numpy.linspace(-100, 100, 20001),
                           [-87.5, -87.3, -1e-8, 0, 1e-8, 88.8]])
    a = a.astype('float32').reshape(1, -1)
    av = T.matrix(dtype='float32')
    got = theano.function([av], sparse_ops.FastSigmoid()(av),
                          mode=C_MODE)(a)
    exact = 1 / (1 + numpy.exp(-a.astype('float64')))
    ulp = numpy.spacing(exact.astype('float32')).astype('float64')
    # (below float32's smallest normal number, 0 is as good)
    tiny = numpy.finfo(numpy.float32).tiny
    assert (numpy.abs(got - exact) <= numpy.maximum(3 * ulp, tiny)).all()


def sparse_digits(n):
    """``synthetic_digits`` with most of the background noise zeroed: about
    17 % of the pixels nonzero, as in MNIST (19 %)."""
    x = synthetic_digits(n)[0]
    x[x < 0.18] = 0
    return x


def tutorial_dA(x, n_hidden, seed=123):
    """A dA as the tutorial builds one for ``test_dA``."""
    rng = numpy.random.RandomState(seed)
    theano_rng = RandomStreams(rng.randint(2 ** 30))
    return dA_module.dA(numpy_rng=rng, theano_rng=theano_rng, input=x,
                        n_visible=28 * 28, n_hidden=n_hidden)


def test_fast_step_is_the_tutorial_gradient():
    """One step at corruption 0 from the same weights: the fast step's new
    parameters and cost against the tutorial's cost differentiated by hand
    in float64 NumPy."""
    with float32():
        data = sparse_digits(20)
        x = T.matrix('x')
        da = tutorial_dA(x, n_hidden=70)
        da.b.set_value(numpy.linspace(-1, 1, 70).astype('float32'))
        da.b_prime.set_value(numpy.linspace(-.5, .5, 784).astype('float32'))
        W, b, bp = (p.get_value().astype('float64') for p in da.params)
        cost, updates = da.get_cost_updates(corruption_level=0.,
                                            learning_rate=0.1, exact=False)
        step = theano.function([x], cost, updates=updates)
        assert any(isinstance(n.op, sparse_ops.SparseDot)
                   for n in step.maker.fgraph.toposort())
        got_cost = step(data)
    X = data.astype('float64')
    y = 1 / (1 + numpy.exp(-(X.dot(W) + b)))
    a = y.dot(W.T) + bp
    z = 1 / (1 + numpy.exp(-a))
    cost = numpy.mean(-numpy.sum(X * numpy.log(z) + (1 - X) *
                                 numpy.log(1 - z), axis=1))
    dz = (z - X) / len(X)
    dy = dz.dot(W) * y * (1 - y)
    expected = [W - 0.1 * (X.T.dot(dy) + dz.T.dot(y)),
                b - 0.1 * dy.sum(0), bp - 0.1 * dz.sum(0)]
    assert abs(got_cost - cost) <= 1e-5 * cost
    for param, value in zip(da.params, expected):
        numpy.testing.assert_allclose(param.get_value(), value, rtol=1e-4,
                                      atol=1e-6)


@pytest.mark.parametrize('level', [0., 0.3])
def test_fast_training_follows_the_exact_one(level):
    """Two epochs of 30 minibatches of sparse digits: the fast and
    the exact step draw the same noise; their costs stay within 1e-5
    relative, their weights within 1e-4."""
    data = sparse_digits(600)
    with float32():
        shared = theano.shared(data)
        runs = []
        for exact in (True, False):
            da, train, n = dA_module.build_train_function(
                shared, corruption_level=level, n_hidden=60, exact=exact)
            ops = [type(n.op).__name__ for n in
                   train.maker.fgraph.toposort()]
            assert ('SparseDot' in ops) == (not exact)
            costs = [float(train(i)) for _ in range(2) for i in range(n)]
            runs.append((numpy.array(costs), da.W.get_value()))
    (exact_costs, exact_W), (fast_costs, fast_W) = runs
    numpy.testing.assert_allclose(fast_costs, exact_costs, rtol=1e-5)
    numpy.testing.assert_allclose(fast_W, exact_W, atol=1e-4)


def test_sda_pretraining_fast_at_batch_one():
    """SdA's pretraining at batch 1 (its default) with ``exact=False``:
    layer 0 gets the sparse kernels, level-2 products elsewhere; its costs
    follow the exact functions'."""
    data = sparse_digits(60)
    with float32():
        shared = theano.shared(data)
        costs, level3 = {}, {}
        for exact in (True, False):
            sda = SdA(numpy_rng=numpy.random.RandomState(89677),
                      n_ins=28 * 28, hidden_layers_sizes=[50, 40],
                      n_outs=10)
            fns = sda.pretraining_functions(train_set_x=shared,
                                            batch_size=1, exact=exact)
            ops = [type(n.op).__name__
                   for n in fns[0].maker.fgraph.toposort()]
            assert ('SparseDot' in ops) == (not exact)
            level3[exact] = sum(op in ('Gemm', 'Dot22') for op in ops)
            costs[exact] = [float(fn(index=i, corruption=0.2, lr=0.01))
                            for fn in fns for i in range(60)]
    # no one-row product left to gemm that the exact step gives gemv or ger
    assert level3[False] <= level3[True]
    numpy.testing.assert_allclose(costs[False], costs[True], rtol=1e-5)


def test_float64_keeps_the_exact_step():
    """The kernels are float32: in a float64 graph ``exact=False`` builds
    the tutorial's step, and trains."""
    x = T.matrix('x', dtype='float64')
    da = dA_module.dA(numpy_rng=numpy.random.RandomState(1), input=x,
                      n_visible=784, n_hidden=20,
                      W=theano.shared(numpy.zeros((784, 20))),
                      bhid=theano.shared(numpy.zeros(20)),
                      bvis=theano.shared(numpy.zeros(784)))
    cost, updates = da.get_cost_updates(0.3, 0.1, exact=False)
    step = theano.function([x], cost, updates=updates)
    assert not any(isinstance(n.op, (sparse_ops.SparseDot,
                                     sparse_ops.SparseRankUpdate))
                   for n in step.maker.fgraph.toposort())
    data = sparse_digits(5).astype('float64')
    # W = 0: every reconstruction is 0.5, each row costs 784 log 2
    assert abs(step(data) - 784 * numpy.log(2)) < 1e-9


@pytest.mark.parametrize('argv, exact', [([], True), (['--no-exact'], False),
                                         (['--no-exact', '--exact'], True)])
def test_command_lines_take_no_exact(monkeypatch, argv, exact):
    """``python dA.py --no-exact`` and ``SdA.py --no-exact`` ask for the
    fast step; the default is the tutorial's (no training run here)."""
    import SdA as SdA_module
    for module in (dA_module, SdA_module):
        seen = []
        monkeypatch.setattr(module, 'run_script', lambda parser, work:
                            seen.append(parser.parse_args(argv).exact))
        module.main(argv)
        assert seen == [exact]
