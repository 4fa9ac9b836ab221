"""``THEANO_FLAGS`` and ``.theanorc`` on PyTensor: what the user set for
Theano, given to PyTensor by PyTensor's names, wherever PyTensor did not
get that setting from its own ``PYTENSOR_FLAGS`` or ``.pytensorrc``.

``TRANSLATION`` (a ``TheanoFlagsForPyTensor``) does it when the project
imports PyTensor (``defaults.engine_defaults('pytensor')``) and keeps what
it found: why a GPU asked for cannot be used (``engine.check_device``
raises it) and the flags it warned about (once each).
"""
import importlib.util
import os
import sys
import warnings

from da_tutorial import flags
# Theano 1.0.5's settings and what each means on PyTensor
from da_tutorial import theano_settings as theano_tree


def jax_gpu_reason():
    """Return None when JAX is installed and sees a GPU; else why not."""
    if importlib.util.find_spec('jax') is None:
        return 'JAX is not installed in this Python (%s)' % sys.prefix
    try:
        import jax
        if any(d.platform == 'gpu' for d in jax.devices()):
            return None
        return 'JAX sees no GPU here (its devices: %s)' % ', '.join(
            sorted(set(d.platform for d in jax.devices())))
    except Exception as e:   # JAX raises RuntimeError without a back end
        return 'JAX sees no GPU here (%s)' % str(e).split('\n')[0]


class TheanoFlagsForPyTensor(object):
    """Theano's settings for PyTensor (``pairs``), and what that found.

    ``gpu_error``: None, or why the GPU asked for through ``THEANO_FLAGS``
    or ``.theanorc`` cannot be used on PyTensor (the first such reason).
    ``warned``: the settings already said to be ignored or without
    effect.
    """

    def __init__(self):
        self.gpu_error = None
        self.warned = set()

    def pairs(self, environ=None):
        """Return the (key, value) pairs that give PyTensor what the user
        set for Theano, for what PyTensor did not get from its own
        ``PYTENSOR_FLAGS`` or ``.pytensorrc``.

        * names that mean the same (``theano_tree.PYTENSOR``:
          ``floatX``, ``mode``, ``optimizer_excluding`` (``dA_fast``
          included), ``blas.ldflags`` ...) are passed on, ``.`` written
          ``__``;
        * ``device=cuda`` (``cuda0``, ``gpu`` ...): PyTensor runs on a GPU
          through JAX, so ``mode=JAX`` where JAX sees one; where it does
          not, the reason is kept in ``gpu_error``, which
          ``engine.check_device`` raises before anything is written;
        * the names the Theano face keeps itself (``int_division`` ...)
          are left to it; Theano's settings without effect here (its old
          bug warnings, its CUDA back end ...) get one warning each, where
          they are given another value than Theano's default; a name
          Theano 1.0.5 did not have gets one warning too.

        :type environ: dict or None
        :param environ: the environment to read (``os.environ`` when None)
        """
        environ = os.environ if environ is None else environ
        pairs = []
        for key, value in flags.theano_user_settings(environ).items():
            name = key.replace('.', '__')
            if flags.engine_value(key, environ, 'pytensor') is not None:
                continue                     # PyTensor's own setting wins
            meaning = theano_tree.meaning(key)
            if meaning == theano_tree.PYTENSOR:
                pairs.append((name, value))
            elif name in ('device', 'init_gpu_device'):
                if value.startswith(theano_tree.GPU_DEVICES):
                    pairs += self.gpu_pairs(key, value, environ)
            elif key in self.warned or meaning == theano_tree.FACE:
                continue
            elif meaning is None:
                self.warned.add(key)
                warnings.warn('THEANO_FLAGS or .theanorc sets %s, which is '
                              'not a setting of Theano 1.0.5 (ignored here)'
                              % key, stacklevel=3)
            elif (notice := theano_tree.no_effect_notice(key, value)):
                self.warned.add(key)
                warnings.warn('THEANO_FLAGS or .theanorc: ' + notice,
                              stacklevel=3)
        return pairs

    def gpu_pairs(self, key, value, environ):
        """The pairs for ``key=value``, a GPU asked for (``device=cuda``):
        ``mode=JAX`` where JAX sees a GPU and the user chose no mode of
        PyTensor's; where JAX sees none, none, and ``gpu_error`` says
        why."""
        reason = jax_gpu_reason()
        if reason is None:
            if flags.engine_value('mode', environ, 'pytensor') is None:
                return [('mode', 'JAX')]
        elif self.gpu_error is None:
            self.gpu_error = (
                '%s=%s: PyTensor runs on a GPU through JAX, and %s. '
                'Install JAX with CUDA (pip install -U "jax[cuda12]")'
                % (key, value, reason))
        return []


# the one translation of the process: what it found is read from it
TRANSLATION = TheanoFlagsForPyTensor()
