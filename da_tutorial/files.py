"""Writing files so that none is ever left half written, and checking the
output folder before minutes of training."""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path):
    """Open a temporary file beside ``path`` for binary writing; on success
    rename it to ``path``, on any error delete it.

    So ``path`` is either the complete new file or left as it was, never
    half written.

    :type path: str
    :param path: the file to create or replace
    """
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp-')
    try:
        with os.fdopen(fd, 'wb') as f:
            yield f
        # mkstemp makes the file private (0600); give it the usual mode
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


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
        raise ValueError('output folder %r %s; choose another with '
                         '--output-folder' % (output_folder, reason))
    folder = os.path.abspath(output_folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        refuse('is a file, not a folder')
    # the deepest part that exists must be a writable folder
    existing = folder
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
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
        raise ValueError('output folder %r cannot be created: %s; choose '
                         'another with --output-folder'
                         % (output_folder, e)) from None
