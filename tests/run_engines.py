"""Install the project and run the test suite on both engines, each in a
virtual environment of its own: README.md's test command, and what CI runs.

    python3 tests/run_engines.py [pytest options]

* Theano leg: ``.venv-theano``, made with a Python 3.8 to 3.11 (the one
  running this script if it is one, else the newest found), where
  ``pip install -e '.[test]'`` brings Theano 1.0.5.
* PyTensor leg: ``.venv-pytensor``, made with the newest Python 3.12 or
  later found (the Python PyTensor users have), where the same command
  brings PyTensor.

Pythons are looked for as ``python3.N`` on PATH and in pyenv's versions
folder.  A leg without a Python for it is skipped, saying so, unless the
environment variable ``DA_TEST_REQUIRE`` names it (CI: ``theano,pytensor``).
Exits with 0 when every leg that ran passed, and at least one ran.
"""
import glob
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# leg: (virtual environment, lowest and highest Python (major, minor))
LEGS = {'theano': ('.venv-theano', (3, 8), (3, 11)),
        'pytensor': ('.venv-pytensor', (3, 12), (3, 99))}
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


def run_leg(name, python, pytest_args):
    """Make the leg's venv, install the project with its test extra, run
    pytest there; return (passed, seconds)."""
    venv = os.path.join(REPO, LEGS[name][0])
    bin_python = os.path.join(venv, 'bin', 'python')
    start = time.time()
    print('\n=== %s leg: Python %s (%s) in %s ===' % (
        name, '.'.join(map(str, python[0])), python[1], LEGS[name][0]),
        flush=True)
    steps = [[python[1], '-m', 'venv', '--clear', venv]] if not \
        same_python(bin_python, python[0]) else []
    steps += [[bin_python, '-m', 'pip', 'install', '-q', '-e', '.[test]'],
              [bin_python, '-m', 'pytest'] + pytest_args]
    env = dict(os.environ)
    env.pop('DA_BACKEND', None)    # each leg uses the engine it installed
    for step in steps:
        if subprocess.run(step, cwd=REPO, env=env).returncode != 0:
            return False, time.time() - start
    return True, time.time() - start


def same_python(bin_python, version):
    """True when ``bin_python`` exists and is that version of Python."""
    try:
        out = subprocess.run([bin_python, '-c', PROBE], capture_output=True,
                             text=True, timeout=60)
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == \
        '.'.join(map(str, version))


def main(pytest_args):
    """Run each leg that has a Python; print a summary; return the exit
    status."""
    required = [n for n in os.environ.get('DA_TEST_REQUIRE', '').split(',')
                if n]
    pythons = python_versions()
    results, status = [], 0
    for name, (_, low, high) in LEGS.items():
        python = pick_python(pythons, low, high)
        if python is None:
            results.append('%s: not run, no Python %d.%d to %d.%d found'
                           % ((name,) + low + high))
            status = 1 if name in required else status
            continue
        passed, seconds = run_leg(name, python, pytest_args)
        results.append('%s: %s (Python %s, %.0f s with install)' % (
            name, 'passed' if passed else 'FAILED',
            '.'.join(map(str, python[0])), seconds))
        status = status if passed else 1
    if not any(' (Python ' in r for r in results):
        status = 1
    print('\n=== summary ===\n' + '\n'.join(results))
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
