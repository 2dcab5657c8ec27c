"""Command line: ``python -m theorems {list,check,report,replay,sweep}``.

    python -m theorems list [--kind KIND] [--json] [--file PATH]
    python -m theorems check ID [--examples N] [--horizon-scale K] [--device cpu|cuda|auto]
                                [--profile NAME] [--file PATH] [--json]
    python -m theorems report [--from reports/results.json] [--out DIR]   (re-reads experiments/)
    python -m theorems replay ID [--from reports/results.json] [--file PATH]
                                 [--pytest [--write-report] [--dry-run] [-- PYTEST ARGS]]
    python -m theorems sweep necessity [--quick] [--scheduler ADDRESS] [--workers N]   (Dask)

``check`` runs one statement's property (or, with ``ID/control``, one control) in this process
through :func:`theorems.runner.check_statement`, printing a line per example to stderr; it exits 1
when the statement fails (or a conjecture is refuted, or a control finds no counterexample).
``replay`` rebuilds the recorded counterexample from the Hypothesis choice sequence stored in
``results.json`` and runs the check on it once, in this process: it prints the input and its
evidence (witness vs bound) and exits 1 when the counterexample reproduces - for statements,
controls, refuted conjectures and errata alike - and 0 when the record has no counterexample (its
worst example is replayed and shown to hold). ``--pytest`` re-runs the recorded pytest test instead.
``--file`` imports a Python file first, so conjectures written with :func:`theorems.conjecture`
in a test file can be listed and checked. Bad arguments print one line to stderr and exit 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import math
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from .runner import Recorder

EXIT_USAGE = 2


class UsageError(Exception):
    """A bad argument discovered after parsing (unknown id, missing file, ...)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not usage + error
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _positive_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}")
    return v


def _positive_float(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {s!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {s!r}")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m theorems",
                description="Statements of Kou, Chen, Gu (2023) as executable properties: list them, "
                            "check one, rebuild or replay from the report.")
    sub = p.add_subparsers(dest="cmd", metavar="{list,check,report,replay,sweep}", parser_class=_Parser)
    sub.required = True

    def add_file(q):
        q.add_argument("--file", "-f", action="append", default=[], metavar="PATH",
                       help="import this Python file first (registers its conjectures); repeatable")

    q = sub.add_parser("list", help="statements with their hypotheses, constants and controls")
    q.add_argument("--kind", choices=("theorem", "lemma", "corollary", "conjecture"))
    q.add_argument("--json", action="store_true", help="print JSON descriptions")
    add_file(q)

    q = sub.add_parser("check", help="run one statement's property (ID) or one control (ID/control)")
    q.add_argument("id", metavar="ID")
    q.add_argument("--examples", type=_positive_int, metavar="N",
                   help="number of examples (overrides the profile and the statement's cap)")
    q.add_argument("--horizon-scale", type=_positive_float, metavar="K",
                   help="multiply simulation horizons by K (sets THEOREMS_HORIZON_SCALE)")
    q.add_argument("--device", choices=("cpu", "cuda", "auto"), help="sets THEOREMS_DEVICE")
    q.add_argument("--profile", metavar="NAME", help="Hypothesis profile (ci, dev, thorough, ...)")
    q.add_argument("--json", action="store_true", help="print the record as JSON on stdout")
    q.add_argument("--quiet", "-q", action="store_true", help="no per-example progress lines")
    add_file(q)

    q = sub.add_parser("report", help="rebuild index.html from a results.json")
    q.add_argument("--from", dest="src", default="reports/results.json", metavar="PATH")
    q.add_argument("--out", metavar="DIR", help="output directory (default: beside the JSON)")

    q = sub.add_parser("replay", help="re-run the recorded counterexample and show its evidence "
                                      "(exit 1 when it reproduces)")
    q.add_argument("id", metavar="ID", help="statement id, ID/control, or a pytest node id")
    q.add_argument("--from", dest="src", default="reports/results.json", metavar="PATH")
    q.add_argument("--pytest", action="store_true",
                   help="re-run the whole recorded test with pytest instead (a fresh search)")
    q.add_argument("--write-report", action="store_true",
                   help="with --pytest: let that run rewrite the report (default: --theorems-no-report)")
    q.add_argument("--dry-run", action="store_true", help="print the pytest command, do not run it")
    add_file(q)
    q.epilog = ("Arguments after -- go to pytest (and imply --pytest), e.g. "
                "python -m theorems replay B.5 -- -x -s. Quote ids with parentheses: "
                "python -m theorems replay 'E.1(i)'")
    from .sweep.command import add_parser as add_sweep

    add_sweep(sub)
    return p


# -- helpers ------------------------------------------------------------------------------------


def _import_files(paths) -> None:
    for i, path in enumerate(paths):
        p = Path(path)
        if not p.is_file():
            raise UsageError(f"no such file: {path}")
        spec = importlib.util.spec_from_file_location(f"_theorems_cli_file_{i}_{p.stem}", p)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod
        sys.path.insert(0, str(p.parent.resolve()))
        try:
            spec.loader.exec_module(mod)
        except Exception as e:  # a duplicate id, a syntax error, ...: one line naming the file
            sys.modules.pop(spec.name, None)
            where = ""
            if isinstance(e, SyntaxError) and e.lineno:
                where = f" (line {e.lineno})"
            raise UsageError(f"cannot import {path}{where}: {type(e).__name__}: {e}") from None
        finally:
            sys.path.pop(0)


def _statements(files=()):
    from .catalogue import all_statements
    from .registry import REGISTRY

    all_statements()
    _import_files(files)
    return REGISTRY


def _unknown(sid: str) -> UsageError:
    return UsageError(f"unknown statement {sid!r}; try: python -m theorems list")


def _wrap(text: str, indent: str = "    ", width: int = 100) -> str:
    import textwrap

    return textwrap.fill(" ".join(str(text).split()), width=width, initial_indent=indent,
                         subsequent_indent=indent)


def _fmt_ev(ev) -> str:
    from .report import witness_text

    return witness_text(ev.to_json() if hasattr(ev, "to_json") else ev)


# -- commands -----------------------------------------------------------------------------------


def cmd_list(args) -> int:
    reg = _statements(args.file)
    stmts = [s for s in reg.values() if args.kind is None or s.kind == args.kind]
    if args.json:
        print(json.dumps([s.describe() for s in stmts], indent=1))
        return 0
    if not stmts:
        print("no statements registered" + (f" of kind {args.kind}" if args.kind else ""))
        return 0
    for s in stmts:
        d = s.describe()
        mk = f"  [{', '.join(d['markers'])}]" if d["markers"] else ""
        print(f"{d['id']}  ({d['kind']}) {d['title']}{mk}")
        if d["text"]:
            print(_wrap(d["text"]))
        for h in d["hypotheses"]:
            print(f"    hypothesis: {h}")
        for c in d["constants"]:
            print(f"    constant {c['name']} = {c['value']:g}: {c['reason']}")
        if d["controls"]:
            print(f"    controls: {', '.join(d['controls'])}")
    return 0


def _profile(name: str | None, examples: int | None):
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    from . import profiles

    profiles.load_default()
    if name is not None:
        try:
            settings.get_profile(name)
        except InvalidArgument:
            raise UsageError(f"unknown Hypothesis profile {name!r}; known: "
                             f"{', '.join(sorted(settings._profiles))}") from None
        settings.load_profile(name)
    if examples is not None:
        settings.register_profile("theorems-cli", parent=settings.get_profile(profiles.current_profile()),
                                  max_examples=examples)
        settings.load_profile("theorems-cli")


class ProgressRecorder(Recorder):
    """A :class:`~theorems.runner.Recorder` that prints a line per observed example to stderr."""

    def __init__(self, nodeid: str, quiet: bool = False, stream=None):
        super().__init__(nodeid)
        self.quiet, self.stream = quiet, stream

    def observe(self, ev, example=None):
        super().observe(ev, example)
        if not self.quiet:
            dt = time.perf_counter() - self.started
            mark = "holds" if ev.holds else "FAILS"
            line = (f"[{self.statement_id}] example {self.examples}: {mark}  {_fmt_ev(ev)}  "
                    f"({dt:.1f} s)  {ev.summary}")
            print(line[:300], file=self.stream or sys.stderr, flush=True)


def cmd_check(args) -> int:
    from _pytest.outcomes import OutcomeException

    from .runner import CheckResultError, check_control, check_statement

    # the environment first: strategies may read the horizon scale or device when imported
    if args.horizon_scale is not None:
        os.environ["THEOREMS_HORIZON_SCALE"] = repr(args.horizon_scale)
    if args.device is not None:
        if args.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise UsageError("device 'cuda' requested but torch sees no CUDA device")
        os.environ["THEOREMS_DEVICE"] = args.device
    from . import profiles

    profiles.load_default()
    base_profile = args.profile or profiles.current_profile()
    _profile(args.profile, args.examples)
    if args.examples is not None and not os.environ.get(profiles.HORIZON_ENV):
        # the derived profile has its own name: keep the base profile's horizon
        os.environ[profiles.HORIZON_ENV] = str(profiles.HORIZON_SCALE.get(base_profile, 1))
    reg = _statements(args.file)
    sid, control = args.id, None
    if sid not in reg and "/" in sid:
        sid, control = sid.rsplit("/", 1)
    stmt = reg.get(sid)
    if stmt is None:
        raise _unknown(args.id)
    if control is not None and control not in stmt.controls:
        raise UsageError(f"statement {sid!r} has no control {control!r}; its controls: "
                         f"{', '.join(sorted(stmt.controls)) or 'none'}")
    if args.examples is not None:
        stmt = dataclasses.replace(stmt, max_examples=args.examples)

    from hypothesis import settings

    print(f"checking {args.id} ({stmt.kind}): profile {base_profile}, "
          f"max examples {min(settings.default.max_examples, stmt.max_examples or 10**9)}, "
          f"horizon scale {profiles.horizon_scale()}, device {os.environ.get('THEOREMS_DEVICE', 'cpu')}",
          file=sys.stderr, flush=True)
    rec = ProgressRecorder(f"python -m theorems check {args.id}", quiet=args.quiet)
    failed, message = False, ""
    t0 = time.perf_counter()
    try:
        if control is None:
            check_statement(stmt, rec, strict=True)
        else:
            check_control(stmt, control, rec)
    except CheckResultError as e:  # the statement's check is broken, not the statement
        raise UsageError(str(e)) from None
    except AssertionError as e:
        failed, message = True, str(e).splitlines()[0] if str(e) else "assertion failed"
    except OutcomeException as e:  # pytest.fail / pytest.xfail from the runner
        failed, message = True, str(getattr(e, "msg", e))
    except Exception as e:
        failed, message = True, f"error: {type(e).__name__}: {e}"
        if rec.verdict is None:
            rec.verdict = "error"
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    elapsed = time.perf_counter() - t0
    data = rec.to_json()
    if args.json:
        from .report import jsonable

        print(json.dumps(jsonable(data), indent=1))
    else:
        print(f"{args.id}: {rec.verdict or ('fails' if failed else 'holds')} "
              f"after {rec.examples} examples in {elapsed:.1f} s")
        if rec.worst is not None:
            print(f"  worst: {rec.worst.summary}\n         {_fmt_ev(rec.worst)}")
        if rec.counterexample is not None:
            print(f"  counterexample: {rec.counterexample.summary}\n         {_fmt_ev(rec.counterexample)}")
            for k, v in list(rec.counterexample.details.items())[:20]:
                print(f"    {k}: {str(v)[:200]}")
            if rec.counterexample_input:
                print(f"  input: {rec.counterexample_input[:1000]}")
        if failed and message:
            print(f"  {message[:500]}")
    if control is not None:
        return 0 if rec.verdict == "counterexample found" else 1
    return 1 if failed else 0


def cmd_report(args) -> int:
    from . import report

    src = Path(args.src)
    if not src.is_file():
        raise UsageError(f"no such file: {src} (run pytest first, or pass --from PATH)")
    if args.out is not None:
        _check_out_dir(Path(args.out))
    try:
        out = report.rebuild(src, args.out)
    except (ValueError, KeyError, TypeError) as e:
        raise UsageError(f"cannot read {src}: {e}") from None
    print(out["html"])
    return 0


def _check_out_dir(out: Path) -> None:
    """``--out`` must be a folder we can write into (created if missing); checked by writing a
    probe file, before the report is rendered."""
    import tempfile

    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is an existing file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-probe-"):
            pass
    except OSError as e:
        raise UsageError(f"cannot write to --out {out}: {e.strerror or e}") from None


def find_record(results: dict, ident: str) -> dict | None:
    """The record for a statement id (its statement test, preferring a failing one), an
    ``ID/control``, or a node id."""
    recs = [r for s in results.get("statements", []) for r in s.get("records", [])]
    for r in recs:
        if r.get("nodeid") == ident:
            return r
    stmt = [r for r in recs if r.get("role") == "statement" and r.get("statement") == ident]
    if stmt:
        stmt.sort(key=lambda r: r.get("outcome") in ("failed", "xfailed", "error"), reverse=True)
        return stmt[0]
    if "/" in ident:
        sid, ctl = ident.rsplit("/", 1)
        for r in recs:
            if r.get("role") == "control" and r.get("statement") == sid and r.get("control") == ctl:
                return r
    return None


def _pytest_command(rec: dict, env: dict, args) -> tuple[list[str], str]:
    cmd = [sys.executable, "-m", "pytest", rec["nodeid"], "-p", "no:xdist", "-p", "no:cacheprovider"]
    if env.get("profile"):
        # a profile re-registered for --hypothesis-seed ('ci+seed') exists only in the process that
        # made it; the seed below re-creates it from the base profile
        from . import profiles

        profile = str(env["profile"]).removesuffix(getattr(profiles, "SEEDED", "+seed"))
        cmd.append(f"--hypothesis-profile={profile}")
    if env.get("seed") is not None:
        cmd.append(f"--hypothesis-seed={env['seed']}")
    if not args.write_report:
        cmd.append("--theorems-no-report")
    cmd += list(args.pytest_args)
    cwd = env.get("rootdir") or os.getcwd()
    if not Path(cwd).is_dir():
        cwd = os.getcwd()
    return cmd, cwd


def _statement_for(rec: dict, env: dict, files):
    """The registered statement a record belongs to: the paper's, those of ``--file``, or - for a
    statement registered by a test file (a researcher's conjectures) - that file, found from the
    record's node id under the run's rootdir."""
    reg = _statements(files)
    sid = rec.get("statement")
    if sid not in reg:
        path = str(rec.get("nodeid", "")).split("::", 1)[0]
        root = Path(env.get("rootdir") or os.getcwd())
        if path.endswith(".py") and (root / path).is_file():
            try:
                _import_files([root / path])
            except Exception as e:
                raise UsageError(f"statement {sid!r} is defined in {root / path}, which failed to "
                                 f"import: {type(e).__name__}: {e}") from None
    stmt = reg.get(sid)
    if stmt is None:
        raise UsageError(f"statement {sid!r} is not registered in this process; pass the file that "
                         f"defines it with --file PATH")
    return stmt


def _print_evidence(label: str, ev, example_repr: str | None) -> None:
    print(f"  {label}: {ev.summary}")
    print(f"  witness vs bound: {_fmt_ev(ev)}")
    if example_repr is not None:
        print(f"  input: {example_repr}")
    for k, v in list(ev.details.items())[:20]:
        print(f"    {k}: {str(v)[:200]}")


def cmd_replay(args) -> int:
    """Rebuild the recorded counterexample (or, for a record without one, the worst example) from
    its Hypothesis choice sequence, run the check on it once in this process, and print the input
    and its evidence. Exit 1 when the example fails the check (the counterexample reproduces),
    0 when it holds."""
    from . import report

    src = Path(args.src)
    if not src.is_file():
        raise UsageError(f"no such file: {src} (run pytest first, or pass --from PATH)")
    try:
        results = report.read_results(src)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {src}: {e}") from None
    rec = find_record(results, args.id)
    if rec is None:
        raise UsageError(f"no recorded test for {args.id!r} in {src}; try: python -m theorems list")
    env = results.get("environment") or {}
    if args.pytest or args.dry_run or args.pytest_args:
        cmd, cwd = _pytest_command(rec, env, args)
        print(f"(cd {shlex.quote(cwd)} && {shlex.join(cmd)})", file=sys.stderr, flush=True)
        return 0 if args.dry_run else subprocess.call(cmd, cwd=cwd)
    return _replay_in_process(rec, env, args, src)


def _replay_in_process(rec: dict, env: dict, args, src: Path) -> int:
    from hypothesis.errors import InvalidArgument

    from .registry import Evidence
    from .runner import ReplayError, replay_example, run_check

    # the strategies read the horizon scale when they draw: use the recorded run's
    scale = env.get("horizon_scale")
    if scale is not None and not os.environ.get("THEOREMS_HORIZON_SCALE"):
        os.environ["THEOREMS_HORIZON_SCALE"] = str(scale)
    stmt = _statement_for(rec, env, args.file)
    role, control = rec.get("role"), rec.get("control")
    if role == "control":
        if control not in stmt.controls:
            raise UsageError(f"statement {stmt.id!r} no longer has the control {control!r}")
        strategy, name = stmt.controls[control], f"{stmt.id}/{control}"
    else:
        strategy, name = stmt.strategy, stmt.id
    what = stmt.kind + (", erratum" if "erratum" in stmt.markers else "") + \
        (f", control {control!r}" if role == "control" else "")
    print(f"{name} ({what}): recorded {rec.get('verdict') or '?'} / {rec.get('outcome') or '?'} "
          f"after {rec.get('examples', '?')} examples ({src})")
    stored = rec.get("reproduce") or {}
    recorded_ce = rec.get("counterexample")
    blob, which = stored.get("counterexample"), "counterexample"
    if not recorded_ce:
        blob, which = stored.get("worst"), "worst example"
    if not blob:
        if recorded_ce:
            _print_evidence("recorded counterexample", Evidence.from_json(recorded_ce),
                            rec.get("counterexample_input"))
            raise UsageError(f"the record of {name!r} stores no replayable example (written by an "
                             f"older version?); re-run the test: python -m theorems replay "
                             f"{shlex.quote(args.id)} --pytest")
        print("  no counterexample recorded and no example stored: nothing to replay")
        return 0
    try:
        ex, ev = replay_example(lambda x: run_check(stmt, x), strategy, blob, stored.get("hypothesis"))
    except InvalidArgument as e:
        raise UsageError(f"cannot replay {name!r}: {' '.join(str(e).split())}") from None
    except ReplayError as e:
        raise UsageError(f"cannot replay {name!r}: {e}") from None
    except Exception as e:  # the check itself raises on the stored example: that reproduces too
        msg = " ".join(str(e).split())[:500]
        print(f"{name}: the check raises on the stored {which}: {type(e).__name__}: {msg}")
        return 1
    _print_evidence(f"replayed {which}", ev, repr(ex)[:2000])
    if not ev.holds:
        tail = {"control": "the check fails where a hypothesis is broken, as the control expects",
                "erratum": "the statement as printed is false (erratum)",
                "conjecture": "the conjecture is refuted"}
        key = "control" if role == "control" else "erratum" if "erratum" in stmt.markers else stmt.kind
        print(f"{name}: counterexample reproduces: {tail.get(key, 'the statement fails')}")
        return 1
    if which == "worst example":
        print(f"{name}: holds: no counterexample in the recorded run; its closest example (above) "
              f"still holds")
    else:
        print(f"{name}: does not reproduce: the recorded counterexample now holds")
    return 0


def cmd_sweep(args) -> int:
    from .sweep.command import cmd_sweep as run

    return run(args, UsageError)


COMMANDS = {"list": cmd_list, "check": cmd_check, "report": cmd_report, "replay": cmd_replay,
            "sweep": cmd_sweep}


def main(argv=None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:  # everything after -- goes to pytest (replay)
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    args = parser.parse_args(argv)
    if extra and args.cmd != "replay":
        parser.error(f"arguments after -- are only for replay: {' '.join(extra)}")
    args.pytest_args = extra
    # check sets THEOREMS_* variables and a Hypothesis profile; put them back afterwards, so that
    # calling main() in a process (tests, notebooks) leaves no trace
    saved_env = {k: os.environ.get(k) for k in _ENV_VARS}
    from hypothesis import settings

    from . import profiles

    saved_profile = profiles.current_profile()
    try:
        return COMMANDS[args.cmd](args)
    except UsageError as e:
        print(f"python -m theorems {args.cmd}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader went away (python -m theorems list | head): stop quietly, like other
        # command-line tools; send the rest of stdout to /dev/null so the flush at exit is silent
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
            pass
        return 141  # 128 + SIGPIPE, as a shell reports a tool killed by the broken pipe
    finally:
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if profiles.current_profile() != saved_profile:
            settings.load_profile(saved_profile)


_ENV_VARS = ("THEOREMS_HORIZON_SCALE", "THEOREMS_DEVICE")
