"""Necessity maps: which of Theorem 4.1's and Theorem 4.3's hypotheses does the truth need?

The paper's conditions are sufficient. For each theorem we relax one hypothesis alone by a factor
``f`` in :data:`FACTORS`, with the others *at their bounds*, and run the theorem's conclusions -- the
suite's own checks, ``Statement.check(problem) -> Evidence`` from the registry -- on the same ``K``
drawn examples in every cell:

=========  ====================================================================================
sigma0     ``sigma0 = f * sigma0_max`` ((B.2) / (E.2), :func:`theorems.conditions.sigma0_max`)
eta        ``eta = f * eta_max`` ((B.3) / (E.3)); the horizon keeps its number of *steps*
data       ``p = f * p_max`` ((B.4) / (E.4), :func:`~theorems.conditions.max_p_leaky` /
           :func:`~theorems.conditions.max_p_relu`): new data, same ``n``, ``d``, norms, labels
gamma      (4.1) ``gamma -> gamma / f`` with ``sigma0`` and ``p`` left at the original gamma's bounds
width      (4.3) ``m = ceil(m_min / f)``, ``m_min = ceil(C log(n / delta))``, ``eta`` at its bound for that m
=========  ====================================================================================

``f = 1`` is every hypothesis at its bound (a case inside the theorem, so every conclusion should hold).
Lemma F.2 assumes exactly orthogonal data (``p = 0``): its examples stay orthogonal at ``f = 1``, and
its data row uses ``p = f * 1e-3 * p_max`` for ``f > 1`` (so ``f = 1000`` is Theorem 4.3's bound).
A relaxed value that cannot be realised (a Gram matrix ``(n - 1) p >= Rmin^2`` that is not positive
definite) is recorded as ``infeasible``, not run.

Base examples are drawn from each conclusion's own Hypothesis strategy (so sizes, horizons and
dense checkpoints are what that check expects) with a fixed seed, then moved to the bounds.
Per (hypothesis, factor, conclusion) the map reports the fraction of examples that still hold, the
distribution of the witness margin (positive: holds with room), and per (hypothesis, conclusion)
the *breaking factor*: the smallest factor at which some example fails. One 2-D map, sigma0 factor
x p factor, for Lemma B.5.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FACTORS = (1, 3, 10, 30, 100, 1000)
HYPOTHESES = {"4.1": ("sigma0", "eta", "data", "gamma"), "4.3": ("sigma0", "eta", "data", "width")}
CONCLUSIONS = {"4.1": ("B.5", "C.3", "4.1"),
               "4.3": ("E.1(i)", "E.1(ii)", "E.1(iii)", "E.1(iv)", "F.2(pattern)", "F.2(zeros)",
                       "F.2(limit)", "4.3")}
ORTHOGONAL = ("F.2(pattern)", "F.2(zeros)", "F.2(limit)")
MAP2D_STATEMENT = "B.5"
F2_P_UNIT = 1e-3
VERSION = 1  # bump when the construction of a task changes (its key changes with it)


@dataclass(frozen=True)
class Spec:
    """What a necessity sweep runs. ``examples``: drawn examples per cell; ``seed``: the draws'."""

    name: str = "necessity"
    factors: tuple = FACTORS
    examples: int = 5
    seed: int = 0
    conclusions: dict | None = None  # theorem -> conclusions (default CONCLUSIONS)
    hypotheses: dict | None = None  # theorem -> hypotheses (default HYPOTHESES)
    map2d: bool = True
    map2d_factors: tuple | None = None  # default: factors

    def conc(self) -> dict:
        return self.conclusions or CONCLUSIONS

    def hyps(self) -> dict:
        return self.hypotheses or HYPOTHESES

    def describe(self) -> dict:
        return {"name": self.name, "factors": list(self.factors), "examples": self.examples, "seed": self.seed,
                "conclusions": {k: list(v) for k, v in self.conc().items()},
                "hypotheses": {k: list(v) for k, v in self.hyps().items()}, "map2d": self.map2d,
                "map2d_factors": list(self.map2d_factors or self.factors), "version": VERSION}


FULL = Spec()
QUICK = Spec(name="necessity-quick", factors=(1, 10, 1000), examples=1,
             conclusions={"4.1": ("B.5", "C.3"), "4.3": ("E.1(i)", "F.2(pattern)")},
             map2d_factors=(1, 1000))


NOTES = ("Each hypothesis relaxed alone by the factor, the others at their bounds: sigma0 = f sigma0_max; "
         "eta = f eta_max (same number of steps); p = f p_max (new data, same n, d, norms, labels); "
         "gamma / f (4.1; sigma0 and p kept at the original gamma's bounds); m = ceil(m_min / f) (4.3). "
         "F.2 assumes p = 0: orthogonal at factor 1, p = f 1e-3 p_max beyond. Each cell runs the suite's own "
         "check of the conclusion on the same drawn examples; n/a: the relaxed p cannot be realised "
         "((n-1) p >= Rmin^2). Breaking factor: the smallest factor at which some example fails.")


class Infeasible(ValueError):
    """The relaxed value cannot be realised (recorded, not run)."""


# -- drawing base examples ------------------------------------------------------------------------


def draw_examples(strategy, k: int, seed: int) -> list:
    """``k`` examples of a Hypothesis ``strategy``, the same for the same ``seed`` (generation phase
    only, no database). Hypothesis's first example is its simplest (n = 2, m = 1, ...): skipped, so
    the examples are random draws."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    out: list = []

    @hseed(seed)
    # derandomize=False explicitly: under a derandomized profile (the suite's ci) Hypothesis would
    # ignore the seed and every --seed would draw the same examples
    @settings(max_examples=max(k, 1) * 3, database=None, phases=[Phase.generate], deadline=None,
              derandomize=False, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(x):
        if len(out) < k + 1:
            out.append(x)

    collect()
    if len(out) < k + 1:
        raise RuntimeError(f"drew {len(out) - 1} of {k} examples")
    return out[1:]


def _statement(sid: str):
    from ..catalogue import all_statements
    from ..registry import REGISTRY

    all_statements()
    return REGISTRY[sid]


# -- moving a problem to the bounds and relaxing one hypothesis -----------------------------------


def _data_with_p(data, p: float):
    import sim

    n_pos = int((data.y > 0).sum())
    if data.n >= 2 and (data.n - 1) * p >= data.Rmin ** 2 * (1 - 1e-9):
        raise Infeasible(f"p = {p:.4g} needs (n-1) p < Rmin^2 = {data.Rmin ** 2:.4g} (positive-definite Gram)")
    seed = int(data.info.get("seed", 0)) if isinstance(data.info, dict) else 0
    # the generator needs the labels in its order: first n_pos +1
    if not np.array_equal(data.y, np.where(np.arange(data.n) < n_pos, 1.0, -1.0)):
        raise Infeasible("labels not in the generator's order")
    return sim.nearly_orthogonal(data.n, data.d, p=p, norms=data.norms, n_pos=n_pos, seed=seed)


def _p_max(data, gamma: float) -> float:
    from .. import conditions as cond

    if gamma > 0:
        return cond.max_p_leaky(data.Rmin, data.R, data.n, gamma)
    return cond.max_p_relu(data.Rmin, data.R, data.n)


def relaxed_problem(base, theorem: str, sid: str, relax: dict):
    """``base`` with every hypothesis of ``theorem`` at its bound and each hypothesis in ``relax``
    (``{hypothesis: factor}``) relaxed by its factor (the table in the module docstring). Raises
    :class:`Infeasible` when that cannot be realised."""
    from .. import conditions as cond
    from ..strategies import relu_width_min

    f = {h: float(v) for h, v in relax.items()}
    gamma0 = base.gamma
    orth = sid in ORTHOGONAL
    data = base.data
    fd = f.get("data", 1.0)
    pm = _p_max(data, gamma0)
    if orth:  # F.2 assumes p = 0: orthogonal at factor 1, p = f * 1e-3 * p_max beyond
        if fd != 1.0:
            data = _data_with_p(data, fd * F2_P_UNIT * pm)
    else:
        data = _data_with_p(data, fd * pm * (1 - 1e-6))
    m = base.m
    if theorem == "4.3":
        m = max(1, math.ceil(relu_width_min(data.n) / f.get("width", 1.0)))
    gamma = gamma0 / f.get("gamma", 1.0)
    # eta and sigma0 at the bounds of the unrelaxed gamma (the gamma row breaks only gamma)
    eta = cond.eta_max(data, m) * f.get("eta", 1.0)
    sigma0 = cond.sigma0_max(data, m, gamma0) * f.get("sigma0", 1.0)
    return base.replace(data=data, m=m, eta=eta, sigma0=sigma0, gamma=gamma)


def conditions_of(problem, theorem: str) -> dict:
    """The condition factors (``lhs / rhs``, ``< 1`` broken) of ``theorem`` on ``problem``."""
    from .. import conditions as cond

    p = problem
    if theorem == "4.1":
        c = cond.conditions_leaky(p.data, p.m, p.eta, p.sigma0, p.gamma) if p.gamma > 0 else None
    else:
        c = cond.conditions_relu(p.data, p.m, p.eta, p.sigma0)
    if c is None:
        return {}
    return {x.name: (x.factor if math.isfinite(x.factor) else None) for x in c.items}


# -- the task a worker runs --------------------------------------------------------------------------


def evaluate(sid: str, problem, theorem: str) -> dict:
    """Run statement ``sid``'s check on ``problem``: its verdict, witness, bound, margin, summary,
    the parts of a combined witness when its details name them, and the problem's facts."""
    ev = _statement(sid).check(problem)
    details = ev.details if isinstance(ev.details, dict) else {}
    parts = {k: details[k] for k in ("norm_part", "sr_part", "loss_part", "failures", "inits")
             if k in details and isinstance(details[k], (int, float))}
    margin = ev.margin
    return {"holds": bool(ev.holds), "witness": ev.witness, "bound": ev.bound, "relation": ev.relation,
            "margin": margin if math.isfinite(margin) else (-1e300 if margin < 0 else 1e300),
            "score": ev.score, "summary": str(ev.summary)[:400], "parts": parts,
            "problem": {"n": problem.n, "d": problem.d, "m": problem.m, "eta": problem.eta,
                        "sigma0": problem.sigma0, "gamma": problem.gamma, "p": problem.data.p,
                        "Rmin": problem.data.Rmin, "R": problem.data.R, "steps": problem.steps,
                        "seed": problem.seed},
            "conditions": conditions_of(problem, theorem)}


# -- the tasks of a spec ----------------------------------------------------------------------------


def _key(*parts) -> str:
    raw = "|".join(str(p) for p in parts)
    h = hashlib.sha1(raw.encode()).hexdigest()[:10]
    safe = "".join(c if c.isalnum() else "_" for c in "_".join(str(p) for p in parts[:-1]))
    return f"{safe}-{h}"


_CODE_VERSION: list = []


def code_version() -> str:
    """A hash of the code a record depends on: the simulator (``sim/``), the statements and the
    layers under them (constants, conditions, strategies, profiles, registry). Part of every task
    key, so a changed check or engine runs anew instead of reusing a record computed by old code;
    edits to the sweep itself or the report do not invalidate records."""
    if not _CODE_VERSION:
        base = Path(__file__).resolve().parent.parent.parent
        files = sorted((base / "sim").rglob("*.py")) + sorted((base / "theorems" / "statements").rglob("*.py"))
        files += [base / "theorems" / f for f in ("constants.py", "conditions.py", "strategies.py",
                                                  "profiles.py", "registry.py")]
        h = hashlib.sha1()
        for f in files:
            if f.is_file():
                h.update(f.relative_to(base).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
        _CODE_VERSION.append(h.hexdigest()[:12])
    return _CODE_VERSION[0]


def fingerprint(problem) -> str:
    """A hash of everything that determines a run: data, labels, m, eta, sigma0, gamma, seed,
    horizon and checkpoints."""
    h = hashlib.sha1()
    h.update(np.ascontiguousarray(problem.data.X, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(problem.data.y, dtype=np.float64).tobytes())
    h.update(repr((problem.m, float(problem.eta), float(problem.sigma0), float(problem.gamma), problem.seed,
                   problem.steps, problem.batch_size, problem.shuffle_seed)).encode())
    h.update(np.asarray(problem.checkpoints, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


def build_tasks(spec: Spec):
    """``(tasks, infeasible)``: the :class:`~theorems.sweep.runner.Task` list of the spec, and the
    cells that cannot be realised (records of their own, written without running)."""
    from .runner import Task

    tasks, infeasible = [], []
    cells = []  # (map, theorem, sid, hyp, factor, ...)
    for theorem, sids in spec.conc().items():
        for sid in sids:
            bases = draw_examples(_statement(sid).strategy, spec.examples, spec.seed)
            for hyp in spec.hyps()[theorem]:
                for f in spec.factors:
                    for k, base in enumerate(bases):
                        cells.append(({"map": "1d", "theorem": theorem, "statement": sid, "hypothesis": hyp,
                                       "factor": f, "example": k}, base, {hyp: f}))
    if spec.map2d:
        sid = MAP2D_STATEMENT
        bases = draw_examples(_statement(sid).strategy, spec.examples, spec.seed)
        for fs in spec.map2d_factors or spec.factors:
            for fp in spec.map2d_factors or spec.factors:
                for k, base in enumerate(bases):
                    cells.append(({"map": "2d", "theorem": "4.1", "statement": sid, "hypothesis": "sigma0+data",
                                   "factor": fs, "factor2": fp, "example": k}, base,
                                  {"sigma0": fs, "data": fp}))
    for meta, base, relax in cells:
        ident = (meta["map"], meta["statement"], meta["hypothesis"], meta["factor"], meta.get("factor2", ""),
                 meta["example"], f"s{spec.seed}")
        try:
            prob = relaxed_problem(base, meta["theorem"], meta["statement"], relax)
        except Exception as e:  # Infeasible or a problem the simulator refuses
            key = _key(*ident, json.dumps(meta, sort_keys=True) + f"v{VERSION}" + fingerprint(base) + code_version())
            infeasible.append({"key": key, "status": "infeasible", "error": f"{type(e).__name__}: {e}",
                               "meta": meta, "elapsed_s": 0.0})
            continue
        # the key names the cell and fingerprints the problem and the code: a resumed sweep reuses a
        # record only for the very problem and checks it was computed with
        key = _key(*ident, json.dumps(meta, sort_keys=True) + f"v{VERSION}" + fingerprint(prob) + code_version())
        meta = dict(meta, relaxed=conditions_of(prob, meta["theorem"]))
        tasks.append(Task(key, evaluate, (meta["statement"], prob, meta["theorem"]), meta))
    return tasks, infeasible


# -- summaries ---------------------------------------------------------------------------------------


def _quantiles(xs):
    if not xs:
        return (None, None, None)
    a = np.asarray(xs, dtype=float)
    return (float(a.min()), float(np.median(a)), float(a.max()))


def summarize(records: list[dict], spec: Spec) -> dict:
    """``{"cells": [...], "breaking": [...], "map2d": [...]}`` from the task records."""
    groups: dict = {}
    for r in records:
        meta = r.get("meta") or {}
        g = (meta.get("map"), meta.get("theorem"), meta.get("statement"), meta.get("hypothesis"),
             meta.get("factor"), meta.get("factor2"))
        groups.setdefault(g, []).append(r)
    cells = []
    for (mp, th, sid, hyp, f, f2), rs in groups.items():
        ok = [r for r in rs if r.get("status") == "ok"]
        holds = [bool(r["result"]["holds"]) for r in ok]
        margins = [r["result"]["margin"] for r in ok]
        mq = _quantiles(margins)
        cells.append({"map": mp, "theorem": th, "statement": sid, "hypothesis": hyp, "factor": f,
                      "factor2": f2, "examples": len(rs), "run": len(ok),
                      "errors": sum(r.get("status") == "error" for r in rs),
                      "infeasible": sum(r.get("status") == "infeasible" for r in rs),
                      "holding": sum(holds), "fraction": (sum(holds) / len(holds)) if holds else None,
                      "margin_min": mq[0], "margin_median": mq[1], "margin_max": mq[2],
                      "witnesses": [r["result"]["witness"] for r in ok]})
    order = {h: i for i, h in enumerate(sum((list(v) for v in spec.hyps().values()), []))}
    cells.sort(key=lambda c: (c["map"], c["theorem"], c["statement"], order.get(c["hypothesis"], 99),
                              c["factor"], c["factor2"] or 0))
    breaking = []
    for c in cells:
        if c["map"] != "1d" or c["factor"] != min(spec.factors):
            continue
        row = [d for d in cells if d["map"] == "1d" and (d["theorem"], d["statement"], d["hypothesis"])
               == (c["theorem"], c["statement"], c["hypothesis"])]
        brk = next((d["factor"] for d in row if d["fraction"] is not None and d["fraction"] < 1), None)
        tested = [d["factor"] for d in row if d["fraction"] is not None]
        untested = [d["factor"] for d in row if d["fraction"] is None]
        breaking.append({"theorem": c["theorem"], "statement": c["statement"], "hypothesis": c["hypothesis"],
                         "breaking_factor": brk, "largest_tested": max(tested) if tested else None,
                         "holds_up_to": max((f for f in tested if brk is None or f < brk), default=None),
                         "not_run": untested})
    return {"cells": cells, "breaking": breaking}


# the bullets of Theorems 4.1 / 4.3 are one check each; where its Evidence.details name the worst
# init's parts (each normalised so that <= 1 holds) and the failing inits, examples.csv shows them
PART_COLUMNS = ("norm_part", "sr_part", "loss_part", "failures", "inits")
CELL_COLUMNS = ("map", "theorem", "statement", "hypothesis", "factor", "factor2", "examples", "run", "errors",
                "infeasible", "holding", "fraction", "margin_min", "margin_median", "margin_max")


def _csv(rows, columns) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else (f"{r[c]:.6g}" if isinstance(r[c], float) else r[c])
                    for c in columns])
    return buf.getvalue()


def heatmap_png(summary: dict, theorem: str, spec: Spec) -> bytes:
    """Fraction of examples holding per (hypothesis x factor) row and conclusion column block."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sids = list(spec.conc()[theorem])
    hyps = list(spec.hyps()[theorem])
    fac = list(spec.factors)
    ncol = min(4, len(sids))
    nrow = -(-len(sids) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(1.2 + 0.5 * len(fac) * ncol, (0.45 * len(hyps) + 1.0) * nrow + 0.4),
                             squeeze=False)
    for ax in axes.flat[len(sids):]:
        ax.axis("off")
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#dddddd")
    for ax, sid in zip(axes.flat, sids):
        grid = np.full((len(hyps), len(fac)), np.nan)
        label = {}
        for c in summary["cells"]:
            if c["map"] == "1d" and c["theorem"] == theorem and c["statement"] == sid and c["fraction"] is not None:
                grid[hyps.index(c["hypothesis"]), fac.index(c["factor"])] = c["fraction"]
                label[(hyps.index(c["hypothesis"]), fac.index(c["factor"]))] = f"{c['holding']}/{c['run']}"
        _cells(ax, grid, label, cmap, aspect="auto")
        ax.set_xticks(range(len(fac)), [str(f) for f in fac], fontsize=7)
        ax.set_yticks(range(len(hyps)), hyps, fontsize=8)
        ax.set_title(sid, fontsize=9)
        ax.set_xlabel("factor", fontsize=7)
    fig.suptitle(f"Theorem {theorem}: examples holding / examples run (colour: the fraction)", fontsize=9)
    return _png(fig)


def _cells(ax, grid, label, cmap, **imshow):
    """The fraction holding as colour (grey where nothing ran), each cell labelled holding / run."""
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=1, **imshow)
    for (i, j), _ in np.ndenumerate(grid):
        ax.text(j, i, label.get((i, j), "n/a"), ha="center", va="center", fontsize=7)


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def heatmap2d_png(summary: dict, spec: Spec) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fac = list(spec.map2d_factors or spec.factors)
    grid = np.full((len(fac), len(fac)), np.nan)
    label = {}
    for c in summary["cells"]:
        if c["map"] == "2d" and c["fraction"] is not None:
            ij = (fac.index(c["factor"]), fac.index(c["factor2"]))
            grid[ij] = c["fraction"]
            label[ij] = f"{c['holding']}/{c['run']}"
    fig, ax = plt.subplots(figsize=(1.5 + 0.5 * len(fac), 1.2 + 0.45 * len(fac)))
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#dddddd")
    _cells(ax, grid, label, cmap, origin="lower")
    ax.set_xticks(range(len(fac)), [str(f) for f in fac], fontsize=7)
    ax.set_yticks(range(len(fac)), [str(f) for f in fac], fontsize=7)
    ax.set_xlabel("p / p_max (B.4)", fontsize=8)
    ax.set_ylabel("sigma0 / sigma0_max (B.2)", fontsize=8)
    ax.set_title(f"Lemma {MAP2D_STATEMENT}: holding / run", fontsize=9)
    return _png(fig)


def findings(summary: dict) -> list[str]:
    """Plain sentences: per theorem, hypothesis and conclusion, the breaking factor."""
    out = []
    for b in summary["breaking"]:
        nr = b.get("not_run") or []
        tail = f" (factors {', '.join(str(x) for x in nr)} not realisable or not run)" if nr else ""
        if b["breaking_factor"] is None:
            out.append(f"{b['statement']} (Thm {b['theorem']}): holds with {b['hypothesis']} relaxed up to "
                       f"{b['largest_tested']}x (no failure seen){tail}")
        elif b["breaking_factor"] == 1:
            out.append(f"{b['statement']} (Thm {b['theorem']}): fails already at factor 1 with {b['hypothesis']} "
                       f"at its bound")
        else:
            out.append(f"{b['statement']} (Thm {b['theorem']}): {b['hypothesis']} can be relaxed "
                       f"{b['holds_up_to']}x; first failure at {b['breaking_factor']}x{tail}")
    return out


def write_outputs(out_dir: str | os.PathLike, records: list[dict], spec: Spec, command: str = "",
                  elapsed_s: float | None = None) -> dict:
    """``map.csv``, ``map2d.csv``, ``examples.csv``, ``breaking.csv``, the heatmaps and ``sweep.json``
    (what the report's Necessity section reads), all written atomically."""
    from .runner import atomic_write_text

    d = Path(out_dir)
    summary = summarize(records, spec)
    one = [c for c in summary["cells"] if c["map"] == "1d"]
    two = [c for c in summary["cells"] if c["map"] == "2d"]
    atomic_write_text(d / "map.csv", _csv(one, CELL_COLUMNS))
    atomic_write_text(d / "map2d.csv", _csv(two, CELL_COLUMNS))
    atomic_write_text(d / "breaking.csv", _csv(summary["breaking"], ("theorem", "statement", "hypothesis",
                                                                       "breaking_factor", "holds_up_to",
                                                                       "largest_tested")))
    ex_rows = []
    for r in records:
        m = r.get("meta") or {}
        res = r.get("result") or {}
        parts = res.get("parts") or {}
        ex_rows.append({**{k: m.get(k) for k in ("map", "theorem", "statement", "hypothesis", "factor", "factor2",
                                                  "example")},
                        "status": r.get("status"), "holds": res.get("holds"), "witness": res.get("witness"),
                        "bound": res.get("bound"), "margin": res.get("margin"),
                        **{k: parts.get(k) for k in PART_COLUMNS}, "error": r.get("error", "")})
    ex_rows.sort(key=lambda x: (str(x["map"]), str(x["theorem"]), str(x["statement"]), str(x["hypothesis"]),
                                float(x["factor"] or 0), float(x["factor2"] or 0), int(x["example"] or 0)))
    atomic_write_text(d / "examples.csv", _csv(ex_rows, ("map", "theorem", "statement", "hypothesis", "factor",
                                                         "factor2", "example", "status", "holds", "witness",
                                                         "bound", "margin") + PART_COLUMNS + ("error",)))
    figures = []
    for theorem in spec.conc():
        name = f"heatmap-{theorem}.png"
        _atomic_bytes(d / name, heatmap_png(summary, theorem, spec))
        figures.append(name)
    if spec.map2d and two:
        _atomic_bytes(d / "heatmap-2d-B.5.png", heatmap2d_png(summary, spec))
        figures.append("heatmap-2d-B.5.png")
    doc = {"id": spec.name, "kind": "necessity", "title": f"Necessity maps ({spec.name})",
           "command": command, "spec": spec.describe(), "elapsed_s": elapsed_s, "code_version": code_version(),
           "tasks": len(records), "errors": sum(r.get("status") == "error" for r in records),
           "infeasible": sum(r.get("status") == "infeasible" for r in records),
           "findings": findings(summary), "breaking": summary["breaking"], "figures": figures,
           "csv": ["map.csv", "map2d.csv", "breaking.csv", "examples.csv"],
           "notes": NOTES}
    atomic_write_text(d / "sweep.json", json.dumps(doc, indent=1) + "\n")
    return {"summary": summary, "sweep": doc}


def _atomic_bytes(path: Path, data: bytes) -> None:
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def run_necessity(spec: Spec, out_dir: str | os.PathLike, *, scheduler: str | None = None,
                  workers: int | None = None, client=None, progress: bool = True, stop_after: int | None = None,
                  retry_errors: bool = False, command: str = "", stream=None, timeout_s: float = 60.0) -> dict:
    """Run (or resume) the necessity sweep ``spec`` into ``out_dir``; write its CSV, heatmaps and
    ``sweep.json``; return ``{"summary", "sweep", "records"}``."""
    import time

    from .runner import atomic_write_text, check_writable, record_path, run_tasks

    t0 = time.perf_counter()
    out = check_writable(out_dir)
    tasks, infeasible = build_tasks(spec)
    for rec in infeasible:  # written once; nothing to run
        path = record_path(out, rec["key"])
        if not path.exists():
            atomic_write_text(path, json.dumps(rec, indent=1, sort_keys=True, default=str) + "\n")
    recs = run_tasks(tasks, out, name=spec.name, scheduler=scheduler, workers=workers, client=client,
                     progress=progress, stop_after=stop_after, retry_errors=retry_errors, stream=stream,
                     timeout_s=timeout_s)
    records = list(recs.values()) + infeasible
    written = write_outputs(out, records, spec, command=command, elapsed_s=time.perf_counter() - t0)
    return {**written, "records": records, "complete": len(recs) == len(tasks)}
