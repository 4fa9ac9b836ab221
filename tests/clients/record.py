"""Write theano_1.0.5.json: what each client here prints on Theano 1.0.5
(Python 3.11), in float32 on the tests' small synthetic set, for
tests/test_tutorial_client.py to compare every engine with.

    THEANO_FLAGS=floatX=float32 .venv-theano/bin/python tests/clients/record.py
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from conftest import small_dataset_file  # noqa: E402


CLIENTS = (
    # the tutorial series' models
    'cA', 'rbm', 'DBN', 'mlp_client', 'sda', 'lenet', 'hmc', 'rnn_softmax',
    # Theano's own documentation tutorial (doc/tutorial)
    'doc_random', 'doc_gradients', 'doc_loops', 'doc_conditions',
    'doc_modes', 'doc_logistic',
    # every draw of the two random streams
    'random_draws')


def main():
    import theano
    assert 'pytensor' not in theano.__version__ and \
        theano.__version__.startswith('1.0.5'), theano.__version__
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        dataset = small_dataset_file(folder)
        for name in CLIENTS:
            out = subprocess.run(
                [sys.executable, os.path.join(HERE, name + '.py'), dataset,
                 folder], check=True, capture_output=True, text=True,
                env=dict(os.environ, THEANO_FLAGS='floatX=float32',
                         THEANORC=os.devnull))
            results[name] = json.loads(out.stdout.splitlines()[-1])
            # a compilation error Theano recovered from shows in stderr
            assert 'compilation' not in out.stderr.lower(), out.stderr
            print(name, 'stderr:', len(out.stderr.splitlines()), 'lines',
                  flush=True)
    with open(os.path.join(HERE, 'theano_1.0.5.json'), 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
