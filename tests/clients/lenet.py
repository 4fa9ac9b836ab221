"""The tutorial series' LeNet (convolutional_mlp.py) as a Theano 1.0.5 user
writes it: two convolution + max-pooling layers (``conv2d`` from
theano.tensor.nnet, ``pool.pool_2d``), a tanh hidden layer and a logistic
regression on top, trained by minibatch SGD through ``givens``.  Small
sizes: 4 and 6 kernels, 50 hidden units, minibatches of 20, two epochs.

Run by tests/test_face_clients.py as ``python lenet.py DATASET OUT``;
prints one JSON line."""
import json
import sys

import numpy

import theano
import theano.tensor as T
from theano.tensor.nnet import conv2d
from theano.tensor.signal import pool

from logistic_sgd import LogisticRegression, load_data
from mlp import HiddenLayer


class LeNetConvPoolLayer(object):
    """A convolution layer followed by max-pooling and a tanh."""

    def __init__(self, rng, input, filter_shape, image_shape, poolsize=(2, 2)):
        """
        :type rng: numpy.random.RandomState
        :param rng: draws the initial filters

        :type input: theano.tensor.dtensor4
        :param input: the images, of shape image_shape

        :type filter_shape: tuple or list of length 4
        :param filter_shape: (number of filters, input feature maps,
                              filter height, filter width)

        :type image_shape: tuple or list of length 4
        :param image_shape: (batch size, input feature maps,
                             image height, image width)

        :type poolsize: tuple or list of length 2
        :param poolsize: the pooling factor (#rows, #cols)
        """
        assert image_shape[1] == filter_shape[1]
        self.input = input

        # each hidden unit sees "input maps * filter height * filter width"
        # inputs, and sends a gradient to "output maps * filter height *
        # filter width / pooling size" units of the layer below
        fan_in = numpy.prod(filter_shape[1:])
        fan_out = (filter_shape[0] * numpy.prod(filter_shape[2:]) //
                   numpy.prod(poolsize))
        W_bound = numpy.sqrt(6. / (fan_in + fan_out))
        self.W = theano.shared(
            numpy.asarray(
                rng.uniform(low=-W_bound, high=W_bound, size=filter_shape),
                dtype=theano.config.floatX
            ),
            borrow=True
        )
        # one bias per output feature map
        b_values = numpy.zeros((filter_shape[0],), dtype=theano.config.floatX)
        self.b = theano.shared(value=b_values, borrow=True)

        conv_out = conv2d(
            input=input,
            filters=self.W,
            filter_shape=filter_shape,
            input_shape=image_shape
        )
        pooled_out = pool.pool_2d(
            input=conv_out,
            ws=poolsize,
            ignore_border=True
        )
        # the bias, reshaped to (1, n_filters, 1, 1), is broadcast over the
        # minibatch and over each map's rows and columns
        self.output = T.tanh(pooled_out + self.b.dimshuffle('x', 0, 'x', 'x'))
        self.params = [self.W, self.b]


def evaluate_lenet5(dataset, out, learning_rate=0.1, n_epochs=2,
                    nkerns=[4, 6], batch_size=20):
    rng = numpy.random.RandomState(23455)

    datasets = load_data(dataset)
    train_set_x, train_set_y = datasets[0]
    valid_set_x, valid_set_y = datasets[1]

    n_train_batches = train_set_x.get_value(borrow=True).shape[0]
    n_valid_batches = valid_set_x.get_value(borrow=True).shape[0]
    n_train_batches //= batch_size
    n_valid_batches //= batch_size

    index = T.lscalar()
    x = T.matrix('x')
    y = T.ivector('y')

    print('... building the model')
    # (batch_size, 28 * 28) rasterised images -> (batch_size, 1, 28, 28)
    layer0_input = x.reshape((batch_size, 1, 28, 28))

    # 28 - 5 + 1 = 24, pooled to 12
    layer0 = LeNetConvPoolLayer(
        rng,
        input=layer0_input,
        image_shape=(batch_size, 1, 28, 28),
        filter_shape=(nkerns[0], 1, 5, 5),
        poolsize=(2, 2)
    )
    # 12 - 5 + 1 = 8, pooled to 4
    layer1 = LeNetConvPoolLayer(
        rng,
        input=layer0.output,
        image_shape=(batch_size, nkerns[0], 12, 12),
        filter_shape=(nkerns[1], nkerns[0], 5, 5),
        poolsize=(2, 2)
    )
    # (batch_size, nkerns[1] * 4 * 4) for the fully-connected layer
    layer2_input = layer1.output.flatten(2)
    layer2 = HiddenLayer(
        rng,
        input=layer2_input,
        n_in=nkerns[1] * 4 * 4,
        n_out=50,
        activation=T.tanh
    )
    layer3 = LogisticRegression(input=layer2.output, n_in=50, n_out=10)

    cost = layer3.negative_log_likelihood(y)

    validate_model = theano.function(
        [index],
        layer3.errors(y),
        givens={
            x: valid_set_x[index * batch_size: (index + 1) * batch_size],
            y: valid_set_y[index * batch_size: (index + 1) * batch_size]
        }
    )

    params = layer3.params + layer2.params + layer1.params + layer0.params
    grads = T.grad(cost, params)
    updates = [
        (param_i, param_i - learning_rate * grad_i)
        for param_i, grad_i in zip(params, grads)
    ]
    train_model = theano.function(
        [index],
        cost,
        updates=updates,
        givens={
            x: train_set_x[index * batch_size: (index + 1) * batch_size],
            y: train_set_y[index * batch_size: (index + 1) * batch_size]
        }
    )

    print('... training')
    first = None
    epoch_costs = []
    validation_errors = []
    for epoch in range(n_epochs):
        costs = []
        for minibatch_index in range(n_train_batches):
            cost_ij = train_model(minibatch_index)
            if first is None:
                first = float(cost_ij)
            costs.append(float(cost_ij))
        validation_losses = [validate_model(i) for i
                             in range(n_valid_batches)]
        this_validation_loss = numpy.mean(validation_losses)
        print('epoch %i, mean cost %f, validation error %f %%' %
              (epoch, numpy.mean(costs), this_validation_loss * 100.))
        epoch_costs.append(float(numpy.mean(costs)))
        validation_errors.append(float(this_validation_loss))

    print(json.dumps({'first': first, 'epoch_costs': epoch_costs,
                      'validation_errors': validation_errors,
                      'floatX': theano.config.floatX}))


if __name__ == '__main__':
    evaluate_lenet5(*sys.argv[1:3])
