"""``theano.sandbox``: ``rng_mrg`` (the MRG stream) and ``multinomial``
(its Ops); the rest of Theano's sandbox had no users outside it."""
