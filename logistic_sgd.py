"""Logistic regression on MNIST with minibatch SGD, and the MNIST loader.

This is the tutorial series' ``logistic_sgd.py``: the class
``LogisticRegression``, the data loader ``load_data`` that every other
tutorial (dA included) imports, and ``sgd_optimization_mnist``, which trains
the classifier with early stopping.  On MNIST with ``floatX=float64`` it prints
the tutorial's documented result (best validation 7.500000 %, test
7.489583 %, after 74 epochs).

    python logistic_sgd.py            # train, save best_model.pkl
    python logistic_sgd.py --predict  # print predictions of the saved model

Data: ``load_data('mnist.pkl.gz')`` reads the file at that path if it exists;
a bare file name is also looked for in the checkout's ``data/``, then in the
folder named by the environment variable ``DA_DATA_DIR``, then in
``~/dA_tutorial_data``; ``mnist.pkl.gz`` is finally downloaded into the first
of those (``da_tutorial.data`` finds, fetches and checks it).
"""
import contextlib
import os
import pickle
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
from da_tutorial.data import find_dataset, read_dataset
from da_tutorial.files import atomic_write
from da_tutorial.report import versions
from da_tutorial.runs import Run
# the tutorials' early-stopping loop, shared with SdA.py's finetuning
from da_tutorial.training import early_stopping


class LogisticRegression(object):
    """Multi-class Logistic Regression Class

    The logistic regression is fully described by a weight matrix :math:`W`
    and bias vector :math:`b`. Classification is done by projecting data
    points onto a set of hyperplanes, the distance to which is used to
    determine a class membership probability.
    """

    def __init__(self, input, n_in, n_out):
        """ Initialize the parameters of the logistic regression

        :type input: theano.tensor.TensorType
        :param input: symbolic variable that describes the input of the
                      architecture (one minibatch)

        :type n_in: int
        :param n_in: number of input units, the dimension of the space in
                     which the datapoints lie

        :type n_out: int
        :param n_out: number of output units, the dimension of the space in
                      which the labels lie
        """
        # W and b start at zero: the loss is convex, so no symmetry to break
        self.W = theano.shared(
            value=numpy.zeros((n_in, n_out), dtype=theano.config.floatX),
            name='W', borrow=True)
        self.b = theano.shared(
            value=numpy.zeros((n_out,), dtype=theano.config.floatX),
            name='b', borrow=True)

        # class-membership probabilities, one row per example
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
        # the class whose probability is maximal
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)

        self.params = [self.W, self.b]
        self.input = input

    def negative_log_likelihood(self, y):
        """Return the mean of the negative log-likelihood of the prediction
        of this model under a given target distribution.

        .. math::

            \\frac{1}{|\\mathcal{D}|} \\mathcal{L} (\\theta=\\{W,b\\},
            \\mathcal{D}) = -\\frac{1}{|\\mathcal{D}|} \\sum_{i=0}^{|\\mathcal{D}|}
            \\log(P(Y=y^{(i)}|x^{(i)}, W,b))

        :type y: theano.tensor.TensorType
        :param y: corresponds to a vector that gives for each example the
                  correct label

        Note: we use the mean instead of the sum so that the learning rate
        is less dependent on the batch size
        """
        # pick, in each row, the log-probability of that row's correct label
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

    def errors(self, y):
        """Return a float representing the number of errors in the minibatch
        over the total number of examples of the minibatch ; zero one
        loss over the size of the minibatch

        :type y: theano.tensor.TensorType
        :param y: corresponds to a vector that gives for each example the
                  correct label
        """
        if y.ndim != self.y_pred.ndim:
            raise TypeError('y should have the same shape as self.y_pred',
                            ('y', y.type, 'y_pred', self.y_pred.type))
        if not y.dtype.startswith('int'):
            raise NotImplementedError('errors() needs integer labels, got '
                                      'dtype %s' % y.dtype)
        # T.neq gives 1 for each mistake; its mean is the error rate
        # (computed in floatX: a float64 mean would keep it off a GPU)
        return T.mean(T.neq(self.y_pred, y), dtype=theano.config.floatX)


def load_data(dataset):
    """Load the dataset into shared variables

    :type dataset: string
    :param dataset: the path to the dataset (here MNIST), or a bare name
                    looked for in data/, $DA_DATA_DIR and
                    ~/dA_tutorial_data

    :returns: ``[(train_set_x, train_set_y), (valid_set_x, valid_set_y),
              (test_set_x, test_set_y)]``: x shared floatX matrices, y int32
              vectors (symbolic casts of floatX shared vectors)
    """
    path = find_dataset(dataset)
    print('... loading data from %s' % path)
    train_set, valid_set, test_set = read_dataset(path)

    def shared_dataset(data_xy, borrow=True):
        """ Function that loads the dataset into shared variables

        The reason we store our dataset in shared variables is to allow
        Theano to copy it into the GPU memory (when code is run on GPU).
        Since copying data into the GPU is slow, copying a minibatch everytime
        is needed (the default behaviour if the data is not in a shared
        variable) would lead to a large decrease in performance.
        """
        data_x, data_y = data_xy
        shared_x = theano.shared(numpy.asarray(data_x,
                                               dtype=theano.config.floatX),
                                 borrow=borrow)
        shared_y = theano.shared(numpy.asarray(data_y,
                                               dtype=theano.config.floatX),
                                 borrow=borrow)
        # GPUs store floats only, so labels are kept as floatX and cast
        # back to int for use as indices.
        return shared_x, T.cast(shared_y, 'int32')

    test_set_x, test_set_y = shared_dataset(test_set)
    valid_set_x, valid_set_y = shared_dataset(valid_set)
    train_set_x, train_set_y = shared_dataset(train_set)

    rval = [(train_set_x, train_set_y), (valid_set_x, valid_set_y),
            (test_set_x, test_set_y)]
    return rval


def sgd_optimization_mnist(learning_rate=0.13, n_epochs=1000,
                           dataset='mnist.pkl.gz',
                           batch_size=600, model_path='best_model.pkl',
                           output_folder='logistic_sgd_run', resume=False):
    """
    Demonstrate stochastic gradient descent optimization of a log-linear
    model

    This is demonstrated on MNIST.

    :type learning_rate: float
    :param learning_rate: learning rate used (factor for the stochastic
                          gradient)

    :type n_epochs: int
    :param n_epochs: maximal number of epochs to run the optimizer

    :type dataset: string
    :param dataset: the path of the MNIST dataset file

    :type batch_size: int
    :param batch_size: examples per minibatch

    :type model_path: str
    :param model_path: where the best model so far is pickled

    :type output_folder: str
    :param output_folder: where the run's checkpoint (while it trains) and
                          metrics.json go

    :type resume: bool
    :param resume: go on from the checkpoint an interrupted run left in
                   ``output_folder``

    :returns: (best validation error, test error, epochs run), as fractions
    """
    check_number('learning_rate', learning_rate, 0, numpy.inf, low_open=True)
    check_int('n_epochs', n_epochs)
    check_int('batch_size', batch_size)
    settings = dict(learning_rate=learning_rate, n_epochs=n_epochs,
                    dataset=dataset, batch_size=batch_size)
    run = Run(output_folder, 'logistic_sgd.py',
              dict(settings, engine=ENGINE, floatX=theano.config.floatX),
              resume, ())
    datasets = load_data(dataset)
    check_batch_size(batch_size, min(d[0].get_value(borrow=True).shape[0]
                                     for d in datasets), 'the smallest split')
    with run:     # the folder is made and held only now
        best, test, epochs = train_logistic_regression(
            datasets, 28 * 28, learning_rate, n_epochs, batch_size,
            model_path, run=run)
        run.finish({'settings': settings, 'versions': versions(),
                    'best_validation_error': float(best),
                    'test_error': float(test), 'epochs': epochs,
                    'model': model_path, 'complete': True})
    print('results in %s: metrics.json; the best model in %s'
          % (output_folder, model_path), file=sys.stderr)
    return best, test, epochs


def train_logistic_regression(datasets, n_in, learning_rate=0.13,
                              n_epochs=1000, batch_size=600,
                              model_path='best_model.pkl', run=None):
    """Train a LogisticRegression on ``datasets`` with the tutorial's SGD
    and early stopping; the work behind ``sgd_optimization_mnist``, also
    used by ``dA.py --probe`` on learnt features.

    :type datasets: list
    :param datasets: as returned by ``load_data``: three (x, y) pairs

    :type n_in: int
    :param n_in: columns of x (784 for raw pixels)

    :type model_path: str or None
    :param model_path: where the best model so far is pickled (None: not
                       saved)

    :type run: da_tutorial.runs.Run or None
    :param run: the held run whose checkpoint keeps the training

    The other parameters are those of ``sgd_optimization_mnist``.

    :returns: (best validation error, test error, epochs run), as fractions
    """
    ######################
    # BUILD ACTUAL MODEL #
    ######################
    print('... building the model')

    # allocate symbolic variables for the data
    x = T.matrix('x')  # data, presented as rasterized images
    y = T.ivector('y')  # labels, presented as 1D vector of [int] labels

    # Each MNIST image has size 28*28
    classifier = LogisticRegression(input=x, n_in=n_in, n_out=10)

    # the cost we minimize during training is the negative log likelihood of
    # the model in symbolic format
    cost = classifier.negative_log_likelihood(y)

    ###############
    # TRAIN MODEL #
    ###############
    print('... training the model')
    start_time = timeit.default_timer()

    def save_best():
        if model_path is not None:
            with atomic_write(model_path) as f:
                pickle.dump(classifier, f)

    with (run.stage('training') if run else contextlib.nullcontext()) as \
            stage:
        best_validation_loss, best_iter, test_score, epoch = \
            sgd_early_stopping(classifier, cost, x, y, datasets, batch_size,
                               learning_rate, n_epochs, patience=5000,
                               on_best=save_best, stage=stage)

    end_time = timeit.default_timer()
    print(('Optimization complete with best validation score of %f %%,'
           ' with test performance %f %%')
          % (best_validation_loss * 100., test_score * 100.))
    print('The code run for %d epochs, with %f epochs/sec' % (
        epoch, 1. * epoch / (end_time - start_time)))
    print(('The code for file ' + os.path.split(__file__)[1] +
           ' ran for %.1fs' % (end_time - start_time)), file=sys.stderr)
    return best_validation_loss, test_score, epoch


def sgd_early_stopping(classifier, cost, x, y, datasets, batch_size,
                       learning_rate, n_epochs, patience, on_best=None,
                       stage=None):
    """The tutorials' training of a classifier: minibatch SGD on ``cost``
    over ``classifier.params``, with early stopping on the validation error
    (``classifier.errors``); used by ``train_logistic_regression`` and
    ``mlp.test_mlp``.

    Compiles the test, validation and training functions, each reading its
    minibatch from the shared data at a symbolic index, and runs
    ``da_tutorial.training.early_stopping``.

    :type classifier: LogisticRegression, mlp.MLP or alike
    :param classifier: has ``params`` and ``errors(y)``

    :type cost: theano variable
    :param cost: the scalar to minimise, a function of ``x`` and ``y``

    :type x: theano.tensor.matrix
    :param x: the classifier's input

    :type y: theano.tensor.ivector
    :param y: the labels ``cost`` and ``errors`` read

    :type datasets: list
    :param datasets: as returned by ``load_data``: three (x, y) pairs

    :type patience: int
    :param patience: look at this many minibatches regardless

    :type on_best: callable or None
    :param on_best: called after each new best model (e.g. to save it)

    :type stage: da_tutorial.runs.Stage or None
    :param stage: the run's stage: the parameters are checkpointed, and
                  training goes on where the checkpoint stopped

    The other parameters are ``sgd_optimization_mnist``'s.

    :returns: (best validation error, its iteration, test error of that
              model, epochs run)
    """
    sizes = [d[0].get_value(borrow=True).shape[0] for d in datasets]
    check_batch_size(batch_size, min(sizes), 'the smallest split')
    n_train_batches, n_valid_batches, n_test_batches = [
        n // batch_size for n in sizes]
    index = T.lscalar()  # index to a [mini]batch

    def batch(data, i):
        return data[i * batch_size:(i + 1) * batch_size]

    def errors_of(split):
        set_x, set_y = datasets[split]
        return theano.function(
            inputs=[index],
            outputs=classifier.errors(y),
            givens={x: batch(set_x, index), y: batch(set_y, index)})
    validate_model, test_model = errors_of(1), errors_of(2)

    # compute the gradient of cost with respect to each parameter
    updates = [(param, param - learning_rate * T.grad(cost, param))
               for param in classifier.params]
    train_set_x, train_set_y = datasets[0]
    train_model = theano.function(
        inputs=[index],
        outputs=cost,
        updates=updates,
        givens={x: batch(train_set_x, index), y: batch(train_set_y, index)})

    if stage is not None:    # what a checkpoint keeps, and gives back
        stage.run.track(stage.name, classifier.params)
    return early_stopping(
        train_model,
        validate=lambda: numpy.mean([validate_model(i)
                                     for i in range(n_valid_batches)]),
        test=lambda: numpy.mean([test_model(i)
                                 for i in range(n_test_batches)]),
        n_train_batches=n_train_batches, n_epochs=n_epochs,
        patience=patience, on_best=on_best, stage=stage)


def predict(dataset='mnist.pkl.gz', model_path='best_model.pkl', n=10):
    """
    An example of how to load a trained model and use it
    to predict labels.

    :type dataset: str
    :param dataset: data set whose first ``n`` test images are classified

    :type model_path: str
    :param model_path: the pickle written by ``sgd_optimization_mnist``
                       (a pickle runs code when loaded: open only your own)

    :type n: int
    :param n: how many test images to classify

    :returns: numpy array of the ``n`` predicted labels
    """
    # load the saved model
    with open(model_path, 'rb') as f:
        classifier = pickle.load(f)

    # compile a predictor function
    predict_model = theano.function(
        inputs=[classifier.input],
        outputs=classifier.y_pred)

    test_set_x = read_dataset(find_dataset(dataset))[2][0]
    predicted_values = predict_model(
        numpy.asarray(test_set_x[:n], dtype=theano.config.floatX))
    print('Predicted values for the first %d examples in test set:' % n)
    print(predicted_values)
    return predicted_values


def main(argv=None):
    """``python logistic_sgd.py``: the tutorial's settings, changed by the command line
    (``--help``: each option, its default and range; ``da_tutorial.cli``)."""
    cli.logistic_main(argv, sgd_optimization_mnist, predict)


if __name__ == '__main__':
    main()
