"""``theano.version``: the face's version, Theano's release it follows
plus the PyTensor running it (``1.0.5+pytensor.3.3.8``)."""
import pytensor

short_version = '1.0.5'
full_version = '%s+pytensor.%s' % (short_version, pytensor.__version__)
version = full_version
git_revision = 'pytensor-' + pytensor.__version__
release = False
