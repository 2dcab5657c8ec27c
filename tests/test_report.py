"""The report (theorems.report) and the command line (theorems.cli), in this process, on throwaway
statements with cheap float strategies. Statements made here are removed from the registry again,
and the Hypothesis profile the command line loads is put back."""

from __future__ import annotations

import json
import math
import os
from html.parser import HTMLParser

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st

from theorems import profiles, report
from theorems.cli import main
from theorems.registry import REGISTRY, Evidence, Statement, register
from theorems.runner import Recorder

# -- throwaway statements -------------------------------------------------------------------------


def at_most(bound):
    def check(x):
        return Evidence(holds=x <= bound, witness=x, bound=bound, relation="<=",
                        summary=f"x = {x!r} <b>vs</b> {bound}", details={"x": np.float64(x), "n": np.int64(3)},
                        series=[{"title": "curve", "xlabel": "t", "ylabel": "y", "logx": True, "logy": True,
                                 "lines": [{"label": "y", "x": [0, 1, 10, 100], "y": [1.0, 2.0, -1, 3.0]},
                                           {"label": "ref", "x": [1, 100], "y": [1, 1], "style": "--"}]}])
    check.__qualname__ = f"at_most_{bound}"
    return check


def horizon_probe(x):
    h = profiles.horizon_scale()
    return Evidence(holds=True, witness=float(h), bound=None, relation="==", summary=f"scale {h}",
                    details={"horizon_scale": h})


def make(sid, bound=1.0, kind="lemma", controls=None, markers=(), check=None, text="x <= 1 <script>"):
    return Statement(id=sid, kind=kind, title=f"title of {sid}", text=text,
                     check=check or at_most(bound), strategy=st.floats(0, 1),
                     hypotheses=("x in [0, 1]",), controls=controls or {}, markers=tuple(markers))


@pytest.fixture
def registry():
    """Register throwaway statements for the test; removed afterwards."""
    before = dict(REGISTRY)
    yield register
    REGISTRY.clear()
    REGISTRY.update(before)


@pytest.fixture
def restore_profile():
    name = profiles.current_profile()
    yield
    settings.load_profile(name)


def record(stmt, role="statement", control=None, evs=(), verdict=None, outcome="passed", nodeid=None):
    rec = Recorder(nodeid or f"tests/t.py::test[{stmt.id}{'/' + control if control else ''}]")
    rec.begin(stmt, role, control)
    for ev, ex in evs:
        rec.observe(ev, ex)
    rec.verdict = verdict
    out = rec.to_json()
    out["outcome"] = outcome
    out["description"] = stmt.describe()
    if outcome in ("failed", "xfailed"):
        out["longrepr"] = "AssertionError: ... You can reproduce this example by temporarily adding " \
                          "@reproduce_failure('6.1', b'AAA=') as a decorator"
    return out


def sample_results(tmp_path=None):
    good = make("T.good", controls={"wide": st.floats(0, 10), "narrow": st.floats(0, 0.5)})
    bad = make("T.bad", bound=0.5)
    err = make("Lemma 5.3 (as printed)", bound=-1.0, markers=("erratum", "auxiliary"))
    conj = make("my.conj", kind="conjecture", markers=("conjecture",))
    idle = make("T.idle")
    g, b = good.check, bad.check
    recs = [
        record(good, evs=[(g(0.2), 0.2), (g(0.9), 0.9)], verdict="holds"),
        record(good, "control", "wide", evs=[(g(0.5), 0.5), (g(7.0), 7.0)], verdict="counterexample found"),
        record(good, "control", "narrow", evs=[(g(0.3), 0.3)], verdict="no counterexample", outcome="failed"),
        record(bad, evs=[(b(0.1), 0.1), (b(0.75), 0.75)], verdict="fails", outcome="failed"),
        record(err, evs=[(err.check(0.0), 0.0)], verdict="refuted (erratum)", outcome="passed"),
        record(conj, evs=[(conj.check(3.0), 3.0)], verdict="refuted", outcome="xfailed"),
    ]
    tests = {r["nodeid"]: {"outcome": r["outcome"], "longrepr": r.get("longrepr")} for r in recs}
    tests["tests/sim/test_x.py::test_broken"] = {"outcome": "failed", "longrepr": "boom <&>"}
    env = report.collect_environment(device="cpu", profile="ci", seed=None, workers=2,
                                     command="pytest -n 2", elapsed_s=1.5)
    descs = {s.id: s.describe() for s in (good, bad, err, idle)}
    exps = report.load_experiments(tmp_path) if tmp_path is not None else []
    return report.build_results(recs, tests, env, descs, ["T.good", "T.bad", "Lemma 5.3 (as printed)", "T.idle"],
                                exps)


class Page(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.tags, self.data, self.ids = [], [], set()
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        self.tags.append((tag, d))
        if "id" in d:
            assert d["id"] not in self.ids, d["id"]  # ids unique, inline SVGs included
            self.ids.add(d["id"])

    def handle_data(self, data):
        self.data.append(data)

    @property
    def text(self):
        return "\n".join(self.data)


# -- JSON ---------------------------------------------------------------------------------------


def test_jsonable_makes_strict_json():
    v = report.jsonable({"a": np.float64(1.5), "b": np.arange(3), "c": math.inf, "d": [math.nan, -math.inf],
                         1: (np.int64(2),), "e": object()})
    assert v["a"] == 1.5 and v["b"] == [0, 1, 2] and v["c"] == "inf" and v["d"] == ["nan", "-inf"]
    assert v["1"] == [2] and isinstance(v["e"], str)
    json.dumps(v, allow_nan=False)
    assert report.num("inf") == math.inf and report.num(None) is None and report.num("x") is None


@pytest.mark.parametrize("verdicts,erratum,status,css", [
    (["holds", "counterexample found"], False, "holds", "ok"),
    (["holds", "no counterexample"], False, "holds", "warn"),
    (["fails"], False, "fails", "bad"),
    (["refuted"], False, "refuted", "refuted"),
    (["fails"], True, "refuted", "refuted"),
    (["refuted (erratum)"], True, "refuted", "refuted"),
    (["erratum not reproduced"], True, "holds", "warn"),
    ([None], False, "error", "bad"),
    (["counterexample found"], False, "control: counterexample found", "ok"),
    (["no counterexample"], False, "control: none found", "warn"),
    ([], False, "not run", "muted"),
])
def test_combined_verdict(verdicts, erratum, status, css):
    recs = [{"role": "control" if v in ("counterexample found", "no counterexample") else "statement",
             "verdict": v, "control": "c", "outcome": "failed"} for v in verdicts]
    desc = {"id": "X", "markers": ["erratum"] if erratum else []}
    v = report.combine_verdict(recs, desc)
    assert (v["status"], v["css"]) == (status, css)


def test_results_facts():
    res = sample_results()
    s = {x["id"]: x for x in res["statements"]}
    assert [x["id"] for x in res["statements"]] == ["T.good", "T.bad", "Lemma 5.3 (as printed)", "T.idle",
                                                    "my.conj"]
    assert s["T.good"]["verdict"]["label"].startswith("holds; control: none found (narrow)")
    assert s["T.bad"]["verdict"]["status"] == "fails" and s["T.bad"]["examples"] == 2
    assert s["Lemma 5.3 (as printed)"]["erratum"] and s["Lemma 5.3 (as printed)"]["verdict"]["status"] == "refuted"
    assert s["my.conj"]["description"]["kind"] == "conjecture"  # from the record, not the registry
    assert s["T.idle"]["verdict"]["status"] == "not run"
    assert res["summary"]["errata_confirmed"] == 1 and res["summary"]["controls_found"] == 1
    assert json.loads(report.dumps(res)) == res


# -- HTML ---------------------------------------------------------------------------------------


def test_html_is_self_contained_and_complete(tmp_path):
    res = sample_results()
    page_text = report.render_html(res, tmp_path)
    page = Page(page_text)
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe"), (tag, attrs)
        for k in ("src", "href"):
            v = attrs.get(k)
            assert v is None or v.startswith(("#", "data:")), (tag, attrs)
    for s in res["statements"]:
        assert s["id"] in page.text
    t = page.text
    assert "x <= 1 <script>" in t                      # text escaped, shown verbatim
    assert "x = 0.75 <b>vs</b> 0.5" in t               # the counterexample of T.bad
    assert "0.75 ≤ 0.5 ✗" in t                         # witness against bound, with the relation
    assert "python -m theorems replay 'T.bad'" in t
    assert "@reproduce_failure('6.1', b'AAA=')" in t
    assert "refuted (erratum confirmed)" in t
    assert "boom <&>" in t                             # a failure outside the statements
    assert "<svg" in page_text and "curve" in t        # Evidence.series drawn inline


def test_errata_section_lists_the_printed_lemma():
    page = report.render_html(sample_results())
    errata = page[page.index("id='errata'"):page.index("id='statements'")]
    assert "Lemma 5.3 (as printed)" in errata and "counterexample" in errata and "T.bad" not in errata


def test_experiments_are_embedded(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    study = tmp_path / "experiments" / "sgd"
    study.mkdir(parents=True)
    fig = Figure(figsize=(1, 1))
    FigureCanvasAgg(fig)
    fig.add_subplot().plot([0, 1])
    fig.savefig(study / "a.png")
    (study / "a.csv").write_text("t,x\n1,2\n")
    (study / "study.json").write_text(json.dumps({
        "id": "sgd", "title": "SGD <vs> GD", "command": "python -m theorems.experiments.sgd",
        "settings": {"n": 10, "eta": 0.1}, "notes": "a note",
        "conditions": [{"name": "(B.2)", "holds": True, "factor": 3.5, "detail": "data"},
                       {"name": "(B.3)", "holds": False, "factor": 0.5, "detail": "step"}],
        "figures": ["a.png", "missing.png"], "csv": ["a.csv"], "elapsed_s": 2.0}))
    broken = tmp_path / "experiments" / "zz"
    broken.mkdir()
    (broken / "study.json").write_text("{not json")
    res = sample_results(tmp_path)
    page = report.render_html(res, tmp_path)
    text = Page(page).text
    assert "SGD <vs> GD" in text and "python -m theorems.experiments.sgd" in text and "(B.3)" in text
    assert "data:image/png;base64," in page and "missing.png missing" in text
    assert "href='experiments/sgd/a.csv'" in page
    assert "unreadable study.json" in text


def test_series_svg_skips_what_cannot_be_drawn():
    assert report.series_svg({"lines": []}) is None
    assert report.series_svg({"logy": True, "lines": [{"x": [1, 2], "y": [0, -1]}]}) is None
    svg = report.series_svg({"title": "t", "lines": [{"label": "a", "x": list(range(5000)),
                                                      "y": [math.sin(i) for i in range(5000)]}]})
    assert svg.startswith("<svg")
    # a malformed series is reported in the page, never raised
    res = sample_results()
    res["statements"][0]["records"][0]["worst"]["series"] = [{"lines": [{"x": "abc", "y": {"k": 1}}]}, 7]
    report.render_html(res)


# -- writing ------------------------------------------------------------------------------------


def test_write_is_atomic(tmp_path, monkeypatch):
    res = sample_results()
    paths = report.write_report(tmp_path, res)
    old_json, old_html = (tmp_path / "results.json").read_bytes(), (tmp_path / "index.html").read_bytes()
    assert json.loads(old_json) == res and paths["html"].endswith("index.html")
    res["summary"]["statements"] = 99

    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd):  # the second file fails mid-write
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        report.write_report(tmp_path, res)
    monkeypatch.undo()

    def failing_render(*a, **k):
        raise RuntimeError("render failed")

    monkeypatch.setattr(report.page, "render_html", failing_render)  # what write_report calls
    with pytest.raises(RuntimeError):
        report.write_report(tmp_path, res)
    assert (tmp_path / "results.json").read_bytes() == old_json
    assert (tmp_path / "index.html").read_bytes() == old_html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "results.json"]


def test_report_round_trip_via_cli(tmp_path, capsys):
    report.write_report(tmp_path / "a", sample_results())
    assert main(["report", "--from", str(tmp_path / "a" / "results.json"), "--out", str(tmp_path / "b")]) == 0
    assert (tmp_path / "b" / "index.html").read_text() == (tmp_path / "a" / "index.html").read_text()
    assert (tmp_path / "b" / "results.json").read_text() == (tmp_path / "a" / "results.json").read_text()


# -- command line -------------------------------------------------------------------------------


def run_cli(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("argv", [
    [],
    ["frobnicate"],
    ["check"],
    ["check", "no-such-id"],
    ["check", "T.good", "--examples", "0"],
    ["check", "T.good", "--examples", "many"],
    ["check", "T.good", "--horizon-scale", "-2"],
    ["check", "T.good", "--horizon-scale", "nan"],
    ["check", "T.good", "--device", "tpu"],
    ["check", "T.good", "--profile", "no-such-profile"],
    ["check", "T.good/no-such-control"],
    ["check", "T.good", "--file", "/no/such/file.py"],
    ["list", "--kind", "axiom"],
    ["report", "--from", "/no/such/results.json"],
    ["report", "--from", "NOTJSON"],
    ["replay", "nothing-recorded", "--from", "RESULTS"],
    ["list", "--", "-x"],
])
def test_cli_bad_arguments_give_one_line(argv, capsys, tmp_path, registry, restore_profile, monkeypatch):
    registry(make("T.good", controls={"wide": st.floats(0, 10)}))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "NOTJSON").write_text("{")
    report.write_report(tmp_path / "r", sample_results())
    argv = [str(tmp_path / "r" / "results.json") if a == "RESULTS" else a for a in argv]
    code, out, err = run_cli(argv, capsys)
    assert code not in (0, None), (argv, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0], (argv, err)


def test_cli_unknown_statement_message(capsys):
    code, _, err = run_cli(["check", "Z.9"], capsys)
    assert code == 2
    assert err.strip().endswith("unknown statement 'Z.9'; try: python -m theorems list")


def test_cli_check_holds_fails_and_controls(capsys, registry, restore_profile, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # Hypothesis's example database goes here
    registry(make("T.good", controls={"wide": st.floats(0, 10), "narrow": st.floats(0, 0.5)}))
    registry(make("T.bad", bound=0.5))
    code, out, err = run_cli(["check", "T.good", "--examples", "7"], capsys)
    assert code == 0 and "T.good: holds after 7 examples" in out
    assert len([ln for ln in err.splitlines() if ln.startswith("[T.good] example")]) == 7  # progress
    code, out, err = run_cli(["check", "T.bad", "--examples", "20", "-q"], capsys)
    assert code == 1 and "T.bad: fails" in out and "counterexample:" in out and "[T.bad]" not in err
    assert run_cli(["check", "T.good/wide", "-q"], capsys)[0] == 0
    assert run_cli(["check", "T.good/narrow", "-q"], capsys)[0] == 1
    code, out, _ = run_cli(["check", "T.bad", "--json", "-q"], capsys)
    rec = json.loads(out)
    assert code == 1 and rec["verdict"] == "fails" and rec["counterexample"]["holds"] is False


def test_cli_horizon_scale_reaches_the_strategies(capsys, registry, restore_profile, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(profiles.HORIZON_ENV, "1")  # restored afterwards
    registry(make("T.horizon", check=horizon_probe))
    code, out, _ = run_cli(["check", "T.horizon", "--horizon-scale", "2.5", "--examples", "1", "--json",
                            "--profile", "dev"], capsys)
    assert code == 0 and json.loads(out)["worst"]["details"]["horizon_scale"] == 2.5
    monkeypatch.setenv(profiles.HORIZON_ENV, "3")
    assert profiles.horizon_scale() == 3 and isinstance(profiles.horizon_scale(), int)
    monkeypatch.setenv(profiles.HORIZON_ENV, "zero")
    with pytest.raises(ValueError):
        profiles.horizon_scale()
    monkeypatch.delenv(profiles.HORIZON_ENV)
    assert profiles.horizon_scale() == profiles.HORIZON_SCALE.get(profiles.current_profile(), 1)


def test_cli_list_with_a_conjecture_file(capsys, registry, tmp_path):
    f = tmp_path / "test_my_conjecture.py"
    f.write_text(
        "from hypothesis import strategies as st\n"
        "from theorems import Constant, Evidence, conjecture\n"
        "K = Constant('K_my', 2.0, 'a reason')\n"
        "@conjecture('my.1', text='x <= 2', strategy=st.floats(0, 1), constants=[K], hypotheses=['x in [0,1]'])\n"
        "def test_my(x):\n"
        "    return Evidence(holds=x <= K.value, witness=x, bound=K.value, relation='<=', summary='x')\n")
    code, out, _ = run_cli(["list", "--kind", "conjecture", "--file", str(f)], capsys)
    assert code == 0 and "my.1" in out and "constant K_my = 2: a reason" in out
    assert "hypothesis: x in [0,1]" in out
    code, out, _ = run_cli(["list", "--json", "--file", str(f)], capsys)
    assert any(d["id"] == "my.1" for d in json.loads(out))


def test_cli_replay_builds_the_pytest_command(capsys, tmp_path):
    res = sample_results()
    res["environment"].update(profile="thorough+seed", seed="7", rootdir=str(tmp_path))
    report.write_report(tmp_path, res)
    code, out, err = run_cli(["replay", "T.bad", "--from", str(tmp_path / "results.json"), "--dry-run",
                              "--", "-x"], capsys)
    assert code == 0
    assert "'tests/t.py::test[T.bad]' -p no:xdist" in err and "--hypothesis-profile=thorough " in err
    assert "--hypothesis-seed=7" in err and "--theorems-no-report" in err and err.rstrip().endswith("-x)")
    code, _, err = run_cli(["replay", "T.good/wide", "--from", str(tmp_path / "results.json"), "--dry-run"],
                           capsys)
    assert code == 0 and "test[T.good/wide]" in err


def test_rebuild_picks_up_experiments_run_after_the_tests(tmp_path, capsys):
    report.write_report(tmp_path, sample_results())
    assert "Late study" not in (tmp_path / "index.html").read_text()
    study = tmp_path / "experiments" / "late"
    study.mkdir(parents=True)
    (study / "study.json").write_text(json.dumps({"id": "late", "title": "Late study", "figures": [],
                                                  "conditions": [], "settings": {}}))
    assert main(["report", "--from", str(tmp_path / "results.json")]) == 0
    assert "Late study" in (tmp_path / "index.html").read_text()
    assert json.loads((tmp_path / "results.json").read_text())["experiments"][0]["id"] == "late"


def test_cli_check_leaves_no_trace(capsys, registry, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(profiles.HORIZON_ENV, raising=False)
    registry(make("T.good"))
    before = profiles.current_profile()
    assert run_cli(["check", "T.good", "--examples", "2", "--horizon-scale", "3", "--profile", "dev",
                    "--device", "cpu", "-q"], capsys)[0] == 0
    assert profiles.HORIZON_ENV not in os.environ and profiles.current_profile() == before


# -- legibility -----------------------------------------------------------------------------------


def test_narrow_range_ticks_are_told_apart():
    """H.1's plot once read 6, 6, 6 on its y axis."""
    import re

    svg = report.series_svg({"title": "x_t", "xlabel": "t", "ylabel": "x", "logx": False, "logy": False,
                             "lines": [{"label": "x", "x": list(range(40)),
                                        "y": [6 + 1e-4 * math.log1p(k) for k in range(40)]}]})
    labels = re.findall(r'text-anchor="end">([^<]*)<', svg)
    assert len(labels) >= 3 and len(set(labels)) == len(labels), labels


def test_binomial_row_shows_the_worst_init_and_the_p_value():
    ev = Evidence(holds=True, witness=1.0, bound=0.01, relation=">=", summary="",
                  binomial={"failures": 0, "trials": 8, "unit": "inits", "allowed": 0.1, "p_value": 1.0,
                            "alpha": 0.01, "worst": {"what": "worst init's witness", "witness": 0.4871,
                                                     "bound": 1.0, "relation": "<="}}).to_json()
    text = report.witness_text(ev)
    assert text.startswith("worst init's witness 0.4871 ≤ 1 ✓ (margin +0.513)")
    assert "0/8 inits fail" in text and "p = 1 ≥ 0.01 ✓" in text and "+99" not in text
    del ev["binomial"]["worst"]
    assert report.witness_text(ev).startswith("0/8 inits fail")


def test_one_margin_convention():
    exact = Evidence(holds=True, witness=3e-15, bound=None, relation="==", summary="").to_json()
    assert report.witness_text(exact) == "3e-15 (exact) ✓"  # no margin: it is an error, not a distance
    assert "(margin -0.5)" in report.witness_text(Evidence(holds=False, witness=1.5, bound=1.0, relation="<=",
                                                             summary="").to_json())
    assert "(margin +2)" in report.witness_text(Evidence(holds=True, witness=2.0, bound=0.0, relation=">=",
                                                           summary="").to_json())


def test_details_are_legible():
    from theorems.report.page import compact

    assert compact(9.999999999999998) == "10" and compact(0.0009999999999999998) == "0.001"
    text = compact(list(range(1, 121)))
    assert text == "[1, 2, 3, 4, …, 119, 120] (120 entries)"
    assert compact({"a": [0.123456, 2]}) == "{a: [0.1235, 2]}"


def test_each_statement_is_counted_once():
    res = sample_results()
    s = res["summary"]
    statuses = {k: v for k, v in s.items() if k in ("holds", "fails", "error", "refuted", "skipped",
                                                     "control: none found", "control: counterexample found")}
    assert s["errata_confirmed"] == 1 and s["refuted"] == 1  # the conjecture; the erratum only once
    assert sum(statuses.values()) + s["errata_confirmed"] == s["run"]


def test_merge_drops_records_of_a_control_that_no_longer_exists():
    """A control removed from a statement is not carried into the merged report (it would keep the
    statement marked 'kept' and stale forever); statements the suite does not define now, such
    as a researcher's conjecture file not collected this time, are still carried."""
    def rec(sid, role, control=None):
        return {"nodeid": f"t::{sid}::{role}::{control}", "statement": sid, "role": role,
                "control": control, "kind": "theorem", "examples": 3, "verdict": "holds" if role ==
                "statement" else "counterexample found", "worst": None, "counterexample": None,
                "elapsed": 0.1}

    env = {"date": "2026-01-01T00:00:00+00:00", "git_commit": "abc", "source_hash": "s"}
    previous = report.build_results([rec("X", "statement"), rec("X", "control", "gone"),
                                     rec("X", "control", "kept"), rec("mine", "statement")], {}, env)
    current = report.build_results([rec("X", "statement")], {}, env)
    merged = report.merge_results(previous, current, {"X": ["kept"]})
    by = {s["id"]: s for s in merged["statements"]}
    assert sorted(str(r["control"]) for r in by["X"]["records"]) == ["None", "kept"]
    assert "mine" in by and by["mine"]["carried"]
    unchanged = report.merge_results(previous, current)  # without the catalogue: everything carried
    assert len({s["id"]: s for s in unchanged["statements"]}["X"]["records"]) == 3
