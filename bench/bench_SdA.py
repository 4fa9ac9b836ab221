"""Time SdA.py's batch-1 steps (its default) against the same math written
by hand in PyTorch, on the same CPU, taking turns.

    python bench/bench_SdA.py                  # Theano's environment
    python bench/bench_SdA.py --rounds 9 --steps 3000
    python bench/bench_SdA.py --threads 1     # one thread each

Three steps, each as ``test_SdA`` calls it with the tutorial's network
(784-1000-1000-1000-10, batch 1, float32):

* ``pretrain layer 0`` and ``pretrain layer 2``: one SGD step of that
  layer's dA (``SdA.pretraining_functions``), corruption 0.1 and 0.3,
  learning rate 0.001; layer 2 reads its inputs, the outputs of layer 1,
  computed once for all examples (``cache_inputs=True``, as ``test_SdA``;
  PyTorch likewise);
* ``finetune``: one SGD step of the whole network
  (``SdA.build_finetune_functions``), learning rate 0.1.

Each is timed in blocks of ``--steps`` consecutive minibatches; the blocks
of the project and of PyTorch alternate over ``--rounds`` rounds, with a
pause before each block so that the other's BLAS threads have stopped
spinning; load from elsewhere on the machine falls on both alike.  The
table gives the median block in milliseconds per step and the median of
the per-round ratios.  PyTorch rows appear where it is installed
(``pip install torch``); the project's rows run on the engine of this
Python (``DA_BACKEND`` picks one).
"""
import argparse
import os
import sys
import time
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))   # the project's modules

import numpy  # noqa: E402

SIZES = [784, 1000, 1000, 1000, 10]
LEVELS = [0.1, 0.2, 0.3]
PRETRAIN_LR, FINETUNE_LR = 0.001, 0.1


def project_steps(datasets):
    """The project's compiled steps, as test_SdA calls them."""
    os.environ.setdefault('THEANO_FLAGS', 'floatX=float32')
    from da_tutorial.engine import ENGINE
    import theano
    from SdA import SdA
    from logistic_sgd import load_data
    data = load_data(datasets)
    sda = SdA(numpy_rng=numpy.random.RandomState(89677), n_ins=SIZES[0],
              hidden_layers_sizes=SIZES[1:-1], n_outs=SIZES[-1])
    pretrain = sda.pretraining_functions(data[0][0], batch_size=1,
                                         cache_inputs=True)
    finetune, _, _ = sda.build_finetune_functions(data, 1, FINETUNE_LR)
    floatX = theano.config.floatX
    lr = numpy.asarray(PRETRAIN_LR, dtype=floatX)
    idx = [numpy.asarray(i, dtype='int64') for i in range(50000)]

    def pretrain_step(layer):
        fn = pretrain[layer]
        level = numpy.asarray(LEVELS[layer], dtype=floatX)
        return lambda i: fn(idx[i], level, lr)
    for layer in (1, 2):   # their first calls compute the inputs
        pretrain_step(layer)(0)
    return ENGINE, {'pretrain layer 0': pretrain_step(0),
                    'pretrain layer 2': pretrain_step(2),
                    'finetune': lambda i: finetune(idx[i])}


def torch_steps(x, y):
    """The same steps by hand in PyTorch: explicit products, in-place
    updates, no autograd."""
    import torch
    X, Y = torch.from_numpy(x), torch.from_numpy(y.astype('int64'))
    gen = torch.Generator().manual_seed(123)
    Ws, bs, bps = [], [], []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 4 * (6. / (n_in + n_out)) ** 0.5 if n_out != 10 else 0.
        Ws.append((torch.rand(n_in, n_out, generator=gen) * 2 - 1) * bound)
        bs.append(torch.zeros(n_out))
        bps.append(torch.zeros(n_in))

    @torch.no_grad()
    def inputs(layer):   # each layer's inputs for all examples, once
        x = X
        for W, b in zip(Ws[:layer], bs[:layer]):
            x = torch.addmm(b, x, W).sigmoid_()
        return x
    cached = {layer: inputs(layer) for layer in (0, 2)}

    @torch.no_grad()
    def pretrain(layer, i):
        x = cached[layer][i:i + 1]
        W, b, bp = Ws[layer], bs[layer], bps[layer]
        tx = x * (torch.rand(x.shape, generator=gen) >= LEVELS[layer])
        h = torch.addmm(b, tx, W).sigmoid_()
        z = torch.addmm(bp, h, W.t()).sigmoid_()
        cost = -(x * torch.log(z) + (1 - x) * torch.log1p(-z)).sum()
        dz = (z - x).mul_(PRETRAIN_LR)
        dh = torch.mm(dz, W).mul_(h).mul_(1 - h)
        W.addmm_(tx.t(), dh, alpha=-1).addmm_(dz.t(), h, alpha=-1)
        b.sub_(dh[0])
        bp.sub_(dz[0])
        return float(cost)

    @torch.no_grad()
    def finetune(i):
        hs = [X[i:i + 1]]
        for W, b in zip(Ws[:-1], bs[:-1]):
            hs.append(torch.addmm(b, hs[-1], W).sigmoid_())
        p = torch.softmax(torch.addmm(bs[-1], hs[-1], Ws[-1]), dim=1)
        cost = -torch.log(p[0, Y[i]])
        d = p
        d[0, Y[i]] -= 1
        for k in range(len(Ws) - 1, -1, -1):
            below = hs[k]
            # the gradient for the layer below, with this layer's old W
            d_below = torch.mm(d, Ws[k].t()).mul_(below).mul_(1 - below) \
                if k > 0 else None
            Ws[k].addmm_(below.t(), d, alpha=-FINETUNE_LR)
            bs[k].sub_(d[0], alpha=FINETUNE_LR)
            d = d_below
        return float(cost)

    return {'pretrain layer 0': lambda i: pretrain(0, i),
            'pretrain layer 2': lambda i: pretrain(2, i),
            'finetune': finetune}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--steps', type=int, default=2000,
                        help='minibatches per timed block (default 2000)')
    parser.add_argument('--dataset', default='mnist.pkl.gz')
    parser.add_argument('--pause', type=float, default=0.3,
                        help='seconds of rest before each block')
    parser.add_argument('--threads', type=int,
                        help="threads of both BLAS (the project's OpenBLAS, "
                             "PyTorch's); default: each library's own")
    args = parser.parse_args(argv)
    if args.threads:
        # before the engine loads its OpenBLAS, which reads it then
        os.environ['OPENBLAS_NUM_THREADS'] = str(args.threads)

    from da_tutorial.machine import describe
    print('machine: ' + describe())
    start = time.time()
    engine, mine = project_steps(args.dataset)
    from logistic_sgd import load_data
    train_x, train_y = load_data(args.dataset)[0]
    rows = {(name, 'project (%s)' % engine): step
            for name, step in mine.items()}
    try:
        theirs = torch_steps(train_x.get_value(), train_y.eval())
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        torch_label = 'PyTorch %s' % torch.__version__.split('+')[0]
        rows.update({(name, torch_label): step
                     for name, step in theirs.items()})
    except ImportError:
        torch_label = None
        print('(PyTorch is not installed: its rows are left out)')
    print('set-up and compiling: %.0f s' % (time.time() - start))

    times = {key: [] for key in rows}
    position = 0
    for r in range(args.rounds):
        block = range(position, position + args.steps)
        position = (position + args.steps) % (50000 - args.steps)
        for key, step in rows.items():
            time.sleep(args.pause)
            t = timeit.default_timer()
            for i in block:
                step(i)
            times[key].append((timeit.default_timer() - t)
                              / args.steps * 1e3)

    print('\nms per step, median of %d blocks of %d minibatches (batch 1, '
          'float32), %s' % (args.rounds, args.steps, time.strftime('%F')))
    print('%-18s %-20s %8s %8s %10s' % ('step', 'implementation', 'median',
                                        'best', 'vs PyTorch'))
    for (name, impl), ts in times.items():
        ratio = ''
        if torch_label is not None and not impl.startswith('PyTorch'):
            ratios = numpy.array(ts) / numpy.array(times[(name, torch_label)])
            ratio = '%.2fx' % numpy.median(ratios)
        print('%-18s %-20s %8.3f %8.3f %10s' % (name, impl, numpy.median(ts),
                                               min(ts), ratio))


if __name__ == '__main__':
    main()
