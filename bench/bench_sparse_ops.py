"""Time the fast step's sparse products (``da_tutorial/sparse_ops.py``)
against the engine's own products on the same MNIST minibatches: the
encoder's ``x~ W`` and W's update ``W - lr x~^T dy``, at ``dA.py``'s
minibatch of 20 (784-500) and ``SdA.py``'s of 1 (784-1000).

    python bench/bench_sparse_ops.py                 # 0 % and 30 %
    OPENBLAS_NUM_THREADS=1 python bench/bench_sparse_ops.py --rounds 21

Each row is a compiled function of one product, called with one
minibatch after another (the pixels zeroed at random as the corruption
does); the rows take turns in each round, and the median round is printed
in microseconds per call (the function call itself included, the same for
all rows).
"""
import argparse
import os
import sys
import time

import numpy

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


def products(batch, n_hidden):
    """(name, function of (x, d)) for each product, on a shared W."""
    from da_tutorial import sparse_ops
    from da_tutorial.engine import theano, T
    from da_tutorial.fast_ops import fast_mode
    rng = numpy.random.RandomState(0)
    W = theano.shared(rng.uniform(-0.1, 0.1, (784, n_hidden)).astype(
        'float32'))
    x, d = T.matrix('x', dtype='float32'), T.matrix('d', dtype='float32')
    if batch == 1:   # typed as one row, as SdA.py's minibatch is
        x, d = T.row('x', dtype='float32'), T.row('d', dtype='float32')
    mode = fast_mode()

    def compiled(out=None, update=None):
        return theano.function([x, d], out, mode=mode,
                               updates=[(W, update)] if update else [],
                               on_unused_input='ignore')
    return [
        ('x~ W, engine', compiled(out=T.dot(x, W))),
        ('x~ W, SparseDot', compiled(out=sparse_ops.SparseDot()(x, W))),
        ('W update, engine', compiled(update=W - 0.01 * T.dot(x.T, d))),
        ('W update, SparseRankUpdate', compiled(
            update=sparse_ops.SparseRankUpdate()(W, x, d, -0.01)))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=15)
    parser.add_argument('--calls', type=int, default=200,
                        help='calls per row and round')
    parser.add_argument('--corruption', type=float, nargs='+',
                        default=[0., 0.3])
    parser.add_argument('--dataset', default='mnist.pkl.gz')
    args = parser.parse_args(argv)
    from da_tutorial.engine import ENGINE, theano
    theano.config.floatX = 'float32'     # the data, as the scripts load it
    from logistic_sgd import load_data
    images = load_data(args.dataset)[0][0].get_value()[:4000]
    print('sparse products against the engine\'s, %s, OPENBLAS_NUM_THREADS'
          '=%s; median of %d rounds of %d calls, us per call'
          % (ENGINE, os.environ.get('OPENBLAS_NUM_THREADS', '(unset)'),
             args.rounds, args.calls))
    rng = numpy.random.RandomState(1)
    for batch, n_hidden in ((20, 500), (1, 1000)):
        rows = products(batch, n_hidden)
        for level in args.corruption:
            xs = images * (rng.uniform(size=images.shape) >= level)
            xs = xs.astype('float32').reshape(-1, batch, 784)
            ds = rng.normal(0, 1e-3, (len(xs), batch, n_hidden)).astype(
                'float32')
            times = {name: [] for name, _ in rows}
            for _ in range(args.rounds):
                for name, f in rows:
                    start = time.perf_counter()
                    for i in range(args.calls):
                        f(xs[i % len(xs)], ds[i % len(xs)])
                    times[name].append((time.perf_counter() - start)
                                       / args.calls * 1e6)
            density = (xs != 0).mean()
            for name, _ in rows:
                print('batch %2d, %4d units, corruption %2d %% (%2.0f %% '
                      'nonzero): %-27s %7.1f' % (
                          batch, n_hidden, 100 * level, 100 * density, name,
                          numpy.median(times[name])))


if __name__ == '__main__':
    main()
