"""What the user set for the engine: its flags variable (``THEANO_FLAGS``,
``PYTENSOR_FLAGS``) over its rc files (``.theanorc``, ``.pytensorrc``), read
as the engine reads them, by one flags reader (``flag_items``) and one rc
parser (``read_rc``).

The project's defaults (``defaults``) ask here what the user set, so that
theirs always win.  On PyTensor, ``THEANO_FLAGS`` and ``.theanorc`` count
too, below PyTensor's own: they mean what they say on every engine
(``pytensor_flags``).

Pure reading: importing this imports nothing else of the project.
"""
import collections
import configparser
import os

EngineFlags = collections.namedtuple('EngineFlags',
                                     'flags_var rc_var rc_default')
EngineFlags.__doc__ = """Where an engine reads its settings: the flags
variable, the variable naming its rc files and the rc file without it."""

ENGINES = {
    'theano': EngineFlags('THEANO_FLAGS', 'THEANORC', '~/.theanorc'),
    'pytensor': EngineFlags('PYTENSOR_FLAGS', 'PYTENSORRC', '~/.pytensorrc'),
}
ENGINE_NAMES = {'theano': 'Theano', 'pytensor': 'PyTensor'}


def flag_items(environ, engine):
    """Return the ``(key, value)`` items of the engine's flags variable,
    in order, stripped; the value is None for an item without ``=``.

    :type environ: dict
    :param environ: the environment to read

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    items = []
    for item in environ.get(ENGINES[engine].flags_var, '').split(','):
        key, sep, value = item.partition('=')
        items.append((key.strip(), value.strip() if sep else None))
    return items


def read_rc(environ, engine):
    """Return the engine's rc files read into one ``RawConfigParser``,
    with the engine's file list and precedence (the later file wins), and
    option names as written; an empty one where a file cannot be parsed
    (the engine itself reports a broken rc file).

    :type environ: dict
    :param environ: the environment to read (its rc-file variable)

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    where = ENGINES[engine]
    files = [os.path.expanduser(p) for p in
             environ.get(where.rc_var, where.rc_default).split(os.pathsep)]
    parser = configparser.RawConfigParser()
    parser.optionxform = str      # floatX keeps its capital
    try:
        parser.read(files)
    except configparser.Error:
        return configparser.RawConfigParser()
    return parser


def rc_value(parser, name):
    """Return the value of the option ``name`` in ``parser`` (``read_rc``),
    or None.  As the engine reads it: ``'section.option'`` (``global``
    without a dot), the option in any case (``floatx`` is ``floatX``),
    the section's own value over ``[DEFAULT]``'s.

    :type name: str
    :param name: ``'floatX'`` or ``'section.option'``
    """
    section, option = name.split('.', 1) if '.' in name else ('global', name)
    try:
        options = parser.items(section)
    except configparser.NoSectionError:
        return None
    value = None
    for key, given in options:
        if key.lower() == option.lower():
            value = given
    return value


def engine_value(name, environ, engine):
    """Return the value the user gave the option ``name`` in one engine's
    own flags variable or rc files (the flags win, as in the engine), or
    None (the parameters are ``user_value``'s)."""
    keys = {name, name.replace('.', '__')}
    value = None
    for key, given in flag_items(environ, engine):
        if key in keys:
            value = given or ''       # the engine keeps the last one
    if value is not None:
        return value
    return rc_value(read_rc(environ, engine), name)


def user_value(name, environ=None, engine='theano'):
    """Return the value the user gave the engine's option ``name`` in its
    flags variable or in one of its rc files (the flags win, as in the
    engine), or None.  For PyTensor, ``THEANO_FLAGS`` and ``.theanorc``
    count too, below PyTensor's own.

    :type name: str
    :param name: ``'floatX'`` (section ``global``) or ``'section.option'``
                 such as ``'blas.ldflags'``; PyTensor's ``blas__ldflags``
                 spelling is recognised too

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)

    :type engine: str
    :param engine: 'theano' or 'pytensor'
    """
    environ = os.environ if environ is None else environ
    value = engine_value(name, environ, engine)
    if value is None and engine == 'pytensor':
        value = engine_value(name, environ, 'theano')
    return value


def user_setting(name, environ=None, engine='theano'):
    """Return True when the user set the engine's option ``name`` in its
    flags variable or in one of its rc files (the parameters are
    ``user_value``'s)."""
    return user_value(name, environ, engine) is not None


def gpu_requested(environ=None):
    """Return True when the user asked Theano for a GPU (``device`` or
    ``init_gpu_device`` set to ``cuda...`` or ``opencl...``).

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)
    """
    return any((user_value(name, environ) or '').startswith(('cuda',
                                                             'opencl'))
               for name in ('device', 'init_gpu_device'))


def theano_user_settings(environ=None):
    """Return ``{name: value}`` of everything the user set for Theano:
    ``THEANO_FLAGS`` over ``.theanorc`` (``THEANORC``), names written as
    Theano writes them (``floatX``, ``blas.ldflags``).

    :type environ: dict or None
    :param environ: the environment to read (``os.environ`` when None)
    """
    environ = os.environ if environ is None else environ
    settings = {}
    parser = read_rc(environ, 'theano')
    for section in parser.sections():
        for option, value in parser.items(section):
            key = option if section == 'global' else section + '.' + option
            settings['floatX' if key.lower() == 'floatx' else key] = value
    for key, value in flag_items(environ, 'theano'):
        if value is not None and key:
            settings[key] = value
    return settings
