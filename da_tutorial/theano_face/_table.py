"""Where each of Theano 1.0.5's public names lives over PyTensor: per Theano
module, the modules its names are looked up in (the face's own first, then
PyTensor's), the names PyTensor spells otherwise, and the names refused,
each with what to use instead.

A name is one of three things (tests/test_theano_api.py walks Theano's
whole list, tests/theano_api/theano_1.0.5_api.json):

* forwarded: PyTensor's object of the same meaning (found in ``sources``,
  or under its PyTensor name in ``renamed``);
* implemented: written in the face, where PyTensor has no counterpart or
  changed its meaning (the face's modules);
* refused: ``REFUSED`` below; ``_compat.Refused`` says what to use instead.

Pure data: importing it imports nothing.
"""
import collections

Entry = collections.namedtuple('Entry', 'sources renamed')
NO_SOURCES = Entry((), {})

# what a tensor name is looked up in, after the face's own theano.tensor
TENSOR = ('pytensor.tensor', 'pytensor.tensor.basic', 'pytensor.tensor.math',
          'pytensor.tensor.shape', 'pytensor.tensor.subtensor',
          'pytensor.tensor.type', 'pytensor.tensor.variable',
          'pytensor.tensor.elemwise', 'pytensor.tensor.extra_ops',
          'pytensor.tensor.sort', 'pytensor.tensor.exceptions',
          'pytensor.tensor.type_other', 'pytensor.tensor.sharedvar',
          'pytensor.gradient', 'pytensor.graph.basic', 'pytensor.graph.op',
          'pytensor.graph.type', 'pytensor.graph.utils',
          'pytensor.link.c.type', 'pytensor.link.c.params_type',
          'pytensor.printing')
GRAPH = ('pytensor.graph', 'pytensor.graph.traversal',
         'pytensor.graph.basic', 'pytensor.graph.op',
         'pytensor.graph.type', 'pytensor.graph.fg', 'pytensor.graph.utils',
         'pytensor.graph.features', 'pytensor.graph.destroyhandler',
         'pytensor.graph.rewriting.basic', 'pytensor.graph.rewriting.db',
         'pytensor.link.basic', 'pytensor.link.c.basic',
         'pytensor.link.c.op', 'pytensor.link.c.type',
         'pytensor.link.c.params_type', 'pytensor.link.vm',
         'pytensor.link.utils')
COMPILE = ('pytensor.compile', 'pytensor.compile.maker',
           'pytensor.compile.rebuild', 'pytensor.compile.mode', 'pytensor.compile.io',
           'pytensor.compile.sharedvalue', 'pytensor.compile.ops',
           'pytensor.compile.builders', 'pytensor.compile.debug.debugmode',
           'pytensor.compile.debug.monitormode',
           'pytensor.compile.debug.nanguardmode',
           'pytensor.compile.debug.profiling', 'pytensor.compile.debug.dump',
           'pytensor.compile.executor', 'pytensor.compile.aliasing',
           'pytensor.compile.inner_function', 'pytensor.compile.rewriting', 'pytensor.tensor.shape',
           'pytensor.gradient') + GRAPH

# names that stand for the same object in every Theano module (its own
# config, function ...), looked up before the module's sources
COMMON = {
    'config': 'theano:config', 'function': 'theano:function',
    'shared': 'theano:shared', 'Param': 'theano:Param', 'In': 'theano:In',
    'FAST_RUN': 'theano.compile:FAST_RUN',
    'FAST_COMPILE': 'theano.compile:FAST_COMPILE',
    'bool_t': 'pytensor.scalar:bool', 'int_t': 'pytensor.scalar:int32',
    'int32_t': 'pytensor.scalar:int32',
    'local_optimizer': 'pytensor.graph.rewriting.basic:node_rewriter',
}
# the modules Theano's modules imported under these names, where the
# module's sources have no such submodule (looked up last)
MODULE_ALIASES = {
    'theano': 'theano', 'gof': 'theano.gof', 'scal': 'theano.scalar',
    'scalar': 'theano.scalar', 'tensor': 'theano.tensor',
    'T': 'theano.tensor', 'compile': 'theano.compile',
    'gradient': 'theano.gradient', 'printing': 'theano.printing',
    'compat': 'theano.compat', 'raw_random': 'theano.tensor.raw_random',
    'debugmode': 'theano.compile.debugmode',
    'monitormode': 'theano.compile.monitormode',
    'profiling': 'theano.compile.profiling', 'opt': 'theano.gof.opt',
    'graph': 'theano.gof.graph', 'utils': 'theano.gof.utils',
    'toolbox': 'theano.gof.toolbox', 'blas': 'pytensor.tensor.blas',
    'nlinalg': 'pytensor.tensor.nlinalg', 'basic': 'theano.tensor.basic',
}

MODULES = {
    'theano': Entry(('pytensor',) + COMPILE + (
        'pytensor.scan', 'pytensor.scan.views', 'pytensor.printing'), {
            'clone': 'theano.scan_module:clone',
            'object2': 'theano.gof:object2'}),
    'theano.tensor': Entry(TENSOR, {
        'AdvancedBooleanIndexingError':
            'pytensor.tensor.exceptions:AdvancedIndexingError',
        'AsTensorError': 'builtins:TypeError',
        'EmptyConstantError':
            'pytensor.tensor.exceptions:NotScalarConstantError',
        'BaseAdvancedSubtensor': 'pytensor.tensor.subtensor:AdvancedSubtensor',
        'BaseAdvancedIncSubtensor':
            'pytensor.tensor.subtensor:AdvancedIncSubtensor',
        'AdvancedSubtensor1': 'pytensor.tensor.subtensor:AdvancedSubtensor',
        'AdvancedIncSubtensor1':
            'pytensor.tensor.subtensor:AdvancedIncSubtensor',
        'AdvancedBooleanSubtensor':
            'pytensor.tensor.subtensor:AdvancedSubtensor',
        'AdvancedBooleanIncSubtensor':
            'pytensor.tensor.subtensor:AdvancedIncSubtensor',
        'io': 'theano.tensor.io', 'blas_c': 'pytensor.tensor.blas.blas_c',
        'blas_headers': 'pytensor.tensor.blas.c_code'}),
    'theano.tensor.basic': Entry(('theano.tensor',) + TENSOR, {
        'scalar': 'theano.tensor:scalar', 'tensor': 'theano.tensor:tensor'}),
    'theano.tensor.io': Entry(('theano.tensor',), {}),
    'theano.tensor.extra_ops': Entry(
        ('pytensor.tensor.extra_ops', 'theano.tensor') + TENSOR, {
            'tensor': 'theano.tensor.basic', 'scalar': 'theano.scalar',
            'repeat': 'theano.tensor:repeat',
            'unravel_index': 'theano.tensor:unravel_index'}),
    'theano.tensor.nnet': Entry(('pytensor.tensor.special',
                                 'pytensor.tensor.math', 'theano.tensor'), {
        'scalar_sigmoid': 'pytensor.scalar.math:sigmoid',
        'nnet': 'theano.tensor.nnet', 'sigm': 'theano.tensor.nnet'}),
    'theano.tensor.nnet.abstract_conv': Entry(('theano.tensor',), {}),
    'theano.tensor.nnet.conv': Entry((
        'theano.tensor.nnet.abstract_conv', 'theano.tensor',
        'pytensor.graph.basic', 'pytensor.link.c.op'), {}),
    'theano.tensor.signal': Entry(('pytensor.tensor.signal',), {}),
    'theano.tensor.signal.pool': Entry((
        'theano.tensor', 'pytensor.link.c.op', 'pytensor.link.c.params_type',
        'pytensor.link.c.type'), {
            'PoolingMode_t': 'theano.tensor.signal.pool:MODES',
            'tensor': 'theano.tensor'}),
    'theano.tensor.shared_randomstreams': Entry(
        ('pytensor.compile.sharedvalue',), {}),
    'theano.tensor.raw_random': Entry(('theano.tensor',), {}),
    'theano.sandbox': Entry((), {}),
    'theano.sandbox.rng_mrg': Entry((
        'theano.tensor', 'pytensor.graph.basic', 'pytensor.graph.op',
        'pytensor.link.c.params_type', 'pytensor.gradient',
        'pytensor.compile'), {
            'tensor': 'theano.tensor',
            'mrg_uniform_base': 'da_tutorial.ops.mrg_pytensor:MRGUniform',
            'mrg_random_make_inplace':
                'da_tutorial.ops.mrg_pytensor:mrg_uniform_inplace',
            'multinomial': 'theano.sandbox.multinomial'}),
    'theano.sandbox.multinomial': Entry(('theano.tensor',), {}),
    'theano.scan_module': Entry(('pytensor.scan', 'pytensor.scan.basic',
                                 'pytensor.scan.op', 'pytensor.scan.utils'),
                                {}),
    'theano.scan_module.scan_op': Entry(('pytensor.scan.op',), {}),
    'theano.scan_module.scan_opt': Entry(('pytensor.scan.rewriting',), {}),
    'theano.scan_module.scan_utils': Entry(
        ('theano.scan_module', 'pytensor.scan.utils'), {}),
    'theano.scan_module.scan_views': Entry(('theano.scan_module',), {}),
    'theano.gradient': Entry(('pytensor.gradient', 'theano'), {}),
    'theano.printing': Entry(('pytensor.printing',), {
        'Function': 'theano.compile.function_module:Function'}),
    'theano.ifelse': Entry(('pytensor.ifelse', 'pytensor.conditional.op',
                            'pytensor.conditional.rewriting', 'theano'), {
        'TensorType': 'theano.tensor:TensorType'}),
    'theano.compile': Entry(COMPILE, {
        'Function': 'theano.compile.function_module:Function',
        'Rebroadcast': 'theano.tensor:Rebroadcast',
        'ScanProfileStats': 'pytensor.scan.op:ScanProfileStats',
        'function_module': 'theano.compile.function_module',
        'builders': 'pytensor.compile.builders',
        'ops': 'pytensor.compile.ops'}),
    'theano.compile.mode': Entry(('theano.compile',), {}),
    'theano.compile.debugmode': Entry(('pytensor.compile.debug.debugmode',),
                                      {}),
    'theano.compile.nanguardmode': Entry((
        'pytensor.compile.debug.nanguardmode',), {}),
    'theano.compile.profiling': Entry((
        'pytensor.compile.debug.profiling',), {}),
    'theano.compile.monitormode': Entry((
        'theano.compile', 'pytensor.compile.debug.monitormode'), {}),
    'theano.compile.io': Entry(('theano.compile',), {}),
    'theano.compile.sharedvalue': Entry(('theano.compile',), {}),
    'theano.compile.function': Entry(('theano.compile',), {}),
    'theano.compile.function_module': Entry(('theano.compile',), {}),
    'theano.compat': Entry(('six', 'six.moves', 'collections',
                            'collections.abc', 'builtins'), {
        'izip': 'builtins:zip', 'imap': 'builtins:map',
        'ifilter': 'builtins:filter'}),
    'theano.gof': Entry(GRAPH, {}),
    'theano.gof.graph': Entry(('pytensor.graph.traversal',
                               'pytensor.graph.basic'), {
        'is_same_graph': 'theano.compile:is_same_graph'}),
    'theano.misc': Entry(('pytensor.misc',), {}),
    'theano.misc.pkl_utils': Entry(('pytensor.misc.pkl_utils',), {}),
    'theano.sparse': Entry((
        'pytensor.sparse', 'pytensor.sparse.basic', 'pytensor.sparse.math',
        'pytensor.sparse.variable', 'pytensor.sparse.type',
        'pytensor.sparse.sharedvar'), {}),
    'theano.gof.opt': Entry(('pytensor.graph.rewriting.basic',
                             'pytensor.graph.rewriting.db'), {
        'local_optimizer': 'pytensor.graph.rewriting.basic:node_rewriter',
        'LocalOptimizer': 'pytensor.graph.rewriting.basic:NodeRewriter',
        'Optimizer': 'pytensor.graph.rewriting.basic:GraphRewriter',
        'TopoOptimizer': 'pytensor.graph.rewriting.basic:WalkingGraphRewriter',
        'OpSub': 'pytensor.graph.rewriting.basic:SubstitutionNodeRewriter'}),
    'theano.gof.utils': Entry(('pytensor.graph.utils', 'theano.gof'), {}),
    'theano.gof.toolbox': Entry(('pytensor.graph.features',), {}),
    'theano.gof.fg': Entry(('pytensor.graph.fg',), {}),
    'theano.gof.op': Entry(('pytensor.graph.op', 'pytensor.link.c.op'), {
        'get_test_value': 'theano._compat:get_test_value'}),
    'theano.gof.type': Entry(('pytensor.graph.type', 'pytensor.link.c.type'),
                             {}),
    'theano.gof.link': Entry(('pytensor.link.basic', 'pytensor.link.utils'),
                             {}),
    'theano.gof.cc': Entry(('pytensor.link.c.basic',), {}),
}
# the modules of MODULES that have submodules
PACKAGES = {'theano', 'theano.tensor', 'theano.tensor.nnet',
            'theano.tensor.signal', 'theano.sandbox', 'theano.compile',
            'theano.gof', 'theano.scan_module', 'theano.compat',
            'theano.sparse', 'theano.misc'}

# what to use instead of each refused name
_OLD_GPU = ("part of Theano's old CUDA back end; on PyTensor the GPU runs "
            'through JAX: use THEANO_FLAGS=device=cuda instead')
_MPI = ("Theano's MPI send/receive Ops, which PyTensor dropped; use mpi4py "
        'on the NumPy values of a compiled function instead')
_REWRITE = ("one of Theano's own graph rewrites; PyTensor applies its own "
            '(pytensor.tensor.rewriting) when it compiles; use '
            'theano.function instead')
_INTERNAL = ("an internal of Theano's own compile pipeline, not a user API; "
             'use theano.function (or FunctionGraph for a graph of your own) '
             'instead')
_TESTS = ("Theano's own test suite, which PyTensor does not install; run "
          "pytest on PyTensor's sources instead")


def _refuse(reason, *names):
    return dict.fromkeys(names, reason)


# Refused names: {Theano module: {name: what to use instead}}
REFUSED = {
    'theano': dict(
        _refuse("a leftover loop variable of Theano 1.0.5's own __init__ "
                '(a folder path), not an API; use '
                'os.path.dirname(theano.__file__) instead', 'p', 'rpath'),
        **_refuse(_TESTS, 'test', 'tests'),
        sparse_grad="the sparse gradient of Theano's AdvancedSubtensor1, "
                    'which PyTensor dropped; take the dense gradient '
                    '(T.grad) instead'),
    'theano.compile': dict(
        _refuse(_INTERNAL, 'std_fgraph', 'fgraph_updated_vars',
                'get_info_on_inputs', 'convert_function_input',
                'orig_function',
                'ops_with_inner_function', 'insert_deepcopy'),
        **_refuse("DebugMode's own value checks; PyTensor's DebugMode has "
                  'its own; compare values with numpy.testing.assert_allclose '
                  'instead', 'register_checker', 'check_equal'),
        **_refuse("C code of Theano's Rebroadcast and SpecifyShape Ops, which "
                  'PyTensor has built in; use T.patternbroadcast or '
                  'T.specify_shape instead', 'register_rebroadcast_c_code',
                  'register_specify_shape_c_code')),
    'theano.tensor': dict(
        _refuse(_MPI, 'MPIRecv', 'MPIRecvWait', 'MPISend', 'MPISendWait',
                'irecv', 'isend', 'recv', 'send', 'mpi_cmps', 'mpi_keys',
                'mpi_send_wait_cmp', 'mpi_send_wait_key', 'mpi_tag_cmp',
                'mpi_tag_key', 'key_to_cmp', 'hashtype'),
        **_refuse(_REWRITE, 'opt', 'opt_uncanonicalize'),
        **_refuse(_INTERNAL, 'constant_cache', 'constructor',
                  'make_constant', 'alloc_validate_shape',
                  'get_scalar_constant_value_elemwises', 'inc_code',
                  'check_and_reject_bool', 'check_and_normalize_axes',
                  'as_index_variable', 'adv_index_broadcastable_pattern',
                  'check_advanced_indexing_dimensions', 'get_idx_list'),
        **_refuse("an Op of a value that may be None, which PyTensor's "
                  "tensors never are; use Python's `x if x is not None "
                  'else default` instead', 'Default', 'default',
                  'setdefault'),
        **_refuse("Theano's SciPy BLAS Ops, which PyTensor dropped (its "
                  'own BLAS Ops run); use T.dot instead', 'blas_scipy'),
        **_refuse("the class of one of Theano's Ops that PyTensor merged "
                  'into others; use the function of the same name in '
                  'lower case (T.max_and_argmax, T.mean, T.tile, T.tri, '
                  'T.flatten, T.extra_ops.diff, cumsum, cumprod, repeat) '
                  'instead', 'MaxAndArgmax', 'Mean', 'Tile', 'Tri',
                  'Flatten', 'DiffOp', 'CumsumOp', 'CumprodOp',
                  'RepeatOp')),
    'theano.tensor.nnet': dict(
        _refuse(_REWRITE, 'opt', 'crossentropy_to_crossentropy_with_softmax',
                'crossentropy_to_crossentropy_with_softmax_with_bias',
                'graph_merge_softmax_with_crossentropy_softmax',
                'softmax_simplifier'),
        **_refuse("Theano's CPU correlation Ops (CorrMM), which PyTensor "
                  'dropped; use theano.tensor.nnet.conv2d or conv3d '
                  'instead', 'corr', 'corr3d', 'ConvOp'),
        **_refuse("Theano's batch-normalisation Ops for cuDNN; use "
                  'theano.tensor.nnet.batch_normalization instead', 'bn'),
        **_refuse("Theano's block-sparse products for the GPU; use T.dot on "
                  'the blocks instead', 'blocksparse'),
        sigmoid_inplace="Theano's in-place sigmoid, which PyTensor makes "
                        'itself where it can; use sigmoid instead'),
    'theano.ifelse': _refuse(_REWRITE, 'opt'),
    'theano.tensor.nnet.conv': _refuse(
        "Theano's old C convolution and its code generator; use "
        'theano.tensor.nnet.conv2d instead', 'ConvOp',
        'gen_conv_code_unroll_batch_kern'),
    'theano.tensor.signal.pool': _refuse(
        "an Op inside the gradient of Theano's max pooling; take T.grad or "
        'T.Rop of pool_2d instead', 'DownsampleFactorMaxGradGrad',
        'MaxPoolRop'),
}
REFUSED['theano.tensor.basic'] = REFUSED['theano.tensor']
REFUSED['theano.tensor.extra_ops'] = {
    name: REFUSED['theano.tensor'][name]
    for name in ('CumprodOp', 'CumsumOp', 'DiffOp', 'RepeatOp')}
REFUSED['theano.compile.function'] = REFUSED['theano.compile']
REFUSED['theano.compile.function_module'] = REFUSED['theano.compile']


def refusal_reason(theano_name, name):
    """What to use instead of the refused ``theano_name.name``, or None."""
    if theano_name in ('theano.sandbox', 'theano') and name in (
            'cuda', 'gpuarray', 'gpuarray_opt'):
        return _OLD_GPU
    return REFUSED.get(theano_name, {}).get(name)
