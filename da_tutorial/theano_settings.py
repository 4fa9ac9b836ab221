"""Theano 1.0.5's settings (``theano.config``, ``THEANO_FLAGS``,
``.theanorc``): each one's default, the values Theano accepts, and what it
means where PyTensor runs Theano's names (Python 3.12 and later).

Every setting is one of:

* ``PYTENSOR``: PyTensor has it, under the same name (``.`` written
  ``__``), with the same meaning: it is passed on, read and written there;
* ``FACE``: the Theano face gives it Theano's meaning itself (``device``,
  ``int_division``, ``numpy.seterr_*`` ...);
* ``BUG_CHECK``: one of Theano's warnings about its own old bugs
  (``warn.*``), which PyTensor never had: accepted, without effect;
* ``GPU``: a setting of Theano's old CUDA back end (cuDNN, libgpuarray,
  MAGMA ...), which PyTensor replaced by JAX's: accepted, without effect;
* ``NO_EFFECT``: a setting of how Theano compiled or checked a graph that
  cannot change a result (test values, caches, rewrites PyTensor always
  applies): accepted, without effect.

A setting without effect is said so once, when it is given a value other
than Theano's default (``pytensor_flags`` for ``THEANO_FLAGS`` and
``.theanorc``; the face for ``theano.config.X = ...``).  None changes a
result: where ignoring a value would (there is none in Theano 1.0.5's tree
today), it would be refused.

Pure data and checks: importing this imports nothing else of the project.
"""
import math

PYTENSOR, FACE, BUG_CHECK, GPU, NO_EFFECT = (
    'pytensor', 'face', 'bug check', 'GPU', 'no effect')

WHY = {
    BUG_CHECK: "one of Theano's warnings about its own old bugs, which "
               'PyTensor never had',
    GPU: "a setting of Theano's old CUDA back end; on PyTensor the GPU runs "
         'through JAX (THEANO_FLAGS=device=cuda)',
    NO_EFFECT: 'it concerned how Theano compiled or checked a graph, not a '
               'result; PyTensor has no such setting',
}


def booltype(value):
    """Theano's reading of a boolean setting."""
    if value in ('False', 'false', '0', False, 0):
        return False
    if value in ('True', 'true', '1', True, 1):
        return True
    raise ValueError('must be True or False, got %r' % (value,))


# name: (Theano's default, its type or accepted values, meaning here);
# a default of None is the machine's (PyTensor's own value is used)
SETTINGS = {
    'DebugMode.check_c': (True, booltype, PYTENSOR),
    'DebugMode.check_finite': (True, booltype, PYTENSOR),
    'DebugMode.check_preallocated_output': ('', str, PYTENSOR),
    'DebugMode.check_preallocated_output_ndim': (4, int, PYTENSOR),
    'DebugMode.check_py': (True, booltype, PYTENSOR),
    'DebugMode.check_strides': (0, int, PYTENSOR),
    'DebugMode.patience': (10, int, PYTENSOR),
    'DebugMode.warn_input_not_reused': (True, booltype, PYTENSOR),
    'NanGuardMode.action': ('raise', ('raise', 'warn', 'pdb'), PYTENSOR),
    'NanGuardMode.big_is_error': (True, booltype, PYTENSOR),
    'NanGuardMode.inf_is_error': (True, booltype, PYTENSOR),
    'NanGuardMode.nan_is_error': (True, booltype, PYTENSOR),
    'allow_gc': (True, booltype, PYTENSOR),
    'assert_no_cpu_op': ('ignore', ('ignore', 'warn', 'raise', 'pdb'), GPU),
    'base_compiledir': (None, str, PYTENSOR),
    'blas.check_openmp': (True, booltype, PYTENSOR),
    'blas.ldflags': (None, str, PYTENSOR),
    'cache_optimizations': (False, booltype, NO_EFFECT),
    'cast_policy': ('custom', ('custom', 'numpy+floatX'), PYTENSOR),
    'check_input': (True, booltype, PYTENSOR),
    'check_stack_trace': ('off', ('off', 'log', 'warn', 'raise'), PYTENSOR),
    'cmodule.age_thresh_use': (2073600, int, PYTENSOR),
    'cmodule.compilation_warning': (False, booltype, PYTENSOR),
    'cmodule.debug': (False, booltype, PYTENSOR),
    'cmodule.preload_cache': (False, booltype, PYTENSOR),
    'cmodule.remove_gxx_opt': (False, booltype, PYTENSOR),
    'cmodule.warn_no_version': (False, booltype, PYTENSOR),
    'compile.timeout': (120, int, PYTENSOR),
    'compile.wait': (5, int, PYTENSOR),
    'compiledir': (None, str, PYTENSOR),
    'compiledir_format': (
        'compiledir_%(short_platform)s-%(processor)s-%(python_version)s-'
        '%(python_bitwidth)s', str, PYTENSOR),
    # the face computes test values itself (PyTensor dropped them)
    'compute_test_value': ('off', ('off', 'ignore', 'warn', 'raise', 'pdb'),
                           FACE),
    'compute_test_value_opt': ('off', ('off', 'ignore', 'warn', 'raise',
                                       'pdb'), NO_EFFECT),
    'contexts': ('', str, GPU),
    'conv.assert_shape': (False, booltype, NO_EFFECT),
    'ctc.root': ('', str, GPU),
    'cuda.include_path': ('/usr/local/include', str, GPU),
    'cuda.root': ('/usr/local', str, GPU),
    'cxx': (None, str, PYTENSOR),
    'cycle_detection': ('regular', ('regular', 'fast'), PYTENSOR),
    'deterministic': ('default', ('default', 'more'), GPU),
    'device': ('cpu', str, FACE),
    'dnn.base_path': ('', str, GPU),
    'dnn.bin_path': ('', str, GPU),
    'dnn.conv.algo_bwd': (True, booltype, GPU),
    'dnn.conv.algo_bwd_data': ('none', (
        'none', 'deterministic', 'fft', 'fft_tiling', 'winograd',
        'winograd_non_fused', 'guess_once', 'guess_on_shape_change',
        'time_once', 'time_on_shape_change'), GPU),
    'dnn.conv.algo_bwd_filter': ('none', (
        'none', 'deterministic', 'fft', 'small', 'winograd_non_fused',
        'fft_tiling', 'guess_once', 'guess_on_shape_change', 'time_once',
        'time_on_shape_change'), GPU),
    'dnn.conv.algo_fwd': ('small', (
        'small', 'none', 'large', 'fft', 'fft_tiling', 'winograd',
        'winograd_non_fused', 'guess_once', 'guess_on_shape_change',
        'time_once', 'time_on_shape_change'), GPU),
    'dnn.conv.precision': ('as_input_f32', (
        'as_input_f32', 'as_input', 'float16', 'float32', 'float64'), GPU),
    'dnn.conv.workmem': (True, booltype, GPU),
    'dnn.conv.workmem_bwd': (True, booltype, GPU),
    'dnn.enabled': ('auto', ('auto', 'True', 'False', 'no_check'), GPU),
    'dnn.include_path': ('', str, GPU),
    'dnn.library_path': ('', str, GPU),
    'exception_verbosity': ('low', ('low', 'high'), PYTENSOR),
    'experimental.local_alloc_elemwise': (True, booltype, NO_EFFECT),
    'experimental.local_alloc_elemwise_assert': (True, booltype, NO_EFFECT),
    'experimental.unpickle_gpu_on_cpu': (False, booltype, GPU),
    'floatX': ('float64', ('float64', 'float32', 'float16'), PYTENSOR),
    'force_device': (False, booltype, GPU),
    'gcc.cxxflags': ('', str, PYTENSOR),
    'gpu.local_elemwise_fusion': (True, booltype, GPU),
    'gpuarray.cache_path': ('', str, GPU),
    'gpuarray.preallocate': (0.0, float, GPU),
    'gpuarray.sched': ('default', ('default', 'multi', 'single'), GPU),
    'gpuarray.single_stream': (True, booltype, GPU),
    'gpuarray.sync': (False, booltype, GPU),
    'gpuelemwise.sync': (True, booltype, GPU),
    'init_gpu_device': ('', str, FACE),
    'int_division': ('int', ('int', 'raise', 'floatX'), FACE),
    'lib.amdlibm': (False, booltype, PYTENSOR),
    'linker': ('cvm', ('cvm', 'c|py', 'py', 'c', 'c|py_nogc', 'vm',
                       'vm_nogc', 'cvm_nogc'), PYTENSOR),
    'magma.enabled': (False, booltype, GPU),
    'magma.include_path': ('', str, GPU),
    'magma.library_path': ('', str, GPU),
    'metaopt.optimizer_excluding': ('', str, NO_EFFECT),
    'metaopt.optimizer_including': ('', str, NO_EFFECT),
    'metaopt.verbose': (0, int, NO_EFFECT),
    'mode': ('Mode', str, PYTENSOR),
    'nocleanup': (False, booltype, PYTENSOR),
    'numpy.seterr_all': ('ignore', ('ignore', 'warn', 'raise', 'call',
                                    'print', 'log', 'None'), FACE),
    'numpy.seterr_divide': ('None', ('None', 'ignore', 'warn', 'raise',
                                     'call', 'print', 'log'), FACE),
    'numpy.seterr_invalid': ('None', ('None', 'ignore', 'warn', 'raise',
                                      'call', 'print', 'log'), FACE),
    'numpy.seterr_over': ('None', ('None', 'ignore', 'warn', 'raise', 'call',
                                   'print', 'log'), FACE),
    'numpy.seterr_under': ('None', ('None', 'ignore', 'warn', 'raise',
                                    'call', 'print', 'log'), FACE),
    'on_opt_error': ('warn', ('warn', 'raise', 'pdb', 'ignore'), PYTENSOR),
    'on_shape_error': ('warn', ('warn', 'raise'), PYTENSOR),
    'on_unused_input': ('raise', ('raise', 'warn', 'ignore'), PYTENSOR),
    'openmp': (False, booltype, PYTENSOR),
    'openmp_elemwise_minsize': (200000, int, PYTENSOR),
    'optdb.max_use_ratio': (8.0, float, PYTENSOR),
    'optdb.position_cutoff': (math.inf, float, PYTENSOR),
    'optimizer': ('o4', ('o4', 'o3', 'o2', 'o1', 'unsafe', 'fast_run',
                         'fast_compile', 'merge', 'None'), PYTENSOR),
    'optimizer_excluding': ('', str, PYTENSOR),
    'optimizer_including': ('', str, PYTENSOR),
    'optimizer_requiring': ('', str, PYTENSOR),
    'optimizer_verbose': (False, booltype, PYTENSOR),
    'pickle_test_value': (True, booltype, NO_EFFECT),
    'print_active_device': (True, booltype, GPU),
    'print_global_stats': (False, booltype, PYTENSOR),
    'print_test_value': (False, booltype, NO_EFFECT),
    'profile': (False, booltype, PYTENSOR),
    'profile_memory': (False, booltype, PYTENSOR),
    'profile_optimizer': (False, booltype, PYTENSOR),
    'profiling.debugprint': (False, booltype, PYTENSOR),
    'profiling.destination': ('stderr', str, PYTENSOR),
    'profiling.ignore_first_call': (False, booltype, PYTENSOR),
    'profiling.min_memory_size': (1024, int, PYTENSOR),
    'profiling.min_peak_memory': (False, booltype, PYTENSOR),
    'profiling.n_apply': (20, int, PYTENSOR),
    'profiling.n_ops': (20, int, PYTENSOR),
    'profiling.output_line_width': (512, int, PYTENSOR),
    'profiling.time_thunks': (True, booltype, PYTENSOR),
    'reoptimize_unpickled_function': (False, booltype, NO_EFFECT),
    'scan.allow_gc': (False, booltype, PYTENSOR),
    'scan.allow_output_prealloc': (True, booltype, PYTENSOR),
    'scan.debug': (False, booltype, NO_EFFECT),
    'tensor.cmp_sloppy': (0, int, PYTENSOR),
    'tensor.insert_inplace_optimizer_validate_nb': (-1, int, PYTENSOR),
    'tensor.local_elemwise_fusion': (True, booltype, NO_EFFECT),
    'traceback.compile_limit': (0, int, PYTENSOR),
    'traceback.limit': (8, int, PYTENSOR),
    'unittests.rseed': ('666', str, NO_EFFECT),
    'unpickle_function': (True, booltype, PYTENSOR),
    'vm.lazy': (None, str, PYTENSOR),
    'warn.argmax_pushdown_bug': (False, booltype, BUG_CHECK),
    'warn.gpu_set_subtensor1': (False, booltype, BUG_CHECK),
    'warn.gpusum_01_011_0111_bug': (False, booltype, BUG_CHECK),
    'warn.identify_1pexp_bug': (False, booltype, BUG_CHECK),
    'warn.ignore_bug_before': ('0.9', (
        '0.9', 'None', 'all', '0.3', '0.4', '0.4.1', '0.5', '0.6', '0.7',
        '0.8', '0.8.1', '0.8.2', '0.10', '1.0', '1.0.1', '1.0.2', '1.0.3',
        '1.0.4', '1.0.5'), BUG_CHECK),
    'warn.inc_set_subtensor1': (False, booltype, BUG_CHECK),
    'warn.inc_subtensor1_opt': (True, booltype, BUG_CHECK),
    'warn.reduce_join': (False, booltype, BUG_CHECK),
    'warn.round': (False, booltype, BUG_CHECK),
    'warn.signal_conv2d_interface': (False, booltype, BUG_CHECK),
    'warn.subtensor_merge_bug': (False, booltype, BUG_CHECK),
    'warn.sum_div_dimshuffle_bug': (False, booltype, BUG_CHECK),
    'warn.sum_sum_bug': (False, booltype, BUG_CHECK),
    'warn.vm_gc_bug': (False, booltype, BUG_CHECK),
    'warn_float64': ('ignore', ('ignore', 'warn', 'raise', 'pdb'), PYTENSOR),
}

# what Theano lets no one change once it is imported
FIXED_AFTER_IMPORT = {
    'device', 'init_gpu_device', 'force_device', 'contexts',
    'print_active_device', 'gpuarray.sync', 'gpuarray.preallocate',
    'dnn.conv.workmem', 'dnn.conv.workmem_bwd', 'dnn.conv.algo_bwd',
    'tensor.cmp_sloppy', 'numpy.seterr_all', 'numpy.seterr_divide',
    'numpy.seterr_over', 'numpy.seterr_under', 'numpy.seterr_invalid',
    'warn.ignore_bug_before', 'optimizer_excluding', 'optimizer_including',
    'optimizer_requiring', 'cmodule.preload_cache',
    'cmodule.age_thresh_use', 'compile.wait', 'compile.timeout',
    'compiledir_format', 'base_compiledir', 'compiledir',
    'gpuarray.cache_path', 'ctc.root'}
# Theano's devices: what asks for a GPU
GPU_DEVICES = ('cuda', 'gpu', 'opencl')


def meaning(name):
    """What ``name`` (Theano's spelling, ``blas.ldflags``) means here:
    PYTENSOR, FACE, BUG_CHECK, GPU or NO_EFFECT; None for a name Theano
    1.0.5 did not have."""
    entry = SETTINGS.get(name)
    return entry[2] if entry else None


def check_value(name, value):
    """``value`` read as Theano reads the setting ``name``.

    :raises ValueError: naming the setting and the values it accepts
    """
    default, accepted, _ = SETTINGS[name]
    if name == 'device' or name == 'init_gpu_device':
        value = str(value)
        if value and value != 'cpu' and not value.startswith(GPU_DEVICES):
            raise ValueError("theano.config.%s must be 'cpu' or a GPU "
                             "('cuda', 'cuda0', 'gpu' ...), got %r"
                             % (name, value))
        return value
    if isinstance(accepted, tuple):
        if str(value) not in accepted:
            raise ValueError('theano.config.%s must be one of %s, got %r'
                             % (name, ', '.join(accepted), value))
        return str(value)
    try:
        return accepted(value)
    except (TypeError, ValueError) as e:
        raise ValueError('theano.config.%s: %s' % (name, e)) from None


def no_effect_notice(name, value):
    """The one line that says a setting given ``value`` has no effect
    here, or None when it has one (or keeps Theano's default)."""
    kind = meaning(name)
    if kind not in WHY:
        return None
    try:
        if check_value(name, value) == SETTINGS[name][0]:
            return None
    except ValueError:
        pass
    return ('theano.config.%s=%s has no effect on PyTensor: %s.'
            % (name, value, WHY[kind]))
