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

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, find, given, note, settings, target
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from .registry import Evidence, Statement, registered

_SUPPRESS = list(HealthCheck)
CONTROL_MIN_EXAMPLES = 25
MAX_BLOB = 200_000


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
        # Hypothesis choice sequences (``@reproduce_failure`` blobs) of the counterexample and the
        # worst example, so ``python -m theorems replay`` can rebuild exactly those inputs
        self.counterexample_blob: str | None = None
        self.worst_blob: str | None = None
        self.verdict = None
        self.power: dict | None = None  # set by check_power: which simulator faults the check caught
        self.started = time.perf_counter()
        self.elapsed = 0.0

    def begin(self, stmt: Statement, role: str, control: str | None = None):
        self.statement_id, self.role, self.control = stmt.id, role, control
        self.kind = stmt.kind

    def observe(self, ev: Evidence, example=None):
        self.examples += 1
        # worst = closest to failing, by the same score hypothesis.target pushes up
        blob = None
        if self.worst is None or ev.target_score > self.worst.target_score:
            self.worst = ev
            self.worst_blob = blob = current_blob()
        if not ev.holds:
            self.counterexample = ev
            self.counterexample_input = repr(example)[:2000]
            self.counterexample_blob = blob or current_blob()

    def to_json(self) -> dict:
        self.elapsed = time.perf_counter() - self.started
        return {"nodeid": self.nodeid, "statement": self.statement_id, "role": self.role,
                "kind": self.kind,
                "control": self.control, "examples": self.examples, "verdict": self.verdict,
                "worst": None if self.worst is None else self.worst.to_json(),
                "counterexample": None if self.counterexample is None else self.counterexample.to_json(),
                "counterexample_input": self.counterexample_input, "elapsed": self.elapsed,
                "reproduce": {"hypothesis": hypothesis.__version__,
                              "counterexample": self.counterexample_blob, "worst": self.worst_blob},
                "replay": f"pytest '{self.nodeid}' -p no:xdist",
                **({"power": self.power} if self.power is not None else {})}


def current_blob() -> str | None:
    """The choice sequence of the running Hypothesis test case, encoded as Hypothesis encodes it
    for ``@reproduce_failure`` (None outside a test case, or if Hypothesis's internals moved).
    Drawing the same strategy from it rebuilds the same example."""
    try:
        from hypothesis.control import current_build_context
        from hypothesis.core import encode_failure

        blob = encode_failure(current_build_context().data.choices).decode("ascii")
    except Exception:
        return None
    return blob if len(blob) <= MAX_BLOB else None  # keep results.json a reasonable size


class _Reproduced(Exception):
    pass


def replay_example(check, strategy, blob: str, version: str | None = None):
    """Rebuild the example that ``blob`` (from :func:`current_blob`, recorded with Hypothesis
    ``version``) draws from ``strategy``, run ``check`` on it once, and return
    ``(example, evidence)``.

    Goes through Hypothesis's public ``@reproduce_failure``, so a blob from another Hypothesis
    version raises ``hypothesis.errors.InvalidArgument``; a blob that no longer fits the strategy
    raises :class:`ReplayError`. Errors raised by ``check`` propagate."""
    from hypothesis import Verbosity, reproduce_failure
    from hypothesis.errors import DidNotReproduce

    got: dict = {}

    @given(data=st.data())
    def prop(data):
        got.clear()
        ex = data.draw(strategy, label="example")  # the same draw as check_statement's property
        got["example"] = ex
        got["evidence"] = ev = check(ex)
        if not ev.holds:
            raise _Reproduced

    prop = settings(database=None, deadline=None, print_blob=False, max_examples=1,
                    verbosity=Verbosity.quiet, suppress_health_check=_SUPPRESS)(prop)
    prop = reproduce_failure(version or hypothesis.__version__, blob.encode("ascii"))(prop)
    try:
        prop()
    except _Reproduced:
        pass
    except DidNotReproduce as e:
        if "evidence" not in got:  # the check never ran: the blob does not fit the strategy
            raise ReplayError(f"the stored example no longer fits the strategy ({e})") from None
    except BaseExceptionGroup as eg:  # unwrap a single error from the check
        if len(eg.exceptions) == 1 and not isinstance(eg.exceptions[0], _Reproduced):
            raise eg.exceptions[0] from None
        if "evidence" not in got:
            raise
    if not isinstance(got.get("evidence"), Evidence):
        raise ReplayError(f"the check returned {type(got.get('evidence')).__name__}, not Evidence")
    return got["example"], got["evidence"]


class ReplayError(ValueError):
    """A stored example cannot be replayed."""


class CheckResultError(TypeError):
    """A statement's check returned something other than :class:`~theorems.registry.Evidence`."""


def run_check(stmt: Statement, example) -> Evidence:
    """``stmt.check(example)``, insisting on an :class:`Evidence` (a check that returns a bool
    would otherwise fail later with an unrelated ``AttributeError``)."""
    ev = stmt.check(example)
    if not isinstance(ev, Evidence):
        name = getattr(stmt.check, "__qualname__", repr(stmt.check))
        raise CheckResultError(
            f"{stmt.kind} {stmt.id!r}: its check {name}() returned {type(ev).__name__} {ev!r:.60}, "
            f"not theorems.Evidence; return Evidence(holds=..., witness=..., bound=..., "
            f"relation=..., summary=...)")
    return ev


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
        ev = run_check(stmt, ex)
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
        ev = run_check(stmt, ex)
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
