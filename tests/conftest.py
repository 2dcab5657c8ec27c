"""Suite-wide test set-up: one BLAS/torch thread per process (the root ``conftest.py`` registers
the plugin and stops the run when the set-up is incomplete).

xdist runs one worker per core; letting each worker's BLAS also spawn a thread per core
oversubscribes the machine (measured here: a 158x158 eigvalsh went from 2 ms to 50 ms)."""

import pytest


def pytest_configure(config):
    # the requirements were checked by the root conftest.py, which stops the run if any is missing
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="session")
def _theorems_device(request):
    """Route the batches of initialisations to the device named by --theorems-device."""
    from theorems.statements import common

    common.DEVICE["name"] = request.config.getoption("theorems_device")
    yield


@pytest.fixture(scope="module")
def orthogonal_run():
    """A ReLU run on exactly orthogonal data of unequal norms (n = 4, m = 40, eta and sigma0 at their
    bounds, 2 10^4 steps, event engine): the limits of Lemmas F.2/F.3 and Theorem 4.3 are reached."""
    import numpy as np

    import sim
    from theorems import conditions as cond
    from theorems import strategies as S

    data = S.exactly_orthogonal(np.array([1.0, 1.3, 1.1, 1.2]), 6, 2, seed=5)
    m = 40
    p = sim.Problem(data, m=m, eta=cond.eta_max(data, m), sigma0=cond.sigma0_max(data, m), steps=20000,
                    gamma=0.0, seed=11, n_log=40)
    return sim.simulate(p, engine="event")
