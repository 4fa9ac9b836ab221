"""Build step: ship ``dA-tutorial.pth``; all metadata is in setup.cfg.

Python runs a ``.pth`` file's ``import`` lines at start-up.  This one
imports ``da_tutorial.import_hook`` (its line is
``da_tutorial.import_hook.PTH_LINE``), which makes Theano's own import get
the project's defaults, wherever Theano is first imported from (a script
that starts with ``import theano``, as the tutorials do), in regular and
editable installs alike.  The file must sit in site-packages itself, so a
build sub-command writes it there: into the build folder for a wheel, and
straight into the wheel for an editable install (whose wheel holds only
the project's path, not the build folder).
"""
import os
import sys

from setuptools import Command, setup
from setuptools.command.build import build

# the hook's own module says what the .pth holds; it imports nothing else
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from da_tutorial.import_hook import PTH_LINE, PTH_NAME  # noqa: E402


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


setup(cmdclass={'build': build_with_pth, 'build_pth': build_pth})
