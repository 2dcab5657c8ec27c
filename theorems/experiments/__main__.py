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
import math
import os
import sys
import tempfile
import time

STUDIES = ("figure1", "init-scale", "width")
PROG = "python -m theorems.experiments"


class UsageError(Exception):
    """A bad argument, found before any study starts."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not usage + error
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG,
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


def check_out(out) -> None:
    """``--out`` must be a folder this process can write ``experiments/`` into (checked by writing a
    probe file there), so a long study cannot end in a failed write."""
    out = os.fspath(out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out} is an existing file, not a folder")
    target = os.path.join(out, "experiments")
    try:
        os.makedirs(target, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target, prefix=".write-probe-"):
            pass
    except OSError as e:
        raise UsageError(f"cannot write to --out {out}: {e.strerror or e}") from None


def check_mnist(folder) -> None:
    """Read the MNIST files once (a missing, truncated or corrupt file fails here, not after
    the studies before it have run)."""
    import sim

    try:
        sim.mnist_binary(folder)
    except (OSError, ValueError) as e:
        raise UsageError(f"--mnist {folder}: {e}") from None


def check_args(args) -> None:
    if args.runs is not None and args.runs < 1:
        raise UsageError(f"--runs must be >= 1; got {args.runs}")
    if args.sigma0 is not None:
        if args.study not in ("figure1", "all"):
            raise UsageError("--sigma0 applies to figure1 only")
        if not (math.isfinite(args.sigma0) and args.sigma0 > 0):
            raise UsageError(f"--sigma0 must be a number > 0; got {args.sigma0:g}")
    if args.mnist is not None and args.study == "figure1":
        raise UsageError("--mnist applies to init-scale and width only")
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--device cuda: torch sees no CUDA device (use --device cpu or auto)")
    check_out(args.out)
    if args.mnist is not None:
        check_mnist(args.mnist)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        check_args(args)
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
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
