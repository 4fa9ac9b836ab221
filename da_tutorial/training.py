"""The training loops, written once: ``train_epochs`` (epochs of SGD over
minibatches: dA.py's training and SdA.py's pretraining) and
``early_stopping`` (the tutorials' patience rule: logistic_sgd.py and
SdA.py's finetuning).  No engine here: each takes compiled functions."""
import sys
import timeit

import numpy
from tqdm import tqdm

from .checks import Diverged


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

    def __init__(self, total_steps, label, batch_size=1, done=0):
        self.label = label
        self.batch_size = batch_size
        self.shown = done
        self.start = timeit.default_timer()
        self.first = None
        self.bar = None
        if sys.stderr.isatty():
            self.bar = tqdm(total=total_steps * batch_size, unit='ex',
                            desc=label, leave=False, mininterval=0.5,
                            initial=done * batch_size)

    def begin(self, steps_done):
        """The first minibatch is trained (``steps_done`` in all): the
        time left is measured from here, past the compile and the first
        call's set-up, and past the steps of an earlier run resumed."""
        self.first = (timeit.default_timer(), steps_done)

    def show(self, steps_done, total_steps, note=''):
        """Bring the bar to ``steps_done`` of ``total_steps`` (a total that
        may change, as patience does); without a bar, print a line saying
        what is left."""
        now = timeit.default_timer()
        elapsed = now - self.start
        since, base = self.first or (self.start, 0)
        left = (now - since) / max(steps_done - base, 1) * \
            max(total_steps - steps_done, 0)
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
                 batch_size=1, label='training', stage=None):
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

    :type stage: da_tutorial.runs.Stage or None
    :param stage: the run's stage: the loop starts where its checkpoint
                  stopped, saves it after every epoch, and on Ctrl-C or
                  SIGTERM saves it after the current minibatch and raises
                  ``Interrupted``

    :returns: (list of the mean cost of each epoch, list of its seconds)
    :raises Diverged: (a FloatingPointError) naming the epoch and minibatch
                     where a cost was not finite
    """
    state = (stage and stage.state) or {
        'epoch': 0, 'batch': 0, 'batch_costs': [], 'epoch_costs': [],
        'epoch_seconds': []}
    epoch_costs = list(state['epoch_costs'])
    epoch_seconds = list(state['epoch_seconds'])
    run = stage.run if stage is not None else None
    if stage is not None:
        train_fn = stage.steps(train_fn)

    def save(epoch, batch, c):
        stage.save({'epoch': epoch, 'batch': batch, 'batch_costs': c,
                    'epoch_costs': epoch_costs,
                    'epoch_seconds': epoch_seconds})

    # Theano converts a Python int argument on every call; a ready 0-d
    # int64 array takes its fast path (about 0.1 ms a step).
    indices = [numpy.asarray(i, dtype='int64') for i in range(n_batches)]
    # the bar is fed every `chunk` steps: a few times a second at most
    chunk = max(1, n_batches // 50)
    progress = Progress(epochs * n_batches, label, batch_size,
                        done=state['epoch'] * n_batches + state['batch'])
    # go through training epochs
    for epoch in range(state['epoch'], epochs):
        start = timeit.default_timer()
        resumed = epoch == state['epoch']
        # go through training set
        c = list(state['batch_costs']) if resumed else []
        for batch_index in range(state['batch'] if resumed else 0,
                                 n_batches):
            c.append(train_fn(indices[batch_index]))
            if not numpy.isfinite(c[-1]):
                progress.close()
                raise Diverged(
                    'training diverged (%s): cost %s at epoch %d, minibatch '
                    '%d; try a smaller learning rate'
                    % (context, c[-1], epoch, batch_index))
            if progress.first is None:
                progress.begin(epoch * n_batches + batch_index + 1)
            if progress.bar is not None and batch_index % chunk == 0:
                progress.show(epoch * n_batches + batch_index,
                              epochs * n_batches)
            if run is not None and run.signal is not None:
                save(epoch, batch_index + 1, c)
                progress.close()
                raise stage.interrupted('epoch %d of %d (minibatch %d of %d '
                                        'done)' % (epoch + 1, epochs,
                                                   batch_index + 1,
                                                   n_batches))
        epoch_costs.append(numpy.mean(c))
        epoch_seconds.append(timeit.default_timer() - start)
        report(epoch, epoch_costs[-1])
        if stage is not None:
            save(epoch + 1, 0, [])
        progress.show((epoch + 1) * n_batches, epochs * n_batches,
                      ', epoch %d/%d' % (epoch + 1, epochs))
    progress.close()
    return epoch_costs, epoch_seconds


def early_stopping(train_model, validate, test, n_train_batches, n_epochs,
                   patience, patience_increase=2, improvement_threshold=0.995,
                   on_best=None, history=None, label='finetuning',
                   stage=None):
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
                    a new best), seconds since the start (summed over the
                    processes of a resumed run)

    :type label: str
    :param label: what is trained, as the progress on stderr shows it
                  (``Progress``; its time left runs to the end of the
                  current patience)

    :type stage: da_tutorial.runs.Stage or None
    :param stage: the run's stage, as for ``train_epochs``: the loop
                  resumes where the checkpoint stopped (its patience, best
                  score and records included), saves after every epoch and
                  after the current minibatch on Ctrl-C or SIGTERM

    :returns: (best validation error, its iteration, test error of that
              model, epochs run)
    :raises Diverged: (a FloatingPointError) when a minibatch cost is not
                     finite
    """
    # go through this many minibatches before checking the network on the
    # validation set; in these tutorials we check every epoch
    validation_frequency = min(n_train_batches, patience // 2)

    # the loop's whole state, as a checkpoint keeps it: the epoch running
    # (from 1) and its next minibatch (n_train_batches: the epoch is done)
    s = (stage and stage.state) or {
        'epoch': 0, 'minibatch': n_train_batches, 'patience': patience,
        'best_validation_loss': numpy.inf, 'best_iter': 0, 'test_score': 0.,
        'done_looping': False, 'history': []}
    records = history if history is not None else []
    records[:] = s['history']
    # seconds of training in the processes before this one (a resume)
    before = s.get('seconds', 0.)
    run = stage.run if stage is not None else None
    if stage is not None:
        train_model = stage.steps(train_model)

    def save():
        s['history'] = records
        s['seconds'] = before + timeit.default_timer() - progress.start
        stage.save(s)

    # ready 0-d int64 indices: the engines' fast path (see train_epochs)
    indices = [numpy.asarray(i, dtype='int64') for i in range(n_train_batches)]
    chunk = max(1, n_train_batches // 50)

    def planned():   # minibatches to the end of patience, or of n_epochs
        return min(n_epochs * n_train_batches, int(s['patience']) + 1)
    progress = Progress(planned(), label, done=max(s['epoch'] - 1, 0) *
                        n_train_batches + s['minibatch'])
    while not s['done_looping']:
        if s['minibatch'] == n_train_batches:   # on to the next epoch
            if s['epoch'] >= n_epochs:
                break
            s['epoch'], s['minibatch'] = s['epoch'] + 1, 0
        epoch = s['epoch']
        for minibatch_index in range(s['minibatch'], n_train_batches):

            cost = train_model(indices[minibatch_index])
            if not numpy.isfinite(cost):
                progress.close()
                raise Diverged(
                    'training diverged: cost %s at epoch %d, minibatch %d; '
                    'try a smaller learning rate'
                    % (cost, epoch, minibatch_index))
            # iteration number
            iter = (epoch - 1) * n_train_batches + minibatch_index
            if progress.first is None:
                progress.begin(iter + 1)
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
                if this_validation_loss < s['best_validation_loss']:
                    # improve patience if loss improvement is good enough
                    if this_validation_loss < s['best_validation_loss'] * \
                            improvement_threshold:
                        s['patience'] = max(s['patience'],
                                            iter * patience_increase)

                    s['best_validation_loss'] = this_validation_loss
                    s['best_iter'] = iter
                    s['test_score'] = test()
                    record['test_error'] = float(s['test_score'])
                    print(('     epoch %i, minibatch %i/%i, test error of'
                           ' best model %f %%') % (
                        epoch, minibatch_index + 1, n_train_batches,
                        s['test_score'] * 100.))
                record['seconds'] = before + timeit.default_timer() - \
                    progress.start
                records.append(record)
                if record['test_error'] is not None and on_best is not None:
                    on_best()   # after the record: it may be saved with it
                progress.show(iter + 1, planned(), ', epoch %d' % epoch)

            s['minibatch'] = minibatch_index + 1
            if s['patience'] <= iter:
                s['done_looping'] = True
                break
            if run is not None and run.signal is not None:
                save()
                progress.close()
                raise stage.interrupted('epoch %d (minibatch %d of %d done)'
                                        % (epoch, minibatch_index + 1,
                                           n_train_batches))
        if stage is not None:
            save()
    progress.close()
    return (s['best_validation_loss'], s['best_iter'], s['test_score'],
            s['epoch'])
