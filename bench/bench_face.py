"""What the Theano face costs a training step, on PyTensor.

The tutorial's modules build their functions with ``theano.function``,
which on Python 3.12 and later is the face's (``da_tutorial/theano_face``).
This times ``dA.build_train_function``'s step (compiled through the face)
against the same graph compiled by ``pytensor.function`` directly, in one
process, alternating blocks of steps, and prints the medians::

    PYTENSOR_FLAGS=floatX=float32 DA_DATA_DIR=../shared/data \\
        .venv-pytensor/bin/python bench/bench_face.py
"""
import os
import sys
import time

import numpy

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import dA  # noqa: E402  (the project's engine set-up, then the face)
import pytensor  # noqa: E402
import theano  # noqa: E402
from da_tutorial.ops import compile_mode  # noqa: E402
from da_tutorial.data import find_dataset, read_dataset  # noqa: E402


def main(blocks=10, steps=250, level=0.3):
    """Print the median milliseconds per step of each way, and each
    block's."""
    x = read_dataset(find_dataset('mnist.pkl.gz', download_missing=False))
    shared = pytensor.shared(numpy.asarray(x[0][0][:10000],
                                           dtype=theano.config.floatX))
    da, face_fn, n = dA.build_train_function(shared, level)
    index = theano.tensor.lscalar()
    cost, updates = da.get_cost_updates(level, 0.1)
    direct_fn = pytensor.function(
        [index], cost, updates=updates,
        givens={da.x: shared[index * 20:(index + 1) * 20]},
        mode=compile_mode.fast_mode())
    print('theano %s; the face returns %s.%s' % (
        theano.__version__, type(face_fn).__module__,
        type(face_fn).__name__))
    indices = [numpy.asarray(i, dtype='int64') for i in range(n)]
    times = {'face': [], 'direct': []}
    for block in range(blocks):
        pair = [('face', face_fn), ('direct', direct_fn)]
        for name, fn in (pair if block % 2 else pair[::-1]):
            start = time.perf_counter()
            for i in range(steps):
                fn(indices[i % n])
            times[name].append((time.perf_counter() - start) / steps * 1e3)
    for name, values in times.items():
        print('%-6s ms/step median %.3f  (blocks: %s)' % (
            name, numpy.median(values),
            ' '.join('%.3f' % v for v in values)))


if __name__ == '__main__':
    main()
