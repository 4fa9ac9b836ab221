"""``theano.misc.pkl_utils``: ``dump`` and ``load`` in Theano's zip
format: one pickle (``pkl``), each NumPy array in it stored beside as an
``.npy`` entry named after its shared variable (``array_N`` when it has
no name), which ``numpy.load`` reads on its own."""
import collections
import io
import pickle
import zipfile

import numpy
from pytensor.compile.sharedvalue import SharedVariable

from .._compat import face_names

DEFAULT_PROTOCOL = pickle.HIGHEST_PROTOCOL


class PersistentNdarrayID(object):
    """Stores each NumPy array met while pickling as an entry of
    ``zip_file``; its persistent id is ``ndarray.<entry>``."""

    def __init__(self, zip_file):
        self.zip_file, self.count, self.seen = zip_file, 0, {}

    def _resolve_name(self, obj):
        name = 'array_%d' % self.count
        self.count += 1
        return name

    def __call__(self, obj):
        if type(obj) is not numpy.ndarray:
            return None
        if id(obj) not in self.seen:
            name = self._resolve_name(obj)
            with self.zip_file.open(name, 'w', force_zip64=True) as f:
                numpy.lib.format.write_array(f, obj)
            self.seen[id(obj)] = 'ndarray.' + name
        return self.seen[id(obj)]


class PersistentSharedVariableID(PersistentNdarrayID):
    """The same, an array held by a named shared variable stored under its
    name (``W``, ``W_2`` for a second ``W``)."""

    def __init__(self, zip_file, allow_unnamed=True, allow_duplicates=True):
        super(PersistentSharedVariableID, self).__init__(zip_file)
        self.names, self.counts = {}, collections.defaultdict(int)
        self.allow_unnamed = allow_unnamed
        self.allow_duplicates = allow_duplicates

    def _resolve_name(self, obj):
        if id(obj) not in self.names:
            return super(PersistentSharedVariableID, self)._resolve_name(obj)
        name = self.names[id(obj)]
        self.counts[name] += 1
        if self.counts[name] > 1:
            if not self.allow_duplicates:
                raise ValueError('multiple shared variables with the name '
                                 '`%s` found' % name)
            name = '%s_%d' % (name, self.counts[name])
        return name

    def __call__(self, obj):
        if isinstance(obj, SharedVariable):
            if obj.name == 'pkl':
                raise ValueError("can't pickle shared variable with name "
                                 '`pkl`')
            if obj.name:
                self.names[id(obj.container.storage[0])] = obj.name
            elif not self.allow_unnamed:
                raise ValueError('unnamed shared variable, %s' % obj)
        return super(PersistentSharedVariableID, self).__call__(obj)


class PersistentNdarrayLoad(object):
    """Reads back the arrays ``PersistentNdarrayID`` stored."""

    def __init__(self, zip_file):
        self.zip_file, self.cache = zip_file, {}

    def __call__(self, persid):
        kind, name = persid.split('.', 1)
        if kind != 'ndarray':
            raise pickle.UnpicklingError(
                'a %s (a GPU array of Theano\'s old CUDA back end) cannot '
                'be loaded here; save it from the CPU instead' % kind)
        if name not in self.cache:
            with self.zip_file.open(name) as f:
                self.cache[name] = numpy.lib.format.read_array(f)
        return self.cache[name]


class _Pickler(pickle.Pickler):
    def __init__(self, f, protocol, persistent_id):
        pickle.Pickler.__init__(self, f, protocol=protocol)
        self._persistent_id = persistent_id

    def persistent_id(self, obj):
        return self._persistent_id(obj)


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, persistent_load):
        pickle.Unpickler.__init__(self, f)
        self._persistent_load = persistent_load

    def persistent_load(self, persid):
        return self._persistent_load(persid)


def dump(obj, file_handler, protocol=DEFAULT_PROTOCOL,
         persistent_id=PersistentSharedVariableID):
    """Pickle ``obj`` into the zip file ``file_handler`` (a path or an
    open binary file), its arrays as ``.npy`` entries."""
    with zipfile.ZipFile(file_handler, 'w', zipfile.ZIP_DEFLATED,
                         allowZip64=True) as zip_file:
        data = io.BytesIO()
        _Pickler(data, protocol, persistent_id(zip_file)).dump(obj)
        zip_file.writestr('pkl', data.getvalue())


def load(f, persistent_load=PersistentNdarrayLoad):
    """What ``dump`` wrote into ``f``."""
    with zipfile.ZipFile(f, 'r') as zip_file:
        return _Unpickler(io.BytesIO(zip_file.read('pkl')),
                          persistent_load(zip_file)).load()


# Theano's other names: PyTensor's, where it has them (_table)
__getattr__, __dir__ = face_names(globals())
