"""Hypothesis strategies that *construct* inputs meeting each theorem's conditions (no filtering),
and control strategies that break exactly one named hypothesis.

Every problem strategy draws the data first (n, d, norms with ``R <= R_max``, label balance, and
``p`` as a fraction of the largest ``p`` the data condition allows), then ``eta`` and ``sigma0`` as
fractions of their largest allowed values, so each example meets the conditions by construction;
``tests/test_strategies.py`` asserts it. Horizons are multiples of the paper's time unit
``tau = n m / (eta Rmax^2)`` and scale with the Hypothesis profile (:mod:`theorems.profiles`).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

import sim

from . import conditions as cond
from .constants import C, DELTA, R_MAX, leaky_C
from .profiles import LIMIT_HORIZON_MAX, horizon_scale, limit_horizon_scale

MAX_STEPS = 400_000
MAX_STEPS_LIMIT = LIMIT_HORIZON_MAX * MAX_STEPS  # the cap for limit and rate statements


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
@st.composite
def norms(draw, n: int, R_max: float = R_MAX.value):
    """Point norms: an overall scale in [0.5, 2] times factors in [1, R] with ``R <= R_max``;
    both the smallest and the largest factor are attained, so ``R`` is exactly the drawn ratio."""
    scale = draw(st.floats(0.5, 2.0), label="norm scale")
    R = draw(st.one_of(st.just(1.0), st.floats(1.0, R_max)), label="R")
    f = [draw(st.floats(1.0, R)) for _ in range(n)]
    if n >= 2:
        f[0], f[-1] = 1.0, R
    return scale * np.asarray(f)


@st.composite
def labels_n_pos(draw, n: int, both_classes: bool = True, min_per_class: int = 1):
    """How many of the n points are labelled +1 (the first ``n_pos``); with ``both_classes`` each
    class gets at least ``min_per_class`` points."""
    k = min_per_class if both_classes else 0
    lo, hi = (k, n - k) if n >= 2 * k else (0, n)
    return draw(st.integers(lo, hi), label="n_pos")


def exactly_orthogonal(norms_: np.ndarray, d: int, n_pos: int, seed: int) -> sim.Dataset:
    """Mutually orthogonal points with inner products exactly 0 in floating point: ``x_i`` is
    ``+-norms_i`` times a distinct coordinate vector (a random signed partial permutation). A random
    rotation would leave ``p ~ 1e-16``, which is not orthogonal once ``sigma0`` is below round-off
    (Lemma F.2 then fails, correctly: its hypothesis is ``p = 0``)."""
    n = len(norms_)
    rng = np.random.default_rng(seed)
    X = np.zeros((n, d))
    X[np.arange(n), rng.permutation(d)[:n]] = norms_ * rng.choice((-1.0, 1.0), size=n)
    y = np.where(np.arange(n) < n_pos, 1.0, -1.0)
    return sim.Dataset(X, y, name="exactly_orthogonal", info={"seed": seed})


@st.composite
def nearly_orthogonal_data(draw, n_range=(2, 8), extra_d=(0, 24), p_max_fn=None,
                           orthogonal: bool | None = None, R_max: float = R_MAX.value,
                           both_classes: bool = True, min_per_class: int = 1):
    """A dataset with ``p <= p_max_fn(Rmin, R, n)`` (exactly orthogonal when ``orthogonal`` is True,
    or with some probability when it is None)."""
    n = draw(st.integers(*n_range), label="n")
    d = n + draw(st.integers(*extra_d), label="d - n")
    a = draw(norms(n, R_max))
    n_pos = draw(labels_n_pos(n, both_classes, min_per_class))
    seed = draw(st.integers(0, 2**31 - 1), label="data seed")
    ortho = draw(st.booleans(), label="orthogonal") if orthogonal is None else orthogonal
    if ortho or p_max_fn is None:
        return exactly_orthogonal(a, d, n_pos, seed)
    R = a.max() / a.min()
    pmax = p_max_fn(a.min(), R, n)
    frac = draw(st.one_of(st.just(1.0), st.floats(0.0, 1.0)), label="p / p_max")
    # the generator attains p to round-off; keep a hair below the bound so round-off cannot cross it
    return sim.nearly_orthogonal(n, d, p=frac * pmax * (1 - 1e-6), norms=a, n_pos=n_pos, seed=seed)


# ---------------------------------------------------------------------------------------------
# problems meeting Theorem 4.1 (leaky) and Theorem 4.3 (ReLU)
# ---------------------------------------------------------------------------------------------
# sigma0 as a fraction of its bound: the bound itself (the sharpest case) or a fraction in
# [1e-3, 1]. Smaller sigma0 (and sigma0 = 0) make the initial pre-activations comparable with the
# round-off of the cross terms (p ~ 1e-16 on data orthogonal only in floating point), and the run is
# then decided by round-off: engines legitimately disagree and "exact" checks lose their meaning.
# tests/sim covers sigma0 = 0 on exactly orthogonal data.
SIGMA0_FRAC = (1e-3, 1.0)


def _sigma0_fraction(frac):
    lo, hi = frac
    return st.one_of(st.just(hi), st.floats(lo, hi)) if hi == 1.0 else st.floats(lo, hi)


def _steps(data, m, eta, horizon_tau, Rref, limit=False):
    """``horizon_tau`` time units, times the profile's scale, times the profile's
    ``LIMIT_HORIZON_SCALE`` for a ``limit`` (limit or rate) statement; capped at ``MAX_STEPS``
    (``MAX_STEPS_LIMIT``)."""
    unit = data.n * m / (eta * Rref ** 2)
    scale = horizon_scale() * (limit_horizon_scale() if limit else 1)
    return int(min(MAX_STEPS_LIMIT if limit else MAX_STEPS, math.ceil(horizon_tau * scale * unit)))


def _dense(data, m, eta, dense_tau):
    """Checkpoints at every step up to ``dense_tau`` time units (so 'last violation' is exact there)."""
    if not dense_tau:
        return ()
    tau = data.n * m / (eta * data.Rmax ** 2)
    return tuple(range(0, int(math.ceil(dense_tau * tau)) + 1))


# Leaky ReLU: the search of issue 10. n up to 32, R up to R_MAX_LEAKY = 3, the condition factors
# (p / p_max, eta / eta_max, sigma0 / sigma0_max) drawn over (0, 1] with the bound itself as a
# corner, adversarial Gram sign patterns, d large enough for Lemma A.1, and inits constructed
# inside A.1's event (the proofs of Sections B-D condition on it).
R_MAX_LEAKY = 3.0


def d_min_A1(m: int, n: int, delta: float = DELTA.value) -> int:
    """The smallest d with Lemma A.1's dimension condition (:func:`conditions.conditions_A1`)."""
    return int(math.ceil(cond.conditions_A1(1, m, n, delta).items[0].rhs))


def adversarial_gram_data(norms_: np.ndarray, d: int, n_pos: int, p: float, seed: int) -> sim.Dataset:
    """Nearly-orthogonal data with the adversarial sign pattern of issue 10: every off-diagonal
    ``|<x_i, x_k>| = p`` and ``y_i y_k <x_i, x_k> = -p`` (each point leans toward the other class),
    realised as ``L Q^T`` (``L`` the Cholesky factor of the Gram matrix, ``Q`` Haar orthonormal
    columns). Positive definite when ``(n-1) p < Rmin^2``."""
    n = len(norms_)
    y = np.where(np.arange(n) < n_pos, 1.0, -1.0)
    G = -p * np.outer(y, y)
    np.fill_diagonal(G, norms_ ** 2)
    rng = np.random.default_rng(seed)
    Q, Rr = np.linalg.qr(rng.standard_normal((d, n)))
    X = np.linalg.cholesky(G) @ (Q * np.sign(np.diag(Rr))).T
    return sim.Dataset(X, y, name="adversarial_gram", info={"seed": seed, "p_requested": p})


def a1_event_seed(problem: sim.Problem, tries: int = 64) -> tuple[int, int]:
    """``(seed, skipped)``: the first init seed from ``problem.seed`` on whose ``W(0)`` Lemma A.1's
    event holds (:func:`conditions.a1_event`); ``skipped`` counts the seeds outside it (each is
    outside w.p. <= delta). Raises if none of ``tries`` seeds is inside (then A.1 itself fails)."""
    for s in range(tries):
        if cond.a1_event(problem, problem.seed + s).holds:
            return problem.seed + s, s
    raise ValueError(f"no init among {tries} seeds meets Lemma A.1's event: A.1 fails here")


@st.composite
def leaky_norms(draw, n: int, R_max: float = R_MAX_LEAKY):
    """As :func:`norms`, with ``R`` drawn as 1, ``R_max`` (the corners) or in between."""
    scale = draw(st.floats(0.5, 2.0), label="norm scale")
    R = draw(st.one_of(st.just(1.0), st.just(float(R_max)), st.floats(1.0, R_max)), label="R")
    f = [draw(st.floats(1.0, R)) for _ in range(n)]
    if n >= 2:
        f[0], f[-1] = 1.0, R
    return scale * np.asarray(f)


def leaky_corners(horizon_steps: int = 2000) -> list:
    """The corners of the leaky search as explicit problems (issue 10's @examples): m = 1, gamma
    near 1, R = R_max, n = 32, p / sigma0 / eta at their bounds, adversarial Gram signs; every init
    seed is moved into A.1's event. ``tests/test_witness_leaky.py`` runs every leaky check on them."""
    out = []
    for n, m, g, R, kind in ((32, 1, 0.95, R_MAX_LEAKY, "adversarial"), (2, 1, 0.95, R_MAX_LEAKY, "orthogonal"),
                             (32, 16, 0.05, 1.0, "adversarial"), (8, 2, 0.5, R_MAX_LEAKY, "uniform")):
        a = np.linspace(1.0, R, n) if n >= 2 else np.ones(1)
        d = max(n, d_min_A1(m, n))
        Cd = leaky_C(R, g, m, n)
        pmax = cond.max_p_leaky(1.0, R, n, g, C=Cd["data"]) * (1 - 1e-6)
        n_pos = n // 2
        data = (adversarial_gram_data(a, d, n_pos, pmax, 1) if kind == "adversarial" else
                exactly_orthogonal(a, d, n_pos, 1) if kind == "orthogonal" else
                sim.nearly_orthogonal(n, d, p=pmax, norms=a, n_pos=n_pos, seed=1))
        Cd = leaky_C(data.R, g, m, n)
        eta = cond.eta_max(data, m, C=Cd["step"])
        sigma0 = cond.sigma0_max(data, m, g, C=Cd["sigma0"]) * (1 - 1e-9)
        p = sim.Problem(data, m=m, eta=eta, sigma0=sigma0, steps=horizon_steps, gamma=g, seed=0,
                        extra_checkpoints=tuple(range(0, 60)))
        out.append(p.replace(seed=a1_event_seed(p)[0]))
    return out


def _frac(lo=1e-3):
    """A condition factor over (0, 1]: the bound itself (the corner) or a fraction in [lo, 1]."""
    return st.one_of(st.just(1.0), st.floats(lo, 1.0))


@st.composite
def leaky_problems(draw, n_range=(2, 8), m_range=(1, 16), gamma_range=(0.05, 0.95),
                   horizon_tau=400.0, dense_tau=0.0, orthogonal: bool | None = None,
                   eta_frac=(1e-3, 1.0), n_log=40, gamma=None, both_classes=True,
                   min_per_class=1, sigma0_frac=SIGMA0_FRAC, limit=False, R_max=R_MAX_LEAKY,
                   extra_d=(0, 24), in_event=True, dense_T1=0.0):
    """A :class:`sim.Problem` meeting Theorem 4.1's conditions (B.2)-(B.4) with the derived,
    R-dependent C of :func:`leaky_C` (hence with the paper's C = 20 too), Lemma A.1's d, and (with
    ``in_event``) an init seed inside A.1's event. Data: exactly orthogonal, uniform Gram signs,
    or the adversarial sign pattern (all ``|G_ik| = p``, ``y_i y_k G_ik = -p``). Horizon
    ``horizon_tau * tau`` steps (``LIMIT_HORIZON_SCALE`` times more with ``limit``); checkpoints at
    every step up to ``dense_tau * tau`` and up to ``dense_T1`` times the init's B.5 time T1*."""
    # corners first: gamma at the top of its range, R = R_max (Hypothesis also tries n, m at their ends)
    g = draw(st.one_of(st.floats(*gamma_range), st.just(float(gamma_range[1]))), label="gamma") \
        if gamma is None else gamma
    n = draw(st.integers(*n_range), label="n")
    m = draw(st.integers(*m_range), label="m")
    d = max(n, d_min_A1(m, n)) + draw(st.integers(*extra_d), label="d - d_min")
    a = draw(leaky_norms(n, R_max))
    R = float(a.max() / a.min())
    Cd = leaky_C(R, g, m, n)
    n_pos = draw(labels_n_pos(n, both_classes, min_per_class))
    seed = draw(st.integers(0, 2**31 - 1), label="data seed")
    kind = ("orthogonal" if orthogonal else draw(st.sampled_from(["adversarial", "uniform"]), label="Gram signs")) \
        if orthogonal is not None else draw(st.sampled_from(["orthogonal", "adversarial", "uniform"]), label="data")
    pmax = cond.max_p_leaky(a.min(), R, n, g, C=Cd["data"])
    frac = draw(_frac(0.0), label="p / p_max") * (1 - 1e-6)
    if kind == "orthogonal":
        data = exactly_orthogonal(a, d, n_pos, seed)
    elif kind == "adversarial":
        data = adversarial_gram_data(a, d, n_pos, frac * pmax, seed)
    else:
        data = sim.nearly_orthogonal(n, d, p=frac * pmax, norms=a, n_pos=n_pos, seed=seed)
    eta = draw(_frac(eta_frac[0]) if eta_frac[1] == 1.0 else st.floats(*eta_frac), label="eta / eta_max") \
        * cond.eta_max(data, m, C=Cd["step"])
    Cd = leaky_C(data.R, g, m, n)  # the realised R (round-off away from the drawn one)
    sigma0 = draw(_sigma0_fraction(sigma0_frac), label="sigma0 / sigma0_max") \
        * cond.sigma0_max(data, m, g, C=Cd["sigma0"]) * (1 - 1e-9)
    steps = _steps(data, m, eta, horizon_tau, data.Rmax, limit)
    p = sim.Problem(data, m=m, eta=eta, sigma0=sigma0, steps=steps, gamma=g, n_log=n_log,
                    seed=draw(st.integers(0, 2**31 - 1), label="init seed"))
    if in_event:
        p = p.replace(seed=a1_event_seed(p)[0])
    dense = set(_dense(data, m, eta, dense_tau))
    if dense_T1:
        from .constants import T1_star

        rg = cond.leaky_regime_of(p, p.seed)
        u = rg.u_star if rg.ok else 1.0
        dense |= set(range(0, min(steps, int(math.ceil(dense_T1 * T1_star(rg, p.tau) if rg.ok
                                                         else dense_T1 * u * p.tau)) + 1)))
    return p.replace(extra_checkpoints=tuple(sorted(c for c in dense if c <= steps)))


def relu_width_min(n: int) -> int:
    """Theorem 4.3's width ``ceil(C log(n/delta))`` (about 60-106 for n = 2..32)."""
    return int(math.ceil(C.value * math.log(n / DELTA.value)))


# Gram sign patterns for the ReLU data: off-diagonal entries uniform in [-p, p] (one pair at +-p), or
# all of magnitude p with y_i y_k G_ik = -p ("adversarial": every cross term works against the
# margin), = +p ("aligned"), or random signs.
GRAM_PATTERNS = ("uniform", "adversarial", "aligned", "random_signs")


@st.composite
def relu_norms(draw, n: int, R_max: float):
    """As :func:`norms`, with ``R = R_max`` (the corner where the R-dependent constants are smallest)
    drawn as often as ``R = 1``."""
    scale = draw(st.floats(0.5, 2.0), label="norm scale")
    R = draw(st.one_of(st.just(1.0), st.just(R_max), st.floats(1.0, R_max)), label="R")
    f = [draw(st.floats(1.0, R)) for _ in range(n)]
    if n >= 2:
        f[0], f[-1] = 1.0, R
    return scale * np.asarray(f)


def gram_pattern_data(norms_: np.ndarray, d: int, n_pos: int, p: float, pattern: str, seed: int) -> sim.Dataset:
    """Points with Gram diagonal ``norms_^2`` and off-diagonal entries of the named pattern
    (:data:`GRAM_PATTERNS`), realised as ``X = L Q^T`` (``L`` Cholesky, ``Q`` Haar orthonormal columns).
    Needs ``(n - 1) p < Rmin^2`` (positive definite)."""
    n = len(norms_)
    if pattern == "uniform":
        return sim.nearly_orthogonal(n, d, p=p, norms=norms_, n_pos=n_pos, seed=seed)
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) < n_pos, 1.0, -1.0)
    if pattern == "adversarial":
        S = -np.outer(y, y)
    elif pattern == "aligned":
        S = np.outer(y, y)
    else:
        S = rng.choice((-1.0, 1.0), size=(n, n))
        S = np.triu(S, 1) + np.triu(S, 1).T
    G = p * S
    np.fill_diagonal(G, norms_ ** 2)
    L = np.linalg.cholesky(G)
    Q, Rq = np.linalg.qr(rng.standard_normal((d, n)))
    Q = Q * np.sign(np.diag(Rq))
    return sim.Dataset(L @ Q.T, y, name=f"gram_{pattern}", info={"seed": seed, "p_requested": p})


INIT_EVENT_TRIES = 2000


def event_seed(data: sim.Dataset, m: int, sigma0: float, seed: int, tries: int = INIT_EVENT_TRIES):
    """The first seed in ``seed, seed + 1, ...`` whose ``W(0)`` lies in the A.1 and A.2 events
    (:func:`theorems.conditions.events_A1_A2`), or ``None`` after ``tries``. Conditioning on the event
    is how the ReLU lemmas are stated: they hold on it (Sections E-G use both, w.p. >= 1 - 2 delta)."""
    for k in range(tries):
        s = (seed + k) % (2**31)
        W0 = np.random.default_rng(s).standard_normal((2, m, data.d)) * sigma0
        if cond.events_A1_A2(data, sigma0, W0).holds:
            return s
    return None


def init_in_event(problem: sim.Problem, seed: int | None = None) -> "cond.Conditions":
    """The A.1/A.2 event conditions of ``problem``'s init (``seed`` overrides its seed)."""
    return cond.events_A1_A2(problem.data, problem.sigma0, problem.init_weights(seed))


@st.composite
def relu_problems(draw, n_range=(2, 32), extra_m=(0, 24), horizon_tau=300.0, dense_tau=0.0,
                  orthogonal: bool | None = None, eta_frac=(0.2, 1.0), n_log=40, both_classes=True,
                  extra_d=(0, 24), min_per_class=1, sigma0_frac=SIGMA0_FRAC, limit=False,
                  R_max: float | None = None, events: bool = True, f2_window: bool = False,
                  patterns=GRAM_PATTERNS, proof_regime: bool = True, max_steps: int | None = None):
    """A :class:`sim.Problem` meeting Theorem 4.3's conditions (E.2)-(E.4): ReLU, ``m >= C log(n/delta)``
    (from that width up to A.2's ``50 log(2n/delta)`` plus ``extra_m``), ``d >= C log(mn/delta)``
    (Lemma A.1's dimension), ``R <= R_max_E``, ``p``, ``eta``, ``sigma0`` each a fraction in (0, 1] of
    its bound (the bound itself drawn as a corner), off-diagonal Gram entries in one of
    :data:`GRAM_PATTERNS`. With ``proof_regime`` (default) ``p`` is a fraction of the largest ``p`` for
    which Lemma E.1's derived constants exist (:func:`theorems.conditions.max_p_relu_proof`, about 4%
    of (E.4)'s bound with C = 20: the proof's data role needs C of about 500). ``max_steps`` caps the
    horizon (the default run's time: p > 0 runs with n = 32 switch patterns and cost O(m n^2) a step).
    With ``events`` (default) the init seed is the first one from the drawn seed
    whose ``W(0)`` lies in the A.1 and A.2 events (where none does within the tries at the drawn
    width, the width is raised to A.2's). ``f2_window`` caps sigma0 so that A.1's bound on beta lies in
    Lemma F.2's window (:func:`theorems.conditions.max_sigma0_F2`). Horizon ``horizon_tau * n m /
    (eta Rmin^2)`` steps (the unit of Lemma F.2's T), ``LIMIT_HORIZON_SCALE`` times more with ``limit``."""
    from .constants import R_MAX_RELU

    R_max = R_MAX_RELU.value if R_max is None else R_max
    n = draw(st.one_of(st.just(n_range[1]), st.integers(*n_range)), label="n")
    m_lo, m_a2 = relu_width_min(n), cond.relu_width_A2(n)
    m = draw(st.one_of(st.just(m_lo), st.integers(m_lo, max(m_lo, m_a2) + extra_m[1])), label="m") \
        if extra_m[1] > 0 else m_lo
    a = draw(relu_norms(n, R_max))
    n_pos = draw(labels_n_pos(n, both_classes, min_per_class))
    dseed = draw(st.integers(0, 2**31 - 1), label="data seed")
    ortho = draw(st.booleans(), label="orthogonal") if orthogonal is None else orthogonal

    def make_data(m):
        d = max(n, cond.relu_dim_A1(m, n)) + draw(st.integers(*extra_d), label="d - d_min")
        if ortho:
            return exactly_orthogonal(a, d, n_pos, dseed)
        R = a.max() / a.min()
        pmax = cond.max_p_relu_proof(a.min(), R, n, m) if proof_regime else cond.max_p_relu(a.min(), R, n)
        frac = draw(st.one_of(st.just(1.0), st.floats(0.0, 1.0, exclude_min=True)), label="p / p_max")
        pattern = draw(st.sampled_from(patterns), label="Gram pattern")
        # keep a hair below the bound so round-off cannot cross it
        return gram_pattern_data(a, d, n_pos, frac * pmax * (1 - 1e-6), pattern, dseed)

    data = make_data(m)
    e_frac = draw(_sigma0_fraction(eta_frac), label="eta / eta_max")
    s_frac = draw(_sigma0_fraction(sigma0_frac), label="sigma0 / sigma0_max")
    seed0 = draw(st.integers(0, 2**31 - 1), label="init seed")

    def s0(data, m):
        cap = cond.sigma0_max(data, m)
        return s_frac * (min(cap, cond.max_sigma0_F2(data, m)) if f2_window else cap)

    sigma0 = s0(data, m)
    seed = seed0
    if events:
        seed = event_seed(data, m, sigma0, seed0)
        if seed is None:  # too rare at this width: A.2's width makes the event likely (>= 1 - 2 delta)
            m = max(m, m_a2)
            data = make_data(m)
            sigma0 = s0(data, m)
            seed = event_seed(data, m, sigma0, seed0)
            if seed is None:
                raise RuntimeError(f"no init in the A.1/A.2 event within {INIT_EVENT_TRIES} seeds at m = {m}")
    eta = e_frac * cond.eta_max(data, m)
    steps = _steps(data, m, eta, horizon_tau, data.Rmin, limit)
    steps = steps if max_steps is None else min(steps, max_steps)
    return sim.Problem(data, m=m, eta=eta, sigma0=sigma0, steps=steps, gamma=0.0, n_log=n_log,
                       seed=seed, extra_checkpoints=_dense(data, m, eta, dense_tau))


def meets_conditions(problem: sim.Problem) -> "cond.Conditions":
    """The conditions of the theorem a problem is drawn for (4.1 for leaky, 4.3 for ReLU)."""
    p = problem
    if p.gamma > 0:
        return cond.conditions_leaky(p.data, p.m, p.eta, p.sigma0, p.gamma)
    return cond.conditions_relu(p.data, p.m, p.eta, p.sigma0)


# ---------------------------------------------------------------------------------------------
# controls: each breaks one named hypothesis
# ---------------------------------------------------------------------------------------------
@st.composite
def with_large_sigma0(draw, base, factor=(50.0, 2000.0)):
    """``base`` with ``sigma0`` raised to ``factor`` times the bound of (B.2)/(E.2)."""
    p = draw(base)
    bound = cond.sigma0_max(p.data, p.m, p.gamma)
    return p.replace(sigma0=draw(st.floats(*factor), label="sigma0 / sigma0_max") * bound)


@st.composite
def with_large_eta(draw, base, factor=(20.0, 200.0)):
    """``base`` with ``eta`` raised to ``factor`` times the bound of (B.3)/(E.3)."""
    p = draw(base)
    return p.replace(eta=draw(st.floats(*factor), label="eta / eta_max") * cond.eta_max(p.data, p.m))


@st.composite
def with_relu(draw, base):
    """``base`` (a leaky problem) with ``gamma = 0``: ReLU where leaky ReLU is assumed."""
    p = draw(base)
    return p.replace(gamma=0.0)


@st.composite
def correlated_data(draw, n_range=(2, 6), extra_d=(0, 8), rho_corr=(0.5, 0.99)):
    """Data far from orthogonal: ``x_i = sqrt(c) u + sqrt(1-c) z_i`` with a shared direction ``u``,
    correlation ``c`` (so ``p ~ c Rmax^2`` breaks the data condition by orders of magnitude)."""
    n = draw(st.integers(*n_range), label="n")
    d = n + 1 + draw(st.integers(*extra_d), label="d - n - 1")
    c = draw(st.floats(*rho_corr), label="correlation")
    seed = draw(st.integers(0, 2**31 - 1), label="data seed")
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.standard_normal((d, n + 1)))[0]
    X = math.sqrt(c) * Q[:, 0][None, :] + math.sqrt(1 - c) * Q[:, 1:].T
    n_pos = draw(labels_n_pos(n))
    y = np.where(np.arange(n) < n_pos, 1.0, -1.0)
    return sim.Dataset(X, y, name="correlated", info={"correlation": c, "seed": seed})


@st.composite
def with_correlated_data(draw, base, **kw):
    """``base`` on correlated data with at most as many points (so a ReLU width condition still
    holds), ``eta`` and ``sigma0`` at the same fractions of their bounds and the horizon at the same
    number of time units ``n m / (eta Rmax^2)``: only the data condition is broken."""
    p = draw(base)
    kw.setdefault("n_range", (2, max(2, p.n)))
    data = draw(correlated_data(**kw))
    eta = p.eta / cond.eta_max(p.data, p.m) * cond.eta_max(data, p.m)
    sigma0 = p.sigma0 / cond.sigma0_max(p.data, p.m, p.gamma) * cond.sigma0_max(data, p.m, p.gamma)
    units = p.steps / (p.n * p.m / (p.eta * p.data.Rmax ** 2))
    steps = int(min(max(MAX_STEPS, p.steps), math.ceil(units * data.n * p.m / (eta * data.Rmax ** 2))))
    dense = tuple(c for c in p.extra_checkpoints if c <= steps)
    return sim.Problem(data, m=p.m, eta=eta, sigma0=sigma0, steps=steps, gamma=p.gamma,
                       seed=p.seed, n_log=p.n_log, extra_checkpoints=dense)


@st.composite
def with_leaky(draw, base, gamma=(0.2, 0.9)):
    """``base`` (a ReLU problem) with a leaky slope: leaky ReLU where ReLU is assumed."""
    p = draw(base)
    return p.replace(gamma=draw(st.floats(*gamma), label="gamma"))


@st.composite
def standard_basis_relu_problems(draw, n_range=(2, 32), extra_d=(0, 10), extra_m=(0, 24),
                                 horizon_tau=2000.0, eta_frac=(0.2, 1.0), n_log=60, limit=False, events=True):
    """Lemma F.3's setting: ``x_i = e_i`` in ``R^d`` (``d >= C log(mn/delta)``, Lemma A.1), the first
    half labelled +1, ReLU, with ``m``, ``eta`` and ``sigma0`` inside Theorem 4.3's conditions and,
    with ``events``, the init conditioned on the A.1 and A.2 events (as :func:`relu_problems`).
    Horizon in units of ``nm/(eta Rmin^2)``."""
    n = draw(st.integers(*n_range), label="n")
    m_lo, m_a2 = relu_width_min(n), cond.relu_width_A2(n)
    m = draw(st.one_of(st.just(m_lo), st.integers(m_lo, m_a2 + extra_m[1])), label="m")
    e_frac = draw(_sigma0_fraction(eta_frac), label="eta / eta_max")
    s_frac = draw(_sigma0_fraction(SIGMA0_FRAC), label="sigma0 / sigma0_max")
    seed = draw(st.integers(0, 2**31 - 1), label="init seed")
    dd = draw(st.integers(*extra_d), label="d - d_min")
    for mm in (m, max(m, m_a2)):
        data = sim.standard_basis(n, max(n, cond.relu_dim_A1(mm, n)) + dd)
        sigma0 = s_frac * cond.sigma0_max(data, mm)
        s = event_seed(data, mm, sigma0, seed) if events else seed
        if s is not None:
            m, seed = mm, s
            break
    else:
        raise RuntimeError(f"no init in the A.1/A.2 event within {INIT_EVENT_TRIES} seeds at m = {m}")
    eta = e_frac * cond.eta_max(data, m)
    return sim.Problem(data, m=m, eta=eta, sigma0=sigma0, steps=_steps(data, m, eta, horizon_tau, data.Rmin, limit),
                       gamma=0.0, n_log=n_log, seed=seed)
