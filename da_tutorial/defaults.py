"""The project's defaults for the engine, each only where the user set
nothing (``flags``): the user's settings always win.

At the engine's import (``engine_defaults``):

* ``blas.ldflags``: a fast BLAS (``blas``), which Theano 1.0.5 also needs
  to import at all on Python 3.11;
* on PyTensor, what the user set for Theano (``THEANO_FLAGS``,
  ``.theanorc``: ``pytensor_flags``);
* on Theano asked for a GPU (``device=cuda``): ``dnn.enabled=False``,
  since Theano 1.0.5 predates today's cuDNN and the dA has no
  convolution; and Theano's reasons for not starting that GPU are kept
  (``theano_fixes.GPU_START``) for ``engine.check_device``.

They reach the engine through its flags variable while the engine is
imported, and the environment is restored right after, so child processes
see the user's own.  When is that?  At Theano's own import, wherever it
happens, through ``import_hook.TheanoImportHook`` (a script that starts,
as the tutorials do, with ``import theano``); for PyTensor, only when the
project itself imports it (``import_pytensor``): a program that imports
PyTensor on its own gets PyTensor's own settings.

In the command-line scripts (``floatx_default``): float32.
"""
import os
import sys

from da_tutorial import blas, flags, pytensor_flags, theano_fixes


class engine_defaults(object):
    """Within this block (``with engine_defaults(engine):``), the engine's
    flags variable carries the project's defaults that the user did not set
    (``defaults``), and Theano's GPU start-up errors are kept; the variable
    is restored afterwards.  The engine reads its flags when it is imported.

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """

    def __init__(self, engine):
        self.engine = engine
        self.saved = None        # (variable, its old value) while changed
        self.listening = False   # to Theano's GPU start-up errors

    def defaults(self):
        """The (key, value) pairs to add: those the user did not set."""
        pairs = []
        if not blas.user_blas_ldflags_set(engine=self.engine):
            pairs.append(blas.ldflags_default(self.engine))
        if self.engine == 'pytensor':
            # THEANO_FLAGS and .theanorc mean what they say here too
            pairs += pytensor_flags.TRANSLATION.pairs()
        if self.engine == 'theano' and flags.gpu_requested():
            # Theano 1.0.5 predates cuDNN 9; the dA has no convolution
            if not flags.user_setting('dnn.enabled'):
                pairs.append(('dnn.enabled', 'False'))
            theano_fixes.GPU_START.listen()
            self.listening = True
        return pairs

    def __enter__(self):
        flags_var = flags.ENGINES[self.engine].flags_var
        pairs = self.defaults()
        if pairs:
            self.saved = (flags_var, os.environ.get(flags_var))
            os.environ[flags_var] = ','.join(
                ['%s=%s' % pair for pair in pairs] + [self.saved[1] or ''])
        return self

    def __exit__(self, *exc_info):
        if self.listening:
            theano_fixes.GPU_START.stop()
            self.listening = False
        if self.saved is not None:
            flags_var, old = self.saved
            if old is None:
                del os.environ[flags_var]
            else:
                os.environ[flags_var] = old
            self.saved = None


def import_pytensor():
    """Import and return PyTensor with the project's defaults
    (``engine_defaults('pytensor')``), unless something imported it
    before: then it keeps the settings it was imported with.  The
    project's engine and the Theano face both import it this way."""
    if 'pytensor' not in sys.modules:
        with engine_defaults('pytensor'):
            import pytensor     # noqa: F401
    return sys.modules['pytensor']


class floatx_default(object):
    """Within this block (``with floatx_default(config, engine):``)
    ``config.floatX`` is ``value``, unless the user set floatX in the
    engine's flags or rc file; it is restored afterwards.

    The command-line scripts train in float32 this way: the tutorial's
    numbers to 7 digits, twice as fast as float64, and what a GPU needs.

    :type config: the engine's ``config`` object
    :param config: ``theano.config`` or ``pytensor.config``

    :type engine: str
    :param engine: 'theano' or 'pytensor'

    :type value: str
    :param value: the default, 'float32' or 'float64'
    """

    def __init__(self, config, engine, value='float32'):
        self.config, self.engine, self.value = config, engine, value
        self.old = None

    def __enter__(self):
        if not flags.user_setting('floatX', engine=self.engine):
            self.old = self.config.floatX
            self.config.floatX = self.value
        return self

    def __exit__(self, *exc_info):
        if self.old is not None:
            self.config.floatX = self.old
            self.old = None
