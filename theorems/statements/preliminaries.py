"""Preliminaries (Appendix A): Lemma A.1 (init scale), Lemma A.2 (initial activation counts) and
Lemma A.3 = Lemma 5.2 (the coefficient recursion)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

import sim

from .. import conditions as cond
from .. import strategies as S
from ..constants import ALPHA_TEST, C, DELTA, ROUNDOFF
from ..registry import Evidence, statement
from .common import J, binomial_p_value, binomial_record, describe, fmt, jy

INITS = 200  # initialisations sampled per example for the "w.p. >= 1 - delta" statements


@dataclass(frozen=True)
class InitExperiment:
    """``inits`` independent initialisations of a ``Problem`` (seeds ``seed .. seed + inits - 1``)."""

    problem: sim.Problem
    inits: int = INITS

    def weights(self) -> np.ndarray:
        """``W(0)`` of each init as the simulator starts from it: zero-step runs of
        :func:`sim.simulate` (the same arrays as ``Problem.init_weights``, tested), so a simulator
        fault in the initialisation reaches Lemmas A.1 and A.2 (their power)."""
        p = self.problem.replace(steps=0)
        trs = sim.simulate(p, engine="fast", seeds=range(p.seed, p.seed + self.inits))
        return np.stack([tr.W0 for tr in trs])  # (N, 2, m, d)


@st.composite
def a1_experiments(draw, d_range=None):
    n = draw(st.integers(1, 8), label="n")
    m = draw(st.integers(math.ceil(math.log(1 / DELTA.value)), 16), label="m")  # m >= log(1/delta)
    if d_range is None:
        d_min = int(math.ceil(cond.conditions_A1(1, m, n).items[0].rhs))
        d = d_min + draw(st.integers(0, 100), label="d - d_min")
    else:
        d = draw(st.integers(*d_range), label="d")
    a = draw(S.norms(n))
    data = sim.Dataset(np.random.default_rng(draw(st.integers(0, 2**31 - 1))).standard_normal((n, d)) *
                       a[:, None] / math.sqrt(d), np.ones(n), name="gaussian")
    sigma0 = draw(st.floats(1e-6, 10.0), label="sigma0")
    return InitExperiment(sim.Problem(data, m=m, eta=1.0, sigma0=sigma0, steps=0,
                                      seed=draw(st.integers(0, 2**31 - 1), label="seed")))


@statement(
    "A.1", kind="lemma", title="Initialisation scale",
    text="If d = Omega(log(mn/delta)) and m = Omega(log(1/delta)), w.p. >= 1 - delta: sigma0^2 d/2 <= ||w_{j,r}(0)||^2 <= 3 sigma0^2 d/2 "
         "and |<w_{j,r}(0), x_i>| <= sqrt(2 log(8mn/delta)) sigma0 Rmax for all j, r, i.",
    strategy=a1_experiments(), hypotheses=("d >= C log(mn/delta)", "m >= log(1/delta)",
                                           "W(0) entries iid N(0, sigma0^2)"),
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
    pval = binomial_p_value(fails, ex.inits, DELTA.value)
    return Evidence(holds=pval >= ALPHA_TEST.value, witness=pval, bound=ALPHA_TEST.value, relation=">=",
                    summary=f"{fails}/{ex.inits} inits fail (norms: {int((~norm_ok).sum())}, inner products: "
                            f"{int((~ip_ok).sum())}); binomial p = {fmt(pval)} against delta = {DELTA.value}",
                    details={"n": p.n, "m": p.m, "d": p.d, "sigma0": p.sigma0, "fails": fails,
                             "inits": ex.inits, "frequency": fails / ex.inits},
                    binomial=binomial_record(fails, ex.inits, "inits", DELTA.value, pval))


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
    pval = binomial_p_value(fails, ex.inits, DELTA.value)
    return Evidence(holds=pval >= ALPHA_TEST.value, witness=pval, bound=ALPHA_TEST.value, relation=">=",
                    summary=f"{fails}/{ex.inits} inits have some |S_i(0)| outside [0.4m, 0.6m] (m = {p.m}); "
                            f"binomial p = {fmt(pval)} against delta = {DELTA.value}",
                    details={"n": p.n, "m": p.m, "fails": fails, "inits": ex.inits,
                             "S_over_m_range": [float(cnt.min() / p.m), float(cnt.max() / p.m)]},
                    binomial=binomial_record(fails, ex.inits, "inits", DELTA.value, pval))


@st.composite
def short_problems(draw, rank_deficient=False):
    """Small full-batch problems of either activation for the exact recursion (every step is a
    checkpoint); full row rank unless asked. The rank-deficient control (n > d) breaks the
    uniqueness of Def. 5.1's coefficients, not GD: the recursion's rho is then one of many and least
    squares picks the minimum-norm one."""
    base = draw(st.one_of(S.leaky_problems(n_range=(2, 6), m_range=(1, 6)),
                          S.relu_problems(n_range=(2, 4), extra_m=(0, 4))))
    steps = draw(st.integers(1, 300), label="steps")
    if not rank_deficient:
        return base.replace(steps=steps, n_log=1, extra_checkpoints=tuple(range(steps + 1)))
    n = draw(st.integers(3, 7), label="n")
    d = draw(st.integers(1, n - 1), label="d (< n)")
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    data = sim.Dataset(rng.standard_normal((n, d)), np.where(np.arange(n) % 2 == 0, 1.0, -1.0),
                       name="rank_deficient")
    return sim.Problem(data, m=base.m, eta=cond.eta_max(data, base.m), sigma0=cond.sigma0_max(data, base.m),
                       steps=steps, gamma=base.gamma, n_log=1, extra_checkpoints=tuple(range(steps + 1)),
                       seed=base.seed)


def rho_by_recursion(tr) -> np.ndarray:
    """Lemma 5.2 applied to a recorded full-batch run (every step a checkpoint): ``rho(0) = 0`` and
    ``rho_{j,r,i}(t+1) = rho_{j,r,i}(t) - (eta/(nm)) l'_i(t) sigma'(<w_{j,r}(t), x_i>) j y_i ||x_i||^2``
    (rhobar and rhounder together), with ``l'_i(t) = -1/(1 + exp(y_i f(W(t), x_i)))``."""
    p = tr.problem
    lprime = -1.0 / (1.0 + np.exp(tr.margins[:-1]))  # (T, n)
    sp = sim.sigma_prime(tr.preactivation[:-1], p.gamma)  # (T, 2, m, n)
    inc = -(p.eta / (p.n * p.m)) * lprime[:, None, None, :] * sp \
        * (J[:, None] * p.data.y[None, :])[None, :, None, :] * p.data.norms ** 2
    return np.concatenate([np.zeros_like(tr.rho[:1]), np.cumsum(inc, axis=0)])


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
    """Exact, on plain gradient descent on the weights (reference engine, torch autograd, every step
    recorded). Three numbers, each relative to ``max |rho|``: (1) rho from the recursion
    (:func:`rho_by_recursion`, fed with the run's own pre-activations and margins) against rho
    recovered from ``W(t) - W(0)`` by least squares; (2) the part of ``W(t) - W(0)`` outside the
    span of the data (Def. 5.1 presumes none); (3) violations of (B.10) by the least-squares rho.
    Witness: the largest; holds iff ``<= roundoff``. Exact for every init: its proof uses neither
    A.1's nor A.2's event, so none is imposed (the leaky draws are inside A.1's anyway)."""
    ref = sim.simulate(problem, engine="reference")
    scale = max(float(np.abs(ref.rho).max()), 1e-300)
    diff = float(np.abs(rho_by_recursion(ref) - ref.rho).max()) / scale
    span = ref.info["span_residual"]
    b10 = float(np.abs(np.where(jy(problem)[None] > 0, np.minimum(ref.rho, 0), np.maximum(ref.rho, 0))).max()) / scale
    w = max(diff, span, b10)
    return Evidence(holds=w <= ROUNDOFF.value, witness=w, bound=ROUNDOFF.value, relation="<=",
                    summary=f"recursion vs least squares: {diff:.3g}; W(t) - W(0) outside span(X): {span:.3g}; "
                            f"(B.10) sign violations: {b10:.3g} (relative; round-off bound {ROUNDOFF.value})",
                    details=describe(problem) | {"recursion_vs_lstsq": diff, "span_residual": span, "B10": b10})
