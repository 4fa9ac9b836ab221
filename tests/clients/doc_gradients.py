"""Theano 1.0.5's documentation tutorial, "Derivatives in Theano"
(doc/tutorial/gradients.txt), run as a user runs it: ``T.grad`` of x ** 2
and of the logistic (with ``theano.pp`` of the graphs), the Jacobian and
the Hessian through ``theano.scan`` and through theano.gradient's macros,
``T.Rop`` and ``T.Lop``, and Hessian-times-vector both ways.

Run by tests/test_face_clients.py as ``python doc_gradients.py DATASET
OUT`` (it needs neither); prints one JSON line of numbers."""
import json

import numpy

import theano
import theano.tensor as T
from theano import function, pp


def values(a):
    return numpy.asarray(a, dtype=float).ravel().tolist()


results = {}

# Computing Gradients
x = T.dscalar('x')
y = x ** 2
gy = T.grad(y, x)
printed = pp(gy)                  # the gradient before optimization
print(printed)
f = function([x], gy)
optimized = pp(f.maker.fgraph.outputs[0])
print(optimized)
results['pp_lengths_positive'] = [int(len(printed) > 0),
                                  int(len(optimized) > 0)]
results['x_squared'] = [float(f(4)), float(f(94.2))]

x = T.dmatrix('x')
s = T.sum(1 / (1 + T.exp(-x)))
gs = T.grad(s, x)
dlogistic = function([x], gs)
results['dlogistic'] = values(dlogistic([[0, 1], [-1, -2]]))

# the same in floatX
xf = T.matrix('xf')
sf = T.sum(T.nnet.sigmoid(xf))
dlogistic_floatX = function([xf], T.grad(sf, xf))
out = dlogistic_floatX(numpy.asarray([[0, 1], [-1, -2]],
                                     dtype=theano.config.floatX))
results['dlogistic_floatX'] = values(out)
results['dlogistic_floatX_dtype'] = int(out.dtype == theano.config.floatX)

# Computing the Jacobian
x = T.dvector('x')
y = x ** 2
J, updates = theano.scan(lambda i, y, x: T.grad(y[i], x),
                         sequences=T.arange(y.shape[0]),
                         non_sequences=[y, x])
f = function([x], J, updates=updates)
results['jacobian'] = values(f([4, 4]))
results['jacobian_macro'] = values(
    function([x], theano.gradient.jacobian(y, x))([4, 5]))

# Computing the Hessian
x = T.dvector('x')
y = x ** 2
cost = y.sum()
gy = T.grad(cost, x)
H, updates = theano.scan(lambda i, gy, x: T.grad(gy[i], x),
                         sequences=T.arange(gy.shape[0]),
                         non_sequences=[gy, x])
f = function([x], H, updates=updates)
results['hessian'] = values(f([4, 4]))
results['hessian_macro'] = values(
    function([x], theano.gradient.hessian(cost, x))([4, 5]))

# R-operator
W = T.dmatrix('W')
V = T.dmatrix('V')
x = T.dvector('x')
y = T.dot(x, W)
JV = T.Rop(y, W, V)
f = theano.function([W, V, x], JV)
results['rop'] = values(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1]))

# L-operator
W = T.dmatrix('W')
v = T.dvector('v')
x = T.dvector('x')
y = T.dot(x, W)
VJ = T.Lop(y, W, v)
f = theano.function([v, x], VJ)
results['lop'] = values(f([2, 2], [0, 1]))
# v times the Jacobian of x.dot(W) does not depend on W: Theano refuses
# W as an input unless told to ignore it
try:
    theano.function([W, v, x], VJ)
    results['unused_input_raises'] = 0
except Exception as e:
    print(type(e).__name__)
    results['unused_input_raises'] = 1
f = theano.function([W, v, x], VJ, on_unused_input='ignore')
results['lop_ignoring_W'] = values(f([[1, 1], [1, 1]], [2, 2], [0, 1]))

# Rop and Lop of a nonlinear function, on random values
rng = numpy.random.RandomState(1)
W = T.dmatrix('W')
V = T.dmatrix('V')
u = T.dvector('u')
x = T.dvector('x')
y = T.tanh(T.dot(x, W))
f = theano.function([W, V, x], T.Rop(y, W, V))
g = theano.function([W, u, x], T.Lop(y, W, u))
w_val, v_val = rng.randn(3, 2), rng.randn(3, 2)
x_val, u_val = rng.randn(3), rng.randn(2)
results['rop_tanh'] = values(f(w_val, v_val, x_val))
results['lop_tanh'] = values(g(w_val, u_val, x_val))

# Hessian times a Vector
x = T.dvector('x')
v = T.dvector('v')
y = T.sum(x ** 2)
gy = T.grad(y, x)
vH = T.grad(T.sum(gy * v), x)
f = theano.function([x, v], vH)
results['vH'] = values(f([4, 4], [2, 2]))

x = T.dvector('x')
v = T.dvector('v')
y = T.sum(x ** 2)
gy = T.grad(y, x)
Hv = T.Rop(gy, x, v)
f = theano.function([x, v], Hv)
results['Hv'] = values(f([4, 4], [2, 2]))

results['floatX'] = theano.config.floatX
print(json.dumps(results))
