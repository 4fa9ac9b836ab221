"""Build step: ship ``dA-tutorial.pth``, and on an Intel CPU ask for MKL;
all other metadata is in setup.cfg.

Python runs a ``.pth`` file's ``import`` lines at start-up.  This one
imports ``da_tutorial.import_hook`` (its line is
``da_tutorial.import_hook.PTH_LINE``), which makes Theano's own import get
the project's defaults, wherever Theano is first imported from (a script
that starts with ``import theano``, as the tutorials do), in regular and
editable installs alike.  The file must sit in site-packages itself, so a
build sub-command writes it there: into the build folder for a wheel, and
straight into the wheel for an editable install (whose wheel holds only
the project's path, not the build folder).

The requirements are setup.cfg's, plus the ``mkl`` wheel where
``da_tutorial.blas.install_mkl`` says so for the machine that builds the
install (an Intel CPU on Linux x86_64; ``DA_BLAS=openblas`` or ``mkl`` at
install decides instead): MKL's products are 2 to 3 times OpenBLAS's
there.  The engine then links MKL where it is clearly the faster here
(``da_tutorial.blas``).
"""
import os
import sys

from setuptools import Command, setup
from setuptools.command.build import build
from setuptools.config.setupcfg import read_configuration

# the hook's own module says what the .pth holds, and blas whether to ask
# for MKL; they import nothing beyond the standard library
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from da_tutorial.import_hook import PTH_LINE, PTH_NAME  # noqa: E402
from da_tutorial.blas import install_mkl  # noqa: E402


class build_pth(Command):
    """Write ``dA-tutorial.pth`` where the wheel's top level is built."""

    description = 'write %s (runs da_tutorial.import_hook)' % PTH_NAME
    user_options = []

    def initialize_options(self):
        self.build_lib = None
        self.editable_mode = False   # set by setuptools' editable_wheel

    def finalize_options(self):
        self.set_undefined_options('build', ('build_lib', 'build_lib'))

    def run(self):
        folder = self.build_lib
        if self.editable_mode:
            # the editable wheel's own folder (setuptools' editable_wheel
            # points install_lib at it)
            folder = self.get_finalized_command('install').install_lib
        self.mkpath(folder)
        with open(os.path.join(folder, PTH_NAME), 'w') as f:
            f.write(PTH_LINE)

    def get_outputs(self):
        if self.editable_mode:
            return []
        return [os.path.join(self.build_lib, PTH_NAME)]

    def get_output_mapping(self):
        return {}

    def get_source_files(self):
        return []


class build_with_pth(build):
    """setuptools' build, plus ``build_pth``."""

    sub_commands = build.sub_commands + [('build_pth', None)]


def install_requires():
    """setup.cfg's requirements, plus ``mkl`` where ``install_mkl()`` says
    so.  (Given to ``setup()``, the list replaces setup.cfg's, so it is
    read from there whole.)"""
    cfg = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       'setup.cfg')
    requires = read_configuration(cfg)['options']['install_requires']
    try:
        wanted = install_mkl()
    except ValueError as e:          # a bad DA_BLAS
        sys.exit('error: %s' % e)
    return requires + (['mkl'] if wanted else [])


setup(cmdclass={'build': build_with_pth, 'build_pth': build_pth},
      install_requires=install_requires())
