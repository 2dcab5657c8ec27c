"""Every part of every ReLU (Sections E-G, Theorem 4.3) and auxiliary (Section H) witness, tested on
its own on hand-made inputs with known answers: a violation at one point only, at one neuron only,
just past a time bound, a count just above and below its threshold; and the derived constants and
time units pinned to their formulas (DERIVED-CONSTANTS rows h, i, k, l)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorems import conditions as cond
from theorems.statements import auxiliary as H
from theorems.statements import relu as E

K, M, N = 5, 4, 3  # checkpoints, neurons, points


def _base():
    steps = np.array([0, 1, 10, 100, 1000])
    A0 = np.zeros((M, N), bool)
    A0[:2, :] = True  # neurons 0, 1 active at init on every point
    rb = np.ones((K, M, N))
    return steps, A0, rb


# ----------------------------------------------------------------------------------- constants
def test_e1_constants_at_p0_are_the_proofs_values():
    c = E.e1_constants(10, 0.0, 1.0, 1.0, 0.0)
    assert c["c2"] == pytest.approx(0.4) and c["c3"] == pytest.approx(2.5) and c["aE"] == 0
    assert c["c1"] == pytest.approx(0.0491, abs=2e-4) and c["C_E"] == pytest.approx(2.96, abs=0.05)
    # c1 is the min of its two terms at C_E, each evaluated by its formula
    t1 = 1 / (1 + math.exp(c["C_E"]))
    t2 = 0.16 * math.log1p(c["C_E"] / 5) / math.log1p(1.2 * c["C_E"])
    assert c["c1"] == pytest.approx(min(t1, t2), rel=1e-12)


def test_e1_constants_R_and_beta_lower_c1():
    c0 = E.e1_constants(10, 0.0, 1.0, 1.0, 0.0)["c1"]
    assert E.e1_constants(10, 0.0, 1.0, 3.0, 0.0)["c1"] < c0 / 5
    assert E.e1_constants(10, 0.0, 1.0, 1.0, 0.1)["c1"] < c0


def test_e1_constants_with_p_are_a_fixed_point():
    c = E.e1_constants(10, 0.001 / 10, 1.0, 1.0, 0.05)  # k = pn/Rmin^2 = 0.001
    assert c["aE"] == pytest.approx(0.001 / c["c1"], rel=1e-9)
    assert c["c2"] == pytest.approx(1 / (2.5 * (1 + c["aE"])))
    assert c["c3"] == pytest.approx(2.5 / (1 - 5 * c["aE"]))


def test_e1_constants_outside_the_regime_are_nan_and_the_regime_edge_is_sharp():
    k = cond.relu_k_max(10, 1.0, 0.0)
    assert 0.0015 < k < 0.003  # far below (E.4)'s 1/C = 0.05
    assert math.isfinite(E.e1_constants(10, 0.98 * k / 10, 1.0, 1.0, 0.0)["c1"])
    assert math.isnan(E.e1_constants(10, 1.03 * k / 10, 1.0, 1.0, 0.0)["c1"])


def test_g1_alpha_pinned():
    assert E.g1_alpha(0.0, 2.5) == pytest.approx(0.16)
    assert E.g1_alpha(0.1, 2.0) == pytest.approx((1 - 0.3) / (4 * 1.1))


@pytest.mark.parametrize("beta,R", [(0.01, 1.0), (0.05, 1.0), (0.2, 1.0), (0.02, 2.0), (0.025, 3.0)])
def test_f2_u_is_the_smallest_u_of_the_proofs_inequality(beta, R):
    u = E.f2_u(beta, R)
    g = lambda v: v - beta * (1 + math.exp(beta + v * R * R))
    assert abs(g(u)) < 1e-12
    assert g(u * (1 - 1e-6)) < 0 < g(u * (1 + 1e-6))  # just before: fails; just after: holds


def test_f2_u_outside_the_window_and_at_beta_0():
    assert E.f2_u(0.0, 1.0) == 0.0
    w = cond.f2_beta_window(1.0)
    assert math.isfinite(E.f2_u(0.99 * w, 1.0)) and E.f2_u(1.01 * w, 1.0) == math.inf
    assert cond.f2_beta_window(3.0) == pytest.approx(0.0302, abs=1e-3)


def test_f2_T_is_u_times_nm_over_eta_Rmin2():
    import sim

    data = sim.standard_basis(4, 6)
    p = sim.Problem(data, m=10, eta=0.3, sigma0=1e-3, steps=10)
    assert E.f2_T(p, 0.05) == pytest.approx(E.f2_u(0.05, 1.0) * 4 * 10 / 0.3)


# ----------------------------------------------------------------------------------- E.1
def test_e1_ratio_witness_one_point_one_neuron():
    _, A0, rb = _base()
    big = np.full(K, 2.0)
    assert E.e1_ratio_witness(rb, big, A0) == 0.5
    rb[3, 1, 2] = 0.01  # one t, one neuron in S_i(0), one point
    assert E.e1_ratio_witness(rb, big, A0) == pytest.approx(0.005)
    rb[3, 3, 2] = 1e-9  # a neuron outside S_i(0): ignored
    assert E.e1_ratio_witness(rb, big, A0) == pytest.approx(0.005)
    big2 = big.copy()
    big2[4] = 1000.0  # the max over (j, r', i') at one t only
    assert E.e1_ratio_witness(np.ones((K, M, N)), big2, A0) == pytest.approx(1e-3)


@pytest.mark.parametrize("lower", [True, False])
def test_e1_rate_witness_one_point_one_neuron(lower):
    _, A0, rb = _base()
    logs = np.full((K, N), 2.0)
    assert E.e1_rate_witness(rb, logs, A0, lower) == 0.5
    rb[2, 0, 1] = 0.1 if lower else 7.0
    assert E.e1_rate_witness(rb, logs, A0, lower) == pytest.approx(0.05 if lower else 3.5)
    rb[2, 3, 1] = 1e-6 if lower else 1e6  # outside S_i(0): ignored
    assert E.e1_rate_witness(rb, logs, A0, lower) == pytest.approx(0.05 if lower else 3.5)
    logs[4, 0] = 1e-3  # one point's log at one t
    assert E.e1_rate_witness(np.ones((K, M, N)), logs, A0, lower) == (0.5 if lower else 1000.0)


def test_e1_iv_witness_one_step_one_neuron_and_t0_excluded():
    steps, A0, _ = _base()
    Zo = np.ones((K, M, N))
    assert E.e1_iv_witness(Zo, A0, steps) == (1.0, 0)
    Zo[0, 0, 0] = -5.0  # t = 0: not judged
    Zo[2, 3, 0] = -5.0  # not in S_i(0): not judged
    assert E.e1_iv_witness(Zo, A0, steps) == (1.0, 0)
    Zo[4, 1, 2] = -1e-12  # one neuron, one point, the last step
    assert E.e1_iv_witness(Zo, A0, steps) == (-1e-12, 1)


# ----------------------------------------------------------------------------------- F.2
def test_f2_pattern_parts_each_part_alone():
    steps, _, _ = _base()
    Zo = np.ones((K, M, N))
    Zo[:, 2:, :] = -1.0
    Zx = -np.ones((K, M, N))
    assert E.f2_pattern_parts(steps, Zo, Zx) == (-1.0, -1.0)
    Zo2 = Zo.copy()
    Zo2[3, 2, 1] = 0.0  # an own-class neuron inactive at init turns on at step 100 only
    assert E.f2_pattern_parts(steps, Zo2, Zx) == (100.0, -1.0)
    Zo3 = Zo.copy()
    Zo3[1, 0, 0] = -1e-9  # an own-class active neuron turns off at step 1 only
    assert E.f2_pattern_parts(steps, Zo3, Zx) == (1.0, -1.0)
    Zx2 = Zx.copy()
    Zx2[2, 3, 2] = 0.0  # one other-class neuron active at step 10 (>= 0 counts as active)
    assert E.f2_pattern_parts(steps, Zo, Zx2) == (-1.0, 10.0)


def test_f2_pattern_witness_just_before_and_just_past_T():
    assert E.f2_pattern_witness(-1.0, 9.0, 10.0) == (0.9, True)
    w, ok = E.f2_pattern_witness(-1.0, 10.0, 10.0)  # at T: the lemma claims t >= T
    assert w == 1.0 and not ok
    assert E.f2_pattern_witness(-1.0, 11.0, 10.0)[1] is False
    assert E.f2_pattern_witness(-1.0, -1.0, 10.0) == (0.0, True)
    assert E.f2_pattern_witness(0.0, -1.0, 10.0) == (math.inf, False)  # own part alone fails
    assert E.f2_pattern_witness(-1.0, 3.0, math.inf) == (math.inf, False)  # no T: never silently passes


# ----------------------------------------------------------------------------------- Theorem 4.3
def test_thm43_verdict_counts_failures_inside_the_event_only():
    v = E.thm43_verdict([0.5, 1.0, 0.9], [True, True, True])
    assert v == {"failures": 0, "inside": 3, "outside": 0, "holds": True, "worst": 1.0}
    v = E.thm43_verdict([0.5, 1.0 + 1e-12, 0.9], [True, True, True])  # just above: one failure
    assert v["failures"] == 1 and not v["holds"]
    v = E.thm43_verdict([0.5, 50.0, 0.9], [True, False, True])  # outside: reported, not judged
    assert v["failures"] == 0 and v["outside"] == 1 and v["holds"] and v["worst"] == 0.9
    v = E.thm43_verdict([0.5, math.nan], [True, True])  # an unmeasurable init inside fails
    assert v["failures"] == 1


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 12), st.integers(10, 60), st.floats(1.0, 3.0), st.integers(0, 2**31 - 1))
def test_sr_of_the_limit_is_at_most_cprime_R2_on_the_A2_event(nj, m, R, seed):
    """C_SR's derivation: on A.2's event (0.4m <= |S_i(0)| <= 0.6m) SR(A_j diag(1/||x_i||)) <= 2.5 R^2."""
    rng = np.random.default_rng(seed)
    lo, hi = math.ceil(0.4 * m), math.floor(0.6 * m)
    if lo > hi:
        return
    act = np.zeros((m, nj), bool)
    for i in range(nj):
        act[rng.permutation(m)[:rng.integers(lo, hi + 1)], i] = True
    norms = np.concatenate([[1.0, R], rng.uniform(1.0, R, nj)])[:nj]
    L = act * (m / act.sum(0))[None, :] / norms[None, :]
    assert E.stable_rank(L) <= 2.5 * R ** 2 * (1 + 1e-12)


# ----------------------------------------------------------------------------------- Section H
def test_h1_fails_at_one_point_only():
    x = [0.0, 0.5, 0.9]
    b = H.h1_bound(0.0, 1.0, np.arange(4))
    ok = H.check_H1(H.Sequence(tuple(x + [b[3] * (1 - 1e-6)]), 1.0))
    bad = H.check_H1(H.Sequence(tuple(x + [b[3] + 1e-6]), 1.0))
    assert ok.holds and not bad.holds and bad.witness == pytest.approx(1e-6, rel=1e-3)


def test_h2_fails_at_one_point_only():
    b = H.h2_bound(0.0, 1.0, np.arange(4))
    hi = tuple(b + 0.5)
    seq = list(hi)
    seq[0] = 0.0
    assert H.check_H2(H.Sequence(tuple(seq), 1.0)).holds
    seq[2] = b[2] - 1e-6  # just below the bound at t = 2 only
    ev = H.check_H2(H.Sequence(tuple(seq), 1.0))
    assert not ev.holds and ev.witness == pytest.approx(-1e-6, rel=1e-3)


def test_h4_just_above_and_below():
    assert H.check_H4((1.0, 2.0, 1.0, 2.0)).holds
    assert not H.check_H4((2.0, 1.0, 1.0, 2.0)).holds  # a > b: the inequality reverses


@settings(max_examples=100, deadline=None)
@given(H.matrix_experiments(t_range=(H.H3_T_MIN, 2.5)))
def test_h3_draws_never_have_a_vacuous_allowed_probability(ex):
    assert 2 * math.exp(-ex.t ** 2) < 1


def test_h3_exceedance_count_just_above_and_below_the_allowed_rate():
    """The binomial verdict turns on the count: a threshold at the 0.5 quantile of ||A|| exceeds in
    about half the samples, far above an allowed 2 exp(-t^2) for t = 2.5."""
    ex = H.MatrixExperiment("gaussian", 10, 10, 2.5, 1.0, seed=1, samples=300)
    assert H._exceedances(ex, 1.0, 2 * math.exp(-2.5 ** 2), "x").holds
    ex_low = H.MatrixExperiment("gaussian", 10, 10, 0.0, 0.95, seed=1, samples=300)
    assert not H._exceedances(ex_low, 1.0, 0.01, "x").holds


# ----------------------------------------------------------------------------------- Theorem 4.3's parts


def _parts(tr, **kw):
    c = E.e1_constants_of(tr)
    alpha = E.g1_alpha(c["aE"], 2.5)
    bound = kw.pop("sr_bound", E.f1_sr_bound(tr.problem, c))
    return E.thm43_parts(tr, c, bound, alpha), alpha


def test_thm43_parts_hold_on_a_real_orthogonal_run(orthogonal_run):
    parts, _ = _parts(orthogonal_run)
    assert all(parts[k] <= 1 for k in ("loss", "sr_F1", "sr_limit", "sr_C")), parts


def test_thm43_loss_part_alone(orthogonal_run):
    import copy

    tr = copy.copy(orthogonal_run)
    tr.__dict__ = dict(orthogonal_run.__dict__)
    base, alpha = _parts(tr)
    bound = E.g1_bound(tr, alpha, E.beta(tr))
    loss = np.array(orthogonal_run.loss, dtype=float)
    loss[-3] = bound[-3] * 1.001  # just above G.1's bound at one checkpoint only
    tr.__dict__["loss"] = loss
    parts, _ = _parts(tr)
    assert parts["loss"] == pytest.approx(1.001) and parts["loss"] > 1
    assert all(parts[k] == base[k] for k in ("sr_F1", "sr_limit", "sr_C"))
    loss[-3] = bound[-3] * 0.999  # just below
    assert _parts(tr)[0]["loss"] <= 1


def test_thm43_sr_F1_part_alone(orthogonal_run):
    base, _ = _parts(orthogonal_run)
    sr = E.tail_view(orthogonal_run).stable_rank[:, :2].max(0)  # per class j
    j = int(np.argmax(sr))
    for jj in (0, 1):  # the class with the larger tail SR, and the other one alone
        b = np.full(2, 1e9)
        b[jj] = sr[jj] / 1.001
        parts, _ = _parts(orthogonal_run, sr_bound=b)
        assert parts["sr_F1"] == pytest.approx(1.001), (j, jj)
        assert all(parts[k] == base[k] for k in ("loss", "sr_limit", "sr_C"))
        b[jj] = sr[jj] * 1.001
        assert _parts(orthogonal_run, sr_bound=b)[0]["sr_F1"] < 1


def test_thm43_sr_limit_and_sr_C_parts_alone(orthogonal_run, monkeypatch):
    from theorems.constants import Constant

    base, _ = _parts(orthogonal_run)
    assert len(base["SR_limit_distance"]) == len(base["SR_limit"]) and base["sr_limit"] <= 1
    # one class's increment SR just outside / just inside its derived range: only sr_limit moves
    sr = max(base["SR_increment"])
    monkeypatch.setattr(E, "sr_position", lambda x, b: 1.01 if x == sr else 0.0)
    parts, _ = _parts(orthogonal_run)
    assert parts["sr_limit"] == pytest.approx(1.01) and parts["sr_C"] == base["sr_C"]
    monkeypatch.setattr(E, "sr_position", lambda x, b: 0.99 if x == sr else 0.0)
    assert _parts(orthogonal_run)[0]["sr_limit"] == pytest.approx(0.99)
    srl = max(base["SR_limit"])
    R2 = orthogonal_run.problem.data.R ** 2
    monkeypatch.setattr(E, "C_SR_RELU", Constant("C_SR", srl / R2 / 1.01, "test"))
    parts, _ = _parts(orthogonal_run)
    assert parts["sr_C"] == pytest.approx(1.01)
    assert all(parts[k] == base[k] for k in ("loss", "sr_F1"))


def test_thm43_verdict_needs_a_judged_init():
    """Theorem 4.3's check judges inits inside the A.1/A.2 event only; when none is inside (or G.1's
    alpha does not exist for any), it vouches for nothing and must not pass (a mutation that made
    alpha vanish for every init once passed the check vacuously)."""
    from theorems.statements.relu import thm43_verdict

    assert not thm43_verdict([0.2, 0.3], [False, False])["holds"]
    assert thm43_verdict([0.2, 3.0], [True, False])["holds"]
    assert not thm43_verdict([0.2, 1.01], [True, True])["holds"]


def test_f1_sr_bound_is_row_l_of_derived_constants():
    """F.1's proof bound (DERIVED-CONSTANTS row l): 50 (1+q)(1+epsF)(c3/c2)^2 R^4 n/n_j with
    epsF = (n_-j/n_j)(c_E3 pn/Rmin^2)^2, c_E3 = 2/c1, q = (n-1)p/Rmin^2; by hand on n = 4 (3 + 1),
    p = 0.01, Rmin = 1, R = 1.2, c1 = 0.05, c2 = 0.4, c3 = 2.5: q = 0.03, c_E3 pn/Rmin^2 = 1.6."""
    from types import SimpleNamespace

    data = SimpleNamespace(n=4, p=0.01, Rmin=1.0, R=1.2, y=np.array([1.0, 1.0, 1.0, -1.0]))
    b = E.f1_sr_bound(SimpleNamespace(data=data), {"c1": 0.05, "c2": 0.4, "c3": 2.5})
    common = 50 * 1.03 * 6.25 ** 2 * 1.2 ** 4 * 4
    assert b == pytest.approx([common * (1 + 2.56 / 3) / 3, common * (1 + 3 * 2.56) / 1], rel=1e-12)


def test_e1_constants_judged_flags_the_outside_regime_with_the_p0_constants():
    import sim
    from theorems import conditions as cond

    def tiny(data):
        return sim.simulate(sim.Problem(data, m=6, eta=0.1, sigma0=1e-3, steps=1, gamma=0.0, seed=1), engine="fast")

    tr = tiny(sim.nearly_orthogonal(4, 50, p=0.05, seed=0))  # p far above E.1's regime: no c1
    assert not math.isfinite(E.e1_constants_of(tr)["c1"])
    c = E.e1_constants_judged(tr)
    d = tr.problem.data
    assert c["outside_regime"] is True
    assert c["c1"] == cond.relu_e1_constants(d.n, 0.0, d.Rmin, d.R, E.beta(tr))["c1"] > 0
    tr = tiny(sim.orthogonal(4, 50, seed=0))
    assert E.e1_constants_judged(tr) == E.e1_constants_of(tr) and "outside_regime" not in E.e1_constants_judged(tr)
