"""Time the fast step (``da_tutorial/ops/fast_step.py``'s ``FastStep``) on
one, two and the BLAS's number of threads, against the exact step (the
tutorial's ``T.grad``) on the same MNIST minibatches, at ``dA.py``'s
minibatch of 20 (784-500) and ``SdA.py``'s of 1 (784-1000).

    python bench/bench_fast_step.py                  # 0 % and 30 %
    python bench/bench_fast_step.py --rounds 21 --corruption 0.3
    python bench/bench_fast_step.py --widths         # 8 against 16 floats

Each row is a compiled SGD step of one dA (the noise drawn in the graph,
as ``get_cost_updates`` does), called with one minibatch after another;
the rows take turns in each round, each after a pause of 0.3 s, and the
median round is printed in microseconds per step (the function call
included, the same for all rows).  With ``--widths``, the fast step's
AVX2 code (8-float vectors) against its AVX-512 code (16 floats: natively
where the CPU has AVX-512, else each as two 8-float vectors), on one and
two threads, instead of the rows above.
"""
import argparse
import os
import sys
import time

import numpy

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


def steps(batch, n_hidden, level, widths=False):
    """(name, compiled step of a minibatch) for each row, on one dA; with
    ``widths``, the fast step's two vector widths on one and two threads."""
    from dA import dA
    from da_tutorial.engine import theano, T, RandomStreams
    from da_tutorial.ops.compile_mode import fast_mode
    from da_tutorial.ops.fast_step import FastStep
    # typed as one row at batch 1, as SdA.py's minibatch is
    x = T.row('x') if batch == 1 else T.matrix('x')
    da = dA(numpy_rng=numpy.random.RandomState(0),
            theano_rng=RandomStreams(1), input=x, n_visible=784,
            n_hidden=n_hidden)
    mode = fast_mode()
    if widths:
        rows = []
        variants = [(t, w, '%d floats, %d thread%s' % (w, t, 's' * (t > 1)))
                    for t in (1, 2) for w in (8, 16)]
    else:
        cost, updates = da.get_cost_updates(level, 0.1)
        rows = [('exact step', theano.function([x], cost, updates=updates,
                                               mode=mode))]
        variants = ((1, 0, '1 thread'), (2, 0, '2 threads'),
                    (0, 0, 'the BLAS\'s threads'))
    for threads, width, name in variants:
        tilde_x = da.get_corrupted_input(x, level)
        costs, W, b, b_prime = FastStep(threads=threads, width=width)(
            x, tilde_x, da.W, da.b, da.b_prime, 0.1)
        rows.append(('fast step, ' + name, theano.function(
            [x], T.mean(costs), mode=mode,
            updates=[(da.W, W), (da.b, b), (da.b_prime, b_prime)])))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=15)
    parser.add_argument('--calls', type=int, default=200,
                        help='steps per row and round')
    parser.add_argument('--corruption', type=float, nargs='+',
                        default=[0., 0.3])
    parser.add_argument('--dataset', default='mnist.pkl.gz')
    parser.add_argument('--widths', action='store_true',
                        help="the fast step's 8- and 16-float code instead")
    args = parser.parse_args(argv)
    from da_tutorial.engine import ENGINE, theano
    theano.config.floatX = 'float32'     # the data, as the scripts load it
    from logistic_sgd import load_data
    from da_tutorial.machine import describe
    images = load_data(args.dataset)[0][0].get_value()[:4000]
    print('machine: ' + describe())
    print('the fast step against the exact one, %s, OPENBLAS_NUM_THREADS'
          '=%s, OMP_NUM_THREADS=%s; median of %d rounds of %d steps, us '
          'per step' % (ENGINE, os.environ.get('OPENBLAS_NUM_THREADS',
                                               '(unset)'),
                        os.environ.get('OMP_NUM_THREADS', '(unset)'),
                        args.rounds, args.calls))
    for batch, n_hidden in ((20, 500), (1, 1000)):
        xs = images.reshape(-1, batch, 784)
        for level in args.corruption:
            rows = steps(batch, n_hidden, level, args.widths)
            times = {name: [] for name, _ in rows}
            for _ in range(args.rounds):
                for name, f in rows:
                    # the BLAS's idle threads spin about 0.1 s after the
                    # exact step's last product: let them sleep first
                    time.sleep(0.3)
                    start = time.perf_counter()
                    for i in range(args.calls):
                        f(xs[i % len(xs)])
                    times[name].append((time.perf_counter() - start)
                                       / args.calls * 1e6)
            for name, _ in rows:
                print('batch %2d, %4d units, corruption %2d %%: %-28s %7.1f'
                      % (batch, n_hidden, 100 * level, name,
                         numpy.median(times[name])))


if __name__ == '__main__':
    main()
