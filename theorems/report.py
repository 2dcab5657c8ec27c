"""The report: ``results.json`` for machines and a self-contained ``index.html`` for people.

Both are built from one dictionary (the *results*), so ``python -m theorems report --from
results.json`` rebuilds exactly the page the test run wrote. Its shape::

    {"schema": "theorems-results/1",
     "environment": {python, packages, device, profile, seed, workers, date, elapsed_s, command, ...},
     "summary": {"statements": n, "run": n, "holds": n, "fails": n, "refuted": n, ...},
     "statements": [{"id", "description": Statement.describe(), "erratum": bool,
                     "verdict": {"status", "label", "css", "controls": {...}},
                     "examples", "elapsed", "records": [record, ...]}, ...],
     "tests": {nodeid: {"outcome", "longrepr", "duration", "worker"}},
     "experiments": [study.json contents + {"folder": "experiments/<name>"}, ...]}

A *record* is :meth:`theorems.runner.Recorder.to_json` plus ``outcome`` (passed, failed, xfailed,
xpassed, skipped, error), ``longrepr`` (the failure text, truncated) and ``description``.
Non-finite floats are written as the strings ``"inf"``, ``"-inf"`` and ``"nan"`` so the file is
strict JSON.

Plots come from :attr:`theorems.registry.Evidence.series` (``{"title", "xlabel", "ylabel",
"logx", "logy", "lines": [{"label", "x", "y"}]}``; a line may also carry ``"style"``: ``"--"``,
``":"`` or ``"-."``) and are drawn as small inline SVG line charts. Experiment figures
(``<report dir>/experiments/*/study.json``) are embedded as base64. The page loads nothing from
the network.

Files are written atomically: both are rendered in memory first, then each is written to a
temporary file in the report directory and moved over the old one with :func:`os.replace`, so an
interrupted or failing write leaves the previous report as it was.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable

SCHEMA = "theorems-results/1"
LONGREPR_MAX = 6000
MAX_POINTS = 800
MAX_PLOTS_PER_STATEMENT = 8

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


# -- building the results -----------------------------------------------------------------------


def _statement_order(descs: dict[str, dict], paper_ids: Iterable[str]) -> list[str]:
    paper = [i for i in paper_ids if i in descs]
    rest = sorted(i for i in descs if i not in set(paper))
    return paper + rest


def build_results(records: Iterable[dict], tests: dict[str, dict], environment: dict,
                  descriptions: dict[str, dict] | None = None, paper_ids: Iterable[str] = (),
                  experiments: list[dict] | None = None) -> dict:
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
            "records": recs,
        })
    summary: dict[str, Any] = {"statements": len(statements),
                               "run": sum(s["verdict"]["status"] != "not run" for s in statements)}
    for s in statements:
        st = s["verdict"]["status"]
        summary[st] = summary.get(st, 0) + 1
    ctl = [s["verdict"]["controls"] for s in statements]
    summary["controls"] = sum(c["total"] for c in ctl)
    summary["controls_found"] = sum(c["found"] for c in ctl)
    summary["controls_none"] = sum(c["none"] for c in ctl)
    summary["holds_control_none"] = sum(s["verdict"]["status"] == "holds" and s["verdict"]["controls"]["none"] > 0
                                        for s in statements)
    summary["errata_confirmed"] = sum(s["erratum"] and s["verdict"]["status"] == "refuted"
                                      for s in statements)
    outcomes: dict[str, int] = {}
    for t in tests.values():
        outcomes[t.get("outcome") or "?"] = outcomes.get(t.get("outcome") or "?", 0) + 1
    summary["tests"] = outcomes
    return {"schema": SCHEMA, "environment": jsonable(environment), "summary": summary,
            "statements": statements, "tests": jsonable(tests),
            "experiments": jsonable(experiments or [])}


def load_experiments(report_dir: str | os.PathLike) -> list[dict]:
    """Every ``<report_dir>/experiments/*/study.json`` (sorted by folder), each with its
    ``folder`` relative to the report directory; an unreadable one becomes an ``error`` entry."""
    root = Path(report_dir)
    out = []
    for p in sorted(root.glob("experiments/*/study.json")):
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
        here = Path(__file__).resolve().parent.parent
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=5)
        if commit.returncode == 0:
            dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                                   capture_output=True, text=True, timeout=5)
            env["git_commit"] = commit.stdout.strip() + (" (modified)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        pass
    env.update(extra)
    env["packages"] = pk
    return jsonable(env)


# -- writing ------------------------------------------------------------------------------------


def dumps(results: dict) -> str:
    return json.dumps(results, indent=1, sort_keys=False, allow_nan=False) + "\n"


def _file_mode(target: Path) -> int:
    """The existing file's permissions, else the usual ones for a new file (0666 less umask)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _atomic_write_many(files: dict[Path, str]) -> None:
    """Write each text to a temporary file beside its target, then move them all into place.

    Nothing is replaced until every temporary file is complete; on any error the temporary files
    are removed and the old files are left untouched."""
    temps: list[tuple[str, Path]] = []
    try:
        for target, text in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            temps.append((tmp, target))
            os.chmod(tmp, _file_mode(target))
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
        for tmp, target in temps:
            os.replace(tmp, target)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                try:
                    os.unlink(tmp)
                except OSError:
                    pass


def write_report(report_dir: str | os.PathLike, results: dict, *, json_name: str = "results.json",
                 html_name: str = "index.html", assets_dir: str | os.PathLike | None = None) -> dict:
    """Render and atomically write ``results.json`` and ``index.html`` into ``report_dir``.

    ``assets_dir`` is where experiment folders are looked up (default: ``report_dir``).
    Returns ``{"json": path, "html": path}``."""
    d = Path(report_dir)
    text_json = dumps(results)          # render everything before touching the disk
    text_html = render_html(results, assets_dir=assets_dir if assets_dir is not None else d)
    paths = {d / json_name: text_json, d / html_name: text_html}
    _atomic_write_many(paths)
    return {"json": str(d / json_name), "html": str(d / html_name)}


def read_results(path: str | os.PathLike) -> dict:
    """Load a ``results.json``; raises ``ValueError`` when it is not one."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or "statements" not in data:
        raise ValueError(f"{path} is not a theorems results file (schema {SCHEMA})")
    return data


def refresh(results: dict, experiments: list[dict] | None = None) -> dict:
    """Recompute verdicts and the summary from the records of a results dictionary (so a file
    written by an older version renders with the current rules); idempotent."""
    recs = [r for s in results["statements"] for r in s.get("records", [])]
    descs = {s["id"]: s.get("description") or {"id": s["id"]} for s in results["statements"]}
    order = [s["id"] for s in results["statements"]]
    return build_results(recs, results.get("tests") or {}, results.get("environment") or {}, descs, order,
                         results.get("experiments") if experiments is None else experiments)


def rebuild(json_path: str | os.PathLike, out_dir: str | os.PathLike | None = None) -> dict:
    """Rebuild ``index.html`` and ``results.json`` in ``out_dir`` (default: beside the JSON) from a
    results file. The experiments are read again from ``experiments/*/study.json`` beside the
    JSON (so studies run after the tests appear), and their figures are embedded from there."""
    src = Path(json_path)
    results = refresh(read_results(src), load_experiments(src.parent))
    out = Path(out_dir) if out_dir is not None else src.parent
    text_json = dumps(results)
    text_html = render_html(results, assets_dir=src.parent)
    _atomic_write_many({out / "results.json": text_json, out / "index.html": text_html})
    return {"html": str(out / "index.html"), "json": str(out / "results.json")}


# -- plots --------------------------------------------------------------------------------------


def _clean_xy(x, y, logx, logy):
    xs, ys = [], []
    for a, b in zip(x or [], y or []):
        a, b = num(a), num(b)
        if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
            continue
        if (logx and a <= 0) or (logy and b <= 0):
            continue
        xs.append(a)
        ys.append(b)
    if len(xs) > MAX_POINTS:
        step = len(xs) / MAX_POINTS
        idx = sorted({int(i * step) for i in range(MAX_POINTS)} | {len(xs) - 1})
        xs, ys = [xs[i] for i in idx], [ys[i] for i in idx]
    return xs, ys


PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
DASH = {"--": "6 4", ":": "2 3", "-.": "6 3 2 3"}


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    """Tick positions in data space (``lo``/``hi`` already log10 when ``log``)."""
    if log and hi - lo >= 1:
        k0, k1 = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        step = max(1, math.ceil((k1 - k0 + 1) / 7))
        return [10.0 ** k for k in range(k0, k1 + 1, step)]
    a, b = (10 ** lo, 10 ** hi) if log else (lo, hi)
    span = b - a
    raw = span / 5 if span > 0 else 1.0
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    t = math.ceil(a / step - 1e-9) * step
    out = []
    while t <= b + step * 1e-9 and len(out) < 12:
        if not log or t > 0:
            out.append(0.0 if abs(t) < step * 1e-9 else t)
        t += step
    return out


def _tick_label(v: float, log: bool) -> str:
    if log:
        k = math.log10(v)
        if abs(k - round(k)) < 1e-9 and abs(k) >= 3:
            return f"1e{int(round(k))}"
    return f"{v:.3g}"


def series_svg(series: dict, width: int = 520, height: int = 300) -> str | None:
    """Draw one ``Evidence.series`` entry as a small inline ``<svg>`` line chart (``None`` if there
    is nothing to draw). Written by hand rather than with matplotlib: a report holds dozens of
    plots and this is a thousand times faster; non-positive values are dropped on log axes."""
    logx, logy = bool(series.get("logx")), bool(series.get("logy"))
    lines = []
    for ln in series.get("lines") or []:
        if not isinstance(ln, dict):
            continue
        xs, ys = _clean_xy(ln.get("x"), ln.get("y"), logx, logy)
        if xs:
            lines.append((ln, [math.log10(x) for x in xs] if logx else xs,
                          [math.log10(y) for y in ys] if logy else ys))
    if not lines:
        return None
    L, R, T, B = 76, 14, 26, 44
    pw, ph = width - L - R, height - T - B

    def rng(vals, log):
        lo, hi = min(vals), max(vals)
        if hi - lo < 1e-12 * max(1.0, abs(hi)):
            pad = 0.5 if log else (abs(lo) * 0.1 or 1.0)
            lo, hi = lo - pad, hi + pad
        pad = 0.04 * (hi - lo)
        return lo - pad, hi + pad

    x0, x1 = rng([v for _, xs, _ in lines for v in xs], logx)
    y0, y1 = rng([v for _, _, ys in lines for v in ys], logy)

    def px(v):
        return L + (v - x0) / (x1 - x0) * pw

    def py(v):
        return T + ph - (v - y0) / (y1 - y0) * ph

    e = lambda t: html.escape(str(t), quote=True)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="#fff" stroke="#888"/>']
    for t in _ticks(x0, x1, logx):
        v = math.log10(t) if logx else t
        if x0 <= v <= x1:
            X = px(v)
            out.append(f'<line x1="{X:.1f}" y1="{T}" x2="{X:.1f}" y2="{T + ph}" stroke="#e5e5e5"/>'
                       f'<text x="{X:.1f}" y="{T + ph + 14}" text-anchor="middle">{e(_tick_label(t, logx))}</text>')
    for t in _ticks(y0, y1, logy):
        v = math.log10(t) if logy else t
        if y0 <= v <= y1:
            Y = py(v)
            out.append(f'<line x1="{L}" y1="{Y:.1f}" x2="{L + pw}" y2="{Y:.1f}" stroke="#e5e5e5"/>'
                       f'<text x="{L - 4}" y="{Y + 4:.1f}" text-anchor="end">{e(_tick_label(t, logy))}</text>')
    for k, (ln, xs, ys) in enumerate(lines):
        color = PALETTE[k % len(PALETTE)]
        if len(xs) == 1:
            out.append(f'<circle cx="{px(xs[0]):.1f}" cy="{py(ys[0]):.1f}" r="3" fill="{color}"/>')
            continue
        pts = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs, ys))
        dash = DASH.get(ln.get("style"))
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{pts}"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
    labelled = [(k, ln) for k, (ln, _, _) in enumerate(lines) if ln.get("label")]
    if labelled:
        lw = min(pw - 10, 18 + 6.8 * max(len(str(ln["label"])[:40]) for _, ln in labelled))
        lx, ly = L + pw - lw - 6, T + 6
        out.append(f'<rect x="{lx:.1f}" y="{ly}" width="{lw:.1f}" height="{14 * len(labelled) + 6}" '
                   'fill="#fff" fill-opacity="0.85" stroke="#ccc"/>')
        for j, (k, ln) in enumerate(labelled):
            yy = ly + 13 + 14 * j
            dash = DASH.get(ln.get("style"))
            out.append(f'<line x1="{lx + 4:.1f}" y1="{yy - 4}" x2="{lx + 16:.1f}" y2="{yy - 4}" '
                       f'stroke="{PALETTE[k % len(PALETTE)]}" stroke-width="2"'
                       + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
                       f'<text x="{lx + 20:.1f}" y="{yy}">{e(str(ln["label"])[:40])}</text>')
    out.append(f'<text x="{L + pw / 2:.1f}" y="16" text-anchor="middle" font-weight="bold">'
               f'{e(str(series.get("title", ""))[:100])}</text>')
    xl = str(series.get("xlabel", ""))[:80] + (" (log)" if logx else "")
    yl = str(series.get("ylabel", ""))[:80] + (" (log)" if logy else "")
    out.append(f'<text x="{L + pw / 2:.1f}" y="{height - 8}" text-anchor="middle">{e(xl)}</text>')
    out.append(f'<text transform="translate(14,{T + ph / 2:.1f}) rotate(-90)" text-anchor="middle">{e(yl)}</text>')
    out.append("</svg>")
    return "".join(out)


# -- HTML ---------------------------------------------------------------------------------------

E = html.escape

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0 auto;
max-width:1150px;padding:1em 1.5em;color:#1d232a;line-height:1.4}
h1{font-size:1.5em;margin-bottom:.2em}h2{border-bottom:2px solid #ccd;padding-bottom:.15em;margin-top:1.8em}
h3{margin:.2em 0}h4{margin:.9em 0 .3em}
table{border-collapse:collapse;margin:.4em 0;font-size:.92em}
th,td{border:1px solid #d4d8de;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f1f3f6}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure{margin:.3em}
.badge{display:inline-block;padding:.05em .5em;border-radius:.7em;font-size:.85em;font-weight:600;
white-space:nowrap}
.ok{background:#d9f2dd;color:#11621f}.bad{background:#fbd9d7;color:#8f1711}
.refuted{background:#eadcf8;color:#5a2790}.warn{background:#fdf0c4;color:#7a5400}
.muted{background:#eceef1;color:#59606a}
section.statement{border:1px solid #d4d8de;border-radius:6px;padding:.6em 1em;margin:1em 0}
section.statement.sbad{border-left:6px solid #d93b32}section.statement.sok{border-left:6px solid #3aa655}
section.statement.srefuted{border-left:6px solid #8a4fd0}section.statement.swarn{border-left:6px solid #d9a400}
section.statement.smuted{border-left:6px solid #aab}
blockquote{margin:.4em 0;padding:.3em .8em;background:#f7f8fa;border-left:3px solid #aab}
pre{background:#f4f5f7;padding:.5em;overflow-x:auto;font-size:.82em;white-space:pre-wrap;
word-break:break-word;max-height:28em;overflow-y:auto}
code{background:#f1f2f4;padding:0 .2em;border-radius:3px;font-size:.9em}
.meta{color:#59606a;font-size:.9em}.plots{display:flex;flex-wrap:wrap;gap:.6em}
.plots svg{max-width:100%;height:auto;border:1px solid #eee}
.fig img{max-width:100%;border:1px solid #eee}
nav a{margin-right:1em}details>summary{cursor:pointer;color:#34495e}
"""


def _fmt(v: Any, digits: int = 4) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    x = num(v)
    if x is None:
        s = v if isinstance(v, str) else json.dumps(v)
        return s if len(s) <= 200 else s[:200] + "…"
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}g}"


def _secs(v: Any) -> str:
    x = num(v)
    if x is None:
        return "—"
    if x < 60:
        return f"{x:.2f} s"
    return f"{int(x // 60)} min {x % 60:.0f} s"


def _badge(text: str, css: str) -> str:
    return f'<span class="badge {E(css)}">{E(text)}</span>'


def _anchor(sid: str) -> str:
    return "s-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", sid).strip("-")


REL_TEXT = {">=": "≥", "<=": "≤", "==": "="}


def witness_text(ev: dict | None) -> str:
    """``witness rel bound`` with a tick or cross, and the margin (plain text)."""
    if not ev:
        return "—"
    w, b, rel = ev.get("witness"), ev.get("bound"), ev.get("relation", "")
    mark = "✓" if ev.get("holds") else "✗"
    if b is None:
        s = f"{_fmt(w)} ({'exact' if rel == '==' else rel}) {mark}"
    else:
        s = f"{_fmt(w)} {REL_TEXT.get(rel, rel)} {_fmt(b)} {mark}"
    m = num(ev.get("margin"))
    if m is not None:
        s += f" (margin {m:+.3g})"
    return s


def _kv_table(d: dict, limit: int = 40) -> str:
    if not d:
        return ""
    rows = []
    for k, v in list(d.items())[:limit]:
        if isinstance(v, (dict, list)):
            txt = json.dumps(v)
            if len(txt) > 300:
                txt = txt[:300] + "…"
        else:
            txt = _fmt(v, 6)
        rows.append(f"<tr><th>{E(str(k))}</th><td>{E(txt)}</td></tr>")
    more = f"<p class=meta>({len(d) - limit} more not shown)</p>" if len(d) > limit else ""
    return "<table>" + "".join(rows) + "</table>" + more


def _evidence_block(title: str, ev: dict | None, example_input: str | None = None) -> str:
    if not ev:
        return ""
    out = [f"<h4>{E(title)}</h4>",
           f"<p>{E(str(ev.get('summary', '')))}</p>",
           f"<p>witness against bound: <b>{E(witness_text(ev))}</b></p>"]
    if ev.get("details"):
        out.append(_kv_table(ev["details"]))
    if example_input:
        out.append("<details><summary>input (repr)</summary><pre>"
                   f"{E(example_input)}</pre></details>")
    return "\n".join(out)


def _plots(evs: list[tuple[str, dict]]) -> str:
    svgs = []
    seen = set()
    for caption, ev in evs:
        for s in (ev or {}).get("series") or []:
            if len(svgs) >= MAX_PLOTS_PER_STATEMENT or not isinstance(s, dict):
                continue
            key = json.dumps(s, sort_keys=True)[:5000]
            if key in seen:
                continue
            seen.add(key)
            try:
                svg = series_svg(s)
            except Exception as e:  # a bad series must not break the report
                svgs.append(f"<p class=meta>plot {E(str(s.get('title', '')))} failed: {E(repr(e))}</p>")
                continue
            if svg:
                svgs.append(f"<figure>{svg}<figcaption class=meta>{E(caption)}</figcaption></figure>")
    return ('<h4>Plots</h4><div class="plots">' + "".join(svgs) + "</div>") if svgs else ""


BLOB_RE = re.compile(r"@reproduce_failure\([^)]*\)")


def replay_commands(rec: dict) -> list[str]:
    cmds = []
    if rec.get("role") == "control":
        cmds.append(f"python -m theorems replay '{rec.get('statement')}/{rec.get('control')}'")
    elif rec.get("statement"):
        cmds.append(f"python -m theorems replay '{rec.get('statement')}'")
    if rec.get("replay"):
        cmds.append(str(rec["replay"]))
    m = BLOB_RE.search(rec.get("longrepr") or "")
    if m:
        cmds.append(m.group(0) + "  # decorator that replays this exact example")
    return cmds


def _outcome_badge(outcome: str | None) -> str:
    css = {"passed": "ok", "failed": "bad", "error": "bad", "xfailed": "refuted",
           "xpassed": "warn", "skipped": "muted"}.get(outcome or "", "muted")
    return _badge(outcome or "?", css)


def _summary_table(results: dict) -> str:
    rows = []
    for s in results["statements"]:
        v = s["verdict"]
        if v["status"] == "not run":
            continue
        d = s["description"]
        srec = [r for r in s["records"] if r.get("role") == "statement"]
        worst = None
        for r in srec:
            ev = r.get("worst") or r.get("counterexample")
            if ev and (worst is None or (num(ev.get("margin")) or 0) < (num(worst.get("margin")) or 0)):
                worst = ev
        if worst is None:  # controls only: show the control's counterexample
            for r in s["records"]:
                if r.get("counterexample"):
                    worst = r["counterexample"]
                    break
        c = v["controls"]
        ctl = f"{c['found']}/{c['total']}" if c["total"] else "—"
        rows.append(
            f"<tr><td><a href='#{_anchor(s['id'])}'>{E(s['id'])}</a></td>"
            f"<td>{E(str(d.get('title', '')))}</td><td>{E(str(d.get('kind', '')))}</td>"
            f"<td>{_badge(v.get('short', v['label']), v['css'])}</td><td class=num>{ctl}</td>"
            f"<td class=num>{s['examples']}</td><td>{E(witness_text(worst))}</td>"
            f"<td class=num>{_secs(s['elapsed'])}</td></tr>")
    head = ("<tr><th>statement</th><th>title</th><th>kind</th><th>verdict</th>"
            "<th title='controls that found a counterexample / controls run'>controls</th>"
            "<th>examples</th><th>worst witness vs declared bound</th><th>time</th></tr>")
    if not rows:
        return "<p>No statement was checked in this run.</p>"
    notrun = [s["id"] for s in results["statements"] if s["verdict"]["status"] == "not run"]
    extra = ""
    if notrun:
        extra = ("<p class=meta>Registered but not run in this session (see the end of "
                 "<a href='#statements'>Statements</a>): "
                 + ", ".join(f"<a href='#{_anchor(i)}'>{E(i)}</a>" for i in notrun) + "</p>")
    return "<table>" + head + "".join(rows) + "</table>" + extra


def _statement_section(s: dict) -> str:
    d, v = s["description"], s["verdict"]
    parts = [f"<section class='statement s{E(v['css'])}' id='{_anchor(s['id'])}'>",
             f"<h3>{E(s['id'])} — {E(str(d.get('title', '')))} {_badge(v['label'], v['css'])}</h3>"]
    meta = [str(d.get("kind", ""))]
    if d.get("markers"):
        meta.append("markers: " + ", ".join(map(str, d["markers"])))
    if d.get("source"):
        meta.append("source: " + str(d["source"]))
    parts.append(f"<p class=meta>{E(' · '.join(meta))}</p>")
    if d.get("text"):
        parts.append(f"<blockquote>{E(str(d['text']))}</blockquote>")
    if d.get("hypotheses"):
        parts.append("<h4>Hypotheses</h4><ul>" + "".join(f"<li>{E(str(h))}</li>" for h in d["hypotheses"])
                     + "</ul>")
    if d.get("constants"):
        parts.append("<h4>Named constants</h4><table><tr><th>name</th><th>value</th><th>reason</th></tr>"
                     + "".join(f"<tr><td>{E(str(c.get('name')))}</td><td class=num>{E(_fmt(c.get('value'), 6))}</td>"
                               f"<td>{E(str(c.get('reason', '')))}</td></tr>" for c in d["constants"])
                     + "</table>")
    recs = s["records"]
    if not recs:
        parts.append("<p class=meta>Not run in this session.</p></section>")
        return "\n".join(parts)
    plot_evs = []
    for r in [r for r in recs if r.get("role") == "statement"]:
        parts.append(f"<h4>Statement test {_outcome_badge(r.get('outcome'))}</h4>"
                     f"<p class=meta><code>{E(str(r.get('nodeid')))}</code> · {r.get('examples', 0)} examples · "
                     f"{_secs(r.get('elapsed'))}</p>")
        parts.append(_evidence_block("Worst example found", r.get("worst")))
        if r.get("counterexample"):
            parts.append(_evidence_block("Counterexample (minimal after shrinking)", r["counterexample"],
                                         r.get("counterexample_input")))
        if r.get("outcome") in ("failed", "error", "xfailed") or r.get("counterexample"):
            parts.append("<p>Replay:</p><pre>" + E("\n".join(replay_commands(r))) + "</pre>")
        if r.get("longrepr") and r.get("outcome") in ("failed", "error", "xfailed", "xpassed"):
            parts.append("<details><summary>failure text</summary><pre>" + E(r["longrepr"])
                         + "</pre></details>")
        plot_evs += [("counterexample (shrunk)", r.get("counterexample")), ("worst example", r.get("worst"))]
    ctrls = [r for r in recs if r.get("role") == "control"]
    if ctrls:
        rows = []
        for r in ctrls:
            cv = r.get("verdict")
            css = "ok" if cv == "counterexample found" else "warn"
            ce = r.get("counterexample")
            what = E(str(ce.get("summary", ""))) if ce else "—"
            wit = E(witness_text(ce or r.get("worst")))
            rows.append(f"<tr><td>{E(str(r.get('control')))}</td>"
                        f"<td>{_badge(cv or r.get('outcome') or '?', css)}</td>"
                        f"<td class=num>{r.get('examples', 0)}</td>"
                        f"<td>{what}<br><small>{wit}</small></td>"
                        f"<td class=num>{_secs(r.get('elapsed'))}</td></tr>")
        parts.append("<h4>Controls (each breaks one hypothesis; a counterexample is expected)</h4>"
                     "<table><tr><th>control</th><th>result</th><th>examples</th><th>counterexample</th>"
                     "<th>time</th></tr>" + "".join(rows) + "</table>")
        for r in ctrls:
            if r.get("counterexample_input") or (r.get("verdict") != "counterexample found" and r.get("longrepr")):
                body = ""
                if r.get("counterexample_input"):
                    body += f"<p>input:</p><pre>{E(r['counterexample_input'])}</pre>"
                if r.get("verdict") != "counterexample found":
                    body += "<p>Replay:</p><pre>" + E("\n".join(replay_commands(r))) + "</pre>"
                    if r.get("longrepr"):
                        body += f"<pre>{E(r['longrepr'])}</pre>"
                parts.append(f"<details><summary>control {E(str(r.get('control')))}: details</summary>"
                             f"{body}</details>")
        plot_evs += [(f"control {r.get('control')}: counterexample", r.get("counterexample")) for r in ctrls[:2]]
    parts.append(_plots([(c, e) for c, e in plot_evs if e]))
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def _not_run(results: dict) -> str:
    rest = [s for s in results["statements"] if s["verdict"]["status"] == "not run"]
    if not rest:
        return ""
    return (f"<details id='not-run'><summary>{len(rest)} registered statement(s) not run in this "
            "session</summary>" + "\n".join(_statement_section(s) for s in rest) + "</details>")


def _errata(results: dict) -> str:
    errs = [s for s in results["statements"] if s["erratum"]]
    if not errs:
        return "<p>No statement is marked as an erratum.</p>"
    out = ["<p>Statements as printed in the paper that the suite expects to be false. Each is checked "
           "like any other statement; a counterexample confirms the erratum.</p><table>"
           "<tr><th>statement</th><th>as printed</th><th>verdict</th><th>counterexample</th></tr>"]
    for s in errs:
        ce, inp = None, None
        for r in s["records"]:
            if r.get("counterexample"):
                ce, inp = r["counterexample"], r.get("counterexample_input")
                break
        cell = "—"
        if ce:
            cell = (f"{E(str(ce.get('summary', '')))}<br><small>{E(witness_text(ce))}</small>"
                    + (f"<pre>{E(inp)}</pre>" if inp else ""))
        out.append(f"<tr><td><a href='#{_anchor(s['id'])}'>{E(s['id'])}</a></td>"
                   f"<td>{E(str(s['description'].get('text', '')))}</td>"
                   f"<td>{_badge(s['verdict']['label'], s['verdict']['css'])}</td><td>{cell}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _embed_figure(path: Path) -> str:
    mime = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg",
            ".jpeg": "image/jpeg", ".gif": "image/gif"}.get(path.suffix.lower())
    if mime is None:
        return f"<p class=meta>figure {E(path.name)}: unsupported type</p>"
    try:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        return f"<p class=meta>figure {E(path.name)} missing</p>"
    return (f"<figure class=fig><img alt='{E(path.name)}' src='data:{mime};base64,{data}'>"
            f"<figcaption class=meta>{E(path.name)}</figcaption></figure>")


def _experiments(results: dict, assets_dir: Path | None) -> str:
    studies = results.get("experiments") or []
    if not studies:
        return "<p>No experiment results (<code>experiments/*/study.json</code>) in the report directory.</p>"
    out = []
    for st in studies:
        folder = str(st.get("folder", ""))
        out.append(f"<section class=statement id='x-{_anchor(str(st.get('id', folder)))}'>"
                   f"<h3>{E(str(st.get('title') or st.get('id') or folder))}</h3>")
        if st.get("error"):
            out.append(f"<p class=bad>{E(str(st['error']))}</p></section>")
            continue
        meta = [f"id: {st.get('id', '')}", f"folder: {folder}"]
        if st.get("elapsed_s") is not None:
            meta.append(f"time: {_secs(st.get('elapsed_s'))}")
        out.append(f"<p class=meta>{E(' · '.join(meta))}</p>")
        if st.get("command"):
            out.append(f"<p>Command:</p><pre>{E(str(st['command']))}</pre>")
        if st.get("notes"):
            out.append(f"<blockquote>{E(str(st['notes']))}</blockquote>")
        if st.get("settings"):
            out.append("<h4>Settings</h4>" + _kv_table(st["settings"], limit=80))
        conds = st.get("conditions") or []
        if conds:
            rows = []
            for c in conds:
                h = c.get("holds")
                rows.append(f"<tr><td>{E(str(c.get('name', '')))}</td>"
                            f"<td>{_badge('holds' if h else 'violated', 'ok' if h else 'bad') if h is not None else '—'}</td>"
                            f"<td class=num>{E(_fmt(c.get('factor')))}</td><td>{E(str(c.get('detail', '')))}</td></tr>")
            out.append("<h4>Conditions</h4><table><tr><th>condition</th><th>holds</th><th>factor</th>"
                       "<th>detail</th></tr>" + "".join(rows) + "</table>")
        for fig in st.get("figures") or []:
            if assets_dir is None:
                out.append(f"<p class=meta>figure {E(str(fig))} (not embedded)</p>")
            else:
                out.append(_embed_figure(Path(assets_dir) / folder / str(fig)))
        if st.get("csv"):
            out.append("<p>Data: " + ", ".join(
                f"<a href='{E(folder + '/' + str(c), quote=True)}'>{E(str(c))}</a>" for c in st["csv"]) + "</p>")
        out.append("</section>")
    return "\n".join(out)


def _other_tests(results: dict) -> str:
    in_stmt = {r.get("nodeid") for s in results["statements"] for r in s["records"]}
    bad = {k: t for k, t in (results.get("tests") or {}).items()
           if k not in in_stmt and t.get("outcome") in ("failed", "error")}
    counts = results["summary"].get("tests") or {}
    out = ["<p>All tests in this run: " + (", ".join(f"{v} {E(k)}" for k, v in sorted(counts.items())) or "none")
           + ".</p>"]
    if bad:
        out.append("<p>Failures outside the statement checks:</p>")
        for k, t in sorted(bad.items()):
            out.append(f"<details><summary>{_outcome_badge(t.get('outcome'))} <code>{E(k)}</code></summary>"
                       f"<pre>{E(str(t.get('longrepr') or ''))}</pre></details>")
    return "".join(out)


def _environment(results: dict) -> str:
    env = dict(results.get("environment") or {})
    pk = env.pop("packages", None)
    out = _kv_table(env, limit=100)
    if pk:
        out += "<h4>Packages</h4>" + _kv_table(pk, limit=100)
    return out


def _headline(results: dict) -> str:
    s = results["summary"]
    bits = []
    for key, css in (("holds", "ok"), ("fails", "bad"), ("error", "bad"), ("refuted", "refuted"),
                     ("control: none found", "warn"), ("control: counterexample found", "ok"),
                     ("skipped", "muted"), ("not run", "muted")):
        if s.get(key):
            bits.append(_badge(f"{s[key]} {key}", css))
    if s.get("holds_control_none"):
        bits.append(_badge(f"{s['holds_control_none']} of those holding have a control that found none", "warn"))
    if s.get("controls"):
        bits.append(_badge(f"controls {s['controls_found']}/{s['controls']} found a counterexample",
                           "ok" if s["controls_found"] == s["controls"] else "warn"))
    if s.get("errata_confirmed"):
        bits.append(_badge(f"{s['errata_confirmed']} erratum confirmed", "refuted"))
    return " ".join(bits)


def render_html(results: dict, assets_dir: str | os.PathLike | None = None) -> str:
    """The self-contained page for ``results`` (experiment figures read from ``assets_dir``)."""
    env = results.get("environment") or {}
    assets = Path(assets_dir) if assets_dir is not None else None
    meta = " · ".join(E(str(x)) for x in (
        env.get("date", ""), f"profile {env.get('profile', '?')}", f"device {env.get('device', '?')}",
        f"workers {env.get('workers', '?')}", f"total {_secs(env.get('elapsed_s'))}") if x)
    body = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>Statement verification report — Kou, Chen, Gu (2023)</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Implicit bias of gradient descent for two-layer (leaky) ReLU networks: "
        "statement verification report</h1>",
        f"<p class=meta>{meta}</p>",
        f"<p class=meta>command: <code>{E(str(env.get('command', '')))}</code></p>",
        f"<p>{_headline(results)}</p>",
        "<nav><a href='#summary'>Summary</a><a href='#errata'>Errata</a><a href='#statements'>Statements</a>"
        "<a href='#experiments'>Experiments</a><a href='#tests'>All tests</a>"
        "<a href='#environment'>Environment</a></nav>",
        "<h2 id='summary'>Summary</h2>",
        "<p class=meta>Verdict: the statement's own property test (holds / fails / refuted for a "
        "conjecture or erratum) and its controls (checks on inputs that break one hypothesis, "
        "each expected to find a counterexample). The witness is the worst measured value against "
        "the declared bound; margin &lt; 0 means the bound is violated.</p>",
        _summary_table(results),
        "<h2 id='errata'>Errata</h2>", _errata(results),
        "<h2 id='statements'>Statements</h2>",
        *[_statement_section(s) for s in results["statements"] if s["verdict"]["status"] != "not run"],
        _not_run(results),
        "<h2 id='experiments'>Experiments</h2>", _experiments(results, assets),
        "<h2 id='tests'>All tests</h2>", _other_tests(results),
        "<h2 id='environment'>Environment</h2>", _environment(results),
        "</body></html>",
    ]
    return "\n".join(body) + "\n"
