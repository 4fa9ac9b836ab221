"""The machinery behind the dA tutorial's port; the tutorial's own modules
(``dA``, ``logistic_sgd``, ``utils``, ``mlp``, ``SdA``) sit beside it.

One module a job:

* ``engine``: Theano 1.0.5 or PyTensor under the same names, and how the
  command-line scripts run (GPU check, float32 default, clear errors);
* ``theano_setup``: the engine's defaults (BLAS flags), only where the user
  set nothing; ``import_hook``: applies them when a script imports Theano
  itself (run at start-up by ``dA-tutorial.pth``);
* ``data``: finding, downloading and safely reading MNIST;
* ``training``: the training loops (``Epochs``, ``early_stopping``);
  ``checks``: settings validated at the door; ``files``: writing files
  atomically;
* ``report``: what a run leaves besides the filters (pictures, metrics,
  probe table);
* ``fast_ops``, ``rng_mrg``: the faster kernels and the tutorial's random
  stream on both engines;
* ``install_gpu``: ``python -m da_tutorial.install_gpu`` builds Theano's GPU
  back end.

Importing this package imports nothing else: the ``.pth`` file imports
``da_tutorial.import_hook`` in every Python start-up of the environment.
"""
