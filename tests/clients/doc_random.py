"""Theano 1.0.5's documentation tutorial, "Using Random Numbers"
(doc/tutorial/examples.txt), run as a user runs it: a RandomStreams with
uniform and normal draws, functions with and without default updates,
seeding one variable's generator and the whole stream, sharing a generator
between functions, and copying the random state of one graph to another,
with both RandomStreams and MRG_RandomStreams.

Run by tests/test_face_clients.py as ``python doc_random.py DATASET OUT``
(it needs neither); prints one JSON line of numbers (booleans as 0/1)."""
import json

import numpy

import theano
from theano import function
from theano.sandbox.rng_mrg import MRG_RandomStreams
from theano.tensor.shared_randomstreams import RandomStreams


def values(a):
    return numpy.asarray(a).ravel().tolist()


results = {}

# Brief Example
srng = RandomStreams(seed=234)
rv_u = srng.uniform((2, 2))
rv_n = srng.normal((2, 2))
f = function([], rv_u)
g = function([], rv_n, no_default_updates=True)    # not updating rv_n.rng
nearly_zeros = function([], rv_u + rv_u - 2 * rv_u)

f_val0 = f()
f_val1 = f()         # different numbers from f_val0
g_val0 = g()
g_val1 = g()         # the same numbers as g_val0
results['f_val0'] = values(f_val0)
results['f_val1'] = values(f_val1)
results['g_val0'] = values(g_val0)
results['f_changes'] = int(not numpy.allclose(f_val0, f_val1))
results['g_repeats'] = int(numpy.array_equal(g_val0, g_val1))
zeros = nearly_zeros()
results['nearly_zeros'] = values(zeros)
results['nearly_zeros_max'] = float(numpy.abs(zeros).max())
results['dtypes'] = [int(f_val0.dtype == theano.config.floatX),
                     int(g_val0.dtype == theano.config.floatX)]

# Seeding Streams: one variable's generator...
rng_val = rv_u.rng.get_value(borrow=True)   # the rng of rv_u
rng_val.seed(89234)                         # seeds the generator
rv_u.rng.set_value(rng_val, borrow=True)    # assigns it back
results['after_rv_u_seed'] = values(f())
results['g_unchanged'] = int(numpy.array_equal(g(), g_val0))
# ... or every variable of the stream
srng.seed(902340)
results['after_srng_seed'] = values(f())
results['g_after_srng_seed'] = values(g())

# Sharing Streams Between Functions
state_after_v0 = rv_u.rng.get_value().get_state()
nearly_zeros()       # this affects rv_u's generator
v1 = f()
rng = rv_u.rng.get_value(borrow=True)
rng.set_state(state_after_v0)
rv_u.rng.set_value(rng, borrow=True)
v2 = f()             # v2 != v1
v3 = f()             # v3 == v1
results['v1'] = values(v1)
results['v2'] = values(v2)
results['v2_differs'] = int(not numpy.array_equal(v1, v2))
results['v3_is_v1'] = int(numpy.array_equal(v1, v3))
results['state_updates'] = len(srng.state_updates)


# Copying Random State Between Theano Graphs
class Graph():
    def __init__(self, seed=123):
        self.rng = RandomStreams(seed)
        self.y = self.rng.uniform(size=(1,))


class MRGGraph():
    def __init__(self, seed=123):
        self.rng = MRG_RandomStreams(seed)
        self.y = self.rng.uniform(size=(1,))


def copy_random_state(g1, g2):
    if isinstance(g1.rng, MRG_RandomStreams):
        g2.rng.rstate = g1.rng.rstate
    for (su1, su2) in zip(g1.rng.state_updates, g2.rng.state_updates):
        su2[0].set_value(su1[0].get_value())


for name, cls in (('copy', Graph), ('copy_mrg', MRGGraph)):
    g1 = cls(seed=123)
    f1 = theano.function([], g1.y)
    g2 = cls(seed=987)
    f2 = theano.function([], g2.y)
    # by default, the two functions are out of sync
    before = [values(f1()), values(f2())]
    # now copy the state of the random number generators
    copy_random_state(g1, g2)
    after = [values(f1()), values(f2())]
    print(name, before, after)
    results[name] = {'before': before, 'after': after,
                     'in_sync': int(after[0] == after[1]),
                     'state_updates': len(g1.rng.state_updates)}

results['floatX'] = theano.config.floatX
print(json.dumps(results))
