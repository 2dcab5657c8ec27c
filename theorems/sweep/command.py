"""``python -m theorems sweep SPEC``: run (or resume) a sweep on Dask and refresh the report.

    python -m theorems sweep necessity [--quick] [--examples K] [--seed S] [--workers N]
                                       [--scheduler ADDRESS] [--out DIR] [--report-dir DIR]
                                       [--retry-errors] [--no-progress]
    python -m theorems sweep figures [--quick] [--study figure1|figure2-3|figure4-5]...
                                     [--runs N] [--mnist DIR] [--device cpu|cuda|auto] [--workers N]
                                     [--scheduler ADDRESS] [--report-dir DIR]

Default cluster: a ``LocalCluster`` on this machine (processes, one thread each; ``--workers``,
default the CPU count). ``--scheduler tcp://HOST:8786`` runs the same tasks on an existing cluster
(``dask scheduler`` / ``dask worker``; see the README). Records go to
``<report-dir>/sweeps/<name>/tasks/`` as they finish; re-running resumes. Afterwards the report
(``<report-dir>/index.html``) is rebuilt so its Necessity section shows the heatmaps.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

SPECS = ("necessity", "figures")


def add_parser(sub) -> None:
    q = sub.add_parser("sweep", help="run or resume a sweep (necessity maps) on Dask")
    q.add_argument("spec", choices=SPECS, metavar="SPEC", help="what to sweep: " + ", ".join(SPECS))
    q.add_argument("--quick", action="store_true",
                   help="the small variant (factors 1, 10, 1000; one example; two conclusions per theorem)")
    q.add_argument("--examples", type=int, metavar="K", help="drawn examples per cell (default 5; quick 1)")
    q.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the drawn examples")
    q.add_argument("--workers", type=int, metavar="N", help="LocalCluster worker processes (default: CPU count)")
    q.add_argument("--scheduler", metavar="ADDRESS", help="use an existing Dask scheduler (tcp://host:8786)")
    q.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="seconds to wait for the scheduler or the LocalCluster to answer (default 60)")
    q.add_argument("--report-dir", default="reports", metavar="DIR",
                   help="the report folder (default reports/); the sweep writes to DIR/sweeps/NAME")
    q.add_argument("--out", metavar="DIR", help="the sweep's output folder (default REPORT_DIR/sweeps/NAME)")
    q.add_argument("--retry-errors", action="store_true", help="run again the tasks recorded with an error")
    q.add_argument("--no-progress", action="store_true", help="no progress bar")
    g = q.add_argument_group("figures")
    g.add_argument("--study", action="append", choices=("figure1", "figure2-3", "figure4-5"),
                   help="which figure studies (repeatable; default all three)")
    g.add_argument("--runs", type=int, metavar="N", help="runs (seeds) per setting")
    g.add_argument("--mnist", metavar="DIR", help="MNIST IDX files (Figures 2-5; default: bundled digits)")
    g.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"), help="device of each run")


def spec_from_args(args):
    from dataclasses import replace

    from . import necessity as N

    spec = N.QUICK if args.quick else N.FULL
    if args.examples is not None:
        if args.examples < 1:
            raise ValueError("--examples must be >= 1")
        spec = replace(spec, examples=args.examples)
    if args.seed:
        spec = replace(spec, seed=args.seed)
    if spec.examples != (N.QUICK if args.quick else N.FULL).examples or spec.seed:
        spec = replace(spec, name=f"{spec.name}-k{spec.examples}-s{spec.seed}")
    return spec


def cmd_sweep(args, usage_error) -> int:
    from . import necessity as N
    from .runner import SweepError, check_writable

    if args.workers is not None and args.workers < 1:
        raise usage_error("--workers must be >= 1")
    if args.spec == "figures":
        return _cmd_figures(args, usage_error)
    try:
        spec = spec_from_args(args)
    except ValueError as e:
        raise usage_error(str(e)) from None
    rdir = Path(args.report_dir)
    out = Path(args.out) if args.out else rdir / "sweeps" / spec.name
    try:
        check_writable(out)
    except SweepError as e:
        raise usage_error(str(e)) from None
    command = "python -m theorems sweep " + " ".join(shlex.quote(a) for a in sys.argv[2:]) \
        if len(sys.argv) > 2 and sys.argv[1] == "sweep" else f"python -m theorems sweep {args.spec}" + \
        (" --quick" if args.quick else "")
    try:
        res = N.run_necessity(spec, out, scheduler=args.scheduler, workers=args.workers,
                              progress=not args.no_progress, retry_errors=args.retry_errors, command=command,
                              timeout_s=args.timeout)
    except KeyboardInterrupt:
        print(f"interrupted: the finished tasks are kept in {out}; run the same command to resume",
              file=sys.stderr)
        return 130
    except (OSError, TimeoutError) as e:  # e.g. no scheduler at --scheduler ADDRESS
        raise usage_error(f"cannot run the sweep on {args.scheduler or 'a LocalCluster'}: {e}") from None
    doc = res["sweep"]
    print(f"{spec.name}: {doc['tasks']} tasks ({doc['errors']} errors, {doc['infeasible']} infeasible) in {out}")
    for line in doc["findings"]:
        print("  " + line)
    html = _refresh_report(rdir, out)
    if html:
        print(f"report: {html}")
    return 0 if res["complete"] else 1


def _refresh_report(rdir: Path, out: Path) -> str | None:
    """Rebuild ``rdir/index.html`` with the sweeps (from ``rdir/results.json`` when there is one;
    otherwise a page with no statements, only the sweeps and experiments). Only when the sweep
    went into ``rdir/sweeps/``."""
    from .. import report

    try:
        out.resolve().relative_to((rdir / "sweeps").resolve())
    except ValueError:
        return None
    src = rdir / "results.json"
    try:
        if src.is_file():
            return report.rebuild(src)["html"]
        results = report.build_results([], {}, report.collect_environment(), {}, (),
                                       report.load_experiments(rdir), report.load_sweeps(rdir))
        return report.write_report(rdir, results)["html"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"report not refreshed: {e}", file=sys.stderr)
        return None


def _cmd_figures(args, usage_error) -> int:
    from . import figures
    from .runner import SweepError, check_writable

    if args.runs is not None and args.runs < 1:
        raise usage_error("--runs must be >= 1")
    if args.mnist:
        from ..experiments.__main__ import UsageError as XUsage, check_mnist

        try:
            check_mnist(args.mnist)
        except XUsage as e:
            raise usage_error(str(e)) from None
    rdir = Path(args.report_dir)
    try:
        check_writable(rdir / "sweeps" / "figures")
    except SweepError as e:
        raise usage_error(str(e)) from None
    from .runner import close_client, start_client

    failed = 0
    try:
        client, cluster = start_client(args.scheduler, args.workers, timeout_s=args.timeout)  # one for every study
    except (OSError, TimeoutError) as e:
        raise usage_error(f"cannot start a Dask client on {args.scheduler or 'a LocalCluster'}: {e}") from None
    try:
        for study in args.study or figures.STUDIES:
            try:
                rec = figures.run_study(study, rdir, quick=args.quick, runs=args.runs,
                                        mnist=args.mnist if study != "figure1" else None, device=args.device,
                                        client=client, progress=not args.no_progress)
                print(f"{study}: wrote {rec['folder']}")
            except RuntimeError as e:
                print(f"{study}: {e}", file=sys.stderr)
                failed += 1
    except KeyboardInterrupt:
        print("interrupted: the finished runs are kept under sweeps/figures/; run the same command to resume",
              file=sys.stderr)
        return 130
    finally:
        close_client(client, cluster)
    html = _refresh_report(rdir, rdir / "sweeps" / "figures")
    if html:
        print(f"report: {html}")
    return 1 if failed else 0
