"""The batched engine on CUDA gives the CPU's trajectories (float64, to 1e-10). Marked ``gpu``;
skipped cleanly where torch sees no CUDA device. Run alone with ``pytest -m gpu tests/sim``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from .simtest_support import assert_trajectories_close, datasets, describe, problems, sim_settings

import sim

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="torch sees no CUDA device")]


@sim_settings(max_examples=10)
@given(pr=problems(steps=(50, 300)), seeds=st.lists(st.integers(0, 2**20), min_size=1, max_size=6, unique=True))
def test_batched_cuda_equals_cpu(pr, seeds):
    gpu = sim.simulate(pr, "batched", seeds=seeds, device="cuda")
    cpu = sim.simulate(pr, "batched", seeds=seeds, device="cpu")
    for tg, tc in zip(gpu, cpu):
        assert tg.engine == "batched:cuda" and tc.engine == "batched:cpu"
        assert_trajectories_close(tg, tc, label=describe(pr))


@sim_settings(max_examples=6)
@given(pr=problems(steps=(20, 200), minibatch=True))
def test_batched_cuda_equals_fast_minibatch(pr):
    assert_trajectories_close(sim.simulate(pr, "batched", device="cuda"), sim.simulate(pr, "fast"),
                              label=describe(pr))


@sim_settings(max_examples=5)
@given(pr=problems(data=datasets(kinds=("standard_basis",)), sigma0_zero=True))
def test_batched_cuda_sigma_prime_zero_convention(pr):
    """Exact ties at 0 on the standard basis: ``sigma'(0) = 1`` on the GPU too."""
    assert_trajectories_close(sim.simulate(pr, "batched", device="cuda"), sim.simulate(pr, "reference"),
                              label=describe(pr))


def test_auto_device_picks_cuda():
    from sim.simulate import resolve_device

    assert resolve_device("auto") == "cuda"
    pr = sim.Problem(sim.standard_basis(3), m=2, eta=0.5, sigma0=0.1, steps=5)
    assert sim.simulate(pr, "batched", device="auto").engine == "batched:cuda"


def test_many_initialisations_on_cuda():
    """A realistic batch (256 inits, Figure 1 width) agrees with the CPU on a few of them."""
    ds = sim.gaussian_mixture(10, 784, seed=0)
    pr = sim.Problem(ds, m=100, eta=0.1, sigma0=1e-3, steps=300, gamma=0.1, n_log=10)
    seeds = list(range(256))
    gpu = sim.simulate(pr, "batched", seeds=seeds, device="cuda")
    for b in (0, 77, 255):
        assert_trajectories_close(gpu[b], sim.simulate(pr.replace(seed=seeds[b]), "fast"))
    assert np.all(np.isfinite([t.loss[-1] for t in gpu]))


@sim_settings(max_examples=6)
@given(pr=problems(steps=(20, 400), sigma0_zero=False), seeds=st.lists(st.integers(0, 2**20), min_size=1,
                                                                       max_size=4, unique=True))
def test_batched_cuda_running_quantities_match_fast(pr, seeds):
    """The running quantities (sim.running) tracked on the GPU, per init, equal the fast engine's."""
    from .test_sim_running import assert_running_matches

    for tg, s in zip(sim.simulate(pr, "batched", seeds=seeds, device="cuda"), seeds):
        assert_running_matches(tg, sim.simulate(pr, "fast", seeds=[s])[0], exact_values=True, label=describe(pr))
