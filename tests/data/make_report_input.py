"""Writes ``report_input.json``: one fixed, realistic set of records for the golden-report test
(tests/test_report_golden.py). Run once; the JSON it wrote is what the test reads, so later changes
to the recorder or the statements do not move the fixture.

    python tests/data/make_report_input.py

It mimics a real run: statements that hold (with controls, one that found none), one that fails,
a binomial (over the inits) statement, an erratum refuted by the search, refuted and holding
conjectures, a statement only its controls ran, one not run, plots on log and narrow linear axes,
long checkpoint lists and raw floats in the details, an experiment with a figure, and a failure
outside the statement checks."""

from __future__ import annotations

import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent


def ev(holds, witness, bound, relation, summary, details=None, series=None, score=None, binomial=None):
    w, b = float(witness), None if bound is None else float(bound)
    if not math.isfinite(w):
        margin = -math.inf
    elif relation == "==" or b is None:
        margin = (1.0 if holds else -1.0) * (1.0 / (1.0 + abs(w)))
    else:
        scale = abs(b) if b != 0 else 1.0
        margin = (w - b) / scale if relation == ">=" else (b - w) / scale
    return {"holds": bool(holds), "witness": w, "bound": b, "relation": relation, "summary": summary,
            "details": details or {}, "series": series or [], "score": score, "binomial": binomial,
            "margin": margin}


def binom(failures, trials, unit, allowed, p, worst=None):
    out = {"failures": failures, "trials": trials, "unit": unit, "allowed": allowed, "p_value": p, "alpha": 0.01}
    if worst:
        out["worst"] = dict(zip(("what", "witness", "bound", "relation"), worst))
    return out


def desc(sid, kind, title, text, hyps=(), consts=(), controls=(), markers=(), source=""):
    return {"id": sid, "kind": kind, "title": title, "text": text, "hypotheses": list(hyps),
            "source": source, "constants": [{"name": n, "value": v, "reason": r} for n, v, r in consts],
            "controls": sorted(controls), "markers": list(markers)}


def rec(sid, role, control, kind, examples, verdict, outcome, worst, ce=None, ce_input=None,
        elapsed=1.0, longrepr=None, file="tests/test_statements.py::test_statement"):
    nodeid = f"{file}[{sid}{'/' + control if control else ''}]"
    return {"nodeid": nodeid, "statement": sid, "role": role, "kind": kind, "control": control,
            "examples": examples, "verdict": verdict, "worst": worst, "counterexample": ce,
            "counterexample_input": ce_input, "elapsed": elapsed,
            "replay": f"pytest '{nodeid}' -p no:xdist", "outcome": outcome, "longrepr": longrepr,
            "worker": "gw0"}


steps = [int(round(10 ** (k / 20))) for k in range(0, 101)]  # 1 .. 1e5, log-spaced (101 entries)
checkpoints = sorted(set(steps)) + list(range(100001, 100025))  # a long list (more than 100 entries)
sr = [1 + 1.5 / math.log(math.e + t) for t in steps]
loss = [0.69 / (1 + 0.01 * t) for t in steps]
h1_x = [float(k) for k in range(40)]
h1_y = [6.0 + 1e-4 * math.log1p(k) for k in range(40)]  # a narrow range around 6
rho = [math.log1p(0.1 * t) for t in steps]

D = {
    "A.1": desc("A.1", "lemma", "Initialisation scale",
                "If d >= C log(mn/delta), w.p. >= 1 - delta: sigma0^2 d / 2 <= ||w_jr(0)||^2 <= 3 sigma0^2 d / 2.",
                ["d >= C log(mn/delta)"], [("C", 20, "absolute constant of (4.1)"), ("delta", 0.1, "failure prob."),
                                           ("alpha", 0.01, "level of the binomial test")],
                ["small_d"], ["preliminary", "statement"], "Lemma A.1 (Appendix A)"),
    "B.5": desc("B.5", "lemma", "Activation pattern after T1", "sign(<w_jr(t), x_i>) = j y_i for t >= T1.",
                ["(B.2)-(B.4)"], [("C'", 2, "Lemma B.5's constant")], ["large_sigma0", "relu"],
                ["leaky", "statement"], "Lemma B.5"),
    "4.1": desc("4.1", "theorem", "Theorem 4.1 (leaky ReLU)",
                "Under (4.1)-(4.4), w.p. >= 1 - delta: ||w_jr(t)|| = Theta(log t), SR(W_j) -> 1, loss O(t^-1).",
                ["(4.1)", "(4.2)", "(4.3)", "(4.4)"], [("delta", 0.1, "failure prob."), ("alpha", 0.01, "test level")],
                ["large_sigma0", "relu"], ["leaky", "statement"], "Theorem 4.1"),
    "C.3": desc("C.3", "lemma", "Stable rank tends to one", "SR(W_j(t)) - 1 <= K / log t for t >= T1.",
                ["(B.2)-(B.4)"], [("K", 4, "rate constant"), ("sr_tol", 0.2, "tolerance at the horizon")],
                ["relu"], ["leaky", "statement"], "Lemma C.3"),
    "H.1": desc("H.1", "lemma", "Logarithmic upper bound",
                "If x_{t+1} - x_t <= C e^{-x_t}, then x_t <= log(C t + e^{x_0}).", ["x_0 >= 0"],
                [("roundoff", 1e-9, "float64 round-off allowance")], ["too_large"], ["auxiliary", "statement"],
                "Lemma H.1"),
    "E.1(i)": desc("E.1(i)", "lemma", "ReLU: active neurons dominate", "For ReLU, ...", ["(E.2)-(E.4)"],
                   [("c1", 0.1, "lower ratio")], ["correlated"], ["relu", "statement"], "Lemma E.1"),
    "5.3 (as printed)": desc("5.3 (as printed)", "lemma", "Lemma 5.3 as printed",
                             "x_t <= log(C t + e^{-x_0})  (as printed; the proof gives e^{+x_0}).", ["x_0 >= 0"],
                             [], [], ["auxiliary", "statement", "erratum"], "Lemma 5.3"),
    "B.1": desc("B.1", "lemma", "Automatic balance", "sum_r |rho| are balanced up to gamma^2 c1.", ["(B.2)-(B.4)"],
                [("c1", 0.1, "balance constant")], ["large_sigma0"], ["leaky", "statement"], "Lemma B.1"),
    "F.3": desc("F.3", "lemma", "ReLU on the standard basis", "W_j / log t -> [A_j, 0].", [], [], ["leaky"],
                ["relu", "statement"], "Lemma F.3"),
    "Q.1": desc("Q.1", "conjecture", "margins equalise", "Normalised margins equalise.", [], [], [],
                ["conjecture"], "open question"),
    "Q.3": desc("Q.3", "conjecture", "relu pattern freezes", "ReLU activation patterns freeze.", [], [], [],
                ["conjecture"], "open question"),
}

p_worst = ev(True, 1.0, 0.01, ">=",
             "0/8 inits have a witness above 1 (binomial p = 1 against delta = 0.1); worst init's witness 0.4871: "
             "norm band 0.49, SR 0.21, loss 0.33",
             {"n": 6, "d": 40, "m": 20, "p": 0.0009999999999999998, "inits": 8, "failures": 0, "p_value": 1.0,
              "per_init_witness": [0.31, 0.4871, 0.22, 0.29, 0.35, 0.41, 0.18, 0.26],
              "checkpoints": checkpoints, "eta": 9.999999999999998},
             [{"title": "SR(W_j) against t", "xlabel": "t", "ylabel": "SR", "logx": True, "logy": False,
               "lines": [{"label": "SR(W_+1)", "x": steps, "y": sr},
                         {"label": "1 + K/log t", "x": steps[1:], "y": [1 + 4 / math.log(t + 1) for t in steps[1:]],
                          "style": "--"}]},
              {"title": "loss on log-log axes", "xlabel": "t", "ylabel": "loss", "logx": True, "logy": True,
               "lines": [{"label": "loss", "x": steps, "y": loss},
                         {"label": "slope -1", "x": [1, 100000], "y": [0.69, 6.9e-6], "style": ":"}]}],
             score=0.4871, binomial=binom(0, 8, "inits", 0.1, 1.0, ("worst init's witness", 0.4871, 1.0, "<=")))
p_ce = ev(False, 1.0e-5, 0.01, ">=", "6/8 inits have a witness above 1 (binomial p = 1e-05 against delta = 0.1)",
          {"inits": 8, "failures": 6, "p_value": 1e-5, "per_init_witness": [3.2, 2.1, 1.7, 0.9, 1.4, 1.2, 0.8, 5.5]},
          score=5.5, binomial=binom(6, 8, "inits", 0.1, 1e-5, ("worst init's witness", 5.5, 1.0, "<=")))
h1 = ev(True, 3.552713678800501e-15, None, "==", "max gap to the bound 3.553e-15 (round-off)",
        {"x0": 0.0, "C": 1.0, "T": 40},
        [{"title": "x_t against t", "xlabel": "t", "ylabel": "x_t", "logx": False, "logy": False,
          "lines": [{"label": "x_t", "x": h1_x, "y": h1_y}]}])
b5 = ev(True, 0.49, 2.0, "<=", "last violation at 0.49 nm/(eta Rmax^2)",
        {"T1": 1234.5678901234, "last_violation": 605, "rho_tail": rho[:30]},
        [{"title": "rho over log t", "xlabel": "t", "ylabel": "rho", "logx": True, "logy": False,
          "lines": [{"label": "rho_{+1,1,1}", "x": steps, "y": rho}]}])
b5_ctrl = ev(False, 7.25, 2.0, "<=", "last violation at 7.25 (large sigma0)", {"sigma0": 3.1})
c3 = ev(False, 1.8, 1.0, "<=", "(SR-1) log t / K = 1.8 at t = 1000", {"SR": 1.72, "t": 1000})
e1 = ev(True, 0.35, 0.1, ">=", "ratio 0.35", {"ratio": 0.35})
e1_ctrl = ev(True, 0.2, 0.1, ">=", "ratio 0.2 with correlated data", {"ratio": 0.2})
err = ev(False, 0.5, -0.5, "<=", "x_0 = 0.5 at t = 0: the bound reads x_0 <= -x_0", {"x0": 0.5, "t": 0})
b1_ctrl = ev(False, 0.05, 0.1, ">=", "balance 0.05 with sigma0 = 2", {"sigma0": 2.0})
q1 = ev(True, 0.012, 0.05, "<=", "margin spread 0.012", {"spread": 0.012})
q3 = ev(False, 1.0, 0.0, "<=", "neuron 3 recruited at t = 41000", {"late": [41000, 52000]})
a1 = ev(True, 1.0, 0.01, ">=", "0/40 inits fail (norms: 0, inner products: 0); binomial p = 1 against delta = 0.1",
        {"n": 4, "m": 30, "d": 900, "sigma0": 0.001, "fails": 0, "inits": 40, "frequency": 0.0},
        binomial=binom(0, 40, "inits", 0.1, 1.0))
a1_ctrl = ev(False, 2e-9, 0.01, ">=", "31/40 inits fail; binomial p = 2e-09", {"d": 1, "fails": 31, "inits": 40},
             binomial=binom(31, 40, "inits", 0.1, 2e-9))

LONG = ("AssertionError: C.3 fails: (SR-1) log t / K = 1.8 at t = 1000\nFalsifying example: prop(data=...)\n"
        "You can reproduce this example by temporarily adding @reproduce_failure('6.100.0', b'AXicY2BgYAQAAA4AAw==') "
        "as a decorator on your test case")
records = [
    rec("A.1", "statement", None, "lemma", 30, "holds", "passed", a1, elapsed=0.8),
    rec("A.1", "control", "small_d", "lemma", 3, "counterexample found", "passed", a1_ctrl, a1_ctrl, "InitExperiment(d=1)",
        0.2, file="tests/test_controls.py::test_control"),
    rec("B.5", "statement", None, "lemma", 30, "holds", "passed", b5, elapsed=12.3456),
    rec("B.5", "control", "large_sigma0", "lemma", 4, "counterexample found", "passed", b5_ctrl, b5_ctrl,
        "Problem(n=4, m=8, sigma0=3.1)", 2.5, file="tests/test_controls.py::test_control"),
    rec("B.5", "control", "relu", "lemma", 25, "no counterexample", "failed", b5, None, None, 40.0,
        "Failed: control B.5/relu: the check found no counterexample in 25 examples",
        file="tests/test_controls.py::test_control"),
    rec("4.1", "statement", None, "theorem", 10, "holds", "passed", p_worst, elapsed=75.25),
    rec("4.1", "control", "large_sigma0", "theorem", 2, "counterexample found", "passed", p_ce, p_ce,
        "Problem(sigma0=4.0)", 9.0, file="tests/test_controls.py::test_control"),
    rec("C.3", "statement", None, "lemma", 12, "fails", "failed", c3, c3, "Problem(n=2, m=4)", 5.5, LONG),
    rec("H.1", "statement", None, "lemma", 30, "holds", "passed", h1, elapsed=0.05),
    rec("H.1", "control", "too_large", "lemma", 1, "counterexample found", "passed",
        ev(False, 0.3, None, "==", "gap 0.3", {}), ev(False, 0.3, None, "==", "gap 0.3", {}), "(x0=0.0, c=2.0)", 0.01,
        file="tests/test_controls.py::test_control"),
    rec("E.1(i)", "control", "correlated", "lemma", 25, "no counterexample", "failed", e1_ctrl, None, None, 3.0,
        "Failed: control E.1(i)/correlated: no counterexample", file="tests/test_controls.py::test_control"),
    rec("5.3 (as printed)", "statement", None, "lemma", 1, "refuted (erratum)", "passed", err, err, "(x0=0.5, t=0)", 0.01),
    rec("B.1", "control", "large_sigma0", "lemma", 2, "counterexample found", "passed", b1_ctrl, b1_ctrl,
        "Problem(sigma0=2.0)", 1.0, file="tests/test_controls.py::test_control"),
    rec("Q.1", "statement", None, "conjecture", 5, "holds", "passed", q1, elapsed=3.0,
        file="tests/test_conjectures.py::test_margins_equalise"),
    rec("Q.3", "statement", None, "conjecture", 5, "refuted", "xfailed", q3, q3, "Problem(n=6, m=20, p=0.001)", 20.0,
        "xfail: conjecture Q.3 refuted: neuron 3 recruited at t = 41000",
        file="tests/test_conjectures.py::test_relu_pattern_freezes"),
]


def power_rec(sid, rows, examples=2, baseline=2):
    """A power record (tests/test_power.py): which named simulator faults the check caught."""
    faults = []
    for name, result, summary in rows:
        f = {"fault": name, "description": f"fault {name}", "equivalent": "", "result": result}
        if result == "excused":
            f["reason"] = "ReLU statement (gamma = 0): sigma'(z < 0) = 0, so the fault changes nothing"
        else:
            f.update(examples=1, simulations=0 if result == "not reached" else 1,
                     evidence=None if summary is None else {"witness": 3.0, "bound": 2.0, "relation": "<=",
                                                            "summary": summary})
        faults.append(f)
    tried = [f for f in faults if f["result"] != "excused"]
    caught = [f["fault"] for f in tried if f["result"] == "caught"]
    r = rec(sid, "power", None, "lemma", examples, f"caught {len(caught)}/{len(tried)}",
            "passed" if caught else "xfailed", None, elapsed=2.5, file="tests/test_power.py::test_power")
    r["power"] = {"faults": faults, "tried": len(tried), "caught": len(caught), "caught_list": caught,
                  "not_caught": [f["fault"] for f in tried if f["result"] != "caught"],
                  "excused": [f["fault"] for f in faults if f["result"] == "excused"], "examples": examples,
                  "baseline_holds": baseline, "unable_to_fail": bool(tried) and not caught, "elapsed": 2.5}
    return r


records += [
    power_rec("B.5", [("gram_perturbed", "caught", "last wrong sign at 3.1 tau > C' = 2"),
                      ("lprime_0.8", "not caught", "last wrong sign at 0.4 tau <= C' = 2")]),
    power_rec("E.1(i)", [("dsigma_neg_halved", "excused", None), ("step_eta_over_n", "caught", "ratio 0.01 < c1")]),
    power_rec("H.1", [("gram_perturbed", "not reached", None), ("lprime_0.8", "not reached", None)]),
]
for r in records:
    r["description"] = D[r["statement"]]
tests = {r["nodeid"]: {"outcome": r["outcome"], "longrepr": r["longrepr"], "duration": r["elapsed"],
                       "worker": "gw0"} for r in records}
tests["tests/sim/test_sim_engines.py::test_agree"] = {"outcome": "passed", "longrepr": None, "duration": 0.5}
tests["tests/test_experiments.py::test_quick_trend"] = {"outcome": "failed", "longrepr": "AssertionError: trend <&>",
                                                        "duration": 4.0}
environment = {"date": "2026-11-29T18:00:00+00:00", "python": "CPython 3.11.2", "platform": "Linux",
               "cpus": 2, "executable": "/work/venv/bin/python", "git_commit": "0123abc",
               "device": "cpu", "profile": "ci", "max_examples": 30, "horizon_scale": 1.0, "seed": None,
               "workers": 2, "numprocesses": 2, "dist": "load", "strict": False, "command": "pytest -n 2 -q",
               "invocation_dir": "/repo", "rootdir": "/repo", "elapsed_s": 131.5,
               "packages": {"torch": "2.13.0", "numpy": "2.1.0", "hypothesis": "6.100.0", "pytest": "8.3.0"}}
paper_ids = ["A.1", "B.1", "B.5", "C.3", "4.1", "E.1(i)", "F.3", "H.1", "5.3 (as printed)", "Q.1", "Q.3"]
descriptions = {k: v for k, v in D.items()}
study = {"id": "figure2-3", "title": "Figures 2-3: initialisation scale", "elapsed_s": 7.25,
         "command": "python -m theorems.experiments init-scale --quick",
         "notes": "quick variant", "settings": {"m": 1000, "sigma0": [1e-05, 5e-05, 0.0001], "lr": 0.1,
                                                "epochs": 10, "runs": 5},
         "conditions": [{"name": "(E.4) p <= Rmin^2/(C n)", "holds": False, "factor": 5.000000000000001e-06,
                         "detail": "p = 22.5, Rmin^2 = 8.6"},
                        {"name": "m >= C log(n/delta)", "holds": True, "factor": 3.2, "detail": ""}],
         "figures": ["sr.png"], "csv": ["results.csv", "summary.csv"], "folder": "experiments/figure2-3"}

out = {"records": records, "tests": tests, "environment": environment, "descriptions": descriptions,
       "paper_ids": paper_ids, "experiments": [study]}
(HERE / "report_input.json").write_text(json.dumps(out, indent=1) + "\n")
fig = HERE / "report_assets" / "experiments" / "figure2-3"
fig.mkdir(parents=True, exist_ok=True)
# a 1x1 PNG
import base64  # noqa: E402
(fig / "sr.png").write_bytes(base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="))
print("wrote", HERE / "report_input.json")
