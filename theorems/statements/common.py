"""Shared pieces of the checks: running a problem, describing it, and the finite-horizon tools
(tail decades, last-violation times) that turn limits into sharp finite-horizon consequences."""

from __future__ import annotations

import math
import os

import numpy as np
from scipy import stats

import sim
from sim.trajectory import J_SIGN as J  # noqa: F401  (the paper's j for axis index 0, 1)

from ..conditions import conditions_leaky, conditions_relu


def run(problem: sim.Problem) -> sim.Trajectory:
    """The event-driven engine (exact GD, O(n^2) per step while the activation pattern provably
    cannot change, the fast engine's per-step kernel around switches); it agrees with the fast and
    reference engines to round-off (tests/sim)."""
    return sim.simulate(problem, engine="event")


# initialisations per example for the statements that hold "w.p. >= 1 - delta over the init"
# (with delta = 0.1 and alpha = 0.01, 8 inits reject when 4 or more fail; 32 when 9 or more do)
INITS = {"ci": 8, "search": 8, "dev": 2, "thorough": 32}
# device for those batches: set from --theorems-device (tests/conftest.py) or $THEOREMS_DEVICE
DEVICE = {"name": os.environ.get("THEOREMS_DEVICE", "cpu")}


def inits_per_example() -> int:
    from ..profiles import base_profile

    return INITS.get(base_profile(), 8)


def run_inits(problem: sim.Problem, k: int | None = None) -> list:
    """``k`` initialisations (seeds ``seed .. seed + k - 1``) of the same data and hyperparameters:
    one batched call on a GPU, the event engine one at a time on the CPU (faster there; the
    engines agree to round-off)."""
    k = inits_per_example() if k is None else k
    seeds = [problem.seed + s for s in range(k)]
    from sim.simulate import resolve_device

    if resolve_device(DEVICE["name"]) == "cuda":
        return sim.simulate(problem, engine="batched", seeds=seeds, device="cuda")
    return sim.simulate(problem, engine="event", seeds=seeds)


def binomial_record(failures: int, trials: int, unit: str, allowed: float, p_value: float,
                    worst: tuple | None = None) -> dict:
    """:attr:`Evidence.binomial` for a check tested with a binomial test at level alpha;
    ``worst = (what, witness, bound, relation)`` of the worst trial, when trials have witnesses."""
    from ..constants import ALPHA_TEST

    out = {"failures": int(failures), "trials": int(trials), "unit": unit, "allowed": float(allowed),
           "p_value": float(p_value), "alpha": ALPHA_TEST.value}
    if worst is not None:
        what, w, b, rel = worst
        out["worst"] = {"what": what, "witness": float(w), "bound": float(b), "relation": rel}
    return out


def binomial_p_value(fails: int, N: int, delta: float) -> float:
    """One-sided binomial test of ``P(fail) <= delta`` from ``fails`` out of ``N``: the p-value."""
    return float(stats.binomtest(fails, N, delta, alternative="greater").pvalue)


def tail_view(tr: sim.Trajectory, frac: float = 0.1) -> sim.Trajectory:
    """The same trajectory restricted to the checkpoints in ``[frac T, T]`` (derived quantities
    such as stable ranks are then computed only there)."""
    k0 = at_fraction(tr.steps, frac)
    return sim.Trajectory(tr.problem, tr.seed, tr.engine, tr.steps[k0:], tr.rho[k0:],
                          tr.preactivation[k0:], tr.W0)


def tau_min(p: sim.Problem) -> float:
    """``n m / (eta Rmin^2)``: the time unit of Lemma F.2's T."""
    return p.n * p.m / (p.eta * p.data.Rmin ** 2)


def beta(tr: sim.Trajectory) -> float:
    """``beta = max_{j,r,i} |<w_{j,r}(0), x_i>|``."""
    return float(np.abs(tr.preactivation[0]).max())


def jy(p: sim.Problem) -> np.ndarray:
    """``j y_i`` as a (2, 1, n) array."""
    return (J[:, None] * p.data.y[None, :])[:, None, :]


def own(tr, a: np.ndarray) -> np.ndarray:
    """From a (K, 2, m, n) array take the class ``j = y_i`` slice: (K, m, n)."""
    ji = np.where(tr.problem.data.y > 0, 0, 1)
    return a[:, ji, :, np.arange(tr.problem.n)].transpose(1, 2, 0)


def other(tr, a: np.ndarray) -> np.ndarray:
    """The class ``j = -y_i`` slice: (K, m, n)."""
    ji = np.where(tr.problem.data.y > 0, 1, 0)
    return a[:, ji, :, np.arange(tr.problem.n)].transpose(1, 2, 0)


def active_at_init(tr) -> np.ndarray:
    """``r in S_i(0)``, i.e. ``<w_{y_i,r}(0), x_i> >= 0``, as an (m, n) boolean array."""
    return own(tr, tr.preactivation)[0] >= 0


def describe(p: sim.Problem) -> dict:
    """JSON-able facts about a problem, including the condition factors of its theorem."""
    c = conditions_leaky(p.data, p.m, p.eta, p.sigma0, p.gamma) if p.gamma > 0 else \
        conditions_relu(p.data, p.m, p.eta, p.sigma0)
    return {"n": p.n, "d": p.d, "m": p.m, "gamma": p.gamma, "eta": p.eta, "sigma0": p.sigma0,
            "steps": p.steps, "seed": p.seed, "data": p.data.name, "Rmin": p.data.Rmin,
            "Rmax": p.data.Rmax, "R": p.data.R, "p": p.data.p, "n_pos": int((p.data.y > 0).sum()),
            "tau": p.tau, "conditions": {x["name"]: x["factor"] for x in c.describe()},
            "conditions_hold": c.holds}


def at_fraction(steps: np.ndarray, frac: float) -> int:
    """Index of the first checkpoint at or after ``frac`` times the horizon."""
    return int(np.searchsorted(steps, frac * steps[-1]))


def running_minimum(problem: sim.Problem, tr: sim.Trajectory, key: str, bound: float) -> tuple[float, str]:
    """The minimum over *every* step of a running quantity (:mod:`sim.running`: ``min_preact_S0``
    (n,) or ``balance`` (2, 2)), decided against ``bound`` without a transient between checkpoints
    slipping through. Returns ``(value, kind)``:

    - ``"exact"``: the engine evaluated every state (per-step engines), ``value`` is the minimum;
    - ``"lower bound"``: the event engine's rigorous lower bound already clears ``bound``, so the
      true minimum does too;
    - ``"attained"``: a state the engine evaluated is already below ``bound`` (a real violation);
    - otherwise (the bracket straddles ``bound``) the problem is run again on the per-step ``fast``
      engine and its exact minimum is returned as ``"exact"``.
    """
    lo = float(np.min(tr.running[key]))
    hi = float(np.min(tr.running[key + "_attained"]))
    if lo == hi:
        return lo, "exact"
    if lo >= bound:
        return lo, "lower bound"
    if hi < bound:
        return hi, "attained"
    exact = sim.simulate(problem, engine="fast")
    return float(np.min(exact.running[key])), "exact"


def last_running(tr: sim.Trajectory, key: str, mask: np.ndarray | None = None) -> float:
    """The largest step of the running per-entry quantity ``key`` (``last_wrong_sign`` or
    ``last_switch``, (2, m, n), ``-1`` for never) over the entries where ``mask`` (2, m, n) is True:
    exact at every step on every engine (:mod:`sim.running`)."""
    a = np.asarray(tr.running[key])
    a = a if mask is None else np.where(mask, a, -1)
    return float(a.max()) if a.size else -1.0


def extend_until(run_at, ready, max_extend: int, factor: int = 10) -> tuple:
    """The adaptive horizon of the conjectures' finite-horizon forms: ``run_at(k)`` simulates the
    horizon times ``k`` for ``k = 1, factor, factor^2, ...``, stopping at the first run on which
    ``ready(tr)`` holds, or at ``k >= max_extend``. Returns ``(tr, k, ready)``."""
    k = 1
    while True:
        tr = run_at(k)
        ok = bool(ready(tr))
        if ok or k >= max_extend:
            return tr, k, ok
        k *= factor


def last_true(steps: np.ndarray, mask: np.ndarray) -> float:
    """The last step at which ``mask`` holds (-1 if never)."""
    idx = np.nonzero(mask)[0]
    return float(steps[idx[-1]]) if idx.size else -1.0


def series(title, xlabel, ylabel, lines, logx=False, logy=False) -> dict:
    """Plot data for the report (see :class:`theorems.registry.Evidence`)."""
    return {"title": title, "xlabel": xlabel, "ylabel": ylabel, "logx": logx, "logy": logy,
            "lines": [{"label": lab, "x": _list(x), "y": _list(y)} for lab, x, y in lines]}


def _list(a):
    a = np.asarray(a, dtype=float)
    return [None if not math.isfinite(v) else float(v) for v in a]


def fmt(x: float) -> str:
    return f"{x:.4g}"


def run_seeds(problem: sim.Problem, seeds) -> list:
    """The runs of ``problem`` from the given init seeds (as :func:`run_inits`, for a chosen set of
    seeds: batched on a GPU, the event engine one at a time on the CPU)."""
    from sim.simulate import resolve_device

    seeds = [int(s) for s in seeds]
    if resolve_device(DEVICE["name"]) == "cuda":
        return sim.simulate(problem, engine="batched", seeds=seeds, device="cuda")
    return sim.simulate(problem, engine="event", seeds=seeds)


def stable_rank(A: np.ndarray) -> float:
    """``SR(A) = ||A||_F^2 / ||A||_2^2`` from the singular values (``nan`` for the zero matrix)."""
    s = np.linalg.svd(np.asarray(A, dtype=float), compute_uv=False)
    return float((s ** 2).sum() / s[0] ** 2) if s.size and s[0] > 0 else math.nan
