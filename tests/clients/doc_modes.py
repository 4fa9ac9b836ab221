"""Theano 1.0.5's documentation tutorial, "Configuration Settings and
Compiling Modes" (doc/tutorial/modes.txt and its exercise's solution,
modes_solution_1.py), run as a user runs it: the config read, and the
logistic regression of the exercise -- in floatX, the mean cast back to
floatX -- compiled with mode='FAST_COMPILE', mode='FAST_RUN' and
``theano.compile.mode.Mode(linker='py', optimizer='fast_run')``, on 60
examples of 10 features for 60 steps.

Run by tests/test_face_clients.py as ``python doc_modes.py DATASET OUT``
(it needs neither); prints one JSON line of numbers."""
import json

import numpy

import theano
import theano.tensor as T

print('mode', theano.config.mode, 'floatX', theano.config.floatX)
rng = numpy.random.RandomState(42)

N = 60
feats = 10
D = (rng.randn(N, feats).astype(theano.config.floatX),
     rng.randint(size=N, low=0, high=2).astype(theano.config.floatX))
training_steps = 60
# small initial weights: the probabilities stay away from 0 and 1, where
# the float32 cross-entropy (and its gradient) would lose its digits
w_initial = (0.1 * rng.randn(feats)).astype(theano.config.floatX)


def train_with(mode):
    """The exercise's model, compiled in ``mode``; returns its figures."""
    x = T.matrix("x")
    y = T.vector("y")
    w = theano.shared(w_initial.copy(), name="w")
    b = theano.shared(numpy.asarray(0., dtype=theano.config.floatX),
                      name="b")

    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))    # probability of a one
    prediction = p_1 > 0.5                     # the prediction: 0 or 1
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)    # cross-entropy
    cost = T.cast(xent.mean(), theano.config.floatX) + \
        0.01 * (w ** 2).sum()                  # the cost to optimize
    gw, gb = T.grad(cost, [w, b])

    train = theano.function(
        inputs=[x, y],
        outputs=[prediction, xent],
        updates=[(w, w - 0.01 * gw), (b, b - 0.01 * gb)],
        name="train", mode=mode)
    predict = theano.function(inputs=[x], outputs=prediction,
                              name="predict", mode=mode)

    first_xent = None
    for i in range(training_steps):
        pred, err = train(D[0], D[1])
        if first_xent is None:
            first_xent = float(err.mean())
    final = predict(D[0])
    print(mode, 'accuracy', (final == D[1]).mean())
    return {'first_xent': first_xent,
            'last_xent': float(err.mean()),
            'w': w.get_value()[:5].tolist(),
            'b': float(b.get_value()),
            'accuracy': float((final == D[1]).mean()),
            'dtypes': [int(w.get_value().dtype == theano.config.floatX),
                       int(err.dtype == theano.config.floatX)],
            'toposort_length_positive': int(
                len(train.maker.fgraph.toposort()) > 0)}


results = {
    'fast_compile': train_with('FAST_COMPILE'),
    'fast_run': train_with('FAST_RUN'),
    'py_fast_run': train_with(theano.compile.mode.Mode(
        linker='py', optimizer='fast_run')),
    # the default mode, as configured (Theano's default is 'Mode')
    'default': train_with(theano.config.mode),
    'config_mode_is_default': int(theano.config.mode == 'Mode'),
}

# DebugMode, as the tutorial shows it
x = T.dvector('x')
f = theano.function([x], 10 * x, mode='DebugMode')
results['debugmode'] = [float(v) for v in
                        numpy.concatenate([f([5]), f([0]), f([7])])]

results['floatX'] = theano.config.floatX
print(json.dumps(results))
