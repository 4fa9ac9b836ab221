"""
This tutorial introduces the multilayer perceptron using Theano.

 A multilayer perceptron is a logistic regressor where
 instead of feeding the input to the logistic regression you insert a
 intermediate layer, called the hidden layer, that has a nonlinear
 activation function (usually tanh or sigmoid) . One can use many such
 hidden layers making the architecture deep. The tutorial will also tackle
 the problem of MNIST digit classification.

.. math::

    f(x) = G( b^{(2)} + W^{(2)}( s( b^{(1)} + W^{(1)} x))),

References:

    - textbooks: "Pattern Recognition and Machine Learning" -
                 Christopher M. Bishop, section 5

``HiddenLayer`` is also the building block of the stacked denoising
autoencoder (SdA.py): a ``W`` or ``b`` passed in is used as it is, the very
same shared variable, which is how a ``dA`` and a layer of a deep network
share their weights.

    python mlp.py      # the tutorial's test_mlp (``--help``: options)
"""
import os
import sys
import timeit

import numpy

# the engine's set-up comes first: Theano 1.0.5, or on Python 3.12 and
# later PyTensor under Theano's names (da_tutorial/engine.py)
from da_tutorial.engine import ENGINE
import theano
import theano.tensor as T

from da_tutorial import cli
from da_tutorial.checks import check_batch_size, check_int, check_number
from da_tutorial.report import versions
from da_tutorial.runs import Run

from logistic_sgd import LogisticRegression, load_data, sgd_early_stopping


class HiddenLayer(object):
    """A fully connected layer: ``output = activation(dot(input, W) + b)``.
    """

    def __init__(self, rng, input, n_in, n_out, W=None, b=None,
                 activation=T.tanh):
        """
        Typical hidden layer of a MLP: units are fully-connected and have
        sigmoidal activation function. Weight matrix W is of shape (n_in,n_out)
        and the bias vector b is of shape (n_out,).

        NOTE : The nonlinearity used here is tanh

        Hidden unit activation is given by: tanh(dot(input,W) + b)

        :type rng: numpy.random.RandomState
        :param rng: a random number generator used to initialize weights

        :type input: theano.tensor.dmatrix
        :param input: a symbolic tensor of shape (n_examples, n_in)

        :type n_in: int
        :param n_in: dimensionality of input

        :type n_out: int
        :param n_out: number of hidden units

        :type W: theano shared variable or None
        :param W: weights to use as they are (shared with another model);
                  None draws new ones

        :type b: theano shared variable or None
        :param b: biases to use as they are; None makes zeros

        :type activation: theano.Op or function
        :param activation: Non linearity to be applied in the hidden
                           layer
        """
        check_int('n_in', n_in)
        check_int('n_out', n_out)
        self.input = input

        # W is uniform in +-sqrt(6. / (n_in + n_hidden)), the range that
        # keeps tanh units in their linear regime at the start (Glorot &
        # Bengio 2010); sigmoid units need 4 times that range.
        if W is None:
            bound = numpy.sqrt(6. / (n_in + n_out))
            if activation is T.nnet.sigmoid:
                bound *= 4
            W_values = numpy.asarray(
                rng.uniform(low=-bound, high=bound, size=(n_in, n_out)),
                dtype=theano.config.floatX
            )
            W = theano.shared(value=W_values, name='W', borrow=True)

        if b is None:
            b_values = numpy.zeros((n_out,), dtype=theano.config.floatX)
            b = theano.shared(value=b_values, name='b', borrow=True)

        self.W = W
        self.b = b

        lin_output = T.dot(input, self.W) + self.b
        self.output = (
            lin_output if activation is None
            else activation(lin_output)
        )
        # parameters of the model
        self.params = [self.W, self.b]


class MLP(object):
    """Multi-Layer Perceptron Class

    A multilayer perceptron is a feedforward artificial neural network model
    that has one layer or more of hidden units and nonlinear activations.
    Intermediate layers usually have as activation function tanh or the
    sigmoid function (defined here by a ``HiddenLayer`` class)  while the
    top layer is a softmax layer (defined here by a ``LogisticRegression``
    class).
    """

    def __init__(self, rng, input, n_in, n_hidden, n_out):
        """Initialize the parameters for the multilayer perceptron

        :type rng: numpy.random.RandomState
        :param rng: a random number generator used to initialize weights

        :type input: theano.tensor.TensorType
        :param input: symbolic variable that describes the input of the
        architecture (one minibatch)

        :type n_in: int
        :param n_in: number of input units, the dimension of the space in
        which the datapoints lie

        :type n_hidden: int
        :param n_hidden: number of hidden units

        :type n_out: int
        :param n_out: number of output units, the dimension of the space in
        which the labels lie
        """
        # one tanh hidden layer, then a logistic regression reading it
        self.hiddenLayer = HiddenLayer(
            rng=rng,
            input=input,
            n_in=n_in,
            n_out=n_hidden,
            activation=T.tanh
        )
        self.logRegressionLayer = LogisticRegression(
            input=self.hiddenLayer.output,
            n_in=n_hidden,
            n_out=n_out
        )
        # L1 norm ; one regularization option is to enforce L1 norm to
        # be small
        self.L1 = (
            abs(self.hiddenLayer.W).sum()
            + abs(self.logRegressionLayer.W).sum()
        )
        # square of L2 norm ; one regularization option is to enforce
        # square of L2 norm to be small
        self.L2_sqr = (
            (self.hiddenLayer.W ** 2).sum()
            + (self.logRegressionLayer.W ** 2).sum()
        )
        # negative log likelihood of the MLP is given by the negative
        # log likelihood of the output of the model, computed in the
        # logistic regression layer
        self.negative_log_likelihood = (
            self.logRegressionLayer.negative_log_likelihood
        )
        # same holds for the function computing the number of errors
        self.errors = self.logRegressionLayer.errors

        # the parameters of the model are the parameters of the two layer it
        # is made out of
        self.params = self.hiddenLayer.params + self.logRegressionLayer.params

        # keep track of model input
        self.input = input


def test_mlp(learning_rate=0.01, L1_reg=0.00, L2_reg=0.0001, n_epochs=1000,
             dataset='mnist.pkl.gz', batch_size=20, n_hidden=500,
             output_folder='mlp_run', resume=False):
    """
    Demonstrate stochastic gradient descent optimization for a multilayer
    perceptron

    This is demonstrated on MNIST.

    :type learning_rate: float
    :param learning_rate: learning rate used (factor for the stochastic
    gradient

    :type L1_reg: float
    :param L1_reg: L1-norm's weight when added to the cost (see
    regularization)

    :type L2_reg: float
    :param L2_reg: L2-norm's weight when added to the cost (see
    regularization)

    :type n_epochs: int
    :param n_epochs: maximal number of epochs to run the optimizer

    :type dataset: string
    :param dataset: the path of the MNIST dataset file

    :type batch_size: int
    :param batch_size: examples per minibatch

    :type n_hidden: int
    :param n_hidden: hidden units

    :type output_folder: str
    :param output_folder: the run's folder: its checkpoint, metrics.json

    :type resume: bool
    :param resume: continue the interrupted run of ``output_folder``

    :returns: (best validation error, its iteration, test error of that
              model, epochs run), as fractions
    """
    # everything that can be wrong is checked before minutes of training
    check_number('learning_rate', learning_rate, 0, numpy.inf,
                 low_open=True)
    check_number('L1_reg', L1_reg, 0, numpy.inf)
    check_number('L2_reg', L2_reg, 0, numpy.inf)
    check_int('n_epochs', n_epochs)
    check_int('batch_size', batch_size)
    check_int('n_hidden', n_hidden)
    settings = dict(learning_rate=learning_rate, L1_reg=L1_reg,
                    L2_reg=L2_reg, n_epochs=n_epochs, dataset=dataset,
                    batch_size=batch_size, n_hidden=n_hidden)
    run = Run(output_folder, 'mlp.py',
              dict(settings, engine=ENGINE, floatX=theano.config.floatX),
              resume, ())
    datasets = load_data(dataset)
    check_batch_size(batch_size, min(d[0].get_value(borrow=True).shape[0]
                                     for d in datasets), 'the smallest split')
    with run:     # the folder is made and held only now
        result = train_mlp(datasets, run, learning_rate, L1_reg, L2_reg,
                           n_epochs, batch_size, n_hidden)
        best_validation_loss, best_iter, test_score, epoch = result
        run.finish({'settings': settings, 'versions': versions(),
                    'best_validation_error': float(best_validation_loss),
                    'best_iteration': best_iter + 1,
                    'test_error': float(test_score), 'epochs': epoch,
                    'complete': True})
    print('results in %s: metrics.json' % output_folder, file=sys.stderr)
    return result


def train_mlp(datasets, run, learning_rate, L1_reg, L2_reg, n_epochs,
              batch_size, n_hidden):
    """The tutorial's training of ``test_mlp``: build the MLP and train it
    with early stopping, checkpointed in ``run`` (a held
    ``da_tutorial.runs.Run``).  The other parameters are ``test_mlp``'s.

    :returns: as ``test_mlp``
    """
    ######################
    # BUILD ACTUAL MODEL #
    ######################
    print('... building the model')

    # allocate symbolic variables for the data
    x = T.matrix('x')  # the data is presented as rasterized images
    y = T.ivector('y')  # the labels are presented as 1D vector of
                        # [int] labels

    rng = numpy.random.RandomState(1234)

    # construct the MLP class
    classifier = MLP(
        rng=rng,
        input=x,
        n_in=28 * 28,
        n_hidden=n_hidden,
        n_out=10
    )

    # the cost we minimize during training is the negative log likelihood of
    # the model plus the regularization terms (L1 and L2); cost is expressed
    # here symbolically
    cost = (
        classifier.negative_log_likelihood(y)
        + L1_reg * classifier.L1
        + L2_reg * classifier.L2_sqr
    )

    ###############
    # TRAIN MODEL #
    ###############
    print('... training')
    start_time = timeit.default_timer()
    # the tutorial's SGD, early stopping after at least 10000 minibatches
    with run.stage('training') as stage:
        best_validation_loss, best_iter, test_score, epoch = \
            sgd_early_stopping(classifier, cost, x, y, datasets, batch_size,
                               learning_rate, n_epochs, patience=10000,
                               stage=stage)
    end_time = timeit.default_timer()
    print(('Optimization complete. Best validation score of %f %% '
           'obtained at iteration %i, with test performance %f %%') %
          (best_validation_loss * 100., best_iter + 1, test_score * 100.))
    print(('The code for file ' + os.path.split(__file__)[1] +
           ' ran for %.2fm' % ((end_time - start_time) / 60.)),
          file=sys.stderr)
    return best_validation_loss, best_iter, test_score, epoch


# pytest collects any test_* function a test module imports; this is a demo.
test_mlp.__test__ = False


def main(argv=None):
    """``python mlp.py``: the tutorial's settings, changed by the command line
    (``--help``: each option, its default and range; ``da_tutorial.cli``)."""
    cli.mlp_main(argv, test_mlp)


if __name__ == '__main__':
    main()
