"""The training loops, written once: ``train_epochs`` (epochs of SGD over
minibatches: dA.py's training and SdA.py's pretraining) and
``early_stopping`` (the tutorials' patience rule: logistic_sgd.py and
SdA.py's finetuning).  No engine here: each takes compiled functions."""
import sys
import timeit

import numpy
from tqdm import tqdm


def minutes(seconds):
    """``seconds`` as a short duration: '45 s', '12.5 min', '2.1 h'."""
    if seconds < 90:
        return '%.0f s' % seconds
    if seconds < 5400:
        return '%.1f min' % (seconds / 60.)
    return '%.1f h' % (seconds / 3600.)


class Progress(object):
    """Progress of a training loop on stderr, at almost no cost per step.

    On a terminal, a bar (tqdm) redrawn at most a few times a second with
    the examples per second and the time left; elsewhere (a pipe, a log
    file) one line per epoch with the time it took and the time left.
    Steps are counted with ``step()`` in Python and handed to the bar in
    chunks, so a step costs an addition.
    """

    def __init__(self, total_steps, label, batch_size=1):
        self.label = label
        self.batch_size = batch_size
        self.done = 0
        self.shown = 0
        self.start = timeit.default_timer()
        self.bar = None
        if sys.stderr.isatty():
            self.bar = tqdm(total=total_steps * batch_size, unit='ex',
                            desc=label, leave=False, mininterval=0.5)

    def show(self, steps_done, total_steps, note=''):
        """Bring the bar to ``steps_done`` of ``total_steps`` (a total that
        may change, as patience does); without a bar, print a line saying
        what is left."""
        elapsed = timeit.default_timer() - self.start
        left = elapsed / max(steps_done, 1) * max(total_steps - steps_done, 0)
        if self.bar is not None:
            self.bar.total = total_steps * self.batch_size
            self.bar.update((steps_done - self.shown) * self.batch_size)
            self.shown = steps_done
            return
        print('[%s%s: %s so far, about %s left]'
              % (self.label, note, minutes(elapsed), minutes(left)),
              file=sys.stderr)
        sys.stderr.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()


def train_epochs(train_fn, n_batches, epochs, report, context='',
                 batch_size=1, label='training'):
    """Run ``epochs`` passes of ``train_fn`` over minibatches 0..n_batches-1.

    The one training loop of the project: dA.py and SdA.py's pretraining
    both go through it.  Progress goes to stderr (``Progress``: a bar on a
    terminal, else a line per epoch), with the time left for all the
    epochs.

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

    :type label: str
    :param label: what is trained, as the progress shows it

    :returns: (list of the mean cost of each epoch, list of its seconds)
    :raises FloatingPointError: naming the epoch and minibatch where a cost
                                was not finite
    """
    epoch_costs, epoch_seconds = [], []
    # Theano converts a Python int argument on every call; a ready 0-d
    # int64 array takes its fast path (about 0.1 ms a step).
    indices = [numpy.asarray(i, dtype='int64') for i in range(n_batches)]
    # the bar is fed every `chunk` steps: a few times a second at most
    chunk = max(1, n_batches // 50)
    progress = Progress(epochs * n_batches, label, batch_size)
    # go through training epochs
    for epoch in range(epochs):
        start = timeit.default_timer()
        # go through training set
        c = []
        for batch_index in range(n_batches):
            c.append(train_fn(indices[batch_index]))
            if not numpy.isfinite(c[-1]):
                progress.close()
                raise FloatingPointError(
                    'training diverged (%s): cost %s at epoch %d, minibatch '
                    '%d; try a smaller learning rate'
                    % (context, c[-1], epoch, batch_index))
            if progress.bar is not None and batch_index % chunk == 0:
                progress.show(epoch * n_batches + batch_index,
                              epochs * n_batches)
        epoch_costs.append(numpy.mean(c))
        epoch_seconds.append(timeit.default_timer() - start)
        report(epoch, epoch_costs[-1])
        progress.show((epoch + 1) * n_batches, epochs * n_batches,
                      ', epoch %d/%d' % (epoch + 1, epochs))
    progress.close()
    return epoch_costs, epoch_seconds


def early_stopping(train_model, validate, test, n_train_batches, n_epochs,
                   patience, patience_increase=2, improvement_threshold=0.995,
                   on_best=None, history=None, label='finetuning'):
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

    :type history: list or None
    :param history: if given, one dict is appended per validation: epoch,
                    iteration, validation error, test error (None unless
                    a new best), seconds since the start

    :type label: str
    :param label: what is trained, as the progress on stderr shows it
                  (``Progress``; its time left runs to the end of the
                  current patience)

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
    # ready 0-d int64 indices: the engines' fast path (see train_epochs)
    indices = [numpy.asarray(i, dtype='int64') for i in range(n_train_batches)]
    chunk = max(1, n_train_batches // 50)

    def planned():   # minibatches to the end of patience, or of n_epochs
        return min(n_epochs * n_train_batches, int(patience) + 1)
    progress = Progress(planned(), label)
    while (epoch < n_epochs) and (not done_looping):
        epoch = epoch + 1
        for minibatch_index in range(n_train_batches):

            cost = train_model(indices[minibatch_index])
            if not numpy.isfinite(cost):
                progress.close()
                raise FloatingPointError(
                    'training diverged: cost %s at epoch %d, minibatch %d; '
                    'try a smaller learning rate'
                    % (cost, epoch, minibatch_index))
            # iteration number
            iter = (epoch - 1) * n_train_batches + minibatch_index
            if progress.bar is not None and iter % chunk == 0:
                progress.show(iter, planned())

            if (iter + 1) % validation_frequency == 0:
                this_validation_loss = validate()
                print('epoch %i, minibatch %i/%i, validation error %f %%' % (
                    epoch, minibatch_index + 1, n_train_batches,
                    this_validation_loss * 100.))
                record = {'epoch': epoch, 'iteration': iter + 1,
                          'validation_error': float(this_validation_loss),
                          'test_error': None}

                # if we got the best validation score until now
                if this_validation_loss < best_validation_loss:
                    # improve patience if loss improvement is good enough
                    if this_validation_loss < best_validation_loss * \
                            improvement_threshold:
                        patience = max(patience, iter * patience_increase)

                    best_validation_loss = this_validation_loss
                    best_iter = iter
                    test_score = test()
                    record['test_error'] = float(test_score)
                    print(('     epoch %i, minibatch %i/%i, test error of'
                           ' best model %f %%') % (
                        epoch, minibatch_index + 1, n_train_batches,
                        test_score * 100.))
                record['seconds'] = timeit.default_timer() - progress.start
                if history is not None:
                    history.append(record)
                if record['test_error'] is not None and on_best is not None:
                    on_best()   # after the record: it may be saved with it
                progress.show(iter + 1, planned(), ', epoch %d' % epoch)

            if patience <= iter:
                done_looping = True
                break
    progress.close()
    return best_validation_loss, best_iter, test_score, epoch
