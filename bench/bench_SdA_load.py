"""``python SdA.py``'s first pretraining epoch (layer 0, 50,000 steps of
batch 1) with nothing set and with the threads set by hand, on a quiet
machine and with a CPU loop keeping a core busy: is the default as fast
as the best setting in both?

    python bench/bench_SdA_load.py                 # Theano's environment
    python bench/bench_SdA_load.py --rounds 2

Each case runs ``SdA.py --pretraining-epochs 1`` as a user would (a fresh
process, README's command plus the one flag), reads the layer's epoch time
from its metrics.json once layer 0 is done, and stops the run.  The cases
take turns within each round; the table gives each one's median seconds
and its time over the best setting's under the same load.
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(HERE), 'SdA.py')
SETTINGS = {'nothing set': {}, 'OPENBLAS_NUM_THREADS=1':
            {'OPENBLAS_NUM_THREADS': '1'}, 'OPENBLAS_NUM_THREADS=2':
            {'OPENBLAS_NUM_THREADS': '2'}}
BUSY_LOOP = 'while True: pass'


def layer0_epoch(env_changes, dataset):
    """Seconds of SdA.py's first pretraining epoch, and its threads' record,
    in a fresh process with ``env_changes``."""
    env = dict(os.environ)
    for name in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env.pop(name, None)
    env.update(env_changes)
    with tempfile.TemporaryDirectory() as out:
        run = subprocess.Popen(
            [sys.executable, SCRIPT, '--pretraining-epochs', '1',
             '--dataset', dataset, '--output-folder', out], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        metrics = os.path.join(out, 'metrics.json')
        try:
            while run.poll() is None:
                time.sleep(1)
                try:
                    with open(metrics) as f:
                        layers = json.load(f)['pretraining']
                except (OSError, ValueError, KeyError):
                    continue
                if layers:
                    return layers[0]['epoch_seconds'][0], layers[0].get(
                        'threads')
            raise RuntimeError('SdA.py ended (status %s) before layer 0'
                               % run.returncode)
        finally:
            if run.poll() is None:
                run.send_signal(signal.SIGTERM)
                run.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--dataset', default='mnist.pkl.gz')
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.dirname(HERE))
    from da_tutorial.machine import describe
    print('machine: ' + describe('as each case sets them'))
    seconds = {}
    for r in range(args.rounds):
        for busy in (False, True):
            loop = subprocess.Popen([sys.executable, '-c', BUSY_LOOP]) \
                if busy else None
            try:
                for name, env in SETTINGS.items():
                    s, threads = layer0_epoch(env, args.dataset)
                    seconds.setdefault((busy, name), []).append(s)
                    print('round %d, %s, %s: %.1f s; threads: %s' % (
                        r + 1, 'a core busy' if busy else 'quiet', name, s,
                        json.dumps(threads)), flush=True)
            finally:
                if loop is not None:
                    loop.kill()
                    loop.wait()
    print('\nSdA.py, pretraining layer 0, one epoch (batch 1), seconds, '
          'median of %d, %s' % (args.rounds, time.strftime('%F')))
    print('%-12s %-24s %8s %10s' % ('machine', 'threads', 'seconds',
                                    'vs best'))
    for busy in (False, True):
        best = min(statistics.median(seconds[(busy, n)]) for n in SETTINGS)
        for name in SETTINGS:
            s = statistics.median(seconds[(busy, name)])
            print('%-12s %-24s %8.1f %9.2fx' % (
                'a core busy' if busy else 'quiet', name, s, s / best))


if __name__ == '__main__':
    main()
