"""Turn a :class:`~theorems.registry.Statement` into pytest tests driven by Hypothesis.

- :func:`check_statement`: draws examples from the statement's strategy, runs its check, pushes the
  margin down with ``hypothesis.target`` to hunt the worst case, and fails with the (shrunk)
  counterexample. A refuted *conjecture* is a finding: it shows as xfail unless ``--theorems-strict``.
- :func:`check_control`: runs the same check on a strategy that breaks one named hypothesis and
  expects Hypothesis to find a counterexample (``hypothesis.find``). A control that finds none fails:
  its check could not fail there.
Evidence goes to the ``theorems_recorder`` fixture, which the plugin turns into the report.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, Phase, find, given, note, settings, target
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from .registry import Evidence, Statement, registered

_SUPPRESS = list(HealthCheck)
CONTROL_MIN_EXAMPLES = 25


class Recorder:
    """Collects what one test item observed: every example's margin, the worst evidence, and the
    counterexample (the last failing evidence, which after shrinking is the minimal one)."""

    def __init__(self, nodeid: str):
        self.nodeid = nodeid
        self.statement_id = None
        self.kind = None
        self.role = None
        self.control = None
        self.examples = 0
        self.worst: Evidence | None = None
        self.counterexample: Evidence | None = None
        self.counterexample_input = None
        self.verdict = None
        self.started = time.perf_counter()
        self.elapsed = 0.0

    def begin(self, stmt: Statement, role: str, control: str | None = None):
        self.statement_id, self.role, self.control = stmt.id, role, control
        self.kind = stmt.kind

    def observe(self, ev: Evidence, example=None):
        self.examples += 1
        # worst = closest to failing, by the same score hypothesis.target pushes up
        if self.worst is None or ev.target_score > self.worst.target_score:
            self.worst = ev
        if not ev.holds:
            self.counterexample = ev
            self.counterexample_input = repr(example)[:2000]

    def to_json(self) -> dict:
        self.elapsed = time.perf_counter() - self.started
        return {"nodeid": self.nodeid, "statement": self.statement_id, "role": self.role,
                "kind": self.kind,
                "control": self.control, "examples": self.examples, "verdict": self.verdict,
                "worst": None if self.worst is None else self.worst.to_json(),
                "counterexample": None if self.counterexample is None else self.counterexample.to_json(),
                "counterexample_input": self.counterexample_input, "elapsed": self.elapsed,
                "replay": f"pytest '{self.nodeid}' -p no:xdist"}


def _settings(stmt: Statement, **kw) -> settings:
    cur = settings.default
    n = cur.max_examples if stmt.max_examples is None else min(cur.max_examples, stmt.max_examples)
    return settings(cur, max_examples=max(n, 1), deadline=None, suppress_health_check=_SUPPRESS, **kw)


def check_statement(stmt: Statement, recorder: Recorder, strict: bool = False) -> None:
    """Run the property for ``stmt`` (used by every generated statement test)."""
    recorder.begin(stmt, "statement")

    @given(data=st.data())
    def prop(data):
        ex = data.draw(stmt.strategy, label="example")
        ev = stmt.check(ex)
        note(f"{stmt.id} evidence: {ev.summary}")
        target(ev.target_score, label=f"{stmt.id} toward failure")
        recorder.observe(ev, ex)
        assert ev.holds, f"{stmt.id} fails: {ev.summary}"

    prop.hypothesis.inner_test._hypothesis_internal_add_digest = f"statement:{stmt.id}".encode()
    prop = _settings(stmt)(prop)
    erratum = "erratum" in stmt.markers
    try:
        prop()
    except (AssertionError, BaseExceptionGroup):
        if erratum:
            # the statement as printed is expected to be false: the search refuting it is the finding
            recorder.verdict = "refuted (erratum)"
            return
        if stmt.kind == "conjecture":
            recorder.verdict = "refuted"
            if not strict:
                pytest.xfail(f"conjecture {stmt.id} refuted: {recorder.counterexample.summary}")
        else:
            recorder.verdict = "fails"
        raise
    if erratum:
        recorder.verdict = "erratum not reproduced"
        pytest.fail(f"{stmt.id} is recorded as an erratum, but the search found no counterexample in "
                    f"{recorder.examples} examples")
    recorder.verdict = "holds"


def check_control(stmt: Statement, control: str, recorder: Recorder) -> None:
    """Expect a counterexample to ``stmt``'s check on the control strategy ``control``.

    Shrinking is bounded: after the first counterexample at most ``extra`` more checks are run
    while Hypothesis shrinks, so an expensive check cannot stall the run.
    """
    recorder.begin(stmt, "control", control)
    budget = {"after_first": None}
    extra = 20
    seen: dict = {}  # example digest -> verdict, so replays answer the same way (no flakiness)

    def refutes(ex) -> bool:
        key = _digest(ex)
        if key in seen:
            return seen[key]
        if budget["after_first"] is not None:
            budget["after_first"] += 1
            if budget["after_first"] > extra:
                seen[key] = False  # shrink budget spent: new candidates are not explored
                return False
        ev = stmt.check(ex)
        recorder.observe(ev, ex)
        if not ev.holds and budget["after_first"] is None:
            budget["after_first"] = 0
        seen[key] = not ev.holds
        return seen[key]

    # a control stops at its first counterexample, so a generous example budget costs little when
    # the check can fail, and makes "no counterexample" a meaningful finding when it cannot
    cfg = settings(_settings(stmt), database=None, max_examples=max(settings.default.max_examples,
                                                                    CONTROL_MIN_EXAMPLES),
                   phases=[Phase.generate, Phase.target, Phase.shrink])
    try:
        find(stmt.controls[control], refutes, settings=cfg)
    except NoSuchExample:
        recorder.verdict = "no counterexample"
        pytest.fail(f"control {stmt.id}/{control}: the check found no counterexample in "
                    f"{recorder.examples} examples where a hypothesis is broken; worst: "
                    f"{recorder.worst.summary if recorder.worst else 'none'}")
    recorder.verdict = "counterexample found"


def _digest(ex) -> str:
    import hashlib
    import pickle

    try:
        return hashlib.sha1(pickle.dumps(ex)).hexdigest()
    except Exception:  # unpicklable example: fall back to its repr
        return repr(ex)


def statement_params(kind=None, statements=None):
    """``pytest.param`` per statement, with its id and markers (for ``-k`` and ``-m``); by default
    every statement registered so far (import :mod:`theorems.catalogue` for the paper's)."""
    stmts = statements if statements is not None else registered(kind)
    return [pytest.param(s, id=s.id, marks=[getattr(pytest.mark, m) for m in s.markers])
            for s in stmts]


def control_params(statements=None):
    """``pytest.param`` per (statement, control) pair, as :func:`statement_params`."""
    stmts = statements if statements is not None else registered()
    return [pytest.param(s, c, id=f"{s.id}/{c}", marks=[getattr(pytest.mark, m) for m in s.markers])
            for s in stmts if s.kind != "conjecture" for c in sorted(s.controls)]
