"""An independent NumPy version of the tutorial's dA math, for the tests.

Written from the tutorial's equations, not from dA.py: tied weights,
sigmoid units, mean over the minibatch of the summed cross-entropy.  The
tests' one NumPy reference: the row softmax and one SGD step live here too.
"""
import numpy


def sigmoid(a):
    """The logistic function, elementwise."""
    return 1.0 / (1.0 + numpy.exp(-a))


def softmax(a):
    """The softmax of each row of ``a`` (of ``a`` itself if a vector)."""
    e = numpy.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def forward(x, W, b, b_prime, tilde_x=None):
    """Return (y, z): the hidden code of ``tilde_x`` (the corrupted input;
    ``x`` itself if None) and its reconstruction."""
    tilde_x = x if tilde_x is None else tilde_x
    y = sigmoid(tilde_x @ W + b)
    z = sigmoid(y @ W.T + b_prime)
    return y, z


def row_costs(x, W, b, b_prime, tilde_x=None):
    """-sum_k [x log z + (1 - x) log(1 - z)] of each row."""
    _, z = forward(x, W, b, b_prime, tilde_x)
    return -numpy.sum(x * numpy.log(z) + (1 - x) * numpy.log(1 - z), axis=1)


def cost(x, W, b, b_prime, tilde_x=None):
    """The tutorial's cost: the mean over rows of ``row_costs``."""
    return numpy.mean(row_costs(x, W, b, b_prime, tilde_x))


def gradients(x, W, b, b_prime, tilde_x=None):
    """Analytic gradients of ``cost`` with respect to W, b, b_prime."""
    tilde_x = x if tilde_x is None else tilde_x
    y, z = forward(x, W, b, b_prime, tilde_x)
    d_out = (z - x) / x.shape[0]           # d cost / d decoder pre-activation
    d_hid = (d_out @ W) * y * (1 - y)      # back through W' = W.T and sigmoid
    gW = tilde_x.T @ d_hid + d_out.T @ y   # encoder use + decoder use of W
    return gW, d_hid.sum(axis=0), d_out.sum(axis=0)


def sgd_step(x, W, b, b_prime, learning_rate, tilde_x=None):
    """One step of the tutorial's SGD, in float64 whatever the inputs' type.

    Return (rows, W, b, b_prime): ``row_costs`` before the step, and the
    parameters after it.
    """
    x, W, b, b_prime = (numpy.asarray(v, dtype='float64')
                        for v in (x, W, b, b_prime))
    if tilde_x is not None:
        tilde_x = numpy.asarray(tilde_x, dtype='float64')
    rows = row_costs(x, W, b, b_prime, tilde_x)
    gW, gb, gbp = gradients(x, W, b, b_prime, tilde_x)
    return (rows, W - learning_rate * gW, b - learning_rate * gb,
            b_prime - learning_rate * gbp)


def initial_params(seed, n_visible, n_hidden):
    """The tutorial's initialisation, in its order: the RandomStreams seed is
    drawn first, then W uniform in +-4*sqrt(6/(n_visible+n_hidden))."""
    rng = numpy.random.RandomState(seed)
    rng.randint(2 ** 30)
    bound = 4 * numpy.sqrt(6. / (n_hidden + n_visible))
    W = rng.uniform(low=-bound, high=bound, size=(n_visible, n_hidden))
    return W, numpy.zeros(n_hidden), numpy.zeros(n_visible)


def train(x, seed, n_hidden, learning_rate, epochs, batch_size):
    """Plain minibatch SGD without corruption; return per-epoch mean costs."""
    W, b, b_prime = initial_params(seed, x.shape[1], n_hidden)
    costs = []
    for _ in range(epochs):
        c = []
        for i in range(x.shape[0] // batch_size):
            xb = x[i * batch_size:(i + 1) * batch_size]
            rows, W, b, b_prime = sgd_step(xb, W, b, b_prime, learning_rate)
            c.append(numpy.mean(rows))
        costs.append(numpy.mean(c))
    return costs
