"""``python -m theorems replay`` on the paper's own statements, and the command line's edges.

Replay: records of Lemma 5.3 as printed (an erratum), conjecture Q.3 (refuted: xfail in a run),
Lemma H.1 (holds) and its control ``increment_too_large`` are made in this process with the
suite's runner, written as a ``results.json``, and replayed from it.

Edges: each bad input gives one line on stderr (no traceback) and a non-zero exit, before any
long work starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _pytest.outcomes import OutcomeException
from hypothesis import settings

from theorems import profiles, report
from theorems.cli import main
from theorems.registry import REGISTRY, all_statements
from theorems.runner import Recorder, check_control, check_statement

ROOT = Path(__file__).resolve().parents[1]


def child_env() -> dict:
    """The environment for a child ``python``: this checkout first on the path (an editable
    install may point at another one), no inherited pytest/theorems variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "THEOREMS_", "COV_CORE"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run(*argv: str, cwd=None, timeout=300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], cwd=cwd or ROOT, env=child_env(), capture_output=True,
                          text=True, timeout=timeout, **kw)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """The single stderr line of a refused command (asserting there is exactly one, no traceback)."""
    err = proc.stderr.strip()
    assert proc.returncode not in (0, None), (proc.returncode, proc.stdout[-2000:], err[-2000:])
    assert "Traceback" not in err, err[-3000:]
    assert len(err.splitlines()) == 1, err[-3000:]
    return err


# -- replay ---------------------------------------------------------------------------------------

RECORDED = [  # node id, statement, control, pytest outcome
    ("tests/test_statements.py::test_statement[5.3]", "5.3", None, "passed"),
    ("tests/test_conjectures.py::test_relu_pattern_freezes", "Q.3", None, "xfailed"),
    ("tests/test_statements.py::test_statement[H.1]", "H.1", None, "passed"),
    ("tests/test_controls.py::test_control[H.1/increment_too_large]", "H.1", "increment_too_large", "passed"),
]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A results.json with real records of 5.3, Q.3, H.1 and a control of H.1 (a few seconds)."""
    all_statements()
    before = profiles.current_profile()
    settings.register_profile("cli-replay-test", parent=settings.get_profile("ci"), database=None,
                              derandomize=True)
    settings.load_profile("cli-replay-test")
    recs, tests = [], {}
    try:
        for nodeid, sid, control, outcome in RECORDED:
            rec = Recorder(nodeid)
            try:
                if control is None:
                    check_statement(REGISTRY[sid], rec)
                else:
                    check_control(REGISTRY[sid], control, rec)
            except OutcomeException:  # Q.3 refuted: pytest.xfail
                pass
            recs.append(rec.to_json())
            tests[nodeid] = {"outcome": outcome}
    finally:
        settings.load_profile(before)
    d = tmp_path_factory.mktemp("replay")
    env = {"profile": "ci", "horizon_scale": 1, "rootdir": str(ROOT)}
    report.write_report(d, report.build_results(recs, tests, env, {}, []))
    return d / "results.json"


def replay(ident, path, capsys):
    try:
        code = main(["replay", ident, "--from", str(path)])
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("ident,expect", [
    ("5.3", "the statement as printed is false (erratum)"),
    ("Q.3", "the conjecture is refuted"),
    ("H.1/increment_too_large", "the check fails where a hypothesis is broken, as the control expects"),
])
def test_replay_shows_the_counterexample_and_fails(recorded, ident, expect, capsys):
    code, out, err = replay(ident, recorded, capsys)
    assert code == 1, (out, err)
    assert "replayed counterexample:" in out and "input: " in out and "✗" in out
    assert f"{ident}: counterexample reproduces: {expect}" in out
    # the replayed example is the recorded one: same evidence as in results.json
    rec = [r for s in report.read_results(recorded)["statements"] for r in s["records"]
           if f"{r['statement']}{'/' + r['control'] if r['control'] else ''}" == ident][0]
    assert rec["counterexample"]["summary"] in out
    assert rec["counterexample_input"].splitlines()[0] in out


def test_replay_of_a_statement_that_holds_says_so(recorded, capsys):
    code, out, err = replay("H.1", recorded, capsys)
    assert code == 0, (out, err)
    assert "replayed worst example:" in out and "✓" in out
    assert "H.1: holds: no counterexample in the recorded run" in out


def test_replay_unknown_id_is_one_line(recorded):
    proc = run("-m", "theorems", "replay", "Z.9", "--from", str(recorded))
    assert proc.returncode == 2
    assert one_line_error(proc).endswith(f"no recorded test for 'Z.9' in {recorded}; try: python -m theorems list")


def test_replay_of_a_conjecture_in_a_subprocess(recorded):
    proc = run("-m", "theorems", "replay", "Q.3", "--from", str(recorded))
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Q.3: counterexample reproduces" in proc.stdout and "witness vs bound: " in proc.stdout
