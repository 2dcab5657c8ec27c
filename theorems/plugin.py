"""pytest plugin (a ``pytest11`` entry point, so plain ``pytest`` loads it wherever the package is
installed; inside this repository the root ``conftest.py`` registers it from the checkout instead).

Options, fixtures and the evidence channel:

- A test that checks a statement takes the ``theorems_recorder`` fixture and hands it to
  :func:`theorems.runner.check_statement` / :func:`~theorems.runner.check_control`. When the test
  body ends, :func:`pytest_runtest_makereport` attaches the recorder's JSON (plus the statement's
  description) to the *call* report as the user property ``"theorems"`` (and to
  ``item.user_properties``, as ``record_property`` would).
- pytest carries ``user_properties`` from every xdist worker to the controller, where
  :meth:`ReportCollector.pytest_runtest_logreport` gathers them with each test's outcome and
  failure text, so ``-n auto`` and ``-n 0`` give the same report.
- At the end the controller writes ``results.json`` and ``index.html`` (see :mod:`theorems.report`),
  atomically.

When is the report written? Only on the controller, only when at least one statement record was
collected (running ``tests/sim`` alone, or ``-k`` that selects no statement, leaves the previous
report alone), not with ``--theorems-no-report``, and not when the run was interrupted (Ctrl-C):
a partial run does not replace a complete report.

Reports accumulate: a run that covers part of the suite (``-k H.4``, one conjecture file) is
merged into the existing ``results.json`` (:func:`theorems.report.merge_results`): what ran is
updated, everything else keeps its last result, marked with when and at which commit it was
obtained, and flagged stale when the sources of ``sim/`` and ``theorems/`` changed since.
``--theorems-fresh-report`` starts a fresh report instead.

The report directory defaults to ``<rootdir>/reports``; an explicit ``--theorems-report-dir`` is
taken relative to the directory pytest was invoked from.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from . import profiles
from .runner import Recorder

profiles.load_default()

PROPERTY = "theorems"
_RECORDER = pytest.StashKey[Recorder]()
_DEVICE_ENV = "THEOREMS_DEVICE"
_OLD_DEVICE = pytest.StashKey[object]()
DEVICES = ("cpu", "cuda", "auto")


def pytest_addoption(parser):
    g = parser.getgroup("theorems", "paper-statement verification")
    g.addoption("--theorems-report-dir", default=None,
                help="directory for index.html and results.json (default: <rootdir>/reports)")
    env_device = os.environ.get(_DEVICE_ENV, "cpu")
    g.addoption("--theorems-device", default=env_device if env_device in DEVICES else "cpu",
                choices=DEVICES, help="device for batched simulations (default: $THEOREMS_DEVICE or cpu)")
    g.addoption("--theorems-strict", action="store_true", default=False,
                help="a refuted conjecture fails the run (default: reported as a finding, xfail)")
    g.addoption("--theorems-no-report", action="store_true", default=False,
                help="do not write the report")
    g.addoption("--theorems-fresh-report", action="store_true", default=False,
                help="start a fresh report (default: merge this run into the existing results.json)")


def requested_device(config) -> str:
    """``--theorems-device``, else ``$THEOREMS_DEVICE``, else ``cpu``."""
    return config.getoption("theorems_device", None) or os.environ.get(_DEVICE_ENV) or "cpu"


def report_dir(config) -> Path:
    opt = config.getoption("theorems_report_dir", None)
    if opt is None:
        return Path(config.rootpath) / "reports"
    p = Path(opt)
    return p if p.is_absolute() else Path(config.invocation_params.dir) / p


MARKERS = (
    "statement: a paper statement checked as a property",
    "control: a check run on inputs that break a hypothesis; expects a counterexample",
    "conjecture: a researcher's conjecture (theorems.conjecture)",
    "erratum: a statement as printed in the paper that the suite expects to be false",
    "power: which named simulator faults a statement's check catches (tests/test_power.py)",
)


@pytest.hookimpl(trylast=True)  # after Hypothesis's own plugin has loaded --hypothesis-profile
def pytest_configure(config):
    profiles.honour_seed(config.getoption("hypothesis_seed", None))
    for line in MARKERS:  # also outside this repository (a researcher's own test folder)
        config.addinivalue_line("markers", line)
    # The device reaches code that has no fixture (the command line, strategies) through the
    # environment; workers inherit it. Restored at unconfigure.
    config.stash[_OLD_DEVICE] = os.environ.get(_DEVICE_ENV)
    os.environ[_DEVICE_ENV] = requested_device(config)
    if not hasattr(config, "workerinput"):  # controller (or a run without xdist)
        config.pluginmanager.register(ReportCollector(config), "theorems-report-collector")



def pytest_unconfigure(config):
    old = config.stash.get(_OLD_DEVICE, None)
    if old is None:
        os.environ.pop(_DEVICE_ENV, None)
    else:
        os.environ[_DEVICE_ENV] = old


@pytest.fixture
def theorems_recorder(request):
    """A :class:`~theorems.runner.Recorder` for this test; its evidence goes to the report."""
    rec = Recorder(request.node.nodeid)
    request.node.stash[_RECORDER] = rec
    yield rec


@pytest.fixture(scope="session")
def theorems_device(request):
    from sim.simulate import resolve_device

    return resolve_device(requested_device(request.config))


def record_payload(rec: Recorder) -> dict:
    """The recorder's JSON, with the statement's description, in plain JSON types (xdist's
    channel carries only those)."""
    from .registry import REGISTRY
    from .report import jsonable

    payload = rec.to_json()
    stmt = REGISTRY.get(rec.statement_id)
    if stmt is not None:
        payload["description"] = stmt.describe()
    payload["worker"] = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return jsonable(payload)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "call":
        rec = item.stash.get(_RECORDER, None)
        if rec is not None and rec.statement_id is not None:
            try:
                prop = (PROPERTY, record_payload(rec))
            except Exception as e:  # never lose the test's own outcome over the report
                prop = (PROPERTY, {"nodeid": item.nodeid, "statement": rec.statement_id,
                                   "role": rec.role, "control": rec.control, "verdict": rec.verdict,
                                   "examples": rec.examples, "error": f"could not record: {e!r}"})
            report.user_properties.append(prop)
            item.user_properties.append(prop)
    return report


def _outcome(report) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.when != "call" and report.failed:
        return "error"
    return report.outcome


class ReportCollector:
    """Controller-side: gathers records and outcomes from every report, writes the report."""

    def __init__(self, config):
        self.config = config
        self.records: dict[str, list[dict]] = {}
        self.tests: dict[str, dict] = {}
        self.workers: set[str] = set()
        self.started = time.time()
        self.t0 = time.perf_counter()
        self.written: dict | None = None
        self.skipped_reason: str | None = None
        self.merge_warning: str | None = None

    # -- gathering
    def pytest_runtest_logreport(self, report):
        props = [v for k, v in getattr(report, "user_properties", ()) if k == PROPERTY]
        if props and (report.when == "call" or report.nodeid not in self.records):
            # the call report is authoritative; later phases carry the same (cumulative) list
            self.records[report.nodeid] = [p if isinstance(p, dict) else json.loads(p) for p in props]
        node = getattr(report, "node", None)
        gw = getattr(getattr(node, "gateway", None), "id", None) or getattr(report, "worker_id", None)
        if gw:
            self.workers.add(str(gw))
        t = self.tests.setdefault(report.nodeid, {"outcome": None, "longrepr": None, "duration": 0.0})
        t["duration"] += float(getattr(report, "duration", 0.0) or 0.0)
        if gw:
            t["worker"] = str(gw)
        out = _outcome(report)
        if report.when == "setup":
            if out != "passed":
                t["outcome"] = out
        elif report.when == "call":
            t["outcome"] = out
        elif report.failed:  # teardown error
            t["outcome"] = "error"
        elif t["outcome"] is None:
            t["outcome"] = out
        if report.failed or (out in ("xfailed", "skipped") and report.when in ("setup", "call")):
            from .report import truncate

            text = getattr(report, "longreprtext", "") or ""
            if out == "xfailed" and getattr(report, "wasxfail", ""):
                text = f"xfail: {report.wasxfail}\n{text}" if text else f"xfail: {report.wasxfail}"
            if text:
                t["longrepr"] = truncate(text if not t["longrepr"] else t["longrepr"] + "\n" + text)

    # -- writing
    def environment(self) -> dict:
        from .report import collect_environment

        cfg = self.config
        dev = requested_device(cfg)
        resolved = dev
        if dev == "auto":
            try:
                import torch

                resolved = "cuda" if torch.cuda.is_available() else "cpu"
            except Exception:
                resolved = "cpu"
        from hypothesis import settings

        n = cfg.getoption("numprocesses", None) if cfg.pluginmanager.hasplugin("xdist") else None
        dist = cfg.getoption("dist", None) if n else None
        args = list(cfg.invocation_params.args)
        import shlex

        return collect_environment(
            device=resolved if resolved == dev else f"{resolved} (requested {dev})",
            profile=profiles.base_profile(),
            max_examples=settings.default.max_examples,
            horizon_scale=profiles.horizon_scale(),
            seed=cfg.getoption("hypothesis_seed", None),
            search=profiles.search_description(cfg.getoption("hypothesis_seed", None)),
            workers=len(self.workers) if self.workers else 0,
            numprocesses=n, dist=dist,
            strict=bool(cfg.getoption("theorems_strict", False)),
            command="pytest " + shlex.join(args),
            invocation_dir=str(cfg.invocation_params.dir),
            rootdir=str(cfg.rootpath),
            elapsed_s=time.perf_counter() - self.t0,
        )

    def build(self) -> dict:
        from . import report
        from .catalogue import all_statements
        from .registry import REGISTRY

        descriptions, paper_ids, err = {}, [], None
        try:
            all_statements()
        except Exception as e:  # a broken statement module must not lose the run's evidence
            err = f"importing theorems.statements failed: {e!r}"
        for sid, stmt in list(REGISTRY.items()):
            descriptions[sid] = stmt.describe()
            if str(getattr(stmt.check, "__module__", "")).startswith("theorems."):
                paper_ids.append(sid)
        env = self.environment()
        if err:
            env["warning"] = err
        recs = [r for rs in self.records.values() for r in rs]
        return report.build_results(recs, self.tests, env, descriptions, paper_ids,
                                    report.load_experiments(report_dir(self.config)),
                                    report.load_sweeps(report_dir(self.config)))

    def previous(self, d: Path) -> dict | None:
        """The report directory's ``results.json`` to merge into (``None``: there is none, or it
        cannot be read, and the report starts fresh)."""
        from . import report

        path = d / "results.json"
        if not path.exists():
            return None
        try:
            return report.read_results(path)
        except (OSError, ValueError) as e:
            self.merge_warning = f"previous {path} not merged (unreadable: {e}); the report starts fresh"
            return None

    def pytest_sessionfinish(self, session, exitstatus):
        cfg = self.config
        if cfg.getoption("theorems_no_report", False):
            self.skipped_reason = "--theorems-no-report"
            return
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            self.skipped_reason = "run interrupted: the previous report is left as it was"
            return
        if not self.records:
            return
        from . import report

        d = report_dir(cfg)
        results = self.build()
        previous = None if cfg.getoption("theorems_fresh_report", False) else self.previous(d)
        if previous is not None:
            from .catalogue import all_statements  # the controller of an xdist run collects nothing

            results = report.merge_results(previous, results,
                                           {st.id: st.controls for st in all_statements()})
        self.written = report.write_report(d, results)
        self.summary = results["summary"]

    def pytest_terminal_summary(self, terminalreporter):
        tr = terminalreporter
        if self.written:
            s = self.summary
            bits = [f"{s.get(k)} {k}" for k in ("holds", "fails", "error", "refuted", "control: none found",
                                                 "control: counterexample found") if s.get(k)]
            if s.get("holds_control_none"):
                bits.append(f"{s['holds_control_none']} of those holding have a control that found none")
            if s.get("controls"):
                bits.append(f"controls {s['controls_found']}/{s['controls']} found a counterexample")
            if s.get("errata_confirmed"):
                bits.append(f"{s['errata_confirmed']} erratum confirmed")
            tr.write_sep("-", "theorems report")
            tr.write_line("statements: " + (", ".join(bits) or "none run"))
            pw = s.get("power") or {}
            if pw.get("measured"):
                unable = pw.get("unable_to_fail") or []
                tr.write_line(f"power: {pw['caught']}/{pw['tried']} simulator faults caught over {pw['measured']} "
                              f"statement(s)" + (f"; unable to fail: {', '.join(unable)}" if unable else ""))
            if s.get("carried"):
                stale = f", {s['stale']} of them stale (the code changed since)" if s.get("stale") else ""
                tr.write_line(f"{s.get('this_run', 0)} statement(s) checked in this run; {s['carried']} keep "
                              f"results of earlier runs{stale}; --theorems-fresh-report starts afresh")
            if self.merge_warning:
                tr.write_line(self.merge_warning)
            tr.write_line(f"report: {self.written['html']}  (data: {self.written['json']})")
        elif self.skipped_reason and self.records:
            tr.write_sep("-", "theorems report")
            tr.write_line(f"report not written: {self.skipped_reason}")
