"""The tutorial's random stream, MRG31k3p, as Theano's
``MRG_RandomStreams`` draws it: the stream in NumPy (engine-free, the
reference of the tests and of the Ops' Python code) and the C loop of a
draw (``mrg.c``) that the engines' Ops run.

The tutorial corrupts its inputs with ``theano.sandbox.rng_mrg``'s
``MRG_RandomStreams``; PyTensor has no such stream, and with another one
the tutorial's costs at 30 % corruption are not reproduced.  Here, written
from the generator's definition (L'Ecuyer and Touzin, 2000) and Theano's
conventions: the states of a stream's substreams (``substream_states``,
``next_rstate``) and the samples drawn from them (``mrg_uniform_numpy``);
the sample ``i`` of a draw comes from substream ``i % n_streams``, a draw
of symbolic size uses 15,360 substreams, each draw starts 2**134 steps
further on.

The Ops: on Theano, ``mrg_theano.FastMRGUniform`` (Theano's own Op with
this C loop); on PyTensor, ``mrg_pytensor.MRGUniform`` and
``MRGRandomStreams`` (``engine.RandomStreams``).  The same seed gives the
same numbers on both, bit for bit.
"""
import warnings

import numpy

from .base import c_source

# MRG31k3p: two multiple recursive generators, modulo M1 and M2
M1 = 2147483647          # 2**31 - 1
M2 = 2147462579          # 2**31 - 21069
# the transition matrices raised to 2**72 (one substream to the next) and to
# 2**134 (one draw's first substream to the next draw's)
A1P72 = ((1516919229, 758510237, 499121365),
         (1884998244, 1516919229, 335398200),
         (601897748, 1884998244, 358115744))
A2P72 = ((1228857673, 1496414766, 954677935),
         (1133297478, 1407477216, 1496414766),
         (2002613992, 1639496704, 1407477216))
A1P134 = ((1702500920, 1849582496, 1656874625),
          (828554832, 1702500920, 1512419905),
          (1143731069, 828554832, 102237247))
A2P134 = ((796789021, 1464208080, 607337906),
          (1241679051, 1431130166, 1464208080),
          (1401213391, 1178684362, 1431130166))
# a sample is the difference of the two components times 2**-31
NORM = {'float32': numpy.float32(4.6566126e-10),
        'float64': 4.656612873077392578125e-10}
SYMBOLIC_SIZE_STREAMS = 60 * 256


def _jump(state, a1, a2):
    """The state moved on by the jump matrices ``a1``, ``a2``: each
    component times its matrix, modulo its modulus."""
    s1, s2 = [int(v) for v in state[:3]], [int(v) for v in state[3:]]
    return ([sum(a * s for a, s in zip(row, s1)) % M1 for row in a1]
            + [sum(a * s for a, s in zip(row, s2)) % M2 for row in a2])


def check_seed(seed):
    """The six-number state a seed stands for, as Theano reads it.

    :raises ValueError: for a seed the generator cannot start from
    """
    if isinstance(seed, (int, numpy.integer)):
        if seed <= 0 or seed >= M2:
            raise ValueError('MRG seed must be an integer in [1, %d), got %s'
                             % (M2, seed))
        return [int(seed)] * 6
    seed = [int(s) for s in seed]
    if len(seed) != 6 or not any(seed[:3]) or not any(seed[3:]) \
            or max(seed[:3]) >= M1 or max(seed[3:]) >= M2 or min(seed) < 0:
        raise ValueError('MRG seed must be an integer or six: three in '
                         '[0, %d) and three in [0, %d), neither all 0; got %r'
                         % (M1, M2, seed))
    return seed


def substream_states(rstate, n_streams):
    """The (n_streams, 6) int32 states of a draw: ``rstate``, then each
    2**72 steps after the one before."""
    rows = [list(rstate)]
    for _ in range(n_streams - 1):
        rows.append(_jump(rows[-1], A1P72, A2P72))
    return numpy.array(rows, dtype='int32')


def next_rstate(rstate):
    """Where the next draw's substreams start: 2**134 steps on."""
    return _jump(rstate, A1P134, A2P134)


def guess_n_streams(size, warn=False):
    """Theano's number of substreams for a draw of ``size``: a sixth of the
    samples (all of them up to 6), at most 15,360; 15,360 when the size is
    symbolic, or given as NumPy integers (Theano looked for Python ints),
    with a warning where ``warn``."""
    if isinstance(size, (tuple, list)) and \
            all(isinstance(s, int) for s in size):
        n = int(numpy.prod(size))
        return min(n // 6 if n > 6 else n, SYMBOLIC_SIZE_STREAMS)
    if warn:
        warnings.warn('MRG_RandomStreams Can\'t determine #streams from '
                      'size (%s), guessing 60*256' % (size,), stacklevel=3)
    return SYMBOLIC_SIZE_STREAMS


def _fix(y, m, xp):
    """``y - m`` where ``y`` (uint32, read as int32) is negative or >= m."""
    return xp.where(y >= m, y - xp.uint32(m), y)


def mrg_step(x, xp=numpy):
    """One step of the streams whose states are the six uint32 arrays ``x``
    (x11, x12, x13, x21, x22, x23), with NumPy or JAX (``xp``).

    :returns: (the six new state arrays, the samples' numerators: int32 in
              [1, M1])
    """
    x11, x12, x13, x21, x22, x23 = x
    y1 = (((x12 & 511) << 22) + (x12 >> 9)
          + ((x13 & 16777215) << 7) + (x13 >> 24))
    y1 = _fix(_fix(y1, M1, xp) + x13, M1, xp)
    z1 = _fix(((x21 & 65535) << 15) + 21069 * (x21 >> 16), M2, xp)
    z2 = _fix(((x23 & 65535) << 15) + 21069 * (x23 >> 16), M2, xp)
    z2 = _fix(_fix(z2 + x23, M2, xp) + z1, M2, xp)
    d = y1.astype(xp.int32) - z2.astype(xp.int32)   # both below 2**31
    return (y1, x11, x12, z2, x21, x22), xp.where(d <= 0, d + M1, d)


def mrg_uniform_numpy(rstate, n_elements, dtype):
    """Draw ``n_elements`` uniforms from the substreams ``rstate``.

    :type rstate: numpy.ndarray
    :param rstate: (n_streams, 6) int32 states

    :type n_elements: int
    :param n_elements: samples; sample ``i`` comes from substream
                       ``i % n_streams``

    :type dtype: str
    :param dtype: 'float32' or 'float64'

    :returns: (the samples, the advanced (n_streams, 6) int32 states)
    """
    s = numpy.array(rstate, dtype='int64').T.astype('uint32')
    out = numpy.empty(n_elements, dtype=dtype)
    with numpy.errstate(over='ignore'):
        for start in range(0, n_elements, s.shape[1]):
            count = min(s.shape[1], n_elements - start)
            new, d = mrg_step(tuple(s[:, :count]))
            s[:, :count] = numpy.array(new)
            # as C computes it: the numerator converted, then multiplied
            out[start:start + count] = d.astype(dtype) * NORM[dtype]
    return out, s.T.astype('int32')


# the C sample types, and 2**-31 in each
_C_TYPES = (('npy_float32', '4.6566126e-10f'),
            ('npy_float64', '4.656612873077392578125e-10'))


def mrg_c_support_code():
    """The C functions ``cpu_rng_mrg_uniform_npy_float32`` and ``_float64``
    (Theano's names and signature): ``mrg.c`` once for each sample type."""
    return ''.join('#define MRG_DTYPE %s\n#define MRG_NORM %s\n%s\n'
                   '#undef MRG_DTYPE\n#undef MRG_NORM\n'
                   % (dtype, norm, c_source('mrg.c'))
                   for dtype, norm in _C_TYPES)
