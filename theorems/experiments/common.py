"""Shared pieces of the Section 6 / Appendix I studies: atomic output files, the study.json record,
mean-and-range band plots, progress lines, and the theorems' conditions as study.json blocks.

Output layout (read by the report builder)::

    <out>/experiments/<study-id>/study.json     {"id", "title", "command", "settings", "conditions",
                                                  "figures", "csv", "notes", "elapsed_s"}
    <out>/experiments/<study-id>/*.png, *.csv   figures and tables named in study.json
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
import tempfile
import time
from typing import Iterable, Sequence

import numpy as np

from sim import Dataset
from theorems.conditions import conditions_leaky, conditions_relu

BAND_TEXT = "mean, shaded from min to max"  # how band() summarises the runs, for figure titles
STUDY_KEYS = ("id", "title", "command", "settings", "conditions", "figures", "csv", "notes",
              "elapsed_s")


# --- files ------------------------------------------------------------------------------------
def write_atomic(path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``,
    so a reader never sees a half-written file."""
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _jsonable(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (set, tuple)):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _finite(o):
    """JSON has no NaN/inf: write them as the strings "nan", "inf", "-inf"."""
    if isinstance(o, float) and not math.isfinite(o):
        return "nan" if math.isnan(o) else ("inf" if o > 0 else "-inf")
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    return o


def write_json(path, obj) -> None:
    text = json.dumps(_finite(json.loads(json.dumps(obj, default=_jsonable))), indent=2)
    write_atomic(path, text + "\n")


def write_csv(path, header: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write a CSV (floats with 10 significant digits); returns the number of data rows."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    count = 0
    for row in rows:
        w.writerow([f"{v:.10g}" if isinstance(v, (float, np.floating)) else v for v in row])
        count += 1
    write_atomic(path, buf.getvalue())
    return count


def save_figure(fig, path) -> None:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    write_atomic(path, buf.getvalue())


def pyplot():
    """matplotlib's pyplot on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def band(ax, x, Y, label: str, color=None, clip=None):
    """Mean line of ``Y`` (runs x points) with a band shaded from the smallest to the largest run.

    The paper shades mean +- 3 std; over a handful of runs that band leaves the possible range
    (it drew stable ranks below 1, which no matrix has), while the runs' own range cannot.
    ``clip=(lo, hi)`` clips the band to a range (e.g. ``(0, 1)`` for an error rate)."""
    Y = np.asarray(Y, dtype=float)
    mu = np.nanmean(Y, axis=0)
    (line,) = ax.plot(x, mu, label=label, color=color, lw=1.6)
    lo, hi = np.nanmin(Y, axis=0), np.nanmax(Y, axis=0)
    if clip is not None:
        lo, hi = np.clip(lo, *clip), np.clip(hi, *clip)
    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    return line


# --- progress ---------------------------------------------------------------------------------
class Progress:
    """One line per configuration on stderr: ``[study] config ... done in 1.2s: summary``."""

    def __init__(self, study: str, stream=None, quiet: bool = False):
        self.study, self.stream, self.quiet = study, stream or sys.stderr, quiet
        self.t0 = time.perf_counter()

    def line(self, msg: str) -> None:
        if not self.quiet:
            print(f"[{self.study} {time.perf_counter() - self.t0:6.1f}s] {msg}", file=self.stream,
                  flush=True)


# --- the theorems' conditions -----------------------------------------------------------------
def condition_block(prefix: str, data: Dataset, m: int, eta: float, sigma0: float,
                    gamma: float) -> list[dict]:
    """The conditions of Theorem 4.1 (``gamma > 0``, :func:`conditions_leaky`) or Theorem 4.3
    (``gamma = 0``, :func:`conditions_relu`) for this setting, as study.json entries
    ``{"name": "<prefix>: <condition>", "holds", "factor", "detail"}``."""
    conds = (conditions_leaky(data, m, eta, sigma0, gamma) if gamma > 0
             else conditions_relu(data, m, eta, sigma0))
    out = []
    for c in conds.describe():
        out.append({"name": f"{prefix}: {c['name']}", "holds": bool(c["holds"]),
                    "factor": c["factor"], "detail": f"{conds.theorem} {c['text']}: {c['detail']}"})
    return out


def factor_of(block: list[dict], cond: str) -> float:
    for c in block:
        if c["name"].endswith(": " + cond):
            f = c["factor"]
            return math.inf if f == "inf" else float(f)
    raise KeyError(cond)


def data_summary_text(data: Dataset) -> str:
    """``Rmin^2, p, p/Rmin^2`` and the largest ``p`` that (E.2) would allow, in words."""
    from theorems.conditions import max_p_relu

    pmax = max_p_relu(data.Rmin, data.R, data.n)
    return (f"{data.name}: n={data.n}, d={data.d}, Rmin^2={data.Rmin ** 2:.4g}, "
            f"Rmax^2={data.Rmax ** 2:.4g}, p=max|<x_i,x_k>|={data.p:.4g} (p/Rmin^2={data.p / data.Rmin ** 2:.3g}); "
            f"Theorem 4.3's data condition (E.2) allows p <= Rmin^2/(C R^2 n) = {pmax:.3g}, "
            f"Theorem 4.1's (B.2) gamma^4 times that")


def fmt(x: float) -> str:
    return f"{x:.3g}"


# --- study.json -------------------------------------------------------------------------------
def study_dir(out, study_id: str) -> str:
    return os.path.join(os.fspath(out), "experiments", study_id)


def write_study(out, study_id: str, *, title: str, command: str, settings: dict, conditions: list,
                figures: list, csv_files: list, notes: str, elapsed_s: float) -> str:
    """Write ``<out>/experiments/<study_id>/study.json`` (last, after the figures and CSVs it names)
    and return its path."""
    folder = study_dir(out, study_id)
    record = {"id": study_id, "title": title, "command": command, "settings": settings,
              "conditions": conditions, "figures": list(figures), "csv": list(csv_files),
              "notes": notes, "elapsed_s": float(elapsed_s)}
    path = os.path.join(folder, "study.json")
    write_json(path, record)
    return path


def command_line(study: str, quick: bool, out, runs: int | None = None, extra: Sequence[str] = ()) -> str:
    parts = ["python", "-m", "theorems.experiments", study]
    if quick:
        parts.append("--quick")
    if os.fspath(out) != "reports":
        parts += ["--out", os.fspath(out)]
    if runs is not None:
        parts += ["--runs", str(runs)]
    parts += list(extra)
    return " ".join(parts)
