"""A Deep Belief Network written as the tutorial series' DBN.py writes it
(Theano 1.0.5 code, unchanged): RBMs sharing the weights of an MLP's
sigmoid layers, pretrained with CD-1, then finetuned.  Run by
tests/test_tutorial_client.py as ``python DBN.py DATASET OUT``; prints one
JSON line."""
import json
import sys

import numpy

import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams

from logistic_sgd import LogisticRegression, load_data
from mlp import HiddenLayer
from rbm import RBM


class DBN(object):
    """Deep Belief Network """

    def __init__(self, numpy_rng, theano_rng=None, n_ins=784,
                 hidden_layers_sizes=[500, 500], n_outs=10):
        self.sigmoid_layers = []
        self.rbm_layers = []
        self.params = []
        self.n_layers = len(hidden_layers_sizes)
        assert self.n_layers > 0
        if not theano_rng:
            theano_rng = MRG_RandomStreams(numpy_rng.randint(2 ** 30))
        self.x = T.matrix('x')
        self.y = T.ivector('y')
        for i in range(self.n_layers):
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
            self.params.extend(sigmoid_layer.params)
            rbm_layer = RBM(numpy_rng=numpy_rng,
                            theano_rng=theano_rng,
                            input=layer_input,
                            n_visible=input_size,
                            n_hidden=hidden_layers_sizes[i],
                            W=sigmoid_layer.W,
                            hbias=sigmoid_layer.b)
            self.rbm_layers.append(rbm_layer)
        self.logLayer = LogisticRegression(
            input=self.sigmoid_layers[-1].output,
            n_in=hidden_layers_sizes[-1],
            n_out=n_outs)
        self.params.extend(self.logLayer.params)
        self.finetune_cost = self.logLayer.negative_log_likelihood(self.y)
        self.errors = self.logLayer.errors(self.y)

    def pretraining_functions(self, train_set_x, batch_size, k):
        index = T.lscalar('index')
        learning_rate = T.scalar('lr')
        batch_begin = index * batch_size
        batch_end = batch_begin + batch_size
        pretrain_fns = []
        for rbm in self.rbm_layers:
            cost, updates = rbm.get_cost_updates(learning_rate,
                                                 persistent=None, k=k)
            fn = theano.function(
                inputs=[index, theano.In(learning_rate, value=0.1)],
                outputs=cost,
                updates=updates,
                givens={
                    self.x: train_set_x[batch_begin:batch_end]
                }
            )
            pretrain_fns.append(fn)
        return pretrain_fns


def main(dataset, out):
    """One pretraining epoch per layer (CD-1), then two finetuning
    epochs."""
    datasets = load_data(dataset)
    train_set_x, train_set_y = datasets[0]
    batch_size = 10
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    numpy_rng = numpy.random.RandomState(123)
    dbn = DBN(numpy_rng=numpy_rng, n_ins=28 * 28,
              hidden_layers_sizes=[40, 30], n_outs=10)
    pretraining_fns = dbn.pretraining_functions(train_set_x=train_set_x,
                                                batch_size=batch_size, k=1)
    pretraining = []
    for i in range(dbn.n_layers):
        c = []
        for batch_index in range(n_train_batches):
            c.append(pretraining_fns[i](index=batch_index, lr=0.01))
        print('Pre-training layer %i, epoch %d, cost ' % (i, 0),
              numpy.mean(c, dtype='float64'))
        pretraining.append([float(v) for v in c[:3]] +
                           [float(numpy.mean(c, dtype='float64'))])
    index = T.lscalar('index')
    gparams = T.grad(dbn.finetune_cost, dbn.params)
    updates = [(param, param - gparam * 0.1)
               for param, gparam in zip(dbn.params, gparams)]
    train_fn = theano.function(
        inputs=[index], outputs=dbn.finetune_cost, updates=updates,
        givens={
            dbn.x: train_set_x[index * batch_size: (index + 1) * batch_size],
            dbn.y: train_set_y[index * batch_size: (index + 1) * batch_size]
        })
    finetuning = [[float(train_fn(i)) for i in range(n_train_batches)]
                  for epoch in range(2)]
    print(json.dumps({'pretraining': pretraining,
                      'finetuning_first': finetuning[0][0],
                      'finetuning_means': [float(numpy.mean(e))
                                           for e in finetuning],
                      'floatX': theano.config.floatX}))


if __name__ == '__main__':
    main(*sys.argv[1:])
