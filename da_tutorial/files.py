"""Writing files so that none is ever left half written, and checking the
output folder before minutes of training."""
import contextlib
import errno
import io
import os
import shutil
import tempfile
import zipfile

import numpy

from .checks import UserError


class DiskFull(UserError):
    """A file could not be written for lack of space; the message names it
    and the space it needed."""


def bytes_text(n):
    """``n`` bytes, short: '3.2 MB'."""
    for unit in ('bytes', 'kB', 'MB', 'GB', 'TB'):
        if n < 1000 or unit == 'TB':
            return ('%d %s' if unit == 'bytes' else '%.1f %s') % (n, unit)
        n /= 1000.


@contextlib.contextmanager
def atomic_write(path, size=None):
    """Open a temporary file beside ``path`` for binary writing; on success
    rename it to ``path``, on any error delete it.

    So ``path`` is either the complete new file or left as it was, never
    half written.  A full disk raises ``DiskFull``, naming the file and,
    where ``size`` tells it, the space the file needs.

    :type path: str
    :param path: the file to create or replace

    :type size: int or None
    :param size: about how many bytes will be written, for the message
    """
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp-')
        with os.fdopen(fd, 'wb') as f:
            yield f
        # mkstemp makes the file private (0600); give it the usual mode
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as e:
        if e.errno != errno.ENOSPC:
            raise
        free = shutil.disk_usage(folder).free
        if tmp is not None and os.path.exists(tmp):
            free += os.path.getsize(tmp)
        needs = '' if size is None else 'it needs about %s, ' % \
            bytes_text(size)
        raise DiskFull('no space left on the disk to write %s (%s%s free)'
                       % (path, needs, bytes_text(free))) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def save_npz(path, arrays, halfway=None):
    """Write ``arrays`` (a dict of NumPy arrays) as the ``.npz`` at
    ``path``, atomically (``atomic_write``).  The archive is built in
    memory first, so a full disk is a ``DiskFull`` naming the file (NumPy
    writing to a full disk can fail with a ``ValueError`` from zipfile).

    :type halfway: callable or None
    :param halfway: called with half the file written (the tests stop a
                    run there)
    """
    buffer = io.BytesIO()
    numpy.savez(buffer, **arrays)
    data = buffer.getvalue()
    with atomic_write(path, len(data)) as f:
        f.write(data[:len(data) // 2])
        if halfway is not None:
            halfway()
        f.write(data[len(data) // 2:])


def existing_parent(path):
    """The deepest folder of ``path`` that exists."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def check_output_folder(output_folder):
    """Raise ValueError unless ``output_folder`` can be created (or exists)
    and written to.  Nothing is created: a run that stops later on a bad
    setting leaves no empty folder behind (``make_output_folder`` creates
    it once the run can start).

    :type output_folder: str
    :param output_folder: the folder a run writes into

    :raises ValueError: naming the folder and the reason
    """
    def refuse(reason):
        raise UserError('output folder %r %s; choose another with '
                         '--output-folder' % (output_folder, reason))
    folder = os.path.abspath(output_folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        refuse('is a file, not a folder')
    # the deepest part that exists must be a writable folder
    existing = existing_parent(folder)
    if not os.path.isdir(existing):
        refuse('is not writable: %s is a file, not a folder' % existing)
    if not os.access(existing, os.W_OK | os.X_OK):
        refuse('is not writable (no write permission in %s)' % existing)


def make_output_folder(output_folder):
    """Create ``output_folder`` (and its parents) if needed.

    :raises ValueError: naming the folder and the reason
    """
    try:
        os.makedirs(output_folder, exist_ok=True)
    except OSError as e:
        raise UserError('output folder %r cannot be created: %s; choose '
                         'another with --output-folder'
                         % (output_folder, e)) from None


def load_arrays(path, names, what):
    """Read the arrays ``names`` from the ``.npz`` at ``path`` (no
    pickle), for a saved ``what`` ('dA', 'SdA').

    :raises ValueError: naming the file and what is wrong: unreadable, not
                        an ``.npz`` (a renamed ``.npy``, say), an array
                        missing
    """
    try:
        f = numpy.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise UserError('cannot read saved %s %s: %s: %s (truncated or not '
                         'an .npz written by %s.save?)'
                         % (what, path, type(e).__name__, e, what)) from None
    if not isinstance(f, numpy.lib.npyio.NpzFile):
        raise UserError('%s is not a saved %s: it holds one array, not the '
                         'archive (.npz) that %s.save writes'
                         % (path, what, what))
    with f:
        missing = [name for name in names if name not in f.files]
        if missing:
            raise UserError('%s is not a saved %s: it has no array %s'
                             % (path, what, ', '.join(missing)))
        try:
            return {name: f[name] for name in names}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise UserError('cannot read saved %s %s: %s: %s (truncated?)'
                             % (what, path, type(e).__name__, e)) from None


def check_parameter(path, name, value, shape):
    """Raise ValueError, naming the file, unless the saved parameter
    ``name`` is finite floats of ``shape`` (NaN and inf named as such)."""
    if value.shape != shape or value.dtype.kind != 'f':
        raise UserError('%s: %s must be finite floats of shape %s, got %s %s'
                         % (path, name, shape, value.dtype, value.shape))
    bad = [word for word, test in (('NaN', numpy.isnan), ('inf', numpy.isinf))
           if test(value).any()]
    if bad:
        raise UserError('%s: %s holds %s (a diverged training?); its '
                         'values must be finite' % (path, name,
                                                    ' and '.join(bad)))


def load_saved_dA(path):
    """Read and check what ``dA.save`` wrote: return {'W', 'b', 'b_prime'}
    as saved, once the sizes are positive integers and each array is
    finite floats of its shape.

    :raises UserError: naming the file and what is wrong with it
    """
    arrays = load_arrays(path, ('W', 'b', 'b_prime', 'n_visible',
                                'n_hidden'), 'dA')
    sizes = arrays['n_visible'], arrays['n_hidden']
    if any(s.shape != () or s.dtype.kind not in 'iu' or s < 1
           for s in sizes):
        raise UserError('%s: n_visible and n_hidden must be positive '
                        'integers, got %s and %s' % ((path,) + sizes))
    n_visible, n_hidden = int(sizes[0]), int(sizes[1])
    for name, shape in (('W', (n_visible, n_hidden)), ('b', (n_hidden,)),
                        ('b_prime', (n_visible,))):
        check_parameter(path, name, arrays[name], shape)
    return {name: arrays[name] for name in ('W', 'b', 'b_prime')}
