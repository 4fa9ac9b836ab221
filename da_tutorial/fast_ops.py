"""The training steps' compile mode, under the name users were given
(``mode=da_tutorial.fast_ops.fast_mode()``); the kernels are in
``da_tutorial.ops``, the mode in ``da_tutorial.ops.compile_mode``."""
from .ops.compile_mode import compiles_to_c, fast_mode  # noqa: F401
