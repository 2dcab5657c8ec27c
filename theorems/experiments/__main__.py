"""Command line for the paper's experiments (Section 6 and Appendix I)::

    python -m theorems.experiments figure1    [--quick] [--out DIR] [--runs N] [--sigma0 S] [--device D]
    python -m theorems.experiments init-scale [--quick] [--out DIR] [--runs N] [--mnist DIR] [--device D]
    python -m theorems.experiments width      [--quick] [--out DIR] [--runs N] [--mnist DIR] [--device D]
    python -m theorems.experiments all        [--quick] [--out DIR] [--runs N] [--mnist DIR] [--device D]

Each study writes ``<out>/experiments/<study-id>/`` (study.json, PNG figures, CSV tables); one
progress line per configuration goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

STUDIES = ("figure1", "init-scale", "width")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m theorems.experiments",
                                description="Reproduce the paper's Figures 1-5 (Section 6, Appendix I).")
    p.add_argument("study", choices=STUDIES + ("all",),
                   help="figure1: Gaussian mixture, leaky slopes (Fig. 1); init-scale: Figs. 2-3; "
                        "width: Figs. 4-5; all: the three")
    p.add_argument("--quick", action="store_true",
                   help="small version of the same code (fewer runs, epochs, points); seconds")
    p.add_argument("--out", default="reports", help="output root (default: reports)")
    p.add_argument("--runs", type=int, default=None, help="runs (initialisations) per configuration "
                   "(default: 5, quick: 2)")
    p.add_argument("--mnist", default=None, metavar="DIR",
                   help="folder with MNIST IDX files (train-images-idx3-ubyte[.gz] ...): run the "
                        "real-data studies on MNIST instead of scikit-learn's digits")
    p.add_argument("--sigma0", type=float, default=None,
                   help="figure1 only: init scale (default 1e-3; the paper does not state it)")
    p.add_argument("--device", default=os.environ.get("THEOREMS_DEVICE") or "cpu",
                   choices=("cpu", "cuda", "auto"),
                   help="torch device for the simulations (default: $THEOREMS_DEVICE or cpu); "
                        "MNIST at full size wants cuda")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.runs is not None and args.runs < 1:
        print("--runs must be >= 1", file=sys.stderr)
        return 2
    if args.sigma0 is not None and args.study not in ("figure1", "all"):
        print("--sigma0 applies to figure1 only", file=sys.stderr)
        return 2
    if args.mnist is not None and args.study == "figure1":
        print("--mnist applies to init-scale and width only", file=sys.stderr)
        return 2
    from . import figure1, init_scale, width

    todo = STUDIES if args.study == "all" else (args.study,)
    t0 = time.perf_counter()
    for study in todo:
        if study == "figure1":
            r = figure1.run(out=args.out, quick=args.quick, runs=args.runs, sigma0=args.sigma0,
                            device=args.device, quiet=args.quiet)
        elif study == "init-scale":
            r = init_scale.run(out=args.out, quick=args.quick, runs=args.runs, mnist=args.mnist,
                               device=args.device, quiet=args.quiet)
        else:
            r = width.run(out=args.out, quick=args.quick, runs=args.runs, mnist=args.mnist,
                          device=args.device, quiet=args.quiet)
        print(r["folder"])
    if not args.quiet:
        print(f"[experiments] done in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
