"""The witness helpers of the erratum candidates (theorems/statements/errata.py) on hand-made inputs
with known answers: the printed constants and bounds pinned to their formulas, each witness broken
at one point only, and the mechanism of each erratum shown on a sequence or a run small enough to
check by hand (Euler's overshoot for (B.31), the frozen class for F.1)."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import sim
from theorems import conditions as cond
from theorems import strategies as S
from theorems.constants import E1_CPRIME, F1_PRINTED_C
from theorems.statements import errata as E

FEW = settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))


# ---------------------------------------------------------------------------------------------
# (B.31)/(B.32) as printed
# ---------------------------------------------------------------------------------------------
def test_printed_c4_c5_are_one_minus_the_cross_term_ratio():
    assert E.b31_printed_c45(0.0, 5, 0.3, 0.1, 1.0) == (1.0, 1.0)
    # a = p n/(c3 Rmin^2) = 0.01 * 2 / 0.2 = 0.1; c4 = 1 - a/g^2 = 0.6, c5 = 1 - a/g^3 = 0.2
    c4, c5 = E.b31_printed_c45(0.01, 2, 0.5, 0.2, 1.0)
    assert c4 == pytest.approx(0.6) and c5 == pytest.approx(0.2)


def test_C_H_is_eta_norm2_e2beta_over_nm():
    np.testing.assert_allclose(E.b31_C_H(2.0, np.array([1.0, 2.0]), 2, 1, 0.0), [1.0, 4.0])
    np.testing.assert_allclose(E.b31_C_H(1.0, np.array([1.0]), 1, 1, 0.5), [math.e])


def test_printed_bounds_and_the_dropped_factor():
    CH = np.array([1.0])
    Up, Um = E.b31_printed_bounds(np.array([1.0]), CH, 0.5, 1.0, 1.0)
    assert Up[0, 0] == pytest.approx(math.log(2.0))
    assert Um[0, 0] == pytest.approx(math.log(1.5) / 0.5)
    Uc, Umc = E.b31_printed_bounds(np.array([1.0]), CH, 0.5, 1.0, 1.0, corrected=True)
    assert Uc[0, 0] == pytest.approx(math.log(1 + math.e))               # x e^x t with x = c4 C_H = 1
    assert Umc[0, 0] == pytest.approx(math.log(1 + 0.5 * math.exp(0.5)) / 0.5)
    # c4 enters as c4^-1 log(1 + c4 C_H t)
    Up2, _ = E.b31_printed_bounds(np.array([3.0]), CH, 0.5, 0.5, 1.0)
    assert Up2[0, 0] == pytest.approx(math.log(1 + 1.5) / 0.5)


def test_b31_witness_finds_one_point_one_time_and_each_side_alone():
    Up = np.ones((4, 3))
    Um = 2 * np.ones((4, 3))
    A = 0.5 * Up
    B = 0.5 * Um
    w = E.b31_witness(A, B, Up, Um)
    assert w["plus"] == pytest.approx(0.5) and w["minus"] == pytest.approx(0.5) and w["witness"] == pytest.approx(0.5)
    A2 = A.copy()
    A2[2, 1] = 1.1                                                      # one point, one time
    w = E.b31_witness(A2, B, Up, Um)
    assert w["plus"] == pytest.approx(1.1) and (w["k"], w["i"]) == (2, 1) and w["witness"] > 1
    B2 = B.copy()
    B2[3, 0] = 2.2                                                      # the (B.32) side alone
    w = E.b31_witness(A, B2, Up, Um)
    assert w["plus"] == pytest.approx(0.5) and w["minus"] == pytest.approx(1.1) and (w["k"], w["i"]) == (3, 0)


def test_b31_witness_zero_bound_counts_only_a_positive_coefficient():
    Up = np.array([[0.0], [1.0]])
    assert E.b31_witness(np.array([[0.0], [0.5]]), np.zeros((2, 1)), Up, Up)["witness"] == pytest.approx(0.5)
    assert E.b31_witness(np.array([[1e-9], [0.5]]), np.zeros((2, 1)), Up, Up)["witness"] == math.inf


def _sequence(C: float, T: int, logistic: bool) -> np.ndarray:
    x = [0.0]
    for _ in range(T):
        x.append(x[-1] + (C / (1 + math.exp(x[-1])) if logistic else C * math.exp(-x[-1])))
    return np.asarray(x)


def test_the_mechanism_euler_overshoots_the_printed_bound_but_not_the_corrected_one():
    """H.1's extreme sequence x_{t+1} = x_t + C e^{-x_t} exceeds the printed log(1 + C t) (at t = 1:
    C > log(1 + C)) and stays below H.1's log(1 + C e^C t); GD's own increments, C/(1 + e^{x_t})
    (|l'| = 1/(1 + e^{y f})), stay below the printed bound: why the search does not refute (B.31)."""
    C, T = 0.5, 2000
    t = np.arange(T + 1, dtype=float)[1:]
    CH = np.array([C])
    Up, _ = E.b31_printed_bounds(t, CH, 0.5, 1.0, 1.0)
    Uc, _ = E.b31_printed_bounds(t, CH, 0.5, 1.0, 1.0, corrected=True)
    zero = np.zeros((T, 1))
    euler = _sequence(C, T, logistic=False)[1:, None]
    gd = _sequence(C, T, logistic=True)[1:, None]
    assert E.b31_witness(euler, zero, Up, Up)["witness"] > 1.0
    assert E.b31_witness(euler, zero, Uc, Uc)["witness"] <= 1.0
    assert E.b31_witness(gd, zero, Up, Up)["witness"] < 1.0


# ---------------------------------------------------------------------------------------------
# Lemma C.3's printed chain
# ---------------------------------------------------------------------------------------------
def test_printed_C1_to_C4():
    # s = sigma0 sqrt d = 0, v = C' sqrt n / Rmin = 1
    c = E.c3_printed_constants(0.0, 100, 1.0, 4, 2.0)
    assert c == pytest.approx({"C1": 3.0, "C2": 2.0, "C3": 3.0, "C4": 0.0})
    # s = 1, v = 0
    c = E.c3_printed_constants(0.1, 100, 0.0, 4, 2.0)
    assert c == pytest.approx({"C1": 3.0, "C2": 2.0, "C3": 1.5, "C4": 1.5})
    # both: C4 = 1.5 s^2 + 3 v s
    c = E.c3_printed_constants(0.1, 100, 1.0, 4, 2.0)
    assert c["C4"] == pytest.approx(1.5 + 3.0) and c["C2"] == pytest.approx(8.0)


def test_printed_full_bound_and_where_it_says_nothing():
    c = {"C1": 3.0, "C2": 2.0, "C3": 3.0, "C4": 0.0}
    b = E.c3_printed_full(np.array([10.0, 3.0, 2.0]), c)
    assert b[0] == pytest.approx((6 * 10 + 2) / (100 - 30))
    assert math.isinf(b[1]) and math.isinf(b[2])                         # V^2 - C3 V - C4 <= 0


def test_printed_closing_bound_and_rate():
    b = E.c3_printed_close(np.array([2.0, 0.0]), 0.0, 100, 1.0, 4, 2.0, 6.0)
    assert b[0] == pytest.approx(3.0) and math.isinf(b[1])
    r = E.c3_printed_rate(np.array([math.e ** 2, 1.0]), 0.0, 100, 4, 1.0, 6.0)
    assert r[0] == pytest.approx(3.0) and math.isinf(r[1])
    # sigma0 sqrt(d/n) Rmax = 0.1 * 5 * 2 = 1: the rate doubles
    r = E.c3_printed_rate(np.array([math.e ** 2]), 0.1, 100, 4, 2.0, 6.0)
    assert r[0] == pytest.approx(6.0)


def test_c3_printed_witness_parts_clipping_and_the_largest():
    sr1 = np.array([-1e-12, 0.2, 0.5])
    out = E.c3_printed_witness(sr1, {"a": np.array([1.0, 1.0, 1.0]), "b": np.array([np.inf, 0.1, 10.0])})
    assert out["a"] == pytest.approx(0.5) and out["b"] == pytest.approx(2.0) and out["witness"] == pytest.approx(2.0)
    assert E.c3_printed_witness(np.array([0.3]), {"a": np.array([np.inf])})["witness"] == 0.0


def test_v_norms_from_rho_and_the_gram_matrix():
    rho = np.zeros((1, 2, 1, 2))
    rho[0, 0, 0] = [3.0, 4.0]
    # orthogonal, ||x||^2 = 1, 4: c = (3, 1), ||v||^2 = 9 + 4
    v = E.v_norms(rho, np.array([1.0, 2.0]), np.diag([1.0, 4.0]))
    assert v[0, 0, 0] == pytest.approx(math.sqrt(13.0)) and v[0, 1, 0] == 0.0
    rho[0, 0, 0] = [1.0, 1.0]
    v = E.v_norms(rho, np.ones(2), np.array([[1.0, 0.5], [0.5, 1.0]]))
    assert v[0, 0, 0] == pytest.approx(math.sqrt(3.0))


def test_v_norms_match_the_weights_of_a_run():
    data = sim.nearly_orthogonal(4, 30, p=0.01, norms=np.array([1.0, 1.2, 1.1, 1.3]), n_pos=2, seed=1)
    p = sim.Problem(data, m=3, eta=0.05, sigma0=1e-3, steps=300, gamma=0.5, seed=2)
    tr = sim.simulate(p, engine="event")
    v = E.v_norms(tr.rho, data.norms, data.gram)
    for k in (1, len(tr.steps) - 1):
        np.testing.assert_allclose(v[k], np.linalg.norm(tr.weights(k) - tr.W0, axis=-1), rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# Theorem 4.3's first bullet as printed
# ---------------------------------------------------------------------------------------------
def test_frozen_needs_every_preactivation_strictly_negative():
    assert E.frozen(-np.ones((3, 2)))
    Z = -np.ones((3, 2))
    Z[1, 1] = 0.0                                                       # sigma'(0) = 1: still moves
    assert not E.frozen(Z)
    Z[1, 1] = 1e-12
    assert not E.frozen(Z)


def test_stable_rank_known_values():
    assert E.stable_rank(np.diag([3.0, 4.0])) == pytest.approx(25.0 / 16.0)
    assert E.stable_rank(np.outer([1.0, 2.0], [3.0, 0.0, 1.0])) == pytest.approx(1.0)
    assert E.stable_rank(np.eye(5)) == pytest.approx(5.0)
    assert math.isnan(E.stable_rank(np.zeros((2, 3))))


def test_f1_limsup_estimate_chooses_the_exact_or_the_limit_direction():
    W, inc = np.eye(4), np.outer([1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0])
    assert E.f1_limsup_estimate(W, inc, True, 0) == (pytest.approx(4.0), "frozen")
    assert E.f1_limsup_estimate(W, inc, True, 3) == (pytest.approx(4.0), "frozen")
    assert E.f1_limsup_estimate(W, inc, False, 1) == (pytest.approx(1.0), "increment")
    e, how = E.f1_limsup_estimate(W, inc, False, 0)
    assert math.isnan(e) and how == "undetermined"


def test_f1_printed_constant_is_cprime4_R4():
    assert F1_PRINTED_C.value == pytest.approx(2.5 ** 4)
    assert E.f1_printed_constant(1.0) == pytest.approx(39.0625)
    assert E.f1_printed_constant(2.0) == pytest.approx(39.0625 * 16)
    assert E.f1_printed_constant(1.0, c_prime=2.0) == pytest.approx(16.0)
    assert E1_CPRIME.value == 2.5


def test_f1_witness_skips_undetermined_classes():
    assert E.f1_witness([10.0, math.nan], 20.0) == pytest.approx(0.5)
    assert E.f1_witness([10.0, 50.0], 20.0) == pytest.approx(2.5)
    assert E.f1_witness([math.nan, math.nan], 20.0) == 0.0


def _one_class_problem(m=40, d=200, steps=3000):
    n = 3
    data = sim.orthogonal(n, d, norms=np.ones(n), seed=4)
    data = sim.Dataset(data.X, -np.ones(n), name="all_minus_one")
    sigma0 = cond.sigma0_max(data, m)
    seed = S.event_seed(data, m, sigma0, 0)
    return sim.Problem(data, m=m, eta=cond.eta_max(data, m), sigma0=sigma0, steps=steps, gamma=0.0, seed=seed)


def test_an_empty_class_freezes_and_keeps_the_stable_rank_of_its_init():
    """All points labelled -1: the neurons of class +1 switch off on every point and never move again,
    so SR(W_{+1}) stays near SR(W_{+1}(0)), about md/(sqrt m + sqrt d)^2 (here 40 x 200: 22.3)."""
    p = _one_class_problem()
    tr = sim.simulate(p, engine="event")
    assert E.frozen(tr.preactivation[-1, 0])
    k = int(np.argmax([E.frozen(tr.preactivation[i, 0]) for i in range(len(tr.steps))]))
    np.testing.assert_array_equal(tr.rho[k:, 0], np.broadcast_to(tr.rho[k, 0], tr.rho[k:, 0].shape))
    sr = E.stable_rank(tr.weights(len(tr.steps) - 1)[0])
    gauss = p.m * p.d / (math.sqrt(p.m) + math.sqrt(p.d)) ** 2
    assert 0.7 * gauss < sr < 1.3 * gauss
    r = E._f1_one(tr)
    assert r["how"][0] == "frozen" and r["est"][0] == pytest.approx(sr) and r["n_j"] == [0, 3]


def test_more_event_seeds_are_new_and_inside_the_events():
    p = _one_class_problem(m=30, d=120, steps=10)
    seeds = E._more_event_seeds(p, 3)
    assert len(seeds) == 3 and len(set(seeds)) == 3 and p.seed not in seeds
    assert all(S.init_in_event(p, s).holds for s in seeds)


# ---------------------------------------------------------------------------------------------
# the strategies meet the theorems' conditions
# ---------------------------------------------------------------------------------------------
@FEW
@given(E.f1_problems(m_extra=(0, 20), d_extra=(0, 20), horizon_tau=5.0))
def test_f1_problems_meet_theorem_43_inside_the_events(p):
    assert p.gamma == 0.0 and S.meets_conditions(p).holds and S.init_in_event(p).holds


@FEW
@given(E.f1_problems(n_pos=E._both_classes, m_extra=(0, 20), d_extra=(0, 20), horizon_tau=5.0))
def test_both_classes_strategy_keeps_both_classes(p):
    assert 1 <= int((p.data.y > 0).sum()) <= p.n - 1


@FEW
@given(E.c3_printed_problems(extra_d=(0, 10), m_range=(2, 4)))
def test_c3_printed_problems_meet_theorem_41(p):
    assert p.gamma > 0 and S.meets_conditions(p).holds and cond.a1_event(p).holds
    assert 1 <= int((p.data.y > 0).sum()) <= p.n - 1


@FEW
@given(E.b31_problems(n_range=(2, 4), m_range=(1, 3)))
def test_b31_problems_meet_theorem_41(p):
    assert 0.002 <= p.gamma < 1 and S.meets_conditions(p).holds


def test_f1_check_judges_W_itself_when_asked():
    p = _one_class_problem()                                            # SR(W_+1) about 22 < 39: holds
    ev = E._f1_check(p, with_W_at_T=True)
    C = E.f1_printed_constant(p.data.R)
    assert ev.holds and ev.details["inits"] == 1
    assert ev.score == pytest.approx(max(ev.details["SR_W_at_T"]) / C)


def test_f1_check_confirms_a_failing_init_on_more_inits():
    """An empty class with m x d = 120 x 600 (Gaussian stable rank about 57 > 39): every init fails,
    the check runs F1_INITS_ON_FAILURE inits and the binomial test rejects delta = 0.1."""
    p = _one_class_problem(m=120, d=600, steps=1500)
    ev = E._f1_check(p)
    assert ev.details["inits"] == E.F1_INITS_ON_FAILURE and ev.details["failures"] == E.F1_INITS_ON_FAILURE
    assert not ev.holds and ev.witness == pytest.approx(0.1 ** 4)
    assert ev.binomial["worst"]["witness"] > 1.0
