"""Every draw of Theano 1.0.5's two random streams, as a user makes them:
MRG_RandomStreams' uniform, normal, truncated_normal, binomial, multinomial
and choice, and RandomStreams' uniform, normal, binomial, random_integers,
choice, permutation, multinomial and poisson; each function called twice,
then the streams seeded again and called once more.

Run by tests/test_face_clients.py as ``python random_draws.py DATASET OUT
[mrg]`` (``mrg``: the MRG stream only, which JAX mode runs); prints one
JSON line of numbers."""
import json
import sys

import numpy

import theano
from theano.sandbox.rng_mrg import MRG_RandomStreams
from theano.tensor.shared_randomstreams import RandomStreams

floatX = theano.config.floatX
pvals = numpy.array([[.2, .3, .5], [.6, .1, .3]], dtype=floatX)
mrg = MRG_RandomStreams(seed=2024)
mrg_draws = [mrg.uniform((3, 2)), mrg.uniform((4,), low=-1., high=3.),
             mrg.normal((5,)), mrg.normal((2, 3), avg=1., std=0.5),
             mrg.truncated_normal((200,), std=2.),
             mrg.binomial((6,), p=0.3), mrg.multinomial(pvals=pvals, n=4),
             mrg.choice(size=2, p=pvals, replace=False)]
draws = {'mrg': mrg_draws}
streams = [mrg]
if sys.argv[3:] != ['mrg']:
    srng = RandomStreams(seed=99)
    draws['numpy'] = [
        srng.uniform((3, 2)), srng.normal((4,), avg=2., std=3.),
        srng.binomial((5,), n=3, p=0.4), srng.random_integers((6,), -2, 4),
        srng.choice((4,), a=7, replace=False),
        srng.permutation(size=(3,), n=5),
        srng.multinomial((2,), n=5, pvals=[.1, .2, .7]),
        srng.poisson((4,), lam=2.5)]
    streams.append(srng)

results = {'floatX': floatX}
for name, outputs in draws.items():
    f = theano.function([], outputs)
    calls = [f(), f()]
    results[name] = [[numpy.asarray(v).ravel().tolist() for v in call]
                     for call in calls]
for stream in streams:
    stream.seed(7)
for name, outputs in draws.items():
    results[name + '_seeded'] = [numpy.asarray(v).ravel().tolist() for v in
                                 theano.function([], outputs)()]
# the truncated normal stays within two of its deviations
results['truncated_within'] = int(bool(
    numpy.all(numpy.abs(results['mrg'][0][4]) <= 2 * 2. / .8796256610342398
              + 1e-5)))
print(json.dumps(results))
