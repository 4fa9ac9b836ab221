"""The machinery behind the dA tutorial's port; the tutorial's own modules
(``dA``, ``logistic_sgd``, ``utils``, ``mlp``, ``SdA``) sit beside it.

One module a job:

* ``engine``: Theano 1.0.5 or PyTensor under the same names, and the
  device;  ``cli``: the scripts' command lines, each from one table, and
  how they run (GPU check, float32 default, a user's mistake in a line);
* the engine's set-up: ``flags`` reads what the user set (the flags
  variable, the rc files); ``defaults`` adds the project's defaults only
  where the user set nothing: the BLAS (``blas``: OpenBLAS or, where
  ``blas_speed`` finds it clearly faster, MKL, linked by ``mkl``),
  Theano's flags for PyTensor (``pytensor_flags``), float32 in the
  scripts;
  ``theano_fixes``: Theano 1.0.5's scan fallback and GPU start-up
  errors; ``theano_settings``: the table of Theano's settings;
  ``import_hook``: applies the defaults when a script imports Theano
  itself (run at start-up by ``dA-tutorial.pth``);
* ``data``: finding, downloading and safely reading MNIST;
* ``training``: the training loops (``Epochs``, ``early_stopping``);
  ``runs``: a run's folder, checkpoint and resume; ``checks``: settings
  validated at the door; ``files``: writing files atomically;
  ``layer_inputs``: an SdA layer's inputs computed once;
  ``machine``: the CPU and BLAS threads a run and a benchmark record;
* ``report``: what a run leaves besides the filters (pictures, metrics,
  probe table);
* ``ops``: the C kernels of the training steps and the tutorial's random
  stream on both engines, and the steps' compile mode (``fast_ops``: its
  older name);
* ``install_gpu``: ``python -m da_tutorial.install_gpu`` builds Theano's GPU
  back end.

Importing this package imports nothing else: the ``.pth`` file imports
``da_tutorial.import_hook`` in every Python start-up of the environment.
"""
