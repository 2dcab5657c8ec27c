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
from theorems.catalogue import all_statements
from theorems.cli import main
from theorems.registry import REGISTRY
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


# -- edges: one line on stderr, non-zero exit, before any long work --------------------------------


def test_report_out_onto_an_existing_file(recorded, tmp_path):
    f = tmp_path / "taken"
    f.write_text("mine")
    err = one_line_error(run("-m", "theorems", "report", "--from", str(recorded), "--out", str(f)))
    assert err == f"python -m theorems report: error: --out {f} is an existing file, not a folder"
    assert f.read_text() == "mine"


def test_report_out_unwritable(recorded, tmp_path):
    (tmp_path / "file").write_text("")
    out = tmp_path / "file" / "sub"
    err = one_line_error(run("-m", "theorems", "report", "--from", str(recorded), "--out", str(out)))
    assert err.startswith(f"python -m theorems report: error: cannot write to --out {out}: ")


def _corrupt_mnist(tmp_path):
    from tests.sim.test_sim_idx import _mnist_dir

    d = tmp_path / "mnist"
    d.mkdir()
    _mnist_dir(d, gz=True)
    f = d / "train-images-idx3-ubyte.gz"
    f.write_bytes(f.read_bytes()[:-12])
    return d, f


def _bad_labels_mnist(tmp_path):
    from tests.sim.test_sim_idx import _mnist_dir, idx_bytes, write

    import numpy as np

    d = tmp_path / "mnist"
    d.mkdir()
    _mnist_dir(d, gz=False)
    write(d / "train-labels-idx1-ubyte", idx_bytes(np.array([1, 2, 3, 4, 5, 6, 10], dtype=np.uint8)))
    return d, d / "train-labels-idx1-ubyte"


@pytest.mark.parametrize("case", ["out-under-a-file", "out-is-a-file", "sigma0", "sigma0-nan", "cuda",
                                  "mnist-missing", "mnist-truncated", "mnist-labels", "runs"])
def test_experiments_refuse_bad_arguments_before_running(case, tmp_path):
    (tmp_path / "file").write_text("")
    study, extra, expect = "init-scale", [], None
    out = tmp_path / "out"
    if case == "out-under-a-file":
        out = tmp_path / "file" / "reports"
        expect = f"cannot write to --out {out}: "
    elif case == "out-is-a-file":
        out = tmp_path / "file"
        expect = f"--out {out} is an existing file, not a folder"
    elif case == "sigma0":
        study, extra, expect = "figure1", ["--sigma0", "-1"], "--sigma0 must be a number > 0; got -1"
    elif case == "sigma0-nan":
        study, extra, expect = "figure1", ["--sigma0", "nan"], "--sigma0 must be a number > 0; got nan"
    elif case == "cuda":
        import torch

        if torch.cuda.is_available():
            pytest.skip("a CUDA device is present")
        extra, expect = ["--device", "cuda"], "--device cuda: torch sees no CUDA device"
    elif case == "mnist-missing":
        extra, expect = ["--mnist", str(tmp_path / "nope")], f"no such MNIST folder: {tmp_path / 'nope'}"
    elif case == "mnist-truncated":
        d, f = _corrupt_mnist(tmp_path)
        extra, expect = ["--mnist", str(d)], f"{f}: corrupt or truncated gzip file"
    elif case == "mnist-labels":
        d, f = _bad_labels_mnist(tmp_path)
        extra, expect = ["--mnist", str(d)], f"{f}: labels must be digits 0-9; found 1 outside, e.g. 10"
    elif case == "runs":
        extra, expect = ["--runs", "0"], "--runs must be >= 1; got 0"
    proc = run("-m", "theorems.experiments", study, "--quick", "--quiet", "--out", str(out), *extra,
               timeout=120)
    err = one_line_error(proc)
    assert proc.returncode == 2
    assert err.startswith("python -m theorems.experiments: error: ") and expect in err, err
    assert not (out / "experiments" / "figure1").exists()  # nothing ran
    assert not list(out.glob("experiments/*/study.json")) if out.is_dir() else True


def test_experiments_parser_errors_are_one_line():
    err = one_line_error(run("-m", "theorems.experiments", "figure6"))
    assert err.startswith("python -m theorems.experiments: error: argument study: invalid choice")


def test_list_into_a_closed_pipe_is_quiet():
    """``python -m theorems list | head``: the reader goes away; no BrokenPipeError traceback."""
    p = subprocess.Popen([sys.executable, "-m", "theorems", "list"], cwd=ROOT, env=child_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # the reader is gone before the first line is written
    err = p.stderr.read().decode()
    p.stderr.close()
    assert p.wait(timeout=120) == 141
    assert err == ""


def test_list_through_head_in_a_shell():
    proc = subprocess.run(f"{sys.executable} -m theorems list | head -n 1", shell=True, cwd=ROOT,
                          env=child_env(), capture_output=True, text=True, timeout=120)
    assert proc.stdout.count("\n") == 1 and "Traceback" not in proc.stderr and proc.stderr == ""


DUPLICATE = """
from hypothesis import strategies as st
from theorems import Evidence, conjecture

@conjecture("Q.3", text="a conjecture whose id the paper's Q.3 already has", strategy=st.floats(0, 1))
def {name}(x):
    return Evidence(holds=True, witness=x, bound=1.0, relation="<=", summary="x")
"""


@pytest.mark.parametrize("name", ["test_mine", "relu_pattern_freezes"])  # the second: same name as the paper's
def test_list_file_with_a_duplicate_id(tmp_path, name):
    f = tmp_path / "test_dup.py"
    f.write_text(DUPLICATE.format(name=name))
    err = one_line_error(run("-m", "theorems", "list", "--file", str(f)))
    assert err.startswith(f"python -m theorems list: error: cannot import {f}: ValueError: statement id 'Q.3' "
                          f"is already registered by theorems.statements.conjectures.relu_pattern_freezes")


RETURNS_BOOL = """
from hypothesis import strategies as st
from theorems import conjecture

@conjecture("my.bool", text="x <= 1, written as a bare comparison", strategy=st.floats(0, 1))
def test_returns_bool(x):
    return x <= 1
"""


def test_conjecture_returning_a_bool_is_named(tmp_path):
    from theorems.runner import CheckResultError

    f = tmp_path / "test_bool.py"
    f.write_text(RETURNS_BOOL)
    proc = run("-m", "theorems", "check", "my.bool", "--file", str(f), "-q")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("python -m theorems check: error: conjecture 'my.bool': its check "
                           "test_returns_bool() returned bool True, not theorems.Evidence")
    # under pytest: the test errors with the same message (not an AttributeError deep inside)
    proc = run("-m", "pytest", str(f), "-p", "no:cacheprovider", "--theorems-no-report", "-q",
               "-p", "no:randomly", cwd=tmp_path)
    assert proc.returncode == 1 and "1 failed" in proc.stdout
    assert f"{CheckResultError.__name__}: conjecture 'my.bool'" in proc.stdout


def test_conjecture_docstring_example_is_collected_and_runs(tmp_path):
    """The example in theorems.conjectures' docstring, pasted into a test file, is a test."""
    import textwrap

    import theorems.conjectures

    doc = theorems.conjectures.__doc__
    lines = doc.splitlines()[1:]
    end = next(i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("    "))
    code = textwrap.dedent("\n".join(lines[:end]))  # the indented example
    assert "@conjecture(" in code and "def test_" in code
    (tmp_path / "test_doc_example.py").write_text(code)
    proc = run("-m", "pytest", "test_doc_example.py", "-p", "no:cacheprovider", "--theorems-no-report",
               "-q", cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "1 passed" in proc.stdout or "1 xfailed" in proc.stdout


def test_replay_when_the_check_now_raises(tmp_path, capsys, monkeypatch):
    """A check that raises on the stored example is reported in one line, exit 1 (no traceback)."""
    from hypothesis import strategies as st

    from theorems.registry import Evidence, Statement, register

    state = {"raise": False}

    def check(x):
        if state["raise"]:
            raise RuntimeError("boom on x")
        return Evidence(holds=x <= 0.5, witness=x, bound=0.5, relation="<=", summary=f"x = {x}")

    before = dict(REGISTRY)
    try:
        stmt = register(Statement(id="T.raises", kind="lemma", title="t", text="x <= 0.5", check=check,
                                  strategy=st.floats(0, 1)))
        rec = Recorder("tests/t.py::test[T.raises]")
        monkeypatch.chdir(tmp_path)  # Hypothesis's example database goes here
        with pytest.raises(AssertionError):
            check_statement(stmt, rec)
        report.write_report(tmp_path, report.build_results([rec.to_json()], {}, {}, {}, []))
        state["raise"] = True
        code, out, err = replay("T.raises", tmp_path / "results.json", capsys)
    finally:
        REGISTRY.clear()
        REGISTRY.update(before)
    assert code == 1, (out, err)
    assert out.strip().splitlines()[-1] == \
        "T.raises: the check raises on the stored counterexample: RuntimeError: boom on x"
