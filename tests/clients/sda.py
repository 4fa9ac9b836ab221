"""One layer of the tutorial series' SdA, written as SdA.py writes it
(Theano 1.0.5 code, unchanged): a sigmoid layer and a dA sharing its W and
b, a logistic regression on top, pretrained with ``theano.In`` defaults and
finetuned.  Run by tests/test_tutorial_client.py as ``python sda.py DATASET
OUT``; prints one JSON line."""
import json
import sys

import numpy

import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams

from dA import dA
from mlp import HiddenLayer
from logistic_sgd import LogisticRegression, load_data

dataset, out = sys.argv[1:]
datasets = load_data(dataset)
train_set_x, train_set_y = datasets[0]
batch_size = 20
n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

numpy_rng = numpy.random.RandomState(89677)
theano_rng = MRG_RandomStreams(numpy_rng.randint(2 ** 30))
x = T.matrix('x')
y = T.ivector('y')
sigmoid_layer = HiddenLayer(rng=numpy_rng, input=x, n_in=28 * 28, n_out=50,
                            activation=T.nnet.sigmoid)
dA_layer = dA(numpy_rng=numpy_rng, theano_rng=theano_rng, input=x,
              n_visible=28 * 28, n_hidden=50, W=sigmoid_layer.W,
              bhid=sigmoid_layer.b)
logLayer = LogisticRegression(input=sigmoid_layer.output, n_in=50, n_out=10)

index = T.lscalar('index')
corruption_level = T.scalar('corruption')
learning_rate = T.scalar('lr')
batch_begin = index * batch_size
batch_end = batch_begin + batch_size
cost, updates = dA_layer.get_cost_updates(corruption_level, learning_rate)
pretrain_fn = theano.function(
    inputs=[
        index,
        theano.In(corruption_level, value=0.2),
        theano.In(learning_rate, value=0.1)
    ],
    outputs=cost,
    updates=updates,
    givens={x: train_set_x[batch_begin: batch_end]}
)
numpy.savez(out + '/initial.npz', W=dA_layer.W.get_value(),
            b=dA_layer.b.get_value(), b_prime=dA_layer.b_prime.get_value())

first = float(pretrain_fn(index=0, corruption=0., lr=0.1))
pretraining = []
for epoch in range(3):
    c = []
    for batch_index in range(n_train_batches):
        c.append(pretrain_fn(batch_index))      # the In defaults
    pretraining.append(float(numpy.mean(c)))

params = sigmoid_layer.params + logLayer.params
finetune_cost = logLayer.negative_log_likelihood(y)
gparams = T.grad(finetune_cost, params)
updates = [(param, param - gparam * 0.1)
           for param, gparam in zip(params, gparams)]
train_fn = theano.function(
    inputs=[index], outputs=finetune_cost, updates=updates,
    givens={x: train_set_x[index * batch_size: (index + 1) * batch_size],
            y: train_set_y[index * batch_size: (index + 1) * batch_size]})
errors = theano.function(
    [], logLayer.errors(y), givens={x: train_set_x, y: train_set_y})

error_before = float(errors())
finetuning = []
for epoch in range(3):
    finetuning.append([float(train_fn(i)) for i in range(n_train_batches)])
print(json.dumps({'first': first, 'pretraining': pretraining,
                  'finetuning': finetuning, 'error_before': error_before,
                  'error_after': float(errors()),
                  'ldflags': theano.config.blas.ldflags,
                  'floatX': theano.config.floatX}))
