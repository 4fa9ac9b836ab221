"""Settings validated at the door, before anything is compiled or trained:
each message names the setting, the accepted range and the value given."""
import numpy


class UserError(ValueError):
    """A user's mistake: a bad setting, file or folder, or what the machine
    lacks for the run asked for.  The scripts print it as one line
    (``engine.run_script``); anything else keeps its traceback."""


class Diverged(UserError, FloatingPointError):
    """Training diverged: a minibatch cost was not finite (a learning rate
    too large, most often)."""


def check_int(name, value, low=1):
    """Raise UserError, naming ``name``, unless ``value`` is an integer
    (not a bool) >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, (int, numpy.integer)) \
            or value < low:
        raise UserError('%s must be an integer >= %d, got %r'
                         % (name, low, value))


def check_batch_size(batch_size, n_examples, where):
    """Raise UserError unless ``batch_size`` fits in ``n_examples``, the
    size of ``where`` (e.g. 'the training set')."""
    if batch_size > n_examples:
        raise UserError('batch_size %d is larger than %s (%d examples); use '
                         'at most %d' % (batch_size, where, n_examples,
                                         n_examples))


def check_number(name, value, low, high, low_open=False):
    """Raise UserError, naming ``name`` and the range, unless ``value`` is a
    finite real number in [low, high] (or (low, high] if ``low_open``).
    With ``high`` infinite, the range is written (low, inf): infinity
    itself is refused."""
    ok = isinstance(value, (int, float, numpy.integer, numpy.floating)) \
        and not isinstance(value, bool) and numpy.isfinite(value) \
        and (value > low if low_open else value >= low) and value <= high
    if not ok:
        bounds = '%s%g, %s' % ('(' if low_open else '[', low,
                               'inf)' if numpy.isinf(high) else '%g]' % high)
        raise UserError('%s must be a finite number in %s, got %r'
                         % (name, bounds, value))


def corruption_name(corruption_level):
    """Return the percent used in file names: 0.3 -> '30'."""
    return '%d' % round(100 * corruption_level)


def check_hyperparameters(learning_rate, training_epochs, batch_size,
                          n_hidden, corruption_levels, filters_every=0):
    """Raise UserError, naming the value and its range, for a bad setting
    of ``dA.test_dA``."""
    check_number('learning_rate', learning_rate, 0, numpy.inf,
                 low_open=True)
    check_int('training_epochs', training_epochs)
    check_int('batch_size', batch_size)
    check_int('n_hidden', n_hidden)
    check_int('filters_every', filters_every, low=0)
    if len(corruption_levels) == 0:
        raise UserError('corruption_levels must name at least one level')
    for level in corruption_levels:
        check_number('corruption level', level, 0, 1)
    names = [corruption_name(level) for level in corruption_levels]
    if len(set(names)) != len(names):
        raise UserError('corruption levels %r give the same file name '
                         'twice (whole percents are used)'
                         % (list(corruption_levels),))


def check_seed(seed):
    """Raise UserError unless ``seed`` is one NumPy's RandomState takes:
    an integer in [0, 2**32 - 1]."""
    if isinstance(seed, bool) or not isinstance(seed, (int, numpy.integer)) \
            or not 0 <= seed <= 2 ** 32 - 1:
        raise UserError('seed must be an integer in [0, 4294967295] '
                         '(2**32 - 1), got %r' % (seed,))


def check_step_fits(name, learning_rate, fan_in, dtype):
    """Raise UserError when one SGD step of ``learning_rate`` can pass
    ``dtype``'s largest number: at the tutorials' initial weights (entries
    below 4 sqrt(6 / (fan_in + fan_out))), with sigmoids and inputs in
    [0, 1], a gradient entry is below ``fan_in``; a rate beyond the largest
    number over ``fan_in`` is refused (a smaller one that diverges later
    is caught by the training loop)."""
    largest = float(numpy.finfo(dtype).max)
    if learning_rate * fan_in > largest:
        raise UserError('%s %g overflows %s on the first step (the rate '
                         'times %d inputs passes %.3g); use a rate below %.3g'
                         % (name, learning_rate, dtype, fan_in, largest,
                            largest / fan_in))
