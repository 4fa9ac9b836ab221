"""The opt-in fast dA step (``step='fast'``): the same model and the same
noise, its last bits summed another way.

``dA.get_cost_updates(..., step='fast')`` builds its step from one Op,
``FastStep``, instead of ``T.grad`` of the tutorial's cost.  It computes
the whole step in C (``fast_step.c``, with the cost of ``xent.h``):

* the encoder ``y = sigmoid(x~ W + b)`` adds only the rows of ``W`` that a
  nonzero pixel picks where ``x~`` is sparse (an MNIST row is about 81 %
  zeros, more once corrupted).  Sparse or not is decided per minibatch: a
  third or more nonzero (dense data, an SdA's upper layers) takes the dense
  kernel;
* the decoder, the cross-entropy and the gradient, written out:
  ``dz = (z - x) / B``, ``dy = dz W * y (1 - y)``, and W's update
  ``-lr (dz^T y + x~^T dy)`` in one pass over W, its second term on the
  rows of the minibatch that have a nonzero pixel there;
* a float32 sigmoid the compiler vectorises (within 3 ulp);
* register blocks of 16-float vectors where the compiler targets AVX-512
  (its ``-march``), else of 8: which columns share a vector, not the bits.

Its threads (OpenMP) split the hidden units for the encoder and ``dy``, and
the pixels for the decoder and W's update.  Every sum runs in the same order
whatever their number and the vector width, a chain of multiply-adds
(fused wherever the CPU has FMA): one thread and two give the same bits.
Their number follows the machine's load, as the batch-1 products' do
(``threads.h``: one, or the cores up to four, whichever its calls measured
faster); ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` or
``MKL_NUM_THREADS`` fix it.  The kernels are float32, for the
CPU's C back end; ``applies`` says when.
"""
import functools

import numpy

from ..engine import ENGINE, T
from .base import c_source, register_rewrite, source_hash
from .compiler import GCC_compiler, fused_multiply_adds, wide_vectors
from .graph import BLAS_OPS, Apply, _OpBase, grad_not_implemented

_C_FILES = ('threads.h', 'xent.h', 'fast_step.c')
# the per-node glue: the work is fast_step.c's, with the node's work space
_C_CODE = r"""if (da_fast_step_op(%(x)s, %(tx)s, %(W)s, %(b)s, %(bp)s, %(lr)s,
                     %(inplace)d, &tune_%(name)s, &work_%(name)s,
                     &%(rows)s, &%(Wo)s, &%(bo)s, &%(bpo)s)) {
    %(fail)s
}"""


def applies(*variables):
    """True where ``FastStep`` can run the step: float32 graphs compiled
    for the CPU's C code (not a GPU; PyTensor's Numba and JAX modes are
    ``dA.build_train_function``'s to check).

    :type variables: theano variables
    :param variables: the step's inputs and parameters
    """
    from ..engine import DEVICE
    return DEVICE.startswith('cpu') and \
        all(v.dtype == 'float32' for v in variables)


@functools.lru_cache(maxsize=None)
def _openmp_flags():
    """``['-fopenmp']`` where the engine's compiler takes it (else the step
    runs on one thread)."""
    return ['-fopenmp'] if GCC_compiler.try_flags(['-fopenmp']) else []


def _as(var, ndim, name):
    """``var`` as a float32 tensor of ``ndim`` dimensions (TypeError if it
    is not one)."""
    var = T.as_tensor_variable(var)
    if var.ndim != ndim or var.dtype != 'float32':
        raise TypeError('FastStep: %s must be a float32 %d-d tensor, got '
                        '%s %d-d' % (name, ndim, var.dtype, var.ndim))
    return var


def fast_cost_updates(da, tilde_x, learning_rate):
    """The step of ``dA.get_cost_updates(..., step='fast')``: the
    tutorial's cost and its SGD updates, computed together by ``FastStep``.

    With ``y = sigmoid(tilde_x W + b)``, ``z = sigmoid(y W' + b')`` and
    the mean cross-entropy over the B rows, the gradient at the
    reconstruction's pre-activation is ``dz = (z - x) / B``, at the
    hidden one ``dy = dz W * y (1 - y)``, and W's is
    ``tilde_x^T dy + dz^T y`` (W is also ``W_prime``).

    :type da: dA
    :param da: the model (its input ``da.x`` and parameters)

    :type tilde_x: theano variable
    :param tilde_x: the corrupted minibatch

    :type learning_rate: float or symbolic scalar
    :param learning_rate: SGD step size, > 0

    :returns: (cost, updates), as ``dA.get_cost_updates``
    """
    rows, W, b, b_prime = FastStep()(da.x, tilde_x, da.W, da.b, da.b_prime,
                                     learning_rate)
    updates = [(da.W, W), (da.b, b), (da.b_prime, b_prime)]
    return T.mean(rows), updates


def fast_step_numpy(x, tilde_x, W, b, b_prime, learning_rate):
    """The step's math in float64 NumPy (the Op's Python implementation):
    the rows' costs and the new ``W``, ``b``, ``b_prime``.

    :type x: numpy.ndarray
    :param x: the clean minibatch (B x V)

    :type tilde_x: numpy.ndarray
    :param tilde_x: the corrupted minibatch (B x V)

    :type W: numpy.ndarray
    :param W: the weights (V x H)

    :type b: numpy.ndarray
    :param b: the hidden units' biases (H)

    :type b_prime: numpy.ndarray
    :param b_prime: the reconstruction's biases (V)

    :type learning_rate: float
    :param learning_rate: the SGD step size
    """
    x, tilde_x, W, b, b_prime = (numpy.asarray(v, dtype='float64') for v in
                                 (x, tilde_x, W, b, b_prime))
    y = 1 / (1 + numpy.exp(-(tilde_x.dot(W) + b)))
    a = y.dot(W.T) + b_prime
    z = 1 / (1 + numpy.exp(-a))
    rows = (numpy.log1p(numpy.exp(-numpy.abs(a))) + (1 - x) *
            numpy.maximum(a, 0) + x * numpy.maximum(-a, 0)).sum(axis=1)
    dz = (z - x) / max(len(x), 1)
    dy = dz.dot(W) * y * (1 - y)
    lr = float(learning_rate)
    return (rows, W - lr * (tilde_x.T.dot(dy) + dz.T.dot(y)),
            b - lr * dy.sum(axis=0), b_prime - lr * dz.sum(axis=0))


class FastStep(_OpBase):
    """``FastStep()(x, tilde_x, W, b, b_prime, learning_rate)`` ->
    ``(cost_rows, W, b, b_prime)``: one SGD step of the tutorial's dA on a
    minibatch, ``cost_rows`` the cross-entropy of each row before the step,
    the others the parameters after it.  Created non-destructive; a rewrite
    makes it update the parameters in place where the engine allows it (a
    step's shared variables), as for its own gemm.

    :type x: float32 matrix (B x V)
    :param x: the clean minibatch

    :type tilde_x: float32 matrix (B x V)
    :param tilde_x: the corrupted minibatch

    :type W: float32 matrix (V x H)
    :param W: the weights (also ``W_prime``, transposed)

    :type b: float32 vector (H)
    :param b: the hidden units' biases

    :type b_prime: float32 vector (V)
    :param b_prime: the reconstruction's biases

    :type learning_rate: float32 scalar
    :param learning_rate: the SGD step size

    :type threads: int
    :param threads: 0 (the default): chosen by timing the calls; else this
                    many (the result is the same)

    :type width: int
    :param width: 0 (the default): the CPU's vector (16 floats where the
                  compiler targets AVX-512, else 8); 8 or 16 to compile
                  that one's code (the result is the same; for the tests
                  and ``bench/bench_fast_step.py --widths``)
    """
    __props__ = ('inplace', 'threads', 'width')

    def __init__(self, inplace=False, threads=0, width=0):
        self.inplace = inplace
        self.threads = int(threads)
        self.width = int(width)
        if self.width not in (0, 8, 16):
            raise ValueError('FastStep: width=%r; use 0 (the CPU\'s), 8 or '
                             '16' % (width,))
        if inplace:
            self.destroy_map = {1: [2], 2: [3], 3: [4]}

    def make_node(self, x, tilde_x, W, b, b_prime, learning_rate):
        x, tilde_x, W = _as(x, 2, 'x'), _as(tilde_x, 2, 'tilde_x'), \
            _as(W, 2, 'W')
        b, b_prime = _as(b, 1, 'b'), _as(b_prime, 1, 'b_prime')
        lr = _as(T.cast(learning_rate, 'float32'), 0, 'learning_rate')
        rows = T.TensorType('float32', (x.broadcastable[0],))()
        return Apply(self, [x, tilde_x, W, b, b_prime, lr],
                     [rows, W.type(), b.type(), b_prime.type()])

    def perform(self, node, inputs, output_storage, params=None):
        results = fast_step_numpy(*inputs)
        for k, value in enumerate(results):
            value = value.astype('float32')
            if self.inplace and k > 0:     # as the C code: in place
                inputs[k + 1][...] = value
                value = inputs[k + 1]
            output_storage[k][0] = value

    def grad(self, inputs, output_grads):
        # it is the gradient step itself
        return [grad_not_implemented(self, i, v)
                for i, v in enumerate(inputs)]

    def c_headers(self, **kwargs):
        return ['<string.h>', '<stdlib.h>', '<time.h>']

    def c_support_code(self, **kwargs):
        return c_source(*_C_FILES)

    def c_support_code_struct(self, node, name):
        # the work space and the thread tuner, kept from call to call
        return 'da_work work_%s; rb_tune tune_%s;' % (name, name)

    def c_init_code_struct(self, node, name, sub):
        return ('work_%(n)s.f = NULL; work_%(n)s.i = NULL; '
                'work_%(n)s.nf = work_%(n)s.ni = 0; '
                'rb_tune_init(&tune_%(n)s, %(t)d);'
                % dict(n=name, t=self.threads))

    def c_cleanup_code_struct(self, node, name):
        return ('rb_register(&tune_%(n)s, 0); free(work_%(n)s.f); '
                'free(work_%(n)s.i);' % dict(n=name))

    def c_compile_args(self, **kwargs):
        # -fno-trapping-math: the branch-free selects become vector code;
        # every multiply-add fused (where the CPU has FMA), so that a sum's
        # bits do not depend on its block
        # (-Wno-psabi: GCC notes that 16-float vectors pass as AVX-512's
        # would, where the CPU has none)
        width = (['-DDA_VECTOR_FLOATS=%d' % self.width, '-Wno-psabi']
                 if self.width else [])
        return _openmp_flags() + ['-fno-trapping-math'] + \
            fused_multiply_adds() + wide_vectors() + width

    def c_code(self, node, name, inputs, outputs, sub):
        x, tx, W, b, bp, lr = inputs
        rows, Wo, bo, bpo = outputs
        return _C_CODE % dict(
            x=x, tx=tx, W=W, b=b, bp=bp, lr=lr, rows=rows, Wo=Wo, bo=bo,
            bpo=bpo, name=name, fail=sub['fail'], inplace=int(self.inplace),
            threads=self.threads)

    def c_code_cache_version(self):
        return (4, source_hash(c_source(*_C_FILES), _C_CODE))


# after the engine's own in-place rewrites (70)
@register_rewrite(ENGINE, 'dA_fast_step_inplace', [FastStep], 70.5,
                  'fast_run', 'inplace', inplace=True)
def fast_step_inplace(fgraph, node):
    """``FastStep()`` -> its in-place version, where the engine's destroy
    handler allows it (as for its own gemm); on one thread where the same
    function calls a BLAS (the layers below an SdA layer): after each call
    the BLAS's idle threads spin for a while, and the step's second thread
    waiting for a core made SdA's layer-1 step 16 times slower (measured,
    docs/speed.md)."""
    if not isinstance(node.op, FastStep) or node.op.inplace:
        return False
    threads = node.op.threads
    if threads == 0 and any(isinstance(n.op, BLAS_OPS)
                            for n in fgraph.apply_nodes):
        threads = 1
    return FastStep(inplace=True, threads=threads,
                    width=node.op.width).make_node(*node.inputs).outputs
