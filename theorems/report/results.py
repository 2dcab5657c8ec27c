"""The results model: the ``results.json`` schema, the verdict rules, and how records become
results (and, for the page and the file, the environment and the experiments beside them).

Its shape::

    {"schema": "theorems-results/1",
     "environment": {python, packages, device, profile, seed, workers, date, elapsed_s, command, ...},
     "summary": {"statements": n, "run": n, "holds": n, "fails": n, "refuted": n,
                 "errata_confirmed": n, ...},   (each statement counted once; "refuted" excludes
                                                  the confirmed errata)
     "statements": [{"id", "description": Statement.describe(), "erratum": bool,
                     "verdict": {"status", "label", "css", "controls": {...}},
                     "examples", "elapsed", "power": {...} | None, "tightness": {...} | None,
                     "records": [record, ...]}, ...],
     "tests": {nodeid: {"outcome", "longrepr", "duration", "worker"}},
     "experiments": [study.json contents + {"folder": "experiments/<name>"}, ...],
     "sweeps": [sweep.json contents + {"folder": "sweeps/<name>"}, ...]}

A *record* is :meth:`theorems.runner.Recorder.to_json` plus ``outcome`` (passed, failed, xfailed,
xpassed, skipped, error), ``longrepr`` (the failure text, truncated) and ``description``.
*Power* (:func:`power_of`) comes from the statement's ``power`` record (``tests/test_power.py``):
which named simulator faults its check caught, out of those tried; ``unable_to_fail`` when it caught
none. *Tightness* (:func:`tightness`) comes from the statement test's worst evidence: ``ratio`` =
worst witness / declared bound, and ``empirical_constant``, the smallest (for ``<=``; largest for
``>=``) constant with which the check would still have passed on what was seen, i.e. the worst
witness itself. Non-finite floats are written as the strings ``"inf"``, ``"-inf"`` and ``"nan"`` so the file is
strict JSON. This module knows nothing of HTML (:mod:`theorems.report.page`) or plots
(:mod:`theorems.report.plots`).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Iterable

SCHEMA = "theorems-results/1"
LONGREPR_MAX = 6000

# -- JSON helpers -------------------------------------------------------------------------------


def jsonable(x: Any, _depth: int = 0) -> Any:
    """A copy of ``x`` made of plain JSON types (numpy/torch values converted, non-finite floats
    as ``"inf"``/``"-inf"``/``"nan"``, anything else as its truncated ``repr``)."""
    if _depth > 60:
        return repr(x)[:200]
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        if math.isfinite(x):
            return float(x)
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, dict):
        return {str(k): jsonable(v, _depth + 1) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)):
        return [jsonable(v, _depth + 1) for v in x]
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch tensor
        try:
            return jsonable(x.detach().cpu().tolist(), _depth + 1)
        except Exception:  # pragma: no cover - exotic tensors
            return repr(x)[:500]
    if hasattr(x, "tolist") and callable(x.tolist):  # numpy array or scalar
        try:
            return jsonable(x.tolist(), _depth + 1)
        except Exception:
            return repr(x)[:500]
    if hasattr(x, "item") and callable(x.item):
        try:
            return jsonable(x.item(), _depth + 1)
        except Exception:
            return repr(x)[:500]
    if hasattr(x, "to_json") and callable(x.to_json):
        return jsonable(x.to_json(), _depth + 1)
    return repr(x)[:500]


def num(v: Any) -> float | None:
    """A float from a JSON value written by :func:`jsonable` (``None`` when there is none)."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def truncate(text: str | None, limit: int = LONGREPR_MAX) -> str | None:
    """Keep the head and the tail (the assertion and Hypothesis's falsifying example are last)."""
    if text is None:
        return None
    text = str(text)
    if len(text) <= limit:
        return text
    head = limit // 4
    tail = limit - head
    return text[:head] + f"\n... [{len(text) - limit} characters cut] ...\n" + text[-tail:]


# -- verdicts -----------------------------------------------------------------------------------

CSS_CLASS = {"holds": "ok", "fails": "bad", "refuted": "refuted", "error": "bad",
             "skipped": "muted", "not run": "muted", "control: counterexample found": "ok",
             "control: none found": "warn", "warn": "warn"}


# the runner's verdicts of a statement test -> the report's statuses (an erratum's own test passes
# when the printed statement is refuted, and fails when the search could not refute it)
STATEMENT_VERDICTS = {"holds": "holds", "fails": "fails", "refuted": "refuted",
                      "refuted (erratum)": "refuted", "erratum not reproduced": "holds"}


def is_erratum(desc: dict) -> bool:
    """A statement the paper prints wrongly: marker ``erratum``, or an id like "Lemma 5.3 (as
    printed)" / "5.3..."."""
    sid = str(desc.get("id", ""))
    return ("erratum" in (desc.get("markers") or []) or sid.startswith("5.3")
            or "as printed" in sid.lower())


def combine_verdict(records: list[dict], desc: dict) -> dict:
    """One verdict for a statement from its statement test and its controls.

    ``status`` is one of holds, fails, refuted, error, skipped, not run, "control: counterexample
    found", "control: none found"; ``label`` adds the controls' tally (and marks an erratum).
    """
    stmt_recs = [r for r in records if r.get("role") == "statement"]
    ctrl_recs = [r for r in records if r.get("role") == "control"]
    found = sum(r.get("verdict") == "counterexample found" for r in ctrl_recs)
    none = sum(r.get("verdict") == "no counterexample" for r in ctrl_recs)
    cerr = len(ctrl_recs) - found - none
    controls = {"total": len(ctrl_recs), "found": found, "none": none, "error": cerr,
                "none_found": sorted(r.get("control") or "?" for r in ctrl_recs
                                     if r.get("verdict") == "no counterexample")}
    if stmt_recs:
        vs = []
        for r in stmt_recs:
            v = STATEMENT_VERDICTS.get(r.get("verdict"))
            if v is None:
                v = "skipped" if r.get("outcome") == "skipped" else "error"
            vs.append(v)
        # the worst of several statement tests (normally there is one)
        order = ["fails", "error", "refuted", "skipped", "holds"]
        status = min(vs, key=order.index)
    elif ctrl_recs:
        status = "control: none found" if (none or cerr) else "control: counterexample found"
    else:
        status = "not run"
    erratum = is_erratum(desc)
    if erratum and status == "fails":
        status = "refuted"
    css = CSS_CLASS.get(status, "muted")
    label = status
    if erratum and status == "refuted":
        label = "refuted (erratum confirmed)"
    elif erratum and status == "holds":
        label = "holds (erratum not reproduced)"
        css = "warn"
    if ctrl_recs and stmt_recs:
        label += f"; controls {found}/{len(ctrl_recs)} found a counterexample"
        if (none or cerr) and status == "holds":
            label = f"holds; control: none found ({', '.join(controls['none_found']) or 'error'})"
            css = "warn"
    short = label.split("; controls ")[0]
    return {"status": status, "label": label, "short": short, "css": css, "controls": controls}


# -- power and tightness ------------------------------------------------------------------------


def power_of(records: list[dict], erratum: bool = False) -> dict | None:
    """The statement's power from its ``power`` record: ``{"caught", "tried", "caught_list",
    "not_caught", "excused", "faults", "unable_to_fail", "examples", "baseline_holds", "label"}``.
    An erratum (a statement the paper prints wrongly, which the suite expects to refute on the exact
    model) is never "unable to fail": what a fault does to it says nothing, so its label says so."""
    recs = [r for r in records if r.get("role") == "power" and isinstance(r.get("power"), dict)]
    if not recs:
        return None
    p = recs[-1]["power"]
    out = {k: p.get(k) for k in ("caught", "tried", "caught_list", "not_caught", "excused", "faults",
                                 "unable_to_fail", "examples", "baseline_holds")}
    if erratum:
        out["label"] = f"n/a: erratum ({out['caught']}/{out['tried']}; a refuted statement needs no fault to fail)"
        out["unable_to_fail"] = False
    elif not p.get("baseline_holds"):
        out["label"] = "unmeasured (no example holds on the exact model)"
        out["unable_to_fail"] = False
    elif out["unable_to_fail"]:
        out["label"] = f"0/{out['tried']}: unable to fail"
    else:
        out["label"] = f"{out['caught']}/{out['tried']}"
    return out


def tightness(records: list[dict]) -> dict | None:
    """How close the statement test's worst example came to its declared bound: ``{"witness",
    "bound", "relation", "ratio" (witness / bound), "empirical_constant", "what"}``; for a check
    over initialisations (a p-value witness) the worst trial's witness against its bound."""
    worst = None
    for r in records:
        if r.get("role") != "statement":
            continue
        ev = r.get("worst")
        if ev and (worst is None or (num(ev.get("margin")) or 0) < (num(worst.get("margin")) or 0)):
            worst = ev
    if worst is None:
        return None
    what = "worst example"
    w, b, rel = num(worst.get("witness")), num(worst.get("bound")), worst.get("relation")
    bn = worst.get("binomial")
    if isinstance(bn, dict) and isinstance(bn.get("worst"), dict):
        bw = bn["worst"]
        w, b, rel = num(bw.get("witness")), num(bw.get("bound")), bw.get("relation")
        what = str(bw.get("what") or "worst trial")
    elif isinstance(bn, dict):
        what = "binomial p-value against alpha (no per-trial witness recorded)"
    if w is None or b is None or rel not in (">=", "<="):
        return {"witness": w, "bound": b, "relation": rel, "ratio": None, "empirical_constant": w, "what": what}
    ratio = w / b if b != 0 and math.isfinite(w) else None
    return {"witness": w, "bound": b, "relation": rel, "ratio": ratio, "empirical_constant": w, "what": what}


# -- building the results -----------------------------------------------------------------------


def _statement_order(descs: dict[str, dict], paper_ids: Iterable[str]) -> list[str]:
    paper = [i for i in paper_ids if i in descs]
    rest = sorted(i for i in descs if i not in set(paper))
    return paper + rest


def build_results(records: Iterable[dict], tests: dict[str, dict], environment: dict,
                  descriptions: dict[str, dict] | None = None, paper_ids: Iterable[str] = (),
                  experiments: list[dict] | None = None, sweeps: list[dict] | None = None) -> dict:
    """Assemble the results dictionary.

    ``records``: recorder records (each with ``nodeid``); ``tests``: outcome per node id (merged
    into the records); ``descriptions``: ``Statement.describe()`` per id known to this process
    (records carry their own description too, for statements registered only on a worker);
    ``paper_ids``: the order to list statements in (the rest follow by id).
    """
    descs = {k: jsonable(v) for k, v in (descriptions or {}).items()}
    by_stmt: dict[str, list[dict]] = {}
    for rec in sorted(records, key=lambda r: (str(r.get("nodeid")), str(r.get("control")))):
        rec = jsonable(dict(rec))
        t = tests.get(rec.get("nodeid"), {})
        rec.setdefault("outcome", t.get("outcome"))
        rec.setdefault("longrepr", t.get("longrepr"))
        rec.setdefault("obtained", provenance(environment))
        rec.setdefault("carried", False)
        rec["stale"] = is_stale(rec["obtained"], environment)
        sid = rec.get("statement") or "?"
        desc = rec.pop("description", None)
        if sid not in descs:
            descs[sid] = desc or {"id": sid, "kind": rec.get("kind") or "?", "title": "", "text": "",
                                  "hypotheses": [], "constants": [], "controls": [], "markers": []}
        by_stmt.setdefault(sid, []).append(rec)
    statements = []
    for sid in _statement_order(descs, paper_ids):
        recs = by_stmt.get(sid, [])
        desc = descs[sid]
        srec = [r for r in recs if r.get("role") == "statement"]
        statements.append({
            "id": sid, "description": desc, "erratum": is_erratum(desc),
            "verdict": combine_verdict(recs, desc),
            "examples": sum(int(r.get("examples") or 0) for r in srec),
            "control_examples": sum(int(r.get("examples") or 0) for r in recs if r.get("role") == "control"),
            "elapsed": sum(num(r.get("elapsed")) or 0.0 for r in recs),
            "carried": any(r["carried"] for r in recs),
            "stale": any(r["stale"] for r in recs),
            "obtained": min((r["obtained"] for r in recs if r["carried"]), default=None,
                            key=lambda o: str(o.get("date"))),
            "power": power_of(recs, is_erratum(desc)),
            "tightness": tightness(recs),
            "records": recs,
        })
    summary: dict[str, Any] = {"statements": len(statements),
                               "run": sum(s["verdict"]["status"] != "not run" for s in statements)}
    for s in statements:  # each statement counted once: a confirmed erratum only as such
        st = s["verdict"]["status"]
        if not (s["erratum"] and st == "refuted"):
            summary[st] = summary.get(st, 0) + 1
    ctl = [s["verdict"]["controls"] for s in statements]
    summary["controls"] = sum(c["total"] for c in ctl)
    summary["controls_found"] = sum(c["found"] for c in ctl)
    summary["controls_none"] = sum(c["none"] for c in ctl)
    summary["holds_control_none"] = sum(s["verdict"]["status"] == "holds" and s["verdict"]["controls"]["none"] > 0
                                        for s in statements)
    summary["errata_confirmed"] = sum(s["erratum"] and s["verdict"]["status"] == "refuted"
                                      for s in statements)
    measured = [s for s in statements if s["power"] and s["power"].get("baseline_holds") and not s["erratum"]]
    summary["power"] = {"measured": len(measured),
                        "caught": sum(int(s["power"]["caught"] or 0) for s in measured),
                        "tried": sum(int(s["power"]["tried"] or 0) for s in measured),
                        "unable_to_fail": [s["id"] for s in measured if s["power"]["unable_to_fail"]]}
    summary["this_run"] = sum(any(not r["carried"] for r in s["records"]) for s in statements)
    summary["carried"] = sum(s["carried"] for s in statements)
    summary["stale"] = sum(s["stale"] for s in statements)
    outcomes: dict[str, int] = {}
    for t in tests.values():
        outcomes[t.get("outcome") or "?"] = outcomes.get(t.get("outcome") or "?", 0) + 1
    summary["tests"] = outcomes
    return {"schema": SCHEMA, "environment": jsonable(environment), "summary": summary,
            "statements": statements, "tests": jsonable(tests),
            "experiments": jsonable(experiments or []), "sweeps": jsonable(sweeps or [])}


# -- accumulating runs --------------------------------------------------------------------------


def provenance(environment: dict) -> dict:
    """When and on which code a record was obtained: the run's date, git commit and source hash."""
    env = environment or {}
    return {"date": env.get("date"), "git_commit": env.get("git_commit"), "source_hash": env.get("source_hash")}


def is_stale(obtained: dict | None, environment: dict) -> bool:
    """A record is stale when the code it was obtained with (the hash of ``sim/`` and
    ``theorems/``) differs from the results' own run; unknown when the run has no hash."""
    now = (environment or {}).get("source_hash")
    return bool(now) and (obtained or {}).get("source_hash") != now


def _record_key(rec: dict) -> tuple:
    return (rec.get("statement"), rec.get("role"), rec.get("control"))


def merge_results(previous: dict, current: dict, controls: dict[str, Iterable[str]] | None = None) -> dict:
    """Results of a run that covered part of the suite, merged into the previous results.

    What ran now replaces what the previous results had for it (a record is identified by
    statement, role and control); every other record keeps its last result, marked ``carried``
    with the date, commit and source hash it was obtained with (``obtained``), and ``stale`` when
    that code differs from this run's. The environment, the test outcomes and the experiments are
    this run's. Statements only the previous results know (a conjecture file not collected now)
    are kept too. ``controls`` maps each statement the suite defines now to its controls' names: a
    previous control record of such a statement whose control no longer exists is dropped, not
    carried (it would keep a removed control in the verdict, flagged stale forever)."""
    ran = {_record_key(r) for s in current["statements"] for r in s.get("records", [])}
    controls = {k: set(v) for k, v in (controls or {}).items()}
    prev_env = previous.get("environment") or {}
    descs = {s["id"]: s.get("description") or {"id": s["id"]} for s in previous.get("statements", [])}
    descs.update({s["id"]: s.get("description") or {"id": s["id"]} for s in current["statements"]})
    records = [r for s in current["statements"] for r in s.get("records", [])]
    for s in previous.get("statements", []):
        for r in s.get("records", []):
            if _record_key(r) in ran:
                continue
            sid = r.get("statement")
            if r.get("role") == "control" and sid in controls and r.get("control") not in controls[sid]:
                continue
            r = dict(r)
            r.setdefault("obtained", provenance(prev_env))
            r["carried"] = True
            records.append(r)
    order = [s["id"] for s in current["statements"]]
    order += [s["id"] for s in previous.get("statements", []) if s["id"] not in set(order)]
    return build_results(records, current.get("tests") or {}, current.get("environment") or {}, descs, order,
                         current.get("experiments"), current.get("sweeps"))


def source_hash(roots: Iterable[str | os.PathLike] | None = None) -> str:
    """A short hash of the Python sources of ``sim/`` and ``theorems/``: a record obtained with
    other sources is stale."""
    import hashlib

    base = Path(__file__).resolve().parent.parent.parent
    h = hashlib.sha256()
    for root in roots or (base / "sim", base / "theorems"):
        root = Path(root)
        for p in sorted(root.rglob("*.py")):
            h.update(p.relative_to(root.parent).as_posix().encode() + b"\0")
            h.update(p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def load_experiments(report_dir: str | os.PathLike, pattern: str = "experiments/*/study.json") -> list[dict]:
    """Every ``<report_dir>/experiments/*/study.json`` (sorted by folder), each with its
    ``folder`` relative to the report directory; an unreadable one becomes an ``error`` entry."""
    root = Path(report_dir)
    out = []
    for p in sorted(root.glob(pattern)):
        folder = p.parent.relative_to(root).as_posix()
        try:
            study = json.loads(p.read_text(encoding="utf-8"))
            if not isinstance(study, dict):
                raise ValueError("study.json is not an object")
        except (OSError, ValueError) as e:
            study = {"id": p.parent.name, "title": p.parent.name, "error": f"unreadable study.json: {e}"}
        study["folder"] = folder
        out.append(study)
    return out


def load_sweeps(report_dir: str | os.PathLike) -> list[dict]:
    """Every ``<report_dir>/sweeps/*/sweep.json`` (the necessity maps of ``python -m theorems
    sweep``), like :func:`load_experiments`."""
    return load_experiments(report_dir, "sweeps/*/sweep.json")


def collect_environment(**extra) -> dict:
    """Python, package versions (without importing the heavy ones), platform, git commit, date;
    ``extra`` (device, profile, seed, workers, command, ...) is merged in."""
    import datetime
    import platform
    import subprocess
    import sys
    from importlib import metadata

    pk = {}
    for name in ("torch", "numpy", "scipy", "numba", "hypothesis", "pytest", "pytest-xdist", "matplotlib"):
        try:
            pk[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pk[name] = None
    env = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "python": f"{platform.python_implementation()} {platform.python_version()}",
           "platform": platform.platform(), "cpus": os.cpu_count(), "executable": sys.executable}
    try:
        here = Path(__file__).resolve().parent.parent.parent
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=5)
        if commit.returncode == 0:
            dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                                   capture_output=True, text=True, timeout=5)
            env["git_commit"] = commit.stdout.strip() + (" (modified)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        env["source_hash"] = source_hash()
    except OSError:
        pass
    env.update(extra)
    env["packages"] = pk
    return jsonable(env)


# -- reading and writing the JSON --------------------------------------------------------------


def dumps(results: dict) -> str:
    return json.dumps(results, indent=1, sort_keys=False, allow_nan=False) + "\n"


def read_results(path: str | os.PathLike) -> dict:
    """Load a ``results.json``; raises ``ValueError`` when it is not one."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or "statements" not in data:
        raise ValueError(f"{path} is not a theorems results file (schema {SCHEMA})")
    return data


def refresh(results: dict, experiments: list[dict] | None = None, sweeps: list[dict] | None = None) -> dict:
    """Recompute verdicts and the summary from the records of a results dictionary (so a file
    written by an older version renders with the current rules); idempotent."""
    recs = [r for s in results["statements"] for r in s.get("records", [])]
    descs = {s["id"]: s.get("description") or {"id": s["id"]} for s in results["statements"]}
    order = [s["id"] for s in results["statements"]]
    return build_results(recs, results.get("tests") or {}, results.get("environment") or {}, descs, order,
                         results.get("experiments") if experiments is None else experiments,
                         results.get("sweeps") if sweeps is None else sweeps)
