"""An Elman recurrent network for slot filling written the way the tutorial
series' rnnslu.py writes it for Theano 1.0.5: word embeddings looked up for
each word's context window, ``theano.scan`` over the sentence with
``outputs_info=[h0, None]``, and a step that returns
``T.nnet.softmax(T.dot(h_t, w) + b)`` -- a (1, n_classes) row on Theano,
for a vector input -- so that the script takes ``s[:, 0, :]``.  Trained by
sentence-level SGD, with the embeddings renormalised after each update.
A tiny synthetic vocabulary and synthetic sentences stand in for ATIS.

Run by tests/test_face_clients.py as ``python rnn_softmax.py DATASET OUT``
(it only writes OUT/rnn_initial.npz); prints one JSON line."""
import json
import os
import sys
from collections import OrderedDict

import numpy

import theano
from theano import tensor as T


def contextwin(l, win):
    """The context window of ``win`` word indexes around each word of the
    sentence ``l``, padded with -1 at both ends."""
    assert (win % 2) == 1
    assert win >= 1
    l = list(l)
    lpadded = win // 2 * [-1] + l + win // 2 * [-1]
    out = [lpadded[i:i + win] for i in range(len(l))]
    assert len(out) == len(l)
    return out


class RNNSLU(object):
    """Elman neural net model."""

    def __init__(self, rng, nh, nc, ne, de, cs):
        """
        nh :: dimension of the hidden layer
        nc :: number of classes
        ne :: number of word embeddings in the vocabulary
        de :: dimension of the word embeddings
        cs :: word window context size
        """
        # one more embedding, the last, for the -1 padding
        self.emb = theano.shared(name='embeddings',
                                 value=0.2 * rng.uniform(-1.0, 1.0,
                                                         (ne + 1, de))
                                 .astype(theano.config.floatX))
        self.wx = theano.shared(name='wx',
                                value=0.2 * rng.uniform(-1.0, 1.0,
                                                        (de * cs, nh))
                                .astype(theano.config.floatX))
        self.wh = theano.shared(name='wh',
                                value=0.2 * rng.uniform(-1.0, 1.0, (nh, nh))
                                .astype(theano.config.floatX))
        self.w = theano.shared(name='w',
                               value=0.2 * rng.uniform(-1.0, 1.0, (nh, nc))
                               .astype(theano.config.floatX))
        self.bh = theano.shared(name='bh',
                                value=numpy.zeros(nh,
                                                  dtype=theano.config.floatX))
        self.b = theano.shared(name='b',
                               value=numpy.zeros(nc,
                                                 dtype=theano.config.floatX))
        self.h0 = theano.shared(name='h0',
                                value=numpy.zeros(nh,
                                                  dtype=theano.config.floatX))

        self.params = [self.emb, self.wx, self.wh, self.w,
                       self.bh, self.b, self.h0]

        # one row per word of the sentence, one column per window position
        idxs = T.imatrix()
        x = self.emb[idxs].reshape((idxs.shape[0], de * cs))
        y_sentence = T.ivector('y_sentence')

        def recurrence(x_t, h_tm1):
            h_t = T.nnet.sigmoid(T.dot(x_t, self.wx)
                                 + T.dot(h_tm1, self.wh) + self.bh)
            s_t = T.nnet.softmax(T.dot(h_t, self.w) + self.b)
            return [h_t, s_t]

        [h, s], _ = theano.scan(fn=recurrence,
                                sequences=x,
                                outputs_info=[self.h0, None],
                                n_steps=x.shape[0])

        # s is (n_words, 1, n_classes)
        p_y_given_x_sentence = s[:, 0, :]
        y_pred = T.argmax(p_y_given_x_sentence, axis=1)

        lr = T.scalar('lr')
        sentence_nll = -T.mean(T.log(p_y_given_x_sentence)
                               [T.arange(x.shape[0]), y_sentence])
        sentence_gradients = T.grad(sentence_nll, self.params)
        sentence_updates = OrderedDict((p, p - lr * g)
                                       for p, g in
                                       zip(self.params, sentence_gradients))

        self.classify = theano.function(inputs=[idxs], outputs=y_pred)
        self.probabilities = theano.function(inputs=[idxs],
                                             outputs=p_y_given_x_sentence)
        self.sentence_train = theano.function(inputs=[idxs, y_sentence, lr],
                                              outputs=sentence_nll,
                                              updates=sentence_updates)
        self.normalize = theano.function(inputs=[],
                                         updates={self.emb:
                                                  self.emb /
                                                  T.sqrt((self.emb ** 2)
                                                         .sum(axis=1))
                                                  .dimshuffle(0, 'x')})

    def train(self, x, y, window_size, learning_rate):
        cwords = contextwin(x, window_size)
        words = numpy.asarray(cwords).astype('int32')
        labels = y
        nll = self.sentence_train(words, labels, learning_rate)
        self.normalize()
        return nll


def synthetic_sentences(rng, n, vocsize, nclasses):
    """``n`` sentences of 4 to 8 word indexes; a word's label is its
    index modulo ``nclasses``."""
    lex, labels = [], []
    for i in range(n):
        words = rng.randint(0, vocsize, size=rng.randint(4, 9))
        lex.append(words.astype('int32'))
        labels.append((words % nclasses).astype('int32'))
    return lex, labels


def main(dataset, out):
    s = {'lr': 0.2, 'win': 3, 'nhidden': 12, 'emb_dimension': 6,
         'nepochs': 5, 'seed': 345, 'vocsize': 15, 'nclasses': 4}
    rng = numpy.random.RandomState(s['seed'])
    train_lex, train_y = synthetic_sentences(rng, 12, s['vocsize'],
                                             s['nclasses'])
    rnn = RNNSLU(rng, nh=s['nhidden'], nc=s['nclasses'], ne=s['vocsize'],
                 de=s['emb_dimension'], cs=s['win'])
    numpy.savez(os.path.join(out, 'rnn_initial.npz'),
                **dict((p.name, p.get_value()) for p in rnn.params))
    numpy.savez(os.path.join(out, 'rnn_data.npz'), words=train_lex[0],
                labels=train_y[0])

    first_probabilities = rnn.probabilities(numpy.asarray(
        contextwin(train_lex[0], s['win'])).astype('int32'))
    costs = []
    for e in range(s['nepochs']):
        order = rng.permutation(len(train_lex))
        epoch_costs = [float(rnn.train(train_lex[i], train_y[i], s['win'],
                                       s['lr'])) for i in order]
        print('epoch', e, 'mean nll', numpy.mean(epoch_costs))
        costs.append(epoch_costs)

    windows = numpy.asarray(contextwin(train_lex[0], s['win'])).astype('int32')
    predictions = rnn.classify(windows)
    probabilities = rnn.probabilities(windows)
    print(json.dumps({
        'first_costs': costs[0][:5],
        'epoch_means': [float(numpy.mean(c)) for c in costs],
        'first_probabilities': first_probabilities.tolist(),
        'predictions': predictions.tolist(),
        'probabilities': probabilities.tolist(),
        'probabilities_shape': list(probabilities.shape),
        'embedding_norms': numpy.sqrt(
            (rnn.emb.get_value() ** 2).sum(axis=1))[:4].tolist(),
        'floatX': theano.config.floatX}))


if __name__ == '__main__':
    main(*sys.argv[1:3])
