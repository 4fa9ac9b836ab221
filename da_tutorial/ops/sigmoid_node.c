/* SigmoidElemwise's per-node code, a template that sigmoid.py fills in
   with the node's names: its operands (se_inputs, sigmoid.c), then its
   loop, once with ex_expf and once with the library's expf. */
{
PyArrayObject* inputs_[%(n_in)d] = {%(inputs)s};
static const int bcast_[%(n_bcast)d] = {%(bcast)s};
PyArrayObject* in_[%(n_in)d] = {NULL};
npy_intp R, C;
if (se_inputs(%(n_in)d, inputs_, bcast_, in_, &R, &C)%(outputs)s) {
    se_release(%(n_in)d, in_);
    %(fail)s
}
{
%(pointers)s
if (ex_expf_same()) {
%(loop_ex_expf)s
} else {
%(loop_exp)s
}
}
se_release(%(n_in)d, in_);
}
/* ---- the loop over one node's elements, by chunks of a row: the results
   go to a local array first, so that the compiler need not check whether
   the output is an input (in place, it is) ---- */
for (npy_intp r = 0; r < R; r++)
for (npy_intp c0 = 0; c0 < C; c0 += 256) {
npy_intp m = C - c0 < 256 ? C - c0 : 256;
for (npy_intp c = 0; c < m; c++) {
%(reads)s
%(declare)s
%(body)s
%(keep)s
}
%(copy)s
}
