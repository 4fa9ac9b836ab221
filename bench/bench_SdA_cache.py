"""SdA pretraining steps of layers 1 and 2 with and without cache_inputs,
taking turns in one process (the figures in docs/speed.md):

    OPENBLAS_NUM_THREADS=1 python bench/bench_SdA_cache.py
"""
import os, sys, timeit
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault('THEANO_FLAGS', 'floatX=float32')
import numpy
from SdA import SdA
from logistic_sgd import load_data
data = load_data('mnist.pkl.gz')
fns = {}
for c in (False, True):
    sda = SdA(numpy_rng=numpy.random.RandomState(89677), n_ins=784,
              hidden_layers_sizes=[1000]*3, n_outs=10)
    fns[c] = sda.pretraining_functions(data[0][0], batch_size=1, cache_inputs=c)
idx = [numpy.asarray(i, dtype='int64') for i in range(50000)]
lr = numpy.asarray(0.001, dtype='float32')
for c in (False, True):   # fill the caches
    t = timeit.default_timer()
    for L in (0, 1, 2): fns[c][L](idx[0], numpy.asarray(0.1, dtype='float32'), lr)
    print('first calls, cache %s: %.1f s' % (c, timeit.default_timer() - t))
n = 2000; res = {}
for rep in range(4):
    for L in (1, 2):
        for c in (False, True):
            lev = numpy.asarray([0.1,0.2,0.3][L], dtype='float32'); f = fns[c][L]
            t = timeit.default_timer()
            for i in range(rep * n, rep * n + n): f(idx[i], lev, lr)
            res.setdefault((L, c), []).append((timeit.default_timer() - t) / n * 1e3)
for k, v in sorted(res.items()):
    print('layer %d cache %-5s median %.3f ms/step' % (k[0], k[1], numpy.median(v)))
for L in (1, 2):
    print('layer %d ratio cached/uncached per round: %s' % (L, numpy.round(numpy.array(res[(L, True)]) / numpy.array(res[(L, False)]), 2)))
