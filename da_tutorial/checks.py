"""Settings validated at the door, before anything is compiled or trained:
each message names the setting, the accepted range and the value given."""
import numpy


class UserError(ValueError):
    """A user's mistake: a bad setting, file or folder, or what the machine
    lacks for the run asked for.  The scripts print it as one line
    (``cli.run_script``); anything else keeps its traceback."""


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


STEPS = ('tutorial', 'fast')


def check_step(step, exact=None):
    """Return the step asked for: ``step``, 'tutorial' (the tutorial's
    step, the same bits) or 'fast' (the opt-in fast step, its last bits
    differ), or from ``exact``, its old spelling (True: 'tutorial', False:
    'fast') when given; raise UserError for anything else."""
    if exact is not None:
        step = 'tutorial' if exact else 'fast'
    if step not in STEPS:
        raise UserError("step must be 'tutorial' or 'fast', got %r"
                        % (step,))
    return step


def check_dA_settings(learning_rate, training_epochs, batch_size,
                      n_hidden, corruption_levels, filters_every=0,
                      seed=123, floatX='float32', **others):
    """Raise UserError, naming the value and its range, for a bad setting
    of ``dA.test_dA``, computed in ``floatX`` (``others``, e.g. the data
    set, are checked where they are used)."""
    check_number('learning_rate', learning_rate, 0, numpy.inf,
                 low_open=True)
    check_int('training_epochs', training_epochs)
    check_int('batch_size', batch_size)
    check_int('n_hidden', n_hidden)
    check_int('filters_every', filters_every, low=0)
    check_seed(seed)
    if len(corruption_levels) == 0:
        raise UserError('corruption_levels must name at least one level')
    for level in corruption_levels:
        check_number('corruption level', level, 0, 1)
    names = [corruption_name(level) for level in corruption_levels]
    if len(set(names)) != len(names):
        raise UserError('corruption levels %r give the same file name '
                        'twice (whole percents are used)'
                        % (list(corruption_levels),))
    check_step_fits('learning_rate', learning_rate, 28 * 28, floatX)


def check_layers(hidden_layers_sizes, corruption_levels=None):
    """Raise UserError unless there is at least one layer, each size is a
    positive integer and, where ``corruption_levels`` is given (the levels
    pretraining will use), each layer has a level in [0, 1]."""
    if len(hidden_layers_sizes) == 0:
        raise UserError('hidden_layers_sizes must hold at least one size')
    for size in hidden_layers_sizes:
        check_int('each hidden layer size', size)
    if corruption_levels is None:
        return
    if len(corruption_levels) != len(hidden_layers_sizes):
        raise UserError('give one corruption level per hidden layer: %d '
                        'levels for %d layers' % (len(corruption_levels),
                                                  len(hidden_layers_sizes)))
    for level in corruption_levels:
        check_number('each corruption level', level, 0, 1)


def check_SdA_settings(finetune_lr, pretraining_epochs, pretrain_lr,
                       training_epochs, batch_size, hidden_layers_sizes,
                       corruption_levels, seed, floatX='float32', **others):
    """Raise UserError, naming the value and its range, for a bad setting
    of ``SdA.test_SdA``, computed in ``floatX``."""
    check_number('finetune_lr', finetune_lr, 0, numpy.inf, low_open=True)
    check_number('pretrain_lr', pretrain_lr, 0, numpy.inf, low_open=True)
    check_int('pretraining_epochs', pretraining_epochs, low=0)
    check_int('training_epochs', training_epochs)
    check_int('batch_size', batch_size)
    check_layers(hidden_layers_sizes, corruption_levels)
    check_seed(seed)
    fan_in = max([28 * 28] + list(hidden_layers_sizes))
    check_step_fits('pretrain_lr', pretrain_lr, fan_in, floatX)
    check_step_fits('finetune_lr', finetune_lr, fan_in, floatX)


def check_seed(seed, name='seed'):
    """Raise UserError, naming ``name``, unless ``seed`` is one NumPy's
    RandomState takes: an integer in [0, 2**32 - 1]."""
    if isinstance(seed, bool) or not isinstance(seed, (int, numpy.integer)) \
            or not 0 <= seed <= 2 ** 32 - 1:
        raise UserError('%s must be an integer in [0, 4294967295] '
                        '(2**32 - 1), got %r' % (name, seed))


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
