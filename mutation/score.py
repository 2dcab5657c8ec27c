"""The mutation score of a (sampled) cosmic-ray session, with its 95% Wilson interval, and the
survivors listed with their diff so each can be killed by a new check or argued equivalent.

``cr-rate`` cannot be used on a sampled session: it counts the skipped mutants as survivors.
Here only executed mutants count (``worker_outcome`` other than ``skipped``); a mutant is killed
when the tests fail, crash or time out (cosmic-ray's own ``is_killed``).

Usage: ``python mutation/score.py SESSION.sqlite [--diffs]``.
"""

from __future__ import annotations

import argparse
import math
import sys

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval for ``k`` successes in ``n`` trials."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def score(session: str) -> dict:
    with use_db(session, WorkDB.Mode.open) as db:
        items = {w.job_id: w for w in db.work_items}
        done = [(j, r) for j, r in db.results if r.worker_outcome != WorkerOutcome.SKIPPED]
        pending = sum(1 for _ in db.pending_work_items)
    killed = [j for j, r in done if r.is_killed]
    survived = [(items[j], r) for j, r in done if not r.is_killed]
    lo, hi = wilson(len(killed), len(done))
    return {"executed": len(done), "killed": len(killed), "pending": pending, "low": lo, "high": hi,
            "survived": survived}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("session")
    ap.add_argument("--diffs", action="store_true", help="print each survivor's diff")
    a = ap.parse_args(argv)
    s = score(a.session)
    n, k = s["executed"], s["killed"]
    rate = k / n if n else float("nan")
    print(f"{a.session}: {k}/{n} executed mutants killed = {rate:.1%} "
          f"(95% Wilson interval {s['low']:.1%}-{s['high']:.1%}); {s['pending']} pending")
    for w, r in s["survived"]:
        m = w.mutations[0]
        print(f"  survived: {m.module_path}:{m.start_pos[0]} {m.operator_name} #{m.occurrence}")
        if a.diffs and r.diff:
            print("    " + r.diff.replace("\n", "\n    "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
