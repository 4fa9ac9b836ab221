"""Theano's noise, vectorised: ``FastMRGUniform`` and the rewrite that puts
it in place of Theano's CPU ``mrg_uniform`` (tag ``dA_fast``).  Theano
only (``compile_mode`` imports it there).

``FastMRGUniform`` draws the very same numbers as Theano's CPU
``mrg_uniform`` (MRG31k3p, integer arithmetic, hence bit for bit), but one
stream after another in vectorisable passes (``mrg.c``) instead of one
element at a time with a division per element.
"""
from .. import engine  # noqa: F401  (Theano, set up as the project does)
from theano.sandbox.rng_mrg import mrg_uniform  # noqa: E402

from .base import FAST_TAG, register_rewrite, source_hash
from .mrg import mrg_c_support_code


class FastMRGUniform(mrg_uniform):
    """Theano's CPU ``mrg_uniform``, same numbers, vectorisable loop.

    :type output_type: TensorType
    :param output_type: the sample's type (Theano's ``mrg_uniform``'s)

    :type inplace: bool
    :param inplace: advance the state in place (Theano's)
    """

    def c_support_code(self):
        return mrg_c_support_code()

    def c_code_cache_version(self):
        return (10, 'dA-fast', source_hash(self.c_support_code()))


# just after the first merge, with the cost's rewrite
@register_rewrite('theano', FAST_TAG + '_mrg', [mrg_uniform], 0.1, FAST_TAG)
def local_fast_mrg(fgraph, node):
    """Theano's CPU ``mrg_uniform`` -> ``FastMRGUniform`` (same numbers)."""
    if type(node.op) is not mrg_uniform:
        return False
    op = FastMRGUniform(node.op.output_type, inplace=node.op.inplace)
    return op(*node.inputs)
