"""Write theano_1.0.5_api.json: the public names of the real Theano 1.0.5
and its whole ``theano.config`` tree, which tests/test_theano_api.py walks
on every engine (the real Theano cannot run on Python 3.12 and later, so
the tests there read this file).

    THEANORC=/dev/null THEANO_FLAGS= .venv-theano/bin/python tests/theano_api/record_api.py

A public name is one that does not start with ``_`` and that Theano itself
defines or re-exports: its submodules, its classes and functions, instances
of its types (Ops such as ``T.exp``) and its plain values.  What a module
merely imported for its own use is left out: other packages' modules and
functions (``np``, ``warnings``, ``partial``), ``six``'s and the builtins'
objects (``xrange``, ``integer_types``, ``PY3``), and ``__future__``
features.
"""
import __future__
import builtins
import collections
import functools
import importlib
import inspect
import itertools
import json
import logging
import os
import sys
import types

import numpy
import six

# the modules whose names the face must cover (the list, and the
# modules the tutorials and Theano's documentation import from)
MODULES = (
    'theano', 'theano.tensor', 'theano.tensor.basic', 'theano.tensor.nnet',
    'theano.tensor.nnet.conv', 'theano.tensor.signal.pool',
    'theano.tensor.shared_randomstreams', 'theano.tensor.extra_ops',
    'theano.sandbox.rng_mrg', 'theano.scan_module', 'theano.gradient',
    'theano.printing', 'theano.ifelse', 'theano.compile',
    'theano.compile.mode', 'theano.compile.io',
    'theano.compile.sharedvalue', 'theano.compile.function')
FOREIGN_SOURCES = (numpy, six, six.moves, builtins, functools, itertools,
                   collections)
HERE = os.path.dirname(os.path.abspath(__file__))


def foreign_ids():
    """ids of the objects other packages define (a module's borrowed
    helpers are these very objects)."""
    ids = set()
    for source in FOREIGN_SOURCES:
        for name in dir(source):
            try:
                ids.add(id(getattr(source, name)))
            except Exception:
                pass
    return ids


def theanos(module_name):
    return (module_name or '').split('.')[0] == 'theano'


def kind(value, foreign):
    """'module', 'class', 'function', 'object' or 'value'; None for what
    the module only borrowed."""
    if isinstance(value, __future__._Feature) or id(value) in foreign:
        return None
    if isinstance(value, types.ModuleType):
        return 'module' if theanos(value.__name__) else None
    if isinstance(value, functools.partial):
        return 'function' if theanos(value.func.__module__) else None
    if isinstance(value, type):
        return 'class' if theanos(value.__module__) else None
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType,
                          types.MethodType)):
        return 'function' if theanos(getattr(value, '__module__', '')) \
            else None
    if theanos(type(value).__module__):
        return 'object'
    if isinstance(value, (bool, int, float, str, tuple, list, dict, set,
                          frozenset, numpy.ndarray, numpy.generic)):
        return 'value'
    return None     # loggers, other packages' objects


def params(value):
    """The parameter names a callable takes (``*name``, ``**name`` for its
    catch-alls), or None where Python cannot tell."""
    target = value.__init__ if isinstance(value, type) else value
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    marks = {inspect.Parameter.VAR_POSITIONAL: '*',
             inspect.Parameter.VAR_KEYWORD: '**'}
    names = [marks.get(p.kind, '') + p.name
             for p in signature.parameters.values()]
    return names[1:] if isinstance(value, type) and names[:1] == ['self'] \
        else names


# the inputs on which each elementwise Op is evaluated (float64; a binary
# Op gets every pair of them)
ELEMWISE_INPUTS = (-2.5, -1.5, -0.5, 0.0, 0.3, 0.5, 1.0, 1.5, 2.5, 7.0)


def elemwise_values(op, linker):
    """What Theano's elementwise ``op`` gives on ``ELEMWISE_INPUTS`` (every
    pair for a binary op) with ``linker`` ('cvm': its C code, 'py': its
    Python code), as floats (None for NaN), or None when it does not take
    float64 vectors."""
    import theano
    import theano.tensor as T
    n_in = getattr(getattr(op, 'scalar_op', None), 'nin', None)
    if n_in not in (1, 2) or getattr(op, 'inplace_pattern', None):
        return None
    a = numpy.array(ELEMWISE_INPUTS)
    if type(op.scalar_op).__name__ in ('GammaInc', 'GammaIncC', 'GammaL',
                                       'GammaU', 'Chi2SF'):
        a = abs(a) + 0.25     # Theano's C asserts on x <= 0 there
    inputs = [a] if n_in == 1 else [numpy.repeat(a, len(a)),
                                    numpy.tile(a, len(a))]
    xs = [T.dvector() for _ in inputs]
    mode = theano.Mode(linker=linker, optimizer=None)
    try:
        with numpy.errstate(all='ignore'):
            out = theano.function(xs, op(*xs), mode=mode)(*inputs)
    except Exception:
        return None
    if numpy.iscomplexobj(out):
        return None
    return [None if numpy.isnan(v) else float(v) for v in
            numpy.asarray(out, dtype=float).ravel()]


def describe(value, kind_):
    """The record of one public name: its kind, parameters and, for an
    elementwise Op, its values."""
    entry = {'kind': kind_}
    if kind_ in ('class', 'function'):
        entry['params'] = params(value)
    if type(value).__name__ == 'Elemwise':
        entry['values'] = elemwise_values(value, 'cvm')
        python = elemwise_values(value, 'py')
        if python != entry['values']:
            # Theano's C code and its Python code disagree (psi of a
            # negative number is 0 in C ...): either is Theano's
            entry['py_values'] = python
    return entry


# classes whose public methods and attributes scripts use on the objects
# they get (a variable's .flatten(), a stream's .seed() ...)
CLASSES = {
    'TensorVariable': 'theano.tensor.var.TensorVariable',
    'TensorSharedVariable': 'theano.tensor.sharedvar.TensorSharedVariable',
    'Function': 'theano.compile.function_module.Function',
    'RandomStreams': 'theano.tensor.shared_randomstreams.RandomStreams',
    'MRG_RandomStreams': 'theano.sandbox.rng_mrg.MRG_RandomStreams',
}


def instance_of(kind):
    """An object of each of CLASSES (tests/test_theano_api.py makes the
    same ones)."""
    import theano
    import theano.tensor as T
    from theano.sandbox.rng_mrg import MRG_RandomStreams
    from theano.tensor.shared_randomstreams import RandomStreams
    x = T.matrix('x')
    return {'TensorVariable': lambda: x,
            'TensorSharedVariable': lambda: theano.shared(numpy.zeros((2, 2))),
            'Function': lambda: theano.function([x], x + 1),
            'RandomStreams': lambda: RandomStreams(1),
            'MRG_RandomStreams': lambda: MRG_RandomStreams(1)}[kind]()


def class_members(kind, path):
    """{name: {kind, params}} of the public members of a class; kind
    'refused' for a member Theano itself refuses on its objects
    (``shared.value``)."""
    module, name = path.rsplit('.', 1)
    cls = getattr(importlib.import_module(module), name)
    obj = instance_of(kind)
    members = {}
    for attr in sorted(dir(cls)):
        if attr.startswith('_'):
            continue
        try:
            getattr(obj, attr)
        except Exception:
            members[attr] = {'kind': 'refused'}
            continue
        value = inspect.getattr_static(cls, attr)
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            members[attr] = {'kind': 'property'}
        elif callable(value):
            members[attr] = {'kind': 'method', 'params': (params(value) or
                                                          ['self'])[1:]}
        else:
            members[attr] = {'kind': 'value'}
    return members


def config_tree(config):
    """{full name: {kind, value, options}} of every setting, as Theano
    itself lists them (``configparser._config_var_list``)."""
    from theano import configparser
    tree = {}
    for param in configparser._config_var_list:
        name = param.fullname
        try:
            value = getattr(config, name) if '.' not in name else \
                functools.reduce(getattr, name.split('.'), config)
        except Exception as e:    # a setting that cannot be read here
            value = '<%s>' % type(e).__name__
        entry = {'kind': type(param).__name__, 'value': value if isinstance(
            value, (bool, int, float, str, type(None))) else str(value)}
        if hasattr(param, 'all'):
            entry['options'] = list(param.all)
        if hasattr(param, 'mytype'):
            entry['type'] = getattr(param.mytype, '__name__',
                                    str(param.mytype))
        tree[name] = entry
    return tree


def main():
    import theano
    assert 'pytensor' not in theano.__version__ and \
        theano.__version__.startswith('1.0.5'), theano.__version__
    logging.disable(logging.WARNING)
    foreign = foreign_ids()
    modules = {}
    for name in MODULES:
        module = importlib.import_module(name)
        names = {}
        for attr in sorted(dir(module)):
            if attr.startswith('_'):
                continue
            value = getattr(module, attr)
            found = kind(value, foreign)
            if found:
                names[attr] = describe(value, found)
        modules[name] = names
    record = {'theano': theano.__version__,
              'python': '%d.%d.%d' % sys.version_info[:3],
              'modules': modules, 'config': config_tree(theano.config),
              'classes': {name: class_members(name, path)
                          for name, path in CLASSES.items()}}
    with open(os.path.join(HERE, 'theano_1.0.5_api.json'), 'w') as f:
        json.dump(record, f, indent=1, sort_keys=True)
        f.write('\n')
    print('%d names in %d modules, %d settings' % (
        sum(len(n) for n in modules.values()), len(modules),
        len(record['config'])))


if __name__ == '__main__':
    main()
