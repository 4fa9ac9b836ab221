"""Theano 1.0.5's documentation tutorial, "Conditions"
(doc/tutorial/conditions.txt), run as a user runs it: ``T.switch`` (an
elementwise choice that evaluates both branches) against
``theano.ifelse.ifelse`` (lazy: one branch), compiled with
``theano.Mode(linker='vm')``, on small matrices instead of 10000 x 1000
ones.

Run by tests/test_face_clients.py as ``python doc_conditions.py DATASET
OUT`` (it needs neither); prints one JSON line of numbers."""
import json
import time

import numpy

import theano
from theano import tensor as T
from theano.ifelse import ifelse

a, b = T.scalars('a', 'b')
x, y = T.matrices('x', 'y')

z_switch = T.switch(T.lt(a, b), T.mean(x), T.mean(y))
z_lazy = ifelse(T.lt(a, b), T.mean(x), T.mean(y))

f_switch = theano.function([a, b, x, y], z_switch,
                           mode=theano.Mode(linker='vm'))
f_lazyifelse = theano.function([a, b, x, y], z_lazy,
                               mode=theano.Mode(linker='vm'))

val1 = 0.
val2 = 1.
rng = numpy.random.RandomState(7)
big_mat1 = rng.uniform(size=(100, 50)).astype(theano.config.floatX)
big_mat2 = rng.uniform(-1, 0, size=(100, 50)).astype(theano.config.floatX)

n_times = 10
results = {'switch': [], 'ifelse': []}

tic = time.time()
for i in range(n_times):
    results['switch'].append(float(f_switch(val1, val2, big_mat1, big_mat2)))
print('time spent evaluating both values %f sec' % (time.time() - tic))

tic = time.time()
for i in range(n_times):
    results['ifelse'].append(float(f_lazyifelse(val1, val2, big_mat1,
                                                 big_mat2)))
print('time spent evaluating one value %f sec' % (time.time() - tic))

# the other branch
results['switch_other'] = float(f_switch(val2, val1, big_mat1, big_mat2))
results['ifelse_other'] = float(f_lazyifelse(val2, val1, big_mat1, big_mat2))
results['dtypes'] = [
    int(f_switch(val1, val2, big_mat1, big_mat2).dtype ==
        theano.config.floatX),
    int(f_lazyifelse(val1, val2, big_mat1, big_mat2).dtype ==
        theano.config.floatX)]

# switch is elementwise: a condition per element
c = T.matrix('c')
elementwise = theano.function([c, x, y], T.switch(T.gt(c, 0.5), x, y))
cond = rng.uniform(size=(100, 50)).astype(theano.config.floatX)
out = elementwise(cond, big_mat1, big_mat2)
results['elementwise_sum'] = float(out.sum())
results['elementwise_row0'] = out[0, :6].tolist()

# ifelse on several outputs at once, in the default mode
pair = ifelse(T.gt(a, b), [T.sum(x), T.max(y)], [T.min(x), T.sum(y)])
f_pair = theano.function([a, b, x, y], pair)
results['ifelse_pair'] = [float(v) for v in
                          f_pair(val2, val1, big_mat1, big_mat2)]
results['ifelse_pair_other'] = [float(v) for v in
                                f_pair(val1, val2, big_mat1, big_mat2)]

results['floatX'] = theano.config.floatX
print(json.dumps(results))
