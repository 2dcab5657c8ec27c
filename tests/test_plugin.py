"""The pytest plugin end to end: a tiny throwaway suite (cheap float strategies, no simulation) is
run in a fresh pytest process with and without xdist, and the reports are compared.

The tiny suite registers its statements only inside those child processes, so nothing leaks into
this process's registry (or into the real report).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

TINY_CONFTEST = '''
from hypothesis import settings
settings.register_profile("tiny", max_examples=12, database=None, deadline=None)
'''

TINY_SUITE = '''
import pytest
from hypothesis import strategies as st

from theorems import Evidence, conjecture, statement
from theorems.registry import REGISTRY
from theorems.runner import check_control, check_statement, control_params, statement_params


def at_most(x, bound):
    return Evidence(holds=x <= bound, witness=x, bound=bound, relation="<=",
                    summary=f"x = {x!r} against {bound}", details={"x": x})


@statement("tiny.L1", kind="lemma", title="bounded on the unit interval",
           text="x <= 1 for x in [0, 1].", strategy=st.floats(0, 1),
           hypotheses=["x in [0, 1]"],
           controls={"wide": st.floats(0, 10), "narrow": st.floats(0, 0.5)})
def unit_bound(x):
    return at_most(x, 1.0)


@statement("tiny.bad", kind="lemma", title="a false lemma", text="x <= 0.5 for x in [0, 1].",
           strategy=st.floats(0, 1))
def half_bound(x):
    return at_most(x, 0.5)


@statement("tiny 5.3 (as printed)", kind="lemma", title="printed wrongly",
           text="x <= -x for x >= 0.", strategy=st.floats(0, 1), markers=("erratum",))
def printed(x):
    return Evidence(holds=x <= -x, witness=x, bound=-x, relation="<=", summary=f"x = {x!r}")


TINY = [REGISTRY[i] for i in ("tiny.L1", "tiny.bad", "tiny 5.3 (as printed)")]


@pytest.mark.parametrize("stmt", statement_params(statements=TINY))
def test_statement(stmt, theorems_recorder):
    check_statement(stmt, theorems_recorder)


@pytest.mark.parametrize("stmt,control", control_params(statements=TINY))
def test_control(stmt, control, theorems_recorder):
    check_control(stmt, control, theorems_recorder)


@conjecture("tiny.square", text="x^2 >= 0 for real x.", strategy=st.floats(-10, 10))
def test_square_nonneg(x):
    return Evidence(holds=x * x >= 0, witness=x * x, bound=0.0, relation=">=", summary=f"x = {x!r}",
                    series=[{"title": "parabola", "xlabel": "t", "ylabel": "t^2", "logx": True,
                             "logy": True, "lines": [{"label": "t^2", "x": [1, 2, 3, 4],
                                                      "y": [1, 4, 9, 16]}]}])


@conjecture("tiny.small", text="x <= 5 for x in [0, 10].", strategy=st.floats(0, 10))
def test_small(x):
    return at_most(x, 5.0)


def test_plain():
    assert True
'''


def clean_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "THEOREMS_", "COV_CORE"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # this checkout first: the child runs in a temporary folder, where an editable install
    # (which may point at another checkout) would otherwise supply theorems
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1])] +
                                        [p for p in [os.environ.get("PYTHONPATH")] if p])
    return env


def make_suite(path: Path, suite: str = TINY_SUITE) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "pytest.ini").write_text("[pytest]\n")
    (path / "conftest.py").write_text(TINY_CONFTEST)
    (path / "test_tiny.py").write_text(textwrap.dedent(suite))
    return path


def run_pytest(cwd: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--hypothesis-profile=tiny",
           "--hypothesis-seed=1", *args]
    return subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout)


def load(report_dir: Path) -> dict:
    return json.loads((report_dir / "results.json").read_text())


def by_id(results: dict) -> dict:
    return {s["id"]: s for s in results["statements"]}


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """The tiny suite run once with ``-n 0`` and once with ``-n 2``."""
    root = make_suite(tmp_path_factory.mktemp("tiny"))
    out = {}
    for n in ("0", "2"):
        proc = run_pytest(root, "-n", n, f"--theorems-report-dir=report{n}", "-q")
        out[n] = (proc, root / f"report{n}")
    return root, out


TINY_IDS = ["tiny.L1", "tiny.bad", "tiny 5.3 (as printed)", "tiny.square", "tiny.small"]


def test_report_written_and_verdicts(tiny_runs):
    _, runs = tiny_runs
    proc, d = runs["0"]
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # tiny.bad and a control fail
    assert "theorems report" in proc.stdout and "index.html" in proc.stdout
    s = by_id(load(d))
    assert s["tiny.L1"]["verdict"]["status"] == "holds"
    assert "control: none found" in s["tiny.L1"]["verdict"]["label"]  # 'narrow' cannot fail
    ctl = {r["control"]: r for r in s["tiny.L1"]["records"] if r["role"] == "control"}
    assert ctl["wide"]["verdict"] == "counterexample found" and ctl["wide"]["outcome"] == "passed"
    assert ctl["narrow"]["verdict"] == "no counterexample" and ctl["narrow"]["outcome"] == "failed"
    assert s["tiny.bad"]["verdict"]["status"] == "fails"
    assert s["tiny 5.3 (as printed)"]["erratum"]
    assert s["tiny 5.3 (as printed)"]["verdict"]["status"] == "refuted"
    assert s["tiny.square"]["verdict"]["status"] == "holds"
    assert s["tiny.small"]["verdict"]["status"] == "refuted"
    (small,) = s["tiny.small"]["records"]
    assert small["outcome"] == "xfailed" and small["counterexample"]["holds"] is False
    res = load(d)
    assert res["tests"]["test_tiny.py::test_plain"]["outcome"] == "passed"
    assert res["environment"]["profile"] == "tiny" and res["environment"]["seed"] == "1"


def test_xdist_and_serial_reports_agree(tiny_runs):
    _, runs = tiny_runs
    a, b = load(runs["0"][1]), load(runs["2"][1])
    assert runs["2"][0].returncode == runs["0"][0].returncode
    assert b["environment"]["workers"] == 2 and a["environment"]["workers"] == 0

    # Example counts of checks that found a counterexample include shrinking, which may take a
    # different number of steps in another process (Hypothesis mixes constants from the loaded
    # modules into its draws); checks that found none run exactly the profile's examples. The verdicts, outcomes and the
    # shrunk counterexample must agree exactly.
    def facts(res):
        out = {}
        for s in res["statements"]:
            if s["id"] not in TINY_IDS:
                continue
            out[s["id"]] = (s["verdict"]["status"], s["verdict"]["label"], sorted(
                (r["nodeid"], r["role"], r["verdict"], r["outcome"],
                 r["examples"] if r["counterexample"] is None else r["examples"] > 0,
                 (r["counterexample"] or {}).get("witness"))
                for r in s["records"]))
        return out

    fa, fb = facts(a), facts(b)
    assert set(fa) == set(TINY_IDS)
    assert fa == fb


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.ids, self.stack = [], set(), []

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if "id" in d:
            self.ids.add(d["id"])
        if tag in ("script", "link") or (tag == "img" and not str(d.get("src", "")).startswith("data:")):
            raise AssertionError(f"external resource in report: <{tag} {attrs}>")

    def handle_data(self, data):
        self.text.append(data)


def parse_html(path: Path) -> _Collect:
    p = _Collect()
    p.feed(path.read_text())
    p.close()
    return p


def test_html_has_every_statement_and_the_counterexample(tiny_runs):
    _, runs = tiny_runs
    for n in ("0", "2"):
        d = runs[n][1]
        page = parse_html(d / "index.html")
        text = "\n".join(page.text)
        res = load(d)
        for s in res["statements"]:  # every statement, including registered ones not run
            assert s["id"] in text
        bad = by_id(res)["tiny.bad"]["records"][0]
        assert bad["counterexample"]["summary"] in text          # the minimal counterexample
        assert "python -m theorems replay 'tiny.bad'" in text    # and how to replay it
        assert "refuted (erratum confirmed)" in text             # the erratum, in its section
        assert "Errata" in text and "<svg" in (d / "index.html").read_text()


def test_json_round_trips_through_the_cli(tiny_runs, tmp_path, capsys):
    from theorems.cli import main

    root, runs = tiny_runs
    d = runs["0"][1]
    assert main(["report", "--from", str(d / "results.json"), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "index.html")
    assert json.loads((tmp_path / "results.json").read_text()) == load(d)
    assert (tmp_path / "index.html").read_text() == (d / "index.html").read_text()


def test_replay_reruns_the_recorded_test(tiny_runs):
    root, runs = tiny_runs
    d = runs["0"][1]
    before = (d / "results.json").read_bytes()
    proc = subprocess.run([sys.executable, "-m", "theorems", "replay", "tiny.bad", "--from",
                           str(d / "results.json"), "--", "-q"], cwd=root, capture_output=True,
                          text=True, env=clean_env(), timeout=120)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "test_tiny.py::test_statement[tiny.bad]" in proc.stderr   # the command it ran
    assert "1 failed" in proc.stdout
    assert (d / "results.json").read_bytes() == before               # replay leaves the report alone


@pytest.mark.parametrize("ident,code,says", [
    ("tiny.small", 1, "tiny.small: counterexample reproduces: the conjecture is refuted"),
    ("tiny 5.3 (as printed)", 1, "counterexample reproduces: the statement as printed is false"),
    ("tiny.L1", 0, "tiny.L1: holds"),
])
def test_replay_in_process_from_the_test_file(tiny_runs, ident, code, says):
    """Statements registered by a test file are found through the record's node id."""
    root, runs = tiny_runs
    proc = subprocess.run([sys.executable, "-m", "theorems", "replay", ident, "--from",
                           str(runs["0"][1] / "results.json")], cwd=root, capture_output=True,
                          text=True, env=clean_env(), timeout=120)
    assert proc.returncode == code, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert says in proc.stdout and "witness vs bound: " in proc.stdout and "input: " in proc.stdout


def test_no_records_leaves_the_previous_report(tmp_path):
    root = make_suite(tmp_path, "def test_plain():\n    assert True\n")
    d = root / "report"
    d.mkdir()
    (d / "results.json").write_text("OLD")
    (d / "index.html").write_text("OLD")
    proc = run_pytest(root, "-n", "0", "--theorems-report-dir=report")
    assert proc.returncode == 0, proc.stdout
    assert (d / "results.json").read_text() == "OLD" and (d / "index.html").read_text() == "OLD"


INTERRUPTED = TINY_SUITE + '''

def test_zz_interrupt():
    raise KeyboardInterrupt
'''


def test_interrupted_run_leaves_the_previous_report(tmp_path):
    root = make_suite(tmp_path, INTERRUPTED)
    d = root / "report"
    d.mkdir()
    (d / "results.json").write_text("OLD")
    (d / "index.html").write_text("OLD")
    proc = run_pytest(root, "-n", "0", "--theorems-report-dir=report", "-k", "square or interrupt")
    assert proc.returncode == 2, proc.stdout[-2000:]
    assert "report not written: run interrupted" in proc.stdout
    assert (d / "results.json").read_text() == "OLD" and (d / "index.html").read_text() == "OLD"
    proc = run_pytest(root, "-n", "0", "--theorems-report-dir=report", "-k", "square",
                      "--theorems-no-report")
    assert proc.returncode == 0
    assert (d / "results.json").read_text() == "OLD"
    assert not [p for p in d.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_a_partial_run_merges_into_the_report(tmp_path):
    """Reports accumulate: after a full run, ``-k`` updates what it ran and keeps every other
    statement's last result, marked with when and on which code it was obtained; stale once the
    code changed; ``--theorems-fresh-report`` starts afresh; ``report --from`` still rebuilds it."""
    from theorems.cli import main

    root = make_suite(tmp_path / "suite")
    d = root / "report"
    assert run_pytest(root, "-n", "0", "--theorems-report-dir=report").returncode == 1  # tiny.bad fails
    full = by_id(load(d))
    assert set(TINY_IDS) <= set(full) and not any(s["carried"] for s in full.values())

    proc = run_pytest(root, "-n", "0", "--theorems-report-dir=report", "-k", "square")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "keep results of earlier runs" in proc.stdout
    merged = load(d)
    after = by_id(merged)
    for sid in TINY_IDS:  # every statement still reported, with its verdict
        assert after[sid]["verdict"]["status"] == full[sid]["verdict"]["status"], sid
    assert not after["tiny.square"]["carried"]
    for sid in set(TINY_IDS) - {"tiny.square"}:
        s = after[sid]
        assert s["carried"] and not s["stale"], sid
        assert s["obtained"]["date"] == full[sid]["records"][0]["obtained"]["date"]
        assert s["records"] == [dict(r, carried=True) for r in full[sid]["records"]]
    assert len(after["tiny.L1"]["records"]) == 3  # the statement test and both controls
    assert merged["summary"]["carried"] == len(TINY_IDS) - 1 and merged["summary"]["this_run"] == 1
    html = (d / "index.html").read_text()
    assert "Kept from an earlier run" in html and "this run" in html

    # the code changes: what is kept is flagged stale
    merged["environment"]["source_hash"] = "0ld50urce000"
    for s in merged["statements"]:
        for r in s["records"]:
            r["obtained"]["source_hash"] = "0ld50urce000"
    (d / "results.json").write_text(json.dumps(merged))
    assert run_pytest(root, "-n", "0", "--theorems-report-dir=report", "-k", "square").returncode == 0
    after = by_id(load(d))
    assert not after["tiny.square"]["stale"]
    assert all(after[sid]["stale"] for sid in set(TINY_IDS) - {"tiny.square"})
    assert load(d)["summary"]["stale"] == len(TINY_IDS) - 1
    assert "stale" in (d / "index.html").read_text()

    # the command line rebuilds the merged report as it is
    assert main(["report", "--from", str(d / "results.json"), "--out", str(tmp_path / "again")]) == 0
    assert json.loads((tmp_path / "again" / "results.json").read_text()) == load(d)

    # a fresh report keeps only what ran
    assert run_pytest(root, "-n", "0", "--theorems-report-dir=report", "-k", "square",
                      "--theorems-fresh-report").returncode == 0
    fresh = by_id(load(d))
    assert fresh["tiny.square"]["verdict"]["status"] == "holds"
    assert all(fresh[sid]["verdict"]["status"] == "not run" for sid in ("tiny.L1", "tiny.bad", "tiny.small"))


def test_an_unreadable_previous_report_is_replaced(tmp_path):
    root = make_suite(tmp_path / "suite")
    d = root / "report"
    d.mkdir()
    (d / "results.json").write_text("{not json")
    proc = run_pytest(root, "-n", "0", "--theorems-report-dir=report", "-k", "square")
    assert proc.returncode == 0 and "not merged (unreadable" in proc.stdout
    assert by_id(load(d))["tiny.square"]["verdict"]["status"] == "holds"
