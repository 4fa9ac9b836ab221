"""The tutorial series' hidden layer, the building block of an MLP and of the
stacked denoising autoencoder (SdA.py).

A hidden layer computes ``activation(dot(input, W) + b)``.  A ``W`` or ``b``
passed in is used as it is, the very same shared variable, which is how a
``dA`` and a layer of a deep network share their weights.
"""
import numpy

from da_tutorial.engine import T, sigmoid, theano
from da_tutorial.checks import check_int


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
            if activation is sigmoid:
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
