"""pytest plugin (registered through the ``pytest11`` entry point, so plain ``pytest`` loads it).

Options, fixtures and the evidence channel: each test that checks a statement records its evidence
with ``record_property("theorems", ...)``; pytest carries ``user_properties`` from every xdist worker
to the controller, where :func:`pytest_runtest_logreport` gathers them, so ``-n auto`` and ``-n 0``
give the same report. At the end the controller writes ``results.json`` and ``index.html``.
"""

from __future__ import annotations

import pytest

from . import profiles
from .runner import Recorder

profiles.load_default()


def pytest_addoption(parser):
    g = parser.getgroup("theorems", "paper-statement verification")
    g.addoption("--theorems-report-dir", default="reports",
                help="directory for index.html and results.json (default: reports)")
    g.addoption("--theorems-device", default="cpu", choices=("cpu", "cuda", "auto"),
                help="device for batched simulations (default: cpu)")
    g.addoption("--theorems-strict", action="store_true", default=False,
                help="a refuted conjecture fails the run (default: reported as a finding, xfail)")
    g.addoption("--theorems-no-report", action="store_true", default=False,
                help="do not write the report")


@pytest.fixture
def theorems_recorder(request, record_property):
    rec = Recorder(request.node.nodeid)
    yield rec
    if rec.statement_id is not None:
        record_property("theorems", rec.to_json())


@pytest.fixture(scope="session")
def theorems_device(request):
    from sim.simulate import resolve_device

    return resolve_device(request.config.getoption("theorems_device"))
