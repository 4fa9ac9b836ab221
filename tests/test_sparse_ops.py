"""da_tutorial/ops/fast_step.py, the opt-in fast step (``exact=False``): its Op
against the tutorial's step differentiated by hand in float64 NumPy, on
sparse and dense inputs, any number of threads and both vector widths (its
AVX-512 code natively where the CPU has it, else in halves); the step as
the tutorial's code builds it, and against the exact step over many
steps."""
import re
import subprocess
import sysconfig

import numpy
import pytest

from da_tutorial.ops import fast_step
from da_tutorial.ops.compiler import GCC_compiler
from da_tutorial.engine import T, theano, RandomStreams
from conftest import float32, synthetic_digits
import npda

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


def step_inputs(B, V, H, density, seed=1):
    """A clean minibatch, its corrupted copy (about ``density`` nonzero),
    weights and biases, float32."""
    rng = numpy.random.RandomState(seed)
    x = digits_like(B, V, density, seed=seed + 1)
    tilde_x = x * (rng.uniform(size=x.shape) > 0.3)
    W = rng.uniform(-0.3, 0.3, size=(V, H))
    b = rng.uniform(-0.5, 0.5, size=H)
    b_prime = rng.uniform(-0.5, 0.5, size=V)
    return [a.astype('float32') for a in (x, tilde_x, W, b, b_prime)]


def compiled_step(mode, threads=0, width=0):
    """``FastStep`` compiled on function inputs (so not in place); ``width``
    8 or 16: its AVX2 or AVX-512 code (on a CPU without AVX-512, GCC runs
    each 16-float vector as a pair of 8-float ones)."""
    x, tx, W = (T.matrix(dtype='float32') for _ in range(3))
    b, bp = T.vector(dtype='float32'), T.vector(dtype='float32')
    outputs = fast_step.FastStep(threads=threads, width=width)(
        x, tx, W, b, bp, 0.25)
    f = theano.function([x, tx, W, b, bp], outputs, mode=mode)
    assert [n.op.width for n in f.maker.fgraph.toposort()
            if isinstance(n.op, fast_step.FastStep)] == [width]
    return f


# (examples, pixels, units, density): sparse at batch 20 and 1, dense
# (the dense kernels), fewer than 8 units, units and pixels not multiples
# of the kernels' blocks, an all-zero minibatch
SHAPES = [(20, 97, 150, 0.15), (1, 97, 300, 0.15), (20, 97, 150, 0.9),
          (1, 97, 150, 0.9), (3, 11, 40, 0.2), (4, 30, 64, 0.0),
          (5, 30, 5, 0.3), (7, 130, 13, 0.2)]


@pytest.mark.parametrize('mode', [C_MODE, PY_MODE], ids=['c', 'python'])
@pytest.mark.parametrize('shape', SHAPES, ids=str)
def test_step_matches_numpy(shape, mode):
    inputs = step_inputs(*shape)
    kept = [a.copy() for a in inputs]
    got = compiled_step(mode)(*inputs)
    x, tilde_x, W, b, b_prime = inputs
    expected = npda.sgd_step(x, W, b, b_prime, 0.25, tilde_x=tilde_x)
    numpy.testing.assert_allclose(got[0], expected[0], rtol=1e-5,
                                  atol=1e-4)
    for g, e in zip(got[1:], expected[1:]):
        numpy.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    # a function's inputs are not overwritten (in place is only for a
    # step's shared variables)
    for a, k in zip(inputs, kept):
        assert (a == k).all()


@pytest.mark.slow
@pytest.mark.parametrize('shape', [
    (20, 300, 200, 0.2), (20, 300, 500, 0.2), (20, 300, 1000, 0.2),
    (1, 300, 1000, 0.9), (3, 97, 13, 0.2)], ids=str)
def test_any_number_of_threads_gives_the_same_bits(shape):
    """Each thread's hidden units start at a multiple of 16, where the
    column blocks of one thread do not: a sum's bits must not depend on its
    block (they did, at 1000 units on two threads)."""
    inputs = step_inputs(*shape)
    results = [compiled_step(C_MODE, threads)(*inputs)
               for threads in (1, 2, 3)]
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert numpy.array_equal(a, b)


# SHAPES and the tutorial's: dA.py's minibatch (784-500) and SdA.py's
# first layer (batch 1, 784-1000), MNIST-sparse and dense
WIDE_SHAPES = SHAPES + [(20, 784, 500, 0.19), (20, 784, 500, 0.9),
                        (1, 784, 1000, 0.19), (1, 784, 1000, 0.9),
                        (6, 200, 40, 0.9)]


@pytest.mark.parametrize('threads', [1, 2])
def test_the_avx512_width_gives_the_same_bits(threads):
    """The kernels' 16-float vectors (AVX-512's) against their 8-float
    ones (AVX2's): every output the same, bit for bit, and within the float64
    reference's tolerances."""
    narrow = compiled_step(C_MODE, threads, width=8)
    wide = compiled_step(C_MODE, threads, width=16)
    for shape in WIDE_SHAPES:
        inputs = step_inputs(*shape)
        got = wide(*inputs)
        for a, b in zip(narrow(*inputs), got):
            assert numpy.array_equal(a, b), shape
        expected = fast_step.fast_step_numpy(*inputs, 0.25)
        numpy.testing.assert_allclose(got[0], expected[0], rtol=1e-5,
                                      atol=1e-4)
        for g, e in zip(got[1:], expected[1:]):
            numpy.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def kernels_assembly(tmp_path, flags):
    """The assembly of the step's kernels (the noinline functions
    ``da_rows_dense``, ``da_rows_sparse``, ``da_dots``, ``da_update``),
    compiled by the engine's compiler with ``FastStep``'s flags and
    ``flags``: ``{name: its assembly}``."""
    cxx = theano.config.cxx
    if not cxx:
        pytest.skip('the engine has no C compiler')
    source = tmp_path / 'step.cpp'
    source.write_text(
        '#include <Python.h>\n#include <numpy/arrayobject.h>\n'
        '#include <string.h>\n#include <stdlib.h>\n'
        + fast_step.FastStep().c_support_code()
        # (the glue's call, without which the kernels are dropped)
        + '\nvoid (*da_kept)(void) = (void (*)(void))da_fast_step_op;\n')
    args = [a for a in fast_step.FastStep().c_compile_args()
            if not a.startswith('-mprefer-vector-width')]
    done = subprocess.run(
        [cxx, '-O3', '-fno-math-errno'] + args + flags +
        ['-I' + sysconfig.get_paths()['include'], '-I' + numpy.get_include(),
         '-S', '-o', str(tmp_path / 'step.s'), str(source)],
        capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / 'step.s').read_text()
    found = {}
    for name in ('da_rows_dense', 'da_rows_sparse', 'da_dots', 'da_update'):
        match = re.search(r'^_ZL\d+%s[\w.]*:$(.*?)\.cfi_endproc' % name, text,
                          re.M | re.S)
        assert match, name
        found[name] = match.group(1)
    return found


@pytest.mark.parametrize('march, register', [
    (None, '%ymm'), ('haswell', '%ymm'), ('skylake-avx512', '%zmm'),
    ('sapphirerapids', '%zmm')], ids=['engine', 'haswell', 'skylake-avx512',
                                      'sapphirerapids'])
def test_the_kernels_compile_for_each_width(tmp_path, march, register):
    """The AVX-512 code compiles for CPUs other than this one, on
    zmm registers, and in each build every multiply-add of the kernels is
    a fused one, as in the builds that run here (``None``: the engine's own
    flags, for this machine)."""
    if march is None:
        flags = GCC_compiler.compile_args()
        if '-mavx2' not in flags:
            pytest.skip('the engine does not compile for AVX2 here')
        if '-mavx512f' in flags:
            register = '%zmm'
    else:
        flags = ['-march=' + march, '-mprefer-vector-width=512']
    kernels = kernels_assembly(tmp_path, flags)
    for name, code in kernels.items():
        assert register in code, name
        assert 'vfmadd' in code and 'vmulps' not in code, name


def test_shared_parameters_are_updated_in_place():
    x, tilde_x, W0, b0, bp0 = step_inputs(20, 97, 150, 0.15, seed=5)
    params = [theano.shared(v.copy()) for v in (W0, b0, bp0)]
    xs, txs = T.matrix(dtype='float32'), T.matrix(dtype='float32')
    rows, W, b, bp = fast_step.FastStep()(xs, txs, *(params + [0.5]))
    step = theano.function([xs, txs], T.mean(rows),
                           updates=list(zip(params, [W, b, bp])))
    assert any(isinstance(n.op, fast_step.FastStep) and n.op.inplace
               for n in step.maker.fgraph.toposort())
    costs = [step(x, tilde_x) for _ in range(2)]
    values = [W0, b0, bp0]
    for cost in costs:
        rows, *values = npda.sgd_step(x, *values, 0.5, tilde_x=tilde_x)
        assert abs(cost - rows.mean()) <= 1e-5 * rows.mean()
    for param, value in zip(params, values):
        numpy.testing.assert_allclose(param.get_value(), value, rtol=1e-5,
                                      atol=1e-6)


def test_mismatched_shapes_are_named():
    x, tilde_x, W, b, bp = step_inputs(4, 30, 10, 0.3)
    with pytest.raises(ValueError, match='W must be .pixels x units'):
        compiled_step(C_MODE)(x, tilde_x, W.T.copy(), b, bp)


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
        assert any(isinstance(n.op, fast_step.FastStep)
                   for n in step.maker.fgraph.toposort())
        got_cost = step(data)
    rows, *expected = npda.sgd_step(data, W, b, bp, 0.1)
    cost = rows.mean()
    assert abs(got_cost - cost) <= 1e-5 * cost
    for param, value in zip(da.params, expected):
        numpy.testing.assert_allclose(param.get_value(), value, rtol=1e-4,
                                      atol=1e-6)


@pytest.mark.slow
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
            assert ('FastStep' in ops) == (not exact)
            costs = [float(train(i)) for _ in range(2) for i in range(n)]
            runs.append((numpy.array(costs), da.W.get_value()))
    (exact_costs, exact_W), (fast_costs, fast_W) = runs
    numpy.testing.assert_allclose(fast_costs, exact_costs, rtol=1e-5)
    numpy.testing.assert_allclose(fast_W, exact_W, atol=1e-4)


@pytest.mark.slow
def test_sda_pretraining_fast_at_batch_one():
    """SdA's pretraining at batch 1 (its default) with ``exact=False``:
    every layer gets the fast step, the products below it stay level 2;
    its costs follow the exact functions'."""
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
            ops = [type(n.op).__name__ for fn in fns
                   for n in fn.maker.fgraph.toposort()]
            assert ops.count('FastStep') == (0 if exact else 2)
            # layer 1's function computes layer 0's product on the
            # project's own kernels (no BLAS threads left spinning), so
            # its step takes threads too
            threads = [n.op.threads for fn in fns
                       for n in fn.maker.fgraph.toposort()
                       if type(n.op).__name__ == 'FastStep']
            assert threads == ([] if exact else [0, 0])
            assert 'RowGemv' in ops and 'CGemv' not in ops
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
    assert not any(isinstance(n.op, fast_step.FastStep)
                   for n in step.maker.fgraph.toposort())
    data = sparse_digits(5).astype('float64')
    # W = 0: every reconstruction is 0.5, each row costs 784 log 2
    assert abs(step(data) - 784 * numpy.log(2)) < 1e-9


@pytest.mark.parametrize('argv, step', [
    ([], 'tutorial'), (['--step', 'fast'], 'fast'), (['--no-exact'], 'fast'),
    (['--no-exact', '--exact'], 'tutorial')])
def test_command_lines_choose_the_step(monkeypatch, argv, step):
    """``python dA.py --step fast`` and ``SdA.py --step fast`` ask for the
    fast step, as the old spelling ``--no-exact`` does; the default is the
    tutorial's (no training run here)."""
    import SdA as SdA_module
    from da_tutorial import cli
    for module in (dA_module, SdA_module):
        seen = []
        monkeypatch.setattr(cli, 'run_script', lambda parser, work:
                            seen.append(parser.parse_args(argv).step))
        module.main(argv)
        assert seen == [step]
