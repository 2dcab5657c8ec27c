"""How long one report plot takes: the hand-written inline SVG of ``theorems.report.plots``
against matplotlib (SVG backend with one shared figure, and Agg to a PNG at low DPI).

    python bench/report_plots.py [--plots 60]

A full report draws about 60-100 plots (up to 8 per statement). Prints ms per plot, bytes per plot
and the ratios, measured in one run (the machine is shared; compare ratios, not absolute times)."""

from __future__ import annotations

import argparse
import base64
import io
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from theorems.report.plots import series_svg  # noqa: E402


def sample(k: int) -> dict:
    steps = [int(round(10 ** (i / 20))) for i in range(101)]
    return {"title": f"SR(W_j) against t ({k})", "xlabel": "t", "ylabel": "SR", "logx": True, "logy": k % 2 == 0,
            "lines": [{"label": "SR(W_+1)", "x": steps, "y": [1 + 1.5 / math.log(math.e + t) + 1e-3 * k for t in steps]},
                      {"label": "1 + K/log t", "x": steps[1:], "y": [1 + 4 / math.log(t + 1) for t in steps[1:]],
                       "style": "--"}]}


def timed(fn, plots):
    t0 = time.perf_counter()
    sizes = [len(fn(s)) for s in plots]
    return (time.perf_counter() - t0) / len(plots) * 1e3, sum(sizes) / len(sizes)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plots", type=int, default=60)
    n = ap.parse_args().plots
    plots = [sample(k) for k in range(n)]

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = time.perf_counter()
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    setup_ms = (time.perf_counter() - t0) * 1e3

    def draw(s):
        ax.clear()
        for ln in s["lines"]:
            ax.plot(ln["x"], ln["y"], ln.get("style", "-"), label=ln["label"], lw=1.5)
        ax.set_xscale("log" if s["logx"] else "linear")
        ax.set_yscale("log" if s["logy"] else "linear")
        ax.set_title(s["title"], fontsize=9)
        ax.set_xlabel(s["xlabel"])
        ax.set_ylabel(s["ylabel"])
        ax.legend(fontsize=8)

    def mpl_svg(s):
        draw(s)
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
        return buf.getvalue()

    def mpl_png(s):
        draw(s)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=60)
        return base64.b64encode(buf.getvalue())

    series_svg(plots[0]), mpl_svg(plots[0]), mpl_png(plots[0])  # warm up (imports, font cache)
    res = {"inline SVG (theorems.report.plots)": timed(series_svg, plots),
           "matplotlib SVG, shared figure": timed(mpl_svg, plots),
           "matplotlib Agg PNG, 60 dpi, shared figure": timed(mpl_png, plots)}
    base = res["inline SVG (theorems.report.plots)"][0]
    print(f"{n} plots of 2 lines x 101 points; matplotlib figure set-up {setup_ms:.0f} ms (once)")
    for name, (ms, size) in res.items():
        print(f"  {name:45s} {ms:8.2f} ms/plot  {size / 1024:7.1f} KiB/plot  {ms / base:7.1f}x")


if __name__ == "__main__":
    main()
