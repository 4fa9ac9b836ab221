"""Install Theano's GPU back end into the active virtual environment, then
check what it will load at run time.

Theano 1.0.5 runs on CUDA GPUs through libgpuarray and its Python package
pygpu, neither of which is on PyPI.  This script builds both from source,
pinned to libgpuarray v0.7.6 (commit f036aef3a425560161de362f390d238f4e7c1721),
and installs them into the virtual environment whose Python runs it, without
root::

    .venv/bin/python -m da_tutorial.install_gpu          # source from GitHub
    .venv/bin/python -m da_tutorial.install_gpu --source libgpuarray-0.7.6.tar.gz
    .venv/bin/python -m da_tutorial.install_gpu --check  # the check only

(``.venv/bin/dA-install-gpu`` is the same command.)

A source tarball is accepted only if ``git archive`` made it from that
commit (its header names the commit).  The build needs a C compiler; cmake,
Cython < 3, Mako and six come from pip if missing.

At run time libgpuarray opens the CUDA libraries by unversioned names
(``libcuda.so``, ``libnvrtc.so``, ``libcublas.so``; NVRTC then opens
``libnvrtc-builtins.so``), which a driver or a CUDA runtime alone often does
not provide.  The library is built to look in ``<venv>/lib/gpuarray-cuda``
first, and the check links there the versioned libraries it finds (CUDA
toolkit folders, the loader's cache, ``LD_LIBRARY_PATH``, pip's ``nvidia-*``
wheels), then tries to start the GPU, and says what is missing and how to
fix it.

Exit status: 0 GPU ready; 3 installed, but no GPU can start here (the check
says why); 1 the build failed; 2 wrong use.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request

COMMIT = 'f036aef3a425560161de362f390d238f4e7c1721'
VERSION = '0.7.6'
GITHUB = 'https://github.com/Theano/libgpuarray/archive/%s.tar.gz' % COMMIT
LINKS = 'gpuarray-cuda'    # under <venv>/lib

# name libgpuarray (or NVRTC, or cuBLAS) opens -> file names that provide it,
# and where a missing one comes from
CUDA_LIBRARIES = (
    ('libcuda.so', ('libcuda.so', 'libcuda.so.*'),
     'the NVIDIA driver provides it (libcuda.so.1): install the driver; '
     '`nvidia-smi` shows whether one is running'),
    ('libnvrtc.so', ('libnvrtc.so', 'libnvrtc.so.*'),
     'the CUDA toolkit provides it: install it (or pip install '
     'nvidia-cuda-nvrtc-cu12 into this environment)'),
    ('libnvrtc-builtins.so', ('libnvrtc-builtins.so',
                              'libnvrtc-builtins.so.*'),
     'it comes with libnvrtc (same folder, same CUDA version)'),
    ('libcublas.so', ('libcublas.so', 'libcublas.so.*'),
     'the CUDA toolkit provides it: install it (or pip install '
     'nvidia-cublas-cu12 into this environment)'),
    ('libcublasLt.so', ('libcublasLt.so', 'libcublasLt.so.*'),
     'it comes with libcublas (same folder, same CUDA version)'),
)


class InstallError(Exception):
    """A step failed; the message says which and why."""


class WrongPlace(InstallError):
    """The build cannot go here (no virtual environment, Python 3.12...)."""


def run(cmd, cwd=None, env=None, what=None):
    """Run ``cmd``; on failure raise InstallError with its last lines."""
    print('+ ' + ' '.join(cmd), flush=True)
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        tail = '\n'.join(proc.stdout.splitlines()[-25:])
        raise InstallError('%s failed (exit status %d):\n%s'
                           % (what or cmd[0], proc.returncode, tail))
    return proc.stdout


def fetch_source(source, folder):
    """Return a local path of the source tarball, downloading a URL into
    ``folder`` (written under a temporary name, then renamed)."""
    if not re.match(r'https?://', source):
        if not os.path.isfile(source):
            raise InstallError('source tarball %s not found' % source)
        return source
    dest = os.path.join(folder, 'libgpuarray-%s.tar.gz' % VERSION)
    print('... downloading %s' % source, flush=True)
    try:
        with urllib.request.urlopen(source, timeout=60) as resp, \
                open(dest + '.part', 'wb') as out:
            shutil.copyfileobj(resp, out)
    except OSError as e:
        raise InstallError('cannot download %s: %s. Without internet, give '
                           'a local copy: --source libgpuarray-%s.tar.gz'
                           % (source, e, VERSION))
    os.replace(dest + '.part', dest)
    return dest


def unpack_pinned(tarball, folder):
    """Unpack ``tarball`` into ``folder`` if ``git archive`` made it from
    COMMIT; return the source tree's path."""
    try:
        with tarfile.open(tarball) as tar:
            commit = tar.pax_headers.get('comment', '')
            if commit != COMMIT:
                raise InstallError(
                    '%s is not libgpuarray v%s: its header names commit %r, '
                    'expected %s (make it with git archive --format=tar.gz '
                    '--prefix=libgpuarray-%s/ v%s)'
                    % (tarball, VERSION, commit or None, COMMIT, VERSION,
                       VERSION))
            top = {m.name.split('/')[0] for m in tar.getmembers()}
            if len(top) != 1:
                raise InstallError('%s holds no single source folder'
                                   % tarball)
            if hasattr(tarfile, 'data_filter'):
                tar.extractall(folder, filter='data')
            else:
                tar.extractall(folder)
    except (tarfile.TarError, OSError) as e:
        raise InstallError('cannot read %s: %s' % (tarball, e))
    return os.path.join(folder, top.pop())


def pip_install(*requirements):
    """Install ``requirements`` into this environment with pip."""
    run([sys.executable, '-m', 'pip', 'install', '-q'] + list(requirements),
        what='pip install ' + ' '.join(requirements))


def cmake_command():
    """The cmake to use: on PATH, else the one pip installs here."""
    found = shutil.which('cmake')
    if found:
        return found
    pip_install('cmake')
    return os.path.join(os.path.dirname(sys.executable), 'cmake')


def build_library(src, build, prefix, jobs):
    """Build libgpuarray in Release mode and install it under ``prefix``,
    looking first in ``prefix/lib/gpuarray-cuda`` for what it opens."""
    cmake = cmake_command()
    run([cmake, '-S', src, '-B', build, '-DCMAKE_BUILD_TYPE=Release',
         '-DCMAKE_INSTALL_PREFIX=' + prefix,
         '-DCMAKE_INSTALL_RPATH=' + os.path.join(prefix, 'lib', LINKS)],
        what='cmake (configure libgpuarray)')
    run([cmake, '--build', build, '--target', 'install', '--', '-j%d' % jobs],
        what='cmake (build libgpuarray)')


def build_pygpu(src, prefix):
    """Build pygpu against the installed library and NumPy, and install it
    here (no build isolation: it must use this environment's NumPy)."""
    pip_install('Cython<3', 'mako>=0.7', 'six', 'setuptools<82', 'wheel')
    lib = os.path.join(prefix, 'lib')
    env = dict(os.environ)
    env['CFLAGS'] = ('-I%s ' % os.path.join(prefix, 'include')
                     + env.get('CFLAGS', '')).strip()
    env['LDFLAGS'] = ('-L%s -Wl,-rpath,%s ' % (lib, lib)
                      + env.get('LDFLAGS', '')).strip()
    run([sys.executable, '-m', 'pip', 'install', '--no-build-isolation',
         '--no-deps', src], env=env, what='pip install pygpu')


def library_dirs():
    """Folders that may hold the CUDA libraries, most specific first."""
    dirs = [d for d in os.environ.get('LD_LIBRARY_PATH', '').split(':') if d]
    for var in ('CUDA_HOME', 'CUDA_PATH', 'CUDA_ROOT'):
        if os.environ.get(var):
            root = os.environ[var]
            dirs += [os.path.join(root, 'lib64'), os.path.join(root, 'lib')]
            dirs += sorted(glob.glob(os.path.join(root, 'targets', '*',
                                                  'lib')))
    for root in sorted(glob.glob('/usr/local/cuda*'), reverse=True):
        dirs += sorted(glob.glob(os.path.join(root, 'targets', '*', 'lib')))
        dirs += [os.path.join(root, 'lib64'), os.path.join(root, 'lib')]
    dirs += ['/usr/local/nvidia/lib64', '/usr/local/nvidia/lib',
             '/usr/lib/wsl/lib', '/usr/lib/x86_64-linux-gnu',
             '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib']
    # pip's nvidia-* wheels, in this environment
    for site in sys.path:
        dirs += sorted(glob.glob(os.path.join(site, 'nvidia', '*', 'lib')))
    try:   # the loader's cache
        cache = subprocess.run(['ldconfig', '-p'], capture_output=True,
                               text=True).stdout
        dirs += [os.path.dirname(p) for p in
                 re.findall(r'=> (\S+)', cache)]
    except OSError:
        pass
    seen, unique = set(), []
    for d in dirs:
        if os.path.isdir(d) and os.path.realpath(d) not in seen:
            seen.add(os.path.realpath(d))
            unique.append(d)
    return unique


def version_key(path):
    """Sort key: the numbers in a library's file name (libx.so.13.0.1)."""
    return [int(n) for n in re.findall(r'\d+', os.path.basename(path))]


def find_library(patterns, dirs):
    """The first folder holding a file that matches ``patterns``; there, the
    highest version.  None if none does."""
    for d in dirs:
        found = [p for pattern in patterns
                 for p in glob.glob(os.path.join(d, pattern))
                 if os.path.exists(p)]
        if found:
            return max(found, key=version_key)
    return None


def link_cuda_libraries(prefix, dirs=None):
    """Link each CUDA library found into ``prefix/lib/gpuarray-cuda`` under
    the name it is opened by; return [(name, target or None, fix)].

    :type prefix: str
    :param prefix: the virtual environment

    :type dirs: list of str or None
    :param dirs: folders to search (None: ``library_dirs()``)
    """
    links = os.path.join(prefix, 'lib', LINKS)
    os.makedirs(links, exist_ok=True)
    dirs = [d for d in (library_dirs() if dirs is None else dirs)
            if os.path.realpath(d) != os.path.realpath(links)]
    nvrtc_dir = None
    report = []
    for name, patterns, fix in CUDA_LIBRARIES:
        search = dirs
        if name == 'libnvrtc-builtins.so' and nvrtc_dir:
            search = [nvrtc_dir] + dirs    # the same CUDA version first
        target = find_library(patterns, search)
        link = os.path.join(links, name)
        if target is not None:
            target = os.path.realpath(target)
            tmp = link + '.tmp'
            if os.path.lexists(tmp):
                os.remove(tmp)
            os.symlink(target, tmp)
            os.replace(tmp, link)
            # also under its own file name, for the libraries that open it
            # by that name (cuBLAS opens libcublasLt.so.13)
            own = os.path.join(links, os.path.basename(target))
            if not os.path.lexists(own):
                os.symlink(target, own)
            if name == 'libnvrtc.so':
                nvrtc_dir = os.path.dirname(target)
        elif os.path.lexists(link):
            os.remove(link)     # a stale link from an earlier check
        report.append((name, target, fix))
    return report


START_GPU = '''
import sys
try:
    import pygpu
except Exception as e:
    print('cannot import pygpu: %s: %s' % (type(e).__name__, e))
    sys.exit(1)
try:
    ctx = pygpu.init('cuda')
except Exception as e:
    print('pygpu %s cannot start the GPU: %s: %s'
          % (pygpu.__version__, type(e).__name__, e))
    sys.exit(1)
print('pygpu %s started %s' % (pygpu.__version__, ctx.devname))
'''


def check(prefix):
    """Link the CUDA libraries, try to start the GPU, print what is missing
    and how to fix it; return True when the GPU started."""
    print('\nlibgpuarray looks first in %s for:' % os.path.join(
        prefix, 'lib', LINKS))
    report = link_cuda_libraries(prefix)
    missing = 0
    for name, target, fix in report:
        if target:
            print('  %-21s -> %s' % (name, target))
        else:
            missing += 1
            print('  %-21s MISSING: %s' % (name, fix))
    proc = subprocess.run([sys.executable, '-c', START_GPU],
                          capture_output=True, text=True)
    print((proc.stdout + proc.stderr).strip())
    if proc.returncode == 0:
        print('\nGPU ready: THEANO_FLAGS=device=cuda,floatX=float32 python '
              'dA.py')
        return True
    print('\nNo GPU can start here%s. Once fixed, run python -m '
          'da_tutorial.install_gpu --check again. If the libraries are elsewhere, put their folder '
          'into LD_LIBRARY_PATH (or CUDA_HOME) and check again.'
          % (' (%d librar%s missing)' % (missing, 'y' if missing == 1
                                         else 'ies') if missing else ''))
    return False


def check_environment():
    """Refuse, saying why, where the build cannot go."""
    if sys.prefix == getattr(sys, 'base_prefix', sys.prefix):
        raise WrongPlace(
            'run this with the Python of a virtual environment (for example '
            '.venv/bin/python -m da_tutorial.install_gpu): it installs into '
            '%s, which is not one' % sys.prefix)
    if sys.version_info >= (3, 12):
        raise WrongPlace(
            "Theano's GPU back end needs Theano 1.0.5, which runs on Python "
            '3.11 or older; this is Python %d.%d. Here the GPU comes through '
            "PyTensor's JAX mode instead (README.md, GPU)."
            % sys.version_info[:2])
    if not sys.platform.startswith('linux'):
        raise WrongPlace('this script builds for Linux only')


def main(argv=None):
    """Parse the command line, install, check; return the exit status."""
    parser = argparse.ArgumentParser(
        description="Build and install Theano's GPU back end (libgpuarray "
                    "and pygpu %s) into this virtual environment, then "
                    "check that a GPU can start." % VERSION)
    parser.add_argument('--source', default=GITHUB,
                        help='source tarball, a path or URL (default: '
                             'GitHub, commit %s)' % COMMIT[:10])
    parser.add_argument('--check', action='store_true',
                        help='do not build: only link the CUDA libraries '
                             'and try to start the GPU')
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 1,
                        help='parallel compile jobs (default: all cores)')
    args = parser.parse_args(argv)
    prefix = sys.prefix
    try:
        check_environment()
        if not args.check:
            with tempfile.TemporaryDirectory(prefix='gpuarray-') as work:
                tarball = fetch_source(args.source, work)
                src = unpack_pinned(tarball, work)
                print('... building libgpuarray %s (commit %s) from %s'
                      % (VERSION, COMMIT[:10], tarball), flush=True)
                build_library(src, os.path.join(work, 'build'), prefix,
                              max(1, args.jobs))
                build_pygpu(src, prefix)
            print('installed libgpuarray and pygpu %s into %s'
                  % (VERSION, prefix))
    except InstallError as e:
        print('da_tutorial.install_gpu: error: %s' % e, file=sys.stderr)
        return 2 if isinstance(e, WrongPlace) else 1
    return 0 if check(prefix) else 3


if __name__ == '__main__':
    sys.exit(main())
