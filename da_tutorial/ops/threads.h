/* How many threads a kernel runs on: a choice that follows the machine's
   load (rb_tune), for kernels whose results do not depend on it
   (row_blas.c, fast_step.c).  Each node times its own calls: one thread,
   or the cores (at most four), whichever measured faster; the other is
   tried again after twice as many calls each time, and at once when the
   calls slow down.  The user's thread variables fix the count.
   Needs <string.h>, <stdlib.h> and <time.h>. */

#ifdef _OPENMP
#include <omp.h>
#else
#define omp_get_thread_num() 0
#define omp_get_num_threads() 1
#define omp_get_max_threads() 1
#define omp_get_num_procs() 1
#endif

#define RB_PROBE 9         /* calls a probe of the other count makes */
#define RB_FIRST 32        /* calls before the first probe */
#define RB_LAST 16384      /* the most calls between two probes */

typedef struct {
    int fixed;       /* > 0: the user's count, never changed */
    int most;        /* the other count tried: the cores, at most 4 */
    int cur;         /* the count in use */
    int probing;     /* calls left in the probe under way */
    int n;           /* calls timed at `cur` since the last decision */
    long until;      /* calls until the next probe */
    long period;     /* calls between probes, doubled at each lost one */
    double mean;     /* seconds a call at `cur`, a running mean */
    double base;     /* `mean` at the last decision */
    double sum;      /* the probe's seconds so far (its first call not) */
    long switches;   /* decisions that changed the count */
    double worst;    /* the probe's slowest call so far (in `sum`) */
} rb_tune;

/* the threads the user gave (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS or
   MKL_NUM_THREADS, the first set), else 0 */
static int rb_user_threads(void) {
    static const char* names[] = {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                  "MKL_NUM_THREADS"};
    for (int k = 0; k < 3; k++) {
        const char* v = getenv(names[k]);
        if (v && atoi(v) > 0)
            return atoi(v);
    }
    return 0;
}

/* Each node's tuner is listed in row_blas.TUNERS (a capsule) while the
   node lives, for row_blas.thread_report (metrics.json). */
static void rb_register(rb_tune* t, int add) {
    PyObject* mod = PyImport_ImportModule("da_tutorial.ops.row_blas");
    PyObject* list = mod ? PyObject_GetAttrString(mod, "TUNERS") : NULL;
    Py_XDECREF(mod);
    if (list && PyList_Check(list)) {
        if (add) {
            PyObject* cap = PyCapsule_New(t, "rb_tune", NULL);
            if (cap) {
                PyList_Append(list, cap);
                Py_DECREF(cap);
            }
        } else {
            for (Py_ssize_t k = PyList_GET_SIZE(list) - 1; k >= 0; k--)
                if (PyCapsule_GetPointer(PyList_GET_ITEM(list, k),
                                         "rb_tune") == (void*)t) {
                    PySequence_DelItem(list, k);
                    break;
                }
        }
    }
    Py_XDECREF(list);
    PyErr_Clear();      /* (at the interpreter's exit: nothing to do) */
}

static void rb_tune_init(rb_tune* t, int threads) {
    memset(t, 0, sizeof *t);
    t->fixed = threads > 0 ? threads : rb_user_threads();
    t->most = omp_get_num_procs();
    if (t->most > 4)
        t->most = 4;     /* a product of a few MB shares badly wider */
    t->cur = 1;
    t->until = t->period = RB_FIRST;
    rb_register(t, 1);
}

/* the threads for this call */
static int rb_pick(const rb_tune* t) {
    if (t->fixed)
        return t->fixed;
    if (t->most < 2)
        return 1;
    if (t->probing)
        return t->cur == 1 ? t->most : 1;
    return t->cur;
}

/* End of a probe: switch when the other count was clearly faster; wait
   twice as long before the next one either way (a machine whose cores
   come and go made two counts win in turn: at each switch back to two
   threads, 16 calls many times slower before the next). */
static void rb_decide(rb_tune* t, int lost) {
    /* its slowest call left out: one hiccup of the machine decides
       nothing */
    double m = (t->sum - t->worst) / (RB_PROBE - 2);
    if (!lost && m < 0.85 * t->mean) {
        t->cur = t->cur == 1 ? t->most : 1;
        t->mean = m;
        t->switches++;
    }
    t->period = t->period * 2 < RB_LAST ? t->period * 2 : RB_LAST;
    t->base = t->mean;
    t->probing = 0;
    t->n = 0;
    t->sum = t->worst = 0.0;
    t->until = t->period;
}

/* a call of `seconds` is done: learn from it */
static void rb_learn(rb_tune* t, double seconds) {
    if (t->probing) {
        /* a trial of more threads whose call is many times slower waited
           for a busy core: lost.  A trial of one thread waits for no
           other core, so it runs to its end: a slow call there is the
           machine's hiccup (one ended such trials and kept two threads
           for 16,384 calls, each 6 times slower, on a VM whose cores were
           taken from it now and then). */
        int lost = t->cur == 1 && t->n > 0 && seconds > 4.0 * t->mean;
        if (t->probing < RB_PROBE) {   /* the first one wakes threads */
            t->sum += seconds;
            if (seconds > t->worst)
                t->worst = seconds;
        }
        if (--t->probing == 0 || lost)
            rb_decide(t, lost);
        return;
    }
    t->n++;
    t->mean = t->n == 1 ? seconds : t->mean + (seconds - t->mean) /
              (t->n < 16 ? t->n : 16);
    if (t->fixed || t->most < 2)
        return;        /* (the mean only, for the report) */
    /* the load changed (calls 1.5 times slower): look again now */
    if (t->base > 0 && t->n >= 16 && t->mean > 1.5 * t->base)
        t->until = 0;
    if (--t->until <= 0)
        t->probing = RB_PROBE;
}

static double rb_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

