"""The tutorials' early stopping (da_tutorial.training.early_stopping),
against a scripted sequence of validation errors and the rule worked out
by hand."""
import pytest

from da_tutorial.training import early_stopping


def scripted(validation_errors):
    """A validate() that returns the given errors in turn, and a test()
    that returns 1000 + the number of the validation it follows."""
    calls = {'validate': 0}

    def validate():
        calls['validate'] += 1
        return validation_errors[calls['validate'] - 1]

    def test():
        return 1000 + calls['validate']
    return validate, test, calls


def test_the_tutorials_rule_on_a_scripted_run(capsys):
    # 10 minibatches an epoch and patience 40: validation every 10
    # minibatches (min(10, 40 // 2)), at iterations 9, 19, 29, ...
    errors = [0.50, 0.40, 0.399, 0.30, 0.31, 0.32, 0.33, 0.34, 0.35, 0.36,
              0.37, 0.38, 0.39]
    validate, test, calls = scripted(errors)
    steps = []
    best, best_iter, test_score, epochs = early_stopping(
        lambda i: steps.append(i) or 1.0, validate, test, n_train_batches=10,
        n_epochs=100, patience=40, patience_increase=2,
        improvement_threshold=0.995)
    # By hand: iteration 9, 0.50: new best, clear improvement, patience
    # max(40, 18) = 40.  Iteration 19, 0.40: clear, patience 40 (38 < 40).
    # Iteration 29, 0.399: a best, but not by 0.5 %: patience stays 40.
    # Iteration 39, 0.30: clear, patience max(40, 78) = 78.  Worse ones
    # follow at 49, 59, 69; the loop stops once patience <= iteration: at
    # iteration 78, in epoch 8, after 79 steps.
    assert (best, best_iter) == (0.30, 39)
    assert test_score == 1004            # the test after validation 4
    assert epochs == 8
    assert len(steps) == 79 and calls['validate'] == 7
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == 'epoch 1, minibatch 10/10, validation error 50.000000 %'


@pytest.mark.parametrize('patience_increase, improvement_threshold, stop', [
    (3, 0.995, 118),       # patience 3 * 39 = 117: stops after 118 steps
    (2, 0.99, 79),         # 0.399 still no clear gain: the same run
    (2, 0.7, 41),          # no gain of 30 % after the first: patience 40
])
def test_changed_constants_change_when_it_stops(patience_increase,
                                                improvement_threshold, stop):
    errors = [0.50, 0.40, 0.399, 0.30] + [0.31 + 0.01 * k for k in range(20)]
    validate, test, _ = scripted(errors)
    steps = []
    early_stopping(lambda i: steps.append(i) or 1.0, validate, test,
                   n_train_batches=10, n_epochs=100, patience=40,
                   patience_increase=patience_increase,
                   improvement_threshold=improvement_threshold)
    assert len(steps) == stop


def test_each_validation_is_recorded(capsys):
    errors = [0.50, 0.40, 0.399, 0.30, 0.31, 0.32, 0.33, 0.34]
    validate, test, _ = scripted(errors)
    history = []
    early_stopping(lambda i: 1.0, validate, test, n_train_batches=10,
                   n_epochs=100, patience=40, history=history)
    assert [r['iteration'] for r in history] == [10, 20, 30, 40, 50, 60, 70]
    assert [r['epoch'] for r in history] == [1, 2, 3, 4, 5, 6, 7]
    assert [r['validation_error'] for r in history] == errors[:7]
    # a test score only for each new best: validations 1 to 4
    assert [r['test_error'] for r in history] == \
        [1001, 1002, 1003, 1004, None, None, None]
    seconds = [r['seconds'] for r in history]
    assert seconds == sorted(seconds) and seconds[0] >= 0
    # without a terminal, a line per validation with the time left
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 7 and err[0].startswith('[finetuning, epoch 1: ')
    assert all(line.endswith(' left]') for line in err)


def test_epochs_costs_progress_and_indices(capsys):
    import numpy
    from da_tutorial.training import Epochs
    seen, reports = [], []

    def step(i):
        seen.append(i)
        return numpy.float32(i + 1)
    loop = Epochs(3, 4, label='layer 7')
    for epoch in loop:
        c = loop.costs
        for batch_index in loop.minibatches():
            c.append(step(batch_index))
        reports.append((epoch, numpy.mean(c)))
    costs, seconds = loop.epoch_costs, loop.epoch_seconds
    # every minibatch index of every epoch, as ready int64 arrays
    assert [int(i) for i in seen] == [0, 1, 2, 3] * 3
    assert all(getattr(i, 'dtype', None) == numpy.int64 for i in seen)
    assert costs == [2.5, 2.5, 2.5] and len(seconds) == 3
    assert reports == [(0, 2.5), (1, 2.5), (2, 2.5)]
    err = capsys.readouterr().err.splitlines()
    assert [line.split(':')[0] for line in err] == \
        ['[layer 7, epoch 1/3', '[layer 7, epoch 2/3', '[layer 7, epoch 3/3']
    assert err[-1].endswith('about 0 s left]')


def test_minutes():
    from da_tutorial.training import minutes
    assert minutes(42) == '42 s'
    assert minutes(750) == '12.5 min'
    assert minutes(3 * 3600) == '3.0 h'
