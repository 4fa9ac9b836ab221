"""Theano's settings at Theano's own import, wherever that happens.

The tutorials' scripts start with ``import theano``.  On Python 3.11 with
NumPy 1.23, Theano 1.0.5 crashes at that import unless its BLAS flags are
set (``blas`` says why), so the project must act *at* Theano's
import, before any of its own modules runs.  The install ships
``dA-tutorial.pth`` (``PTH_LINE``; setup.py writes it), which Python runs
at start-up: it imports this module and calls ``install``, which puts
``TheanoImportHook`` on ``sys.meta_path``.  The finder compares one name
per import; when ``theano`` itself is imported, it runs Theano's module
inside ``defaults.engine_defaults('theano')``: defaults for what the
user did not set, the environment restored afterwards.

Where no real Theano is installed and PyTensor is (Python 3.12 and
later), ``import theano`` gets ``theano_face``: Theano's names over
PyTensor.  A real Theano is always looked for first, and never shadowed.

It acts on Theano's import only.  PyTensor, JAX and logging are left as
they are for every other program in the environment (the project gives
PyTensor its defaults only when the project itself imports it:
``engine.py``).  When the package cannot be imported (an editable
checkout moved or deleted), the ``.pth`` line says so once, in plain words,
on stderr, and does nothing else.
"""
import sys

PTH_NAME = 'dA-tutorial.pth'

# What the .pth runs at every start-up.  A .pth runs only lines that start
# with "import", one line each, so the try/except goes through exec.  The
# flag on sys keeps it to once per process (site may read a .pth twice).
_PTH_CODE = '''\
if not getattr(sys, '_dA_tutorial_hook', False):
    sys._dA_tutorial_hook = True
    try:
        import da_tutorial.import_hook
    except ImportError as e:
        sys.stderr.write(
            'dA-tutorial: ' + __PTH__ + ' holds the import hook of the '
            'dA tutorial, but its package cannot be imported (' + str(e) + '): was '
            'the checkout of an editable install moved or deleted? import '
            'theano will not get the project settings. Reinstall it (pip '
            'install -e <checkout>) or remove it (pip uninstall '
            'dA-tutorial).\\n')
    else:
        da_tutorial.import_hook.install()
'''.replace('__PTH__', repr(PTH_NAME))
PTH_LINE = 'import sys; exec(%r)\n' % _PTH_CODE


# Theano's Cython scan, built on first use; where it cannot be built, the
# hook turns the failure into the ImportError on which Theano falls back to
# its Python scan (theano_fixes.ScanFallback says why)
SCAN_EXT = 'theano.scan_module.scan_perform_ext'


class TheanoImportHook(object):
    """A ``sys.meta_path`` finder: when ``theano`` itself is imported, its
    module runs inside ``defaults.engine_defaults('theano')``; when
    Theano's Cython scan is, through ``theano_fixes.SCAN_FALLBACK``.  Any
    other import costs two string comparisons."""

    def __init__(self):
        self.finding = False   # while the other finders are asked

    def find_spec(self, fullname, path=None, target=None):
        """Theano's own spec (or its scan's), its loader wrapped; None for
        the rest."""
        if fullname != 'theano' and fullname != SCAN_EXT or self.finding:
            return None
        import importlib.util
        self.finding = True    # let the other finders answer
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self.finding = False
        if spec is None and fullname == 'theano':
            return face_spec()
        if spec is None or not hasattr(spec.loader, 'exec_module'):
            return None
        exec_module = spec.loader.exec_module
        if fullname == SCAN_EXT:
            from da_tutorial.theano_fixes import SCAN_FALLBACK
            spec.loader.exec_module = SCAN_FALLBACK.wrap(exec_module)
            return spec
        from da_tutorial.defaults import engine_defaults

        def exec_with_defaults(module):
            with engine_defaults('theano'):
                exec_module(module)
        spec.loader.exec_module = exec_with_defaults
        return spec


def face_spec():
    """The spec of ``da_tutorial.theano_face`` as the module ``theano``,
    where PyTensor is installed (no real Theano is: that is looked for
    first); else None."""
    import importlib.util
    import os
    if importlib.util.find_spec('pytensor') is None:
        return None
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          'theano_face')
    return importlib.util.spec_from_file_location(
        'theano', os.path.join(folder, '__init__.py'),
        submodule_search_locations=[folder])


def install():
    """Put ``TheanoImportHook`` first on ``sys.meta_path``, unless one is
    there already (the ``.pth``'s, or an earlier call's).  ``engine.py``
    calls it too, so that a checkout that is not installed gets the same
    defaults."""
    if not any(isinstance(f, TheanoImportHook) for f in sys.meta_path):
        sys.meta_path.insert(0, TheanoImportHook())
