"""The house: the tutorial's modules at the top, the machinery in the
``da_tutorial`` package; no import cycle, the package never imports the
tutorial's modules (both read from the source with ``ast``), nothing
shadowed, and a regular (non-editable) install that runs from anywhere and
writes nothing beside itself."""
import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, run_env, small_dataset_file
from da_tutorial import engine
from da_tutorial.import_hook import PTH_LINE

TOP = ('dA', 'logistic_sgd', 'mlp', 'SdA', 'utils')
PACKAGE = 'da_tutorial'


def project_modules(root=REPO):
    """{module name: path} of the tutorial's modules and of every module of
    the package (any ``da_tutorial/**/*.py``) under ``root``."""
    modules = {name: Path(root) / (name + '.py') for name in TOP
               if (Path(root) / (name + '.py')).is_file()}
    for path in sorted((Path(root) / PACKAGE).rglob('*.py')):
        parts = path.relative_to(root).with_suffix('').parts
        if parts[-1] == '__init__':
            parts = parts[:-1]
        modules['.'.join(parts)] = path
    return modules


def import_nodes(tree, module_level):
    """The import statements of ``tree``: all of them, or with
    ``module_level`` only those that run when the module is imported (not
    those inside a function)."""
    if not module_level:
        return [n for n in ast.walk(tree)
                if isinstance(n, (ast.Import, ast.ImportFrom))]
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                   ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return found


def imports_of(name, path, known, module_level=False):
    """The project modules (names in ``known``) that module ``name`` at
    ``path`` imports: with ``module_level``, only when it is imported.

    ``from P import x`` imports the module P.x if there is one, else P.
    Importing P.x runs the packages above it first: they count too, except
    those above ``name`` itself, which are running already.
    """
    package = name if path.stem == '__init__' else name.rpartition('.')[0]
    own = {'.'.join(name.split('.')[:k]) for k in
           range(1, name.count('.') + 1)}
    found = set()
    for node in import_nodes(ast.parse(path.read_text()), module_level):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = node.module or ''
            if node.level:
                parts = package.split('.')
                parts = parts[:len(parts) - node.level + 1]
                base = '.'.join(parts + ([base] if base else []))
            targets = [base + '.' + a.name if base + '.' + a.name in known
                       else base for a in node.names]
        for target in targets:
            parts = target.split('.')
            found.update(t for t in ('.'.join(parts[:k])
                                     for k in range(1, len(parts) + 1))
                         if t in known and t != name and t not in own)
    return found


def find_cycle(graph):
    """One import cycle of ``graph`` ({module: modules it imports}) as a
    list of names, first repeated last; None if there is none."""
    state = {}

    def visit(name, stack):
        state[name] = 'open'
        for target in sorted(graph[name]):
            if state.get(target) == 'open':
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target, stack + [target])
                if cycle:
                    return cycle
        state[name] = 'done'
        return None
    for name in sorted(graph):
        if name not in state:
            cycle = visit(name, [name])
            if cycle:
                return cycle
    return None


def import_graph(root=REPO, module_level=True):
    """{module: the project modules it imports} of the project at ``root``."""
    modules = project_modules(root)
    return {name: imports_of(name, path, modules, module_level)
            for name, path in modules.items()}


def test_no_import_cycle():
    """No chain of imports that run at import time leads back to where it
    started, in the package or through the tutorial's modules."""
    cycle = find_cycle(import_graph())
    assert cycle is None, 'import cycle: ' + ' -> '.join(cycle)


def test_the_package_never_imports_a_tutorial_module():
    """The machinery serves the tutorial's modules, never the other way
    round: not at import, not inside a function either."""
    graph = import_graph(module_level=False)
    wrong = {name: sorted(targets & set(TOP)) for name, targets in
             graph.items() if name.startswith(PACKAGE) and targets & set(TOP)}
    assert not wrong, wrong
    # the reader sees real edges: the tutorial's modules use each other and
    # the package
    assert {'logistic_sgd', 'utils'} <= graph['dA'] and 'dA' in graph['SdA']
    assert any(t.startswith(PACKAGE + '.') for t in graph['dA'])


def test_the_import_rules_see_what_they_look_for(tmp_path):
    """The two checks above on a made-up project: a cycle of relative
    imports through a package's ``__init__``, an import inside a function
    (no cycle, but still an import of a tutorial module), and a submodule
    importing its own package (no cycle)."""
    files = {
        'dA.py': 'from da_tutorial.ops import cost\n',
        'da_tutorial/__init__.py': '',
        'da_tutorial/ops/__init__.py': 'from .cost import Cost\n',
        'da_tutorial/ops/base.py': 'import os\n'
                                   'from da_tutorial import ops\n',
        'da_tutorial/ops/cost.py': 'from . import base\n'
                                   'def later():\n'
                                   '    from ..checks import check\n'
                                   '    import dA\n',
        'da_tutorial/checks.py': 'class C:\n'
                                 '    from .ops.cost import Cost\n'}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    at_import = import_graph(tmp_path)
    assert at_import == {
        'dA': {'da_tutorial', 'da_tutorial.ops', 'da_tutorial.ops.cost'},
        'da_tutorial': set(), 'da_tutorial.ops': {'da_tutorial.ops.cost'},
        'da_tutorial.ops.base': set(),
        'da_tutorial.ops.cost': {'da_tutorial.ops.base'},
        'da_tutorial.checks': {'da_tutorial.ops', 'da_tutorial.ops.cost'}}
    assert find_cycle(at_import) is None
    anywhere = import_graph(tmp_path, module_level=False)
    assert anywhere['da_tutorial.ops.cost'] == {
        'da_tutorial.ops.base', 'da_tutorial.checks', 'dA'}
    assert find_cycle(anywhere)    # (inside functions: not a cycle)
    (tmp_path / 'da_tutorial/ops/base.py').write_text('from .cost import x\n')
    assert find_cycle(import_graph(tmp_path)) == [
        'da_tutorial.ops.cost', 'da_tutorial.ops.base',
        'da_tutorial.ops.cost']


def test_only_the_tutorial_modules_and_one_package_are_installed():
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(str(REPO / 'setup.cfg'))
    assert sorted(cfg['options']['py_modules'].split()) == sorted(TOP)
    # one package: every folder of it, and nothing beside it
    folders = sorted('.'.join(p.parent.relative_to(REPO).parts)
                     for p in (REPO / PACKAGE).rglob('__init__.py'))
    assert sorted(cfg['options']['packages'].split()) == folders
    assert all(name.split('.')[0] == PACKAGE for name in folders)
    assert sorted(p.stem for p in REPO.glob('*.py')) == sorted(TOP +
                                                               ('setup',))


# Stand-ins under the generic names the machinery once had: importing one
# fails loudly, so a test passes only if nothing of ours reaches for them.
STAND_INS = ('datasets', 'backend', 'report', 'fast_ops')
STAND_IN = 'raise ImportError("the stand-in %s was imported")\n'


def make_stand_ins(folder):
    """Write each stand-in twice over: a package in ``folder``/pkgs (as a
    site-packages would hold it) and a module in ``folder`` itself (next
    to a user's script)."""
    for name in STAND_INS:
        package = folder / 'pkgs' / name
        package.mkdir(parents=True)
        (package / '__init__.py').write_text(STAND_IN % name)
        (folder / (name + '.py')).write_text(STAND_IN % name)
    return str(folder / 'pkgs')


# a stacked layer written the tutorial's way: one pretraining step
if engine.ENGINE == 'theano':
    HEADER = ('import theano\nimport theano.tensor as T\n'
              'from theano.sandbox.rng_mrg import MRG_RandomStreams\n'
              'sigmoid = T.nnet.sigmoid\n')
else:   # until the theano face over PyTensor: the engine's own names
    HEADER = ('from da_tutorial.engine import theano, T, sigmoid\n'
              'from da_tutorial.engine import RandomStreams as '
              'MRG_RandomStreams\n')
CLIENT = HEADER + '''import sys
import numpy
from dA import dA
from mlp import HiddenLayer
from logistic_sgd import load_data
train_set_x = load_data(sys.argv[1])[0][0]
rng = numpy.random.RandomState(1)
x = T.matrix('x')
layer = HiddenLayer(rng, x, 28 * 28, 30, activation=sigmoid)
da = dA(numpy_rng=rng, theano_rng=MRG_RandomStreams(7), input=x,
        n_visible=28 * 28, n_hidden=30, W=layer.W, bhid=layer.b)
cost, updates = da.get_cost_updates(0.2, 0.1)
index = T.lscalar('index')
step = theano.function([index], cost, updates=updates,
                       givens={x: train_set_x[index * 20:(index + 1) * 20]})
print('pretraining cost', float(step(0)))
'''


@pytest.mark.slow
def test_nothing_is_shadowed_by_modules_of_generic_names(tmp_path):
    pkgs = make_stand_ins(tmp_path)
    dataset = small_dataset_file(tmp_path)
    env = run_env(PYTHONPATH=pkgs)     # ahead of site-packages
    # stand-ins first on the path, both ways: shown to be in the way
    r = subprocess.run([sys.executable, '-c', 'import datasets'],
                       cwd=str(tmp_path), env=env, capture_output=True,
                       text=True)
    assert 'the stand-in datasets was imported' in r.stderr
    runs = {
        'import': [sys.executable, '-c', 'from dA import dA; '
                   'import SdA, logistic_sgd, mlp, utils; print("ok")'],
        'client': [sys.executable, str(tmp_path / 'client.py'), dataset],
        'dA.py': [sys.executable, str(REPO / 'dA.py'), '--epochs', '1',
                  '--n-hidden', '20', '--corruption-levels', '0',
                  '--dataset', dataset, '--output-folder',
                  str(tmp_path / 'plots')]}
    (tmp_path / 'client.py').write_text(CLIENT)
    printed = {}
    for what, cmd in runs.items():
        # from the stand-ins' folder, as a user next to them would
        r = subprocess.run(cmd, cwd=str(tmp_path), env=env,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, (what, r.stderr)
        printed[what] = r.stdout
    assert printed['import'].strip() == 'ok'
    assert 'pretraining cost' in printed['client']
    assert 'Training epoch 0, cost' in printed['dA.py']
    assert (tmp_path / 'plots' / 'filters_corruption_0.png').exists()


@pytest.mark.slow
def test_probe_runs_with_one_dA_class(tmp_path):
    """``python dA.py --probe``: the script is ``__main__``, and no second
    copy of it is imported as the module ``dA`` (one dA class)."""
    from conftest import synthetic_digits, write_dataset
    # the probe keeps the tutorial's minibatch of 600
    dataset = write_dataset(tmp_path / 'six.pkl.gz', tuple(
        synthetic_digits(600, seed) for seed in (1, 2, 3)))
    out = str(tmp_path / 'plots')
    common = ['--dataset', dataset, '--output-folder', out]
    r = subprocess.run([sys.executable, str(REPO / 'dA.py'), '--epochs', '1',
                        '--n-hidden', '20'] + common, cwd=str(tmp_path),
                       env=run_env(), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, '-X', 'importtime',
                        str(REPO / 'dA.py'), '--probe'] + common,
                       cwd=str(tmp_path), env=run_env(), capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert '30 % dA code' in r.stdout
    imported = [line.rsplit('|', 1)[-1].strip() for line in
                r.stderr.splitlines() if line.startswith('import time:')]
    assert 'logistic_sgd' in imported      # the listing works
    assert 'dA' not in imported


@pytest.mark.slow
def test_pth_line_warns_once_when_its_package_is_gone(tmp_path):
    """A moved or deleted checkout: one plain warning, no traceback."""
    code = 'exec(%r); exec(%r); import sys; print(sys.meta_path)' % (
        PTH_LINE, PTH_LINE)   # site may read a .pth twice
    r = subprocess.run([sys.executable, '-S', '-c', code],
                       cwd=str(tmp_path), env=run_env(), capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count('dA-tutorial: dA-tutorial.pth holds the import '
                          'hook') == 1
    assert 'moved or deleted' in r.stderr and 'Traceback' not in r.stderr
    assert 'TheanoImportHook' not in r.stdout
    # where the package is there, the same line installs the hook, once
    r = subprocess.run([sys.executable, '-S', '-c', 'import sys; '
                        'sys.path.insert(0, %r); ' % str(REPO) + code],
                       cwd=str(tmp_path), env=run_env(), capture_output=True,
                       text=True)
    assert r.returncode == 0 and r.stderr == '', r.stderr
    assert r.stdout.count('TheanoImportHook') == 1


def snapshot(folder):
    """{path: (size, mtime)} of every file under ``folder``."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in Path(folder).rglob('*') if p.is_file()}


@pytest.mark.slow
def test_regular_install_runs_from_anywhere_and_writes_nothing_there(
        tmp_path):
    """``pip install .`` (a wheel, not editable) into a folder of its own,
    read as a site-packages (its .pth run); then the tutorial's script as
    a module from another folder, with no data set anywhere but the one
    given."""
    wheels = tmp_path / 'wheels'
    site_dir = tmp_path / 'site'
    # built from a copy, so the checkout gets no build/ folder
    source = tmp_path / 'source'
    shutil.copytree(str(REPO), str(source), ignore=shutil.ignore_patterns(
        '.*', 'build', '*.egg-info', '__pycache__', 'data', 'docs', 'bench',
        'tests', 'dA_plots'))
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
                        '--no-build-isolation', '-q', '-w', str(wheels),
                        str(source)], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    wheel = next(wheels.glob('*.whl'))
    # the kernels' C files, which they read at run time
    c_files = sorted(p.relative_to(REPO).as_posix() for p in
                     (REPO / PACKAGE / 'ops').glob('*.[ch]'))
    assert c_files and set(c_files) <= set(zipfile.ZipFile(
        str(wheel)).namelist())
    r = subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps',
                        '-q', '--target', str(site_dir), str(wheel)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert (site_dir / 'dA-tutorial.pth').is_file()
    assert not (site_dir / 'data').exists()
    before = snapshot(site_dir)
    work = tmp_path / 'work'
    work.mkdir()
    dataset = small_dataset_file(work)
    # -S: this environment's own .pth files (its editable install of the
    # project) are not run; its site-packages are still read for the
    # engine, and the new folder is read as a site-packages
    import site
    code = ('import sys; sys.path += %r; import site; site.addsitedir(%r); '
            'import runpy; import da_tutorial.data as d; '
            'print("data dir", d.DATA_DIR); print("package", d.__file__); '
            'print("module", runpy.run_module("dA", run_name="__main__", '
            'alter_sys=True)["__file__"])'
            % (site.getsitepackages(), str(site_dir)))
    r = subprocess.run([sys.executable, '-S', '-c', code, '--epochs', '1',
                        '--n-hidden', '20', '--corruption-levels', '0',
                        '--dataset', dataset], cwd=str(work),
                       env=run_env(), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert 'data dir None' in r.stdout     # no checkout: no data/ of ours
    assert 'package %s' % (site_dir / 'da_tutorial' / 'data.py') in r.stdout
    assert 'Training epoch 0, cost' in r.stdout
    module = r.stdout.strip().splitlines()[-1].split()[-1]
    assert module == str(site_dir / 'dA.py')
    assert (work / 'dA_plots' / 'filters_corruption_0.png').exists()
    assert snapshot(site_dir) == before
