"""Auxiliary lemmas (Section H) and Lemma 5.3 as printed (an erratum the search finds)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

from ..constants import ALPHA_TEST, H3_C
from ..registry import Evidence, statement
from .common import binomial_record, fmt, series

EPS = np.finfo(float).eps


# ---------------------------------------------------------------------------------------------
# sequences for H.1, H.2 and Lemma 5.3
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sequence:
    """A finite sequence ``x_0 .. x_T`` with the constant(s) its hypothesis uses."""

    x: tuple
    C: float
    C2: float | None = None

    @property
    def arr(self) -> np.ndarray:
        return np.asarray(self.x, dtype=float)


@st.composite
def sequences(draw, C_range=(1e-3, 4.0), x0_range=(0.0, 8.0), T_max=120, frac=(-2.0, 1.0),
              nonneg=True, scale=1.0):
    """``x_{t+1} = x_t + u_t * scale * C e^{-x_t}`` with ``u_t`` drawn in ``frac`` (negative ``u``
    make the sequence non-monotone), clipped at 0 when ``nonneg``. With ``frac`` upper end 1 and
    ``scale = 1`` the sequence meets H.1's hypothesis ``x_{t+1} - x_t <= C e^{-x_t}``."""
    C = draw(st.floats(*C_range), label="C")
    x = [draw(st.floats(*x0_range), label="x0")]
    T = draw(st.integers(1, T_max), label="T")
    us = draw(st.lists(st.floats(*frac), min_size=T, max_size=T), label="u_t")
    for u in us:
        nxt = x[-1] + u * scale * C * math.exp(-x[-1])
        x.append(max(nxt, 0.0) if nonneg else nxt)
    return Sequence(tuple(x), C)


def _tol(bound: np.ndarray) -> np.ndarray:
    """Round-off allowance for a recursion of t steps compared with a bound: ``8 eps (t + 1) max(1, |b|)``."""
    t = np.arange(len(bound))
    return 8 * EPS * (t + 1) * np.maximum(1.0, np.abs(bound))


def h1_bound(x0: float, C: float, t: np.ndarray) -> np.ndarray:
    """``log(e^{x_0} + C e^C t)``, computed as a logaddexp."""
    with np.errstate(divide="ignore"):
        return np.logaddexp(x0, math.log(C) + C + np.log(t))


def h2_bound(x0: float, C: float, t: np.ndarray) -> np.ndarray:
    """``log(e^{x_0} + C t)``."""
    with np.errstate(divide="ignore"):
        return np.logaddexp(x0, math.log(C) + np.log(t))


@statement(
    "H.1", kind="lemma", title="Logarithmic upper bound for x_{t+1} - x_t <= C e^{-x_t}",
    text="A non-negative sequence with x_{t+1} - x_t <= C e^{-x_t} for all t satisfies "
         "x_t <= log(e^{x_0} + C e^C t). (The sequence need not be monotone.)",
    strategy=sequences(), hypotheses=("x_t >= 0", "x_{t+1} - x_t <= C e^{-x_t}"),
    markers=("auxiliary", "statement"),
    controls={"increment_too_large": sequences(frac=(0.5, 1.0), scale=60.0, C_range=(1e-3, 1.0))},
    source="Lemma H.1 (Appendix H)")
def check_H1(seq: Sequence) -> Evidence:
    """Witness: ``max_{t >= 1} (x_t - log(e^{x_0} + C e^C t))``; holds iff ``<= 0`` up to round-off."""
    x = seq.arr
    t = np.arange(len(x))
    b = h1_bound(x[0], seq.C, t)
    gap = (x - b)[1:]
    w = float(gap.max())
    ok = bool(np.all(gap <= _tol(b)[1:]))
    return Evidence(holds=ok, witness=w, bound=0.0, relation="<=",
                    summary=f"max_t x_t - log(e^x0 + C e^C t) = {w:.4g} (C = {fmt(seq.C)}, x0 = {fmt(x[0])}, T = {len(x) - 1})",
                    details={"C": seq.C, "x0": float(x[0]), "T": len(x) - 1},
                    series=[series("Sequence and its upper bound", "t", "x_t",
                                   [("x_t", t, x), ("log(e^x0 + C e^C t)", t, b)])])


@statement(
    "H.2", kind="lemma", title="Logarithmic lower bound for x_{t+1} - x_t >= C e^{-x_t}",
    text="A sequence with x_{t+1} - x_t >= C e^{-x_t} for all t satisfies x_t >= log(e^{x_0} + C t).",
    strategy=sequences(frac=(1.0, 4.0), x0_range=(-4.0, 8.0), nonneg=False),
    hypotheses=("x_{t+1} - x_t >= C e^{-x_t}",), markers=("auxiliary", "statement"),
    controls={"increment_too_small": sequences(frac=(0.0, 0.5), x0_range=(-4.0, 8.0), nonneg=False)},
    source="Lemma H.2 (Appendix H)")
def check_H2(seq: Sequence) -> Evidence:
    """Witness: ``min_{t >= 1} (x_t - log(e^{x_0} + C t))``; holds iff ``>= 0`` up to round-off."""
    x = seq.arr
    t = np.arange(len(x))
    b = h2_bound(x[0], seq.C, t)
    gap = (x - b)[1:]
    w = float(gap.min())
    ok = bool(np.all(gap >= -_tol(b)[1:]))
    return Evidence(holds=ok, witness=w, bound=0.0, relation=">=",
                    summary=f"min_t x_t - log(e^x0 + C t) = {w:.4g} (C = {fmt(seq.C)}, x0 = {fmt(x[0])}, T = {len(x) - 1})",
                    details={"C": seq.C, "x0": float(x[0]), "T": len(x) - 1},
                    series=[series("Sequence and its lower bound", "t", "x_t",
                                   [("x_t", t, x), ("log(e^x0 + C t)", t, b)])])


@st.composite
def two_sided_sequences(draw):
    """Non-negative sequences with ``C1 e^{-x_t} <= x_{t+1} - x_t <= C2 e^{-x_t}`` (5.6)."""
    C1 = draw(st.floats(1e-3, 3.0), label="C1")
    C2 = C1 + draw(st.floats(0.0, 3.0), label="C2 - C1")
    x = [draw(st.floats(0.0, 8.0), label="x0")]
    for u in draw(st.lists(st.floats(0.0, 1.0), min_size=0, max_size=60), label="u_t"):
        x.append(x[-1] + (C1 + u * (C2 - C1)) * math.exp(-x[-1]))
    return Sequence(tuple(x), C1, C2)


@statement(
    "5.3", kind="lemma", title="Lemma 5.3 as printed (erratum)",
    text="For a non-negative sequence with C1 exp(-x_t) <= x_{t+1} - x_t <= C2 exp(-x_t) (5.6): "
         "log(exp(-x_0) + C1 t) <= x_t <= log(exp(-x_0) + C2 exp(C2) t) (5.7). As printed this is "
         "false (t = 0, x_0 > 0 gives x_0 <= -x_0); Lemmas H.1/H.2 have exp(+x_0), and hold.",
    strategy=two_sided_sequences(), hypotheses=("x_t >= 0", "(5.6)"),
    markers=("auxiliary", "erratum"), source="Lemma 5.3 (Section 5), as printed")
def check_lemma53_printed(seq: Sequence) -> Evidence:
    """Witness: the largest violation of either side of (5.7) over ``t >= 0``; the printed lemma
    claims ``<= 0``. The suite expects the search to refute it."""
    x = seq.arr
    t = np.arange(len(x))
    with np.errstate(divide="ignore"):
        lo = np.logaddexp(-x[0], math.log(seq.C) + np.log(t))
        hi = np.logaddexp(-x[0], math.log(seq.C2) + seq.C2 + np.log(t))
    viol = np.maximum(lo - x, x - hi)
    w = float(viol.max())
    k = int(viol.argmax())
    ok = bool(np.all(viol <= _tol(hi)))
    return Evidence(holds=ok, witness=w, bound=0.0, relation="<=",
                    summary=f"(5.7) violated by {w:.4g} at t = {k} (x0 = {fmt(x[0])}, C1 = {fmt(seq.C)}, "
                            f"C2 = {fmt(seq.C2)}): x_t = {fmt(x[k])}, bounds [{fmt(lo[k])}, {fmt(hi[k])}]",
                    details={"C1": seq.C, "C2": seq.C2, "x0": float(x[0]), "t": k})


# ---------------------------------------------------------------------------------------------
# H.3: spectral norm of sub-gaussian matrices (Vershynin, Thm 4.4.5)
# ---------------------------------------------------------------------------------------------
def _psi2_uniform() -> float:
    """``||U||_psi2`` for ``U ~ Uniform[-sqrt 3, sqrt 3]``: the K with ``E exp(U^2/K^2) = 2``."""
    a = math.sqrt(3.0)
    f = lambda K: integrate.quad(lambda u: math.exp(u * u / K ** 2), -a, a)[0] / (2 * a) - 2.0
    return optimize.brentq(f, 0.5, 10.0)


PSI2 = {"gaussian": math.sqrt(8 / 3), "rademacher": 1 / math.sqrt(math.log(2)),
        "uniform": _psi2_uniform()}  # E exp(X^2/K^2) = 2, variance-1 laws


def _sample(law: str, rng, shape):
    if law == "gaussian":
        return rng.standard_normal(shape)
    if law == "rademacher":
        return rng.choice((-1.0, 1.0), size=shape)
    return rng.uniform(-math.sqrt(3), math.sqrt(3), size=shape)


@dataclass(frozen=True)
class MatrixExperiment:
    law: str
    m: int
    n: int
    t: float
    C: float
    seed: int
    samples: int = 300


# H.3 allows probability 2 exp(-t^2), which is >= 1 (vacuous: every draw passes) for t <= sqrt(log 2)
# = 0.8326; its t is drawn above that. The Gaussian form's exp(-t^2/2) is < 1 for every t > 0.
H3_T_MIN = math.sqrt(math.log(2.0)) + 0.02


@st.composite
def matrix_experiments(draw, C=None, laws=None, t_range=(0.3, 2.5)):
    C = H3_C.value if C is None else draw(st.floats(*C), label="C")
    law = draw(st.sampled_from(sorted(PSI2) if laws is None else laws), label="law")
    return MatrixExperiment(law, draw(st.integers(1, 40), label="m"), draw(st.integers(1, 40), label="n"),
                            draw(st.floats(*t_range), label="t"), C, draw(st.integers(0, 2**31 - 1), label="seed"))


def _exceedances(ex: MatrixExperiment, K: float, allowed: float, form: str) -> Evidence:
    """Sample ``ex.samples`` matrices; count ``||A||_2 >= C K (sqrt m + sqrt n + t)``; test the count
    against ``allowed`` with a one-sided binomial test (scipy.stats.binomtest). Witness: the p-value
    (holds iff ``>= alpha``). Also reported: the empirical constant ``max ||A|| / (K (sqrt m + sqrt n + t))``."""
    rng = np.random.default_rng(ex.seed)
    A = _sample(ex.law, rng, (ex.samples, ex.m, ex.n))
    norms = np.linalg.norm(A, ord=2, axis=(1, 2))
    scale = K * (math.sqrt(ex.m) + math.sqrt(ex.n) + ex.t)
    k = int((norms >= ex.C * scale).sum())
    allowed = min(1.0, allowed)
    pval = 1.0 if allowed >= 1.0 else stats.binomtest(k, ex.samples, allowed, alternative="greater").pvalue
    c_emp = float(norms.max() / scale)
    return Evidence(holds=pval >= ALPHA_TEST.value, witness=pval, bound=ALPHA_TEST.value, relation=">=",
                    score=c_emp / ex.C,
                    summary=f"{ex.law} {ex.m}x{ex.n}, t = {fmt(ex.t)}: {k}/{ex.samples} reach {form} with "
                            f"C = {fmt(ex.C)} (allowed {fmt(allowed)}); p = {fmt(pval)}; empirical constant "
                            f"max ||A||/(K(sqrt m + sqrt n + t)) = {fmt(c_emp)}",
                    details={"law": ex.law, "m": ex.m, "n": ex.n, "t": ex.t, "C": ex.C, "K": K,
                             "exceedances": k, "samples": ex.samples, "allowed": allowed,
                             "empirical_constant": c_emp},
                    binomial=binomial_record(k, ex.samples, "samples", allowed, pval,
                                             worst=("empirical constant", c_emp, ex.C, "<=")))


@statement(
    "H.3", kind="lemma", title="Spectral norm of sub-gaussian matrices (Vershynin 4.4.5)",
    text="For an m x n matrix A of independent mean-zero sub-gaussian entries, K = max ||a_ij||_psi2: "
         "||A||_2 <= C K (sqrt m + sqrt n + t) with probability >= 1 - 2 exp(-t^2).",
    strategy=matrix_experiments(t_range=(H3_T_MIN, 2.5)), hypotheses=("independent mean-zero sub-gaussian entries",),
    constants=(H3_C, ALPHA_TEST), markers=("auxiliary", "statement"),
    controls={"C_too_small": matrix_experiments(C=(0.1, 0.45), t_range=(H3_T_MIN, 2.5))},
    source="Lemma H.3 (Appendix H); Vershynin (2018) Theorem 4.4.5")
def check_H3(ex: MatrixExperiment) -> Evidence:
    """Statistical, with ``K = ||a_ij||_psi2`` of the entry law (Gaussian, Rademacher, uniform) and
    allowed probability ``2 exp(-t^2)``; see :func:`_exceedances`. With C = 1 and K > 1 the bound has
    room; :func:`check_H3_gaussian` is the sharp form."""
    return _exceedances(ex, PSI2[ex.law], 2 * math.exp(-ex.t ** 2), "C K (sqrt m + sqrt n + t)")


@statement(
    "H.3(gaussian)", kind="lemma", title="Spectral norm of Gaussian matrices, sharp form",
    text="For an m x n matrix of i.i.d. N(0, 1) entries: P(||A||_2 >= sqrt m + sqrt n + t) <= exp(-t^2/2) "
         "(Davidson-Szarek / Gordon; the sharp case of H.3, with C K replaced by 1).",
    strategy=matrix_experiments(laws=["gaussian"]), hypotheses=("i.i.d. standard Gaussian entries",),
    constants=(ALPHA_TEST,), markers=("auxiliary", "statement"),
    controls={"threshold_below_1": matrix_experiments(C=(0.5, 0.85), laws=["gaussian"], t_range=(0.2, 1.0))},
    source="Lemma H.3 (Appendix H); STATEMENTS.md's sharp Gaussian form")
def check_H3_gaussian(ex: MatrixExperiment) -> Evidence:
    """Statistical, with ``K = 1`` and allowed probability ``exp(-t^2/2)``; see :func:`_exceedances`.
    The control scales the threshold below 1 (``C < 1``) where it must be exceeded."""
    return _exceedances(ex, 1.0, math.exp(-ex.t ** 2 / 2), "sqrt m + sqrt n + t")


# ---------------------------------------------------------------------------------------------
# H.4
# ---------------------------------------------------------------------------------------------
@st.composite
def h4_inputs(draw, swap=False):
    a = draw(st.floats(1e-6, 1e6), label="a")
    b = a * (1 + draw(st.floats(1e-12, 1e4), label="b/a - 1"))
    if b <= a:
        b = float(np.nextafter(a, np.inf))
    s = draw(st.floats(1e-6, 1e6), label="s")
    t = s * (1 + draw(st.floats(0.0, 1e4), label="t/s - 1"))
    if swap:
        a, b = b, a
    return (a, b, s, t)


def _h4_diff_exact(a, b, s, t) -> float:
    import mpmath

    with mpmath.workdps(60):
        L = mpmath.log1p(a * mpmath.mpf(t)) / mpmath.log1p(b * mpmath.mpf(t))
        R = mpmath.log1p(a * mpmath.mpf(s)) / mpmath.log1p(b * mpmath.mpf(s))
        return float(L - R)


@statement(
    "H.4", kind="lemma", title="Monotonicity of log(1 + a t)/log(1 + b t)",
    text="For b > a > 0 and t >= s > 0: log(1 + a t)/log(1 + b t) >= log(1 + a s)/log(1 + b s).",
    strategy=h4_inputs(), hypotheses=("b > a > 0", "t >= s > 0"), markers=("auxiliary", "statement"),
    controls={"a_greater_than_b": h4_inputs(swap=True)}, source="Lemma H.4 (Appendix H)")
def check_H4(args) -> Evidence:
    """Witness: ``log1p(at)/log1p(bt) - log1p(as)/log1p(bs)`` (``>= 0``); when float64 cannot tell
    (within a few ulps), the difference is recomputed at 60 digits with mpmath."""
    a, b, s, t = args
    L = math.log1p(a * t) / math.log1p(b * t)
    R = math.log1p(a * s) / math.log1p(b * s)
    diff = L - R
    exact = False
    if abs(diff) <= 16 * EPS * max(abs(L), abs(R)):
        diff, exact = _h4_diff_exact(a, b, s, t), True
    return Evidence(holds=diff >= 0, witness=diff, bound=0.0, relation=">=",
                    summary=f"f(t) - f(s) = {diff:.4g} for a = {a:.4g}, b = {b:.4g}, s = {s:.4g}, t = {t:.4g}"
                            + (" (60-digit arithmetic)" if exact else ""),
                    details={"a": a, "b": b, "s": s, "t": t, "high_precision": exact})
