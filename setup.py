"""Build step: ship ``dA-tutorial.pth``; all metadata is in setup.cfg.

Python runs a ``.pth`` file's ``import`` lines at start-up.  This one puts
a finder on ``sys.meta_path`` that runs ``theano_setup.EngineImportHook``
when Theano is imported, so that Theano gets the project's BLAS default at
its own import, wherever it is first imported from (a script that starts
with ``import theano``, as the tutorials do), in regular and editable
installs alike.  The file must sit in site-packages itself, so
a build sub-command writes it there: into the build folder for a wheel, and
straight into the wheel for an editable install (whose wheel holds only the
project's path, not the build folder).
"""
import os

from setuptools import Command, setup
from setuptools.command.build import build

PTH_NAME = 'dA-tutorial.pth'
# What the .pth runs at every start-up: a finder that only compares names
# until theano or pytensor is imported, and then hands over to
# theano_setup.EngineImportHook.  Importing theano_setup itself waits until
# then, so Python processes that never import an engine are not slowed; a
# checkout removed after an editable install just turns it off.
# (theano_setup.PTH_FINDER names the class.)
PTH_SOURCE = """
class dA_tutorial_engine_hook(object):
    real = None

    def find_spec(self, name, path=None, target=None):
        if name != 'theano' and name != 'pytensor':
            return None
        if self.real is None:
            try:
                import theano_setup
            except ImportError:
                return None
            self.real = theano_setup.EngineImportHook()
        return self.real.find_spec(name, path, target)

# site may read a .pth twice (a venv's site-packages, then again)
if not any(type(f).__name__ == 'dA_tutorial_engine_hook'
           for f in sys.meta_path):
    sys.meta_path.insert(0, dA_tutorial_engine_hook())
"""
# a .pth runs only lines that start with "import"
PTH_LINE = 'import sys; exec(%r)\n' % PTH_SOURCE


class build_pth(Command):
    """Write ``dA-tutorial.pth`` where the wheel's top level is built."""

    description = 'write %s (the import hook of theano_setup.py)' % PTH_NAME
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
