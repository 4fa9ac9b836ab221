"""da_tutorial/ops/mrg.py and mrg_pytensor.py: the tutorial's MRG31k3p stream.

Its NumPy reference against the generator's definition (pure Python
integers), its constants against powers of the transition matrices, and
against Theano's own ``MRG_RandomStreams`` (on Theano); on PyTensor, the
``MRGUniform`` op in every back end against the NumPy reference, bit for bit.
"""
import importlib.util

import numpy
import pytest

from da_tutorial.ops import mrg
from da_tutorial.engine import ENGINE, T, theano
if ENGINE == 'pytensor':
    from da_tutorial.ops import mrg_pytensor

from conftest import EDGE_STATES, M1, M2

# MRG31k3p's transitions on (x[n-1], x[n-2], x[n-3]) (L'Ecuyer and Touzin):
# x1[n] = 2**22 x1[n-2] + (2**7 + 1) x1[n-3] mod M1,
# x2[n] = 2**15 x2[n-1] + (2**15 + 1) x2[n-3] mod M2
A1 = ((0, 2 ** 22, 2 ** 7 + 1), (1, 0, 0), (0, 1, 0))
A2 = ((2 ** 15, 0, 2 ** 15 + 1), (1, 0, 0), (0, 1, 0))


def mat_mul(a, b, m):
    return tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) % m
                       for j in range(3)) for i in range(3))


def mat_pow_2k(a, k, m):
    """a ** (2 ** k) mod m, by k squarings."""
    for _ in range(k):
        a = mat_mul(a, a, m)
    return a


def test_jump_matrices_are_powers_of_the_transitions():
    assert (mrg.M1, mrg.M2) == (M1, M2)
    assert mrg.A1P72 == mat_pow_2k(A1, 72, M1)
    assert mrg.A2P72 == mat_pow_2k(A2, 72, M2)
    assert mrg.A1P134 == mat_pow_2k(A1, 134, M1)
    assert mrg.A2P134 == mat_pow_2k(A2, 134, M2)


def definition(state, n):
    """n numerators of MRG31k3p from ``state``, straight from its
    recurrences; and the state after them."""
    x1, x2 = list(state[:3]), list(state[3:])
    out = []
    for _ in range(n):
        new1 = (2 ** 22 * x1[1] + (2 ** 7 + 1) * x1[2]) % M1
        new2 = (2 ** 15 * x2[0] + (2 ** 15 + 1) * x2[2]) % M2
        x1, x2 = [new1, x1[0], x1[1]], [new2, x2[0], x2[1]]
        # the difference mod M1, in [1, M1] (0 is returned as M1)
        out.append(new1 - new2 + (M1 if new1 <= new2 else 0))
    return out, x1 + x2


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_numpy_reference_follows_the_definition(dtype):
    rng = numpy.random.RandomState(0)
    states = numpy.concatenate([
        rng.randint(0, M1, size=(5, 3)), rng.randint(0, M2, size=(5, 3))],
        axis=1).astype('int32')
    states[:3] = EDGE_STATES
    n_rounds = 4
    samples, new = mrg.mrg_uniform_numpy(states, 5 * n_rounds - 2, dtype)
    for k in range(5):
        rounds = n_rounds if k < 3 else n_rounds - 1
        numerators, after = definition([int(v) for v in states[k]], rounds)
        # sample i comes from stream i % 5
        got = samples[k::5]
        expected = (numpy.array(numerators).astype(dtype)
                    * mrg.NORM[dtype])
        numpy.testing.assert_array_equal(got, expected)
        assert list(new[k]) == after
    assert samples.dtype == dtype and 0 < samples.min() <= samples.max() <= 1


def test_substreams_and_seeds():
    start = mrg.check_seed(1234)
    assert start == [1234] * 6
    states = mrg.substream_states(start, 4)
    assert states.dtype == numpy.int32 and states.shape == (4, 6)
    state = start
    for row in states:          # each 2**72 steps after the one before
        assert list(row) == state
        state = [v for v in matvec(mrg.A1P72, state[:3], M1)
                 + matvec(mrg.A2P72, state[3:], M2)]
    assert mrg.next_rstate(start) == (
        matvec(mrg.A1P134, start[:3], M1)
        + matvec(mrg.A2P134, start[3:], M2))
    for bad in (0, -5, M2, [0, 0, 0, 1, 1, 1], [1, 1, 1, M2, 1, 1], [1] * 5):
        with pytest.raises(ValueError, match='MRG seed must be'):
            mrg.check_seed(bad)
    assert mrg.guess_n_streams((20, 784)) == 2613
    assert mrg.guess_n_streams((2, 3)) == 6
    assert mrg.guess_n_streams((2, 4)) == 1
    assert mrg.guess_n_streams((1000, 1000)) == 15360
    assert mrg.guess_n_streams(T.matrix().shape) == 15360


def matvec(a, v, m):
    return [sum(x * y for x, y in zip(row, v)) % m for row in a]


def reference_draws(seed, draws, dtype, n_streams=15360):
    """What a stream seeded ``seed`` gives for each of ``draws`` (a list of
    lists of sizes: one uniform() call per list, drawn len(list) times)."""
    rstate = mrg.check_seed(seed)
    out = []
    for sizes in draws:
        state = mrg.substream_states(rstate, n_streams)
        rstate = mrg.next_rstate(rstate)
        call = []
        for size in sizes:
            sample, state = mrg.mrg_uniform_numpy(
                state, int(numpy.prod(size)), dtype)
            call.append(sample.reshape(size))
        out.append(call)
    return out


def change_flags(**flags):
    return (theano.change_flags if ENGINE == 'theano'
            else theano.config.change_flags)(**flags)


def draw_with(streams_class, seed, dtype, mode=None, binomial=False):
    """Two uniform() calls of symbolic size, each drawn for two inputs."""
    with change_flags(floatX=dtype):
        x = T.matrix('x')
        streams = streams_class(seed)
        if binomial:
            outs = [streams.binomial(size=x.shape, p=0.7, dtype=dtype),
                    streams.binomial(size=x.shape, p=0.7, dtype=dtype)]
        else:
            outs = [streams.uniform(size=x.shape),
                    streams.uniform(size=x.shape)]
        f = theano.function([x], outs, mode=mode)
        return f, [f(numpy.zeros(shape, dtype)) for shape in
                   ((20, 784), (3, 7))]


SIZES = [[(20, 784), (3, 7)], [(20, 784), (3, 7)]]


@pytest.mark.skipif(ENGINE != 'theano', reason="Theano's own stream")
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_numpy_reference_equals_theanos_stream(dtype):
    from theano.sandbox.rng_mrg import MRG_RandomStreams
    _, got = draw_with(MRG_RandomStreams, 2 ** 20 + 5, dtype)
    expected = reference_draws(2 ** 20 + 5, SIZES, dtype)
    for call in range(2):
        for k in range(2):
            numpy.testing.assert_array_equal(got[k][call],
                                             expected[call][k])


def pytensor_modes():
    from pytensor.compile.mode import Mode
    modes = [('c', Mode(linker='cvm', optimizer='fast_run')),
             ('python', Mode(linker='py', optimizer='fast_run')),
             ('numba', 'NUMBA')]
    if importlib.util.find_spec('jax') is not None:
        modes.append(('jax', 'JAX'))
    return modes


pytensor_only = pytest.mark.skipif(ENGINE != 'pytensor',
                                   reason='MRGUniform is for PyTensor')


@pytest.mark.slow
@pytensor_only
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_pytensor_stream_equals_the_reference_in_every_mode(dtype):
    expected = reference_draws(2 ** 20 + 5, SIZES, dtype)
    for name, mode in pytensor_modes():
        if name == 'jax' and dtype == 'float64':
            continue    # JAX computes in float32 unless told otherwise
        f, got = draw_with(mrg_pytensor.MRGRandomStreams, 2 ** 20 + 5, dtype,
                           mode=mode)
        for call in range(2):
            for k in range(2):
                numpy.testing.assert_array_equal(
                    numpy.asarray(got[k][call]), expected[call][k],
                    err_msg='%s mode' % name)


@pytensor_only
def test_pytensor_binomial_is_uniform_below_p():
    expected = reference_draws(77, SIZES, 'float32')
    for name, mode in pytensor_modes():
        _, got = draw_with(mrg_pytensor.MRGRandomStreams, 77, 'float32',
                           mode=mode, binomial=True)
        for call in range(2):
            for k in range(2):
                numpy.testing.assert_array_equal(
                    numpy.asarray(got[k][call]),
                    (expected[call][k] < numpy.float32(0.7)).astype(
                        'float32'), err_msg='%s mode' % name)


@pytensor_only
def test_pytensor_op_in_place_in_the_c_back_end():
    f, _ = draw_with(mrg_pytensor.MRGRandomStreams, 5, 'float32',
                     mode=pytensor_modes()[0][1])
    ops = [n.op for n in f.maker.fgraph.toposort()
           if isinstance(n.op, mrg_pytensor.MRGUniform)]
    assert len(ops) == 2 and all(op.inplace for op in ops)
    with pytest.raises(TypeError, match='int32 matrix'):
        mrg_pytensor.MRGUniform('float32', 2)(T.matrix(), [2, 3])
    with pytest.raises(TypeError, match='float32 or float64'):
        mrg_pytensor.MRGUniform('int64', 2)


@pytensor_only
def test_pytensor_op_at_the_edges_in_every_mode():
    """The op's C, Python, Numba and JAX code against the reference, from
    states at the edges of the reductions."""
    from pytensor.compile.mode import Mode
    expected, new_state = mrg.mrg_uniform_numpy(EDGE_STATES, 12,
                                                    'float32')
    for name, mode in pytensor_modes() + [
            ('c, not in place', Mode(linker='cvm', optimizer=None))]:
        state = theano.shared(EDGE_STATES.copy())
        new, sample = mrg_pytensor.MRGUniform('float32', 1)(state, [12])
        f = theano.function([], [new, sample], mode=mode)
        got_state, got = f()
        numpy.testing.assert_array_equal(numpy.asarray(got), expected,
                                         err_msg=name)
        numpy.testing.assert_array_equal(numpy.asarray(got_state),
                                         new_state, err_msg=name)
