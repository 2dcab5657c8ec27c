"""ReLU limits (Sections E-G): Corollary E.3 (the opposite-class coefficients are a vanishing
fraction of the own-class ones after T2), Lemma F.3 (a) (SR(A) = 2 +- o(1) for the init pattern
alone) and (b) (SR(W) of the whole limit matrix in [16/9, 9]), and Lemma G.1's explicit loss bound.

Each limit is checked through what can be computed: E.3's T2 with the printed constants (the "1"
for one step) is astronomically beyond every horizon, and infinite at p = 0; the sharpest T2 the
proof allows (one step is eta Rmax^2/(nm)) falls inside the horizon when p is near its bound. So
the check runs the proof's induction hypothesis (E.24), which holds at every t and gives E.3 at
t >= T2, plus E.3 itself at the checkpoints after the sharp T2 whenever that is within reach.
F.3's limits are exact functions of the init pattern (Lemma F.2), so (a) draws inits with m and n in
the thousands, and (b) computes the exact t -> infinity limit and checks the run reaches it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

import sim

from .. import conditions as cond
from .. import strategies as S
from ..constants import (DECADE_EPS, E1_CPRIME, E2_C, F3A_Z, F3B_HIGH, F3B_LOW, G1_ALPHA_PRINTED)
from ..registry import Evidence, statement
from . import common
from .common import active_at_init, at_fraction, beta, describe, fmt, other, own, run, series
from .decade import decade_bracket, sr_bracket, sr_position
from .relu import RELU_CONSTS, RELU_HYPS, e1_constants_judged, f2_T, g1_alpha, g1_bound, limit_coefficients


# ---------------------------------------------------------------------------------------------
# Corollary E.3 (Lemma E.2)
# ---------------------------------------------------------------------------------------------
def e2_T2(eta: float, n: int, m: int, S0, norms, beta_: float, step: float, k: float, c1: float,
          c2: float) -> float:
    """Corollary E.3's T2 for one example, the sharpest the proof allows (DERIVED-CONSTANTS row j):
    the first t at which E.1(ii)'s lower bound ``c2 log(1 + eta |S_i(0)| ||x_i||^2 e^-beta t/(2nm^2))``
    reaches ``thr = c1 (beta + step) / k`` for every i (``k = pn/Rmin^2``, ``step = eta Rmax^2/(nm)``,
    the proof's "1"): ``max_i (2nm^2 e^beta/(eta |S_i(0)| ||x_i||^2)) (exp(thr/c2) - 1)``. ``inf`` at
    ``k = 0`` (p = 0: the statement is vacuous) or when the exponent overflows."""
    if not k > 0 or not math.isfinite(c1) or not c1 > 0:
        return math.inf
    expo = c1 * (beta_ + step) / k / c2
    if expo > 700:
        return math.inf
    S0 = np.asarray(S0, dtype=float)
    if not (S0 > 0).all():
        return math.inf
    unit = 2 * n * m * m * math.exp(beta_) / (eta * S0 * np.asarray(norms, dtype=float) ** 2)
    return float(unit.max() * math.expm1(expo))


def e2_T2_printed(eta: float, n: int, m: int, Rmin: float, beta_: float, k: float, c1: float,
                  cprime: float = E1_CPRIME.value) -> float:
    """Row j's T2 with the printed constants: ``(5nm e^beta/(eta Rmin^2)) (exp(c'(1+beta)(1 + c1/k)) - 1)``
    (``|S_i(0)| >= 0.4 m``, the proof's "1" for one step, ``c1/c2 = c'(c1 + k)``)."""
    if not k > 0 or not math.isfinite(c1):
        return math.inf
    expo = cprime * (1 + beta_) * (1 + c1 / k)
    return math.inf if expo > 700 else 5 * n * m * math.exp(beta_) / (eta * Rmin ** 2) * math.expm1(expo)


def e2_witness(steps, U, ref, beta_: float, step: float, k: float, c1: float, T2: float) -> dict:
    """Corollary E.3 on arrays: ``U[t] = max |rhounder_{y_i,r,i'}(t)|`` (over r and i' with y_i' = -y_i),
    ``ref[t] = min_{i, r' in S_i(0)} rhobar_{y_i,r',i}(t)`` (E.3 allows any reference). Parts, each
    holding iff ``<= 1``: ``e24`` = ``max_t U / (beta + step + k ref/c1)`` (the proof's induction
    hypothesis (E.24), every t); ``cor`` = ``max_{t >= T2} U / ((2/c1) k ref)`` (E.3 itself; ``nan`` when
    no checkpoint is at or after T2). ``branch``: ``"T2 within horizon"`` or ``"T2 beyond horizon"``."""
    steps = np.asarray(steps, dtype=float)
    U = np.asarray(U, dtype=float)
    ref = np.asarray(ref, dtype=float)
    e24 = float((U / (beta_ + step + k * ref / c1)).max())
    after = steps >= T2
    if after.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(U[after] > 0, U[after] / ((2 / c1) * k * ref[after]), 0.0)
        cor = float(np.nan_to_num(r, nan=np.inf).max())
        branch = "T2 within horizon"
    else:
        cor, branch = math.nan, "T2 beyond horizon"
    w = e24 if math.isnan(cor) else max(e24, cor)
    return {"witness": w, "e24": e24, "cor": cor, "branch": branch, "checked_after_T2": int(after.sum())}


def ratio_trend(steps, U, ref, frac: float = 0.1) -> dict:
    """Reported, not judged: ``|rhounder| / rhobar`` (``U/ref``) on the tail ``[frac T, T]``: its values
    at both ends and the largest rise between consecutive checkpoints, relative. (E.24) bounds the
    ratio by ``(beta + step)/ref + k/c1``, a decreasing bound; the ratio itself need not decrease
    (the cross terms grow like log t, and so do the rhobar)."""
    steps = np.asarray(steps)
    k0 = at_fraction(steps, frac)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.asarray(U, dtype=float)[k0:] / np.asarray(ref, dtype=float)[k0:]
    r = r[np.isfinite(r)]
    if r.size < 2:
        return {"tail_start": float(steps[k0]), "ratio_start": math.nan, "ratio_end": math.nan, "max_rise": 0.0}
    rise = float(np.max((r[1:] - r[:-1]) / np.maximum(r[:-1], 1e-300)))
    return {"tail_start": float(steps[k0]), "ratio_start": float(r[0]), "ratio_end": float(r[-1]),
            "max_rise": max(rise, 0.0)}


E2_MAX_EXAMPLES = 10


@st.composite
def with_p_near_bound(draw, base, frac=(0.5, 1.0)):
    """``base`` (a p > 0 ReLU problem) with its data redrawn at ``p`` in ``frac`` times the largest p of
    the proof regime (:func:`theorems.conditions.max_p_relu_proof`; the bound itself as a corner), the
    same norms, labels, width, eta and sigma0, a Gram sign pattern of :data:`theorems.strategies.
    GRAM_PATTERNS`, and the init seed moved into the A.1/A.2 event on the new data (kept as drawn when
    none is found: then the example is the base's own). E.3's cross-term part ``k rhobar/c1`` is only
    visible when p is near its bound."""
    pr = draw(base)
    d = pr.data
    f = draw(st.one_of(st.just(frac[1]), st.floats(*frac)), label="p / p_max (near the bound)")
    pattern = draw(st.sampled_from(S.GRAM_PATTERNS), label="Gram pattern (near the bound)")
    dseed = draw(st.integers(0, 2**31 - 1), label="data seed (near the bound)")
    pmax = cond.max_p_relu_proof(d.Rmin, d.R, d.n, pr.m)
    data = S.gram_pattern_data(d.norms, d.d, int((d.y > 0).sum()), f * pmax * (1 - 1e-6), pattern, dseed)
    # eta and sigma0 at the same fractions of their bounds on the new data (its Rmax differs by round-off)
    eta = min(1.0, pr.eta / cond.eta_max(d, pr.m)) * cond.eta_max(data, pr.m)
    sigma0 = min(1.0, pr.sigma0 / cond.sigma0_max(d, pr.m)) * cond.sigma0_max(data, pr.m)
    seed = S.event_seed(data, pr.m, sigma0, pr.seed, tries=200)
    return pr if seed is None else pr.replace(data=data, seed=seed, eta=eta, sigma0=sigma0)


def _e2_strategy():
    # p > 0 data (at p = 0 the statement is vacuous), p in [1/2, 1] of the proof regime's bound (the
    # bound itself as a corner); n <= 16 keeps the switching (O(m n^2) a step) within budget
    return with_p_near_bound(S.relu_problems(orthogonal=False, n_range=(2, 16), horizon_tau=100.0, limit=True,
                                             max_steps=20_000))


def e2_arrays(tr):
    """``(U, ref)`` of :func:`e2_witness` from a trajectory."""
    A0 = active_at_init(tr)
    U = np.abs(np.minimum(other(tr, tr.rho), 0.0)).reshape(len(tr.steps), -1).max(1)
    rb = np.maximum(own(tr, tr.rho), 0.0)
    ref = np.where(A0[None], rb, np.inf).reshape(len(tr.steps), -1).min(1) if A0.any() \
        else np.full(len(tr.steps), np.inf)
    return U, ref


@statement(
    "E.2/E.3", kind="corollary", title="ReLU: opposite-class coefficients are a p n/Rmin^2 fraction after T2",
    text="For t >= T2: |rhounder_{y_i,r,i'}(t)| <= c Rmin^-2 p n rhobar_{y_i,r',i}(t) for r' in S_i(0), "
         "y_i' = -y_i, with c = 2/c1 (Lemma E.2; Corollary E.3: any reference i). With the printed "
         "constants T2 ~ exp(c'(1+beta)(1 + c1 Rmin^2/(pn))) is beyond any horizon, and infinite at p = 0 "
         "(vacuous), so the check runs the proof's induction hypothesis (E.24) |rhounder| <= beta + "
         "eta Rmax^2/(nm) + Rmin^-2 pn rhobar/c1 at every t (it gives E.3 at t >= T2), and E.3 itself "
         "after the sharpest T2 the proof allows (step eta Rmax^2/(nm) for the printed 1) when that is "
         "within the horizon (p near its bound); the details say which branch ran.",
    strategy=_e2_strategy(), hypotheses=RELU_HYPS + ("p > 0 (at p = 0 the statement is vacuous)",),
    constants=RELU_CONSTS + (E1_CPRIME, E2_C), markers=("relu", "statement"),
    # leaky ReLU: a class-j neuron keeps moving on the other class's points (slope gamma), so
    # |rhounder| grows like gamma log t, beyond the k/c1 <= 1/5 fraction the regime allows
    controls={"leaky": S.with_leaky(_e2_strategy())},
    source="Lemma E.2, Corollary E.3 (Appendix E)", max_examples=E2_MAX_EXAMPLES)
def check_E2(problem) -> Evidence:
    """Witness (:func:`e2_witness`): the larger of ``max_t |rhounder| / (beta + eta Rmax^2/(nm) +
    k rhobar_ref/c1)`` (E.24, all t) and, at checkpoints ``t >= T2`` (:func:`e2_T2`),
    ``max |rhounder| / ((2/c1) k rhobar_ref)``; ``k = pn/Rmin^2``, c1 derived per example; holds iff
    ``<= 1``. Which branch ran, T2 against the horizon and the ratio's tail trend are in the details."""
    tr = run(problem)
    d = problem.data
    b = beta(tr)
    c = e1_constants_judged(tr)
    k = d.p * d.n / d.Rmin ** 2
    step = problem.eta * d.Rmax ** 2 / (problem.n * problem.m)
    A0 = active_at_init(tr)
    T2 = e2_T2(problem.eta, problem.n, problem.m, A0.sum(0), d.norms, b, step, k, c["c1"], c["c2"])
    T2p = e2_T2_printed(problem.eta, problem.n, problem.m, d.Rmin, b, k, c["c1"])
    U, ref = e2_arrays(tr)
    w = e2_witness(tr.steps, U, ref, b, step, k, c["c1"], T2)
    trend = ratio_trend(tr.steps, U, ref)
    horizon = float(tr.steps[-1])
    kk = tr.steps >= 1
    t = tr.steps[kk]
    return Evidence(
        holds=w["witness"] <= 1.0, witness=w["witness"], bound=1.0, relation="<=",
        summary=f"{w['branch']}: T2 = {fmt(T2)} steps (printed constants {fmt(T2p)}) vs horizon {int(horizon)}; "
                f"(E.24) max |rhounder| / (beta + step + k rhobar/c1) = {fmt(w['e24'])}"
                + (f"; E.3 after T2: {fmt(w['cor'])} at {w['checked_after_T2']} checkpoints"
                   if w["branch"] == "T2 within horizon" else "; E.3 itself not reachable (T2 beyond horizon)")
                + f"; k = pn/Rmin^2 = {fmt(k)}, c1 = {fmt(c['c1'])}, c = 2/c1 = {fmt(2 / c['c1'])}",
        details=describe(problem) | {"beta": b, "derived": c, "k": k, "step": step, "T2": T2, "T2_printed": T2p,
                                     "horizon": horizon, "T2_over_horizon": T2 / horizon, **w,
                                     "ratio_tail_trend": trend},
        series=[series("|rhounder| against the (E.24) bound", "t (steps)", "coefficient",
                       [("max |rhounder_(y_i,r,i')|", t, U[kk]),
                        ("beta + step + k rhobar_ref/c1", t, (b + step + k * ref / c["c1"])[kk]),
                        ("min rhobar_(y_i,r',i), r' in S_i(0)", t, ref[kk])], logx=True)])


# ---------------------------------------------------------------------------------------------
# Lemma F.3 (a): SR(A) = 2 +- o(1), a property of the init pattern alone
# ---------------------------------------------------------------------------------------------
def top_sv2(A: np.ndarray, tol: float = 1e-14, iters: int = 500) -> float:
    """``||A||_2^2`` by power iteration on ``A^T A`` from the all-ones vector (the top singular vector
    of a column-normalised 0/1 pattern is close to it, and the gap is about ``m n``: a few iterations).
    Exact for any matrix given enough iterations; falls back to the SVD if it has not converged."""
    if not A.any():
        return 0.0
    v = np.ones(A.shape[1]) / math.sqrt(A.shape[1])
    lam = 0.0
    for _ in range(iters):
        w = A.T @ (A @ v)
        new = float(np.linalg.norm(w))
        if new == 0:
            break
        v = w / new
        if abs(new - lam) <= tol * new:
            return new
        lam = new
    return float(np.linalg.norm(A, 2) ** 2)


def stable_rank(A: np.ndarray) -> float:
    """``SR(A) = ||A||_F^2 / ||A||_2^2`` (``nan`` for the zero matrix)."""
    top = top_sv2(A)
    return float((A * A).sum() / top) if top > 0 else math.nan


def pattern_matrix(active: np.ndarray) -> np.ndarray:
    """Lemma F.3's ``A = B diag(m/|S_i(0)|)`` from the pattern ``B`` (m, n_j) (zero columns stay 0)."""
    B = np.asarray(active, dtype=float)
    S0 = B.sum(0)
    return B * np.where(S0 > 0, B.shape[0] / np.maximum(S0, 1), 0.0)[None, :]


def f3a_mu(m: int, nj: int) -> float:
    """The expected ``SR(A)`` to ``O(1/(m n_j))`` (constant z_F3a's reason): ``2 n_j (m+1)/(m(n_j+1) + 2)``."""
    return 2 * nj * (m + 1) / (m * (nj + 1) + 2)


def f3a_sd(m: int, nj: int) -> float:
    """The fluctuation scale of ``SR(A)`` (z_F3a's reason): ``2 sqrt((1 + 2/n_j)/(m n_j))``."""
    return 2 * math.sqrt((1 + 2 / nj) / (m * nj))


@dataclass(frozen=True)
class InitPattern:
    """An initialisation on ``x_i = e_i`` (Lemma F.3), reduced to what F.3(a) reads: the pre-activations
    ``<w_{j,r}(0), x_i>`` for ``j = +-1``, ``r <= m``, ``i <= n``, i.i.d. ``N(0, sigma0^2)`` (the law of
    :meth:`sim.Problem.init_weights` restricted to the first n coordinates; sigma0 does not change the
    signs). ``corr > 0`` (controls only): ``<w_r, x_i>`` for points ``x_i = sqrt(corr) u + sqrt(1 - corr)
    e_i``, i.e. correlated data. The first ``n_pos`` points are labelled +1."""
    m: int
    n: int
    n_pos: int
    seed: int
    corr: float = 0.0

    def preactivations(self) -> np.ndarray:
        """``<w_{j,r}(0), x_i>``, (2, m, n), drawn directly: with ``corr = 0`` these are exactly the
        numbers :meth:`sim.Problem.init_weights` gives for ``x_i = e_i`` in ``R^n`` and ``sigma0 = 1`` (the
        same generator and stream; tested), so the strategy's search for an init inside A.2's event is
        cheap. The check reads :meth:`simulated_preactivations` instead."""
        rng = np.random.default_rng(self.seed)
        Z = rng.standard_normal((2, self.m, self.n))
        if self.corr > 0:
            g = rng.standard_normal((2, self.m, 1))
            Z = math.sqrt(self.corr) * g + math.sqrt(1 - self.corr) * Z
        return Z

    def dataset(self) -> sim.Dataset:
        """The points: ``x_i = e_i`` in ``R^n``; with ``corr > 0``, ``x_i = sqrt(corr) e_{n+1} +
        sqrt(1 - corr) e_i`` in ``R^{n+1}`` (unit norm, pairwise inner products ``corr``)."""
        y = np.where(np.arange(self.n) < self.n_pos, 1.0, -1.0)
        if self.corr == 0:
            return sim.Dataset(np.eye(self.n), y, name="standard basis")
        X = np.hstack([math.sqrt(1 - self.corr) * np.eye(self.n), np.full((self.n, 1), math.sqrt(self.corr))])
        return sim.Dataset(X, y, name=f"correlated basis (corr {self.corr:.3g})")

    def simulated_preactivations(self) -> np.ndarray:
        """``<w_{j,r}(0), x_i>``, (2, m, n), as :func:`sim.simulate` starts from them (a zero-step run
        on :meth:`dataset`, ``sigma0 = 1``: only signs enter), so a fault in the simulator's init
        reaches the check."""
        p = sim.Problem(self.dataset(), m=self.m, eta=1.0, sigma0=1.0, steps=0, gamma=0.0, seed=self.seed)
        return sim.simulate(p, engine="fast").preactivation[0]

    def matrices(self, Z: np.ndarray | None = None) -> list:
        """``[A_{+1}, A_{-1}]``: each class's pattern on its own points, column-normalised (from ``Z``,
        default :meth:`preactivations`)."""
        Z = self.preactivations() if Z is None else Z
        return [pattern_matrix(Z[0, :, :self.n_pos] >= 0), pattern_matrix(Z[1, :, self.n_pos:] >= 0)]

    def in_A2_event(self, Z: np.ndarray | None = None) -> bool:
        """Lemma A.2's event ``0.4 m <= |S_i(0)| <= 0.6 m`` for every i (own class)."""
        Z = self.preactivations() if Z is None else Z
        S0 = np.concatenate([(Z[0, :, :self.n_pos] >= 0).sum(0), (Z[1, :, self.n_pos:] >= 0).sum(0)])
        return bool(((S0 >= 0.4 * self.m) & (S0 <= 0.6 * self.m)).all())


F3A_N_MAX = 2048


@st.composite
def init_patterns(draw, n_range=(2, F3A_N_MAX), m_max=F3A_N_MAX, events=True):
    """Lemma F.3(a)'s inputs: ``n`` (the corner ``n_range[1]`` first), ``m`` from A.2's width
    ``50 log(2n/delta)`` (which makes its event likely at every n) up to ``m_max``, the first half
    labelled +1, and an init seed inside A.2's event (the first from the drawn seed)."""
    n = draw(st.one_of(st.just(n_range[1]), st.integers(*n_range)), label="n")
    m_lo = min(cond.relu_width_A2(n), m_max)
    m = draw(st.one_of(st.just(m_max), st.just(m_lo), st.integers(m_lo, m_max)), label="m")
    seed = draw(st.integers(0, 2**31 - 1), label="init seed")
    ex = InitPattern(m, n, (n + 1) // 2, seed)
    if events:
        for s in range(seed, seed + 50):
            ex = InitPattern(m, n, (n + 1) // 2, s % 2**31)
            if ex.in_A2_event():
                break
    return ex


@st.composite
def with_correlated_pattern(draw, base, corr=(0.5, 0.99)):
    """``base`` on correlated data (``x_i = sqrt(c) u + sqrt(1-c) e_i``): breaks ``x_i = e_i``."""
    ex = draw(base)
    return InitPattern(ex.m, ex.n, ex.n_pos, ex.seed, draw(st.floats(*corr), label="correlation"))


@st.composite
def with_narrow(draw, base, m_range=(1, 4)):
    """``base`` with a width far below Theorem 4.3's ``m >= C log(n/delta)``."""
    ex = draw(base)
    return InitPattern(draw(st.integers(*m_range), label="m"), ex.n, ex.n_pos, ex.seed)


def f3a_parts(mats, m: int) -> list:
    """Per class: ``(n_j, SR(A_j), mu, sd, z = |SR - mu|/sd)`` (classes without points are skipped)."""
    out = []
    for A in mats:
        nj = A.shape[1]
        if nj == 0:
            continue
        sr = stable_rank(A)
        mu, sd = f3a_mu(m, nj), f3a_sd(m, nj)
        out.append((nj, sr, mu, sd, abs(sr - mu) / sd if math.isfinite(sr) else math.inf))
    return out


_F3A_BASE = init_patterns()


@statement(
    "F.3(a)", kind="lemma", title="ReLU on x_i = e_i: SR(A) = 2 +- o(1) for the init pattern",
    text="A_{r,i} = 1(<w_{j,r}(0), x_i> >= 0) m/|S_i(0)| (i of class j) has SR(A) = 2 +- o(1) for large m "
         "and n. Checked through its finite-size law: |SR(A_j) - mu(m, n_j)| <= z_F3a s(m, n_j) with "
         "mu = 2n_j(m+1)/(m(n_j+1)+2) (so SR(A) - 2 = -2/(n_j+1) + O(1/m) + O_p(1/sqrt(m n_j))) and "
         "s = 2 sqrt((1+2/n_j)/(m n_j)), m and n up to 2048. A property of the init alone: read from "
         "the W(0) sim.simulate starts from (zero steps).",
    strategy=_F3A_BASE, hypotheses=("x_i = e_i, first half labelled +1",
                                    "W(0) i.i.d. Gaussian (any sigma0: only signs enter)",
                                    "m >= 50 log(2n/delta) and the init in A.2's event"),
    constants=(F3A_Z,), markers=("relu", "statement"),
    controls={"correlated_data": with_correlated_pattern(init_patterns(n_range=(2, 512), m_max=512)),
              "narrow": with_narrow(init_patterns(n_range=(64, 512), m_max=512))},
    source="Lemma F.3 (Appendix F)", max_examples=20)
def check_F3a(ex: InitPattern) -> Evidence:
    """Witness: ``max_j |SR(A_j) - mu(m, n_j)| / s(m, n_j)`` (:func:`f3a_parts`), holds iff ``<= z_F3a``.
    The o(1) rate is reported: ``|SR(A_j) - 2|`` against its leading term ``2/(n_j+1)``."""
    Z = ex.simulated_preactivations()
    parts = f3a_parts(ex.matrices(Z), ex.m)
    w = max(p[4] for p in parts)
    return Evidence(
        holds=w <= F3A_Z.value, witness=w, bound=F3A_Z.value, relation="<=",
        summary=f"m = {ex.m}, n = {ex.n}: " + "; ".join(
            f"n_j = {nj}: SR(A) = {sr:.5f}, mu = {mu:.5f} (|SR - 2| = {abs(sr - 2):.3g}, leading 2/(n_j+1) = "
            f"{2 / (nj + 1):.3g}), z = {z:.3g}" for nj, sr, mu, sd, z in parts),
        details={"m": ex.m, "n": ex.n, "n_pos": ex.n_pos, "seed": ex.seed, "corr": ex.corr,
                 "in_A2_event": ex.in_A2_event(Z),
                 "classes": [{"n_j": nj, "SR_A": sr, "mu": mu, "sd": sd, "z": z, "SR_minus_2": sr - 2,
                              "leading_rate": 2 / (nj + 1)} for nj, sr, mu, sd, z in parts]})


# ---------------------------------------------------------------------------------------------
# Lemma F.3 (b): SR(W) of the whole matrix in [16/9, 9]
# ---------------------------------------------------------------------------------------------
def f3b_values(tr) -> dict:
    """The three stable ranks of the whole ``W`` (2m x d) that F.3(b) reads: ``limit`` the exact
    ``t -> infinity`` limit ``SR([A_{+1}; A_{-1}])`` (Lemmas F.2/F.3: ``W(t)/log t`` tends to it, a block
    matrix since each class's columns are disjoint), ``increment`` the SR of the last decade's increment
    ``(W(T) - W(T'))/log(T/T')`` (the finite-horizon form of the limit), ``at_T`` SR(W(T)); and
    ``consistency`` = the position of SR(increment) in the range the margin dynamics derive around the
    limit (:func:`.decade.sr_position` over every point: the increment is the limit with column ``i``
    scaled by ``D_i``; ``<= 1``: the run follows the dynamics that reach the limit) and
    ``limit_distance`` = ``|SR(increment)/SR(limit) - 1|``."""
    k0 = at_fraction(tr.steps, 0.1)
    p = tr.problem
    inc = (tr.weights(len(tr.steps) - 1) - tr.weights(k0)) / math.log(tr.steps[-1] / tr.steps[k0])
    As, Xt = limit_coefficients(tr)
    A = np.concatenate(As, axis=0)  # (2m, n): W's rows, both classes
    lim = common.stable_rank(A @ Xt)
    sr_inc = common.stable_rank(inc.reshape(2 * p.m, p.d))
    pos = sr_position(sr_inc, sr_bracket(decade_bracket(tr, f2_T(p, beta(tr))), A, Xt))
    return {"limit": lim, "increment": sr_inc, "at_T": float(tr.stable_rank[-1, 2]),
            "consistency": pos if math.isfinite(lim) else math.inf,
            "limit_distance": abs(sr_inc / lim - 1) if math.isfinite(lim) else math.inf,
            "decade": [int(tr.steps[k0]), int(tr.steps[-1])]}


def f3b_witness(v: dict, end: str) -> float:
    """One end of F.3(b) as a ratio that holds iff ``<= 1``: ``low``: ``(16/9) / min(SR)``; ``high``:
    ``max(SR) / 9`` over the limit, the increment and SR(W(T)); either way at least ``consistency``
    (a run whose increment is off the derived range cannot vouch for the limit)."""
    vals = [v["limit"], v["increment"], v["at_T"]]
    if not all(math.isfinite(x) for x in vals):
        return math.inf
    end_part = F3B_LOW.value / min(vals) if end == "low" else max(vals) / F3B_HIGH.value
    return max(end_part, v["consistency"])


def _f3b_strategy():
    return S.standard_basis_relu_problems(horizon_tau=200.0, limit=True)


def _f3b_check(problem, end: str) -> Evidence:
    tr = run(problem)
    v = f3b_values(tr)
    w = f3b_witness(v, end)
    A0 = active_at_init(tr)
    kk = tr.steps >= 1
    t = tr.steps[kk]
    n_big = max(int((problem.data.y > 0).sum()), int((problem.data.y < 0).sum()))  # sharp limit 2n/(n_big + 1)
    return Evidence(
        holds=w <= 1.0, witness=w, bound=1.0, relation="<=",
        summary=f"SR(W): limit {fmt(v['limit'])}, last-decade increment {fmt(v['increment'])}, at T "
                f"{fmt(v['at_T'])} (interval [16/9, 9]; {'lower' if end == 'low' else 'upper'} end ratio "
                f"{fmt(w)}; increment's position in its derived range {fmt(v['consistency'])}, distance from the limit {fmt(v['limit_distance'])}); n = {problem.n}, "
                f"m = {problem.m}, |S_i(0)|/m in [{fmt(A0.mean(0).min())}, {fmt(A0.mean(0).max())}]",
        details=describe(problem) | v | {"predicted_limit": 2 * problem.n / (n_big + 1)},
        series=[series("SR(W(t)) of the whole matrix, its exact limit and the interval", "t (steps)", "SR",
                       [("SR(W(t))", t, tr.stable_rank[kk, 2]), ("exact limit", t, np.full(len(t), v["limit"])),
                        ("16/9", t, np.full(len(t), F3B_LOW.value)), ("9", t, np.full(len(t), F3B_HIGH.value))],
                       logx=True)])


F3B_HYPS = RELU_HYPS + ("x_i = e_i, first half labelled +1",)
F3B_MAX_EXAMPLES = 20


@statement(
    "F.3(b, lower)", kind="lemma",
    title="ReLU on x_i = e_i: SR(W) of the whole matrix >= 16/9 in the limit, read at every n (erratum candidate)",
    text="lim_t SR(W(t)) = (||A_+||_F^2 + ||A_-||_F^2)/max_j ||A_j||_2^2 >= 16/9 (lower end of [16/9, 9]), "
         "checked as printed, with no threshold on n, on the exact limit, the last decade's increment and "
         "SR(W(T)). The paper says 'asymptotically' without saying in what: the limit is about "
         "2n/(max_j n_j + 1), so at n = 2 it is 1 + min|S_i(0)|/max|S_i(0)|, which A.2's event lets fall to "
         "5/3 < 16/9. A refutation here says the interval needs n large (the o(1) is in n, not m), not "
         "that the asymptotic claim is false; F.3(b, upper) and F.3(a) check the rest.",
    strategy=_f3b_strategy(), hypotheses=F3B_HYPS, constants=RELU_CONSTS + (F3B_LOW, DECADE_EPS),
    markers=("relu", "erratum"),
    # leaky ReLU: every neuron stays active, each W_j/log t tends to rank one and SR(W) to
    # 2(1+g^2)/(1+g)^2 < 16/9; the ReLU limit is not reached either
    controls={"leaky": S.with_leaky(S.standard_basis_relu_problems(horizon_tau=20.0, n_range=(4, 16)))},
    source="Lemma F.3 (Appendix F), line 824", max_examples=F3B_MAX_EXAMPLES)
def check_F3b_low(problem) -> Evidence:
    """Witness :func:`f3b_witness` (``low``): ``(16/9)/min(SR_limit, SR_increment, SR(W(T)))``, at least
    the increment's position in the range the margin dynamics derive; holds iff ``<= 1``."""
    return _f3b_check(problem, "low")


@statement(
    "F.3(b, upper)", kind="lemma", title="ReLU on x_i = e_i: SR(W) of the whole matrix <= 9 in the limit",
    text="lim_t SR(W(t)) = (||A_+||_F^2 + ||A_-||_F^2)/max_j ||A_j||_2^2 <= 9 + o(1) (upper end of "
         "[16/9, 9]); checked as printed on the exact limit, the last decade's increment and SR(W(T)).",
    strategy=_f3b_strategy(), hypotheses=F3B_HYPS, constants=RELU_CONSTS + (F3B_HIGH, DECADE_EPS),
    markers=("relu", "statement"),
    # sigma0 far above (E.2)'s bound: W(T) is dominated by the Gaussian init, whose stable rank is
    # about 2md/(sqrt(2m) + sqrt(d))^2, well above 9, and the increment no longer tracks the limit
    controls={"large_sigma0": S.with_large_sigma0(S.standard_basis_relu_problems(horizon_tau=20.0, n_range=(4, 16)),
                                                  factor=(1e3, 1e4))},
    source="Lemma F.3 (Appendix F), line 826", max_examples=F3B_MAX_EXAMPLES)
def check_F3b_high(problem) -> Evidence:
    """Witness :func:`f3b_witness` (``high``): ``max(SR_limit, SR_increment, SR(W(T)))/9``, at least the
    increment's position in the range the margin dynamics derive; holds iff ``<= 1``."""
    return _f3b_check(problem, "high")


# ---------------------------------------------------------------------------------------------
# Lemma G.1: the explicit loss bound at every checkpoint
# ---------------------------------------------------------------------------------------------
def g1_witness(loss, bound) -> tuple:
    """``(max_t loss/bound, index of the max)`` over all checkpoints; holds iff the max is ``<= 1``."""
    r = np.asarray(loss, dtype=float) / np.asarray(bound, dtype=float)
    r = np.nan_to_num(r, nan=np.inf)
    k = int(np.argmax(r))
    return float(r[k]), k


def g1_alpha_sharp(aE: float, cprime: float) -> float:
    """The exponent the argument of G.1 gives (row k): ``(1 - (1+c') aE)/(c' (1 + aE))`` (one c' fewer)."""
    return (1 - (1 + cprime) * aE) / (cprime * (1 + aE))


G1_MAX_EXAMPLES = 10


def _g1_strategy():
    return st.one_of(S.relu_problems(orthogonal=True, horizon_tau=100.0, limit=True),
                     S.relu_problems(orthogonal=False, n_range=(2, 16), horizon_tau=10.0, limit=True,
                                     max_steps=20_000))


@statement(
    "G.1", kind="lemma", title="ReLU: the explicit loss bound (1 + ... t)^-alpha at every t",
    text="L_S(W(t)) <= (e^{2 beta}/n) sum_i (1 + eta |S_i(0)| ||x_i||^2 e^{-beta} t/(2nm^2))^{-alpha} for all "
         "t, alpha = (1 - (1+c') aE)/(c'^2 (1 + aE)), aE = pn/(c1 Rmin^2), c' = max_i m/|S_i(0)| (<= 2.5).",
    strategy=_g1_strategy(), hypotheses=RELU_HYPS, constants=RELU_CONSTS + (E1_CPRIME, G1_ALPHA_PRINTED),
    markers=("relu", "statement"),
    # data far from orthogonal (correlation 0.99-0.9999, p ~ Rmax^2): the separating component has norm
    # sqrt(1 - corr), the margins grow that much slower and the loss stalls near log 2 while the bound
    # (evaluated with the p = 0 constants, flagged) falls like t^-alpha
    controls={"correlated": S.with_correlated_data(S.relu_problems(n_range=(4, 8), horizon_tau=100.0,
                                                                   orthogonal=True, limit=True),
                                                   rho_corr=(0.99, 0.9999), n_range=(4, 8))},
    source="Lemma G.1 (Appendix G); Theorem 4.3 second bullet", max_examples=G1_MAX_EXAMPLES)
def check_G1(problem) -> Evidence:
    """Witness :func:`g1_witness`: ``max_t L_S(W(t)) / bound(t)`` over every checkpoint (t = 0 included),
    with the printed alpha at the example's sharpest c'; holds iff ``<= 1``. Reported beside it: the
    worst ratio on the last decade, and the ratio against the sharper exponent (one c' fewer)."""
    tr = run(problem)
    b = beta(tr)
    c = e1_constants_judged(tr)
    A0 = active_at_init(tr)
    cp = float(problem.m / max(A0.sum(0).min(), 1))
    alpha = g1_alpha(c["aE"], cp)
    bound = g1_bound(tr, alpha, b)
    loss = tr.loss
    w, k = g1_witness(loss, bound)
    k0 = at_fraction(tr.steps, 0.1)
    tail, _ = g1_witness(loss[k0:], bound[k0:])
    alpha_s = g1_alpha_sharp(c["aE"], cp)
    bound_s = g1_bound(tr, alpha_s, b)
    sharp, _ = g1_witness(loss, bound_s)
    kk = tr.steps >= 1
    t = tr.steps[kk]
    return Evidence(
        holds=w <= 1.0, witness=w, bound=1.0, relation="<=",
        summary=f"max_t L_S / bound = {fmt(w)} at t = {int(tr.steps[k])} (alpha = {fmt(alpha)}, c' = {fmt(cp)}, "
                f"aE = {fmt(c['aE'])}); last decade {fmt(tail)}; against the sharper alpha = {fmt(alpha_s)} "
                f"(c'^-1): {fmt(sharp)}",
        details=describe(problem) | {"beta": b, "derived": c, "alpha": alpha, "c_prime": cp,
                                     "worst_step": int(tr.steps[k]), "tail_ratio": tail, "alpha_sharp": alpha_s,
                                     "ratio_sharp_alpha": sharp},
        series=[series("Training loss (log-log) and Lemma G.1's bound", "t (steps)", "L_S(W(t))",
                       [("loss", t, loss[kk]), (f"G.1 bound, alpha = {alpha:.3g}", t, bound[kk]),
                        (f"sharper alpha = {alpha_s:.3g}", t, bound_s[kk])], logx=True, logy=True)])
