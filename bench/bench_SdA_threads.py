"""One SdA batch-1 step on 1 and on 2 BLAS threads, in alternating blocks
(docs/speed.md):

    python bench/bench_SdA_threads.py f 5000 8    # finetuning; or 0, 1, 2: a layer
"""
import os, sys, time, timeit
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault('THEANO_FLAGS', 'floatX=float32')
import numpy
from da_tutorial.engine import script_floatx
script_floatx()
import theano
from SdA import SdA
from logistic_sgd import load_data
import contextlib, ctypes


@contextlib.contextmanager
def blas_threads(count):
    """Each OpenBLAS loaded in this process on ``count`` threads (Linux)."""
    paths = {l.split(None, 5)[-1].strip() for l in open('/proc/self/maps')
             if l.count(' ') >= 5 and 'openblas' in l.lower()}
    for path in paths:
        lib = ctypes.CDLL(path)
        for name in ('scipy_openblas_set_num_threads',
                     'openblas_set_num_threads',
                     'openblas_set_num_threads64_'):
            if hasattr(lib, name):
                getattr(lib, name)(count)
                break
    yield
data = load_data('mnist.pkl.gz')
sda = SdA(numpy_rng=numpy.random.RandomState(89677), n_ins=784,
          hidden_layers_sizes=[1000]*3, n_outs=10)
pre = sda.pretraining_functions(data[0][0], batch_size=1)
ft = sda.build_finetune_functions(data, 1, 0.1)[0]
idx = [numpy.asarray(i, dtype='int64') for i in range(50000)]
lr = numpy.asarray(0.001, dtype='float32')
L = sys.argv[1]; n = int(sys.argv[2]); reps = int(sys.argv[3])
if L == 'f':
    fn = lambda i: ft(i)
else:
    L = int(L); lev = numpy.asarray([0.1,0.2,0.3][L], dtype='float32')
    fn = lambda i, f=pre[L]: f(i, lev, lr)
pos = 0
fn(idx[0])
if os.environ.get('PIN'):
    main = os.getpid()
    for tid in os.listdir('/proc/self/task'):
        tid = int(tid)
        comm = open('/proc/self/task/%d/comm' % tid).read().strip()
        os.sched_setaffinity(tid, {0} if tid == main else {1})
        print('pinned', tid, comm, os.sched_getaffinity(tid))
res = {1: [], 2: []}
for rep in range(reps):
    for th in (1, 2):
        with blas_threads(th):
            t = timeit.default_timer()
            for i in range(pos, pos + n):
                fn(idx[i])
            pos = (pos + n) % 40000
            res[th].append((timeit.default_timer() - t) / n * 1e3)
    print('rep %d: 1 thread %.3f, 2 threads %.3f ms/step' % (rep, res[1][-1], res[2][-1]), flush=True)
print('median 1: %.3f  2: %.3f' % (numpy.median(res[1]), numpy.median(res[2])))
