"""Power: which named simulator faults (:mod:`sim.faults`) a statement's check catches.

For one statement: draw a few examples from its own strategy (derandomised, so every run tries the
same ones), keep those on which the check holds on the exact model (the baseline), and run the
same check on each of them inside ``sim.faults.inject(fault)``. A fault is

- ``caught`` when the check fails (or raises) on some example under the fault;
- ``not caught`` when it holds on every example although the fault reached its simulations;
- ``not reached`` when the check ran no simulation the fault could change (a statement about an
  initialisation or an inequality between numbers: no simulator fault can make it fail);
- ``excused`` when the statement's own hypotheses make the fault a no-op (``sigma'(z < 0)`` on a
  ReLU statement, where ``gamma = 0``).

Power is ``caught / tried`` (tried = not excused). A statement with ``caught = 0`` is *unable to
fail* on these faults: a finding the report flags, never hidden.

Tightness is read from the statement test's own worst evidence (:func:`theorems.report.results.tightness`).
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from . import profiles
from .registry import Statement
from .runner import Recorder, run_check

DEFAULT_EXAMPLES = 4  # examples per statement in the default run (derandomised); $THEOREMS_POWER_EXAMPLES
# Limit and rate statements are drawn with their base horizons here, not the 10x longer ones of their
# statement tests (profiles.LIMIT_HORIZON_SCALE): the faults that are not gradient descent on any
# problem (no exact equivalent) run on the per-step kernel, where 10x horizons cost several minutes
# per statement (F.2's three parts took 4-7 minutes each); the check itself is unchanged.
POWER_LIMIT_HORIZON_SCALE = 1


def examples_per_statement() -> int:
    try:
        return max(1, int(os.environ.get("THEOREMS_POWER_EXAMPLES", DEFAULT_EXAMPLES)))
    except ValueError:
        return DEFAULT_EXAMPLES


def draw_examples(stmt: Statement, k: int, purpose: str = "power") -> list:
    """``k`` examples from the statement's strategy at its base horizon, the same ones on every run
    (derandomised; ``purpose`` seeds the draw, so different users get different examples)."""
    out: list = []

    @given(data=st.data())
    def collect(data):
        if len(out) < k:
            out.append(data.draw(stmt.strategy, label="example"))

    collect.hypothesis.inner_test._hypothesis_internal_add_digest = f"{purpose}:{stmt.id}".encode()
    with profiles.limit_horizons(POWER_LIMIT_HORIZON_SCALE):
        settings(derandomize=True, database=None, max_examples=k, deadline=None, phases=[Phase.generate],
                 suppress_health_check=list(HealthCheck))(collect)()
    return out


def excuse(stmt: Statement, fault) -> str | None:
    """Why the statement's hypotheses excuse ``fault`` (``None``: they do not)."""
    if fault.needs_leaky and "relu" in stmt.markers:
        return "ReLU statement (gamma = 0): sigma'(z < 0) = 0, so the fault changes nothing"
    return None


def measure(stmt: Statement, k: int | None = None, fault_names=None) -> dict:
    """The power of ``stmt``'s check over the faults (default: all of :data:`sim.faults.FAULTS`)."""
    from sim import faults

    k = examples_per_statement() if k is None else k
    names = sorted(faults.FAULTS) if fault_names is None else list(fault_names)
    t0 = time.perf_counter()
    examples = draw_examples(stmt, k)
    baseline = []
    for ex in examples:
        try:
            baseline.append(run_check(stmt, ex).holds)
        except Exception:
            baseline.append(False)
    usable = [ex for ex, ok in zip(examples, baseline) if ok]
    rows = []
    for name in names:
        fault = faults.FAULTS[name]
        why = excuse(stmt, fault)
        row = {"fault": name, "description": fault.description, "equivalent": fault.equivalent}
        if why:
            rows.append({**row, "result": "excused", "reason": why})
            continue
        result, detail, reached, ran = "not caught", None, 0, 0
        for ex in usable:
            ran += 1
            with faults.inject(name) as f:
                try:
                    ev = run_check(stmt, ex)
                    err = None
                except Exception as e:  # a check that crashes on a faulty simulator fails loudly
                    ev, err = None, f"{type(e).__name__}: {e}"[:300]
            reached += len(f.calls)
            if err is not None:
                result, detail = "caught", {"error": err}
                break
            if not ev.holds:
                result = "caught"
                detail = {"witness": ev.witness, "bound": ev.bound, "relation": ev.relation,
                          "summary": ev.summary[:400]}
                break
            detail = {"witness": ev.witness, "bound": ev.bound, "relation": ev.relation,
                      "summary": ev.summary[:400]}
        if result == "not caught" and reached == 0:
            result = "not reached"
        rows.append({**row, "result": result, "examples": ran, "simulations": reached, "evidence": detail})
    tried = [r for r in rows if r["result"] != "excused"]
    caught = [r["fault"] for r in tried if r["result"] == "caught"]
    return {"faults": rows, "tried": len(tried), "caught": len(caught), "caught_list": caught,
            "not_caught": [r["fault"] for r in tried if r["result"] != "caught"],
            "excused": [r["fault"] for r in rows if r["result"] == "excused"],
            "examples": len(examples), "baseline_holds": len(usable),
            "unable_to_fail": bool(tried) and not caught, "elapsed": time.perf_counter() - t0}


def check_power(stmt: Statement, recorder: Recorder) -> None:
    """Measure which named simulator faults ``stmt``'s check catches (:mod:`theorems.power`) and
    record it (role ``power``). A statement whose check catches none of the faults it was tried on
    is *unable to fail*: the test is marked xfail with that finding (the report flags it)."""
    recorder.begin(stmt, "power")
    res = measure(stmt)
    recorder.power = res
    recorder.examples = res["examples"]
    recorder.verdict = f"caught {res['caught']}/{res['tried']}"
    if "erratum" in stmt.markers:  # expected refuted on the exact model: power says nothing (report: n/a)
        recorder.verdict = f"n/a (erratum): caught {res['caught']}/{res['tried']}"
        return
    if res["baseline_holds"] == 0:
        recorder.verdict = "unmeasured"
        pytest.xfail(f"{stmt.id}: its check holds on none of the {res['examples']} power examples on the "
                     f"exact model, so no fault can be measured against it")
    if res["unable_to_fail"]:
        pytest.xfail(f"{stmt.id} is unable to fail: its check caught none of the {res['tried']} simulator "
                     f"faults tried ({', '.join(f['fault'] + ': ' + f['result'] for f in res['faults'])})")


def power_params(statements):
    """``pytest.param`` per statement for the power tests, marked ``power`` and with the statement's
    family markers (leaky, relu, ...), not ``statement`` (so ``-m statement`` keeps selecting only
    the statement tests)."""
    return [pytest.param(s, id=s.id, marks=[pytest.mark.power] + [getattr(pytest.mark, m) for m in s.markers
                                                                  if m not in ("statement", "erratum")])
            for s in statements]
