"""A batch-1 step's products on the project's own kernels
(da_tutorial/ops/row_blas.py): against float64 NumPy, against the order of
the sums that row_blas.c documents (emulated in NumPy), the same bits on
any number of threads, and the SdA tutorial's batch-1 step built the
tutorial's way."""
import os

import numpy
import pytest

from da_tutorial.engine import T, theano
from da_tutorial.ops import row_blas
from da_tutorial.ops.compile_mode import fast_mode
from conftest import float32
import npda

from SdA import SdA


def fma(a, b, c):
    """float32 ``a * b + c`` rounded once, as a fused multiply-add (the
    float32 product is exact in float64)."""
    return (numpy.float64(a) * numpy.float64(b) + numpy.float64(c)).astype(
        'float32')


def sum_in_order(A, x):
    """``A x`` as row_blas.c sums a matrix whose columns are contiguous:
    for each output one sum over j in order, each term fused."""
    s = numpy.zeros(A.shape[0], dtype='float32')
    for j in range(A.shape[1]):
        if x[j] != 0:
            s = fma(A[:, j], x[j], s)
    return s


def sum_in_lanes(A, x):
    """``A x`` as row_blas.c sums a matrix whose rows are contiguous: in 16
    lanes (lane j % 16, each term fused), the lanes then added pairwise."""
    lanes = numpy.zeros((A.shape[0], 16), dtype='float32')
    for j in range(A.shape[1]):
        lanes[:, j % 16] = fma(A[:, j], x[j], lanes[:, j % 16])
    for w in (8, 4, 2, 1):
        lanes[:, :w] = lanes[:, :w] + lanes[:, w:2 * w]
    return lanes[:, 0]


def ops_of(fn):
    """The names of the Ops of a compiled function."""
    return [type(n.op).__name__ for n in fn.maker.fgraph.toposort()]


@pytest.fixture
def threads(monkeypatch):
    """``threads(n)``: the thread count the kernels compiled next use (the
    user's OMP_NUM_THREADS; None: chosen by timing)."""
    for name in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS',
                 'MKL_NUM_THREADS'):
        monkeypatch.delenv(name, raising=False)

    def use(n):
        if n is None:
            monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
        else:
            monkeypatch.setenv('OMP_NUM_THREADS', str(n))
    return use


@pytest.mark.parametrize('n_out,n_in', [(37, 53), (300, 784)])
def test_products_sum_in_the_documented_order(n_out, n_in, threads):
    """``dot(v, W)`` (W's columns contiguous for the kernel: one sum in
    order, zeros skipped) and ``dot(W, v)`` (rows contiguous: 16 lanes)
    give the bits of row_blas.c's orders, computed here in NumPy, on one
    thread and on three."""
    rng = numpy.random.RandomState(3)
    W = rng.uniform(-1, 1, size=(n_out, n_in)).astype('float32')
    v = (rng.uniform(0, 1, n_out) * (rng.uniform(size=n_out) < 0.3)).astype(
        'float32')
    u = rng.uniform(-1, 1, n_in).astype('float32')
    with float32():
        Ws = theano.shared(W)
        vs, us = T.fvector('v'), T.fvector('u')
        for n in (1, 3):
            threads(n)
            f = theano.function([vs, us], [T.dot(vs, Ws), T.dot(Ws, us)],
                                mode=fast_mode())
            assert ops_of(f).count('RowGemv') == 2
            vW, Wu = f(v, u)
            assert vW.tobytes() == sum_in_order(W.T, v).tobytes()
            assert Wu.tobytes() == sum_in_lanes(W, u).tobytes()
            numpy.testing.assert_allclose(vW, v.astype('float64') @ W,
                                          rtol=1e-4, atol=1e-5)


def test_weight_updates_in_one_pass_as_two(threads):
    """The tutorial's ``W - lr * (outer(a, b) + outer(c, d))`` at batch 1:
    one ``RowGer`` of both pairs, the bits of the two updates one after
    the other (each element ``w + (-lr a) b``, then ``+ (-lr c) d``, each
    fused), and float64 NumPy's result to float32 precision."""
    rng = numpy.random.RandomState(5)
    W0 = rng.uniform(-1, 1, size=(45, 70)).astype('float32')
    a, c = (rng.uniform(-1, 1, 45).astype('float32') for _ in range(2))
    b, d = (rng.uniform(-1, 1, 70).astype('float32') for _ in range(2))
    a[::3] = 0                       # rows the first update skips
    lr = numpy.float32(0.1)
    threads(None)
    with float32():
        W = theano.shared(W0.copy())
        va, vb, vc, vd = (T.fvector(n) for n in 'abcd')
        gW = T.outer(va, vb) + T.outer(vc, vd)
        f = theano.function([va, vb, vc, vd], [], mode=fast_mode(),
                            updates=[(W, W - lr * gW)])
        gers = [n.op for n in f.maker.fgraph.toposort()
                if isinstance(n.op, row_blas.RowGer)]
        assert [(g.pairs, g.inplace) for g in gers] == [(2, True)]
        f(a, b, c, d)
    # the engines order the two terms as the gradient lists them; either
    # order gives these bits up to that choice
    first = fma(((-lr) * a)[:, None], b[None, :], W0)
    second = fma(((-lr) * c)[:, None], d[None, :], first)
    other = fma(((-lr) * a)[:, None], b[None, :],
                fma(((-lr) * c)[:, None], d[None, :], W0))
    got = W.get_value()
    assert got.tobytes() in (second.tobytes(), other.tobytes())
    numpy.testing.assert_allclose(
        got, W0 - 0.1 * (numpy.outer(a, b) + numpy.outer(c, d)), rtol=1e-5,
        atol=1e-6)


def sda_pretraining(data, n_threads, threads, steps=40):
    """SdA's pretraining functions at batch 1, built the tutorial's way;
    each layer's costs and weights after ``steps`` steps."""
    threads(n_threads)
    sda = SdA(numpy_rng=numpy.random.RandomState(89677), n_ins=data.shape[1],
              hidden_layers_sizes=[61, 40], n_outs=10)
    fns = sda.pretraining_functions(train_set_x=theano.shared(data),
                                    batch_size=1)
    costs = [float(fn(index=i, corruption=0.2, lr=0.05)) for fn in fns
             for i in range(steps)]
    return fns, costs, [layer.W.get_value() for layer in sda.dA_layers]


def test_sda_batch_one_step_same_bits_on_any_threads(threads):
    """The SdA tutorial's batch-1 pretraining: every product on the
    project's kernels, no BLAS call left, and costs and weights equal bit
    for bit on one thread, two, three and the timed choice."""
    rng = numpy.random.RandomState(0)
    data = (rng.uniform(size=(40, 100)) *
            (rng.uniform(size=(40, 100)) < 0.2)).astype('float32')
    with float32():
        results = [sda_pretraining(data, n, threads) for n in
                   (1, 2, 3, None)]
    ops = ops_of(results[0][0][1])
    assert 'RowGemv' in ops and 'RowGer' in ops
    assert not {'CGemv', 'CGer', 'Gemm', 'Gemv', 'Ger', 'Dot22'} & set(ops)
    _, costs, Ws = results[0]
    for _, other_costs, other_Ws in results[1:]:
        assert other_costs == costs
        assert all(a.tobytes() == b.tobytes() for a, b in zip(Ws, other_Ws))


def test_sda_batch_one_step_is_the_tutorials_sgd(threads):
    """One batch-1 step of SdA's first layer without corruption is the
    tutorial's SGD step computed in float64 NumPy."""
    rng = numpy.random.RandomState(1)
    data = (rng.uniform(size=(3, 50)) *
            (rng.uniform(size=(3, 50)) < 0.3)).astype('float32')
    threads(None)
    with float32():
        sda = SdA(numpy_rng=numpy.random.RandomState(7), n_ins=50,
                  hidden_layers_sizes=[33], n_outs=10)
        layer = sda.dA_layers[0]
        before = [p.get_value() for p in (layer.W, layer.b, layer.b_prime)]
        fn = sda.pretraining_functions(train_set_x=theano.shared(data),
                                       batch_size=1)[0]
        cost = fn(index=1, corruption=0.0, lr=0.1)
    rows, W, b, b_prime = npda.sgd_step(data[1:2], *before, 0.1)
    assert 'RowGer' in ops_of(fn)
    numpy.testing.assert_allclose(cost, rows[0], rtol=1e-5)
    for got, want in zip((layer.W, layer.b, layer.b_prime), (W, b, b_prime)):
        numpy.testing.assert_allclose(got.get_value(), want, rtol=1e-5,
                                      atol=1e-6)


def test_float64_and_excluded_keep_the_engines_blas():
    """float64 products, and ``optimizer_excluding=dA_fast_row_blas``,
    keep the engine's own BLAS kernels."""
    W = theano.shared(numpy.ones((6, 5)))
    v = T.dvector('v')
    f = theano.function([v], T.dot(v, W), mode=fast_mode())
    assert 'RowGemv' not in ops_of(f)
    with float32():
        W32 = theano.shared(numpy.ones((6, 5), dtype='float32'))
        v32 = T.fvector('v')
        g = theano.function([v32], T.dot(v32, W32),
                            mode=fast_mode().excluding('dA_fast_row_blas'))
    assert 'RowGemv' not in ops_of(g)
    numpy.testing.assert_allclose(g(numpy.ones(6, dtype='float32')),
                                  numpy.full(5, 6.0))


def test_thread_report_says_how_and_what(threads, monkeypatch):
    """``thread_report``: the user's variable where set, else the timed
    choice; each live product's threads."""
    threads(None)
    with float32():
        W = theano.shared(numpy.ones((64, 48), dtype='float32'))
        v = T.fvector('v')
        f = theano.function([v], T.dot(v, W), mode=fast_mode())
        for _ in range(50):
            f(numpy.ones(64, dtype='float32'))
        report = row_blas.thread_report()
        assert report['setting'].startswith('timed')
        assert report['products'] and all(
            p['threads'] in (1, min(os.cpu_count(), 4))
            for p in report['products'])
        monkeypatch.setenv('OPENBLAS_NUM_THREADS', '1')
        assert row_blas.thread_report()['setting'].startswith(
            'OPENBLAS_NUM_THREADS=1')


def test_avx512_width_gives_the_same_bits(threads):
    """The kernels' 16-float code (AVX-512's; compiled here as pairs of
    narrower vectors where the CPU has none) gives the bits of the 8-float
    code, for both products and the two-pair update."""
    rng = numpy.random.RandomState(9)
    A = rng.uniform(-1, 1, size=(83, 101)).astype('float32')
    v = (rng.uniform(-1, 1, 101) * (rng.uniform(size=101) < 0.5)).astype(
        'float32')
    u = rng.uniform(-1, 1, 83).astype('float32')
    zero, one, lr = (numpy.float32(k) for k in (0, 1, -0.1))
    threads(2)
    results = []
    with float32():
        As, vs, us = T.fmatrix('A'), T.fvector('v'), T.fvector('u')
        for width in (8, 16):
            gemv = row_blas.RowGemv(False, 0, width)
            ger = row_blas.RowGer(False, 2, 0, width)
            f = theano.function(
                [As, vs, us], [gemv(us, one, As, vs, zero),
                               gemv(vs, one, As.T, us, one),
                               ger(As, lr, us, vs, lr, us[::-1], vs[::-1])],
                mode=fast_mode())
            results.append([r.tobytes() for r in f(A, v, u)])
            numpy.testing.assert_allclose(f(A, v, u)[0],
                                          A.astype('float64') @ v,
                                          rtol=1e-4, atol=1e-5)
    assert results[0] == results[1]


def test_one_thread_beside_the_blas():
    """A function that still calls the BLAS (a matrix product) runs the
    kernels on one thread: the BLAS's idle threads spin after each call,
    and a second pool beside them waits for the cores."""
    with float32():
        W = theano.shared(numpy.ones((6, 5), dtype='float32'))
        v, M = T.fvector('v'), T.fmatrix('M')
        alone = theano.function([v], T.dot(v, W), mode=fast_mode())
        beside = theano.function([v, M], [T.dot(v, W), T.dot(M, W)],
                                 mode=fast_mode())
    threads = [[n.op.threads for n in f.maker.fgraph.toposort()
                if isinstance(n.op, row_blas.RowGemv)] for f in (alone,
                                                                 beside)]
    assert threads == [[0], [1]]
    numpy.testing.assert_allclose(
        beside(numpy.ones(6, dtype='float32'),
               numpy.ones((3, 6), dtype='float32'))[1], numpy.full((3, 5), 6))
