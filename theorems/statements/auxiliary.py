"""Auxiliary lemmas (Section H) and Lemma 5.3 as printed (an erratum the search finds).

H.1, H.2 and H.3 are checked on synthetic inputs and also on the objects the paper applies them to,
produced by the simulator (gradient descent's own margin sequences; ``W_j(0)`` as ``sim.simulate``
starts from it), so that simulator faults reach them (:mod:`theorems.power`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

import sim

from .. import conditions as cond
from .. import strategies as S
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


# ---------------------------------------------------------------------------------------------
# H.1 and H.2 on gradient descent's own margins (mutually orthogonal data, ReLU)
# ---------------------------------------------------------------------------------------------
U_START = 2.0  # the sequence starts at the first step with u_i >= U_START (see GDMargins)
U_END = 4.0  # the horizon is long enough for H.2's bound from step 0 to reach this margin


@dataclass(frozen=True)
class GDMargins:
    """The margin ``u(t) = y_i f(W(t), x_i)`` of gradient descent at one point, as H.1 (``side =
    "upper"``) or H.2 (``"lower"``) sees it; :meth:`sequence` runs :func:`sim.simulate`.

    Derivation (Section 3's model, Lemma 5.2, Lemma F.2). On mutually orthogonal data GD (3.2) moves
    ``z_{j,r}(t) = <w_{j,r}(t), x_i>`` only through point ``i``'s own term:
    ``z_{j,r}(t+1) = z_{j,r}(t) + (eta/(nm)) l_t j y_i sigma'(z_{j,r}(t)) ||x_i||^2`` with
    ``l_t = -l'(u(t)) = 1/(1 + e^{u(t)})``. With ReLU, inactive neurons (``z < 0``) never move; the
    active ones of class ``y_i`` (``S_i(0)``) rise and stay active (Lemma F.2); the active ones of
    class ``-y_i`` fall until they switch off, then stay off. As ``u = (1/m) sum_{j,r} j y_i sigma(z_{j,r})``,
    each neuron active at ``t`` adds ``delta_t / m`` (``delta_t = eta l_t ||x_i||^2 / (nm)``) to ``u``,
    except one switching off at that step, which adds ``z/m`` in ``[0, delta_t/m)``. Hence

        u(t+1) - u(t) = a_t c / (1 + e^{u(t)}),   c = eta ||x_i||^2 / (n m^2),   |S_i(0)| <= a_t <= n_act(0),

    ``n_act(0)`` the neurons of both classes active at ``x_i`` at init; ``u`` is non-decreasing. So
    with ``1/(1 + e^u) <= e^{-u}``, the sequence meets H.1's hypothesis with ``C = n_act(0) c`` (and
    ``x_t >= 0`` from the first step with ``u >= 0``); with ``1/(1 + e^u) >= e^{-u}/(1 + e^{-x_0})``
    for ``u >= x_0``, H.2's with ``C = |S_i(0)| c / (1 + e^{-x_0})``.

    The counts come from the problem's own ``W(0)`` (:meth:`sim.Problem.init_weights`, no
    simulator), so a fault in the simulated dynamics or init breaks the hypothesis silently. The
    sequence starts at the first step with ``u >= U_START`` (or at step 0 if there is none: only
    under a fault, see :func:`gd_margins`): from there ``1/(1 + e^u)`` is within
    ``1 + e^{-U_START}`` of ``e^{-u}``, so both constants are sharp to about 14%.
    """

    problem: sim.Problem
    i: int
    side: str  # "upper" (H.1) or "lower" (H.2)

    def counts(self) -> tuple[int, int]:
        """``(|S_i(0)|, n_act(0))`` from the problem's ``W(0)``: class-``y_i`` neurons with
        ``<w_{y_i,r}(0), x_i> >= 0``, and neurons of both classes active at ``x_i`` (``sigma'(0) = 1``)."""
        return _init_counts(self.problem, self.problem.init_weights(), self.i)

    @property
    def rate(self) -> float:
        """``c = eta ||x_i||^2 / (n m^2)``: one active neuron's contribution per unit of ``-l'``."""
        p = self.problem
        return p.eta * p.data.norms[self.i] ** 2 / (p.n * p.m ** 2)

    def margins(self) -> np.ndarray:
        """``u(t)`` at every step ``0 .. steps`` (fast engine, one checkpoint per step)."""
        p = self.problem
        tr = sim.simulate(p.replace(n_log=1, extra_checkpoints=range(p.steps + 1)), engine="fast")
        return tr.margins[:, self.i]

    def sequence(self) -> Sequence:
        """``x_t = u(t0 + t)`` with the constant of :attr:`side`'s lemma (see the class docstring)."""
        u = self.margins()
        hit = np.flatnonzero(u >= U_START)
        x = u[int(hit[0]) if hit.size else 0:]
        s0, n_act = self.counts()
        C = n_act * self.rate if self.side == "upper" else s0 * self.rate / (1 + math.exp(-x[0]))
        return Sequence(tuple(float(v) for v in x), C)

    def describe(self) -> dict:
        p = self.problem
        s0, n_act = self.counts()
        return {"source": "gradient descent", "i": self.i, "n": p.n, "m": p.m, "eta": p.eta,
                "sigma0": p.sigma0, "seed": p.seed, "steps": p.steps, "S_i(0)": s0, "n_act(0)": n_act}


def _init_counts(problem: sim.Problem, W0: np.ndarray, i: int) -> tuple[int, int]:
    """``(|S_i(0)|, n_act(0))`` for the init ``W0`` (2, m, d) (index 0: ``j = +1``)."""
    z = W0 @ problem.data.X[i]  # (2, m)
    own = 0 if problem.data.y[i] > 0 else 1
    return int((z[own] >= 0).sum()), int((z >= 0).sum())


SHARP_INIT_TRIES = 1000


@st.composite
def gd_margins(draw, side: str):
    """A small ReLU problem on exactly orthogonal data (n <= 4, m <= 4, ``R <= 1.5``) with ``eta`` and
    ``sigma0`` fractions of Theorem 4.3's bounds (E.2)-(E.3), and a point ``i``. The init seed is the
    first from the drawn one where ``S_i(0)`` is non-empty and no class ``-y_i`` neuron is active at
    ``x_i`` (``n_act(0) = |S_i(0)|``: the sharp case, where H.1's constant is the rate itself rather
    than an upper bound on it). Horizon: ``e^{U_END} (1 + e^{-u(0)}) / (|S_i(0)| c)`` steps, by which
    H.2 (from step 0) puts ``u >= U_END > U_START`` on the exact model."""
    data = draw(S.nearly_orthogonal_data(n_range=(2, 4), extra_d=(0, 4), orthogonal=True, R_max=1.5))
    m = draw(st.integers(2, 4), label="m")
    eta = draw(S._frac(0.5), label="eta / eta_max") * cond.eta_max(data, m)
    sigma0 = draw(S._sigma0_fraction(S.SIGMA0_FRAC), label="sigma0 / sigma0_max") * cond.sigma0_max(data, m)
    i = draw(st.integers(0, data.n - 1), label="i")
    seed0 = draw(st.integers(0, 2**31 - 1), label="init seed")
    p = sim.Problem(data, m=m, eta=eta, sigma0=sigma0, steps=0, seed=seed0)
    for k in range(SHARP_INIT_TRIES):
        p = p.replace(seed=(seed0 + k) % 2**31)
        s0, n_act = _init_counts(p, p.init_weights(), i)
        if s0 >= 1 and n_act == s0:
            break
    else:  # probability (1 - 2^-m (1 - 2^-m))^1000 < 1e-6
        raise RuntimeError(f"no sharp init for point {i} within {SHARP_INIT_TRIES} seeds")
    g = GDMargins(p, i, side)
    u0 = float(sim.network_output(p.init_weights() @ data.X.T, 0.0)[i] * data.y[i])
    steps = math.ceil(math.exp(U_END) * (1 + math.exp(-u0)) / (s0 * g.rate))
    return GDMargins(p.replace(steps=steps), i, side)


def as_sequence(seq) -> tuple[Sequence, dict]:
    """``(sequence, facts about its source)``: a :class:`Sequence` as it is, a :class:`GDMargins`
    simulated (:meth:`GDMargins.sequence`)."""
    if isinstance(seq, GDMargins):
        return seq.sequence(), seq.describe()
    return seq, {"source": "synthetic"}


def _plotted(length: int, points: int = 300) -> np.ndarray:
    """Indices of a sequence the report plots: all of a short one, about ``points`` log-spaced ones
    of a long one (a GD margin sequence has up to ~10^4 steps)."""
    return sim.log_checkpoints(length - 1, points) if length > points else np.arange(length)


def _source(src: dict) -> str:
    """One phrase naming a sequence's source, for a summary."""
    if src["source"] != "gradient descent":
        return src["source"]
    return (f"GD margin of point {src['i']}, n = {src['n']}, m = {src['m']}, |S_i(0)| = {src['S_i(0)']}, "
            f"n_act(0) = {src['n_act(0)']}")


@statement(
    "H.1", kind="lemma", title="Logarithmic upper bound for x_{t+1} - x_t <= C e^{-x_t}",
    text="A non-negative sequence with x_{t+1} - x_t <= C e^{-x_t} for all t satisfies "
         "x_t <= log(e^{x_0} + C e^C t). (The sequence need not be monotone.)",
    strategy=st.one_of(gd_margins("upper"), sequences()), hypotheses=("x_t >= 0", "x_{t+1} - x_t <= C e^{-x_t}"),
    markers=("auxiliary", "statement"),
    controls={"increment_too_large": sequences(frac=(0.5, 1.0), scale=60.0, C_range=(1e-3, 1.0))},
    source="Lemma H.1 (Appendix H)")
def check_H1(seq: Sequence | GDMargins) -> Evidence:
    """Witness: ``max_{t >= 1} (x_t - log(e^{x_0} + C e^C t))``; holds iff ``<= 0`` up to round-off.
    Inputs: synthetic sequences, and gradient descent's margins (:class:`GDMargins`, ``C = n_act(0) c``)."""
    seq, src = as_sequence(seq)
    x = seq.arr
    t = np.arange(len(x))
    b = h1_bound(x[0], seq.C, t)
    gap = (x - b)[1:]
    w = float(gap.max())
    ok = bool(np.all(gap <= _tol(b)[1:]))
    k = _plotted(len(x))
    return Evidence(holds=ok, witness=w, bound=0.0, relation="<=",
                    summary=f"max_t x_t - log(e^x0 + C e^C t) = {w:.4g} (C = {fmt(seq.C)}, x0 = {fmt(x[0])}, T = {len(x) - 1}; "
                            f"{_source(src)})",
                    details={"C": seq.C, "x0": float(x[0]), "T": len(x) - 1, **src},
                    series=[series("Sequence and its upper bound", "t", "x_t",
                                   [("x_t", t[k], x[k]), ("log(e^x0 + C e^C t)", t[k], b[k])])])


@statement(
    "H.2", kind="lemma", title="Logarithmic lower bound for x_{t+1} - x_t >= C e^{-x_t}",
    text="A sequence with x_{t+1} - x_t >= C e^{-x_t} for all t satisfies x_t >= log(e^{x_0} + C t).",
    strategy=st.one_of(gd_margins("lower"), sequences(frac=(1.0, 4.0), x0_range=(-4.0, 8.0), nonneg=False)),
    hypotheses=("x_{t+1} - x_t >= C e^{-x_t}",), markers=("auxiliary", "statement"),
    controls={"increment_too_small": sequences(frac=(0.0, 0.5), x0_range=(-4.0, 8.0), nonneg=False)},
    source="Lemma H.2 (Appendix H)")
def check_H2(seq: Sequence | GDMargins) -> Evidence:
    """Witness: ``min_{t >= 1} (x_t - log(e^{x_0} + C t))``; holds iff ``>= 0`` up to round-off.
    Inputs: synthetic sequences, and gradient descent's margins (:class:`GDMargins`,
    ``C = |S_i(0)| c / (1 + e^{-x_0})``)."""
    seq, src = as_sequence(seq)
    x = seq.arr
    t = np.arange(len(x))
    b = h2_bound(x[0], seq.C, t)
    gap = (x - b)[1:]
    w = float(gap.min())
    ok = bool(np.all(gap >= -_tol(b)[1:]))
    k = _plotted(len(x))
    return Evidence(holds=ok, witness=w, bound=0.0, relation=">=",
                    summary=f"min_t x_t - log(e^x0 + C t) = {w:.4g} (C = {fmt(seq.C)}, x0 = {fmt(x[0])}, T = {len(x) - 1}; "
                            f"{_source(src)})",
                    details={"C": seq.C, "x0": float(x[0]), "T": len(x) - 1, **src},
                    series=[series("Sequence and its lower bound", "t", "x_t",
                                   [("x_t", t[k], x[k]), ("log(e^x0 + C t)", t[k], b[k])])])


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
    """``samples`` independent ``m x n`` matrices of the entry ``law``, sampled directly from ``seed``
    or, with ``init_sigma0``, read from the simulator's initialisations (:func:`_init_matrices`)."""

    law: str
    m: int
    n: int
    t: float
    C: float
    seed: int
    samples: int = 300
    init_sigma0: float | None = None  # sigma0 of the simulated init; None: sampled directly


# H.3 allows probability 2 exp(-t^2), which is >= 1 (vacuous: every draw passes) for t <= sqrt(log 2)
# = 0.8326; its t is drawn above that. The Gaussian form's exp(-t^2/2) is < 1 for every t > 0.
H3_T_MIN = math.sqrt(math.log(2.0)) + 0.02


@st.composite
def matrix_experiments(draw, C=None, laws=None, t_range=(0.3, 2.5)):
    C = H3_C.value if C is None else draw(st.floats(*C), label="C")
    law = draw(st.sampled_from(sorted(PSI2) if laws is None else laws), label="law")
    return MatrixExperiment(law, draw(st.integers(1, 40), label="m"), draw(st.integers(1, 40), label="n"),
                            draw(st.floats(*t_range), label="t"), C, draw(st.integers(0, 2**31 - 1), label="seed"))


@st.composite
def init_matrix_experiments(draw, t_range=(0.3, 2.5)):
    """H.3 as the paper applies it (Lemma A.1's proof, Section F): ``A = W_j(0) / sigma0``, ``m x d``,
    i.i.d. ``N(0, 1)`` entries on the exact model. Widths ``m, d`` in [32, 64] (Theorem 4.3's widths
    are about 60-100); ``sigma0`` log-uniform in [1e-3, 10], simplest at 10 (it cancels on the exact
    model; a wrong init variance shows where it is not small)."""
    return MatrixExperiment("gaussian", draw(st.integers(32, 64), label="m"), draw(st.integers(32, 64), label="d"),
                            draw(st.floats(*t_range), label="t"), H3_C.value,
                            draw(st.integers(0, 2**31 - 1), label="seed"),
                            init_sigma0=10 ** (1 - draw(st.floats(0.0, 4.0), label="1 - log10 sigma0")))


def _init_matrices(ex: MatrixExperiment) -> np.ndarray:
    """``W_j(0) / sigma0`` for ``j = +-1`` from zero-step :func:`sim.simulate` runs of an ``m``-neuron
    problem in ``R^n`` with seeds ``seed, seed + 1, ...``: ``samples`` matrices, independent (distinct
    seeds; the two classes' matrices are disjoint blocks of one init). The data (one point ``e_1``)
    plays no part in ``W(0)``."""
    p = sim.Problem(sim.standard_basis(1, ex.n), m=ex.m, eta=1.0, sigma0=ex.init_sigma0, steps=0, seed=ex.seed)
    trs = sim.simulate(p, engine="fast", seeds=range(ex.seed, ex.seed + -(-ex.samples // 2)))
    return np.concatenate([tr.W0 for tr in trs])[:ex.samples] / ex.init_sigma0


def _matrices(ex: MatrixExperiment) -> np.ndarray:
    """The experiment's ``samples`` matrices, shape ``(samples, m, n)``."""
    if ex.init_sigma0 is not None:
        return _init_matrices(ex)
    return _sample(ex.law, np.random.default_rng(ex.seed), (ex.samples, ex.m, ex.n))


def _exceedances(ex: MatrixExperiment, K: float, allowed: float, form: str) -> Evidence:
    """Sample ``ex.samples`` matrices; count ``||A||_2 >= C K (sqrt m + sqrt n + t)``; test the count
    against ``allowed`` with a one-sided binomial test (scipy.stats.binomtest). Witness: the p-value
    (holds iff ``>= alpha``). Also reported: the empirical constant ``max ||A|| / (K (sqrt m + sqrt n + t))``."""
    A = _matrices(ex)
    norms = np.linalg.norm(A, ord=2, axis=(1, 2))
    scale = K * (math.sqrt(ex.m) + math.sqrt(ex.n) + ex.t)
    k = int((norms >= ex.C * scale).sum())
    allowed = min(1.0, allowed)
    pval = 1.0 if allowed >= 1.0 else stats.binomtest(k, ex.samples, allowed, alternative="greater").pvalue
    c_emp = float(norms.max() / scale)
    return Evidence(holds=pval >= ALPHA_TEST.value, witness=pval, bound=ALPHA_TEST.value, relation=">=",
                    score=c_emp / ex.C,
                    summary=f"{ex.law} {ex.m}x{ex.n}{_matrix_source(ex)}, t = {fmt(ex.t)}: {k}/{ex.samples} reach {form} with "
                            f"C = {fmt(ex.C)} (allowed {fmt(allowed)}); p = {fmt(pval)}; empirical constant "
                            f"max ||A||/(K(sqrt m + sqrt n + t)) = {fmt(c_emp)}",
                    details={"law": ex.law, "m": ex.m, "n": ex.n, "t": ex.t, "C": ex.C, "K": K,
                             "exceedances": k, "samples": ex.samples, "allowed": allowed,
                             "empirical_constant": c_emp, "init_sigma0": ex.init_sigma0},
                    binomial=binomial_record(k, ex.samples, "samples", allowed, pval,
                                             worst=("empirical constant", c_emp, ex.C, "<=")))


def _matrix_source(ex: MatrixExperiment) -> str:
    return "" if ex.init_sigma0 is None else f" (W_j(0)/sigma0 from sim.simulate, sigma0 = {fmt(ex.init_sigma0)})"


@statement(
    "H.3", kind="lemma", title="Spectral norm of sub-gaussian matrices (Vershynin 4.4.5)",
    text="For an m x n matrix A of independent mean-zero sub-gaussian entries, K = max ||a_ij||_psi2: "
         "||A||_2 <= C K (sqrt m + sqrt n + t) with probability >= 1 - 2 exp(-t^2).",
    strategy=st.one_of(init_matrix_experiments(t_range=(H3_T_MIN, 2.5)), matrix_experiments(t_range=(H3_T_MIN, 2.5))),
    hypotheses=("independent mean-zero sub-gaussian entries",),
    constants=(H3_C, ALPHA_TEST), markers=("auxiliary", "statement"),
    controls={"C_too_small": matrix_experiments(C=(0.1, 0.45), t_range=(H3_T_MIN, 2.5))},
    source="Lemma H.3 (Appendix H); Vershynin (2018) Theorem 4.4.5")
def check_H3(ex: MatrixExperiment) -> Evidence:
    """Statistical, with ``K = ||a_ij||_psi2`` of the entry law (Gaussian, Rademacher, uniform) and
    allowed probability ``2 exp(-t^2)``; see :func:`_exceedances`. With C = 1 and K > 1 the bound has
    room; :func:`check_H3_gaussian` is the sharp form. Inputs: matrices sampled directly, and the
    simulator's ``W_j(0)/sigma0`` (:func:`init_matrix_experiments`)."""
    return _exceedances(ex, PSI2[ex.law], 2 * math.exp(-ex.t ** 2), "C K (sqrt m + sqrt n + t)")


@statement(
    "H.3(gaussian)", kind="lemma", title="Spectral norm of Gaussian matrices, sharp form",
    text="For an m x n matrix of i.i.d. N(0, 1) entries: P(||A||_2 >= sqrt m + sqrt n + t) <= exp(-t^2/2) "
         "(Davidson-Szarek / Gordon; the sharp case of H.3, with C K replaced by 1).",
    strategy=st.one_of(init_matrix_experiments(), matrix_experiments(laws=["gaussian"])), hypotheses=("i.i.d. standard Gaussian entries",),
    constants=(ALPHA_TEST,), markers=("auxiliary", "statement"),
    controls={"threshold_below_1": matrix_experiments(C=(0.5, 0.85), laws=["gaussian"], t_range=(0.2, 1.0))},
    source="Lemma H.3 (Appendix H); STATEMENTS.md's sharp Gaussian form")
def check_H3_gaussian(ex: MatrixExperiment) -> Evidence:
    """Statistical, with ``K = 1`` and allowed probability ``exp(-t^2/2)``; see :func:`_exceedances`.
    Inputs as :func:`check_H3`'s. The control scales the threshold below 1 (``C < 1``) where it must
    be exceeded."""
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
