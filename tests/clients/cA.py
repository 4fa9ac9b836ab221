"""A contractive autoencoder written as the tutorial series' cA.py writes
it (Theano 1.0.5 code, unchanged).  Run by tests/test_tutorial_client.py
as ``python cA.py DATASET OUT``; prints one JSON line."""
import json
import sys

import numpy

import theano
import theano.tensor as T

from logistic_sgd import load_data


class cA(object):
    """ Contractive Auto-Encoder class (cA) """

    def __init__(self, numpy_rng, input=None, n_visible=784, n_hidden=100,
                 n_batchsize=1, W=None, bhid=None, bvis=None):
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        self.n_batchsize = n_batchsize
        if not W:
            initial_W = numpy.asarray(
                numpy_rng.uniform(
                    low=-4 * numpy.sqrt(6. / (n_hidden + n_visible)),
                    high=4 * numpy.sqrt(6. / (n_hidden + n_visible)),
                    size=(n_visible, n_hidden)
                ),
                dtype=theano.config.floatX
            )
            W = theano.shared(value=initial_W, name='W', borrow=True)
        if not bvis:
            bvis = theano.shared(value=numpy.zeros(n_visible,
                                                   dtype=theano.config.floatX),
                                 borrow=True)
        if not bhid:
            bhid = theano.shared(value=numpy.zeros(n_hidden,
                                                   dtype=theano.config.floatX),
                                 name='b',
                                 borrow=True)
        self.W = W
        self.b = bhid
        self.b_prime = bvis
        self.W_prime = self.W.T
        if input is None:
            self.x = T.dmatrix(name='input')
        else:
            self.x = input
        self.params = [self.W, self.b, self.b_prime]

    def get_hidden_values(self, input):
        return T.nnet.sigmoid(T.dot(input, self.W) + self.b)

    def get_jacobian(self, hidden, W):
        return T.reshape(hidden * (1 - hidden),
                         (self.n_batchsize, 1, self.n_hidden)) * T.reshape(
                             W, (1, self.n_visible, self.n_hidden))

    def get_reconstructed_input(self, hidden):
        return T.nnet.sigmoid(T.dot(hidden, self.W_prime) + self.b_prime)

    def get_cost_updates(self, contraction_level, learning_rate):
        y = self.get_hidden_values(self.x)
        z = self.get_reconstructed_input(y)
        J = self.get_jacobian(y, self.W)
        self.L_rec = - T.sum(self.x * T.log(z) +
                             (1 - self.x) * T.log(1 - z),
                             axis=1)
        self.L_jacob = T.sum(J ** 2) // self.n_batchsize
        cost = T.mean(self.L_rec) + contraction_level * T.mean(self.L_jacob)
        gparams = T.grad(cost, self.params)
        updates = []
        for param, gparam in zip(self.params, gparams):
            updates.append((param, param - learning_rate * gparam))
        return (cost, updates)


def main(dataset, out):
    """Three epochs of the tutorial's test_cA on ``dataset``."""
    datasets = load_data(dataset)
    train_set_x, train_set_y = datasets[0]
    batch_size, learning_rate, contraction_level = 20, 0.01, .1
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    index = T.lscalar()
    x = T.matrix('x')
    rng = numpy.random.RandomState(123)
    ca = cA(numpy_rng=rng, input=x, n_visible=28 * 28, n_hidden=50,
            n_batchsize=batch_size)
    numpy.savez(out + '/cA_initial.npz', W=ca.W.get_value(),
                b=ca.b.get_value(), b_prime=ca.b_prime.get_value())
    cost, updates = ca.get_cost_updates(contraction_level=contraction_level,
                                        learning_rate=learning_rate)
    train_ca = theano.function(
        [index],
        [T.mean(ca.L_rec), ca.L_jacob],
        updates=updates,
        givens={
            x: train_set_x[index * batch_size: (index + 1) * batch_size]
        }
    )
    first = [float(v) for v in train_ca(0)]
    epochs = []
    for epoch in range(3):
        c = []
        for batch_index in range(n_train_batches):
            c.append(train_ca(batch_index))
        c_array = numpy.vstack(c)
        print('Training epoch %d, reconstruction cost ' % epoch,
              numpy.mean(c_array[0]), ' jacobian norm ',
              numpy.mean(numpy.sqrt(c_array[1])))
        epochs.append([float(numpy.mean(c_array[0])),
                       float(numpy.mean(numpy.sqrt(c_array[1])))])
    print(json.dumps({'first': first, 'epochs': epochs,
                      'floatX': theano.config.floatX}))


if __name__ == '__main__':
    main(*sys.argv[1:])
