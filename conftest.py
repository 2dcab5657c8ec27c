"""The suite's pytest plugin, registered from this checkout, and a clear stop when the set-up is
incomplete.

``theorems.plugin`` is also a ``pytest11`` entry point, so that a researcher's own test files
anywhere get it once the package is installed. Inside this repository that entry point is blocked
(``-p no:theorems`` in pyproject's ``addopts``) and the plugin is registered here instead, from the
checkout's own code: a stale install of the package (an editable install whose checkout has moved
or been deleted) then can never be the plugin that runs, nor crash bare ``pytest`` before any
conftest is read (it did, with ``ModuleNotFoundError: No module named 'theorems'``).
"""

import importlib.util

import pytest

INSTALL = 'pip install "torch==2.13.0" -e ".[dev]"'
# what the suite imports before any test runs (the plugin imports most of them); syrupy, which only
# tests/test_evidence_snapshots.py uses, is not here: that module skips itself, naming the install
# command, so the rest of the suite still collects and runs without it
REQUIRED = ("numpy", "scipy", "torch", "numba", "hypothesis", "threadpoolctl", "xdist", "jinja2")
PLUGIN = "theorems.plugin"


def missing_requirements(config, required=REQUIRED) -> list[str]:
    """The required modules that cannot be imported, and the suite's plugin when it is not
    registered (it is registered only when every requirement is there)."""
    missing = [name for name in required if importlib.util.find_spec(name) is None]
    if not config.pluginmanager.hasplugin(PLUGIN):
        missing.append(f"the suite's pytest plugin ({PLUGIN}, needs the modules above)")
    return missing


if all(importlib.util.find_spec(name) is not None for name in REQUIRED):
    pytest_plugins = [PLUGIN]


@pytest.hookimpl(tryfirst=True)  # before tests/conftest.py, which imports threadpoolctl and torch
def pytest_configure(config):
    missing = missing_requirements(config)
    if missing:
        raise pytest.UsageError(f"not installed: {', '.join(missing)}. From the repository root, "
                                f"install with the README's command: {INSTALL}")
