"""Install the project and run the test suite on both engines, each in a
virtual environment of its own: README.md's test command, and what CI runs.

    python3 tests/run_engines.py [--quick] [pytest options]

* Theano leg: ``.venv-theano``, made with a Python 3.8 to 3.11 (the one
  running this script if it is one, else the newest found), where
  ``pip install -e '.[test]'`` brings Theano 1.0.5.
* PyTensor leg: ``.venv-pytensor``, made with the newest Python 3.12 or
  later found (the Python PyTensor users have), where the same command
  brings PyTensor.

The two legs run side by side, each leg's output shown when both are
done.  ``--quick`` runs only the tests not marked ``slow`` (none starts a
Python or pip, builds a wheel, runs a whole script or takes seconds), and
reinstalls the project only where its build files changed since the last
install into that environment.

Pythons are looked for as ``python3.N`` on PATH and in pyenv's versions
folder.  A leg without a Python for it is skipped, saying so, unless the
environment variable ``DA_TEST_REQUIRE`` names it (CI: ``theano,pytensor``).
Exits with 0 when every leg that ran passed, and at least one ran.
"""
import concurrent.futures
import glob
import hashlib
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# leg: (virtual environment, lowest and highest Python (major, minor))
LEGS = {'theano': ('.venv-theano', (3, 8), (3, 11)),
        'pytensor': ('.venv-pytensor', (3, 12), (3, 99))}
# the build files an install is made from; the venv keeps their digest
BUILD_FILES = ('setup.py', 'setup.cfg', 'pyproject.toml')
INSTALLED_FROM = 'dA-tutorial-installed-from'
PROBE = ('import sys, venv, ensurepip; '
         'print("%d.%d.%d" % sys.version_info[:3])')


def candidate_pythons():
    """Executables that may be Pythons: this one, python3.N on PATH, and
    pyenv's installed versions."""
    found = [sys.executable]
    for folder in os.environ.get('PATH', '').split(os.pathsep):
        found += sorted(glob.glob(os.path.join(folder, 'python3.[0-9]*')))
    pyenv = os.environ.get('PYENV_ROOT', os.path.expanduser('~/.pyenv'))
    found += sorted(glob.glob(os.path.join(pyenv, 'versions', '*', 'bin',
                                           'python3')))
    return found


def python_versions():
    """{real path: (version tuple, executable)} of the Pythons that run and
    can make a virtual environment."""
    pythons = {}
    for exe in candidate_pythons():
        real = os.path.realpath(exe)
        if real in pythons or not os.access(exe, os.X_OK):
            continue
        try:
            out = subprocess.run([exe, '-c', PROBE], capture_output=True,
                                 text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0:
            version = tuple(int(v) for v in out.stdout.split('.'))
            pythons[real] = (version, exe)
    return pythons


def pick_python(pythons, low, high):
    """The Python running this script if it is within [low, high], else the
    newest there; None if none is."""
    fits = [(v, exe) for v, exe in pythons.values() if low <= v[:2] <= high]
    for version, exe in fits:
        if os.path.realpath(exe) == os.path.realpath(sys.executable):
            return version, exe
    return max(fits) if fits else None


def run_leg(name, python, pytest_args, quick=False, out=None):
    """Make the leg's venv, install the project with its test extra (with
    ``quick``, only where the install is not current), run pytest there,
    writing to the file ``out`` (None: this process's output); return
    (passed, seconds)."""
    venv = os.path.join(REPO, LEGS[name][0])
    bin_python = os.path.join(venv, 'bin', 'python')
    start = time.time()
    print('\n=== %s leg: Python %s (%s) in %s ===' % (
        name, '.'.join(map(str, python[0])), python[1], LEGS[name][0]),
        file=out or sys.stdout, flush=True)
    steps = [[python[1], '-m', 'venv', '--clear', venv]] if not \
        same_python(bin_python, python[0]) else []
    install = [bin_python, '-m', 'pip', 'install', '-q', '-e', '.[test]']
    stamp, digest = os.path.join(venv, INSTALLED_FROM), build_digest()
    if steps or not quick or read_text(stamp) != digest:
        steps.append(install)
    steps.append([bin_python, '-m', 'pytest'] + pytest_args)
    env = dict(os.environ)
    env.pop('DA_BACKEND', None)    # each leg uses the engine it installed
    stderr = None if out is None else subprocess.STDOUT
    for step in steps:
        if step is install and os.path.exists(stamp):
            os.remove(stamp)       # a failed install is not current
        if subprocess.run(step, cwd=REPO, env=env, stdout=out,
                          stderr=stderr).returncode != 0:
            return False, time.time() - start
        if step is install:
            with open(stamp, 'w') as f:
                f.write(digest)
    return True, time.time() - start


def run_side_by_side(legs, pytest_args, quick):
    """Run each (name, python) of ``legs`` at once (on a core each: most of
    a leg's time is one process compiling C); print each one's output when
    all are done, in order; return their (passed, seconds)."""
    outs = [tempfile.TemporaryFile('w+') for _ in legs]
    with concurrent.futures.ThreadPoolExecutor(max(len(legs), 1)) as pool:
        outcomes = list(pool.map(lambda leg, out: run_leg(
            *leg, pytest_args, quick=quick, out=out), legs, outs))
    for out in outs:
        out.seek(0)
        sys.stdout.write(out.read())
        out.close()
    return outcomes


def build_digest():
    """SHA-256 of this checkout's place and its build files' text: an
    editable install made from them is current while it is the same."""
    digest = hashlib.sha256(REPO.encode())
    for name in BUILD_FILES:
        digest.update(b'\0' + read_text(os.path.join(REPO, name)).encode())
    return digest.hexdigest()


def read_text(path):
    """The text of the file at ``path``; '' where there is none."""
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ''


def same_python(bin_python, version):
    """True when ``bin_python`` exists and is that version of Python."""
    try:
        out = subprocess.run([bin_python, '-c', PROBE], capture_output=True,
                             text=True, timeout=60)
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == \
        '.'.join(map(str, version))


def main(argv):
    """Run each leg that has a Python; print a summary; return the exit
    status."""
    quick = '--quick' in argv
    pytest_args = [a for a in argv if a != '--quick']
    if quick:
        pytest_args = ['-m', 'not slow'] + pytest_args
    required = [n for n in os.environ.get('DA_TEST_REQUIRE', '').split(',')
                if n]
    pythons = python_versions()
    found = {name: pick_python(pythons, low, high)
             for name, (_, low, high) in LEGS.items()}
    legs = [(name, python) for name, python in found.items() if python]
    outcomes = dict(zip([name for name, _ in legs],
                        run_side_by_side(legs, pytest_args, quick)))
    results, status = [], 0
    for name, (_, low, high) in LEGS.items():
        python = found[name]
        if python is None:
            results.append('%s: not run, no Python %d.%d to %d.%d found'
                           % ((name,) + low + high))
            status = 1 if name in required else status
            continue
        passed, seconds = outcomes[name]
        results.append('%s: %s (Python %s, %.0f s in all)' % (
            name, 'passed' if passed else 'FAILED',
            '.'.join(map(str, python[0])), seconds))
        status = status if passed else 1
    if not any(' (Python ' in r for r in results):
        status = 1
    print('\n=== summary ===\n' + '\n'.join(results))
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
