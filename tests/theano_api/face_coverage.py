"""Print the Theano face's coverage of Theano 1.0.5's public API, module
by module: how many of the names in theano_1.0.5_api.json are forwarded to
PyTensor's counterpart, implemented in the face, or refused (docs/engines.md
holds this table; tests/test_theano_api.py checks it is current).

    .venv-pytensor/bin/python tests/theano_api/coverage.py

A name is forwarded when the face gives PyTensor's own object (a PyTensor
module, or an object defined by PyTensor), implemented when the face gives
one of its own (defined in ``da_tutorial``, or a face module), refused when
it raises the face's refusal.
"""
import collections
import importlib
import json
import os
import types

HERE = os.path.dirname(os.path.abspath(__file__))
OURS = ("theano", "da_tutorial")


def record():
    with open(os.path.join(HERE, 'theano_1.0.5_api.json')) as f:
        return json.load(f)


def pytensor_object_ids():
    """ids of the public objects of PyTensor's imported modules."""
    import sys
    ids = set()
    for name, module in list(sys.modules.items()):
        if name.split('.')[0] == 'pytensor' and module is not None:
            for value in vars(module).values():
                ids.add(id(value))
    return ids


def classify(module, name, pytensor_ids):
    """'forwarded', 'implemented' or 'refused'."""
    import theano
    try:
        value = getattr(importlib.import_module(module), name)
    except theano._compat.Refused:
        return 'refused'
    if isinstance(value, types.ModuleType):
        return 'forwarded' if value.__name__.startswith('pytensor') \
            else 'implemented'
    defined_in = getattr(value, '__module__', None)
    if isinstance(defined_in, str) and defined_in.split('.')[0] in OURS:
        return 'implemented'
    if isinstance(defined_in, str) and defined_in.startswith('pytensor'):
        return 'forwarded'
    return 'forwarded' if id(value) in pytensor_ids else 'implemented'


def counts():
    """{Theano module: Counter of kinds}, over the recorded names."""
    import theano  # noqa: F401  (the face)
    names = record()['modules']
    for module in names:
        importlib.import_module(module)
    pytensor_ids = pytensor_object_ids()
    return {module: collections.Counter(
        classify(module, name, pytensor_ids) for name in names[module])
        for module in sorted(names)}


def table():
    """The Markdown table of ``counts()``, with a total row."""
    rows = ['| module | names | forwarded | implemented | refused |',
            '|---|---|---|---|---|']
    total = collections.Counter()
    for module, c in counts().items():
        total.update(c)
        rows.append('| `%s` | %d | %d | %d | %d |' % (
            module, sum(c.values()), c['forwarded'], c['implemented'],
            c['refused']))
    rows.append('| all | %d | %d | %d | %d |' % (
        sum(total.values()), total['forwarded'], total['implemented'],
        total['refused']))
    return '\n'.join(rows)


if __name__ == '__main__':
    print(table())
