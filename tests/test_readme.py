"""README's stacked-autoencoder example is run exactly as printed there."""
import re

import numpy

from conftest import REPO

MARKER = '<!-- example: stacked autoencoder'


def readme_example():
    text = (REPO / 'README.md').read_text()
    after = text[text.index(MARKER):]
    return re.search(r'```python\n(.*?)```', after, re.S).group(1)


def test_stacked_example_shares_weights_and_pretrains(capsys):
    namespace = {'__name__': 'readme_example'}
    exec(compile(readme_example(), 'README.md example', 'exec'), namespace)
    assert capsys.readouterr().out.strip() == '(5, 50)'
    da1, da2 = namespace['da1'], namespace['da2']
    layer1, layer2 = namespace['layer1'], namespace['layer2']
    assert da1.W is layer1.W and da1.b is layer1.b
    assert da2.W is layer2.W and da2.b is layer2.b
    assert da2.x is layer1.output
    for da in (da1, da2):
        costs = [c for d, _, c in namespace['pretraining_costs'] if d is da]
        assert len(costs) == 3 and costs[-1] < costs[0]


def test_pretraining_changes_what_the_network_computes():
    namespace = {'__name__': 'readme_example'}
    code = readme_example()
    # stop just before pretraining, look at the network, then go on
    head, tail = code.split('# greedy layer-wise pretraining')
    exec(compile(head, 'README.md example', 'exec'), namespace)
    from da_tutorial.engine import theano
    net = theano.function([namespace['x']], namespace['layer2'].output)
    probe = numpy.random.RandomState(0).rand(4, 784).astype(
        theano.config.floatX)
    before = net(probe)
    exec(compile('#' + tail, 'README.md example', 'exec'), namespace)
    assert not numpy.allclose(before, net(probe))


def test_readme_opens_with_the_two_commands():
    """A newcomer's page: short, the install-and-run and test commands in
    its first 30 lines, and the test command the one CI runs."""
    lines = (REPO / 'README.md').read_text().splitlines()
    assert len(lines) < 225
    commands = [lines[i + 1] for i in range(30) if lines[i] == '```sh']
    assert commands[:2] == [
        'python3 -m venv .venv && .venv/bin/pip install -e . && '
        '.venv/bin/python dA.py',
        'python3 tests/run_engines.py']
    ci = (REPO / '.ci' / 'run').read_text()
    assert "grep -m1 -E '^python3 tests/run_engines.py' README.md" in ci
