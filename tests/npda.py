"""An independent NumPy version of the tutorial's dA math, for the tests.

Written from the tutorial's equations, not from dA.py: tied weights,
sigmoid units, mean over the minibatch of the summed cross-entropy.
"""
import numpy


def sigmoid(a):
    return 1.0 / (1.0 + numpy.exp(-a))


def forward(x, W, b, b_prime, mask=None):
    """Return (y, z): hidden code and reconstruction of x (masked if given).
    """
    tilde_x = x if mask is None else x * mask
    y = sigmoid(tilde_x @ W + b)
    z = sigmoid(y @ W.T + b_prime)
    return y, z


def cost(x, W, b, b_prime, mask=None):
    """Mean over rows of -sum_k [x log z + (1 - x) log(1 - z)]."""
    _, z = forward(x, W, b, b_prime, mask)
    return numpy.mean(-numpy.sum(x * numpy.log(z) + (1 - x) * numpy.log(1 - z),
                                 axis=1))


def gradients(x, W, b, b_prime, mask=None):
    """Analytic gradients of ``cost`` with respect to W, b, b_prime."""
    tilde_x = x if mask is None else x * mask
    y, z = forward(x, W, b, b_prime, mask)
    d_out = (z - x) / x.shape[0]           # d cost / d decoder pre-activation
    d_hid = (d_out @ W) * y * (1 - y)      # back through W' = W.T and sigmoid
    gW = tilde_x.T @ d_hid + d_out.T @ y   # encoder use + decoder use of W
    return gW, d_hid.sum(axis=0), d_out.sum(axis=0)


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
            c.append(cost(xb, W, b, b_prime))
            gW, gb, gbp = gradients(xb, W, b, b_prime)
            W, b, b_prime = (W - learning_rate * gW, b - learning_rate * gb,
                             b_prime - learning_rate * gbp)
        costs.append(numpy.mean(c))
    return costs
