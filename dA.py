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
import argparse
import json
import os
import sys
import tempfile
import timeit
import zipfile

import numpy
from PIL import Image
from tqdm import tqdm

from backend import (DEVICE, ENGINE, FLOATX_HELP, DeviceError, RandomStreams,
                     T, Variable, blas_ldflags, check_device, jax_mode,
                     script_floatx, sigmoid, theano)

import fast_ops
from logistic_sgd import load_data, train_logistic_regression
from utils import (atomic_write, check_int, check_number, plot_cost_curves,
                   plot_image_rows, tile_raster_images)


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
        if not isinstance(corruption_level, Variable):
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
        return sigmoid(T.dot(input, self.W) + self.b)

    def get_reconstructed_input(self, hidden):
        """Computes the reconstructed input given the values of the
        hidden layer

        """
        return sigmoid(T.dot(hidden, self.W_prime) + self.b_prime)

    def get_cost_updates(self, corruption_level, learning_rate):
        """ This function computes the cost and the updates for one trainng
        step of the dA

        :type corruption_level: float or symbolic scalar
        :param corruption_level: fraction of inputs zeroed, in [0, 1]

        :type learning_rate: float or symbolic scalar
        :param learning_rate: SGD step size, > 0

        :returns: (cost, updates): the minibatch's mean cross-entropy and
                  the SGD updates of ``self.params``
        """
        if not isinstance(learning_rate, Variable):
            check_number('learning_rate', learning_rate, 0, numpy.inf,
                          low_open=True)

        tilde_x = self.get_corrupted_input(self.x, corruption_level)
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
        """Write W, b, b_prime and the shapes to an ``.npz`` file (no pickle).

        Written to a temporary name and renamed: never left half written.

        :type path: str
        :param path: the file to write (``.npz`` is not added)
        """
        with atomic_write(path) as f:
            numpy.savez(f, W=self.W.get_value(), b=self.b.get_value(),
                        b_prime=self.b_prime.get_value(),
                        n_visible=self.n_visible, n_hidden=self.n_hidden)

    @classmethod
    def load(cls, path, input=None, numpy_rng=None, theano_rng=None):
        """Return a dA with exactly the parameters saved by ``save``.

        :type path: str
        :param path: an ``.npz`` written by ``dA.save``

        :type input: theano.tensor.TensorType
        :param input: symbolic input, as for the constructor

        :type numpy_rng: numpy.random.RandomState or None
        :param numpy_rng: seeds the corruption noise when ``theano_rng`` is
                          None (RandomState(123) when None too)

        :type theano_rng: RandomStreams or None
        :param theano_rng: as for the constructor

        :raises ValueError: naming the file and what is wrong with it
        """
        try:
            with numpy.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in ('W', 'b', 'b_prime',
                                            'n_visible', 'n_hidden')}
        except KeyError as e:
            raise ValueError('%s is not a saved dA: no %s in it'
                             % (path, e)) from None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise ValueError('cannot read saved dA %s: %s: %s (truncated or '
                             'not an .npz written by dA.save?)'
                             % (path, type(e).__name__, e)) from e
        n_visible, n_hidden = int(arrays['n_visible']), int(arrays['n_hidden'])
        expected = {'W': (n_visible, n_hidden), 'b': (n_hidden,),
                    'b_prime': (n_visible,)}
        for name, shape in expected.items():
            value = arrays[name]
            if value.shape != shape or value.dtype.kind != 'f' or \
                    not numpy.all(numpy.isfinite(value)):
                raise ValueError('%s: %s must be finite floats of shape %s, '
                                 'got %s %s' % (path, name, shape,
                                                value.dtype, value.shape))

        def shared(name):
            return theano.shared(numpy.asarray(arrays[name],
                                               dtype=theano.config.floatX),
                                 name=name, borrow=True)
        if numpy_rng is None:
            numpy_rng = numpy.random.RandomState(123)
        return cls(numpy_rng, theano_rng=theano_rng, input=input,
                   n_visible=n_visible, n_hidden=n_hidden, W=shared('W'),
                   bhid=shared('b'), bvis=shared('b_prime'))


def corruption_name(corruption_level):
    """Return the percent used in file names: 0.3 -> '30'."""
    return '%d' % round(100 * corruption_level)


def check_output_folder(output_folder):
    """Create ``output_folder`` if needed and make sure files can be written.

    :raises ValueError: naming the folder and the reason
    """
    try:
        os.makedirs(output_folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_folder):
            pass
    except OSError as e:
        raise ValueError('output folder %r is not writable: %s; choose '
                         'another with --output-folder' % (output_folder, e))


def save_filters(da, path, tile_shape=(10, 10)):
    """Save the first filters of ``da`` (rows of W.T) as one tiled picture.

    Written to a temporary name and renamed, so ``path`` is never partial.

    :type da: dA
    :param da: a dA with 28x28 inputs

    :type path: str
    :param path: the ``.png`` file to write
    """
    image = Image.fromarray(tile_raster_images(
        X=da.W.get_value(borrow=True).T,
        img_shape=(28, 28), tile_shape=tile_shape,
        tile_spacing=(1, 1)))
    with atomic_write(path) as f:
        image.save(f, format='PNG')


def train_epochs(train_fn, n_batches, epochs, report, context='',
                 batch_size=1):
    """Run ``epochs`` passes of ``train_fn`` over minibatches 0..n_batches-1.

    The one training loop of the project: dA.py and SdA.py's pretraining
    both go through it.  On a terminal, a progress bar on stderr shows the
    minibatches done, examples per second and the time left in the epoch;
    in a pipe or a log file only ``report``'s lines appear.

    :type train_fn: callable
    :param train_fn: ``train_fn(batch_index)`` does one SGD step and returns
                     the minibatch cost

    :type n_batches: int
    :param n_batches: minibatches per epoch

    :type epochs: int
    :param epochs: passes over the training set

    :type report: callable
    :param report: ``report(epoch, mean_cost)``, called after each epoch

    :type context: str
    :param context: settings named in the error if training diverges

    :type batch_size: int
    :param batch_size: examples per minibatch, for the progress bar's rate

    :returns: (list of the mean cost of each epoch, list of its seconds)
    :raises FloatingPointError: naming the epoch and minibatch where a cost
                                was not finite
    """
    show_bar = sys.stderr.isatty()
    epoch_costs, epoch_seconds = [], []
    # Theano converts a Python int argument on every call; a ready 0-d
    # int64 array takes its fast path (about 0.1 ms of a 1.5 ms step).
    indices = [numpy.asarray(i, dtype='int64') for i in range(n_batches)]
    # go through training epochs
    for epoch in range(epochs):
        start = timeit.default_timer()
        bar = tqdm(total=n_batches * batch_size, unit='ex', leave=False,
                   disable=not show_bar, desc='epoch %d' % epoch)
        # go through training set
        c = []
        for batch_index in range(n_batches):
            c.append(train_fn(indices[batch_index]))
            bar.update(batch_size)
            if not numpy.isfinite(c[-1]):
                bar.close()
                raise FloatingPointError(
                    'training diverged (%s): cost %s at epoch %d, minibatch '
                    '%d; try a smaller learning rate'
                    % (context, c[-1], epoch, batch_index))
        bar.close()
        epoch_costs.append(numpy.mean(c))
        epoch_seconds.append(timeit.default_timer() - start)
        report(epoch, epoch_costs[-1])
    return epoch_costs, epoch_seconds


def build_train_function(train_set_x, corruption_level=0.,
                         learning_rate=0.1, batch_size=20, n_hidden=500,
                         seed=123, fast=True):
    """Build one dA and compile its SGD step, as the tutorial does.

    Seeds in the tutorial's order (RandomState(seed), then the RandomStreams
    seed, then W), so training reproduces the tutorial's numbers.  The graph
    is the tutorial's; ``fast_ops.fast_mode()`` picks the mode (on PyTensor
    its C back end, unless the user chose one) and swaps in two faster
    kernels: the same random numbers, and a vectorised kernel for the cost
    that is returned.  The weights are bit for bit those of the engine's
    compilation without them; each returned cost is within a few float32
    units in the last place of the engine's own
    (``optimizer_excluding=dA_fast`` in the engine's flags gives those,
    exactly).  In PyTensor's JAX mode the minibatch is the compiled
    function's input, cut here (JAX cannot slice at a symbolic index).

    :type train_set_x: theano shared variable
    :param train_set_x: training images, one per row, values in [0, 1]

    :type corruption_level: float
    :param corruption_level: fraction of inputs zeroed, in [0, 1]

    :type learning_rate: float
    :param learning_rate: SGD step size

    :type batch_size: int
    :param batch_size: examples per minibatch

    :type n_hidden: int
    :param n_hidden: hidden units

    :type seed: int
    :param seed: seed of the NumPy generator behind W and the noise

    :type fast: bool
    :param fast: compile with ``fast_ops.fast_mode()`` (same weights, the
                 cost from a vectorised kernel); False: the engine's default
                 mode

    :returns: (the dA, ``train_da(batch_index) -> cost``, minibatches per
              epoch; a last partial minibatch is skipped)
    """
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    # allocate symbolic variables for the data
    index = T.lscalar()    # index to a [mini]batch
    x = T.matrix('x')  # the data is presented as rasterized images

    rng = numpy.random.RandomState(seed)
    theano_rng = RandomStreams(rng.randint(2 ** 30))

    da = dA(
        numpy_rng=rng,
        theano_rng=theano_rng,
        input=x,
        n_visible=train_set_x.get_value(borrow=True).shape[1],
        n_hidden=n_hidden
    )

    cost, updates = da.get_cost_updates(
        corruption_level=corruption_level,
        learning_rate=learning_rate
    )

    mode = fast_ops.fast_mode() if fast else None
    if jax_mode(mode):
        # JAX cannot slice the data set at a symbolic index: the minibatch
        # itself is the input, cut here (same steps, same numbers)
        data = train_set_x.get_value(borrow=True)
        step = theano.function([x], cost, updates=updates, mode=mode)

        def train_da(index):
            return step(data[index * batch_size: (index + 1) * batch_size])
        return da, train_da, n_train_batches

    train_da = theano.function(
        [index],
        cost,
        updates=updates,
        givens={
            x: train_set_x[index * batch_size: (index + 1) * batch_size]
        },
        mode=mode
    )
    return da, train_da, n_train_batches


def train_dA(train_set_x, corruption_level=0., learning_rate=0.1,
             training_epochs=15, batch_size=20, n_hidden=500, seed=123,
             on_epoch=None):
    """Build and train one dA at one corruption level, as the tutorial does.

    Prints ``Training epoch N, cost C`` per epoch and the run time on stderr.
    The arguments are those of ``build_train_function``, plus:

    :type training_epochs: int
    :param training_epochs: passes over the training set

    :type on_epoch: callable or None
    :param on_epoch: ``on_epoch(epoch, da)`` after each epoch's line

    :returns: (the trained dA, list of the mean cost of each epoch, list of
              the seconds each epoch took)
    :raises FloatingPointError: when a minibatch cost is not finite
    """
    da, train_da, n_train_batches = build_train_function(
        train_set_x, corruption_level, learning_rate, batch_size, n_hidden,
        seed)

    def report(epoch, c):
        print('Training epoch %d, cost ' % epoch, c)
        if on_epoch is not None:
            on_epoch(epoch, da)

    start_time = timeit.default_timer()

    ############
    # TRAINING #
    ############
    epoch_costs, epoch_seconds = train_epochs(
        train_da, n_train_batches, training_epochs, report,
        context='corruption %g, learning rate %g' % (corruption_level,
                                                     learning_rate),
        batch_size=batch_size)

    end_time = timeit.default_timer()

    training_time = (end_time - start_time)

    which = ('no corruption' if corruption_level == 0 else
             '%s%% corruption' % corruption_name(corruption_level))
    print('The %s code for file ' % which + os.path.split(__file__)[1] +
          ' ran for %.2fm' % (training_time / 60.), file=sys.stderr)
    return da, epoch_costs, epoch_seconds


def check_hyperparameters(learning_rate, training_epochs, batch_size,
                          n_hidden, corruption_levels):
    """Raise ValueError, naming the value and its range, for a bad one."""
    check_number('learning_rate', learning_rate, 0, numpy.inf,
                  low_open=True)
    check_int('training_epochs', training_epochs)
    check_int('batch_size', batch_size)
    check_int('n_hidden', n_hidden)
    if len(corruption_levels) == 0:
        raise ValueError('corruption_levels must name at least one level')
    for level in corruption_levels:
        check_number('corruption level', level, 0, 1)
    names = [corruption_name(level) for level in corruption_levels]
    if len(set(names)) != len(names):
        raise ValueError('corruption levels %r give the same file name '
                         'twice (whole percents are used)'
                         % (list(corruption_levels),))


def test_dA(learning_rate=0.1, training_epochs=15,
            dataset='mnist.pkl.gz',
            batch_size=20, output_folder='dA_plots',
            n_hidden=500, corruption_levels=(0., 0.3), seed=123,
            filters_every=0):
    """
    This demo is tested on MNIST

    :type learning_rate: float
    :param learning_rate: learning rate used for training the DeNosing
                          AutoEncoder

    :type training_epochs: int
    :param training_epochs: number of epochs used for training

    :type dataset: string
    :param dataset: path to the picked dataset

    :type batch_size: int
    :param batch_size: examples per minibatch

    :type output_folder: str
    :param output_folder: where filters_corruption_<percent>.png are written

    :type n_hidden: int
    :param n_hidden: hidden units of each dA

    :type corruption_levels: sequence of float
    :param corruption_levels: one model is trained per level, in order

    :type seed: int
    :param seed: NumPy seed, reset before each model (as the tutorial does)

    :type filters_every: int
    :param filters_every: also save the filters every this many epochs
                          (0: only at the end)

    Besides the filters, writes into output_folder: each model
    (``dA_corruption_<percent>.npz``), ``reconstructions.png``,
    ``cost_curves.png`` and ``metrics.json`` (see README.md).

    :returns: dict mapping each corruption level to its per-epoch costs
    """
    # everything that can be wrong is checked before minutes of training
    check_hyperparameters(learning_rate, training_epochs, batch_size,
                          n_hidden, corruption_levels)
    check_int('filters_every', filters_every, low=0)
    check_output_folder(output_folder)
    datasets = load_data(dataset)
    train_set_x, train_set_y = datasets[0]
    n_train = train_set_x.get_value(borrow=True).shape[0]
    if batch_size > n_train:
        raise ValueError('batch_size %d is larger than the training set (%d '
                         'examples); use at most %d'
                         % (batch_size, n_train, n_train))

    runs, models = [], []
    for level in corruption_levels:
        name = corruption_name(level)

        def on_epoch(epoch, da, name=name):
            if filters_every and (epoch + 1) % filters_every == 0:
                save_filters(da, os.path.join(
                    output_folder, 'filters_corruption_%s_epoch_%d.png'
                    % (name, epoch + 1)))

        da, epoch_costs, epoch_seconds = train_dA(
            train_set_x, corruption_level=level, learning_rate=learning_rate,
            training_epochs=training_epochs, batch_size=batch_size,
            n_hidden=n_hidden, seed=seed, on_epoch=on_epoch)
        save_filters(da, os.path.join(
            output_folder, 'filters_corruption_%s.png' % name))
        da.save(os.path.join(output_folder, 'dA_corruption_%s.npz' % name))
        models.append(da)
        runs.append({'corruption_level': level,
                     'epoch_costs': [float(c) for c in epoch_costs],
                     'epoch_seconds': epoch_seconds,
                     'model': 'dA_corruption_%s.npz' % name})

    settings = {
        'learning_rate': learning_rate, 'training_epochs': training_epochs,
        'dataset': dataset, 'batch_size': batch_size, 'n_hidden': n_hidden,
        'corruption_levels': list(corruption_levels), 'seed': seed,
        'filters_every': filters_every}
    report_models(models, runs, datasets[2], settings, output_folder)
    return {r['corruption_level']: r['epoch_costs'] for r in runs}


def report_models(models, runs, test_set, settings, output_folder):
    """Show what the trained models learnt: reconstructions.png,
    cost_curves.png, and metrics.json with their test-set costs.

    :type models: list of dA
    :param models: the trained models, one per corruption level

    :type runs: list of dict
    :param runs: per model: corruption_level, epoch_costs, epoch_seconds,
                 model (file name); test costs are added

    :type test_set: pair of theano variables
    :param test_set: (test_set_x, test_set_y) as load_data returns them

    :type settings: dict
    :param settings: test_dA's settings, recorded in metrics.json

    :type output_folder: str
    :param output_folder: where the files go
    """
    levels = [r['corruption_level'] for r in runs]
    # the digits are shown corrupted at the highest level trained (30 %
    # when only 0 % was), with one fixed mask for every model
    shown = max(levels) or 0.3
    x = test_set[0].get_value(borrow=True)
    mask = numpy.random.RandomState(settings['seed']).uniform(
        size=x.shape) >= shown
    noisy = (x * mask).astype(x.dtype)
    for run, da in zip(runs, models):
        run['test_reconstruction_cost'] = reconstruction_cost(da, x, x)
        run['test_denoising_cost'] = reconstruction_cost(da, noisy, x)

    labels = test_set[1].eval()
    # the first test image of each digit, 0 to 9 (or the first ten)
    picks = [int(numpy.flatnonzero(labels == d)[0]) for d in range(10)
             if (labels == d).any()] or list(range(min(10, len(x))))
    rows = [x[picks], noisy[picks]] + [reconstruct(da, noisy[picks])
                                       for da in models]
    row_labels = ['clean test digits', 'corrupted %g %%' % (100 * shown)] + \
        ['rebuilt by the %g %% dA' % (100 * lv) for lv in levels]
    plot_image_rows(rows, row_labels,
                    os.path.join(output_folder, 'reconstructions.png'))
    plot_cost_curves({r['corruption_level']: r['epoch_costs'] for r in runs},
                     os.path.join(output_folder, 'cost_curves.png'))
    write_metrics({'settings': dict(settings, shown_corruption=shown),
                   'versions': versions(), 'runs': runs}, output_folder)


def reconstruct(da, images):
    """Return the dA's reconstruction of ``images`` (no corruption added).

    :type da: dA
    :param da: a trained dA

    :type images: numpy.ndarray
    :param images: one flattened image per row
    """
    x = T.matrix('x')
    f = theano.function([x], da.get_reconstructed_input(
        da.get_hidden_values(x)))
    return f(numpy.asarray(images, dtype=theano.config.floatX))


def reconstruction_cost(da, inputs, targets):
    """Mean cross-entropy of rebuilding ``targets`` from ``inputs``."""
    z = reconstruct(da, inputs).astype('float64')
    t = numpy.asarray(targets, dtype='float64')
    eps = 1e-7   # float32 sigmoids can round to exactly 0 or 1
    z = numpy.clip(z, eps, 1 - eps)
    return float(numpy.mean(-numpy.sum(t * numpy.log(z)
                                       + (1 - t) * numpy.log(1 - z), axis=1)))


def versions():
    """The versions and Theano settings a run used, for metrics.json."""
    import platform
    return {'python': platform.python_version(), 'numpy': numpy.__version__,
            'theano': theano.__version__,   # the engine's version
            'blas_ldflags': blas_ldflags(), 'engine': ENGINE,
            'floatX': theano.config.floatX, 'device': DEVICE}


def write_metrics(run_data, output_folder):
    """Write ``run_data`` as output_folder/metrics.json, atomically."""
    with atomic_write(os.path.join(output_folder, 'metrics.json')) as f:
        f.write((json.dumps(run_data, indent=2) + '\n').encode())


def probe(output_folder='dA_plots', dataset='mnist.pkl.gz',
          learning_rate=0.13, n_epochs=1000, batch_size=600):
    """Linear probe: how useful is each saved dA's code for classifying?

    Trains the tutorial's LogisticRegression (SGD, early stopping, its
    settings) on raw pixels and on the hidden activations of each dA that
    ``test_dA`` saved in ``output_folder``; prints a table of validation and
    test errors and adds it to metrics.json as ``probe``.

    :type output_folder: str
    :param output_folder: where ``test_dA`` wrote metrics.json and models

    :type dataset: str
    :param dataset: the data set the dAs were trained on

    :type learning_rate: float
    :param learning_rate: the classifier's SGD step (the tutorial's 0.13)

    :type n_epochs: int
    :param n_epochs: most epochs; early stopping usually ends sooner

    :type batch_size: int
    :param batch_size: the classifier's minibatch (the tutorial's 600)

    :returns: list of dicts with features, validation_error, test_error,
              epochs
    """
    path = os.path.join(output_folder, 'metrics.json')
    try:
        with open(path) as f:
            run_data = json.load(f)
        models = [(r['corruption_level'], os.path.join(output_folder,
                                                       r['model']))
                  for r in run_data['runs']]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError('no trained models to probe in %s (%s); run '
                         'python dA.py --output-folder %s first'
                         % (output_folder, e, output_folder)) from None
    x = T.matrix('x')
    encoders = [('raw pixels', None)] + [
        ('%g %% dA code' % (100 * level), dA.load(model, input=x))
        for level, model in models]
    datasets = load_data(dataset)
    table = []
    for label, da in encoders:
        print('... probing %s' % label)
        if da is None:
            features, n_in = datasets, 28 * 28
        else:
            encode = theano.function([x], da.get_hidden_values(x))
            features = [(theano.shared(encode(sx.get_value(borrow=True)),
                                       borrow=True), sy)
                        for sx, sy in datasets]
            n_in = da.n_hidden
        valid, test, epochs = train_logistic_regression(
            features, n_in, learning_rate, n_epochs, batch_size,
            model_path=None)
        table.append({'features': label, 'validation_error': float(valid),
                      'test_error': float(test), 'epochs': int(epochs)})
    print('%-16s %17s %11s %7s' % ('features', 'validation error',
                                   'test error', 'epochs'))
    for row in table:
        print('%-16s %15.4f %% %9.4f %% %7d' % (
            row['features'], 100 * row['validation_error'],
            100 * row['test_error'], row['epochs']))
    run_data['probe'] = table
    write_metrics(run_data, output_folder)
    return table


# pytest collects any test_* function a test module imports; this is a demo.
test_dA.__test__ = False


def main(argv=None):
    """Parse the command line and run ``test_dA`` (defaults: the tutorial's),
    in float32 unless the user set floatX (``backend.script_floatx``).
    """
    parser = argparse.ArgumentParser(
        description='Train the tutorial\'s denoising autoencoders on MNIST '
                    'and save their filters, models, pictures and metrics.',
        epilog=FLOATX_HELP)
    parser.add_argument('--epochs', type=int, default=15,
                        help='training epochs per model (default 15)')
    parser.add_argument('--learning-rate', type=float, default=0.1,
                        help='SGD learning rate (default 0.1)')
    parser.add_argument('--batch-size', type=int, default=20,
                        help='examples per minibatch (default 20)')
    parser.add_argument('--n-hidden', type=int, default=500,
                        help='hidden units (default 500)')
    parser.add_argument('--corruption-levels', type=float, nargs='+',
                        default=[0., 0.3], metavar='LEVEL',
                        help='one model per level, each in [0, 1] '
                             '(default 0 0.3)')
    parser.add_argument('--dataset', default='mnist.pkl.gz',
                        help='data file, or a bare name looked for in data/ '
                             'and $DA_DATA_DIR (default mnist.pkl.gz)')
    parser.add_argument('--output-folder', default='dA_plots',
                        help='where the PNGs go (default dA_plots)')
    parser.add_argument('--seed', type=int, default=123,
                        help='NumPy seed behind W and the noise (default 123)')
    parser.add_argument('--filters-every', type=int, default=0, metavar='N',
                        help='also save the filters every N epochs '
                             '(default 0: only at the end)')
    parser.add_argument('--probe', action='store_true',
                        help='do not train: fit the tutorial\'s logistic '
                             'regression on raw pixels and on the code of '
                             'each dA saved in the output folder, and '
                             'print the errors')
    args = parser.parse_args(argv)
    try:
        check_device()    # before any output: a GPU asked for must start
        with script_floatx():
            if args.probe:
                probe(args.output_folder, args.dataset)
                return
            test_dA(learning_rate=args.learning_rate,
                    training_epochs=args.epochs, dataset=args.dataset,
                    batch_size=args.batch_size,
                    output_folder=args.output_folder,
                    n_hidden=args.n_hidden,
                    corruption_levels=args.corruption_levels,
                    seed=args.seed, filters_every=args.filters_every)
    except (ValueError, FloatingPointError, DeviceError) as e:  # DataError too
        parser.exit(2, 'error: %s\n' % e)


if __name__ == '__main__':
    main()
