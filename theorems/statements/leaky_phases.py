"""Leaky ReLU, the two phases of Lemma B.1's proof and what follows from them: Lemmas B.2
(t <= T1; also B.2(sharp), the same argument with its upper bound |l'| <= 1 - c~ kept), B.3
(t >= T1: balance and the four log rates; also as printed, an erratum the search confirms), B.4
(per-neuron balance from (B.8)) and Lemma D.2's explicit loss bound.

Every bound is the proof's own, evaluated on the example (its beta, gamma, R, q, p, eta, n, m), with
the proofs' T1 = T1* = floor(u* tau) + 1 (B.5's sharpest T1, DERIVED-CONSTANTS row b) and C' = T1*/tau;
the constants and their derivations are in :mod:`theorems.constants` (section "the phases of Lemma
B.1's proof"). As in :mod:`theorems.statements.leaky`, an init outside the regime where the proofs'
constants exist (only in controls) is evaluated with the formulas' most generous values and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

import sim

from .. import conditions as cond
from .. import strategies as S
from ..constants import (B3_PRINTED, B3_RATE_CONSTANTS, C2_B2, C2_B2_SHARP, C3_B3, C_B4, D2_KAPPA, C, DELTA,
                         T1_star, b2_c2, b2_c2_sharp, b3_cross, b3_rates, d2_bound)
from ..registry import Evidence, statement
from .common import describe, fmt, other, own, run, series
from .leaky import LEAKY_HYPS, N_MAX, _regime_note, balance_ratio_of, regime, regime_facts


# ---------------------------------------------------------------------------------------------
# per-neuron ratios (Lemmas B.2 and B.4)
# ---------------------------------------------------------------------------------------------
def neuron_ratio_of(rho: np.ndarray) -> np.ndarray:
    """``min_{j,r,i} |rho_{j,r,i}| / max_{j',r',i'} |rho_{j',r',i'}|`` per checkpoint from rho of
    shape (K, 2, m, n); NaN where every rho is 0 (t = 0: the right side of (B.9) vanishes)."""
    a = np.abs(rho).reshape(rho.shape[0], -1)
    mx = a.max(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mx > 0, a.min(1) / np.where(mx > 0, mx, 1.0), np.nan)


def b2_witness(steps: np.ndarray, rho: np.ndarray, gamma: float, T1: int) -> tuple[float, int]:
    """``(w, t)``: ``w = min over checkpoints 0 < t <= T1`` (where some rho is nonzero) of
    :func:`neuron_ratio_of` / gamma, and the step where it is attained; Lemma B.2 holds iff
    ``w >= c2``. Raises unless the checkpoints include every step ``1..T1`` (the lemma is checked
    at every step, not at a sample)."""
    k = (steps > 0) & (steps <= T1)
    if not np.array_equal(steps[k], np.arange(1, T1 + 1)):
        raise ValueError(f"B.2 needs a checkpoint at every step 1..T1 = {T1}; the strategy must record them")
    r = neuron_ratio_of(rho[k]) / gamma
    ok = np.isfinite(r)
    if not ok.any():
        return math.inf, 0
    i = int(np.nanargmin(r))
    return float(r[i]), int(steps[k][i])


def _b2_strategy(**kw):
    kw.setdefault("n_range", (2, N_MAX))
    # T1* is O(tau) steps and every one of them is a checkpoint: eta >= eta_max/50 keeps tau <= 1000
    kw.setdefault("eta_frac", (0.02, 1.0))
    return S.leaky_problems(horizon_tau=3.0, dense_T1=1.0, **kw)


def _b2_control():
    # few neurons and a large init: some point starts with a large margin, so its |l'| and its
    # coefficients lag far behind the others' (as B.1's control)
    return S.with_large_sigma0(_b2_strategy(m_range=(1, 3), n_range=(2, 8)), factor=(500.0, 5000.0))


@statement(
    "B.2", kind="lemma", title="Per-neuron balance in the early phase (t <= T1)",
    text="For 0 <= t <= T1 = C' n m/(eta Rmax^2): |rho_{j,r,i}(t)| >= c2 gamma |rho_{j',r',i'}(t)| for "
         "all j, j', r, r', i, i', with c2 = c~(C') Rmin^2/Rmax^2 (c~ the early-phase floor of |l'|).",
    strategy=_b2_strategy(),
    hypotheses=LEAKY_HYPS, constants=(C, DELTA, C2_B2), markers=("leaky", "statement"),
    controls={"large_sigma0": _b2_control()},
    source="Lemma B.2 (Appendix B)")
def check_B2(problem) -> Evidence:
    """Witness: :func:`b2_witness` at every step ``1 <= t <= T1*`` (checkpoints at every step there);
    holds iff ``>= c2 = c~(C') R^-2`` (:func:`theorems.constants.b2_c2`) with ``C' = T1*/tau``."""
    return _b2_check(problem, b2_c2, "c~(C') R^-2")


def _b2_check(problem, c2_of, c2_form: str) -> Evidence:
    """Lemma B.2's check against ``c2 = c2_of(beta, gamma, R, q, C')`` (``c2_form`` names it)."""
    tr = run(problem)
    rg = regime(problem)
    T1 = min(T1_star(rg, problem.tau), problem.steps)
    c2 = c2_of(rg.beta, problem.gamma, problem.data.R, rg.q, T1 / problem.tau)
    w, t_at = b2_witness(tr.steps, tr.rho, problem.gamma, T1)
    k = (tr.steps > 0) & (tr.steps <= T1)
    return Evidence(
        holds=w >= c2, witness=w, bound=c2, relation=">=",
        summary=f"min_(t <= T1*) min|rho| / (gamma max|rho|) = {fmt(w)} at t = {t_at} of T1* = {T1} steps "
                f"(every step checked; c2 = {c2_form} = {fmt(c2)} at C' = {fmt(T1 / problem.tau)}, "
                f"beta = {fmt(rg.beta)}; witness / c2 = {fmt(w / c2)})" + _regime_note(rg),
        details=describe(problem) | {"t_of_min": t_at, "T1": T1, "c2": c2, "witness_over_bound": w / c2}
        | regime_facts(rg, problem.tau, problem),
        series=[series("Per-neuron ratio over the early phase", "t (steps)", "min|rho| / (gamma max|rho|)",
                       [("ratio", tr.steps[k], neuron_ratio_of(tr.rho[k]) / problem.gamma),
                        ("c2", tr.steps[k], np.full(int(k.sum()), c2))])])


@statement(
    "B.2(sharp)", kind="lemma", title="Per-neuron balance in the early phase, with both |l'| bounds",
    text="For 0 <= t <= T1 = C' n m/(eta Rmax^2): |rho_{j,r,i}(t)| >= c2 gamma |rho_{j',r',i'}(t)| with "
         "c2 = c~(C')/(1 - c~(C')) Rmin^2/Rmax^2: Lemma B.2's proof with its (B.14) using |l'| <= 1 - c~ "
         "(the same bound on |y_i f| that gives |l'| >= c~) instead of |l'| <= 1.",
    strategy=_b2_strategy(),
    hypotheses=LEAKY_HYPS, constants=(C, DELTA, C2_B2_SHARP), markers=("leaky", "statement"),
    controls={"large_sigma0": _b2_control()},
    source="Lemma B.2 (Appendix B), lines 1790-1856, sharpened within its own argument")
def check_B2_sharp(problem) -> Evidence:
    """As :func:`check_B2`, against ``c2 = c~/(1 - c~) R^-2`` (:func:`theorems.constants.b2_c2_sharp`)."""
    return _b2_check(problem, b2_c2_sharp, "c~/(1 - c~) R^-2")


# ---------------------------------------------------------------------------------------------
# Lemma B.3: (B.15) and the four log rates for t >= T1
# ---------------------------------------------------------------------------------------------
B3_PARTS = ("(B.15)", "U+", "U-", "L+", "L-")


def rate_sums(tr) -> tuple[np.ndarray, np.ndarray]:
    """``((1/m) sum_r rhobar_{y_i,r,i}, (1/m) sum_r |rhounder_{-y_i,r,i}|)``, each (K, n)."""
    return own(tr, tr.rhobar).mean(1), np.abs(other(tr, tr.rhounder)).mean(1)


def b3_parts(balance: np.ndarray, c3: float, P: np.ndarray, U: np.ndarray, rates: dict) -> dict:
    """Each part of Lemma B.3 as a number that is ``<= 1`` iff the part holds, over the given
    checkpoints (all ``t >= T1``): ``(B.15)``: ``c3 / min_t balance``; ``U+``: ``max P/U+``;
    ``U-``: ``max U/U-``; ``L+``: ``max L+/P``; ``L-``: ``max L-/U`` (``P``, ``U`` (K, n) from
    :func:`rate_sums`, ``rates`` from :func:`theorems.constants.b3_rates`). A part with no
    checkpoint is 0."""
    def mx(a):
        a = a[np.isfinite(a)]
        return float(a.max()) if a.size else 0.0

    with np.errstate(divide="ignore", invalid="ignore"):
        b = balance[np.isfinite(balance)]
        out = {"(B.15)": float(c3 / b.min()) if b.size else 0.0,
               "U+": mx(P / rates["U+"]), "U-": mx(U / rates["U-"]),
               "L+": mx(np.where(rates["L+"] > 0, rates["L+"] / P, 0.0)),
               "L-": mx(np.where(rates["L-"] > 0, rates["L-"] / U, 0.0))}
    return out


def worst_part(parts: dict) -> tuple[str, float]:
    """The part with the largest value (the closest to failing, or failing)."""
    k = max(parts, key=lambda p: parts[p])
    return k, parts[k]


def b3_constants(problem, rg) -> tuple[float, float]:
    """``(c3, a)`` on this example: ``c3`` = the example's c1 (:data:`theorems.constants.C3_B3`),
    ``a = (n-1)p/(gamma^2 c3 Rmin^2)``; outside the regime (controls) ``p`` is capped at the largest
    the data condition (B.4) with the derived C allows (the constants the hypotheses promise)."""
    p = problem
    g = p.gamma
    pp = p.data.p
    if not rg.ok:
        pp = min(pp, cond.max_p_leaky(p.data.Rmin, p.data.R, p.n, g, C=S.leaky_C(p.data.R, g, p.m, p.n)["data"]))
    return rg.c1, b3_cross(g, rg.c1, p.n, pp, p.data.Rmin)


def b3_evaluate(tr, rg, printed: bool = False) -> tuple[dict, dict]:
    """``(parts, facts)`` of Lemma B.3 on a trajectory over the checkpoints ``t >= T1*`` (with
    ``printed``: only the two lower rates, as printed)."""
    p = tr.problem
    T1 = T1_star(rg, p.tau)
    k = tr.steps >= T1
    if not k.any():
        raise ValueError("B.3 needs checkpoints after T1*; the strategy's horizon is too short")
    c3, a = b3_constants(p, rg)
    P, U = rate_sums(tr)
    rates = b3_rates(tr.steps[k], p.data.norms ** 2, p.gamma, rg.beta, p.eta, p.n, p.m, a, printed=printed)
    parts = b3_parts(balance_ratio_of(tr.rho[k], p.gamma), c3, P[k], U[k], rates)
    if printed:
        parts = {"L+": parts["L+"], "L-": parts["L-"]}
    return parts, {"T1": T1, "c3": c3, "a": a, "c4": 1 - a, "c5": 1 - a / p.gamma, "c6": 1 + a,
                   "P": P, "U": U, "rates": rates, "k": k}


def _b3_series(tr, facts, printed=False):
    k = facts["k"]
    t = tr.steps[k]
    i = 0
    P, U, r = facts["P"][k, i], facts["U"][k, i], facts["rates"]
    lines = [("(1/m) sum rhobar_{y_0,r,0}", t, P), ("(1/m) sum |rhounder_{-y_0,r,0}|", t, U),
             ("L+", t, r["L+"][:, i]), ("L-", t, r["L-"][:, i])]
    if not printed:
        lines += [("U+", t, r["U+"][:, i]), ("U-", t, r["U-"][:, i])]
    return [series("Lemma B.3's rates for x_0" + (" (as printed)" if printed else ""), "t (steps)",
                   "coefficient average", lines, logx=True)]


def _b3_strategy(**kw):
    kw.setdefault("n_range", (2, N_MAX))
    kw.setdefault("m_range", (1, 12))
    return S.leaky_problems(horizon_tau=400.0, limit=True, **kw)


@dataclass(frozen=True)
class OnePart:
    """A control input for Lemma B.3: ``problem``, judged on the one part ``part`` of
    :data:`B3_PARTS` (so each control shows that this part alone can fail)."""
    problem: sim.Problem
    part: str


@st.composite
def only_part(draw, base, part: str):
    """``base``'s problems as :class:`OnePart` inputs judged on ``part`` alone."""
    return OnePart(draw(base), part)


_B3_LARGE_SIGMA0 = S.with_large_sigma0(_b3_strategy(m_range=(1, 3), n_range=(2, 8)), factor=(500.0, 5000.0))


@statement(
    "B.3", kind="lemma", title="Balance and log rates after T1",
    text="For t >= T1: (B.15) sum_r |rho_{j,r,i}(t)| >= c3 gamma^2 sum_r |rho_{j',r,i'}(t)|; and "
         "(1/m) sum_r rhobar_{y_i,r,i} <= c4^-1 log(1 + c4 X e^{2beta} e^eps), "
         "(1/m) sum_r |rhounder_{-y_i,r,i}| <= (gamma c5)^-1 log(1 + gamma c5 X e^{2beta} e^eps'), "
         "(1/m) sum_r rhobar_{y_i,r,i} >= (2c6)^-1 log(1 + gamma c6 X e^{-(1+gamma)beta}), "
         "(1/m) sum_r |rhounder_{-y_i,r,i}| >= (2c6)^-1 gamma log(1 + c6 X e^{-(1+gamma)beta}), "
         "X = eta ||x_i||^2 t/(nm) (the proof's constants; the printed statement has c6^-1 and drops e^eps).",
    strategy=_b3_strategy(),
    hypotheses=LEAKY_HYPS, constants=(C, DELTA, C3_B3, B3_RATE_CONSTANTS), markers=("leaky", "statement"),
    # one control per part, each judged on that part alone (OnePart): a large init gives some point a
    # large negative margin (|l'| ~ 1, and very unequal |l'| across points) while the constants
    # assume beta at most the hypotheses' largest; on correlated data the other points' updates
    # move each margin, which the capped cross-term ratio a does not allow for
    controls={"B15_large_sigma0": only_part(_B3_LARGE_SIGMA0, "(B.15)"),
              "Uplus_correlated": only_part(S.with_correlated_data(_b3_strategy(n_range=(2, 6))), "U+"),
              "Uminus_large_sigma0": only_part(_B3_LARGE_SIGMA0, "U-"),
              "Lplus_large_sigma0": only_part(_B3_LARGE_SIGMA0, "L+"),
              "Lminus_large_sigma0": only_part(_B3_LARGE_SIGMA0, "L-")},
    source="Lemma B.3 (Appendix B), with the constants of its proof ((B.31)-(B.34))")
def check_B3(example) -> Evidence:
    """Witness: the worst of :func:`b3_parts` (each ``<= 1`` iff its part holds) over the checkpoints
    ``t >= T1*``; holds iff ``<= 1``. The summary names the worst part and gives every part's value.
    A control's :class:`OnePart` input is judged on its one part."""
    problem, only = (example.problem, example.part) if isinstance(example, OnePart) else (example, None)
    tr = run(problem)
    rg = regime(problem)
    parts, f = b3_evaluate(tr, rg)
    name, w = (only, parts[only]) if only else worst_part(parts)
    return Evidence(
        holds=w <= 1.0, witness=w, bound=1.0, relation="<=",
        summary=(f"part {name} alone (control): " if only else f"worst part {name}: ")
                + f"{fmt(w)} (<= 1 holds); parts: "
                + ", ".join(f"{k} {fmt(v)}" for k, v in parts.items())
                + f" (T1* = {f['T1']}, c3 = {fmt(f['c3'])}, a = {fmt(f['a'])}, horizon {problem.steps})"
                + _regime_note(rg),
        details=describe(problem) | {"worst_part": name, "parts": parts, "c3": f["c3"], "a": f["a"]}
        | regime_facts(rg, problem.tau, problem),
        series=_b3_series(tr, f))


def _b3p_strategy(**kw):
    kw.setdefault("n_range", (2, N_MAX))
    kw.setdefault("m_range", (1, 12))
    return S.leaky_problems(horizon_tau=100.0, **kw)


@statement(
    "B.3(printed)", kind="lemma", title="Lemma B.3's lower rates as printed (erratum)",
    text="For t >= T1: (1/m) sum_r rhobar_{y_i,r,i} >= c6^-1 log(1 + gamma c6 X e^{-(1+gamma)beta}) and "
         "(1/m) sum_r |rhounder_{-y_i,r,i}| >= c6^-1 gamma log(1 + c6 X e^{-(1+gamma)beta}), "
         "X = eta ||x_i||^2 t/(nm), as the statement prints them; the proof gives (2 c6)^-1.",
    strategy=_b3p_strategy(),
    hypotheses=LEAKY_HYPS, constants=(C, DELTA, C3_B3, B3_PRINTED), markers=("leaky", "erratum"),
    source="Lemma B.3 (Appendix B, lines 467-468), as printed")
def check_B3_printed(problem) -> Evidence:
    """Witness: the worse of the two printed lower rates as in :func:`b3_parts` (``max L/P``,
    ``max L/U`` with ``c6^-1``) over ``t >= T1*``; the printed lemma claims ``<= 1``."""
    tr = run(problem)
    rg = regime(problem)
    parts, f = b3_evaluate(tr, rg, printed=True)
    name, w = worst_part(parts)
    return Evidence(
        holds=w <= 1.0, witness=w, bound=1.0, relation="<=",
        summary=f"printed lower rate {name}: bound / coefficients = {fmt(w)} (<= 1 claimed); parts: "
                + ", ".join(f"{k} {fmt(v)}" for k, v in parts.items())
                + f" (gamma = {fmt(problem.gamma)}, a = {fmt(f['a'])}, T1* = {f['T1']})" + _regime_note(rg),
        details=describe(problem) | {"worst_part": name, "parts": parts, "a": f["a"]}
        | regime_facts(rg, problem.tau, problem),
        series=_b3_series(tr, f, printed=True))


# ---------------------------------------------------------------------------------------------
# Lemma B.4: (B.8) at t implies per-neuron balance at t
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SlopeClaim:
    """A control input for Lemma B.4: ``problem`` runs with its own slope, the lemma is evaluated
    with ``gamma`` (larger): the hypothesis ``sigma' in [gamma, 1]`` is broken and nothing else."""
    problem: sim.Problem
    gamma: float


def b4_witness(steps: np.ndarray, rho: np.ndarray, gamma: float, c1: float) -> dict:
    """Lemma B.4 at every checkpoint ``t > 0`` with some rho nonzero. ``balance`` = (B.8)'s ratio
    ``min sum_r|rho| / (gamma^2 max sum_r|rho|)``, ``neuron`` = ``min|rho| / (gamma^4 max|rho|)``.
    Returns ``witness = min_t neuron/balance`` (the implication for every constant c at once: (B.8)
    with c = balance(t) holds, so the conclusion needs neuron(t) >= balance(t); holds iff ``>= 1``),
    its step, ``premise_steps`` (checkpoints where (B.8) holds with the lemma's c1), and
    ``c1_form``: ``min neuron / c1`` over those (the lemma with c1; ``inf`` if none)."""
    k = steps > 0
    b = balance_ratio_of(rho[k], gamma)
    nr = neuron_ratio_of(rho[k]) / gamma ** 4
    ok = np.isfinite(b) & np.isfinite(nr) & (b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(ok, nr / np.where(ok, b, 1.0), np.inf)
    i = int(np.argmin(q)) if q.size else 0
    prem = ok & (b >= c1)
    return {"witness": float(q[i]) if q.size else math.inf, "t": int(steps[k][i]) if q.size else 0,
            "premise_steps": int(prem.sum()), "steps_checked": int(ok.sum()),
            "c1_form": float(nr[prem].min() / c1) if prem.any() else math.inf,
            "balance": b, "neuron": nr, "ratio": q}


def _b4_strategy(**kw):
    kw.setdefault("n_range", (2, N_MAX))
    kw.setdefault("m_range", (1, 12))
    # every step is a checkpoint up to the horizon (30 tau; eta >= eta_max/5, so at most ~3000 steps)
    return S.leaky_problems(horizon_tau=30.0, dense_tau=30.0, eta_frac=(0.2, 1.0), n_log=1, **kw)


@st.composite
def with_smaller_slope(draw, base, factor=(0.02, 0.3)):
    """``base``'s network run with slope ``s gamma`` (``s`` in ``factor``) while Lemma B.4 is evaluated
    with ``gamma``: a :class:`SlopeClaim`. Breaks only ``sigma'(z) in [gamma, 1]``."""
    p = draw(base)
    s = draw(st.floats(*factor), label="true slope / gamma")
    return SlopeClaim(p.replace(gamma=s * p.gamma), p.gamma)


@statement(
    "B.4", kind="lemma", title="(B.8) implies per-neuron balance",
    text="If (B.8) holds at t (sum_r |rho_{j,r,i}(t)| >= c1 gamma^2 sum_r |rho_{j',r,i'}(t)| for all "
         "j, j', i, i'), then |rho_{j,r,i}(t)| >= c1 gamma^4 |rho_{j',r',i'}(t)| for all j, j', r, r', i, i'.",
    strategy=_b4_strategy(),
    hypotheses=LEAKY_HYPS + ("sigma'(z) in [gamma, 1] (leaky ReLU with the lemma's gamma)",),
    constants=(C, DELTA, C_B4), markers=("leaky", "statement"),
    controls={"smaller_slope": with_smaller_slope(_b4_strategy(m_range=(2, 8), n_range=(2, 8),
                                                               gamma_range=(0.5, 0.95)))},
    source="Lemma B.4 (Appendix B)")
def check_B4(example) -> Evidence:
    """At every step ``t`` of the horizon (every step a checkpoint): :func:`b4_witness`. The proof
    needs nothing about c1, so the check is the implication for every c: ``min|rho|/(gamma^4
    max|rho|) >= (B.8)'s ratio`` at every t (holds iff the witness ``>= 1``); the summary also gives the
    lemma's own form with the example's c1 and how many steps satisfied its premise."""
    problem, g = (example.problem, example.gamma) if isinstance(example, SlopeClaim) else (example, example.gamma)
    tr = run(problem)
    rg = regime(problem.replace(gamma=g))
    c1 = rg.c1
    r = b4_witness(tr.steps, tr.rho, g, c1)
    w = r["witness"]
    k = tr.steps > 0
    dense = bool(np.array_equal(tr.steps, np.arange(problem.steps + 1)))
    return Evidence(
        holds=w >= 1.0, witness=w, bound=1.0, relation=">=",
        summary=f"min_t [min|rho| / (gamma^4 max|rho|)] / [(B.8)'s ratio] = {fmt(w)} at t = {r['t']} over "
                f"{r['steps_checked']} steps ({'every step' if dense else 'checkpoints'}); (B.8) with c1 = "
                f"{fmt(c1)} held at {r['premise_steps']} of them, where min per-neuron ratio / c1 = "
                f"{fmt(r['c1_form'])}"
                + ("" if g == problem.gamma else f" [network slope {fmt(problem.gamma)}, lemma's gamma {fmt(g)}]")
                + _regime_note(rg),
        details=describe(problem) | {"gamma_lemma": g, "t_of_min": r["t"], "premise_steps": r["premise_steps"],
                                     "steps_checked": r["steps_checked"], "c1_form": r["c1_form"],
                                     "every_step": dense} | regime_facts(rg, problem.tau),
        series=[series("Lemma B.4: per-neuron ratio against (B.8)'s ratio", "t (steps)", "ratio",
                       [("min|rho| / (gamma^4 max|rho|)", tr.steps[k], r["neuron"]),
                        ("(B.8) ratio", tr.steps[k], r["balance"]),
                        ("c1", tr.steps[k], np.full(int(k.sum()), c1))], logx=True, logy=True)])


# ---------------------------------------------------------------------------------------------
# Lemma D.2: the explicit loss bound after T1
# ---------------------------------------------------------------------------------------------
def d2_witness(steps: np.ndarray, loss: np.ndarray, bound: np.ndarray, T1: int) -> tuple[float, int]:
    """``(max_{t >= T1} L(t) / bound(t), argmax step)`` over checkpoints (``bound`` given at every
    checkpoint); holds iff ``<= 1``."""
    k = steps >= T1
    if not k.any():
        raise ValueError("D.2 needs checkpoints after T1*")
    q = loss[k] / bound[k]
    i = int(np.argmax(q))
    return float(q[i]), int(steps[k][i])


def d2_bound_of(problem, rg, t) -> tuple:
    """``(bound at the steps t (K,), T1, a1)`` on this example (:func:`theorems.constants.d2_bound`,
    ``a1`` from the example's c1; outside the regime p capped as in :func:`b3_constants`)."""
    p = problem
    T1 = T1_star(rg, p.tau)
    _, a1 = b3_constants(p, rg)
    return d2_bound(t, T1, p.tau, rg.beta, p.gamma, a1, p.eta, p.data.norms ** 2, p.n, p.m), T1, a1


def _d2_strategy(**kw):
    kw.setdefault("n_range", (2, N_MAX))
    kw.setdefault("m_range", (1, 12))
    return S.leaky_problems(horizon_tau=400.0, limit=True, **kw)


@statement(
    "D.2", kind="lemma", title="Explicit loss bound after T1",
    text="For t >= T1: L_S(W(t)) <= (1/n) sum_i e^{(1+g)beta} (1 + (1+g^2)(1+a1) eta ||x_i||^2 e^{-C_i} "
         "(t - T1)/(2nm))^{-(1-a1)/(1+a1)}, C_i = (1+g)((1+a1) C' + beta), a1 = (n-1)p/(g^2 c1 Rmin^2).",
    strategy=_d2_strategy(),
    hypotheses=LEAKY_HYPS, constants=(C, DELTA, D2_KAPPA), markers=("leaky", "statement"),
    controls={"large_sigma0": S.with_large_sigma0(_d2_strategy(n_range=(2, 6)), factor=(500.0, 5000.0))},
    source="Lemma D.2 (Appendix D), (D.6); Theorem 4.1 third bullet")
def check_D2(problem) -> Evidence:
    """Witness: :func:`d2_witness`, ``max_{t >= T1*} L_S(W(t)) / bound(t)`` over the checkpoints;
    holds iff ``<= 1``."""
    tr = run(problem)
    rg = regime(problem)
    bd, T1, a1 = d2_bound_of(problem, rg, tr.steps)
    w, t_at = d2_witness(tr.steps, tr.loss, bd, T1)
    k = tr.steps >= max(T1, 1)
    return Evidence(
        holds=w <= 1.0, witness=w, bound=1.0, relation="<=",
        summary=f"max_(t >= T1*) L_S / D.2 bound = {fmt(w)} at t = {t_at} (T1* = {T1}, a1 = {fmt(a1)}, "
                f"alpha = {fmt((1 - a1) / (1 + a1))}, beta = {fmt(rg.beta)}); at the horizon "
                f"L = {tr.loss[-1]:.3g} against {bd[-1]:.3g}" + _regime_note(rg),
        details=describe(problem) | {"t_of_max": t_at, "T1": T1, "a1": a1, "loss_end": float(tr.loss[-1]),
                                     "bound_end": float(bd[-1])} | regime_facts(rg, problem.tau, problem),
        series=[series("Training loss with Lemma D.2's bound", "t (steps)", "L_S(W(t))",
                       [("loss", tr.steps[k], tr.loss[k]), ("D.2 bound", tr.steps[k], bd[k])],
                       logx=True, logy=True)])
