"""Runs stopped and resumed: SIGKILL, Ctrl-C and SIGTERM at chosen moments
(``DA_TEST_KILL``, see da_tutorial/runs.py), then ``--resume``, must end
with the printed numbers and the saved weights of a run never stopped, bit
for bit; one run per folder; nothing left half written; bad settings and
bad model files refused before anything is made."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy
import pytest

from conftest import REPO, small_dataset_file

DA = ['--epochs', '2', '--n-hidden', '12', '--batch-size', '20',
      '--corruption-levels', '0', '0.3']
SDA = ['--hidden-layers', '12', '10', '--corruption-levels', '0.1', '0.2',
       '--pretraining-epochs', '2', '--training-epochs', '3',
       '--batch-size', '20']


def script(name, args, folder, kill=None, resume=False):
    """Run ``python name args --output-folder folder`` as a user would."""
    env = dict(os.environ)
    env.pop('DA_TEST_KILL', None)
    if kill:
        env['DA_TEST_KILL'] = kill
    cmd = [sys.executable, str(REPO / name)] + args + [
        '--output-folder', str(folder)] + (['--resume'] if resume else [])
    return subprocess.run(cmd, cwd=str(folder.parent), env=env,
                          capture_output=True, text=True, timeout=300)


def arrays(path):
    with numpy.load(str(path)) as f:
        return {k: f[k] for k in f.files}


def assert_same_bits(a, b):
    a, b = arrays(a), arrays(b)
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].tobytes() == b[k].tobytes()


# 10 minibatches an epoch (200 examples, 20 a minibatch). Each stop
# resumes the one before it and counts the minibatches it trains itself:
# SIGKILL before the first checkpoint, SIGKILL mid-epoch, SIGKILL inside a
# checkpoint's write, then Ctrl-C and SIGTERM mid-epoch (SdA.py: in
# finetuning), and last SIGKILL between the final writes.
KILLS = [('step:5:KILL', -signal.SIGKILL), ('step:15:KILL', -signal.SIGKILL),
         ('checkpoint:2', -signal.SIGKILL)]


@pytest.mark.slow
@pytest.mark.parametrize('name, args, stops, models', [
    ('dA.py', DA, [('step:12:INT', 130), ('step:7:TERM', 143)],
     ['dA_corruption_0.npz', 'dA_corruption_30.npz']),
    ('SdA.py', SDA, [('step:27:TERM', 143), ('step:8:INT', 130)],
     ['SdA_best.npz'])])
def test_stopped_runs_resume_to_the_same_bits(tmp_path, name, args, stops,
                                              models):
    args = args + ['--dataset', small_dataset_file(tmp_path)]
    whole = script(name, args, tmp_path / 'whole')
    assert whole.returncode == 0, whole.stderr
    stops = KILLS + stops + [('finish', -signal.SIGKILL)]
    folder = tmp_path / 'stopped'
    for i, (kill, status) in enumerate(stops):
        r = script(name, args, folder, kill=kill, resume=i > 0)
        assert r.returncode == status, (kill, r.stderr)
        if status > 0:
            # one line: what stopped, what is saved, how to resume
            line = r.stderr.strip().splitlines()[-1]
            assert 'Traceback' not in r.stderr
            assert 'interrupted in ' in line and 'epoch' in line
            assert str(folder / 'checkpoint.npz') in line
            assert line.endswith('--resume')
    r = script(name, args, folder, resume=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == whole.stdout
    for model in models:
        assert_same_bits(tmp_path / 'whole' / model, folder / model)
    # nothing of the stops is left: no temporary file, lock or checkpoint
    assert sorted(os.listdir(folder)) == sorted(os.listdir(tmp_path /
                                                           'whole'))
    # and the run is complete: a resume has nothing to do
    again = script(name, args, folder, resume=True)
    assert again.returncode == 2 and 'complete' in again.stderr


@pytest.mark.slow
def test_resume_refuses_other_settings(tmp_path):
    args = DA + ['--dataset', small_dataset_file(tmp_path)]
    folder = tmp_path / 'out'
    r = script('dA.py', args, folder, kill='step:15:INT')
    assert r.returncode == 130
    other = [a if a != '12' else '13' for a in args]
    r = script('dA.py', other, folder, resume=True)
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith('error: ') and 'n_hidden 12 (this run: 13)' in line
    # a fresh run does not overwrite the interrupted one: it says how
    r = script('dA.py', args, folder)
    assert r.returncode == 2 and '--resume' in r.stderr
    assert (folder / 'checkpoint.npz').exists()


@pytest.mark.slow
def test_one_run_per_folder(tmp_path):
    args = DA + ['--dataset', small_dataset_file(tmp_path)]
    folder = tmp_path / 'out'
    folder.mkdir()
    # a live process holds the folder: the second run stops at once
    holder = subprocess.Popen([sys.executable, '-c',
                               'import time; time.sleep(60)'])
    try:
        (folder / '.lock').write_text('%d dA.py\n' % holder.pid)
        r = script('dA.py', args, folder)
        assert r.returncode == 2
        assert 'in use by another run (PID %d)' % holder.pid in r.stderr
        assert 'Training epoch' not in r.stdout
    finally:
        holder.kill()
        holder.wait()
    # the holder is gone: its lock is stale, taken over with one line
    r = script('dA.py', args, folder)
    assert r.returncode == 0, r.stderr
    assert 'taking over' in r.stderr and str(holder.pid) in r.stderr
    assert not (folder / '.lock').exists()


@pytest.mark.slow
def test_a_fresh_run_replaces_the_old_set_as_a_whole(tmp_path):
    data = small_dataset_file(tmp_path)
    folder = tmp_path / 'out'
    r = script('dA.py', DA + ['--dataset', data], folder)
    assert r.returncode == 0
    stray = folder / '.tmp-left-by-a-kill'
    stray.write_bytes(b'half')
    mine = folder / 'notes.txt'
    mine.write_text('the user\'s own file')
    r = script('dA.py', ['--epochs', '1', '--n-hidden', '9',
                         '--corruption-levels', '0.5', '--dataset', data],
               folder)
    assert r.returncode == 0, r.stderr
    assert 'replacing the earlier run' in r.stderr
    metrics = json.loads((folder / 'metrics.json').read_text())
    assert sorted(metrics['files']) == sorted(
        ['dA_corruption_50.npz', 'filters_corruption_50.png',
         'reconstructions.png', 'cost_curves.png', 'metrics.json'])
    # exactly the new run's files, and the user's own
    assert sorted(os.listdir(folder)) == sorted(metrics['files'] +
                                                ['notes.txt'])
    assert arrays(folder / 'dA_corruption_50.npz')['W'].shape == (784, 9)


@pytest.mark.slow
@pytest.mark.parametrize('name, option, value, words', [
    ('dA.py', '--seed', '-1', 'seed must be an integer in [0, 4294967295]'),
    ('dA.py', '--seed', '4294967296', 'seed must be an integer'),
    ('dA.py', '--n-hidden', '10000000000', 'of memory; this machine has'),
    ('dA.py', '--learning-rate', '1e300', 'overflows float'),
    ('SdA.py', '--seed', '-1', 'seed must be an integer'),
    ('SdA.py', '--pretrain-lr', '1e37', 'overflows float'),
    ('SdA.py', '--hidden-layers', '10000000 10 10', 'of memory')])
def test_bad_settings_stop_before_the_data_and_the_folder(
        tmp_path, name, option, value, words):
    missing = tmp_path / 'no-such-data.pkl.gz'   # never read
    r = script(name, [option] + value.split() + ['--dataset', str(missing)],
               tmp_path / 'out')
    assert r.returncode == 2
    # one line (after argparse's usage, for a value out of its range)
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(('error: ', name + ': error: ')), r.stderr
    assert words in line, r.stderr
    assert 'Traceback' not in r.stderr
    assert not (tmp_path / 'out').exists()


def stopped(process):
    """Wait until ``process`` has stopped itself (SIGSTOP)."""
    for _ in range(3000):
        with open('/proc/%d/stat' % process.pid) as f:
            if f.read().rsplit(')', 1)[1].split()[0] == 'T':
                return
        time.sleep(0.01)
    raise AssertionError('the run did not stop')


@pytest.mark.slow
def test_a_full_disk_loses_nothing_trained(tmp_path):
    if os.geteuid() != 0 or sys.platform != 'linux':
        pytest.skip('needs root, to mount a small tmpfs')
    disk = tmp_path / 'disk'
    disk.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=8m', 'tmpfs',
                       str(disk)]).returncode != 0:
        pytest.skip('cannot mount a tmpfs here')
    try:
        data = small_dataset_file(tmp_path)
        folder = disk / 'out'
        # too small for what the run will write: refused before training
        r = script('dA.py', ['--n-hidden', '1000', '--dataset', data],
                   folder)
        assert r.returncode == 2 and 'free' in r.stderr
        assert not folder.exists()
        # the disk fills while it trains (the run stops itself after its
        # 15th minibatch, the disk is filled, the run goes on): the
        # checkpoint of the first epoch survives, the message names the
        # file, and the run resumes once there is room
        args = DA + ['--dataset', data]
        env = dict(os.environ, DA_TEST_KILL='step:15:STOP')
        run = subprocess.Popen(
            [sys.executable, str(REPO / 'dA.py')] + args +
            ['--output-folder', str(folder)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stopped(run)
        filler = disk / 'filler'
        with open(str(filler), 'wb') as f:
            try:
                while True:
                    f.write(b'\0' * 65536)
                    f.flush()
            except OSError:
                pass
        run.send_signal(signal.SIGCONT)
        out, err = run.communicate(timeout=300)
        assert run.returncode == 2, err
        line = err.strip().splitlines()[-1]
        assert 'no space left' in line and 'checkpoint.npz' in line
        assert line.endswith('--resume')
        filler.unlink()
        r = script('dA.py', args, folder, resume=True)
        assert r.returncode == 0, r.stderr
        whole = script('dA.py', args, tmp_path / 'whole')
        assert r.stdout == whole.stdout
        for model in ('dA_corruption_0.npz', 'dA_corruption_30.npz'):
            assert_same_bits(tmp_path / 'whole' / model, folder / model)
        assert sorted(os.listdir(folder)) == sorted(
            os.listdir(tmp_path / 'whole'))
    finally:
        subprocess.run(['umount', str(disk)])


def test_every_malformed_model_file_is_a_value_error(tmp_path):
    from dA import dA
    from SdA import SdA
    rng = numpy.random.RandomState(0)
    good = tmp_path / 'good.npz'
    numpy.savez(str(good), W=rng.rand(784, 5).astype('float32'),
                b=numpy.zeros(5, 'float32'),
                b_prime=numpy.zeros(784, 'float32'), n_visible=784,
                n_hidden=5)
    assert dA.load(str(good)).W.get_value().shape == (784, 5)
    renamed = tmp_path / 'renamed.npz'
    numpy.save(str(tmp_path / 'one.npy'), numpy.zeros(3))
    os.rename(str(tmp_path / 'one.npy'), str(renamed))
    nan = dict(arrays(good))
    nan['W'] = nan['W'].copy()
    nan['W'][3, 2] = numpy.nan
    numpy.savez(str(tmp_path / 'nan.npz'), **nan)
    inf = dict(arrays(good), b=numpy.array([0, 0, numpy.inf, 0, 0],
                                           'float32'))
    numpy.savez(str(tmp_path / 'inf.npz'), **inf)
    missing = {k: v for k, v in arrays(good).items() if k != 'b_prime'}
    numpy.savez(str(tmp_path / 'missing.npz'), **missing)
    (tmp_path / 'text.npz').write_text('not an archive')
    for name, words in (('renamed', 'holds one array'), ('nan', 'W holds NaN'),
                        ('inf', 'b holds inf'),
                        ('missing', 'has no array b_prime'),
                        ('text', 'cannot read')):
        with pytest.raises(ValueError, match=words):
            dA.load(str(tmp_path / (name + '.npz')))
        with pytest.raises(ValueError):
            SdA.load(str(tmp_path / (name + '.npz')))


def test_a_saved_sda_loads_back(tmp_path):
    import theano
    from SdA import SdA
    sda = SdA(numpy.random.RandomState(3), n_ins=20,
              hidden_layers_sizes=[7, 5], n_outs=3,
              corruption_levels=[0.1, 0.2])
    for p in sda.params:
        p.set_value(p.get_value() + 0.25)
    sda.save(str(tmp_path / 'sda.npz'))
    back = SdA.load(str(tmp_path / 'sda.npz'))
    assert [p.get_value().tobytes() for p in back.params] == \
        [p.get_value().tobytes() for p in sda.params]
    x = numpy.random.RandomState(4).rand(6, 20).astype(theano.config.floatX)
    f = theano.function([sda.x], sda.logLayer.p_y_given_x)
    g = theano.function([back.x], back.logLayer.p_y_given_x)
    numpy.testing.assert_array_equal(f(x), g(x))


def test_the_tutorials_stopping_rule():
    """logistic_sgd.py's early stopping, with the tutorial's constants
    (patience doubled on a relative improvement below 0.995), against the
    rule written out here."""
    from da_tutorial.training import early_stopping
    # 0.397 is a clear improvement at 0.995 (not at 0.99): patience grows
    errors = [0.5, 0.4, 0.397, 0.3975, 0.398, 0.399, 0.4, 0.41, 0.42]
    n_batches, patience = 2, 4

    def expected():
        best, p = numpy.inf, patience
        for it in range(len(errors) * n_batches):
            if (it + 1) % min(n_batches, patience // 2) == 0:
                e = errors[it // n_batches]
                if e < best:
                    if e < best * 0.995:
                        p = max(p, it * 2)
                    best = e
            if p <= it:
                return it
        return None
    calls = []
    feed = iter(errors)
    early_stopping(lambda i: calls.append(i) or 1.0, lambda: next(feed),
                   lambda: 0.0, n_batches, len(errors), patience)
    assert expected() == 10
    assert len(calls) - 1 == expected()


@pytest.mark.slow
@pytest.mark.parametrize('name, args', [
    ('mlp.py', ['--epochs', '3', '--batch-size', '25', '--n-hidden', '8'])])
def test_the_classifiers_resume_too(tmp_path, name, args):
    """mlp.py (logistic_sgd.py's loop, the same code): Ctrl-C mid-epoch,
    then --resume, gives the validation and test errors of a run never
    stopped."""
    args = args + ['--dataset', small_dataset_file(tmp_path)]
    if name == 'logistic_sgd.py':
        args += ['--model', str(tmp_path / 'model.pkl')]
    whole = script(name, args, tmp_path / 'whole')
    assert whole.returncode == 0, whole.stderr
    folder = tmp_path / 'stopped'
    r = script(name, args, folder, kill='step:13:INT')   # 8 an epoch
    assert r.returncode == 130 and 'Traceback' not in r.stderr
    r = script(name, args, folder, resume=True)
    assert r.returncode == 0, r.stderr

    def errors(out):   # the printed errors (not the timing line)
        return [line for line in out.splitlines() if 'error' in line]
    assert errors(r.stdout) == errors(whole.stdout) and errors(r.stdout)
    metrics = [json.loads((f / 'metrics.json').read_text())
               for f in (tmp_path / 'whole', folder)]
    for key in ('best_validation_error', 'test_error', 'epochs'):
        assert metrics[0][key] == metrics[1][key]
    assert sorted(os.listdir(folder)) == ['metrics.json']


@pytest.mark.parametrize('error', [RuntimeError('bug'), ValueError('bug'),
                                   OSError('bug')])
def test_a_bug_keeps_its_traceback(small_dataset, tmp_path, monkeypatch,
                                   error):
    """A user's mistake is one line; a bug inside training, even a
    ValueError or an OSError, reaches the user with its traceback."""
    import dA as dA_module

    def broken(*args, **kwargs):
        raise error
    monkeypatch.setattr(dA_module, 'Epochs', broken)
    argv = ['--epochs', '1', '--n-hidden', '5', '--dataset',
            small_dataset[0], '--output-folder', str(tmp_path / 'out')]
    with pytest.raises(type(error), match='bug'):
        dA_module.main(argv)
    # while a bad setting is one line, exit status 2
    with pytest.raises(SystemExit) as e:
        dA_module.main(argv + ['--seed', '-1'])
    assert e.value.code == 2
