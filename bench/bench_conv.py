"""Time the LeNet tutorial's training step (``convolutional_mlp.py``: two
convolution + max-pooling layers, a tanh layer, a softmax; its sizes:
minibatches of 500 28x28 images, 20 and 50 kernels of 5x5, 500 hidden
units) written with Theano's API, on Theano 1.0.5 (its CPU convolution,
``CorrMM``) and on the Theano face over PyTensor (``conv2d`` and
``pool_2d`` as strided slices and one matrix product).

    python bench/bench_conv.py [--rounds 7] [--steps 4] [--batch-size 500]

Each engine runs in its own process with the Python of its environment
(``.venv-theano`` and ``.venv-pytensor`` of the checkout, or
``--theano-python``/``--pytensor-python``), compiles the step once, then
the processes take turns: in each round each one times ``--steps`` steps.
It prints the median seconds per step of each, and the face's time over
Theano's in the same round (median and range).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

STEP = '''
import sys, time
import numpy
import theano
import theano.tensor as T
from theano.tensor.nnet import conv2d
from theano.tensor.signal import pool

batch, nkerns, hidden = %(batch)d, (20, 50), 500
rng = numpy.random.RandomState(23455)
floatX = theano.config.floatX


def shared(shape, bound):
    return theano.shared(numpy.asarray(rng.uniform(-bound, bound, shape),
                                       dtype=floatX), borrow=True)


x, y = T.matrix('x'), T.ivector('y')
layer0 = x.reshape((batch, 1, 28, 28))
params, out = [], layer0
for (n_in, n_out, size) in ((1, nkerns[0], 28), (nkerns[0], nkerns[1], 12)):
    W = shared((n_out, n_in, 5, 5), numpy.sqrt(6. / (n_in * 25 + n_out * 25
                                                     / 4)))
    b = theano.shared(numpy.zeros(n_out, dtype=floatX), borrow=True)
    conv = conv2d(input=out, filters=W, filter_shape=(n_out, n_in, 5, 5),
                  input_shape=(batch, n_in, size, size))
    out = T.tanh(pool.pool_2d(conv, ws=(2, 2), ignore_border=True)
                 + b.dimshuffle('x', 0, 'x', 'x'))
    params += [W, b]
W2 = shared((nkerns[1] * 16, hidden), numpy.sqrt(6. / (nkerns[1] * 16
                                                      + hidden)))
b2 = theano.shared(numpy.zeros(hidden, dtype=floatX), borrow=True)
h = T.tanh(T.dot(out.flatten(2), W2) + b2)
W3 = theano.shared(numpy.zeros((hidden, 10), dtype=floatX), borrow=True)
b3 = theano.shared(numpy.zeros(10, dtype=floatX), borrow=True)
p = T.nnet.softmax(T.dot(h, W3) + b3)
cost = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
params += [W2, b2, W3, b3]
updates = [(q, q - 0.1 * g) for q, g in zip(params, T.grad(cost, params))]
train = theano.function([x, y], cost, updates=updates)
data = numpy.asarray(rng.uniform(0, 1, (batch, 784)), dtype=floatX)
labels = rng.randint(0, 10, batch).astype('int32')
first = float(train(data, labels))
print('ready', theano.__version__, first, flush=True)
for line in sys.stdin:
    start = time.perf_counter()
    for _ in range(int(line)):
        train(data, labels)
    print(time.perf_counter() - start, flush=True)
'''


def engine_python(engine, given):
    """The Python of ``engine``'s environment."""
    for python in ([given] if given else []) + [
            os.path.join(REPO, '.venv-' + engine, 'bin', 'python')]:
        if python and os.path.exists(python):
            return python
    sys.exit('no Python with %s: make .venv-%s (python3 tests/run_engines.py)'
             ' or pass --%s-python' % (engine, engine, engine))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--steps', type=int, default=4)
    parser.add_argument('--batch-size', type=int, default=500)
    parser.add_argument('--theano-python')
    parser.add_argument('--pytensor-python')
    args = parser.parse_args(argv)
    env = dict(os.environ, THEANO_FLAGS='floatX=float32',
               PYTENSOR_FLAGS='floatX=float32')
    procs = {}
    for engine in ('theano', 'pytensor'):
        python = engine_python(engine, getattr(args, engine + '_python'))
        start = time.time()
        procs[engine] = subprocess.Popen(
            [python, '-c', STEP % dict(batch=args.batch_size)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            cwd=REPO)
        ready = procs[engine].stdout.readline().split()
        if not ready or ready[0] != 'ready':
            sys.exit('%s: the step did not compile' % engine)
        print('%-8s %s: compiled in %.1f s, first cost %s' % (
            engine, ready[1], time.time() - start, ready[2]), flush=True)
    times = {engine: [] for engine in procs}
    for _ in range(args.rounds):
        for engine, proc in procs.items():
            time.sleep(0.5)          # the other's BLAS threads go idle
            proc.stdin.write('%d\n' % args.steps)
            proc.stdin.flush()
            times[engine].append(float(proc.stdout.readline())
                                 / args.steps)
    for proc in procs.values():
        proc.stdin.close()
        proc.wait()
    ratios = [f / t for f, t in zip(times['pytensor'], times['theano'])]
    print('seconds per step (median of %d rounds of %d steps, batch %d):'
          % (args.rounds, args.steps, args.batch_size))
    for engine in procs:
        print('  %-8s %.4f' % (engine, statistics.median(times[engine])))
    print('face / Theano: %.2f (rounds: %.2f to %.2f)'
          % (statistics.median(ratios), min(ratios), max(ratios)))


if __name__ == '__main__':
    main()
