"""A multilayer perceptron trained the tutorial series' way (Theano 1.0.5
code, unchanged), with the tutorial's ``mlp.MLP``.  Run by
tests/test_tutorial_client.py as ``python mlp_client.py DATASET OUT``;
prints one JSON line."""
import json
import sys

import numpy

import theano
import theano.tensor as T

from logistic_sgd import load_data
from mlp import MLP


def main(dataset, out):
    """Two epochs of the tutorial's test_mlp step on ``dataset``."""
    datasets = load_data(dataset)
    train_set_x, train_set_y = datasets[0]
    batch_size, learning_rate, L1_reg, L2_reg = 20, 0.01, 0.00, 0.0001
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    index = T.lscalar()
    x = T.matrix('x')
    y = T.ivector('y')
    rng = numpy.random.RandomState(1234)
    classifier = MLP(rng=rng, input=x, n_in=28 * 28, n_hidden=40, n_out=10)
    numpy.savez(out + '/mlp_initial.npz',
                W=classifier.hiddenLayer.W.get_value())
    cost = (classifier.negative_log_likelihood(y)
            + L1_reg * classifier.L1 + L2_reg * classifier.L2_sqr)
    gparams = [T.grad(cost, param) for param in classifier.params]
    updates = [(param, param - learning_rate * gparam)
               for param, gparam in zip(classifier.params, gparams)]
    train_model = theano.function(
        inputs=[index], outputs=cost, updates=updates,
        givens={
            x: train_set_x[index * batch_size: (index + 1) * batch_size],
            y: train_set_y[index * batch_size: (index + 1) * batch_size]
        })
    costs = [[float(train_model(i)) for i in range(n_train_batches)]
             for epoch in range(2)]
    print(json.dumps({'first': costs[0][0],
                      'means': [float(numpy.mean(c)) for c in costs],
                      'floatX': theano.config.floatX}))


if __name__ == '__main__':
    main(*sys.argv[1:])
