"""
 This tutorial introduces denoising auto-encoders (dA) using Theano.

 Denoising autoencoders are the building blocks for SdA.
 They are based on auto-encoders as the ones used in Bengio et al. 2007.
 An autoencoder takes an input x and first maps it to a hidden representation
 y = f_{\\theta}(x) = s(Wx+b), parameterized by \\theta={W,b}. The resulting
 latent representation y is then mapped back to a "reconstructed" vector
 z \\in [0,1]^d in input space z = g_{\\theta'}(y) = s(W'y + b').  The weight
 matrix W' can optionally be constrained such that W' = W^T, in which case
 the autoencoder is said to have tied weights. The network is trained such
 that to minimize the reconstruction error (the error between x and z).

 For the denosing autoencoder, during training, first x is corrupted into
 \\tilde{x}, where \\tilde{x} is a partially destroyed version of x by means
 of a stochastic mapping. Afterwards y is computed as before (using
 \\tilde{x}), y = s(W\\tilde{x} + b) and z as s(W'y + b'). The reconstruction
 error is now measured between z and the uncorrupted input x, which is
 computed as the cross-entropy :
      - \\sum_{k=1}^d[ x_k \\log z_k + (1-x_k) \\log( 1-z_k)]

 References :
   - P. Vincent, H. Larochelle, Y. Bengio, P.A. Manzagol: Extracting and
   Composing Robust Features with Denoising Autoencoders, ICML'08, 1096-1103,
   2008
   - Y. Bengio, P. Lamblin, D. Popovici, H. Larochelle: Greedy Layer-Wise
   Training of Deep Networks, Advances in Neural Information Processing
   Systems 19, 2007

 Run ``python dA.py`` (``--help`` lists the options) to train the tutorial's
 two models and write their filters into ``dA_plots/``.
"""
import os
import sys
import timeit

import numpy
from PIL import Image

# the engine's set-up comes first: Theano 1.0.5, or on Python 3.12 and
# later PyTensor under Theano's names (da_tutorial/engine.py)
from da_tutorial.engine import ENGINE, check_device, jax_mode
import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams

from da_tutorial import cli
from da_tutorial.ops import compile_mode, fast_step
from da_tutorial.checks import (check_dA_settings, check_int, check_number,
                                check_step, corruption_name)
from da_tutorial.files import atomic_write, load_saved_dA, save_npz
from da_tutorial.runs import Run, check_dA_data, check_dA_memory
from da_tutorial.report import report_models, save_run
from da_tutorial.training import Epochs

from logistic_sgd import load_data, train_logistic_regression
from utils import tile_raster_images


class dA(object):
    """Denoising Auto-Encoder class (dA)

    A denoising autoencoders tries to reconstruct the input from a corrupted
    version of it by projecting it first in a latent space and reprojecting
    it afterwards back in the input space. Please refer to Vincent et al.,2008
    for more details. If x is the input then equation (1) computes a partially
    destroyed version of x by means of a stochastic mapping q_D. Equation (2)
    computes the projection of the input into the latent space. Equation (3)
    computes the reconstruction of the input, while equation (4) computes the
    reconstruction error.

    .. math::

        \\tilde{x} ~ q_D(\\tilde{x}|x)                                     (1)

        y = s(W \\tilde{x} + b)                                           (2)

        x = s(W' y  + b')                                                (3)

        L(x,z) = -sum_{k=1}^d [x_k \\log z_k + (1-x_k) \\log( 1-z_k)]      (4)

    """

    def __init__(
        self,
        numpy_rng,
        theano_rng=None,
        input=None,
        n_visible=784,
        n_hidden=500,
        W=None,
        bhid=None,
        bvis=None
    ):
        """
        Initialize the dA class by specifying the number of visible units (the
        dimension d of the input ), the number of hidden units ( the dimension
        d' of the latent or hidden space ) and the corruption level. The
        constructor also receives symbolic variables for the input, weights and
        bias. Such a symbolic variables are useful when, for example the input
        is the result of some computations, or when weights are shared between
        the dA and an MLP layer. When dealing with SdAs this always happens,
        the dA on layer 2 gets as input the output of the dA on layer 1,
        and the weights of the dA are used in the second stage of training
        to construct an MLP.

        :type numpy_rng: numpy.random.RandomState
        :param numpy_rng: number random generator used to generate weights

        :type theano_rng: theano.sandbox.rng_mrg.MRG_RandomStreams
        :param theano_rng: Theano random generator (any RandomStreams); if
                     None is given one is generated based on a seed drawn
                     from `numpy_rng`

        :type input: theano.tensor.TensorType
        :param input: a symbolic description of the input or None for
                      standalone dA

        :type n_visible: int
        :param n_visible: number of visible units

        :type n_hidden: int
        :param n_hidden:  number of hidden units

        :type W: theano.tensor.TensorType
        :param W: Theano variable pointing to a set of weights that should be
                  shared belong the dA and another architecture; if dA should
                  be standalone set this to None

        :type bhid: theano.tensor.TensorType
        :param bhid: Theano variable pointing to a set of biases values (for
                     hidden units) that should be shared belong dA and another
                     architecture; if dA should be standalone set this to None

        :type bvis: theano.tensor.TensorType
        :param bvis: Theano variable pointing to a set of biases values (for
                     visible units) that should be shared belong dA and another
                     architecture; if dA should be standalone set this to None

        """
        # a GPU asked for but not started would train on the CPU unnoticed
        check_device()
        check_int('n_visible', n_visible)
        check_int('n_hidden', n_hidden)
        self.n_visible = n_visible
        self.n_hidden = n_hidden

        # create a Theano random generator that gives symbolic random values
        # (seed drawn first, then W: the tutorial's order, so runs match it)
        if theano_rng is None:
            theano_rng = RandomStreams(numpy_rng.randint(2 ** 30))

        # note : W' was written as `W_prime` and b' as `b_prime`
        if W is None:
            # W is initialized with `initial_W` which is uniformly sampled
            # from -4*sqrt(6./(n_visible+n_hidden)) and
            # 4*sqrt(6./(n_hidden+n_visible)); the output of uniform is
            # converted using asarray to dtype theano.config.floatX so
            # that the code is runnable on GPU
            initial_W = numpy.asarray(
                numpy_rng.uniform(
                    low=-4 * numpy.sqrt(6. / (n_hidden + n_visible)),
                    high=4 * numpy.sqrt(6. / (n_hidden + n_visible)),
                    size=(n_visible, n_hidden)
                ),
                dtype=theano.config.floatX
            )
            W = theano.shared(value=initial_W, name='W', borrow=True)

        if bvis is None:
            bvis = theano.shared(
                value=numpy.zeros(n_visible, dtype=theano.config.floatX),
                name='b_prime',
                borrow=True
            )

        if bhid is None:
            bhid = theano.shared(
                value=numpy.zeros(n_hidden, dtype=theano.config.floatX),
                name='b',
                borrow=True
            )

        self.W = W
        # b corresponds to the bias of the hidden
        self.b = bhid
        # b_prime corresponds to the bias of the visible
        self.b_prime = bvis
        # tied weights, therefore W_prime is W transpose
        self.W_prime = self.W.T
        self.theano_rng = theano_rng
        # if no input is given, generate a variable representing the input
        if input is None:
            # we use a matrix because we expect a minibatch of several
            # examples, each example being a row.  floatX (the tutorial had
            # dmatrix) keeps the graph float32 on a GPU.
            self.x = T.matrix(name='input')
        else:
            self.x = input

        self.params = [self.W, self.b, self.b_prime]

    def get_corrupted_input(self, input, corruption_level):
        """This function keeps ``1-corruption_level`` entries of the inputs the
        same and zero-out randomly selected subset of size ``corruption_level``
        Note : first argument of theano.rng.binomial is the shape(size) of
               random numbers that it should produce
               second argument is the number of trials
               third argument is the probability of success of any trial

                this will produce an array of 0s and 1s where 1 has a
                probability of 1 - ``corruption_level`` and 0 with
                ``corruption_level``

                The binomial function return int64 data type by
                default.  int64 multiplicated by the input
                type(floatX) always return float64.  To keep all data
                in floatX when floatX is float32, we set the dtype of
                the binomial to floatX. As in our case the value of
                the binomial is always 0 or 1, this don't change the
                result. This is needed to allow the gpu to work
                correctly as it only support float32 for now.

        :type input: theano.tensor.TensorType
        :param input: the clean minibatch

        :type corruption_level: float or symbolic scalar
        :param corruption_level: probability, in [0, 1], of zeroing an entry
        """
        if not isinstance(corruption_level, theano.Variable):
            check_number('corruption_level', corruption_level, 0, 1)
            if corruption_level == 0:
                # A mask of ones changes nothing: skip sampling it (a
                # quarter of a CPU training step), same result exactly.
                # No random state is drawn from theano_rng then.
                return input
        return self.theano_rng.binomial(size=input.shape, n=1,
                                        p=1 - corruption_level,
                                        dtype=theano.config.floatX) * input

    def get_hidden_values(self, input):
        """ Computes the values of the hidden layer """
        return T.nnet.sigmoid(T.dot(input, self.W) + self.b)

    def get_reconstructed_input(self, hidden):
        """Computes the reconstructed input given the values of the
        hidden layer

        """
        return T.nnet.sigmoid(T.dot(hidden, self.W_prime) + self.b_prime)

    def get_cost_updates(self, corruption_level, learning_rate,
                         step='tutorial', exact=None):
        """ This function computes the cost and the updates for one trainng
        step of the dA

        :type corruption_level: float or symbolic scalar
        :param corruption_level: fraction of inputs zeroed, in [0, 1]

        :type learning_rate: float or symbolic scalar
        :param learning_rate: SGD step size, > 0

        :type step: str
        :param step: 'tutorial' (the default): the gradient is ``T.grad`` of
                     the cost, as the tutorial computes it.  'fast': the
                     opt-in fast step, the same SGD step in one C kernel
                     (da_tutorial/ops/fast_step.py): faster on a CPU, the last
                     bits differ; float32 CPU graphs compiled to C only,
                     elsewhere the tutorial's step is built

        :type exact: bool or None
        :param exact: the old spelling of ``step``: True is 'tutorial',
                      False is 'fast'

        :returns: (cost, updates): the minibatch's mean cross-entropy and
                  the SGD updates of ``self.params``
        """
        step = check_step(step, exact)
        if not isinstance(learning_rate, theano.Variable):
            check_number('learning_rate', learning_rate, 0, numpy.inf,
                          low_open=True)

        tilde_x = self.get_corrupted_input(self.x, corruption_level)
        if step == 'fast' and fast_step.applies(self.x, tilde_x,
                                                *self.params):
            return fast_step.fast_cost_updates(self, tilde_x, learning_rate)
        y = self.get_hidden_values(tilde_x)
        z = self.get_reconstructed_input(y)
        # note : we sum over the size of a datapoint; if we are using
        #        minibatches, L will be a vector, with one entry per
        #        example in minibatch
        L = - T.sum(self.x * T.log(z) + (1 - self.x) * T.log(1 - z), axis=1)
        # note : L is now a vector, where each element is the
        #        cross-entropy cost of the reconstruction of the
        #        corresponding example of the minibatch. We need to
        #        compute the average of all these to get the cost of
        #        the minibatch
        cost = T.mean(L)

        # compute the gradients of the cost of the `dA` with respect
        # to its parameters
        gparams = T.grad(cost, self.params)
        # generate the list of updates
        updates = [
            (param, param - learning_rate * gparam)
            for param, gparam in zip(self.params, gparams)
        ]

        return (cost, updates)

    def save(self, path):
        """Write W, b, b_prime and the shapes to an ``.npz`` file (no
        pickle), under a temporary name, then renamed: ``path`` is never
        half written.

        :type path: str
        :param path: the file to write (``.npz`` is not added)
        """
        save_npz(path, {'W': self.W.get_value(), 'b': self.b.get_value(),
                        'b_prime': self.b_prime.get_value(),
                        'n_visible': self.n_visible,
                        'n_hidden': self.n_hidden})

    @classmethod
    def load(cls, path, input=None, numpy_rng=None, theano_rng=None):
        """Return a dA with exactly the parameters ``save`` wrote.

        :type path: str
        :param path: an ``.npz`` written by ``dA.save``

        :type input: theano.tensor.TensorType
        :param input: symbolic input, as for the constructor

        :type numpy_rng: numpy.random.RandomState or None
        :param numpy_rng: seeds the corruption noise when ``theano_rng`` is
                          None (RandomState(123) when None too)

        :type theano_rng: RandomStreams or None
        :param theano_rng: as for the constructor

        :raises UserError: naming the file and what is wrong with it
        """
        arrays = load_saved_dA(path)   # checked: shapes, finite values

        def shared(name):
            return theano.shared(numpy.asarray(arrays[name],
                                               dtype=theano.config.floatX),
                                 name=name, borrow=True)
        return cls(numpy_rng or numpy.random.RandomState(123),
                   theano_rng=theano_rng, input=input,
                   n_visible=arrays['W'].shape[0],
                   n_hidden=arrays['W'].shape[1], W=shared('W'),
                   bhid=shared('b'), bvis=shared('b_prime'))


def build_train_function(train_set_x, corruption_level=0.,
                         learning_rate=0.1, batch_size=20, n_hidden=500,
                         seed=123, step='tutorial', mode=None, exact=None,
                         fast=None):
    """Build one dA and compile its SGD step, as the tutorial does.

    Seeds in the tutorial's order (RandomState(seed), then the RandomStreams
    seed, then W), so training reproduces the tutorial's numbers.

    :type train_set_x: theano shared variable
    :param train_set_x: training images, one per row, values in [0, 1]

    :type step: str
    :param step: 'tutorial' or 'fast', as for ``dA.get_cost_updates``

    :type mode: theano Mode, str or None
    :param mode: None: ``compile_mode.fast_mode()``, the engine's C back end
                 with the project's kernels (the same weights, bit for bit);
                 any other mode is passed to ``theano.function``

    :type exact: bool or None
    :param exact: the old spelling of ``step`` (False: 'fast')

    :type fast: bool or None
    :param fast: the old spelling of ``mode`` (False: the engine's default)

    The other parameters are ``test_dA``'s (``seed`` seeds W and the noise).

    :returns: (the dA, ``train_da(batch_index) -> cost``, minibatches per
              epoch; a last partial minibatch is skipped)
    """
    step = check_step(step, exact)
    if mode is None:
        mode = theano.compile.mode.get_default_mode() if fast is False \
            else compile_mode.fast_mode()
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    # allocate symbolic variables for the data
    index = T.lscalar()    # index to a [mini]batch
    x = T.matrix('x')  # the data is presented as rasterized images

    rng = numpy.random.RandomState(seed)
    theano_rng = RandomStreams(rng.randint(2 ** 30))

    da = dA(numpy_rng=rng, theano_rng=theano_rng, input=x,
            n_visible=train_set_x.get_value(borrow=True).shape[1],
            n_hidden=n_hidden)

    cost, updates = da.get_cost_updates(
        corruption_level=corruption_level, learning_rate=learning_rate,
        step=step if compile_mode.compiles_to_c(mode) else 'tutorial')
    if jax_mode(mode):
        # PyTensor hands JAX the whole shared data set at every call (60
        # times slower): there the minibatch is the function's input
        data = train_set_x.get_value(borrow=True)
        step_fn = theano.function([x], cost, updates=updates, mode=mode)

        def train_da(index):
            return step_fn(data[index * batch_size: (index + 1) * batch_size])
        return da, train_da, n_train_batches

    train_da = theano.function(
        [index], cost, updates=updates,
        givens={x: train_set_x[index * batch_size: (index + 1) * batch_size]},
        mode=mode)
    return da, train_da, n_train_batches


def save_filters(da, path):
    """Save the first 100 filters of ``da`` (rows of W.T) as the tutorial
    does, written to a temporary name and renamed.

    :type da: dA
    :param da: a dA with 28x28 inputs

    :type path: str
    :param path: the ``.png`` file to write
    """
    image = Image.fromarray(
        tile_raster_images(X=da.W.get_value(borrow=True).T,
                           img_shape=(28, 28), tile_shape=(10, 10),
                           tile_spacing=(1, 1)))
    with atomic_write(path) as f:
        image.save(f, format='PNG')


# the files a run of test_dA writes (a fresh run replaces an old set)
OUTPUTS = ('dA_corruption_*.npz', 'filters_corruption_*.png',
           'reconstructions.png', 'cost_curves.png')


def test_dA(learning_rate=0.1, training_epochs=15,
            dataset='mnist.pkl.gz',
            batch_size=20, output_folder='dA_plots',
            n_hidden=500, corruption_levels=(0., 0.3), seed=123,
            filters_every=0, step='tutorial', resume=False, exact=None):
    """
    This demo is tested on MNIST

    :type learning_rate: float
    :param learning_rate: learning rate used for training the DeNosing
                          AutoEncoder

    :type training_epochs: int
    :param training_epochs: number of epochs used for training

    :type dataset: string
    :param dataset: path to the picked dataset

    The others: ``batch_size`` (examples per minibatch), ``output_folder``
    (where the outputs go), ``n_hidden`` (hidden units), ``corruption_levels``
    (one model per level, in order), ``seed`` (NumPy seed, reset before
    each model, as the tutorial does), ``filters_every`` (also save the
    filters every this many epochs; 0: only at the end), ``step``
    ('tutorial', or 'fast': the opt-in fast step, ``dA.get_cost_updates``;
    ``exact`` is its old spelling), ``resume`` (go on from the checkpoint
    an interrupted run left in ``output_folder``, to the numbers of a run
    never stopped).

    Writes each model's parameters (``dA.save``) and filters
    (``filters_corruption_<percent>.png``) and, through
    ``da_tutorial.report``, ``reconstructions.png`` and ``cost_curves.png``
    into ``output_folder``, and ``metrics.json`` last.  While it trains,
    ``checkpoint.npz`` is written after every epoch and on Ctrl-C or
    SIGTERM (``da_tutorial.runs``).

    :returns: dict mapping each corruption level to its per-epoch costs
    """
    step = check_step(step, exact)
    settings = dict(learning_rate=learning_rate, dataset=dataset,
                    training_epochs=training_epochs, batch_size=batch_size,
                    n_hidden=n_hidden, seed=seed, filters_every=filters_every,
                    step=step, corruption_levels=list(corruption_levels))
    # everything that can be wrong is checked before the data loads; the
    # folder must be free, and an interrupted run there resumed or kept
    check_dA_settings(floatX=theano.config.floatX, **settings)
    check_dA_memory(28 * 28, n_hidden, len(corruption_levels),
                    theano.config.floatX)
    run = Run(output_folder, 'dA.py', dict(
        settings, engine=ENGINE, floatX=theano.config.floatX), resume, OUTPUTS)
    datasets = load_data(dataset)
    train_set_x, train_set_y = datasets[0]
    check_dA_data(run, train_set_x, batch_size, n_hidden,
                  len(corruption_levels))

    runs, models = [], []
    with run:      # the folder is made and held only now
        for level in corruption_levels:
            name = corruption_name(level)
            with run.stage('corruption ' + name,
                           'corruption %s %%' % name) as stage:
                da, train_da, n_train_batches = build_train_function(
                    train_set_x, level, learning_rate, batch_size, n_hidden,
                    seed, step)
                stage.track([da.W, da.b, da.b_prime] + [
                    update[0] for update in da.theano_rng.state_updates])
                start_time = timeit.default_timer()

                ############
                # TRAINING #
                ############

                # go through training epochs (da_tutorial.training.Epochs
                # adds the progress, the checkpoint, the divergence check)
                loop = Epochs(training_epochs, n_train_batches, stage,
                              batch_size, 'dA, corruption %s %%' % name,
                              'corruption %g, learning rate %g'
                              % (level, learning_rate))
                for epoch in loop:
                    # go through trainng set
                    c = loop.costs
                    for batch_index in loop.minibatches():
                        c.append(train_da(batch_index))

                    print('Training epoch %d, cost ' % epoch, numpy.mean(c))
                    if filters_every and (epoch + 1) % filters_every == 0:
                        save_filters(da, os.path.join(
                            output_folder, 'filters_corruption_%s_epoch_%d'
                            '.png' % (name, epoch + 1)))

                end_time = timeit.default_timer()

                training_time = (end_time - start_time)

                which = 'no corruption' if level == 0 else \
                    '%s%% corruption' % name
                print('The %s code for file %s ran for %.2fm'
                      % (which, os.path.split(__file__)[1],
                         training_time / 60.), file=sys.stderr)
            # the model before its picture: a full disk loses no training
            runs.append(save_run(da, level, loop.epoch_costs,
                                 loop.epoch_seconds, output_folder))
            save_filters(da, os.path.join(
                output_folder, 'filters_corruption_%s.png' % name))
            models.append(da)
        files = run.finish(report_models(models, runs, datasets[2],
                                         settings, output_folder))
    print('results in %s: %s' % (output_folder, ', '.join(files)),
          file=sys.stderr)
    return {r['corruption_level']: r['epoch_costs'] for r in runs}


# pytest collects any test_* function a test module imports; this is a demo.
test_dA.__test__ = False


def main(argv=None):
    """``python dA.py``: ``test_dA`` with the tutorial's settings, changed
    by the command line (``--help``: each option, its default and range),
    or ``--probe`` (``da_tutorial.cli``)."""
    cli.dA_main(argv, test_dA, dA.load, load_data, train_logistic_regression)


if __name__ == '__main__':
    main()
