"""
 This tutorial introduces stacked denoising auto-encoders (SdA) using Theano.

 Denoising autoencoders (dA.py explains them) are the building blocks of an
 SdA: the dA of layer k reads the output of layer k-1 and shares its W and b
 with the sigmoid layer k of a deep network (an MLP).  The dAs are pretrained
 one after the other, without labels; then the whole MLP, with a logistic
 regression on top, is finetuned with labels (Vincent et al., ICML 2008;
 Bengio et al., NIPS 2007).

 Run ``python SdA.py`` (``--help`` lists the options) for the tutorial's
 network; README.md gives a configuration that finishes in about 30 minutes.
"""
import os
import sys
import timeit

import numpy

# the engine's set-up comes first: Theano 1.0.5, or on Python 3.12 and
# later PyTensor under Theano's names (da_tutorial/engine.py)
from da_tutorial.engine import ENGINE, one_row
import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams

from da_tutorial import cli
from da_tutorial.ops.compile_mode import compiles_to_c, fast_mode
from da_tutorial.checks import (UserError, check_int, check_layers,
                                check_number, check_SdA_settings, check_step)
from da_tutorial.files import check_parameter, load_arrays, save_npz
from da_tutorial.layer_inputs import FillsFirst, fill_inputs
from da_tutorial.runs import Run, check_SdA_data, check_SdA_memory
from da_tutorial.report import RunRecord
from da_tutorial.training import (Epochs, early_stopping, error_rate,
                                  even_batch_size)

from logistic_sgd import LogisticRegression, load_data
from mlp import HiddenLayer
from dA import dA


def minibatch(data, index, batch_size):
    """The ``index``-th minibatch of ``batch_size`` rows of the shared
    ``data``; a single row is typed as one (``one_row``), so that the engine
    compiles its matrix-vector kernels for the step."""
    rows = data[index * batch_size: (index + 1) * batch_size]
    return one_row(rows) if batch_size == 1 else rows


class SdA(object):
    """Stacked denoising auto-encoder class (SdA)

    A stacked denoising autoencoder model is obtained by stacking several
    dAs. The hidden layer of the dA at layer `i` becomes the input of
    the dA at layer `i+1`. The first layer dA gets as input the input of
    the SdA, and the hidden layer of the last dA represents the output.
    Note that after pretraining, the SdA is dealt with as a normal MLP,
    the dAs are only used to initialize the weights.
    """

    def __init__(
        self,
        numpy_rng,
        theano_rng=None,
        n_ins=784,
        hidden_layers_sizes=[500, 500],
        n_outs=10,
        corruption_levels=[0.1, 0.1]
    ):
        """ This class is made to support a variable number of layers.

        :type numpy_rng: numpy.random.RandomState
        :param numpy_rng: numpy random number generator used to draw initial
                    weights

        :type theano_rng: theano.sandbox.rng_mrg.MRG_RandomStreams
        :param theano_rng: Theano random generator; if None is given one is
                           generated based on a seed drawn from `rng`

        :type n_ins: int
        :param n_ins: dimension of the input to the sdA

        :type hidden_layers_sizes: list of ints
        :param hidden_layers_sizes: intermediate layers size, must contain
                               at least one value

        :type n_outs: int
        :param n_outs: dimension of the output of the network

        :type corruption_levels: list of float
        :param corruption_levels: amount of corruption to use for each
                                  layer (the default of ``fn(index,
                                  corruption=...)`` stays 0.2; test_SdA
                                  passes these)
        """
        check_int('n_ins', n_ins)
        check_int('n_outs', n_outs)
        # corruption_levels is kept, not used, as in the tutorial: the
        # pretraining functions take the level per call, so it is checked
        # where it is used (test_SdA), and the tutorial's own call, which
        # keeps the default of two levels for three layers, works
        check_layers(hidden_layers_sizes)

        self.sigmoid_layers = []
        self.dA_layers = []
        self.params = []
        self.n_layers = len(hidden_layers_sizes)
        self.corruption_levels = list(corruption_levels)

        if theano_rng is None:
            theano_rng = RandomStreams(numpy_rng.randint(2 ** 30))
        # allocate symbolic variables for the data
        self.x = T.matrix('x')  # the data is presented as rasterized images
        self.y = T.ivector('y')  # the labels are presented as 1D vector of
        #                        # [int] labels

        # The SdA is an MLP, for which all weights of intermediate layers
        # are shared with a different denoising autoencoders.  We first
        # construct the SdA as a deep multilayer perceptron, and when
        # constructing each sigmoidal layer we also construct a denoising
        # autoencoder that shares weights with that layer.  During
        # pretraining we train these autoencoders (which changes the
        # weights of the MLP as well); during finetuning we finish training
        # the SdA by doing stochastic gradient descent on the MLP.
        for i in range(self.n_layers):
            # the input is the data for the first layer, else the
            # activation of the layer below
            if i == 0:
                input_size = n_ins
                layer_input = self.x
            else:
                input_size = hidden_layers_sizes[i - 1]
                layer_input = self.sigmoid_layers[-1].output

            sigmoid_layer = HiddenLayer(rng=numpy_rng,
                                        input=layer_input,
                                        n_in=input_size,
                                        n_out=hidden_layers_sizes[i],
                                        activation=T.nnet.sigmoid)
            self.sigmoid_layers.append(sigmoid_layer)
            # only the sigmoid layers' parameters are the SdA's: the dAs'
            # visible biases are used in pretraining only
            self.params.extend(sigmoid_layer.params)

            # a denoising autoencoder that shares this layer's W and b
            dA_layer = dA(numpy_rng=numpy_rng,
                          theano_rng=theano_rng,
                          input=layer_input,
                          n_visible=input_size,
                          n_hidden=hidden_layers_sizes[i],
                          W=sigmoid_layer.W,
                          bhid=sigmoid_layer.b)
            self.dA_layers.append(dA_layer)

        # a logistic layer on top of the MLP
        self.logLayer = LogisticRegression(
            input=self.sigmoid_layers[-1].output,
            n_in=hidden_layers_sizes[-1],
            n_out=n_outs
        )
        self.params.extend(self.logLayer.params)

        # the finetuning cost and the zero-one error on a minibatch
        self.finetune_cost = self.logLayer.negative_log_likelihood(self.y)
        self.errors = self.logLayer.errors(self.y)

    def save(self, path, values=None):
        """Write the network to an ``.npz`` file (no pickle), under a
        temporary name, then renamed: each layer's ``W_<i>``, ``b_<i>``
        and its dA's ``b_prime_<i>``, the logistic layer's ``W_log`` and
        ``b_log``, and the sizes.

        :type path: str
        :param path: the file to write (``.npz`` is not added)

        :type values: list of numpy.ndarray or None
        :param values: values of ``self.params`` to save instead of the
                       current ones (the best model of a finetuning)
        """
        if values is None:
            values = [p.get_value() for p in self.params]
        arrays = dict(zip(self.param_names(), values))
        for i, layer in enumerate(self.dA_layers):
            arrays['b_prime_%d' % i] = layer.b_prime.get_value()
        save_npz(path, dict(
            arrays, n_ins=self.dA_layers[0].n_visible,
            hidden_layers_sizes=[d.n_hidden for d in self.dA_layers],
            n_outs=self.logLayer.b.get_value(borrow=True).size,
            corruption_levels=self.corruption_levels))

    def param_names(self):
        """The names ``save`` gives ``self.params``, in their order."""
        return [name % i for i in range(self.n_layers)
                for name in ('W_%d', 'b_%d')] + ['W_log', 'b_log']

    @classmethod
    def load(cls, path, numpy_rng=None, theano_rng=None):
        """Return an SdA with exactly the parameters ``save`` wrote.

        :type path: str
        :param path: an ``.npz`` written by ``SdA.save``

        :type numpy_rng: numpy.random.RandomState or None
        :param numpy_rng: as for the constructor (RandomState(89677) when
                          None); the weights it draws are replaced

        :type theano_rng: RandomStreams or None
        :param theano_rng: as for the constructor

        :raises ValueError: naming the file and what is wrong with it
        """
        sizes = load_arrays(path, ('n_ins', 'hidden_layers_sizes', 'n_outs',
                                   'corruption_levels'), 'SdA')
        layers = sizes['hidden_layers_sizes']
        if layers.ndim != 1 or layers.size == 0 or any(
                s.dtype.kind not in 'iu' or (s < 1).any()
                for s in (sizes['n_ins'], sizes['n_outs'], layers)) or \
                sizes['n_ins'].shape != () or sizes['n_outs'].shape != ():
            raise UserError('%s: n_ins, n_outs and hidden_layers_sizes must '
                             'be positive integers' % path)
        n_ins, n_outs = int(sizes['n_ins']), int(sizes['n_outs'])
        layers = [int(n) for n in layers]
        sda = cls(numpy_rng or numpy.random.RandomState(89677),
                  theano_rng=theano_rng, n_ins=n_ins,
                  hidden_layers_sizes=layers, n_outs=n_outs,
                  corruption_levels=[float(c) for c in
                                     sizes['corruption_levels']])
        names = sda.param_names() + ['b_prime_%d' % i
                                     for i in range(sda.n_layers)]
        arrays = load_arrays(path, names, 'SdA')
        shared = sda.params + [d.b_prime for d in sda.dA_layers]
        for name, variable in zip(names, shared):
            check_parameter(path, name, arrays[name],
                            variable.get_value(borrow=True).shape)
            variable.set_value(numpy.asarray(arrays[name],
                                             dtype=variable.dtype))
        return sda

    def pretraining_functions(self, train_set_x, batch_size,
                              cache_inputs=False, step='tutorial',
                              exact=None):
        ''' Generates a list of functions, each of them implementing one
        step in training the dA corresponding to the layer with same index.
        The function will require as input the minibatch index, and to train
        a dA you just need to iterate, calling the corresponding function on
        all minibatch indexes.

        :type train_set_x: theano.tensor.TensorType
        :param train_set_x: Shared variable that contains all datapoints used
                            for training the dA

        :type batch_size: int
        :param batch_size: size of a [mini]batch

        :type cache_inputs: bool
        :param cache_inputs: False (the tutorial's): every step of layer k
            computes its input through layers 0..k-1.  True: layer k's
            function computes the inputs of all examples once, at its
            first call, with the same kernels (the same numbers, bit for
            bit), and then reads them; for the tutorial's order, each
            layer pretrained after the layers below it.  It saves those
            products at every step (a fifth of layer 1's time, half of
            layer 2's at batch 1, measured) for a copy of the inputs per
            layer (200 MB for 50,000 examples and 1000 units).

        :type step: str
        :param step: 'tutorial' (the tutorial's step); 'fast': each dA's
            ``get_cost_updates(..., step='fast')``, the opt-in fast step
            (one C kernel, sparse products where the input is sparse, so
            mostly layer 0; on one thread for the layers above, whose
            functions also call the BLAS; the last bits differ)

        :type exact: bool or None
        :param exact: the old spelling of ``step`` (False: 'fast')

        :returns: list of functions ``fn(index, corruption=0.2, lr=0.1)``
                  returning the minibatch's reconstruction cost
        '''
        check_int('batch_size', batch_size)
        # index to a minibatch
        index = T.lscalar('index')
        corruption_level = T.scalar('corruption')  # % of corruption to use
        learning_rate = T.scalar('lr')  # learning rate to use
        n_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
        # where each layer's input minibatches come from
        givens = {self.x: minibatch(train_set_x, index, batch_size)}
        pretrain_fns = []
        # one compile mode for all the functions; the fast step only where
        # it compiles to C code
        mode = fast_mode()
        step = check_step(step, exact) if compiles_to_c(mode) else 'tutorial'
        for i, dA_layer in enumerate(self.dA_layers):
            cost, updates = dA_layer.get_cost_updates(
                corruption_level, learning_rate, step=step)
            if cache_inputs and i > 0:
                # the layer below's output, as its own function computes
                # it from its inputs, kept for all examples
                below = theano.function([index], dA_layer.x, givens=givens,
                                        mode=mode)
                cache = theano.shared(numpy.zeros(
                    (0, dA_layer.n_visible), dtype=dA_layer.x.dtype),
                    name='inputs of layer %d' % i)
                givens = {dA_layer.x: minibatch(cache, index, batch_size)}
            # compile the theano function
            fn = theano.function(
                inputs=[
                    index,
                    theano.In(corruption_level, value=0.2),
                    theano.In(learning_rate, value=0.1)
                ],
                outputs=cost,
                updates=updates,
                givens=givens,
                mode=mode
            )
            if cache_inputs and i > 0:
                fn = FillsFirst(fn, below, cache, n_batches, i,
                                pretrain_fns[-1])
            # append `fn` to the list of functions
            pretrain_fns.append(fn)

        return pretrain_fns

    def build_finetune_functions(self, datasets, batch_size, learning_rate,
                                 eval_batch_size=None):
        '''Generates a function `train` that implements one step of
        finetuning, a function `validate` that computes the error on
        a batch from the validation set, and a function `test` that
        computes the error on a batch from the testing set

        :type datasets: list of pairs of theano.tensor.TensorType
        :param datasets: It is a list that contain all the datasets;
                         the has to contain three pairs, `train`,
                         `valid`, `test` in this order, where each pair
                         is formed of two Theano variables, one for the
                         datapoints, the other for the labels

        :type batch_size: int
        :param batch_size: size of a minibatch

        :type learning_rate: float
        :param learning_rate: learning rate used during finetune stage

        :type eval_batch_size: int or None
        :param eval_batch_size: examples per minibatch of `validate` and
                                `test` (default: ``batch_size``); one that
                                divides both sets keeps their mean error
                                the error over the whole set

        :returns: (train_fn(index) -> cost, valid_score() -> list of the
                  validation minibatches' errors, test_score() -> the same
                  for the test set)
        '''
        check_int('batch_size', batch_size)
        check_number('learning_rate', learning_rate, 0, numpy.inf,
                      low_open=True)
        if eval_batch_size is None:
            eval_batch_size = batch_size
        check_int('eval_batch_size', eval_batch_size)
        (train_set_x, train_set_y) = datasets[0]
        (valid_set_x, valid_set_y) = datasets[1]
        (test_set_x, test_set_y) = datasets[2]

        # compute number of minibatches for validation and testing
        n_valid_batches = valid_set_x.get_value(borrow=True).shape[0]
        n_valid_batches //= eval_batch_size
        n_test_batches = test_set_x.get_value(borrow=True).shape[0]
        n_test_batches //= eval_batch_size

        index = T.lscalar('index')  # index to a [mini]batch

        # compute the gradients with respect to the model parameters
        gparams = T.grad(self.finetune_cost, self.params)

        # compute list of fine-tuning updates
        updates = [
            (param, param - gparam * learning_rate)
            for param, gparam in zip(self.params, gparams)
        ]

        train_fn = theano.function(
            inputs=[index],
            outputs=self.finetune_cost,
            updates=updates,
            givens={self.x: minibatch(train_set_x, index, batch_size),
                    self.y: minibatch(train_set_y, index, batch_size)},
            name='train',
            mode=fast_mode()
        )

        test_score_i = theano.function(
            [index],
            self.errors,
            givens={self.x: minibatch(test_set_x, index, eval_batch_size),
                    self.y: minibatch(test_set_y, index, eval_batch_size)},
            name='test',
            mode=fast_mode()
        )

        valid_score_i = theano.function(
            [index],
            self.errors,
            givens={self.x: minibatch(valid_set_x, index, eval_batch_size),
                    self.y: minibatch(valid_set_y, index, eval_batch_size)},
            name='valid',
            mode=fast_mode()
        )

        # Create a function that scans the entire validation set
        def valid_score():
            return [valid_score_i(i) for i in range(n_valid_batches)]

        # Create a function that scans the entire test set
        def test_score():
            return [test_score_i(i) for i in range(n_test_batches)]

        return train_fn, valid_score, test_score


# the files a run of test_SdA writes (a fresh run replaces an old set)
OUTPUTS = ('SdA_best.npz',)


def test_SdA(finetune_lr=0.1, pretraining_epochs=15,
             pretrain_lr=0.001, training_epochs=1000,
             dataset='mnist.pkl.gz', batch_size=1,
             hidden_layers_sizes=(1000, 1000, 1000),
             corruption_levels=(.1, .2, .3), seed=89677,
             output_folder='SdA_plots', step='tutorial', resume=False,
             exact=None):
    """
    Demonstrates how to train and test a stochastic denoising autoencoder.

    This is demonstrated on MNIST.

    :type finetune_lr: float
    :param finetune_lr: learning rate used in the finetune stage
        (factor for the stochastic gradient)

    :type pretraining_epochs: int
    :param pretraining_epochs: number of epoch to do pretraining (0: none)

    :type pretrain_lr: float
    :param pretrain_lr: learning rate to be used during pre-training

    :type training_epochs: int
    :param training_epochs: maximal number of iterations ot run the optimizer

    :type dataset: string
    :param dataset: path the the pickled dataset

    :type batch_size: int
    :param batch_size: examples per minibatch, pretraining and finetuning

    :type hidden_layers_sizes: sequence of int
    :param hidden_layers_sizes: units of each hidden layer, bottom first

    :type corruption_levels: sequence of float
    :param corruption_levels: corruption used to pretrain each layer

    :type seed: int
    :param seed: seed of the NumPy generator behind weights and noise

    :type output_folder: str
    :param output_folder: where the best finetuned model (``SdA_best.npz``,
        ``SdA.save``) and the run's record, metrics.json, go (written after
        each pretraining layer, each new best model and, last, at the end,
        when its ``complete`` is true); ``checkpoint.npz`` while it trains

    :type step: str
    :param step: 'fast': pretrain with the opt-in fast step
        (``pretraining_functions``; ``exact=False`` is its old spelling);
        finetuning is the tutorial's either way

    :type resume: bool
    :param resume: go on from the checkpoint an interrupted run left in
        ``output_folder``, to the numbers of a run never stopped

    :returns: (best validation error, test error of that model), fractions
    """
    step = check_step(step, exact)
    settings = dict(finetune_lr=finetune_lr,
                    pretraining_epochs=pretraining_epochs,
                    pretrain_lr=pretrain_lr, training_epochs=training_epochs,
                    dataset=dataset, batch_size=batch_size,
                    hidden_layers_sizes=list(hidden_layers_sizes),
                    corruption_levels=list(corruption_levels), seed=seed,
                    step=step)
    # everything that can be wrong is checked before the data loads; the
    # folder must be free, and an interrupted run there resumed or kept
    floatX = theano.config.floatX
    check_SdA_settings(floatX=floatX, **settings)
    check_SdA_memory(28 * 28, hidden_layers_sizes, 50000, floatX)
    folder = Run(output_folder, 'SdA.py', dict(settings, engine=ENGINE,
                                               floatX=floatX),
                 resume, OUTPUTS)
    datasets = load_data(dataset)
    check_SdA_data(folder, datasets, batch_size, hidden_layers_sizes)
    record = RunRecord(settings, output_folder)

    with folder:   # the folder is made and held only now
        # numpy random generator
        numpy_rng = numpy.random.RandomState(seed)
        print('... building the model')
        # construct the stacked denoising autoencoder class
        sda = SdA(
            numpy_rng=numpy_rng,
            n_ins=28 * 28,
            hidden_layers_sizes=list(hidden_layers_sizes),
            n_outs=10,
            corruption_levels=list(corruption_levels)
        )
        # the best model, which a checkpoint keeps too
        best = [theano.shared(p.get_value(), name='best ' + p.name)
                for p in sda.params]
        folder.track('best', best)

        pretrain(sda, datasets[0][0], folder, record, pretraining_epochs,
                 pretrain_lr, batch_size, corruption_levels, step)
        finetune(sda, datasets, folder, record, finetune_lr,
                 training_epochs, batch_size, best)
        sda.save(os.path.join(output_folder, 'SdA_best.npz'),
                 [b.get_value() for b in best])
        files = folder.finish(record.data)
    print('results in %s: %s' % (output_folder, ', '.join(files)),
          file=sys.stderr)
    return record.data['best_validation_error'], record.data['test_error']


def pretrain(sda, train_set_x, folder, record, pretraining_epochs,
             pretrain_lr, batch_size, corruption_levels, step='tutorial'):
    """The tutorial's pretraining of ``test_SdA``: each layer's dA in turn,
    bottom first.  ``folder`` (a held ``da_tutorial.runs.Run``) gets the
    checkpoints, ``record`` (``da_tutorial.report.RunRecord``) the costs;
    the other parameters are ``test_SdA``'s."""
    # compute number of minibatches for training, validation and testing
    n_train_batches = train_set_x.get_value(borrow=True).shape[0]
    n_train_batches //= batch_size

    #########################
    # PRETRAINING THE MODEL #
    #########################
    print('... getting the pretraining functions')
    # each layer's inputs computed once, not at every step: the same
    # numbers (see pretraining_functions)
    pretraining_fns = sda.pretraining_functions(train_set_x=train_set_x,
                                                batch_size=batch_size,
                                                cache_inputs=True, step=step)
    # what a checkpoint keeps, and gives back: the weights, the dAs'
    # visible biases, the noise streams' states (drawn by the functions)
    folder.track('SdA', sda.params + [d.b_prime for d in sda.dA_layers] + [
        update[0] for update in sda.dA_layers[0].theano_rng.state_updates])

    print('... pre-training the model')
    start_time = timeit.default_timer()
    ## Pre-train layer-wise
    for i in range(sda.n_layers):
        # the settings as the function's own types: a call then takes the
        # engine's fast path (the same numbers)
        level = numpy.asarray(corruption_levels[i], dtype=theano.config.floatX)
        lr = numpy.asarray(pretrain_lr, dtype=theano.config.floatX)
        with folder.stage('pretraining %d' % i,
                          'pretraining layer %d' % i) as stage:
            loop = Epochs(pretraining_epochs, n_train_batches, stage,
                          batch_size, 'pre-training layer %d of %d'
                          % (i, sda.n_layers),
                          'layer %d, pretrain_lr %g' % (i, pretrain_lr))
            if loop.remaining:   # its inputs, from the trained layers below
                fill_inputs(pretraining_fns[i])
            # go through pretraining epochs
            for epoch in loop:
                # go through the training set
                c = loop.costs
                for batch_index in loop.minibatches():
                    c.append(pretraining_fns[i](batch_index, level, lr))
                print('Pre-training layer %i, epoch %d, cost %f'
                      % (i, epoch, numpy.mean(c)))
        record.pretrained(i, corruption_levels[i], loop)

    end_time = timeit.default_timer()

    print(('The pretraining code for file ' +
           os.path.split(__file__)[1] +
           ' ran for %.2fm' % ((end_time - start_time) / 60.)),
          file=sys.stderr)


def finetune(sda, datasets, folder, record, finetune_lr, training_epochs,
             batch_size, best):
    """The tutorial's finetuning of ``test_SdA``: the SdA as an MLP, with
    the tutorials' early stopping (``da_tutorial.training``), ``best``
    keeping the best model's parameters; ``folder`` and ``record`` as for
    ``pretrain``, the other parameters ``test_SdA``'s."""
    n_train_batches = datasets[0][0].get_value(borrow=True).shape[0]
    n_train_batches //= batch_size

    ########################
    # FINETUNING THE MODEL #
    ########################

    # get the training, validation and testing function for the model;
    # the sets are evaluated in minibatches of up to 500 that divide them
    # (their errors are then the errors over all their examples)
    eval_batch_size = even_batch_size(
        [d[0].get_value(borrow=True).shape[0] for d in datasets[1:]])
    print('... getting the finetuning functions')
    train_fn, validate_model, test_model = sda.build_finetune_functions(
        datasets=datasets,
        batch_size=batch_size,
        learning_rate=finetune_lr,
        eval_batch_size=eval_batch_size
    )

    def on_best():    # keep the best model, and the record so far
        for b, p in zip(best, sda.params):
            b.set_value(p.get_value())
        record.write()

    print('... finetunning the model')
    start_time = timeit.default_timer()
    with folder.stage('finetuning') as stage:
        best_validation_loss, best_iter, test_score, epoch = early_stopping(
            train_fn,
            validate=lambda: error_rate(validate_model(), eval_batch_size),
            test=lambda: error_rate(test_model(), eval_batch_size),
            n_train_batches=n_train_batches, n_epochs=training_epochs,
            # look as this many minibatches regardless: 10 epochs
            patience=10 * n_train_batches, patience_increase=2.,
            history=record.finetuning, on_best=on_best, stage=stage)
    end_time = timeit.default_timer()
    print(
        (
            'Optimization complete with best validation score of %f %%, '
            'on iteration %i, '
            'with test performance %f %%'
        )
        % (best_validation_loss * 100., best_iter + 1, test_score * 100.)
    )
    print(('The training code for file ' +
           os.path.split(__file__)[1] +
           ' ran for %.2fm' % ((end_time - start_time) / 60.)),
          file=sys.stderr)
    record.finetuned(epoch, best_iter, best_validation_loss, test_score)


# pytest collects any test_* function a test module imports; this is a demo.
test_SdA.__test__ = False


def main(argv=None):
    """``python SdA.py``: ``test_SdA`` with the tutorial's settings, changed
    by the command line (``--help``: each option, its default and range;
    ``da_tutorial.cli``)."""
    cli.SdA_main(argv, test_SdA)


if __name__ == '__main__':
    main()
