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
