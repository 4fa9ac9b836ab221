"""Theano 1.0.5's whole public API, name by name, on the engine the suite
runs on: every name of tests/theano_api/theano_1.0.5_api.json (written by
its record_api.py from the real Theano) resolves, with Theano's kind and
parameters, or raises the face's refusal, which says what to use instead.
Elementwise Ops give Theano's recorded values; ``theano.config`` holds
Theano's whole tree with its defaults.

On Theano itself these check the record against the Theano that runs; on
PyTensor, the face (``import theano`` there is
``da_tutorial/theano_face``).
"""
import importlib
import inspect
import json
import math
import os
import types

import numpy
import pytest

from da_tutorial import engine

import theano                       # the real one, or the face
import theano.tensor as T

ON_FACE = engine.ENGINE == 'pytensor'
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       'theano_api', 'theano_1.0.5_api.json')) as f:
    RECORD = json.load(f)
NAMES = [(module, name, entry) for module, names in
         sorted(RECORD['modules'].items())
         for name, entry in sorted(names.items())]

if ON_FACE:
    from theano._compat import Refused
else:
    class Refused(Exception):
        """Theano refuses nothing of its own."""


def resolve(module, name):
    """``module.name`` on this engine, or the Refused error."""
    try:
        return getattr(importlib.import_module(module), name)
    except Refused as e:
        return e


def test_every_public_name_resolves_or_is_refused_with_what_instead():
    unresolved, refused = [], []
    for module, name, entry in NAMES:
        try:
            value = resolve(module, name)
        except Exception as e:
            unresolved.append('%s.%s: %s: %s' % (module, name,
                                                 type(e).__name__, e))
            continue
        if isinstance(value, Refused):
            refused.append(value)
            assert '%s.%s' % (module, name) in str(value)
            assert 'instead' in str(value), value
    assert not unresolved, '\n'.join(unresolved)
    # the face refuses only the rare name with no sensible meaning today
    assert len(refused) < 0.1 * len(NAMES)


def test_each_name_has_theanos_kind():
    wrong = []
    for module, name, entry in NAMES:
        value = resolve(module, name)
        if isinstance(value, Refused):
            continue
        kind = entry['kind']
        ok = {'module': isinstance(value, types.ModuleType),
              'class': isinstance(value, type),
              'function': callable(value) and not isinstance(value, type)
              or isinstance(value, type) and kind == 'function',
              }.get(kind, not isinstance(value, types.ModuleType))
        if not ok:
            wrong.append('%s.%s: Theano %s, here %r' % (module, name, kind,
                                                       value))
    assert not wrong, '\n'.join(wrong)


def accepted(value):
    """The parameter names ``value`` takes, and whether it takes any
    keyword (``**kwargs``); None where Python cannot tell."""
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return None
    names = set(signature.parameters)
    catch_all = any(p.kind == p.VAR_KEYWORD
                    for p in signature.parameters.values())
    return names, catch_all


# Op classes whose constructors users call (the others are built by
# Theano's own functions; their constructors are PyTensor's)
CONSTRUCTED = ('TensorType', 'Tensor', 'DimShuffle', 'RandomStreams',
               'MRG_RandomStreams', 'In', 'Param', 'Mode', 'OrderedUpdates')


def test_functions_take_theanos_parameters():
    """A call written for Theano, with Theano's keywords, is accepted."""
    wrong = []
    for module, name, entry in NAMES:
        if not entry.get('params') or entry['kind'] == 'class' and \
                name not in CONSTRUCTED:
            continue
        value = resolve(module, name)
        if isinstance(value, Refused) or not callable(value):
            continue
        found = accepted(value)
        if found is None or found[1]:
            continue
        missing = [p for p in entry['params'] if not p.startswith('*')
                   and p not in found[0]]
        if missing:
            wrong.append('%s.%s: %s' % (module, name, missing))
    assert not wrong, '\n'.join(wrong)


ELEMWISE_INPUTS = numpy.array((-2.5, -1.5, -0.5, 0.0, 0.3, 0.5, 1.0, 1.5,
                               2.5, 7.0))
GAMMA = ('gammainc', 'gammaincc', 'gammal', 'gammau', 'chi2sf')


def test_elementwise_ops_give_theanos_values():
    """Each elementwise Op of Theano's list, on float64 inputs (every pair
    for a binary Op), gives what Theano 1.0.5 gave (NaN where it did), with
    its C code or its Python code where those disagree.  (The engine's
    Python code is run here: no compiler run per Op.)"""
    mode = theano.compile.mode.Mode(linker='py', optimizer=None)
    wrong = []
    for module, name, entry in NAMES:
        if not entry.get('values'):
            continue
        op = resolve(module, name)
        if isinstance(op, Refused):
            continue
        a = ELEMWISE_INPUTS if name not in GAMMA else \
            abs(ELEMWISE_INPUTS) + 0.25
        binary = len(entry['values']) == len(a) ** 2
        inputs = [numpy.repeat(a, len(a)), numpy.tile(a, len(a))] \
            if binary else [a]
        xs = [T.dvector() for _ in inputs]
        with numpy.errstate(all='ignore'):
            got = numpy.asarray(theano.function(xs, op(*xs), mode=mode)(
                *inputs), dtype=float).ravel()
        expected = numpy.array([math.nan if v is None else v
                                for v in entry['values']])
        python = numpy.array([math.nan if v is None else v for v in
                              entry.get('py_values') or entry['values']])
        if not numpy.allclose(got, expected, rtol=1e-6, atol=1e-12,
                              equal_nan=True) and not numpy.allclose(
                got, python, rtol=1e-6, atol=1e-12, equal_nan=True):
            bad = numpy.flatnonzero(~numpy.isclose(
                got, expected, rtol=1e-6, atol=1e-12, equal_nan=True))[:3]
            wrong.append('%s.%s at %s: Theano %s, here %s' % (
                module, name, [list(numpy.asarray(inputs)[:, i])
                               for i in bad],
                expected[bad].tolist(), got[bad].tolist()))
    assert not wrong, '\n'.join(wrong)


def members_of(kind):
    """An object of each class whose members Theano's users call."""
    from theano.sandbox.rng_mrg import MRG_RandomStreams
    from theano.tensor.shared_randomstreams import RandomStreams
    x = T.matrix('x')
    return {'TensorVariable': x,
            'TensorSharedVariable': theano.shared(numpy.zeros((2, 2))),
            'Function': theano.function([x], x + 1),
            'RandomStreams': RandomStreams(1),
            'MRG_RandomStreams': MRG_RandomStreams(1)}[kind]


@pytest.mark.parametrize('kind', sorted(RECORD['classes']))
def test_objects_have_theanos_members(kind):
    """A variable's ``.flatten(outdim)``, a shared variable's
    ``get_value(borrow=...)``, a stream's ``seed()`` ... with Theano's
    parameters."""
    obj = members_of(kind)
    wrong = []
    for name, entry in sorted(RECORD['classes'][kind].items()):
        if entry['kind'] == 'refused':
            continue         # Theano itself refuses it
        try:
            value = getattr(obj, name)
        except Refused as e:
            assert 'instead' in str(e)
            continue
        except Exception as e:
            wrong.append('%s: %s: %s' % (name, type(e).__name__, e))
            continue
        if entry['kind'] == 'method':
            found = accepted(value)
            if found is not None and not found[1]:
                missing = [p for p in entry['params']
                           if not p.startswith('*') and p not in found[0]]
                if missing:
                    wrong.append('%s: %s' % (name, missing))
    assert not wrong, '\n'.join(wrong)


# settings whose value is the machine's, not Theano's default
MACHINE_SETTINGS = {'base_compiledir', 'compiledir', 'compiledir_format',
                    'cxx', 'blas.ldflags', 'gcc.cxxflags', 'device',
                    'init_gpu_device', 'mode', 'linker', 'optimizer',
                    'floatX', 'openmp', 'magma.include_path',
                    'magma.library_path', 'dnn.include_path',
                    'dnn.library_path', 'dnn.base_path', 'dnn.bin_path',
                    'cuda.root', 'cuda.include_path', 'ctc.root',
                    'gpuarray.cache_path', 'profiling.destination',
                    'contexts', 'lib.amdlibm', 'scan.allow_gc',
                    'allow_gc'}


def config_get(name):
    value = theano.config
    for part in name.split('.'):
        value = getattr(value, part)
    return value


def test_config_holds_theanos_tree_with_its_defaults():
    wrong = []
    for name, entry in sorted(RECORD['config'].items()):
        try:
            value = config_get(name)
        except Exception as e:
            wrong.append('%s: %s: %s' % (name, type(e).__name__, e))
            continue
        if name not in MACHINE_SETTINGS and not str(
                entry['value']).startswith('<') and \
                str(value) != str(entry['value']):
            wrong.append('%s: Theano %r, here %r' % (name, entry['value'],
                                                     value))
    assert not wrong, '\n'.join(wrong)


@pytest.mark.skipif(not ON_FACE, reason="the face's coverage of Theano")
def test_docs_give_the_faces_coverage_as_it_is():
    """docs/engines.md's table is what face_coverage.py counts now."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'theano_api'))
    import face_coverage
    with open(os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))), 'docs', 'engines.md')) as f:
        docs = f.read()
    assert face_coverage.table() in docs


IMPORT = ('import sys, numpy; numpy.random.seed(1234); import theano, '
          'theano.tensor; print(repr(numpy.random.rand()), "jax" in '
          'sys.modules, "numba" in sys.modules)')


@pytest.mark.slow
def test_import_theano_has_no_side_effects_beyond_theanos(tmp_path):
    """NumPy's global generator is untouched and neither JAX nor Numba is
    imported (Theano's import touched neither); NumPy's floating-point
    errors are ignored, as Theano's import set them."""
    import subprocess
    import sys
    from conftest import run_env
    r = subprocess.run([sys.executable, '-c', IMPORT + '; print(numpy.'
                        'geterr())'], cwd=str(tmp_path), env=run_env(),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == '%r False False' % numpy.random.RandomState(
        1234).rand()
    assert eval(lines[1]) == dict(divide='ignore', over='ignore',
                                  under='ignore', invalid='ignore')
