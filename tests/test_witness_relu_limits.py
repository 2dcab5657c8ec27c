"""The witnesses of theorems/statements/relu_limits.py (Corollary E.3, Lemma F.3 (a)/(b), Lemma G.1),
each on hand-made inputs with known answers: a violation at one checkpoint only, at one neuron only,
just before and just after T2, stable ranks of hand-made matrices; and the derived formulas (T2,
F.3(a)'s finite-size law, G.1's exponents) pinned to their definitions."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from theorems.statements import relu_limits as L

STEPS = np.array([0, 1, 10, 100, 1000])


# ----------------------------------------------------------------------------------- E.2 / E.3
def _e2_args():
    beta, step, k, c1 = 0.1, 0.05, 0.01, 0.05
    ref = np.array([0.0, 0.1, 1.0, 5.0, 20.0])
    bound24 = beta + step + k * ref / c1  # (E.24) at each checkpoint
    return beta, step, k, c1, ref, bound24


def test_e2_witness_holds_and_reports_the_e24_ratio():
    beta, step, k, c1, ref, b24 = _e2_args()
    U = 0.5 * b24
    w = L.e2_witness(STEPS, U, ref, beta, step, k, c1, math.inf)
    assert w["e24"] == pytest.approx(0.5) and w["witness"] == pytest.approx(0.5)
    assert w["branch"] == "T2 beyond horizon" and math.isnan(w["cor"]) and w["checked_after_T2"] == 0


def test_e2_witness_violation_at_one_checkpoint_only():
    beta, step, k, c1, ref, b24 = _e2_args()
    U = 0.5 * b24
    U[2] = 1.1 * b24[2]
    assert L.e2_witness(STEPS, U, ref, beta, step, k, c1, math.inf)["witness"] == pytest.approx(1.1)


def test_e2_corollary_checked_just_after_T2_and_not_just_before():
    beta, step, k, c1, ref, _ = _e2_args()
    ref[3] = 0.5  # below the threshold c1 (beta + step)/k at t = 100: E.3's bound is the smaller there
    b24 = beta + step + k * ref / c1
    U = 0.5 * b24
    cor_bound = (2 / c1) * k * ref  # E.3's right-hand side
    U[3] = 1.2 * cor_bound[3]  # breaks E.3 at t = 100 (and is still under (E.24)'s bound there)
    assert U[3] < b24[3]
    at = L.e2_witness(STEPS, U, ref, beta, step, k, c1, 100.0)  # T2 = 100: t = 100 is checked
    assert at["branch"] == "T2 within horizon" and at["checked_after_T2"] == 2
    assert at["cor"] == pytest.approx(1.2) and at["witness"] == pytest.approx(1.2)
    past = L.e2_witness(STEPS, U, ref, beta, step, k, c1, 100.5)  # T2 just after 100: only t = 1000
    assert past["checked_after_T2"] == 1 and past["cor"] < 1 and past["witness"] < 1


def test_e2_corollary_zero_rhounder_with_zero_reference_is_not_a_violation():
    beta, step, k, c1, ref, _ = _e2_args()
    w = L.e2_witness(STEPS, np.zeros(5), ref, beta, step, k, c1, 0.0)
    assert w["cor"] == 0.0 and w["witness"] == 0.0


def test_e2_arrays_pick_the_one_neuron_and_the_smallest_reference():
    # n = 2 (x_0 of class +1, x_1 of class -1), m = 3, K = 2; rho (K, 2, m, n), index 0 is j = +1
    rho = np.zeros((2, 2, 3, 2))
    rho[1, 0, 0, 0] = 3.0   # rhobar_{+1,0,0}
    rho[1, 0, 1, 0] = 2.0   # rhobar_{+1,1,0}
    rho[1, 1, 2, 1] = 5.0   # rhobar_{-1,2,1}
    rho[1, 0, 2, 1] = -0.7  # rhounder_{+1,2,1}: the one opposite-class coefficient
    pre = np.zeros((2, 2, 3, 2))
    pre[0] = -1.0
    pre[0, 0, 0, 0] = pre[0, 0, 1, 0] = 1.0  # S_0(0) = {0, 1}
    pre[0, 1, 2, 1] = 1.0                    # S_1(0) = {2}
    tr = SimpleNamespace(steps=np.array([0, 5]), rho=rho, preactivation=pre,
                         problem=SimpleNamespace(n=2, data=SimpleNamespace(y=np.array([1.0, -1.0]))))
    U, ref = L.e2_arrays(tr)
    assert U.tolist() == [0.0, 0.7]
    assert ref.tolist() == [0.0, 2.0]


def test_e2_T2_inverts_E1_ii_at_the_slowest_point():
    eta, n, m, beta, step, k, c1, c2 = 0.5, 4, 10, 0.05, 0.01, 0.02, 0.05, 0.3
    S0, norms = np.array([4, 6, 5, 5]), np.array([1.0, 1.0, 2.0, 1.5])
    T2 = L.e2_T2(eta, n, m, S0, norms, beta, step, k, c1, c2)
    thr = c1 * (beta + step) / k
    lower = c2 * np.log1p(eta * S0 * norms ** 2 * math.exp(-beta) * T2 / (2 * n * m * m))  # E.1(ii) at T2
    assert lower.min() == pytest.approx(thr, rel=1e-12)  # the slowest point reaches thr exactly at T2
    assert int(np.argmin(lower)) == 0  # smallest |S_i(0)| ||x_i||^2
    just_before = c2 * np.log1p(eta * S0[0] * norms[0] ** 2 * math.exp(-beta) * T2 * (1 - 1e-9) / (2 * n * m * m))
    assert just_before < thr


def test_e2_T2_is_infinite_at_p0_and_on_overflow():
    args = dict(eta=1.0, n=2, m=10, S0=np.array([5, 5]), norms=np.ones(2), beta_=0.0, step=0.01, c1=0.05, c2=0.4)
    assert L.e2_T2(k=0.0, **args) == math.inf
    assert L.e2_T2(k=1e-9, **args) == math.inf
    assert math.isfinite(L.e2_T2(k=0.01, **args))


def test_e2_T2_printed_pinned():
    eta, n, m, Rmin, beta, k, c1 = 0.5, 4, 10, 1.0, 0.05, 0.02, 0.05
    want = 5 * n * m * math.exp(beta) / (eta * Rmin ** 2) * (math.exp(2.5 * (1 + beta) * (1 + c1 / k)) - 1)
    assert L.e2_T2_printed(eta, n, m, Rmin, beta, k, c1) == pytest.approx(want, rel=1e-12)
    assert L.e2_T2_printed(eta, n, m, Rmin, beta, 0.0, c1) == math.inf


def test_ratio_trend_rise_and_fall():
    steps = np.arange(0, 101, 10)
    ref = np.ones(11)
    up = L.ratio_trend(steps, np.linspace(1, 2, 11), ref)
    assert up["max_rise"] > 0 and up["ratio_end"] == pytest.approx(2.0)
    down = L.ratio_trend(steps, np.linspace(2, 1, 11), ref)
    assert down["max_rise"] == 0.0


# ----------------------------------------------------------------------------------- F.3 (a)
def test_stable_rank_of_hand_made_matrices():
    assert L.stable_rank(np.eye(5)) == pytest.approx(5.0)
    assert L.stable_rank(np.outer(np.arange(1, 4), np.arange(1, 6))) == pytest.approx(1.0)
    assert L.stable_rank(np.diag([2.0, 1.0])) == pytest.approx(5 / 4)
    assert math.isnan(L.stable_rank(np.zeros((3, 2))))


def test_top_sv2_matches_the_svd_on_random_and_adversarial_matrices():
    rng = np.random.default_rng(0)
    for A in (rng.standard_normal((30, 7)), (rng.random((50, 20)) < 0.5) * 1.0,
              np.diag([1.0, 1.0 - 1e-3, 0.5]),  # nearly degenerate top: slow power iteration
              np.array([[1.0, -1.0], [1.0, -1.0]])):  # top vector orthogonal to the start
        assert L.top_sv2(A) == pytest.approx(np.linalg.norm(A, 2) ** 2, rel=1e-9)


def test_pattern_matrix_columns_sum_to_m_and_zero_columns_stay_zero():
    B = np.array([[1, 0, 1], [1, 0, 0], [0, 0, 1], [1, 0, 1]], bool)
    A = L.pattern_matrix(B)
    assert A.sum(0).tolist() == [4.0, 0.0, 4.0]
    assert A[0, 0] == pytest.approx(4 / 3)


def test_sr_of_two_disjoint_equal_columns_is_two():
    B = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], bool)
    nj, sr, mu, sd, z = L.f3a_parts([L.pattern_matrix(B)], 4)[0]
    assert nj == 2 and sr == pytest.approx(2.0)
    assert z == pytest.approx(abs(2.0 - L.f3a_mu(4, 2)) / L.f3a_sd(4, 2))


def test_f3a_law_pinned():
    assert L.f3a_mu(100, 1) == pytest.approx(1.0)  # one column: SR = 1 exactly
    assert L.f3a_mu(10 ** 9, 9) == pytest.approx(2 * 9 / 10, rel=1e-8)  # m -> inf at fixed n_j: 2n_j/(n_j+1)
    assert L.f3a_mu(10 ** 6, 10 ** 6) == pytest.approx(2.0, abs=1e-5)
    assert L.f3a_sd(100, 4) == pytest.approx(2 * math.sqrt(1.5 / 400))


def test_f3a_mean_matches_a_small_exact_average():
    # the mean of SR(A) over many inits at m = 200, n_j = 8 lies within 3 standard errors of mu
    srs = []
    for s in range(200):
        ex = L.InitPattern(200, 16, 8, s)
        srs.append(L.stable_rank(ex.matrices()[0]))
    se = np.std(srs) / math.sqrt(len(srs))
    assert abs(np.mean(srs) - L.f3a_mu(200, 8)) < 3 * se + 1e-3
    assert np.std(srs) <= L.f3a_sd(200, 8)  # the declared scale is not below the spread


def test_init_pattern_shapes_event_and_correlation():
    ex = L.InitPattern(300, 11, 6, 3)
    Ap, Am = ex.matrices()
    assert Ap.shape == (300, 6) and Am.shape == (300, 5)
    assert np.allclose(Ap.sum(0), 300) and np.allclose(Am.sum(0), 300)
    assert ex.in_A2_event()
    corr = L.InitPattern(300, 11, 6, 3, corr=0.95)
    assert L.stable_rank(corr.matrices()[0]) < L.stable_rank(Ap) - 0.2


# ----------------------------------------------------------------------------------- F.3 (b)
def test_block_limit_sr_at_n2_is_one_plus_the_width_ratio():
    # one column per class: SR([A_+; A_-]) = 1 + min(m/|S|)/max(m/|S|) = 1 + min|S|/max|S|
    m = 10
    Ap = np.zeros((m, 2))
    Ap[:4, 0] = m / 4
    Am = np.zeros((m, 2))
    Am[:6, 1] = m / 6
    assert L.stable_rank(np.vstack([Ap, Am])) == pytest.approx(1 + 4 / 6)


def test_f3b_witness_ends_and_consistency():
    v = {"limit": 2.0, "increment": 2.0, "at_T": 1.6, "consistency": 0.0}
    assert L.f3b_witness(v, "low") == pytest.approx((16 / 9) / 1.6)
    assert L.f3b_witness(v, "high") == pytest.approx(2.0 / 9)
    v2 = dict(v, at_T=2.0, consistency=2.0)  # the increment off its derived range: position 2
    assert L.f3b_witness(v2, "low") == pytest.approx(2.0) and L.f3b_witness(v2, "high") == pytest.approx(2.0)
    assert L.f3b_witness(dict(v, limit=math.nan), "low") == math.inf
    assert L.f3b_witness(dict(v, consistency=math.inf), "high") == math.inf  # nothing derived: never passes


# ----------------------------------------------------------------------------------- G.1
def test_g1_witness_violation_at_one_checkpoint_only():
    bound = np.array([1.0, 0.8, 0.5, 0.3, 0.2])
    loss = 0.5 * bound
    assert L.g1_witness(loss, bound) == (pytest.approx(0.5), 0)
    loss[3] = 1.5 * bound[3]
    w, k = L.g1_witness(loss, bound)
    assert w == pytest.approx(1.5) and k == 3
    loss[3] = math.nan
    assert L.g1_witness(loss, bound)[0] == math.inf


def test_g1_alphas_pinned():
    from theorems.statements.relu import g1_alpha

    assert L.g1_alpha_sharp(0.0, 2.5) == pytest.approx(0.4)
    assert L.g1_alpha_sharp(0.1, 2.0) == pytest.approx((1 - 0.3) / (2 * 1.1))
    assert L.g1_alpha_sharp(0.05, 2.2) == pytest.approx(2.2 * g1_alpha(0.05, 2.2))  # one c' fewer


# ----------------------------------------------------------------------------------- strategies
def test_e2_strategy_draws_p_near_the_proof_bound_inside_the_conditions():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from theorems import conditions as cond
    from theorems import strategies as S

    seen = []

    @settings(max_examples=8, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def prop(data):
        p = data.draw(L._e2_strategy())
        d = p.data
        assert S.meets_conditions(p).holds
        assert S.init_in_event(p).holds
        pmax = cond.max_p_relu_proof(d.Rmin, d.R, d.n, p.m)
        assert d.p <= pmax * (1 + 1e-9)
        seen.append(d.p / pmax)

    prop()
    assert seen and max(seen) > 0.49  # the redraw took (a base example keeps its own p only if no seed fits)


def test_f3a_reads_the_simulators_init_and_the_strategy_reads_the_same_numbers():
    """The strategy's cheap draw equals W(0) as sim.simulate starts from it (x_i = e_i, sigma0 = 1), so
    its search for an init inside A.2's event picks the init the check then reads; the check reads
    the simulator's, so an init fault reaches it (identical neurons: every column of A constant)."""
    from sim import faults
    from theorems.runner import run_check
    from theorems.catalogue import all_statements

    ex = L.InitPattern(m=40, n=12, n_pos=6, seed=123)
    assert np.array_equal(ex.preactivations(), ex.simulated_preactivations())
    corr = L.InitPattern(m=40, n=12, n_pos=6, seed=123, corr=0.7)
    Zc = corr.simulated_preactivations()
    assert Zc.shape == (2, 40, 12) and np.allclose(np.corrcoef(Zc[0].T)[0, 1:], 0.7, atol=0.35)
    stmt = next(s for s in all_statements() if s.id == "F.3(a)")
    ex = L.InitPattern(m=200, n=64, n_pos=32, seed=5)
    assert run_check(stmt, ex).holds
    with faults.inject("init_identical_neurons") as f:
        ev = run_check(stmt, ex)
    assert f.calls and not ev.holds
