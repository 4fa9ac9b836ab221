"""Theano 1.0.5's documentation tutorial, "A Real Example: Logistic
Regression" (doc/tutorial/examples.txt), run as a user runs it, with 100
examples of 20 features instead of 400 of 784 and 300 training steps
instead of 10000.  The example declares float64 variables (T.dmatrix,
T.dvector), whatever floatX says.

Run by tests/test_face_clients.py as ``python doc_logistic.py DATASET
OUT`` (it writes OUT/logistic_initial.npz); prints one JSON line of
numbers."""
import json
import os
import sys

import numpy
import theano
import theano.tensor as T

out = sys.argv[2] if len(sys.argv) > 2 else '.'
rng = numpy.random.RandomState(42)

N = 100                                   # training sample size
feats = 20                                # number of input variables

# generate a dataset: D = (input_values, target_class)
D = (rng.randn(N, feats), rng.randint(size=N, low=0, high=2))
training_steps = 300

# Declare Theano symbolic variables
x = T.dmatrix("x")
y = T.dvector("y")

# the weight vector w, drawn at random, and the bias term b: shared, so
# that they keep their values between training steps
w = theano.shared(rng.randn(feats), name="w")
b = theano.shared(0., name="b")

print("Initial model:")
print(w.get_value())
print(b.get_value())
numpy.savez(os.path.join(out, 'logistic_initial.npz'), w=w.get_value(),
            x=D[0], y=D[1])

# Construct Theano expression graph
p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))       # probability that target = 1
prediction = p_1 > 0.5                        # the prediction thresholded
xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)   # cross-entropy loss
cost = xent.mean() + 0.01 * (w ** 2).sum()    # the cost to minimize
gw, gb = T.grad(cost, [w, b])                 # its gradient w.r.t. w and b

# Compile
train = theano.function(
    inputs=[x, y],
    outputs=[prediction, xent],
    updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb)))
predict = theano.function(inputs=[x], outputs=prediction)

# Train
xents = []
for i in range(training_steps):
    pred, err = train(D[0], D[1])
    xents.append(float(err.mean()))

print("Final model:")
print(w.get_value())
print(b.get_value())
print("target values for D:")
print(D[1])
print("prediction on D:")
final = predict(D[0])
print(final)

print(json.dumps({
    'first_xent': xents[0],
    'xent_every_50': xents[::50],
    'w': w.get_value()[:6].tolist(),
    'b': float(b.get_value()),
    'accuracy': float((final == D[1]).mean()),
    'prediction_head': [int(v) for v in final[:10]],
    'dtypes': [int(w.get_value().dtype == 'float64'),
               int(err.dtype == 'float64'),
               int(final.dtype == 'bool')],
    'floatX': theano.config.floatX}))
