"""One run's output folder: its lock, its checkpoint, the interrupts that
save it, and the set of files it leaves.

A script makes a ``Run`` with its settings before the data loads (``Run``
checks the folder then: held by another run, an interrupted run there, a
``--resume`` that does not match), then trains inside ``with run:``.  The
training is cut into stages (a dA's corruption level, an SdA layer's
pretraining, the finetuning); ``with run.stage(name) as stage:`` gives the
stage's loop state back from the checkpoint, replays what the stage
printed before, and the loops of ``da_tutorial.training`` call
``stage.save(state)`` at the end of every epoch and when Ctrl-C or SIGTERM
arrives.  ``checkpoint.npz`` holds every tracked shared variable (the
parameters, the random streams' states), each stage's loop state and
printed lines, and the settings: resuming from it gives the numbers of a
run that was never stopped, bit for bit.  ``run.finish(files)`` writes
metrics.json last and drops the checkpoint.
"""
import glob
import io
import json
import os
import shlex
import shutil
import signal
import sys
import threading

import numpy

from .checks import UserError, check_batch_size
from .files import (DiskFull, atomic_write, bytes_text, check_output_folder,
                    existing_parent, make_output_folder, save_npz)

CHECKPOINT = 'checkpoint.npz'
LOCK = '.lock'
METRICS = 'metrics.json'
# the project's tests stop a run at a chosen point with a real signal:
# DA_TEST_KILL=checkpoint:N (SIGKILL inside the N-th checkpoint write, the
# file written but not yet renamed), finish (SIGKILL with the models and
# pictures written, metrics.json not) or step:N:SIGNAL (SIGNAL, e.g. INT,
# TERM or KILL, after the N-th minibatch this process trains)
KILL = 'DA_TEST_KILL'


def _killed_here(point):
    """SIGKILL this process if ``DA_TEST_KILL`` names ``point``."""
    if os.environ.get(KILL) == point:
        os.kill(os.getpid(), signal.SIGKILL)


def _step_fault():
    """(N, signal) of ``DA_TEST_KILL=step:N:SIGNAL``, or None."""
    parts = os.environ.get(KILL, '').split(':')
    if len(parts) == 3 and parts[0] == 'step':
        return int(parts[1]), getattr(signal, 'SIG' + parts[2])
    return None


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; the message says what is saved and
    how to resume.  ``status`` is the shell's 128 + the signal's number.
    A ``KeyboardInterrupt``: code that catches ``Exception`` lets it
    through, as it lets Ctrl-C through."""

    def __init__(self, message, signum):
        KeyboardInterrupt.__init__(self, message)
        self.status = 128 + signum


def resume_command():
    """The command that resumes this script's run: its own arguments, with
    ``--resume``."""
    args = [a for a in sys.argv[1:] if a != '--resume']
    return ' '.join(['python', os.path.basename(sys.argv[0])] +
                    [shlex.quote(a) for a in args] + ['--resume'])


def pid_alive(pid):
    """True if a process ``pid`` runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # another user's process
        return True
    return True


def memory_available():
    """Bytes of memory this machine can give now (Linux's MemAvailable;
    elsewhere the physical memory), or None where unknown."""
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemAvailable:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE')
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(what, needed):
    """Raise ValueError when ``needed`` bytes (for ``what``, a phrase
    naming the setting) exceed the memory this machine has available."""
    available = memory_available()
    if available is not None and needed > available:
        raise UserError('%s needs about %s of memory; this machine has %s '
                         'available: choose smaller sizes'
                         % (what, bytes_text(needed), bytes_text(available)))


def check_dA_memory(n_visible, n_hidden, n_models, floatX='float32'):
    """Raise UserError when ``n_models`` dAs of this size, trained one
    after the other, cannot fit in this machine's memory (each kept, plus
    the gradient, the update and the checkpoint's copy of one)."""
    itemsize = numpy.dtype(floatX).itemsize
    check_memory('n_hidden %d (%d models of %d x %d %s weights)'
                 % (n_hidden, n_models, n_visible, n_hidden, floatX),
                 (n_models + 3) * n_visible * n_hidden * itemsize)


def check_dA_data(run, train_set_x, batch_size, n_hidden, n_models):
    """The checks ``dA.test_dA`` makes once the data is loaded: a
    minibatch fits in the training set, and the models fit in memory and,
    with the checkpoint (twice while it is replaced) and the pictures, on
    the disk of ``run``'s folder."""
    n_examples, n_visible = train_set_x.get_value(borrow=True).shape
    floatX = train_set_x.dtype
    check_batch_size(batch_size, n_examples, 'the training set')
    check_dA_memory(n_visible, n_hidden, n_models, floatX)
    model_bytes = (n_visible + 1) * (n_hidden + 1) * \
        numpy.dtype(floatX).itemsize
    run.check_space(3 * n_models * model_bytes + 2 ** 22)


def check_SdA_memory(n_ins, hidden_layers_sizes, n_examples,
                     floatX='float32'):
    """Raise UserError when an SdA of these sizes cannot train in this
    machine's memory: its weights four times (the parameters, the best
    model, the gradients, the checkpoint's copy) and the kept inputs of
    the layers above the first (``cache_inputs``)."""
    sizes = [n_ins] + list(hidden_layers_sizes) + [10]
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    check_memory('hidden layers of %s units (%d weights, %s)'
                 % (' x '.join(map(str, hidden_layers_sizes)), weights,
                    floatX),
                 (4 * weights + n_examples * sum(hidden_layers_sizes[:-1]))
                 * numpy.dtype(floatX).itemsize)


def check_SdA_data(run, datasets, batch_size, hidden_layers_sizes):
    """The checks ``SdA.test_SdA`` makes once the data is loaded: a
    minibatch fits in the smallest split, and the network fits in memory
    and, with the best model, the checkpoint (the parameters twice, twice
    while it is replaced) and metrics.json, on the disk of ``run``'s
    folder."""
    train_set_x = datasets[0][0]
    check_batch_size(batch_size, min(d[0].get_value(borrow=True).shape[0]
                                     for d in datasets), 'the smallest split')
    n_examples, n_ins = train_set_x.get_value(borrow=True).shape
    check_SdA_memory(n_ins, hidden_layers_sizes, n_examples,
                     train_set_x.dtype)
    sizes = [n_ins] + list(hidden_layers_sizes) + [10]
    n_params = sum((a + 2) * b for a, b in zip(sizes, sizes[1:]))
    run.check_space(5 * n_params * numpy.dtype(train_set_x.dtype).itemsize
                    + 2 ** 20)


class Stage(object):
    """One stage of a run (``Run.stage``): its loop state restored from
    the checkpoint (``state``, None when it starts afresh) and the lines it
    printed."""

    def __init__(self, run, name, label):
        self.run, self.name, self.label = run, name, label
        self.state = run.states.get(name)
        self.lines = list(run.lines.get(name, []))
        self.fault = _step_fault()

    def track(self, variables):
        """Keep ``variables`` (shared variables) in the checkpoint, and on
        a resume give them its values now (``Run.track``)."""
        self.run.track(self.name, variables)

    def step_done(self):
        """Called after each minibatch: True once Ctrl-C or SIGTERM asked
        the run to stop (the loop then saves and raises ``interrupted``).
        Under ``DA_TEST_KILL=step:N:SIGNAL`` it sends SIGNAL after the
        N-th minibatch this process trains."""
        if self.fault is not None:
            self.run.steps += 1
            if self.run.steps == self.fault[0]:
                os.kill(os.getpid(), self.fault[1])
        return self.run.signal is not None

    def save(self, state):
        """Record the loop's ``state`` (a dict: plain values go to JSON,
        NumPy values and lists of them keep their dtype) and write the
        checkpoint."""
        self.run.states[self.name] = state
        self.run.lines[self.name] = list(self.lines)
        self.run.save()

    def interrupted(self, where):
        """The ``Interrupted`` to raise once the state is saved; ``where``
        says the epoch ('epoch 3 of 15')."""
        return self.run.interrupted('in %s, %s' % (self.label, where))


class _Tee(io.TextIOBase):
    """stdout, also kept in a stage's lines (to replay them on resume)."""

    def __init__(self, stream, lines):
        self.stream, self.lines, self.partial = stream, lines, ''

    def write(self, text):
        self.stream.write(text)
        self.partial += text
        *done, self.partial = self.partial.split('\n')
        self.lines.extend(done)
        return len(text)

    def flush(self):
        self.stream.flush()


class Run(object):
    """A training run in ``folder``, written by ``script`` with
    ``settings``; ``resume`` continues from its checkpoint.

    :type folder: str
    :param folder: the output folder

    :type script: str
    :param script: the script's file name ('dA.py'), as messages name it

    :type settings: dict
    :param settings: everything the numbers depend on (JSON values); a
                     resume with other settings is refused

    :type resume: bool
    :param resume: continue from ``folder``'s checkpoint

    :type outputs: sequence of str
    :param outputs: glob patterns of the files the script writes: a fresh
                    run replaces a finished run's set as a whole

    :raises ValueError: when the folder is held by a live run, holds an
                        interrupted run and ``resume`` is False, or the
                        checkpoint does not match ``settings``
    """

    def __init__(self, folder, script, settings, resume, outputs):
        check_output_folder(folder)
        self.folder, self.script = folder, script
        self.settings = json.loads(json.dumps(settings))
        self.resume, self.outputs = resume, tuple(outputs)
        self.path = os.path.join(folder, CHECKPOINT)
        self.lock_path = os.path.join(folder, LOCK)
        self.variables = {}
        self.states, self.lines, self.arrays = {}, {}, {}
        self.signal = None
        self.saves = self.steps = 0
        self.armed = False
        self._held = False
        self._handlers = {}
        holder = self.lock_holder()
        if holder is not None and pid_alive(holder):
            raise self.in_use(holder)
        if resume:
            self._load()
        elif os.path.exists(self.path):
            raise UserError(
                'output folder %r holds an interrupted run (%s); continue it '
                'with: %s, or delete %s to start afresh'
                % (folder, CHECKPOINT, resume_command(), self.path))

    # -- the checkpoint --------------------------------------------------
    def _load(self):
        if not os.path.exists(self.path):
            if self._complete():
                raise UserError('nothing to resume in %r: its run is '
                                 'complete (metrics.json); run without '
                                 '--resume to start a new one' % self.folder)
            # stopped before its first checkpoint: nothing to go on from
            print('no %s in %s: starting from the beginning'
                  % (CHECKPOINT, self.folder), file=sys.stderr)
            self.resume = False
            return
        try:
            with numpy.load(self.path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
            meta = json.loads(str(arrays.pop('meta')))
        except (OSError, ValueError, KeyError, EOFError) as e:
            raise UserError('cannot read %s (%s); delete it to start '
                             'afresh' % (self.path, e)) from None
        if meta.get('script') != self.script:
            raise UserError('%s was written by %s, not %s; resume it with '
                             'that script' % (self.path, meta.get('script'),
                                              self.script))
        saved = meta['settings']
        differ = ['%s %s (this run: %s)' % (k, json.dumps(saved.get(k)),
                                            json.dumps(self.settings.get(k)))
                  for k in sorted(set(saved) | set(self.settings))
                  if saved.get(k) != self.settings.get(k)]
        if differ:
            raise UserError('cannot resume: the checkpoint in %r was made '
                             'with %s; resume with its settings, or start '
                             'afresh in another --output-folder'
                             % (self.folder, ', '.join(differ)))
        self.lines = meta['lines']
        for stage, state in meta['states'].items():
            lists = state.pop('$lists')
            for key in state.pop('$arrays'):
                value = arrays.pop('state:%s:%s' % (stage, key))
                state[key] = list(value) if key in lists else value[()]
            self.states[stage] = state
        self.arrays = arrays

    def _complete(self):
        """True if the folder holds a finished run's metrics.json."""
        try:
            with open(os.path.join(self.folder, METRICS)) as f:
                return json.load(f).get('complete', True) is not False
        except (OSError, ValueError, AttributeError):
            return False

    def save(self):
        """Write the checkpoint: every tracked variable, every stage's
        state and lines, the settings (under a temporary name, renamed)."""
        arrays = {'var:' + k: v.get_value(borrow=True)
                  for k, v in self.variables.items()}
        states = {}
        for stage, state in self.states.items():
            plain, kept, lists = {}, [], []
            for key, value in state.items():
                if isinstance(value, (numpy.ndarray, numpy.generic)) or (
                        isinstance(value, list) and value and all(
                            isinstance(v, (numpy.ndarray, numpy.generic))
                            for v in value)):
                    if isinstance(value, list):
                        lists.append(key)
                    arrays['state:%s:%s' % (stage, key)] = numpy.asarray(
                        value)
                    kept.append(key)
                else:
                    plain[key] = value
            states[stage] = dict(plain, **{'$arrays': kept, '$lists': lists})
        meta = {'script': self.script, 'settings': self.settings,
                'states': states, 'lines': self.lines}
        arrays['meta'] = numpy.array(json.dumps(meta))
        self.saves += 1
        save_npz(self.path, arrays,
                 lambda: _killed_here('checkpoint:%d' % self.saves))

    def track(self, name, variables):
        """Keep ``variables`` (shared variables, named by their position
        under ``name``) in the checkpoint; on resume, give them the
        checkpoint's values now."""
        for i, v in enumerate(variables):
            key = '%s/%d' % (name, i)
            self.variables[key] = v
            saved = self.arrays.get('var:' + key)
            if saved is not None:
                v.set_value(saved)

    def stage(self, name, label=None):
        """``with run.stage(name) as stage:``: a stage of the training;
        the lines it printed before an interrupt are printed again, and
        its new lines kept."""
        return _StageContext(self, Stage(self, name, label or name))

    # -- the folder ------------------------------------------------------
    def lock_holder(self):
        """The PID in the folder's lock, or None."""
        try:
            with open(self.lock_path) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def in_use(self, holder):
        """The ``UserError`` for a folder another run (PID ``holder``)
        holds."""
        return UserError('output folder %r is in use by another run (PID %s); '
                         'wait for it to end or choose another '
                         '--output-folder' % (self.folder, holder))

    def check_space(self, needed):
        """Raise ValueError unless the folder's disk has ``needed`` bytes
        free (what the run will write)."""
        free = shutil.disk_usage(existing_parent(self.folder)).free
        if needed > free:
            raise UserError('output folder %r: the run writes about %s and '
                             'its disk has %s free; free some space or '
                             'choose another --output-folder'
                             % (self.folder, bytes_text(needed),
                                bytes_text(free)))

    def _take_lock(self):
        make_output_folder(self.folder)
        holder = self.lock_holder()
        if holder is not None and holder != os.getpid():
            if pid_alive(holder):
                raise self.in_use(holder)
            print('taking over %s: the run that held it (PID %d) is gone'
                  % (self.lock_path, holder), file=sys.stderr)
            os.remove(self.lock_path)
        try:
            fd = os.open(self.lock_path,
                         os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:     # taken since: another run started
            raise self.in_use(self.lock_holder()) from None
        with os.fdopen(fd, 'w') as f:
            f.write('%d %s\n' % (os.getpid(), self.script))
        self._held = True

    def _clean(self):
        """Remove stray temporary files and, for a fresh run, the files
        of the run that was there before (as a whole)."""
        for path in glob.glob(os.path.join(self.folder, '.tmp-*')):
            os.remove(path)
        if self.resume:
            return
        old = sorted({p for pattern in (METRICS,) + self.outputs
                      for p in glob.glob(os.path.join(self.folder, pattern))})
        if old:
            print('replacing the earlier run in %s (%d files)'
                  % (self.folder, len(old)), file=sys.stderr)
        for path in old:      # metrics.json first: it names the set
            os.remove(path)

    def _on_signal(self, signum, frame):
        if self.armed:       # a loop saves and stops after this minibatch
            self.signal = signum
            return
        raise self.interrupted('while %s' % (
            'compiling or writing files' if self.states else
            'getting ready'),
            signum)

    def interrupted(self, where, signum=None):
        """The ``Interrupted`` that ends the run: what stopped, what is
        saved, how to resume."""
        signum = signum or self.signal or signal.SIGINT
        name = 'Ctrl-C' if signum == signal.SIGINT else \
            signal.Signals(signum).name
        if os.path.exists(self.path):
            saved = 'saved %s; resume with: %s' % (self.path,
                                                   resume_command())
        else:
            saved = 'nothing was trained yet'
        return Interrupted('%s: interrupted %s; %s' % (name, where, saved),
                           signum)

    def __enter__(self):
        self._take_lock()
        self._clean()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._handlers[signum] = signal.signal(signum,
                                                       self._on_signal)
        return self

    def __exit__(self, kind, error, traceback):
        for signum, handler in self._handlers.items():
            signal.signal(signum, handler)
        self._handlers = {}
        if self._held:
            os.remove(self.lock_path)
            self._held = False
        if isinstance(error, DiskFull) and os.path.exists(self.path):
            raise DiskFull('%s; what was trained is in %s: free some space, '
                           'then resume with: %s'
                           % (error, self.path, resume_command())) from None

    def finish(self, files):
        """End the run: metrics.json (``files``: its data, which gets the
        list of the run's files) is written last, then the checkpoint goes.

        :type files: dict
        :param files: metrics.json's data
        """
        names = sorted(os.path.basename(p) for pattern in self.outputs
                       for p in glob.glob(os.path.join(self.folder, pattern)))
        files['files'] = names + [METRICS]
        _killed_here('finish')
        with atomic_write(os.path.join(self.folder, METRICS)) as f:
            f.write((json.dumps(files, indent=2) + '\n').encode())
        if os.path.exists(self.path):
            os.remove(self.path)
        return files['files']


class _StageContext(object):

    def __init__(self, run, stage):
        self.run, self.stage = run, stage

    def __enter__(self):
        for line in self.stage.lines:     # as the run printed them
            print(line)
        self.stdout = sys.stdout
        sys.stdout = _Tee(sys.stdout, self.stage.lines)
        self.run.armed = True
        return self.stage

    def __exit__(self, kind, error, traceback):
        self.run.armed = False
        sys.stdout = self.stdout
