"""Witness helpers of the auxiliary lemmas (theorems/statements/auxiliary.py), on inputs with known
answers, and the simulator-produced inputs of H.1, H.2 (gradient descent's margins) and H.3
(W_j(0)/sigma0)."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import sim
from sim import faults
from theorems.statements.auxiliary import (U_END, U_START, GDMargins, MatrixExperiment, _exceedances,
                                           _init_counts, _init_matrices, _sample, gd_margins, two_sided_sequences)
from theorems.strategies import exactly_orthogonal


def test_h3_reports_the_empirical_constant_of_its_own_samples():
    """The reported empirical constant is max ||A||_2 / (K (sqrt m + sqrt n + t)) over the very
    matrices the check sampled (it drives the search's target)."""
    ex = MatrixExperiment(law="gaussian", m=6, n=4, t=1.0, C=2.0, seed=5, samples=40)
    ev = _exceedances(ex, 2.0, 0.5, "test")
    A = _sample(ex.law, np.random.default_rng(ex.seed), (ex.samples, ex.m, ex.n))
    want = np.linalg.norm(A, ord=2, axis=(1, 2)).max() / (2.0 * (math.sqrt(6) + 2 + 1.0))
    assert math.isclose(ev.details["empirical_constant"], want, rel_tol=1e-12)
    assert math.isclose(ev.score, want / ex.C, rel_tol=1e-12)


def test_psi2_norms_are_their_definition():
    """K = ||X||_psi2 is the K with E exp(X^2 / K^2) = 2, for each variance-1 law H.3 samples."""
    from scipy import integrate

    from theorems.statements.auxiliary import PSI2

    K = PSI2["gaussian"]
    assert math.isclose(1 / math.sqrt(1 - 2 / K ** 2), 2.0, rel_tol=1e-12)  # E exp(s X^2) = (1-2s)^-1/2
    assert math.isclose(math.exp(1 / PSI2["rademacher"] ** 2), 2.0, rel_tol=1e-12)
    a = math.sqrt(3.0)  # uniform on [-sqrt 3, sqrt 3] has variance 1
    val, _ = integrate.quad(lambda x: math.exp(x * x / PSI2["uniform"] ** 2) / (2 * a), -a, a)
    assert math.isclose(val, 2.0, rel_tol=1e-9)


# --- H.1 / H.2 on gradient descent's margins (GDMargins) -----------------------------------------

GD_SETTINGS = settings(max_examples=6, derandomize=True, database=None, deadline=None,
                       suppress_health_check=list(HealthCheck))


def _general_problem(seed: int = 0) -> tuple[sim.Problem, int]:
    """An orthogonal ReLU problem and a point with class -y_i neurons active at init that take a few
    dozen steps to switch off (sigma0 large against the step), so a_t runs from n_act(0) down to
    |S_i(0)|."""
    data = exactly_orthogonal(np.array([1.0, 1.3, 0.8]), 5, 2, 7)
    p = sim.Problem(data, m=4, eta=0.5, sigma0=0.2, steps=600, seed=seed)
    for s in range(seed, seed + 1000):
        p = p.replace(seed=s)
        for i in range(p.n):
            s0, n_act = _init_counts(p, p.init_weights(), i)
            if s0 >= 1 and n_act >= s0 + 2:
                return p, i
    raise AssertionError("no init with two active class -y_i neurons")


def test_gd_margin_increments_follow_the_derivation():
    """On the exact simulator, u(t+1) - u(t) = a_t c / (1 + e^{u(t)}) with a_t the number of neurons
    active at x_i at step t on every step where no neuron switches off, and a_t in
    [|S_i(0)|, n_act(0)] on every step (GDMargins' docstring); a_t really moves (other-class neurons
    switch off during the run)."""
    p, i = _general_problem()
    g = GDMargins(p, i, "upper")
    dense = p.replace(n_log=1, extra_checkpoints=range(p.steps + 1))
    tr = sim.simulate(dense, engine="fast")
    u = tr.margins[:, i]
    np.testing.assert_array_equal(u, g.margins())
    a = np.diff(u) * (1 + np.exp(u[:-1])) / g.rate
    z = tr.preactivation[:, :, :, i]  # (T + 1, 2, m)
    active = (z >= 0).sum(axis=(1, 2))
    switching = active[1:] != active[:-1]
    s0, n_act = g.counts()
    np.testing.assert_allclose(a[~switching], active[:-1][~switching], rtol=1e-9, atol=1e-9)
    assert np.all(a >= s0 - 1e-9) and np.all(a <= n_act + 1e-9)
    assert switching.sum() >= 2 and active[0] == n_act and active[-1] == s0


@given(ex=gd_margins("upper"))
@GD_SETTINGS
def test_gd_sequence_meets_H1_hypothesis_with_declared_C(ex):
    """The drawn GD sequence is non-negative and x_{t+1} - x_t <= C e^{-x_t} with the declared C
    (from the init, not from the run)."""
    seq = ex.sequence()
    x = seq.arr
    assert len(x) > 100 and x[0] >= 0 and np.all(np.diff(x) >= 0)
    assert np.all(np.diff(x) <= seq.C * np.exp(-x[:-1]) * (1 + 1e-9))


@given(ex=gd_margins("lower"))
@GD_SETTINGS
def test_gd_sequence_meets_H2_hypothesis_with_declared_C(ex):
    """x_{t+1} - x_t >= C e^{-x_t} with the declared C = |S_i(0)| c / (1 + e^{-x_0}); the horizon
    carries u past U_END, so the sequence starts at U_START (not the step-0 fallback)."""
    seq = ex.sequence()
    x = seq.arr
    assert U_START <= x[0] < U_START + 0.1 and x[-1] >= U_END
    assert np.all(np.diff(x) >= seq.C * np.exp(-x[:-1]) * (1 - 1e-9))


@pytest.mark.parametrize("fault,side", [("lprime_0.8", "lower"), ("second_layer_doubled", "lower"),
                                        ("step_eta_over_n", "upper")])
def test_gd_sequence_breaks_the_hypothesis_under_a_fault(fault, side):
    """A fault in the dynamics leaves the declared C as it was and breaks the hypothesis it feeds:
    l' scaled by 0.8 or a doubled second layer undercuts H.2's rate, an m times larger step exceeds
    H.1's."""
    data = exactly_orthogonal(np.array([1.0, 1.2]), 3, 1, 3)
    p = sim.Problem(data, m=3, eta=1.0, sigma0=0.01, steps=4000, seed=0)
    i = next(i for i in range(2) if _init_counts(p, p.init_weights(), i)[0] >= 1)
    g = GDMargins(p, i, side)
    with faults.inject(fault):
        seq = g.sequence()
    x, d = seq.arr, np.diff(seq.arr)
    if side == "lower":
        assert np.any(d < seq.C * np.exp(-x[:-1]) * (1 - 1e-6))
    else:
        assert np.any(d > seq.C * np.exp(-x[:-1]) * (1 + 1e-6))


# --- H.3 on the simulator's W(0) -----------------------------------------------------------------

def test_init_matrices_are_the_simulators_W0_over_sigma0():
    """_init_matrices returns W_j(0)/sigma0 of distinct seeds, both classes, as Problem.init_weights
    draws them; under init_identical_neurons every row of a matrix is the same."""
    ex = MatrixExperiment(law="gaussian", m=5, n=7, t=1.0, C=1.0, seed=11, samples=7, init_sigma0=0.3)
    A = _init_matrices(ex)
    p = sim.Problem(sim.standard_basis(1, 7), m=5, eta=1.0, sigma0=0.3, steps=0)
    want = np.concatenate([p.init_weights(s) for s in range(11, 15)])[:7] / 0.3
    assert A.shape == (7, 5, 7)
    np.testing.assert_allclose(A, want, rtol=1e-12)
    with faults.inject("init_identical_neurons"):
        B = _init_matrices(ex)
    assert np.all(B == B[:, :1, :])


@pytest.mark.parametrize("sid", ["H.1", "H.2", "H.3", "H.3(gaussian)"])
def test_power_examples_include_simulator_inputs(sid):
    """The derandomised examples theorems.power draws for these lemmas include a simulator-produced
    input (a GD margin sequence, W_j(0)/sigma0 from sim.simulate): without one no fault reaches them."""
    from theorems.catalogue import paper_statements
    from theorems.power import draw_examples, examples_per_statement
    from theorems.registry import REGISTRY

    paper_statements()
    exs = draw_examples(REGISTRY[sid], examples_per_statement())
    assert any(isinstance(e, GDMargins) or getattr(e, "init_sigma0", None) is not None for e in exs)


@settings(max_examples=50, deadline=None)
@given(seq=two_sided_sequences())
def test_lemma53_sequences_meet_5_6(seq):
    """The inputs drawn for Lemma 5.3 meet its hypothesis (5.6): C1 e^{-x_t} <= x_{t+1} - x_t <= C2 e^{-x_t}
    (so its refutation is the printed conclusion's fault, not the input's)."""
    x = seq.arr
    inc, e = np.diff(x), np.exp(-x[:-1])
    assert seq.C2 >= seq.C >= 1e-3 and np.all(x >= 0)
    assert np.all(inc >= seq.C * e * (1 - 1e-12)) and np.all(inc <= seq.C2 * e * (1 + 1e-12))
