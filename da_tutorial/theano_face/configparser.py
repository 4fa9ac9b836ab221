"""``theano.config`` (and ``theano.configparser``) over PyTensor: Theano
1.0.5's whole tree of settings, read and written by Theano's names
(``config.warn.round``, ``config.blas.ldflags``), with Theano's defaults
and accepted values (``da_tutorial.theano_settings`` says what each one
means here).

* a setting PyTensor has is PyTensor's (``floatX``, ``mode``, ``optimizer``
  ...): read and written there;
* ``device`` is 'cpu', or 'cuda' where PyTensor runs on a GPU through JAX;
  ``int_division``, ``numpy.seterr_*`` keep Theano's meaning (the face);
* the rest (Theano's old bug warnings, its CUDA back end, test values)
  hold their value without effect, and setting one to another value than
  Theano's default says so once.

Values come from ``THEANO_FLAGS`` and ``.theanorc``, as in Theano; where
``PYTENSOR_FLAGS`` sets the same PyTensor setting, PyTensor's wins.
"""
import functools
import os
import warnings

import numpy

from da_tutorial import flags, theano_settings
from da_tutorial.theano_settings import PYTENSOR, SETTINGS

import pytensor

# the values of the settings that are not PyTensor's
_values = {}
_noticed = set()


class ConfigError(ValueError):
    """A setting given a value Theano 1.0.5 would not take."""


def _initial_values():
    """Theano's defaults, overridden by what the user set in
    ``THEANO_FLAGS`` and ``.theanorc``."""
    values = {name: entry[0] for name, entry in SETTINGS.items()
              if entry[2] != PYTENSOR}
    for name, value in flags.theano_user_settings().items():
        if name in values:
            try:
                values[name] = theano_settings.check_value(name, value)
            except ValueError as e:
                raise ConfigError('THEANO_FLAGS or .theanorc: %s' % e) \
                    from None
    return values


def _section_names(prefix):
    return any(name.startswith(prefix) for name in SETTINGS)


class TheanoConfigParser(object):
    """``theano.config``: ``config.floatX``, ``config.blas.ldflags`` ...
    (a section of names is one of these, with its prefix)."""

    def __init__(self, prefix=''):
        object.__setattr__(self, '_prefix', prefix)

    def __getattr__(self, name):
        full = self._prefix + name
        if name.startswith('__'):
            raise AttributeError(name)
        kind = theano_settings.meaning(full)
        if kind == PYTENSOR:
            return getattr(pytensor.config, full.replace('.', '__'))
        if full == 'device':
            from ._compat import device
            return device()
        if kind is not None:
            return _values[full]
        if _section_names(full + '.'):
            return TheanoConfigParser(full + '.')
        if hasattr(pytensor.config, full.replace('.', '__')):
            return getattr(pytensor.config, full.replace('.', '__'))
        raise AttributeError(
            'theano.config has no setting %s (Theano 1.0.5 had none either, '
            'nor has PyTensor %s)' % (full, pytensor.__version__))

    def __setattr__(self, name, value):
        full = self._prefix + name
        kind = theano_settings.meaning(full)
        if kind is None:
            if _section_names(full + '.') or not hasattr(
                    pytensor.config, full.replace('.', '__')):
                raise AttributeError('theano.config has no setting %s'
                                     % full)
            setattr(pytensor.config, full.replace('.', '__'), value)
            return
        if full in theano_settings.FIXED_AFTER_IMPORT and \
                theano_settings.check_value(full, value) != getattr(self,
                                                                    name):
            raise ConfigError(
                "Can't change the value of this config parameter after "
                'initialization! (theano.config.%s: set it in THEANO_FLAGS '
                'or .theanorc before Theano is imported)' % full)
        if kind == PYTENSOR:
            setattr(pytensor.config, full.replace('.', '__'), value)
            return
        value = theano_settings.check_value(full, value)
        notice = theano_settings.no_effect_notice(full, value)
        if notice and full not in _noticed:
            _noticed.add(full)
            warnings.warn(notice, stacklevel=2)
        _values[full] = value

    def __dir__(self):
        names = set()
        for full in SETTINGS:
            if full.startswith(self._prefix):
                names.add(full[len(self._prefix):].split('.')[0])
        return sorted(names)

    def __str__(self):
        return '\n'.join('%s (%s) Value: %s' % (
            full, theano_settings.meaning(full), _get(full))
            for full in sorted(SETTINGS) if full.startswith(self._prefix))


def _get(full):
    """The value of the setting named ``full`` (``'warn.round'``)."""
    return functools.reduce(getattr, full.split('.'), config)


def _set(full, value):
    section, _, name = full.rpartition('.')
    target = functools.reduce(getattr, section.split('.'), config) \
        if section else config
    setattr(target, name, value)


class change_flags(object):
    """Theano's ``change_flags``: a decorator or a context manager that
    gives settings other values while it runs, by Theano's names
    (``change_flags(compute_test_value='off')``,
    ``change_flags({'warn.round': False})``).

    :type args: dict or sequence of (name, value)
    :param args: settings by their full names
    """

    def __init__(self, args=(), **kwargs):
        self.new_values = dict(args)
        self.new_values.update(kwargs)
        for full in self.new_values:
            _get(full)      # an unknown name fails here, as in Theano
        self.old_values = None

    def __call__(self, f):
        @functools.wraps(f)
        def with_flags(*args, **kwargs):
            with self:
                return f(*args, **kwargs)
        return with_flags

    def __enter__(self):
        self.old_values = {full: _get(full) for full in self.new_values}
        try:
            for full, value in self.new_values.items():
                _set(full, value)
        except Exception:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info):
        for full, value in self.old_values.items():
            _set(full, value)


def apply_numpy_seterr():
    """What Theano's import did: NumPy's floating-point error handling
    from ``numpy.seterr_*`` (by default, all ignored)."""
    kwargs = {}
    for key in ('all', 'divide', 'over', 'under', 'invalid'):
        value = _values['numpy.seterr_' + key]
        kwargs[key] = None if value == 'None' else value
    numpy.seterr(**kwargs)


_values.update(_initial_values())
assert all(SETTINGS[name][2] != PYTENSOR for name in _values)
config = TheanoConfigParser()
THEANO_FLAGS = os.environ.get('THEANO_FLAGS', '')
