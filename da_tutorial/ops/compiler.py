"""What the engine's C compiler targets, for the kernels' compile flags.
The engines compile for the machine they run on (their ``-march`` flags);
each question here compiles a test program with those flags, once a
process:

* ``wide_vectors``: where the compiler targets AVX-512, the loops it
  vectorises itself (the sigmoids, the cost) on 512-bit registers.  GCC's
  tuning for many of those CPUs prefers 256-bit ones; an elementwise result
  does not depend on the width, and no float sum is reassociated (the
  engines do not compile with ``-ffast-math``);
* ``fused_multiply_adds``: a multiply-add fused wherever the CPU has FMA,
  in every loop (``FastStep``: its sums the same whatever the block).
"""
import functools

from ..engine import ENGINE

if ENGINE == 'theano':
    from theano.gof.cmodule import GCC_compiler
else:
    from pytensor.link.c.cmodule import GCC_compiler

# the flags that let the compiler reassociate float sums: where the user
# adds one, a sum's order can follow the vector width, which stays as GCC
# chooses
_REASSOCIATING = ('-ffast-math', '-Ofast', '-fassociative-math',
                  '-funsafe-math-optimizations')


@functools.lru_cache(maxsize=None)
def wide_vectors():
    """``['-mprefer-vector-width=512']`` where the engine's compiler, with
    the engine's flags, targets AVX-512 (defines ``__AVX512F__``) and
    reassociates no sum; else ``[]``."""
    if any(f in _REASSOCIATING for f in GCC_compiler.compile_args()):
        return []
    flags = ['-mprefer-vector-width=512']
    targets = GCC_compiler.try_flags(
        flags, '#ifndef __AVX512F__\n#error "no AVX-512"\n#endif\n')
    return flags if targets else []


@functools.lru_cache(maxsize=None)
def fused_multiply_adds():
    """The flags, of ``-ffp-contract=fast`` and
    ``--param=avoid-fma-max-bits=0``, that the engine's compiler takes: a
    multiply-add is fused wherever the CPU has FMA (GCC's C++ default),
    and also in a loop whose only chain of sums it is (GCC's tuning for
    AMD's Zen leaves those unfused: 3 cycles an add instead of 4, and
    other last bits than the same sum in a block of several)."""
    return [f for f in ('-ffp-contract=fast', '--param=avoid-fma-max-bits=0')
            if GCC_compiler.try_flags([f])]
