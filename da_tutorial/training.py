"""The training loops, written once: ``Epochs`` (the tutorial's epochs of
SGD over minibatches: dA.py's training and SdA.py's pretraining) and
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


class Epochs(object):
    """The tutorial's epoch loop, kept in view, with what a long run needs
    around it: the one loop of dA.py and SdA.py's pretraining. ::

        loop = Epochs(training_epochs, n_train_batches)
        for epoch in loop:
            c = loop.costs
            for batch_index in loop.minibatches():
                c.append(train_da(batch_index))
            print('Training epoch %d, cost ' % epoch, numpy.mean(c))

    Around each minibatch it checks the cost just appended to ``c`` is
    finite, shows the progress on stderr (``Progress``: a bar on a terminal,
    else a line per epoch), and with a run's ``stage`` starts where its
    checkpoint stopped, saves one after every epoch and, on Ctrl-C or
    SIGTERM, after the current minibatch.  ``minibatches()`` yields ready
    0-d int64 indices: Theano converts a Python int on every call, and a
    ready array takes its fast path (about 0.1 ms a step).

    :type n_epochs: int
    :param n_epochs: passes over the training set

    :type n_batches: int
    :param n_batches: minibatches per epoch

    :type stage: da_tutorial.runs.Stage or None
    :param stage: the run's stage (``Run.stage``), or None: no checkpoint

    :type batch_size: int
    :param batch_size: examples per minibatch, for the progress bar's rate

    :type label: str
    :param label: what is trained, as the progress shows it

    :type context: str
    :param context: settings named in the error if training diverges

    After the loop, ``epoch_costs`` and ``epoch_seconds`` hold each epoch's
    mean cost and seconds (those of an interrupted run's epochs included).
    """

    def __init__(self, n_epochs, n_batches, stage=None, batch_size=1,
                 label='training', context=''):
        self.n_epochs, self.n_batches = n_epochs, n_batches
        self.stage, self.label, self.context = stage, label, context
        self.state = (stage and stage.state) or {
            'epoch': 0, 'batch': 0, 'batch_costs': [], 'epoch_costs': [],
            'epoch_seconds': []}
        self.epoch_costs = list(self.state['epoch_costs'])
        self.epoch_seconds = list(self.state['epoch_seconds'])
        self.costs, self.epoch, self.first_batch = [], None, 0
        self.indices = [numpy.asarray(i, dtype='int64')
                        for i in range(n_batches)]
        # the bar is fed every `chunk` steps: a few times a second at most
        self.chunk = max(1, n_batches // 50)
        self.progress = Progress(
            n_epochs * n_batches, label, batch_size,
            done=self.state['epoch'] * n_batches + self.state['batch'])

    @property
    def remaining(self):
        """The number of epochs still to train."""
        return self.n_epochs - self.state['epoch']

    def __iter__(self):
        """The epochs still to train; after each, its mean cost is kept
        and the checkpoint written."""
        first, total = self.state['epoch'], self.n_epochs * self.n_batches
        try:
            for epoch in range(first, self.n_epochs):
                resumed = epoch == first
                self.epoch = epoch
                self.costs = list(self.state['batch_costs']) if resumed \
                    else []
                self.first_batch = self.state['batch'] if resumed else 0
                start = timeit.default_timer()
                yield epoch
                self.epoch_costs.append(numpy.mean(self.costs))
                self.epoch_seconds.append(timeit.default_timer() - start)
                self.save(epoch + 1, 0)
                self.progress.show((epoch + 1) * self.n_batches, total,
                                   ', epoch %d/%d' % (epoch + 1,
                                                      self.n_epochs))
        finally:
            self.progress.close()

    def minibatches(self):
        """This epoch's minibatch indices; after each step, the checks."""
        for batch_index in range(self.first_batch, self.n_batches):
            yield self.indices[batch_index]
            self.after_step(batch_index)

    def after_step(self, batch_index):
        """The cost checked, the progress shown; on a signal the state
        saved and ``Interrupted`` raised."""
        step = self.epoch * self.n_batches + batch_index
        if self.costs and not numpy.isfinite(self.costs[-1]):
            raise Diverged(
                'training diverged (%s): cost %s at epoch %d, minibatch %d; '
                'try a smaller learning rate'
                % (self.context, self.costs[-1], self.epoch, batch_index))
        if self.progress.first is None:
            self.progress.begin(step + 1)
        if self.progress.bar is not None and batch_index % self.chunk == 0:
            self.progress.show(step, self.n_epochs * self.n_batches)
        if self.stage is not None and self.stage.step_done():
            self.save(self.epoch, batch_index + 1)
            raise self.stage.interrupted(
                'epoch %d of %d (minibatch %d of %d done)'
                % (self.epoch + 1, self.n_epochs, batch_index + 1,
                   self.n_batches))

    def save(self, epoch, batch):
        """Write the checkpoint: the next ``epoch`` and ``batch`` to
        train, and the costs so far."""
        if self.stage is not None:
            self.stage.save({
                'epoch': epoch, 'batch': batch,
                'batch_costs': self.costs if batch else [],
                'epoch_costs': self.epoch_costs,
                'epoch_seconds': self.epoch_seconds})


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
    :param stage: the run's stage, as for ``Epochs``: the loop
                  resumes where the checkpoint stopped (its patience, best
                  score and records included), saves after every epoch and
                  after the current minibatch on Ctrl-C or SIGTERM

    :returns: (best validation error, its iteration, test error of that
              model, epochs run)
    :raises Diverged: (a FloatingPointError) when a minibatch cost is not
                     finite
    """
    loop = Patience(n_train_batches, n_epochs, patience, patience_increase,
                    improvement_threshold, history, label, stage)
    return loop.run(train_model, validate, test, on_best)


class Patience(object):
    """The state and steps of ``early_stopping``'s loop (its parameters),
    as a checkpoint keeps them: ``s``, the epoch running (from 1) and its
    next minibatch (``n_train_batches``: the epoch is done), the patience,
    the best score and the records."""

    def __init__(self, n_train_batches, n_epochs, patience, patience_increase,
                 improvement_threshold, history, label, stage):
        self.n_train_batches, self.n_epochs = n_train_batches, n_epochs
        self.patience_increase = patience_increase
        self.improvement_threshold = improvement_threshold
        self.stage = stage
        # go through this many minibatches before checking the network on
        # the validation set; in these tutorials we check every epoch
        self.validation_frequency = min(n_train_batches, patience // 2)
        self.s = (stage and stage.state) or {
            'epoch': 0, 'minibatch': n_train_batches, 'patience': patience,
            'best_validation_loss': numpy.inf, 'best_iter': 0,
            'test_score': 0., 'done_looping': False, 'history': []}
        self.records = history if history is not None else []
        self.records[:] = self.s['history']
        # seconds of training in the processes before this one (a resume)
        self.before = self.s.get('seconds', 0.)
        # ready 0-d int64 indices: the engines' fast path (see Epochs)
        self.indices = [numpy.asarray(i, dtype='int64')
                        for i in range(n_train_batches)]
        self.chunk = max(1, n_train_batches // 50)
        self.progress = Progress(
            self.planned(), label, done=max(self.s['epoch'] - 1, 0) *
            n_train_batches + self.s['minibatch'])

    def planned(self):
        """Minibatches to the end of patience, or of n_epochs."""
        return min(self.n_epochs * self.n_train_batches,
                   int(self.s['patience']) + 1)

    def seconds(self):
        """Seconds of training, over the processes of a resumed run."""
        return self.before + timeit.default_timer() - self.progress.start

    def save(self):
        """Write the checkpoint (with a stage)."""
        if self.stage is not None:
            self.s['history'] = self.records
            self.s['seconds'] = self.seconds()
            self.stage.save(self.s)

    def run(self, train_model, validate, test, on_best):
        """The tutorials' loop; returns ``early_stopping``'s results."""
        s, n_train_batches = self.s, self.n_train_batches
        try:
            while not s['done_looping']:
                if s['minibatch'] == n_train_batches:   # the next epoch
                    if s['epoch'] >= self.n_epochs:
                        break
                    s['epoch'], s['minibatch'] = s['epoch'] + 1, 0
                for minibatch_index in range(s['minibatch'],
                                             n_train_batches):
                    iter = self.step(train_model, minibatch_index)
                    if (iter + 1) % self.validation_frequency == 0:
                        self.validation(validate, test, on_best,
                                        minibatch_index, iter)
                    s['minibatch'] = minibatch_index + 1
                    if s['patience'] <= iter:
                        s['done_looping'] = True
                        break
                    self.check_signal(minibatch_index)
                self.save()
        finally:
            self.progress.close()
        return (s['best_validation_loss'], s['best_iter'], s['test_score'],
                s['epoch'])

    def step(self, train_model, minibatch_index):
        """One SGD step, its cost checked and the progress shown; returns
        the iteration number."""
        epoch = self.s['epoch']
        cost = train_model(self.indices[minibatch_index])
        if not numpy.isfinite(cost):
            raise Diverged(
                'training diverged: cost %s at epoch %d, minibatch %d; '
                'try a smaller learning rate'
                % (cost, epoch, minibatch_index))
        iter = (epoch - 1) * self.n_train_batches + minibatch_index
        if self.progress.first is None:
            self.progress.begin(iter + 1)
        if self.progress.bar is not None and iter % self.chunk == 0:
            self.progress.show(iter, self.planned())
        return iter

    def validation(self, validate, test, on_best, minibatch_index, iter):
        """Check the validation error, test each new best, extend the
        patience on a clear improvement, and record it."""
        s, epoch = self.s, self.s['epoch']
        this_validation_loss = validate()
        print('epoch %i, minibatch %i/%i, validation error %f %%' % (
            epoch, minibatch_index + 1, self.n_train_batches,
            this_validation_loss * 100.))
        record = {'epoch': epoch, 'iteration': iter + 1,
                  'validation_error': float(this_validation_loss),
                  'test_error': None}

        # if we got the best validation score until now
        if this_validation_loss < s['best_validation_loss']:
            # improve patience if loss improvement is good enough
            if this_validation_loss < s['best_validation_loss'] * \
                    self.improvement_threshold:
                s['patience'] = max(s['patience'],
                                    iter * self.patience_increase)

            s['best_validation_loss'] = this_validation_loss
            s['best_iter'] = iter
            s['test_score'] = test()
            record['test_error'] = float(s['test_score'])
            print(('     epoch %i, minibatch %i/%i, test error of'
                   ' best model %f %%') % (
                epoch, minibatch_index + 1, self.n_train_batches,
                s['test_score'] * 100.))
        record['seconds'] = self.seconds()
        self.records.append(record)
        if record['test_error'] is not None and on_best is not None:
            on_best()   # after the record: it may be saved with it
        self.progress.show(iter + 1, self.planned(), ', epoch %d' % epoch)

    def check_signal(self, minibatch_index):
        """On Ctrl-C or SIGTERM, save and raise ``Interrupted``."""
        if self.stage is not None and self.stage.step_done():
            self.save()
            raise self.stage.interrupted(
                'epoch %d (minibatch %d of %d done)'
                % (self.s['epoch'], minibatch_index + 1,
                   self.n_train_batches))


def even_batch_size(sizes, largest=500):
    """The largest minibatch size up to ``largest`` that divides every one
    of ``sizes``: evaluated in such minibatches, a set's mean error is its
    error over all examples."""
    return max(b for b in range(1, largest + 1)
               if all(n % b == 0 for n in sizes))


def error_rate(batch_errors, batch_size):
    """The error over a set from its minibatches' errors, each a fraction
    k / ``batch_size`` in floatX: the errors are counted (times
    ``batch_size``, rounded: exact), then divided in float64."""
    counts = numpy.rint(numpy.asarray(batch_errors, dtype='float64')
                        * batch_size)
    return counts.sum() / (len(counts) * batch_size)
