"""Keep a seeded random sample of a cosmic-ray session's mutants; mark the rest skipped.

Running every mutant is out of reach here (``sim/`` alone has about 6,500 and its tests take about
25 s per mutant on one core), so the score is *estimated* from a uniform random sample, with its
binomial confidence interval (``python mutation/score.py SESSION``). This is a cosmic-ray filter
(a ``cr-filter-*`` tool in all but name): it only marks work items ``SKIPPED`` in the session
database, and ``cosmic-ray exec`` then runs what is left.

Also skipped, whatever the sample: ``core/RemoveDecorator`` (removing ``@njit`` runs the same code
interpreted: an equivalent mutant that only makes the tests time out).

Usage: ``python mutation/sample.py SESSION.sqlite N [--seed S]``.
"""

from __future__ import annotations

import argparse
import random
import sys

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult

EXCLUDED_OPERATORS = ("core/RemoveDecorator",)


def sample(db: WorkDB, n: int, seed: int) -> tuple[int, int]:
    items = sorted(db.pending_work_items, key=lambda w: w.job_id)
    eligible = [w for w in items
                if not any(m.operator_name in EXCLUDED_OPERATORS for m in w.mutations)]
    eligible_ids = {w.job_id for w in eligible}
    keep = {w.job_id for w in random.Random(seed).sample(eligible, min(n, len(eligible)))}
    for w in items:
        if w.job_id not in keep:
            why = ("equivalent operator (see mutation/sample.py)" if w.job_id not in eligible_ids
                   else f"not in the random sample (seed {seed})")
            db.set_result(w.job_id, WorkResult(output=why, worker_outcome=WorkerOutcome.SKIPPED))
    return len(keep), len(eligible)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("session")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if a.n < 1:
        ap.error("N must be >= 1")
    with use_db(a.session, WorkDB.Mode.open) as db:
        kept, eligible = sample(db, a.n, a.seed)
    print(f"{a.session}: kept {kept} of {eligible} eligible mutants (seed {a.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
