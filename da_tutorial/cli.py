"""The scripts' command lines, each from one table.

An option names the tutorial function's parameter it sets; its default is
read from that function's signature, so the tutorial's settings are
written once, where a learner reads them.  Each value is checked against
its range at the door, and a mistake names the flag (``--epochs``, not
``training_epochs``); ``--help`` shows each default and range once, and
``--version`` the versions and the BLAS, with why it was chosen.
``run_script`` then runs the work: a user's mistake (``checks.UserError``)
ends it with one line, a bug keeps its traceback.
"""
import argparse
import inspect
import platform
import signal

import numpy

from . import blas
from .checks import STEPS, UserError, check_int, check_number, check_seed
from .engine import ENGINE, DeviceError, blas_ldflags, check_device, theano
from .report import probe, saved_encoders
from .runs import Interrupted
from .defaults import floatx_default

FLOATX_HELP = ('Computes in float32 unless %s or %s sets floatX.'
               % (('THEANO_FLAGS', '.theanorc') if ENGINE == 'theano'
                  else ('PYTENSOR_FLAGS', '.pytensorrc')))
VERSION_HELP = ('--version names the engine and the BLAS, and why that '
                'BLAS (DA_BLAS=auto|openblas|mkl chooses).')


def project_version():
    """The installed project's version ('1.0.0'), or 'not installed'."""
    from importlib import metadata
    try:
        return metadata.version('dA-tutorial')
    except metadata.PackageNotFoundError:
        return 'not installed'


def version_line():
    """``--version``'s one line: the project's version, the engine's and
    Python's, and the BLAS with why it was chosen and how to choose
    another (``blas.describe``)."""
    return 'dA-tutorial %s; %s %s, Python %s; BLAS: %s' % (
        project_version(), {'theano': 'Theano', 'pytensor': 'PyTensor'}[
            ENGINE], theano.__version__, platform.python_version(),
        blas.describe(ENGINE, blas_ldflags()))


class VersionAction(argparse.Action):
    """``--version``: print ``version_line()`` as it is (argparse's own
    version action would wrap it) and exit."""

    def __init__(self, option_strings, dest, **kwargs):
        # (nothing in the parsed namespace, which feeds the work)
        argparse.Action.__init__(self, option_strings, argparse.SUPPRESS,
                                 default=argparse.SUPPRESS, nargs=0,
                                 help=argparse.SUPPRESS)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_line())
        parser.exit(0)


class Range(object):
    """The values an option accepts: numbers in [low, high] ((low, high]
    if ``low_open``), integers from ``low`` when ``integer``, or a seed.

    :type low: float
    :param low: the smallest value (excluded if ``low_open``)
    """

    def __init__(self, low, high=numpy.inf, low_open=False, integer=False):
        self.low, self.high = low, high
        self.low_open, self.integer = low_open, integer

    def check(self, name, value):
        """Raise UserError naming ``name`` unless ``value`` is in range."""
        if self.integer:
            check_int(name, value, self.low)
        else:
            check_number(name, value, self.low, self.high, self.low_open)

    def __str__(self):
        if self.integer:
            return 'an integer >= %d' % self.low
        return '%s%g, %s' % ('(' if self.low_open else '[', self.low,
                             'inf)' if numpy.isinf(self.high)
                             else '%g]' % self.high)


class SeedRange(Range):
    """A NumPy seed: an integer in [0, 2**32 - 1]."""

    def __init__(self):
        Range.__init__(self, 0, 2 ** 32 - 1, integer=True)

    def check(self, name, value):
        check_seed(value, name)

    def __str__(self):
        return 'an integer in [0, 4294967295]'


POSITIVE = Range(0, low_open=True)
FRACTION = Range(0, 1)
COUNT = Range(1, integer=True)
COUNT0 = Range(0, integer=True)
SEED = SeedRange()


def _shown(value):
    """A default as the command line would spell it."""
    if isinstance(value, (list, tuple)):
        return ' '.join(_shown(v) for v in value)
    return '%g' % value if isinstance(value, float) else str(value)


def _metavar(flag, many):
    """'--learning-rate' -> 'LEARNING_RATE'; one of many: 'LEVEL'."""
    name = flag.lstrip('-').upper().replace('-', '_')
    return name.rstrip('S') if many else name


def build_parser(description, function, table):
    """An ``argparse`` parser with one option per row of ``table``.

    :type function: callable
    :param function: the tutorial function the options feed; each default
                     is its parameter's default

    :type table: tuple of (flag, parameter, Range or type, help)
    :param table: a Range for numbers (its values are floats, or ints when
                  it is integer), else the type (str); a parameter whose
                  default is a list or tuple takes one or more values
    """
    parser = argparse.ArgumentParser(description=description,
                                     epilog=FLOATX_HELP + ' ' + VERSION_HELP)
    parser.add_argument('--version', action=VersionAction)
    defaults = inspect.signature(function).parameters
    for flag, dest, kind, text in table:
        default = defaults[dest].default
        many = isinstance(default, (list, tuple))
        if isinstance(kind, Range):
            text += ' (default %s; %s)' % (_shown(default), kind)
            kind = int if kind.integer else float
        else:
            text += ' (default %s)' % _shown(default)
        parser.add_argument(flag, dest=dest, type=kind, help=text,
                            default=list(default) if many else default,
                            nargs='+' if many else None,
                            metavar=_metavar(flag, many))
    return parser


def parse(parser, table, argv):
    """Parse ``argv``; a value out of its range ends the script with
    ``error: --flag ...`` (exit status 2), as argparse's own errors do.

    :returns: the parsed namespace
    """
    args = parser.parse_args(argv)
    for flag, dest, kind, text in table:
        if isinstance(kind, Range):
            value = getattr(args, dest)
            try:
                for v in value if isinstance(value, list) else [value]:
                    kind.check(flag, v)
            except UserError as e:
                parser.error(str(e))
    return args


def add_step_option(parser, fast_help):
    """``--step tutorial|fast`` on ``parser``, into ``args.step``; the old
    spellings ``--exact`` and ``--no-exact`` still work (not shown).

    :type fast_help: str
    :param fast_help: what the opt-in fast step is, for ``--help``
    """
    parser.add_argument('--step', choices=STEPS, default='tutorial',
                        help="tutorial: the tutorial's step, the same bits "
                             '(default); fast: %s' % fast_help)
    parser.add_argument('--exact', dest='step', action='store_const',
                        const='tutorial', help=argparse.SUPPRESS)
    parser.add_argument('--no-exact', dest='step', action='store_const',
                        const='fast', help=argparse.SUPPRESS)


def add_resume_option(parser):
    """Add the scripts' ``--resume`` (``da_tutorial.runs``)."""
    parser.add_argument('--resume', action='store_true',
                        help='go on from the checkpoint an interrupted run '
                             'left in the output folder (the same settings)')


def script_floatx():
    """``with script_floatx():`` runs a command-line script in float32,
    unless the user set floatX in the engine's flags or rc file (see
    ``defaults.floatx_default``)."""
    return floatx_default(theano.config, ENGINE)


def run_script(parser, work):
    """Run a command-line script's ``work()`` as the scripts do: a GPU
    asked for must start first (nothing written before), float32 unless
    the user set floatX, and a user's mistake (``checks.UserError``: a bad
    setting, file or folder, a full disk; or a GPU that did not start) ends
    the script with ``error: ...`` (exit status 2) instead of a traceback,
    while a bug keeps its traceback.  Ctrl-C and SIGTERM end it with one
    line (what is saved, how to resume: see ``da_tutorial.runs``) and the
    shell's status, 130 or 143.

    :type parser: argparse.ArgumentParser
    :param parser: the script's parser (its ``exit`` is used)

    :type work: callable
    :param work: the script's work, called without arguments
    """
    def terminated(signum, frame):     # before a run holds its folder
        raise Interrupted('SIGTERM: interrupted before training began; '
                          'nothing new was trained', signum)
    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        check_device()
        with script_floatx():
            work()
    except (UserError, DeviceError) as e:   # a bug keeps its traceback
        parser.exit(2, 'error: %s\n' % e)
    except Interrupted as e:
        parser.exit(e.status, '%s\n' % e)
    except KeyboardInterrupt:
        parser.exit(130, 'Ctrl-C: interrupted before training began; '
                    'nothing new was trained\n')
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_command(argv, description, function, table, extra=None,
                work=None):
    """Build the parser from ``table``, parse ``argv`` and run the work
    under ``run_script``: ``function(**settings)``, or ``work(args)``.

    :type function: callable
    :param function: the tutorial function whose defaults the options take

    :type extra: callable or None
    :param extra: ``extra(parser)`` adds the script's own options
    """
    parser = build_parser(description, function, table)
    if extra is not None:
        extra(parser)
    args = parse(parser, table, argv)
    run_script(parser, lambda: work(args) if work is not None
               else function(**vars(args)))


DATASET = ('--dataset', 'dataset', str,
           'data file, or a bare name looked for in data/ and $DA_DATA_DIR')

DA_OPTIONS = (
    ('--epochs', 'training_epochs', COUNT, 'training epochs per model'),
    ('--learning-rate', 'learning_rate', POSITIVE, 'SGD learning rate'),
    ('--batch-size', 'batch_size', COUNT, 'examples per minibatch'),
    ('--n-hidden', 'n_hidden', COUNT, 'hidden units'),
    ('--corruption-levels', 'corruption_levels', FRACTION,
     'one model per level'),
    DATASET,
    ('--output-folder', 'output_folder', str, 'where the outputs go'),
    ('--seed', 'seed', SEED, 'NumPy seed behind W and the noise'),
    ('--filters-every', 'filters_every', COUNT0,
     'also save the filters every this many epochs, 0: only at the end'))

FAST_STEP_HELP = ('the opt-in fast step: one C kernel on its own '
                  'threads, products on the nonzero pixels only, a float32 '
                  'sigmoid (the last bits differ)')


def dA_main(argv, test_dA, load_model, load_data, fit):
    """``python dA.py``: ``test_dA`` from the command line, or with
    ``--probe`` the linear probe of the models it saved: ``fit`` (the
    tutorial's logistic regression) on raw pixels and on the code of each
    model ``load_model`` reads (``report.probe``)."""
    def extra(parser):
        add_step_option(parser, FAST_STEP_HELP)
        add_resume_option(parser)
        parser.add_argument(
            '--probe', action='store_true',
            help="do not train: fit the tutorial's logistic regression on "
                 'raw pixels and on the code of each dA saved in the '
                 'output folder')

    def work(args):
        settings = vars(args)
        if not settings.pop('probe'):
            return test_dA(**settings)
        folder = args.output_folder
        encoders = saved_encoders(folder, load_model)   # a run there first
        return probe(encoders, load_data(args.dataset),
                     lambda data, n_in: fit(data, n_in, model_path=None),
                     folder)
    run_command(argv, 'Train the tutorial\'s denoising autoencoders on '
                'MNIST and save their filters, models, pictures and '
                'metrics.', test_dA, DA_OPTIONS, extra, work)


SDA_OPTIONS = (
    ('--hidden-layers', 'hidden_layers_sizes', COUNT,
     'units per hidden layer, bottom first'),
    ('--corruption-levels', 'corruption_levels', FRACTION,
     'pretraining corruption, one level per layer'),
    ('--pretraining-epochs', 'pretraining_epochs', COUNT0,
     'pretraining epochs per layer, 0 for none'),
    ('--pretrain-lr', 'pretrain_lr', POSITIVE, 'pretraining learning rate'),
    ('--training-epochs', 'training_epochs', COUNT,
     'most finetuning epochs; early stopping may end sooner'),
    ('--finetune-lr', 'finetune_lr', POSITIVE, 'finetuning learning rate'),
    ('--batch-size', 'batch_size', COUNT, 'examples per minibatch'),
    DATASET,
    ('--seed', 'seed', SEED, 'NumPy seed behind the weights and the noise'),
    ('--output-folder', 'output_folder', str,
     "where the best model and the run's record, metrics.json, go"))


def SdA_main(argv, test_SdA):
    """``python SdA.py``: ``test_SdA`` from the command line."""
    def extra(parser):
        add_step_option(parser, 'pretrain with ' + FAST_STEP_HELP)
        add_resume_option(parser)
    run_command(argv, 'Pretrain a stacked denoising autoencoder on MNIST, '
                'then finetune it as a classifier.', test_SdA, SDA_OPTIONS,
                extra)


LOGISTIC_OPTIONS = (
    ('--learning-rate', 'learning_rate', POSITIVE, 'SGD learning rate'),
    ('--epochs', 'n_epochs', COUNT,
     'most epochs; early stopping may end sooner'),
    ('--batch-size', 'batch_size', COUNT, 'examples per minibatch'),
    DATASET,
    ('--model', 'model_path', str, 'where the best model is saved / read'),
    ('--output-folder', 'output_folder', str,
     'where the checkpoint and metrics.json go'))


def logistic_main(argv, sgd_optimization_mnist, predict):
    """``python logistic_sgd.py``: ``sgd_optimization_mnist`` from the
    command line, or with ``--predict`` the saved model's predictions."""
    def extra(parser):
        add_resume_option(parser)
        parser.add_argument('--predict', action='store_true',
                            help='classify test images with the saved model')

    def work(args):
        settings = vars(args)
        if settings.pop('predict'):
            return predict(args.dataset, args.model_path)
        return sgd_optimization_mnist(**settings)
    run_command(argv, 'Train the tutorial\'s logistic regression on MNIST '
                'with SGD and early stopping.', sgd_optimization_mnist,
                LOGISTIC_OPTIONS, extra, work)


MLP_OPTIONS = (
    ('--learning-rate', 'learning_rate', POSITIVE, 'SGD learning rate'),
    ('--l1-reg', 'L1_reg', Range(0), 'weight of the L1 penalty'),
    ('--l2-reg', 'L2_reg', Range(0), 'weight of the squared L2 penalty'),
    ('--epochs', 'n_epochs', COUNT,
     'most epochs; early stopping may end sooner'),
    ('--batch-size', 'batch_size', COUNT, 'examples per minibatch'),
    ('--n-hidden', 'n_hidden', COUNT, 'hidden units'),
    DATASET,
    ('--output-folder', 'output_folder', str,
     'where the checkpoint and metrics.json go'))


def mlp_main(argv, test_mlp):
    """``python mlp.py``: ``test_mlp`` from the command line."""
    run_command(argv, 'Train the tutorial\'s multilayer perceptron on MNIST '
                'with early stopping.', test_mlp, MLP_OPTIONS,
                add_resume_option)
