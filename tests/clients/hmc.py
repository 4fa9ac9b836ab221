"""The tutorial series' Hybrid Monte Carlo sampler (code/hmc/hmc.py) as a
Theano 1.0.5 user writes it: leapfrog steps through ``theano.scan``, a
Metropolis-Hastings accept, and a stepsize that tracks a target acceptance
rate, all in one compiled ``simulate`` function with updates.  Its random
numbers (the initial velocity, the acceptance draw) come from
``theano.sandbox.rng_mrg.MRG_RandomStreams``.  It samples a 5-dimensional
Gaussian with 3 chains, as test_hmc.py's ``sampler_on_nd_gaussian`` does,
for a few burn-in draws and 20 samples.

Run by tests/test_face_clients.py as ``python hmc.py DATASET OUT`` (it
needs neither); prints one JSON line."""
import json

import numpy

import theano
import theano.tensor as T
from theano import function, shared
from theano.sandbox.rng_mrg import MRG_RandomStreams


def sharedX(value, name):
    return shared(numpy.asarray(value, dtype=theano.config.floatX), name=name)


def kinetic_energy(vel):
    """The kinetic energy of each row of ``vel`` (unit mass)."""
    return 0.5 * (vel ** 2).sum(axis=1)


def hamiltonian(pos, vel, energy_fn):
    """Potential plus kinetic energy, one value per row."""
    return energy_fn(pos) + kinetic_energy(vel)


def metropolis_hastings_accept(energy_prev, energy_next, s_rng):
    """Accept each proposal with probability min(1, exp(prev - next))."""
    ediff = energy_prev - energy_next
    return (T.exp(ediff) - s_rng.uniform(size=energy_prev.shape)) >= 0


def simulate_dynamics(initial_pos, initial_vel, stepsize, n_steps, energy_fn):
    """Integrate Hamilton's equations for ``n_steps`` leapfrog steps;
    return the final (position, velocity)."""

    def leapfrog(pos, vel, step):
        # vel(t - step/2) -> vel(t + step/2), then pos(t) -> pos(t + step)
        dE_dpos = T.grad(energy_fn(pos).sum(), pos)
        new_vel = vel - step * dE_dpos
        new_pos = pos + step * new_vel
        return [new_pos, new_vel], {}

    # the first half step of the velocity and full step of the position
    initial_energy = energy_fn(initial_pos)
    dE_dpos = T.grad(initial_energy.sum(), initial_pos)
    vel_half_step = initial_vel - 0.5 * stepsize * dE_dpos
    pos_full_step = initial_pos + stepsize * vel_half_step

    # the remaining n_steps - 1 leapfrog steps
    (all_pos, all_vel), scan_updates = theano.scan(
        leapfrog,
        outputs_info=[
            dict(initial=pos_full_step),
            dict(initial=vel_half_step),
        ],
        non_sequences=[stepsize],
        n_steps=n_steps - 1)
    final_pos = all_pos[-1]
    final_vel = all_vel[-1]
    # nothing random happens inside the loop
    assert not scan_updates

    # the last velocity is half a step behind the position: one more
    # half step
    energy = energy_fn(final_pos)
    final_vel = final_vel - 0.5 * stepsize * T.grad(energy.sum(), final_pos)
    return final_pos, final_vel


def hmc_move(s_rng, positions, energy_fn, stepsize, n_steps):
    """One HMC proposal from ``positions``: returns (accept, final_pos)."""
    initial_vel = s_rng.normal(size=positions.shape)
    final_pos, final_vel = simulate_dynamics(
        initial_pos=positions,
        initial_vel=initial_vel,
        stepsize=stepsize,
        n_steps=n_steps,
        energy_fn=energy_fn
    )
    accept = metropolis_hastings_accept(
        energy_prev=hamiltonian(positions, initial_vel, energy_fn),
        energy_next=hamiltonian(final_pos, final_vel, energy_fn),
        s_rng=s_rng
    )
    return accept, final_pos


def hmc_updates(positions, stepsize, avg_acceptance_rate, final_pos, accept,
                target_acceptance_rate, stepsize_inc, stepsize_dec,
                stepsize_min, stepsize_max, avg_acceptance_slowness):
    """The updates of one ``simulate`` call: positions (where accepted),
    the stepsize and the moving average of the acceptance rate."""
    # one accept flag per chain, broadcast over the chain's dimensions
    accept_matrix = accept.dimshuffle(0, *(('x',) * (final_pos.ndim - 1)))
    new_positions = T.switch(accept_matrix, final_pos, positions)

    # larger steps while too many proposals are accepted, smaller ones
    # while too few, within [stepsize_min, stepsize_max]
    _new_stepsize = T.switch(avg_acceptance_rate > target_acceptance_rate,
                             stepsize * stepsize_inc, stepsize * stepsize_dec)
    new_stepsize = T.clip(_new_stepsize, stepsize_min, stepsize_max)

    # exponential moving average of the acceptance rate
    mean_dtype = theano.scalar.upcast(accept.dtype, avg_acceptance_rate.dtype)
    new_acceptance_rate = T.add(
        avg_acceptance_slowness * avg_acceptance_rate,
        (1.0 - avg_acceptance_slowness) * accept.mean(dtype=mean_dtype))

    return [(positions, new_positions),
            (stepsize, new_stepsize),
            (avg_acceptance_rate, new_acceptance_rate)]


class HMC_sampler(object):
    """Holds the shared state of an HMC chain and its compiled
    ``simulate`` function; ``draw`` advances the chain one move."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    @classmethod
    def new_from_shared_positions(cls, shared_positions, energy_fn,
                                  initial_stepsize=0.01,
                                  target_acceptance_rate=.9, n_steps=20,
                                  stepsize_dec=0.98, stepsize_min=0.001,
                                  stepsize_max=0.25, stepsize_inc=1.02,
                                  avg_acceptance_slowness=0.9, seed=12345):
        stepsize = sharedX(initial_stepsize, 'hmc_stepsize')
        avg_acceptance_rate = sharedX(target_acceptance_rate,
                                      'avg_acceptance_rate')
        s_rng = MRG_RandomStreams(seed)

        accept, final_pos = hmc_move(
            s_rng,
            shared_positions,
            energy_fn,
            stepsize,
            n_steps)
        simulate_updates = hmc_updates(
            shared_positions,
            stepsize,
            avg_acceptance_rate,
            final_pos=final_pos,
            accept=accept,
            stepsize_min=stepsize_min,
            stepsize_max=stepsize_max,
            stepsize_inc=stepsize_inc,
            stepsize_dec=stepsize_dec,
            target_acceptance_rate=target_acceptance_rate,
            avg_acceptance_slowness=avg_acceptance_slowness)

        simulate = function([], [], updates=simulate_updates)

        return cls(
            positions=shared_positions,
            stepsize=stepsize,
            stepsize_min=stepsize_min,
            stepsize_max=stepsize_max,
            avg_acceptance_rate=avg_acceptance_rate,
            target_acceptance_rate=target_acceptance_rate,
            s_rng=s_rng,
            _updates=simulate_updates,
            simulate=simulate)

    def draw(self, **kwargs):
        """Advance the chains one HMC move; return the new positions."""
        self.simulate()
        return self.positions.get_value(borrow=False)


def sampler_on_nd_gaussian(sampler_cls, burnin, n_samples, dim=10):
    batchsize = 3
    rng = numpy.random.RandomState(123)

    # the target: a Gaussian with mean mu and covariance cov
    mu = numpy.array(rng.rand(dim) * 10, dtype=theano.config.floatX)
    cov = numpy.array(rng.rand(dim, dim), dtype=theano.config.floatX)
    cov = (cov + cov.T) / 2.
    cov[numpy.arange(dim), numpy.arange(dim)] = 1.0
    cov_inv = numpy.linalg.inv(cov)

    def gaussian_energy(x):
        return 0.5 * (T.dot((x - mu), cov_inv) * (x - mu)).sum(axis=1)

    position = rng.randn(batchsize, dim).astype(theano.config.floatX)
    position = theano.shared(position)

    sampler = sampler_cls(position, gaussian_energy,
                          initial_stepsize=1e-3, stepsize_max=0.5)

    garbage = [sampler.draw() for r in range(burnin)]
    # (n_samples, batchsize, dim) -> (n_samples * batchsize, dim)
    _samples = numpy.asarray([sampler.draw() for r in range(n_samples)])
    samples = _samples.T.reshape(dim, -1).T

    print('target mean:', mu)
    print('empirical mean: ', samples.mean(axis=0))
    print('final stepsize', sampler.stepsize.get_value())
    print('final acceptance_rate', sampler.avg_acceptance_rate.get_value())
    return sampler, garbage, _samples


def main():
    sampler, burnin, samples = sampler_on_nd_gaussian(
        HMC_sampler.new_from_shared_positions, burnin=5, n_samples=20,
        dim=5)
    flat = samples.T.reshape(5, -1).T
    print(json.dumps({
        'first_draw': burnin[0].ravel().tolist(),
        'sample_means': flat.mean(axis=0).tolist(),
        'last_draw': samples[-1].ravel().tolist(),
        'samples_0_and_10': samples[[0, 10], 0].ravel().tolist(),
        'stepsize': float(sampler.stepsize.get_value()),
        'acceptance_rate': float(sampler.avg_acceptance_rate.get_value()),
        'dtypes_are_floatX': int(samples.dtype == theano.config.floatX and
                                 sampler.stepsize.get_value().dtype ==
                                 theano.config.floatX),
        'floatX': theano.config.floatX}))


if __name__ == '__main__':
    main()
