"""The house: the tutorial's modules at the top, the machinery in the
``da_tutorial`` package; no import cycle, nothing shadowed, and a regular
(non-editable) install that runs from anywhere and writes nothing beside
itself."""
import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, small_dataset_file
from da_tutorial import engine
from da_tutorial.import_hook import PTH_LINE
from test_setup import run_env

TOP = ('dA', 'logistic_sgd', 'mlp', 'SdA', 'utils')
PACKAGE = 'da_tutorial'


def project_modules():
    """{module name: path} of every module the project installs."""
    modules = {name: REPO / (name + '.py') for name in TOP}
    for path in sorted((REPO / PACKAGE).rglob('*.py')):
        parts = path.relative_to(REPO).with_suffix('').parts
        if parts[-1] == '__init__':
            parts = parts[:-1]
        modules['.'.join(parts)] = path
    return modules


def imports_of(name, path, known):
    """The project modules that module ``name`` imports anywhere in its
    code (function-local imports too)."""
    package = name if path.stem == '__init__' else name.rpartition('.')[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parts = package.split('.')[:len(package.split('.'))
                                            - node.level + 1]
                base = '.'.join(parts + ([base] if base else []))
            # "from package import module" names a module too
            targets = [base] + [base + '.' + a.name for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def test_no_import_cycle_and_the_package_never_imports_the_top():
    modules = project_modules()
    graph = {name: imports_of(name, path, modules)
             for name, path in modules.items()}
    for name, targets in graph.items():
        if name.startswith(PACKAGE):
            assert not targets & set(TOP), (name, targets & set(TOP))
    # depth-first search for a cycle
    state = {}

    def visit(name, stack):
        state[name] = 'open'
        for target in sorted(graph[name]):
            if state.get(target) == 'open':
                pytest.fail('import cycle: ' + ' -> '.join(
                    stack[stack.index(target):] + [target]))
            if target not in state:
                visit(target, stack + [target])
        state[name] = 'done'
    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    # the reader can see it works: the tutorial's modules use the package
    assert 'da_tutorial.engine' in graph['dA'] and 'logistic_sgd' in \
        graph['dA'] and 'dA' in graph['SdA']


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
