"""The dA step's C kernels, for Theano and PyTensor alike.  One module a
kernel, its C in the ``.c``/``.h`` files beside it:

* ``cost``: ``CrossEntropyRows``, the tutorial's cost (``xent.h``,
  ``cost.c``);
* ``sigmoid``: ``SigmoidElemwise``, the engines' sigmoids vectorised with
  their bits (``expf.h``, ``sigmoid.c``);
* ``one_row``: ``one_row_dot``, a batch-1 step on vector kernels (no C);
* ``row_blas``: ``RowGemv`` and ``RowGer``, those vector kernels, the
  project's own: the same bits on any threads, which their calls' times
  choose (``row_blas.c``);
* ``mrg`` (the MRG31k3p stream: its NumPy reference, ``mrg.c``),
  ``mrg_theano`` (Theano's Op with that C) and ``mrg_pytensor``
  (PyTensor's Op, ``mrg_op.c``, its Numba and JAX versions, and
  ``MRGRandomStreams``);
* ``fast_step``: ``FastStep``, the opt-in fast step (``fast_step.c``).

and what they share: ``base`` (the C files, the cache version, the one
way to register a rewrite), ``graph`` (the engine's classes under one name
each), ``compiler`` (what the engine's C compiler targets: AVX-512, fused
multiply-adds), ``linkers`` (PyTensor's JAX and Numba modes),
``compile_mode`` (``fast_mode``: the training steps' mode, with the
rewrites tagged ``dA_fast``).

Importing this package imports nothing else.
"""
