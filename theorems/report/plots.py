"""Plots for the report: each :attr:`theorems.registry.Evidence.series` entry (``{"title",
"xlabel", "ylabel", "logx", "logy", "lines": [{"label", "x", "y"}]}``; a line may also carry
``"style"``: ``"--"``, ``":"`` or ``"-."``) drawn as a small inline SVG line chart, so that the page
loads nothing and stays one file. Written by hand rather than with matplotlib: see the README's
*Architecture* section for the measurement that chose it."""

from __future__ import annotations

import html
import math

from .results import num

MAX_POINTS = 800


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


def _tick_label(v: float, log: bool, digits: int = 3) -> str:
    if log:
        k = math.log10(v)
        if abs(k - round(k)) < 1e-9 and abs(k) >= 3:
            return f"1e{int(round(k))}"
    return f"{v:.{digits}g}"


def _tick_labels(ticks: list[float], log: bool) -> list[str]:
    """Labels with as many significant digits as it takes to tell neighbouring ticks apart (a
    narrow range around 6 reads 6, 6.0001, 6.0002 rather than 6, 6, 6)."""
    for digits in range(3, 16):
        labels = [_tick_label(t, log, digits) for t in ticks]
        if len(set(labels)) == len(labels):
            return labels
    return labels


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
    xt = [t for t in _ticks(x0, x1, logx) if x0 <= (math.log10(t) if logx else t) <= x1]
    for t, lab in zip(xt, _tick_labels(xt, logx)):
        X = px(math.log10(t) if logx else t)
        out.append(f'<line x1="{X:.1f}" y1="{T}" x2="{X:.1f}" y2="{T + ph}" stroke="#e5e5e5"/>'
                   f'<text x="{X:.1f}" y="{T + ph + 14}" text-anchor="middle">{e(lab)}</text>')
    yt = [t for t in _ticks(y0, y1, logy) if y0 <= (math.log10(t) if logy else t) <= y1]
    for t, lab in zip(yt, _tick_labels(yt, logy)):
        Y = py(math.log10(t) if logy else t)
        out.append(f'<line x1="{L}" y1="{Y:.1f}" x2="{L + pw}" y2="{Y:.1f}" stroke="#e5e5e5"/>'
                   f'<text x="{L - 4}" y="{Y + 4:.1f}" text-anchor="end">{e(lab)}</text>')
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


