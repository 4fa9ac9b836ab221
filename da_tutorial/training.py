"""The training loops, written once: ``train_epochs`` (epochs of SGD over
minibatches: dA.py's training and SdA.py's pretraining) and
``early_stopping`` (the tutorials' patience rule: logistic_sgd.py and
SdA.py's finetuning).  No engine here: each takes compiled functions."""
import sys
import timeit

import numpy
from tqdm import tqdm


def train_epochs(train_fn, n_batches, epochs, report, context='',
                 batch_size=1):
    """Run ``epochs`` passes of ``train_fn`` over minibatches 0..n_batches-1.

    The one training loop of the project: dA.py and SdA.py's pretraining
    both go through it.  On a terminal, a progress bar on stderr shows the
    minibatches done, examples per second and the time left in the epoch;
    in a pipe or a log file only ``report``'s lines appear.

    :type train_fn: callable
    :param train_fn: ``train_fn(batch_index)`` does one SGD step and returns
                     the minibatch cost

    :type n_batches: int
    :param n_batches: minibatches per epoch

    :type epochs: int
    :param epochs: passes over the training set

    :type report: callable
    :param report: ``report(epoch, mean_cost)``, called after each epoch

    :type context: str
    :param context: settings named in the error if training diverges

    :type batch_size: int
    :param batch_size: examples per minibatch, for the progress bar's rate

    :returns: (list of the mean cost of each epoch, list of its seconds)
    :raises FloatingPointError: naming the epoch and minibatch where a cost
                                was not finite
    """
    show_bar = sys.stderr.isatty()
    epoch_costs, epoch_seconds = [], []
    # Theano converts a Python int argument on every call; a ready 0-d
    # int64 array takes its fast path (about 0.1 ms of a 1.5 ms step).
    indices = [numpy.asarray(i, dtype='int64') for i in range(n_batches)]
    # go through training epochs
    for epoch in range(epochs):
        start = timeit.default_timer()
        bar = tqdm(total=n_batches * batch_size, unit='ex', leave=False,
                   disable=not show_bar, desc='epoch %d' % epoch)
        # go through training set
        c = []
        for batch_index in range(n_batches):
            c.append(train_fn(indices[batch_index]))
            bar.update(batch_size)
            if not numpy.isfinite(c[-1]):
                bar.close()
                raise FloatingPointError(
                    'training diverged (%s): cost %s at epoch %d, minibatch '
                    '%d; try a smaller learning rate'
                    % (context, c[-1], epoch, batch_index))
        bar.close()
        epoch_costs.append(numpy.mean(c))
        epoch_seconds.append(timeit.default_timer() - start)
        report(epoch, epoch_costs[-1])
    return epoch_costs, epoch_seconds


def early_stopping(train_model, validate, test, n_train_batches, n_epochs,
                   patience, patience_increase=2, improvement_threshold=0.995,
                   on_best=None):
    """Minibatch SGD with the tutorials' early stopping; the one loop that
    logistic_sgd.py and SdA.py's finetuning share.

    The validation error is checked once an epoch (or every ``patience // 2``
    minibatches if sooner); each new best is tested on the test set. Training
    stops after ``n_epochs`` or once ``patience`` minibatches have passed;
    a clear improvement (below ``improvement_threshold`` times the best)
    extends ``patience`` to ``patience_increase`` times the current
    iteration.  Prints the tutorials' progress lines.

    :type train_model: callable
    :param train_model: ``train_model(minibatch_index)`` does one SGD step
                        and returns the minibatch cost

    :type validate: callable
    :param validate: ``validate()`` returns the validation error (fraction)

    :type test: callable
    :param test: ``test()`` returns the test error (fraction)

    :type n_train_batches: int
    :param n_train_batches: minibatches per epoch

    :type n_epochs: int
    :param n_epochs: most epochs to run

    :type patience: int
    :param patience: look at this many minibatches regardless

    :type patience_increase: float
    :param patience_increase: wait this much longer when a new best is found

    :type improvement_threshold: float
    :param improvement_threshold: a relative improvement of this much is
                                  considered significant

    :type on_best: callable or None
    :param on_best: called after each new best model (e.g. to save it)

    :returns: (best validation error, its iteration, test error of that
              model, epochs run)
    :raises FloatingPointError: when a minibatch cost is not finite
    """
    # go through this many minibatches before checking the network on the
    # validation set; in these tutorials we check every epoch
    validation_frequency = min(n_train_batches, patience // 2)

    best_validation_loss = numpy.inf
    best_iter = 0
    test_score = 0.

    done_looping = False
    epoch = 0
    while (epoch < n_epochs) and (not done_looping):
        epoch = epoch + 1
        for minibatch_index in range(n_train_batches):

            cost = train_model(minibatch_index)
            if not numpy.isfinite(cost):
                raise FloatingPointError(
                    'training diverged: cost %s at epoch %d, minibatch %d; '
                    'try a smaller learning rate'
                    % (cost, epoch, minibatch_index))
            # iteration number
            iter = (epoch - 1) * n_train_batches + minibatch_index

            if (iter + 1) % validation_frequency == 0:
                this_validation_loss = validate()
                print('epoch %i, minibatch %i/%i, validation error %f %%' % (
                    epoch, minibatch_index + 1, n_train_batches,
                    this_validation_loss * 100.))

                # if we got the best validation score until now
                if this_validation_loss < best_validation_loss:
                    # improve patience if loss improvement is good enough
                    if this_validation_loss < best_validation_loss * \
                            improvement_threshold:
                        patience = max(patience, iter * patience_increase)

                    best_validation_loss = this_validation_loss
                    best_iter = iter
                    test_score = test()
                    print(('     epoch %i, minibatch %i/%i, test error of'
                           ' best model %f %%') % (
                        epoch, minibatch_index + 1, n_train_batches,
                        test_score * 100.))
                    if on_best is not None:
                        on_best()

            if patience <= iter:
                done_looping = True
                break
    return best_validation_loss, best_iter, test_score, epoch
