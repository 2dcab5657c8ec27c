"""Suite-wide test set-up: a clear stop when the project is not installed, then one BLAS/torch
thread per process.

xdist runs one worker per core; letting each worker's BLAS also spawn a thread per core
oversubscribes the machine (measured here: a 158x158 eigvalsh went from 2 ms to 50 ms)."""

import importlib.util

import pytest

INSTALL = 'pip install "torch==2.13.0" -e ".[dev]"'
# what the suite imports before any test runs; the theorems plugin is found through the
# project's pytest11 entry point, so it is only there once the project is installed
REQUIRED = ("numpy", "scipy", "torch", "numba", "hypothesis", "threadpoolctl", "xdist")


def missing_requirements(config, required=REQUIRED) -> list[str]:
    """The required modules that cannot be imported, and ``theorems`` (as the project) when its
    pytest plugin is not registered."""
    missing = [name for name in required if importlib.util.find_spec(name) is None]
    if not config.pluginmanager.hasplugin("theorems"):
        missing.append("the implicit-bias-suite project itself (its pytest plugin is not registered)")
    return missing


def pytest_configure(config):
    missing = missing_requirements(config)
    if missing:
        raise pytest.UsageError(f"not installed: {', '.join(missing)}. From the repository root, "
                                f"install with the README's command: {INSTALL}")
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
