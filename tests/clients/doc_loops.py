"""Theano 1.0.5's documentation tutorial, "Loop" (doc/tutorial/loop.txt),
run as a user runs it: ``theano.scan`` for tanh(x W + b) over the rows of
a matrix, a recurrence with a reversed sequence, norms of rows and columns,
a trace, a recurrence with taps [-2, -1], a Jacobian, an accumulator
updating a shared variable, random masks (drawn inside the step, and drawn
outside the scan but used inside its step), A ** k, and a polynomial (with
the reduction done by ``sum`` and by scan).

Run by tests/test_face_clients.py as ``python doc_loops.py DATASET OUT``
(it needs neither); prints one JSON line of numbers."""
import json

import numpy as np

import theano
import theano.tensor as T


def values(a):
    return np.asarray(a, dtype=float).ravel().tolist()


results = {}

# tanh(x(t).dot(W) + b) elementwise
X = T.matrix("X")
W = T.matrix("W")
b_sym = T.vector("b_sym")
res, updates = theano.scan(lambda v: T.tanh(T.dot(v, W) + b_sym),
                           sequences=X)
compute_elementwise = theano.function(inputs=[X, W, b_sym], outputs=res)
x = np.eye(2, dtype=theano.config.floatX)
w = np.ones((2, 2), dtype=theano.config.floatX)
b = np.ones((2), dtype=theano.config.floatX)
b[1] = 2
results['elementwise'] = values(compute_elementwise(x, w, b))

# x(t) = tanh(x(t - 1).dot(W) + y(t).dot(U) + p(T - t).dot(V))
X = T.vector("X")
W = T.matrix("W")
U = T.matrix("U")
Y = T.matrix("Y")
V = T.matrix("V")
P = T.matrix("P")
res, updates = theano.scan(
    lambda y, p, x_tm1: T.tanh(T.dot(x_tm1, W) + T.dot(y, U) + T.dot(p, V)),
    sequences=[Y, P[::-1]], outputs_info=[X])
compute_seq = theano.function(inputs=[X, W, Y, U, P, V], outputs=res)
x = np.zeros((2), dtype=theano.config.floatX)
x[1] = 1
w = np.ones((2, 2), dtype=theano.config.floatX)
y = np.ones((5, 2), dtype=theano.config.floatX)
y[0, :] = -3
u = np.ones((2, 2), dtype=theano.config.floatX)
p = np.ones((5, 2), dtype=theano.config.floatX)
p[0, :] = 3
v = np.ones((2, 2), dtype=theano.config.floatX)
results['sequence'] = values(compute_seq(x, w, y, u, p, v))

# norms of the lines and of the columns of X
X = T.matrix("X")
res, updates = theano.scan(lambda x_i: T.sqrt((x_i ** 2).sum()),
                           sequences=[X])
compute_norm_lines = theano.function(inputs=[X], outputs=res)
res, updates = theano.scan(lambda x_i: T.sqrt((x_i ** 2).sum()),
                           sequences=[X.T])
compute_norm_cols = theano.function(inputs=[X], outputs=res)
x = np.diag(np.arange(1, 6, dtype=theano.config.floatX), 1)
x[0, 0] = 2
results['norm_lines'] = values(compute_norm_lines(x))
results['norm_cols'] = values(compute_norm_cols(x))

# the trace of X
floatX = theano.config.floatX
X = T.matrix("X")
res, updates = theano.scan(
    lambda i, j, t_f: T.cast(X[i, j] + t_f, floatX),
    sequences=[T.arange(X.shape[0]), T.arange(X.shape[1])],
    outputs_info=np.asarray(0., dtype=floatX))
compute_trace = theano.function(inputs=[X], outputs=res[-1])
x = np.eye(5, dtype=theano.config.floatX)
x[0] = np.arange(5, dtype=theano.config.floatX)
results['trace'] = float(compute_trace(x))

# x(t) = x(t - 2).dot(U) + x(t - 1).dot(V) + tanh(x(t - 1).dot(W) + b)
X = T.matrix("X")
W = T.matrix("W")
b_sym = T.vector("b_sym")
U = T.matrix("U")
V = T.matrix("V")
n_sym = T.iscalar("n_sym")
res, updates = theano.scan(
    lambda x_tm2, x_tm1: (T.dot(x_tm2, U) + T.dot(x_tm1, V) +
                          T.tanh(T.dot(x_tm1, W) + b_sym)),
    n_steps=n_sym, outputs_info=[dict(initial=X, taps=[-2, -1])])
compute_seq2 = theano.function(inputs=[X, U, V, W, b_sym, n_sym],
                               outputs=res)
x = np.zeros((2, 2), dtype=theano.config.floatX)
x[1, 1] = 1
w = 0.5 * np.ones((2, 2), dtype=theano.config.floatX)
u = 0.5 * (np.ones((2, 2), dtype=theano.config.floatX) -
           np.eye(2, dtype=theano.config.floatX))
v = 0.5 * np.ones((2, 2), dtype=theano.config.floatX)
b = np.ones((2), dtype=theano.config.floatX)
results['taps'] = values(compute_seq2(x, u, v, w, b, 10))

# the Jacobian of y = tanh(v.dot(A)) with respect to v
v = T.vector()
A = T.matrix()
y = T.tanh(T.dot(v, A))
res, updates = theano.scan(lambda i: T.grad(y[i], v),
                           sequences=[T.arange(y.shape[0])])
compute_jac_t = theano.function([A, v], res, allow_input_downcast=True)
x = np.eye(5, dtype=theano.config.floatX)[0]
w = np.eye(5, 3, dtype=theano.config.floatX)
w[2] = np.ones((3), dtype=theano.config.floatX)
results['jacobian'] = values(compute_jac_t(w, x))

# an accumulator: a shared variable updated at each step
k = theano.shared(0)
n_sym = T.iscalar("n_sym")
res, updates = theano.scan(lambda: {k: (k + 1)}, n_steps=n_sym)
accumulator = theano.function([n_sym], [], updates=updates,
                              allow_input_downcast=True)
before = int(k.get_value())
accumulator(5)
results['accumulator'] = [before, int(k.get_value())]

# tanh(v.dot(W) + b) * d, d binomial, drawn outside the scan but used
# inside its step
X = T.matrix("X")
W = T.matrix("W")
b_sym = T.vector("b_sym")
trng = T.shared_randomstreams.RandomStreams(1234)
d = trng.binomial(size=W[1].shape)
res, updates = theano.scan(lambda v: T.tanh(T.dot(v, W) + b_sym) * d,
                           sequences=X)
compute_with_bnoise = theano.function(inputs=[X, W, b_sym], outputs=res,
                                      updates=updates,
                                      allow_input_downcast=True)
x = np.eye(10, 2, dtype=theano.config.floatX)
w = np.ones((2, 2), dtype=theano.config.floatX)
b = np.ones((2), dtype=theano.config.floatX)
out = compute_with_bnoise(x, w, b)
masks = (out != 0).astype(int)
print(out)
results['outside_draw'] = values(out)
results['outside_draw_distinct_masks'] = len(set(map(tuple, masks)))
results['outside_draw_scan_updates'] = len(updates)
out2 = compute_with_bnoise(x, w, b)
results['outside_draw_second_call'] = values(out2)

# the same d passed as a non-sequence: one mask for every step
trng = T.shared_randomstreams.RandomStreams(1234)
d = trng.binomial(size=W[1].shape)
res, updates = theano.scan(lambda v, d: T.tanh(T.dot(v, W) + b_sym) * d,
                           sequences=X, non_sequences=d)
compute_fixed_noise = theano.function(inputs=[X, W, b_sym], outputs=res,
                                      updates=updates,
                                      allow_input_downcast=True)
out = compute_fixed_noise(x, w, b)
masks = (out != 0).astype(int)
results['non_sequence_draw'] = values(out)
results['non_sequence_draw_distinct_masks'] = len(set(map(tuple, masks)))

# a mask drawn inside the step
trng = T.shared_randomstreams.RandomStreams(4321)


def masked_step(v):
    mask = trng.binomial(size=(2,), p=0.5, dtype=theano.config.floatX)
    return T.tanh(T.dot(v, W) + b_sym) * mask


res, updates = theano.scan(masked_step, sequences=X)
compute_inner_noise = theano.function(inputs=[X, W, b_sym], outputs=res,
                                      updates=updates)
out = compute_inner_noise(x, w, b)
masks = (out != 0).astype(int)
results['inside_draw'] = values(out)
results['inside_draw_distinct_masks'] = len(set(map(tuple, masks)))
results['inside_draw_scan_updates'] = len(updates)
results['inside_draw_dtype'] = int(out.dtype == theano.config.floatX)
results['inside_draw_second_call'] = values(compute_inner_noise(x, w, b))

# pow(A, k)
k = T.iscalar("k")
A = T.vector("A")


def inner_fct(prior_result, B):
    return prior_result * B


res, updates = theano.scan(fn=inner_fct, outputs_info=T.ones_like(A),
                           non_sequences=A, n_steps=k)
final_result = res[-1]
power = theano.function(inputs=[A, k], outputs=final_result,
                        updates=updates)
results['power'] = values(power(range(10), 2))
results['power_3'] = values(power(np.arange(5, dtype=floatX) / 2, 3))

# a polynomial, reduced by sum
coefficients = theano.tensor.vector("coefficients")
x = T.scalar("x")
max_coefficients_supported = 10000
full_range = theano.tensor.arange(max_coefficients_supported)
components, updates = theano.scan(
    fn=lambda coeff, power, free_var: coeff * (free_var ** power),
    outputs_info=None,
    sequences=[coefficients, full_range],
    non_sequences=x)
polynomial = components.sum()
calculate_polynomial = theano.function(inputs=[coefficients, x],
                                       outputs=polynomial)
test_coeff = np.asarray([1, 0, 2], dtype=np.float32)
results['polynomial'] = float(calculate_polynomial(test_coeff, 3))

# ... and by scan itself (the exercise)
outputs_info = T.as_tensor_variable(np.asarray(0, 'float64'))
components, updates = theano.scan(
    fn=lambda coeff, power, prior_value, free_var:
        prior_value + (coeff * (free_var ** power)),
    outputs_info=outputs_info,
    sequences=[coefficients, full_range],
    non_sequences=x)
polynomial = components[-1]
calculate_polynomial2 = theano.function(inputs=[coefficients, x],
                                        outputs=polynomial, updates=updates)
results['polynomial_by_scan'] = float(calculate_polynomial2(test_coeff, 3))
results['polynomial_by_scan_2'] = float(calculate_polynomial2(
    np.asarray([0.5, -1, 0.25, 2], dtype=np.float32), 1.5))

results['floatX'] = theano.config.floatX
print(json.dumps(results))
