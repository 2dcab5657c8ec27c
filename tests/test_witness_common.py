"""The every-step readers of theorems/statements/common.py on hand-made running records."""

from types import SimpleNamespace

import numpy as np

import sim
from theorems.statements.common import last_running, running_minimum


def _tr(lo, hi):
    return SimpleNamespace(running={"balance": np.array(lo), "balance_attained": np.array(hi)})


def test_running_minimum_decides_without_rerun_when_the_bracket_does():
    assert running_minimum(None, _tr([[0.3, 0.5]], [[0.3, 0.5]]), "balance", 0.4) == (0.3, "exact")
    assert running_minimum(None, _tr([[0.45, 0.5]], [[0.6, 0.7]]), "balance", 0.4) == (0.45, "lower bound")
    assert running_minimum(None, _tr([[0.1, 0.5]], [[0.2, 0.7]]), "balance", 0.4) == (0.2, "attained")


def test_running_minimum_reruns_per_step_when_the_bracket_straddles_the_bound():
    pr = sim.Problem(sim.data.orthogonal(3, 6, seed=2), m=3, eta=0.5, sigma0=0.01, steps=50, gamma=0.3)
    exact = sim.simulate(pr, engine="fast").running["balance"].min()
    v, kind = running_minimum(pr, _tr([[exact - 1.0]], [[exact + 1.0]]), "balance", exact)
    assert kind == "exact" and v == exact


def test_last_running_masks_entries():
    a = -np.ones((2, 2, 3), dtype=np.int64)
    a[1, 0, 2] = 17
    a[0, 1, 0] = 5
    tr = SimpleNamespace(running={"last_switch": a})
    assert last_running(tr, "last_switch") == 17
    mask = np.zeros((2, 2, 3), bool)
    mask[0] = True
    assert last_running(tr, "last_switch", mask) == 5
    assert last_running(tr, "last_switch", np.zeros_like(mask)) == -1


def test_extend_until_stops_at_the_first_ready_horizon_or_the_cap():
    """The conjectures' adaptive horizon: 1, 10, 100, ... until ready, never past the cap."""
    from theorems.statements.common import extend_until

    seen = []

    def run_at(k):
        seen.append(k)
        return k

    assert extend_until(run_at, lambda k: k >= 100, 1000) == (100, 100, True) and seen == [1, 10, 100]
    seen.clear()
    assert extend_until(run_at, lambda k: False, 1000) == (1000, 1000, False) and seen == [1, 10, 100, 1000]
    seen.clear()
    assert extend_until(run_at, lambda k: True, 1000) == (1, 1, True) and seen == [1]
