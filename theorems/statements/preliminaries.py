"""Preliminaries (Appendix A): Lemma A.1 (init scale), Lemma A.2 (initial activation counts) and
Lemma A.3 = Lemma 5.2 (the coefficient recursion)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from scipy import stats

import sim
from sim.engines.reference import rho_from_weights

from .. import conditions as cond
from .. import strategies as S
from ..constants import ALPHA_TEST, C, DELTA, ROUNDOFF
from ..registry import Evidence, statement
from .common import J, describe, fmt

INITS = 200  # initialisations sampled per example for the "w.p. >= 1 - delta" statements


@dataclass(frozen=True)
class InitExperiment:
    """``inits`` independent initialisations of a ``Problem`` (seeds ``seed .. seed + inits - 1``)."""

    problem: sim.Problem
    inits: int = INITS

    def weights(self) -> np.ndarray:
        p = self.problem
        return np.stack([p.init_weights(p.seed + k) for k in range(self.inits)])  # (N, 2, m, d)


def _binomial(fails: int, N: int, delta: float):
    """One-sided binomial test of ``P(fail) <= delta``; returns the p-value."""
    return float(stats.binomtest(fails, N, delta, alternative="greater").pvalue)


@st.composite
def a1_experiments(draw, d_range=None):
    n = draw(st.integers(1, 8), label="n")
    m = draw(st.integers(1, 16), label="m")
    if d_range is None:
        d_min = int(math.ceil(cond.conditions_A1(1, m, n).items[0].rhs))
        d = d_min + draw(st.integers(0, 100), label="d - d_min")
    else:
        d = draw(st.integers(*d_range), label="d")
    a = draw(S.norms(n))
    data = sim.Dataset(np.random.default_rng(draw(st.integers(0, 2**31 - 1))).standard_normal((n, d)) *
                       (a / 1.0)[:, None] / math.sqrt(d), np.ones(n), name="gaussian")
    sigma0 = draw(st.floats(1e-6, 10.0), label="sigma0")
    return InitExperiment(sim.Problem(data, m=m, eta=1.0, sigma0=sigma0, steps=0,
                                      seed=draw(st.integers(0, 2**31 - 1), label="seed")))


@statement(
    "A.1", kind="lemma", title="Initialisation scale",
    text="If d = Omega(log(mn/delta)), w.p. >= 1 - delta: sigma0^2 d/2 <= ||w_{j,r}(0)||^2 <= 3 sigma0^2 d/2 "
         "and |<w_{j,r}(0), x_i>| <= sqrt(2 log(8mn/delta)) sigma0 Rmax for all j, r, i.",
    strategy=a1_experiments(), hypotheses=("d >= C log(mn/delta)", "W(0) entries iid N(0, sigma0^2)"),
    constants=(C, DELTA, ALPHA_TEST), markers=("preliminary", "statement"),
    controls={"small_d": a1_experiments(d_range=(1, 3))}, source="Lemma A.1 (Appendix A)")
def check_A1(ex: InitExperiment) -> Evidence:
    """Statistical: over ``inits`` initialisations, the frequency of the event failing is tested
    against ``delta`` (one-sided binomial test). Witness: the p-value; holds iff ``>= alpha``."""
    p = ex.problem
    W = ex.weights()
    sq = (W ** 2).sum(-1)  # (N, 2, m)
    s2d = p.sigma0 ** 2 * p.d
    norm_ok = ((sq >= s2d / 2) & (sq <= 1.5 * s2d)).all(axis=(1, 2))
    ip = np.abs(W @ p.data.X.T).max(axis=(1, 2, 3))
    ip_ok = ip <= math.sqrt(2 * math.log(8 * p.m * p.n / DELTA.value)) * p.sigma0 * p.data.Rmax
    fails = int((~(norm_ok & ip_ok)).sum())
    pval = _binomial(fails, ex.inits, DELTA.value)
    return Evidence(holds=pval >= ALPHA_TEST.value, witness=pval, bound=ALPHA_TEST.value, relation=">=",
                    summary=f"{fails}/{ex.inits} inits fail (norms: {int((~norm_ok).sum())}, inner products: "
                            f"{int((~ip_ok).sum())}); binomial p = {fmt(pval)} against delta = {DELTA.value}",
                    details={"n": p.n, "m": p.m, "d": p.d, "sigma0": p.sigma0, "fails": fails,
                             "inits": ex.inits, "frequency": fails / ex.inits})


@st.composite
def a2_experiments(draw, m_range=None):
    n = draw(st.integers(1, 8), label="n")
    if m_range is None:
        m_min = int(math.ceil(cond.conditions_A2(1, n).items[0].rhs))
        m = m_min + draw(st.integers(0, 100), label="m - m_min")
    else:
        m = draw(st.integers(*m_range), label="m")
    data = draw(S.nearly_orthogonal_data((n, n), p_max_fn=cond.max_p_relu, both_classes=False))
    return InitExperiment(sim.Problem(data, m=m, eta=1.0, sigma0=draw(st.floats(1e-6, 10.0)), steps=0,
                                      seed=draw(st.integers(0, 2**31 - 1), label="seed")))


@statement(
    "A.2", kind="lemma", title="Initial activation counts",
    text="If m >= 50 log(2n/delta), w.p. >= 1 - delta: 0.4 m <= |S_i(0)| <= 0.6 m for all i.",
    strategy=a2_experiments(), hypotheses=("m >= 50 log(2n/delta)",), constants=(DELTA, ALPHA_TEST),
    markers=("preliminary", "statement"), controls={"narrow": a2_experiments(m_range=(2, 20))},
    source="Lemma A.2 (Appendix A)")
def check_A2(ex: InitExperiment) -> Evidence:
    """Statistical, as A.1. Witness: the binomial p-value; holds iff ``>= alpha``."""
    p = ex.problem
    W = ex.weights()
    Z = W @ p.data.X.T  # (N, 2, m, n)
    ji = np.where(p.data.y > 0, 0, 1)
    own = Z[:, ji, :, np.arange(p.n)]  # (n, N, m)
    cnt = (own >= 0).sum(-1)  # (n, N)
    ok = ((cnt >= 0.4 * p.m) & (cnt <= 0.6 * p.m)).all(0)
    fails = int((~ok).sum())
    pval = _binomial(fails, ex.inits, DELTA.value)
    return Evidence(holds=pval >= ALPHA_TEST.value, witness=pval, bound=ALPHA_TEST.value, relation=">=",
                    summary=f"{fails}/{ex.inits} inits have some |S_i(0)| outside [0.4m, 0.6m] (m = {p.m}); "
                            f"binomial p = {fmt(pval)} against delta = {DELTA.value}",
                    details={"n": p.n, "m": p.m, "fails": fails, "inits": ex.inits,
                             "S_over_m_range": [float(cnt.min() / p.m), float(cnt.max() / p.m)]})


@st.composite
def short_problems(draw, rank_deficient=False):
    """Small problems of any activation for the exact recursion; full row rank unless asked."""
    base = draw(st.one_of(S.leaky_problems(n_range=(2, 6), m_range=(1, 6)),
                          S.relu_problems(n_range=(2, 4), extra_m=(0, 4))))
    steps = draw(st.integers(1, 300), label="steps")
    if not rank_deficient:
        return base.replace(steps=steps, n_log=20)
    n = draw(st.integers(3, 7), label="n")
    d = draw(st.integers(1, n - 1), label="d (< n)")
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    data = sim.Dataset(rng.standard_normal((n, d)), np.where(np.arange(n) % 2 == 0, 1.0, -1.0),
                       name="rank_deficient")
    return sim.Problem(data, m=base.m, eta=0.5, sigma0=0.1, steps=steps, gamma=base.gamma, n_log=20,
                       seed=base.seed)


@statement(
    "A.3", kind="lemma", title="Coefficient recursion (Lemma 5.2 = A.3)",
    text="rho(0) = 0; rhobar_{j,r,i}(t+1) = rhobar(t) - (eta/(nm)) l'_i sigma'(<w_{j,r}(t), x_i>) ||x_i||^2 1(y_i = j); "
         "rhounder_{j,r,i}(t+1) = rhounder(t) + (eta/(nm)) l'_i sigma'(...) ||x_i||^2 1(y_i = -j); so "
         "rhounder_{y_i,r,i} = 0 and rhobar_{-y_i,r,i} = 0 (B.10).",
    strategy=short_problems(), hypotheses=("X has full row rank (n <= d, independent points)",),
    constants=(ROUNDOFF,), markers=("preliminary", "statement"),
    controls={"rank_deficient": short_problems(rank_deficient=True)},
    source="Lemma 5.2 (Section 5) = Lemma A.3 (Appendix A)")
def check_A3(problem) -> Evidence:
    """Exact. ``rho`` from the recursion (fast engine) against ``rho`` recovered by least squares
    from ``W(t) - W(0)`` of plain GD on the weights (reference engine, autograd). Witness: the
    largest relative difference, plus the largest violation of (B.10); holds iff ``<= roundoff``."""
    fast = sim.simulate(problem, engine="fast")
    ref = sim.simulate(problem, engine="reference")
    Ws = np.stack([ref.weights(k) for k in range(len(ref.steps))])
    # ref.weights is W0 + C X with C from least squares; compare it with the raw GD weights too
    scale = max(float(np.abs(fast.rho).max()), 1e-300)
    diff = float(np.abs(fast.rho - ref.rho).max()) / scale
    recon = float(np.abs(Ws @ problem.data.X.T - ref.preactivation).max()) / \
        max(float(np.abs(ref.preactivation).max()), 1e-300)
    jy = (J[:, None] * problem.data.y[None, :])[None, :, None, :]
    b10 = float(np.abs(np.where(jy > 0, np.minimum(fast.rho, 0), np.maximum(fast.rho, 0))).max()) / scale
    w = max(diff, recon, b10)
    return Evidence(holds=w <= ROUNDOFF.value, witness=w, bound=ROUNDOFF.value, relation="<=",
                    summary=f"recursion vs least squares: {diff:.3g}; W(t) rebuilt from rho vs GD: {recon:.3g}; "
                            f"(B.10) sign violations: {b10:.3g} (relative; round-off bound {ROUNDOFF.value})",
                    details=describe(problem) | {"recursion_vs_lstsq": diff, "rebuild": recon, "B10": b10})
