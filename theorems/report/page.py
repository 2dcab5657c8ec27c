"""The HTML layer: ``index.html`` rendered from the Jinja2 template ``templates/report.html.j2``
(with ``templates/report.css`` inlined), so the page is one self-contained file that loads nothing
from the network.

This module prepares what the template shows (number formats, the worst witness per statement,
replay commands, plots as inline SVG, experiment figures as base64) and leaves the markup to the
template. Autoescaping is on: every value is escaped unless it is markup made here (the SVGs).
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .plots import series_svg
from .results import num

MAX_PLOTS_PER_STATEMENT = 8
TEMPLATE = "report.html.j2"

# -- formats ------------------------------------------------------------------------------------


def fmt(v: Any, digits: int = 4) -> str:
    """A value for a table cell: integers as such, other numbers to ``digits`` significant digits."""
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


def secs(v: Any) -> str:
    x = num(v)
    if x is None:
        return "—"
    if x < 60:
        return f"{x:.2f} s"
    return f"{int(x // 60)} min {x % 60:.0f} s"


def when(date: Any) -> str:
    """An ISO date as ``YYYY-MM-DD HH:MM`` (``unknown date`` when there is none)."""
    if not date:
        return "unknown date"
    return str(date)[:16].replace("T", " ")


def anchor(sid: Any) -> str:
    return "s-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", str(sid)).strip("-")


REL_TEXT = {">=": "≥", "<=": "≤", "==": "="}

MARGIN_CONVENTION = ("margin = (witness − bound) / |bound|, signed so that it is positive where the bound "
                     "holds and negative where it is violated (the plain difference when the bound is 0); "
                     "exact checks show their error against round-off, without a margin")


def margin(witness: Any, bound: Any, relation: str) -> float | None:
    """The report's one margin convention (:data:`MARGIN_CONVENTION`); ``None`` for exact checks."""
    w, b = num(witness), num(bound)
    if w is None or b is None or relation not in (">=", "<="):
        return None
    scale = abs(b) if b != 0 else 1.0
    return (w - b) / scale if relation == ">=" else (b - w) / scale


def _against(w: Any, b: Any, rel: str, holds: bool | None) -> str:
    mark = "" if holds is None else (" ✓" if holds else " ✗")
    if b is None or rel == "==":
        return f"{fmt(w)} ({'exact' if rel == '==' else rel}){mark}"
    s = f"{fmt(w)} {REL_TEXT.get(rel, rel)} {fmt(b)}{mark}"
    m = margin(w, b, rel)
    if m is not None and not math.isnan(m):
        s += f" (margin {m:+.3g})"
    return s


def witness_text(ev: dict | None) -> str:
    """``witness rel bound`` with a tick or cross, and the margin (plain text). For a binomial
    check (witness: a p-value) the worst trial's witness against its bound comes first, and the
    failure count and the p-value beside it."""
    if not ev:
        return "—"
    bn = ev.get("binomial")
    if isinstance(bn, dict):
        parts = []
        worst = bn.get("worst")
        if isinstance(worst, dict):
            w, b, rel = num(worst.get("witness")), num(worst.get("bound")), worst.get("relation", "")
            ok = None if w is None or b is None else (w <= b if rel == "<=" else w >= b)
            parts.append(f"{worst.get('what', 'worst trial')} " + _against(w, b, rel, ok))
        parts.append(f"{bn.get('failures')}/{bn.get('trials')} {bn.get('unit', 'trials')} fail "
                     f"(allowed rate {fmt(bn.get('allowed'))}), binomial p = {fmt(ev.get('witness'))} "
                     f"{REL_TEXT.get(ev.get('relation', ''), ev.get('relation', ''))} {fmt(ev.get('bound'))}"
                     + (" ✓" if ev.get("holds") else " ✗"))
        return "; ".join(parts)
    return _against(ev.get("witness"), ev.get("bound"), ev.get("relation", ""), bool(ev.get("holds")))


LIST_HEAD, LIST_TAIL, LIST_LONG = 4, 2, 10  # a list longer than LIST_LONG shows its ends


def compact(v: Any, digits: int = 4) -> str:
    """A details value for people: numbers to ``digits`` significant digits (integers exact), long
    lists abbreviated to their first and last entries and their length."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {compact(x, digits)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        if len(v) > LIST_LONG:
            items = ([compact(x, digits) for x in v[:LIST_HEAD]] + ["…"]
                     + [compact(x, digits) for x in v[-LIST_TAIL:]])
            return "[" + ", ".join(items) + f"] ({len(v)} entries)"
        return "[" + ", ".join(compact(x, digits) for x in v) + "]"
    if isinstance(v, str):
        return v
    return fmt(v, digits)


def kv_rows(d: dict, limit: int = 40) -> list[tuple[str, str]]:
    """``(key, text)`` for the first ``limit`` entries of a details/settings dictionary, numbers to
    about 4 significant digits and long lists abbreviated (:func:`compact`)."""
    rows = []
    for k, v in list(d.items())[:limit]:
        txt = compact(v)
        rows.append((str(k), txt if len(txt) <= 300 else txt[:300] + "…"))
    return rows


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


OUTCOME_CSS = {"passed": "ok", "failed": "bad", "error": "bad", "xfailed": "refuted", "xpassed": "warn",
               "skipped": "muted"}

# -- what the template shows --------------------------------------------------------------------


def summary_worst(s: dict) -> dict | None:
    """The evidence shown in the summary row: the statement tests' worst (smallest margin), else
    a control's counterexample (a statement only its controls ran)."""
    worst = None
    for r in s["records"]:
        if r.get("role") != "statement":
            continue
        ev = r.get("worst") or r.get("counterexample")
        if ev and (worst is None or (num(ev.get("margin")) or 0) < (num(worst.get("margin")) or 0)):
            worst = ev
    if worst is None:
        for r in s["records"]:
            if r.get("counterexample"):
                return r["counterexample"]
    return worst


def plots(s: dict) -> list[dict]:
    """Up to :data:`MAX_PLOTS_PER_STATEMENT` distinct plots of a statement: its tests' shrunk
    counterexample and worst example, then its first two controls' counterexamples. Each is
    ``{"svg", "caption"}`` or, when a series cannot be drawn, ``{"error", "title"}``."""
    evs = []
    for r in s["records"]:
        if r.get("role") == "statement":
            evs += [("counterexample (shrunk)", r.get("counterexample")), ("worst example", r.get("worst"))]
    ctrls = [r for r in s["records"] if r.get("role") == "control"]
    evs += [(f"control {r.get('control')}: counterexample", r.get("counterexample")) for r in ctrls[:2]]
    out, seen = [], set()
    for caption, ev in evs:
        for ser in (ev or {}).get("series") or []:
            if len(out) >= MAX_PLOTS_PER_STATEMENT or not isinstance(ser, dict):
                continue
            key = json.dumps(ser, sort_keys=True)[:5000]
            if key in seen:
                continue
            seen.add(key)
            try:
                svg = series_svg(ser)
            except Exception as e:  # a bad series must not break the report
                out.append({"error": repr(e), "title": str(ser.get("title", ""))})
                continue
            if svg:
                out.append({"svg": Markup(svg), "caption": caption})
    return out


FIGURE_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif"}


def figure(assets_dir: Path | None, folder: str, name: Any) -> dict:
    """An experiment figure to embed: ``{"name", "mime", "data"}`` or ``{"name", "problem"}``."""
    name = str(name)
    if assets_dir is None:
        return {"name": name, "problem": " (not embedded)"}
    path = Path(assets_dir) / folder / name
    mime = FIGURE_MIME.get(path.suffix.lower())
    if mime is None:
        return {"name": path.name, "problem": ": unsupported type"}
    try:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        return {"name": path.name, "problem": " missing"}
    return {"name": path.name, "mime": mime, "data": data}


def other_failures(results: dict) -> dict:
    in_stmt = {r.get("nodeid") for s in results["statements"] for r in s["records"]}
    return {k: t for k, t in sorted((results.get("tests") or {}).items())
            if k not in in_stmt and t.get("outcome") in ("failed", "error")}


def headline(results: dict) -> list[tuple[str, str]]:
    """The page's one-line tally as ``(text, css)`` badges."""
    s = results["summary"]
    bits = []
    for key, css in (("holds", "ok"), ("fails", "bad"), ("error", "bad"), ("refuted", "refuted"),
                     ("control: none found", "warn"), ("control: counterexample found", "ok"),
                     ("skipped", "muted"), ("not run", "muted")):
        if s.get(key):
            bits.append((f"{s[key]} {key}", css))
    if s.get("holds_control_none"):
        bits.append((f"{s['holds_control_none']} of those holding have a control that found none", "warn"))
    if s.get("controls"):
        bits.append((f"controls {s['controls_found']}/{s['controls']} found a counterexample",
                     "ok" if s["controls_found"] == s["controls"] else "warn"))
    if s.get("errata_confirmed"):
        bits.append((f"{s['errata_confirmed']} erratum confirmed", "refuted"))
    pw = s.get("power") or {}
    if pw.get("measured"):
        bits.append((f"power: {pw['caught']}/{pw['tried']} simulator faults caught over {pw['measured']} statements",
                     "ok" if not pw.get("unable_to_fail") else "warn"))
        if pw.get("unable_to_fail"):
            bits.append((f"{len(pw['unable_to_fail'])} unable to fail: {', '.join(pw['unable_to_fail'])}", "bad"))
    if s.get("carried"):
        bits.append((f"{s['carried']} kept from earlier runs", "muted"))
    if s.get("stale"):
        bits.append((f"{s['stale']} stale (the code changed since)", "warn"))
    return bits


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("theorems.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(fmt=fmt, secs=secs, when=when, anchor=anchor, witness=witness_text, kv_rows=kv_rows)
    env.globals.update(MARGIN_CONVENTION=MARGIN_CONVENTION, replay_commands=replay_commands,
                       summary_worst=summary_worst, plots=plots, figure=figure, OUTCOME_CSS=OUTCOME_CSS)
    return env


_ENV: jinja2.Environment | None = None


def render_html(results: dict, assets_dir: str | os.PathLike | None = None) -> str:
    """The self-contained page for ``results`` (experiment figures read from ``assets_dir``)."""
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    env = results.get("environment") or {}
    meta = [str(x) for x in (env.get("date", ""), f"profile {env.get('profile', '?')}",
                             f"device {env.get('device', '?')}", f"workers {env.get('workers', '?')}",
                             f"total {secs(env.get('elapsed_s'))}") if x]
    stmts = results["statements"]
    return _ENV.get_template(TEMPLATE).render(
        results=results, env=env, meta=meta, headline=headline(results),
        run=[s for s in stmts if s["verdict"]["status"] != "not run"],
        not_run=[s for s in stmts if s["verdict"]["status"] == "not run"],
        errata=[s for s in stmts if s["erratum"]],
        other_failures=other_failures(results),
        env_rest={k: v for k, v in env.items() if k != "packages"},
        assets_dir=Path(assets_dir) if assets_dir is not None else None,
    ) + "\n"
