"""da_tutorial/ops (the kernels of the tutorial's step, fast_mode): the
cost kernel against float64 NumPy math, the random numbers and the
training against the engine's own ops, bit for bit."""
import os
import subprocess
import sys

import numpy
import pytest

from da_tutorial.ops import base, compile_mode
from da_tutorial.ops.cost import CrossEntropyRows, match_cross_entropy
from da_tutorial.ops.sigmoid import vectorisable
import dA as dA_module
from da_tutorial.engine import ENGINE, FLAGS_VAR, T, theano, sigmoid
from conftest import (EDGE_STATES, REPO, find_mnist, float32,
                      synthetic_digits)
import npda

theano_only = pytest.mark.skipif(ENGINE != 'theano',
                                 reason="replaces Theano's own op")
if ENGINE == 'theano':
    from theano.sandbox.rng_mrg import mrg_uniform
    from da_tutorial.ops.mrg_theano import FastMRGUniform
# the engine's C back end, with and without the C code of ops
C_MODE = theano.Mode(linker='c')
PY_MODE = theano.Mode(linker='py')
MRG_OP = 'FastMRGUniform' if ENGINE == 'theano' else 'MRGUniform'


def cross_entropy_rows64(x, a):
    """-sum(x log sigmoid(a) + (1 - x) log(1 - sigmoid(a))) per row, float64,
    via log sigmoid(a) = -logaddexp(0, -a)."""
    x, a = x.astype('float64'), a.astype('float64')
    return (x * numpy.logaddexp(0, -a)
            + (1 - x) * numpy.logaddexp(0, a)).sum(axis=1)


@pytest.fixture(scope='module')
def xa():
    """Targets with exact 0s and 1s, pre-activations from -120 to 120."""
    rng = numpy.random.RandomState(0)
    x = rng.uniform(0, 1, size=(40, 301))
    x[rng.uniform(size=x.shape) < 0.5] = 0.
    x[:, :3] = 1.
    a = rng.normal(0, 6, size=x.shape)
    a[0, :9] = [-120, -103.5, -87.4, -20, 0, 14.5, 20, 88.8, 120]
    a[1, :9] = [120, 103.5, 87.4, 20, 0, -14.5, -20, -88.8, -120]
    return x.astype('float32'), a.astype('float32')


@pytest.mark.parametrize('mode', [C_MODE, PY_MODE], ids=['c', 'python'])
def test_cross_entropy_rows_matches_float64_numpy(xa, mode):
    x, a = xa
    xs, as_ = T.matrix(dtype='float32'), T.matrix(dtype='float32')
    f = theano.function([xs, as_], CrossEntropyRows()(xs, as_),
                        mode=mode)
    got = f(x, a)
    assert got.dtype == numpy.float32 and got.shape == (40,)
    # float32 rows of 301 terms: a few units in the last place
    numpy.testing.assert_allclose(got, cross_entropy_rows64(x, a),
                                  rtol=3e-7, atol=0)


def test_cross_entropy_rows_strided_input(xa):
    """A transposed (column-strided) input is copied, not misread."""
    x, a = xa
    xs, as_ = T.matrix(dtype='float32'), T.matrix(dtype='float32')
    f = theano.function([xs, as_],
                        CrossEntropyRows()(xs.T, as_.T),
                        mode=C_MODE)
    numpy.testing.assert_allclose(
        f(numpy.ascontiguousarray(x.T), numpy.ascontiguousarray(a.T)),
        cross_entropy_rows64(x, a), rtol=3e-7)


def test_cross_entropy_rows_refuses_bad_input():
    with pytest.raises(TypeError, match='float32 only'):
        CrossEntropyRows()(T.dmatrix(), T.dmatrix())
    x, a = T.matrix(dtype='float32'), T.matrix(dtype='float32')
    f = theano.function([x, a], CrossEntropyRows()(x, a),
                        mode=C_MODE)
    with pytest.raises(ValueError, match='x is 2x3, a is 2x4'):
        f(numpy.zeros((2, 3), 'float32'), numpy.zeros((2, 4), 'float32'))


def test_the_tutorial_cost_is_recognised_and_nothing_else():
    with float32():
        x, a = T.matrix('x'), T.matrix('a')
        z = sigmoid(a)
        tutorial = x * T.log(z) + (1 - x) * T.log(1 - z)
        assert match_cross_entropy(tutorial) == (x, a)
        other = T.matrix()
        for wrong in (x * T.log(z) + (1 - x) * T.log(z),
                      x * T.log(z) + (2 - x) * T.log(1 - z),
                      x * T.log(z) + (1 - x) * T.log(2 - z),
                      x * T.log(z) + (1 - other) * T.log(1 - z),
                      x * T.log(z) + (1 - x) * T.log(1 - sigmoid(other)),
                      x * T.log(T.tanh(a)) + (1 - x) * T.log(1 - z)):
            assert match_cross_entropy(wrong) is None
    d = T.dmatrix()
    zd = sigmoid(d)
    assert match_cross_entropy(
        d * T.log(zd) + (1 - d) * T.log(1 - zd)) is None   # float64


def test_expf_table_is_two_to_the_i_over_32():
    """``expf.h``'s table: ``2^(i/32)`` rounded to the nearest double, each
    value's bits less ``i << 47``, as the C library keeps it."""
    from decimal import Decimal, getcontext
    import re
    getcontext().prec = 50
    text = base.c_source('expf.h')
    table = re.search(r'ex_tab\[32\] = \{(.*?)\};', text, re.S).group(1)
    got = [int(v.strip().rstrip('ULL'), 16) for v in table.split(',')]
    expected = []
    for i in range(32):
        value = Decimal(2) ** (Decimal(i) / 32)          # in [1, 2)
        mantissa = int((value * 2 ** 52).to_integral_value(
            rounding='ROUND_HALF_EVEN'))
        expected.append((1023 << 52 | mantissa - 2 ** 52) - (i << 47))
    assert got == expected


def test_cache_versions_follow_the_c_files(monkeypatch):
    """An Op's ``c_code_cache_version`` is a hash of its C: changed C text
    gives a new version (the engines never reuse a stale module)."""
    from da_tutorial.ops.fast_step import FastStep
    ops = [CrossEntropyRows(), FastStep()]
    if ENGINE == 'theano':
        ops.append(FastMRGUniform(T.TensorType('float32', (False,))))
    else:
        from da_tutorial.ops.mrg_pytensor import MRGUniform
        ops.append(MRGUniform('float32', 1))
    before = [op.c_code_cache_version() for op in ops]
    read = base._read
    monkeypatch.setattr(base, '_read',
                        lambda name: read(name) + '\n/* changed */\n')
    after = [op.c_code_cache_version() for op in ops]
    assert all(b != a for b, a in zip(before, after))


@pytest.mark.parametrize('march, wide', [
    ('-march=haswell', False), ('-march=skylake-avx512', True)])
def test_512_bit_loops_only_where_the_compiler_targets_avx512(
        monkeypatch, march, wide):
    """The kernels ask for 512-bit vectorised loops where the engine's
    flags (its ``-march``) target AVX-512, and not where they add
    ``-ffast-math`` (a sum could then follow the width); every build asks
    for fused multiply-adds."""
    from da_tutorial.ops import compiler
    from da_tutorial.ops.fast_step import FastStep
    from da_tutorial.ops.sigmoid import SigmoidElemwise
    for extra, expected in (([], wide), (['-ffast-math'], False)):
        monkeypatch.setattr(compiler.GCC_compiler, 'compile_args',
                            lambda march_flags=True: march.split() + extra)
        compiler.wide_vectors.cache_clear()
        try:
            flags = compiler.wide_vectors()
            for op in (CrossEntropyRows(), FastStep(),
                       SigmoidElemwise(sigmoid)):
                assert ('-mprefer-vector-width=512' in op.c_compile_args()) \
                    == expected, (march, extra, op)
        finally:
            compiler.wide_vectors.cache_clear()
        assert flags == (['-mprefer-vector-width=512'] if expected else [])
    assert compiler.fused_multiply_adds() == [
        '-ffp-contract=fast', '--param=avoid-fma-max-bits=0']


def test_the_old_name_of_the_mode():
    """``da_tutorial.fast_ops.fast_mode``, as users were told to write."""
    from da_tutorial import fast_ops
    assert fast_ops.fast_mode is compile_mode.fast_mode
    assert fast_ops.compiles_to_c is compile_mode.compiles_to_c


@theano_only
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('size, n_streams', [((20, 784), 2613), ((7, 5), 12),
                                             ((3, 11), 4), ((1, 1), 1)])
def test_fast_mrg_draws_the_same_numbers(dtype, size, n_streams):
    """Same samples and same new state as Theano's own CPU op, bit for bit,
    over several draws (the state carries over)."""
    rng = numpy.random.RandomState(3)
    state0 = rng.randint(1, 2 ** 30, size=(n_streams, 6)).astype('int32')
    # the reductions' edges too
    state0[:3] = EDGE_STATES[:min(3, n_streams)]
    out_type = T.TensorType(dtype, (False, False))
    results = []
    for op_class in (mrg_uniform, FastMRGUniform):
        rstate = theano.shared(state0.copy())
        new_state, sample = op_class(out_type)(
            rstate, T.as_tensor_variable(numpy.asarray(size, 'int64')))
        f = theano.function([], sample, updates=[(rstate, new_state)])
        draws = [f() for _ in range(3)]
        results.append((draws, rstate.get_value()))
        assert any(type(n.op) is op_class
                   for n in f.maker.fgraph.toposort())
    (draws_ref, state_ref), (draws_fast, state_fast) = results
    for ref, fast in zip(draws_ref, draws_fast):
        assert fast.dtype == dtype and fast.shape == size
        numpy.testing.assert_array_equal(fast, ref)
        assert 0 < fast.min() and fast.max() < 1
    numpy.testing.assert_array_equal(state_fast, state_ref)


def test_one_row_minibatch_gets_the_cost_kernel():
    """A minibatch typed as one row (``T.row``): the cost's row sum is a
    one-long vector, and the kernel that replaces it is typed so (Theano
    refused a plain vector there, with an optimizer error); the cost is
    the tutorial's, checked in float64 NumPy."""
    with float32():
        x = T.row('x')
        da = dA_module.dA(numpy_rng=numpy.random.RandomState(0), input=x,
                          n_visible=784, n_hidden=30)
        cost, _ = da.get_cost_updates(0., 0.1)
    f = theano.function([x], cost, mode=compile_mode.fast_mode())
    ops = [type(n.op).__name__ for n in f.maker.fgraph.toposort()]
    assert 'CrossEntropyRows' in ops
    data = synthetic_digits(1)[0].astype('float32')
    W, b, bp = (p.get_value().astype('float64') for p in da.params)
    expected = npda.cost(data.astype('float64'), W, b, bp)
    assert abs(f(data) - expected) <= 1e-5 * expected


def test_vector_sigmoids_give_the_engines_bits():
    """The step's two elementwise sigmoid functions, ``sigmoid(a + b)`` and
    the cost's gradient at the reconstruction, compiled with
    ``SigmoidElemwise`` and by the engine alone: the same float32 bits on
    every 1021st float from -100 to 20 (2.2 million, where the engine's
    sigmoid clamps and where the exponential underflows) and on the
    special values."""
    with float32():
        a, x = T.matrix('a'), T.matrix('x')
        b, s = T.row('b'), T.scalar('s')
    outputs = [sigmoid(a + b),
               s * x * (1 - sigmoid(a)) - s * (1 - x) * sigmoid(a)]
    mode = compile_mode.fast_mode() or theano.compile.get_default_mode()
    fast = theano.function([a, b, x, s], outputs, mode=mode)
    engine = theano.function([a, b, x, s], outputs,
                             mode=mode.excluding(compile_mode.FAST_TAG))
    nodes = fast.maker.fgraph.toposort()
    assert 'SigmoidElemwise' in [type(n.op).__name__ for n in nodes]
    assert not any(vectorisable(n) for n in nodes)
    low, high = numpy.array([-100., 20.], dtype='float32').view('uint32')
    sweep = numpy.concatenate([    # the bits of -0 to -100, of 0 to 20
        numpy.arange(1 << 31, int(low), 1021, dtype='int64'),
        numpy.arange(0, int(high), 1021, dtype='int64')]).astype('uint32')
    special = numpy.array([-88, -88.00001, 15, 15.000001, -0., 88.72,
                           -103.9, numpy.inf, -numpy.inf], dtype='float32')
    values = numpy.concatenate([sweep.view('float32'), special])
    values = numpy.resize(values, (len(values) // 784 + 1, 784))
    rng = numpy.random.RandomState(0)
    inputs = [values, rng.normal(size=(1, 784)).astype('float32'),
              rng.uniform(size=values.shape).astype('float32'),
              numpy.float32(-0.05)]
    for got, want in zip(fast(*inputs), engine(*inputs)):
        assert numpy.array_equal(got.view('uint32'), want.view('uint32'))


@pytest.fixture(scope='module')
def train_x():
    """2,000 images: real MNIST when there, else synthetic digits."""
    path = find_mnist()
    if path is None:
        return synthetic_digits(2000)[0]
    from da_tutorial.data import read_dataset
    return read_dataset(path)[0][0][:2000].astype('float32')


@pytest.mark.parametrize('level', [0., 0.3])
def test_fast_training_gives_the_same_weights(train_x, level, monkeypatch):
    """The project's step against the engine's compilation of the same
    tutorial graph without the rewrites (Theano: its default mode;
    PyTensor: the same C back end): weights bit for bit the same, costs to
    float32 rounding, and the kernels really in the fast graph."""
    fast_mode = compile_mode.fast_mode
    runs = {}
    for fast in (False, True):
        if ENGINE == 'pytensor' and not fast:
            monkeypatch.setattr(compile_mode, 'fast_mode', lambda: fast_mode()
                                .excluding(compile_mode.FAST_TAG))
        with float32():
            da, train, n_batches = dA_module.build_train_function(
                theano.shared(train_x), corruption_level=level,
                n_hidden=64, fast=fast or ENGINE == 'pytensor')
        monkeypatch.setattr(compile_mode, 'fast_mode', fast_mode)
        costs = numpy.array([train(numpy.asarray(i))
                             for i in range(n_batches)])
        nodes = train.maker.fgraph.toposort()
        ops = [type(n.op).__name__ for n in nodes]
        assert not fast or not any(vectorisable(n) for n in nodes)
        runs[fast] = costs, [p.get_value() for p in da.params], ops
    (costs_ref, params_ref, ops_ref), (costs_fast, params_fast, ops_fast) = \
        runs[False], runs[True]
    assert 'CrossEntropyRows' in ops_fast and 'CrossEntropyRows' not in ops_ref
    assert 'SigmoidElemwise' in ops_fast
    assert 'SigmoidElemwise' not in ops_ref
    assert (MRG_OP in ops_fast) == (level > 0)
    for ref, fast in zip(params_ref, params_fast):
        assert fast.dtype == numpy.float32
        numpy.testing.assert_array_equal(fast, ref)
    numpy.testing.assert_allclose(costs_fast, costs_ref, rtol=5e-7)
    assert costs_fast.dtype == numpy.float32


def test_float64_cost_is_left_alone(train_x, monkeypatch):
    """The cost kernel is float32 only; the (exact) random numbers are
    drawn by the fast op in float64 too.  (The graph is rewritten as the
    step's is, and run by Python: no C to compile for a look at it.)"""
    fast_mode = compile_mode.fast_mode
    monkeypatch.setattr(compile_mode, 'fast_mode', lambda: theano.Mode(
        linker='py', optimizer=fast_mode().provided_optimizer))
    with (theano.change_flags if ENGINE == 'theano'
          else theano.config.change_flags)(floatX='float64'):
        _, train, _ = dA_module.build_train_function(
            theano.shared(train_x.astype('float64')), corruption_level=0.3,
            n_hidden=16)
    ops = [type(n.op).__name__ for n in train.maker.fgraph.toposort()]
    assert 'CrossEntropyRows' not in ops and MRG_OP in ops


@pytest.mark.slow
def test_engine_flags_turn_the_rewrites_off():
    """``optimizer_excluding=dA_fast`` is the user's way out."""
    code = ('import dA; from da_tutorial import engine; '
            'x = engine.theano.shared(__import__("numpy").ones((40, 784), '
            '"f4")); _, f, _ = dA.build_train_function(x, 0.3, n_hidden=8); '
            'print(sorted(type(n.op).__name__ '
            'for n in f.maker.fgraph.toposort()))')
    env = dict(os.environ, DA_BACKEND=ENGINE)
    env[FLAGS_VAR] = 'floatX=float32,optimizer_excluding=dA_fast'
    out = subprocess.run([sys.executable, '-c', code], cwd=str(REPO),
                         env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert 'CrossEntropyRows' not in out.stdout
    assert 'SigmoidElemwise' not in out.stdout
    if ENGINE == 'theano':
        assert 'mrg_uniform' in out.stdout
        assert 'FastMRGUniform' not in out.stdout


@pytest.mark.slow
@pytest.mark.skipif(ENGINE != 'pytensor', reason="PyTensor's modes")
@pytest.mark.parametrize('flags, linker', [
    ('', 'VMLinker'),                 # nothing chosen: the C back end
    ('linker=py', 'PerformLinker'),   # the user's choice, rewrites kept
    ('mode=NUMBA', None),             # the user's choice, as it is
    ('mode=JAX', None)])
def test_pytensor_step_mode_follows_the_users_flags(flags, linker):
    code = ('from da_tutorial.ops import compile_mode; '
            'm = compile_mode.fast_mode(); '
            'print(None if m is None else type(m.linker).__name__, '
            'None if m is None else "dA_fast" in m._optimizer.include)')
    env = dict(os.environ, DA_BACKEND='pytensor', PYTENSOR_FLAGS=flags,
               PYTENSORRC=os.devnull)
    out = subprocess.run([sys.executable, '-c', code], cwd=str(REPO),
                         env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ([linker, 'True'] if linker
                                  else ['None', 'None'])
