"""``theano.sandbox``: only ``rng_mrg`` is there (the tutorials' stream)."""
