"""Every part of every leaky / preliminary witness tested on its own (issue 10, item 8), on
hand-made arrays with known answers: a violation at one point only, at one neuron only, just past a
time bound, a rate just above and just below its exponent, a failure count just above and below
the threshold; each multi-part witness is broken one part at a time. The time units (tau, T1*) and
the derived constants are pinned to their formulas, and every leaky check runs on the corners of
the search (issue 10's @examples)."""

import math

import numpy as np
import pytest

import sim
from theorems import conditions as cond
from theorems import constants as K
from theorems import strategies as S
from theorems.statements import leaky as L


# ---------------------------------------------------------------------------------------------
# time units and derived constants pinned to their formulas
# ---------------------------------------------------------------------------------------------
def _problem(n=4, m=3, gamma=0.5, eta=None, steps=2000, seed=0, R=1.0):
    data = sim.orthogonal(n, n + 90, norms=np.linspace(1.0, R, n), seed=3)
    Cd = S.leaky_C(data.R, gamma, m, n)
    eta = cond.eta_max(data, m, C=Cd["step"]) if eta is None else eta
    sigma0 = cond.sigma0_max(data, m, gamma, C=Cd["sigma0"]) * (1 - 1e-9)
    return sim.Problem(data, m=m, eta=eta, sigma0=sigma0, steps=steps, gamma=gamma, seed=seed)


def test_tau_is_nm_over_eta_Rmax2():
    p = _problem(eta=0.37, R=2.0)
    assert p.tau == pytest.approx(p.n * p.m / (0.37 * p.data.Rmax ** 2), rel=1e-15)


def test_T1_star_is_the_first_step_past_u_star_tau_and_u_star_closes_B5():
    rg = K.leaky_regime(0.01, 0.5, 1.3, 6, 1e-4, 1.0)
    assert rg.ok
    tau = 37.3
    assert K.T1_star(rg, tau) == math.floor(rg.u_star * tau) + 1
    # u* is where (1 - kappa_B) gamma R^-2 u c~(u) crosses beta (with kappa_B from c1(u))
    def lhs(u):
        c = float(K._c_of(u, rg.beta, 0.5, 1.3, rg.q))
        kB = 5 * 1e-4 / (0.5 ** 4 * c)
        return (1 - kB) * 0.5 / 1.3 ** 2 * u * float(K.early_floor(u, rg.beta, 0.5, rg.q))
    assert lhs(rg.u_star) > 0.01 >= lhs(rg.u_star * (1 - 1e-6))


def test_c1_is_one_sixth_in_the_limit_and_c2_bounds_it():
    rg = K.leaky_regime(1e-6, 0.5, 1.0, 4, 0.0, 1.0)
    assert rg.c1 == pytest.approx(1 / 6, rel=1e-9)
    # at large C' the early-phase floor c2 = c~(C') / R^2 is the binding term (line 460)
    u = 5.0
    c2 = float(K.early_floor(u, 0.01, 0.5, 0.0)) / 2.0 ** 2
    assert float(K._c_of(u, 0.01, 0.5, 2.0, 0.0)) == pytest.approx(c2, rel=1e-12)
    assert float(K.early_floor(u, 0.01, 0.5, 0.1)) == pytest.approx(1 / (1 + math.exp(1.5 * (0.01 + 5 * 1.1))))


def test_regime_is_refused_when_beta_is_past_the_window():
    # u c~(u) peaks at 0.2785/((1+g)(1+q)); beta above gamma R^-2 times that has no feasible C'
    g = 0.5
    peak = K.B5_WINDOW_PEAK / (1 + g)
    assert K.leaky_regime(0.99 * g * peak * math.exp(-(1 + g) * 0.99 * g * peak) * 0.9, g, 1.0, 3, 0.0, 1.0).ok
    assert not K.leaky_regime(1.01 * g * peak, g, 1.0, 3, 0.0, 1.0).ok


def test_kappa_has_c_equal_one_over_c1():
    rg = K.leaky_regime(0.001, 0.5, 1.0, 5, 1e-4, 1.0)
    assert rg.kappa == pytest.approx(1e-4 * 5 / (0.5 ** 2 * rg.c1 * 1.0), rel=1e-12)


def test_d2_loss_bound_matches_its_formula():
    rg = K.leaky_regime(0.001, 0.5, 1.0, 3, 0.0, 1.0)
    norms = np.array([1.0, 1.2, 1.5])
    b = K.d2_loss_bound(np.array([0.0, 1000.0]), rg, 0.5, 0.2, norms, 3, 4, C_prime=0.1)
    Ci = 1.5 * (0.1 + 0.001)
    want = math.exp(1.5 * 0.001) * np.mean((1 + 1.25 * 0.2 * norms ** 2 * math.exp(-Ci) * 1000 / 24) ** -1.0)
    assert b[0] == pytest.approx(math.exp(1.5 * 0.001)) and b[1] == pytest.approx(want, rel=1e-12)


def test_A1_dimension_condition_is_the_chi_square_constant():
    assert cond.A1_D_FACTOR == pytest.approx(23.3137, abs=1e-4)
    s = (math.sqrt(2) - 1) / 2
    assert 2 * s + 2 * s * s == pytest.approx(0.5)
    c = cond.conditions_A1(100, 4, 3)
    assert c.items[0].rhs == pytest.approx(cond.A1_D_FACTOR * math.log(8 * 4 / 0.1))


def test_A1_event_fails_on_one_neuron_or_one_inner_product_only():
    d, m, n, s0 = 400, 3, 2, 0.1
    X = np.eye(n, d)
    W = np.zeros((2, m, d))
    W[..., 0] = 0.01  # small inner products
    W[..., 5:5 + 100] = s0 * math.sqrt(d / 100)  # ||w||^2 = s0^2 d exactly
    assert cond.a1_event_of(W, X, s0).holds
    W1 = W.copy()
    W1[1, 2, 5:105] *= math.sqrt(0.5 * 0.999)  # one neuron just below sigma0^2 d/2
    assert cond.a1_event_of(W1, X, s0).failing() == ["norm_low"]
    W2 = W.copy()
    W2[0, 1, 5:105] *= math.sqrt(1.5 * 1.001)  # one neuron just above 3 sigma0^2 d/2
    assert cond.a1_event_of(W2, X, s0).failing() == ["norm_high"]
    W3 = W.copy()
    W3[0, 0, 1] = math.sqrt(2 * math.log(8 * m * n / 0.1)) * s0 * 1.001  # one <w, x_i> just too big
    assert cond.a1_event_of(W3, X, s0).failing() == ["inner"]


# ---------------------------------------------------------------------------------------------
# B.1
# ---------------------------------------------------------------------------------------------
def test_balance_ratio_sees_one_point_and_one_neuron():
    rho = np.ones((3, 2, 4, 5))  # every sum_r |rho| = 4
    g = 0.5
    assert np.allclose(L.balance_ratio_of(rho, g), 1 / g ** 2)
    r = rho.copy()
    r[1, 1, 2, 3] = -0.2  # one neuron of one (j, i) at one checkpoint: sum 3.2 (|.| is used)
    out = L.balance_ratio_of(r, g)
    assert out[1] == pytest.approx(3.2 / (g ** 2 * 4)) and out[0] == out[2] == pytest.approx(4.0)
    r2 = rho.copy()
    r2[2, 0, 0, 0] = 10.0  # one large sum: the max in the denominator
    assert L.balance_ratio_of(r2, g)[2] == pytest.approx(4 / (g ** 2 * 13))


# ---------------------------------------------------------------------------------------------
# B.5
# ---------------------------------------------------------------------------------------------
def test_wrong_sign_one_entry_and_zero_counts_as_wrong():
    target = np.array([1.0, -1.0])[:, None, None] * np.ones((2, 3, 4))
    Z = 0.5 * target[None].repeat(5, 0)
    assert not L.wrong_sign_of(Z, target).any()
    Z1 = Z.copy()
    Z1[3, 1, 2, 0] = 0.0  # exactly zero at one (j, r, i)
    bad = L.wrong_sign_of(Z1, target)
    assert bad.sum() == 1 and bad[3, 1, 2, 0]
    Z2 = Z.copy()
    Z2[2, 0, 0, 3] = -1e-300
    assert L.wrong_sign_of(Z2, target).sum() == 1


def test_b5_witness_just_before_and_just_past_T1():
    steps = np.arange(20)
    bad = np.zeros((20, 2, 3, 4), bool)
    bad[6, 1, 2, 3] = True  # the last violation at step 6, one entry
    w, last = L.b5_witness(steps, bad, T1=7)
    assert last == 6 and w == pytest.approx(1.0)  # holds: the pattern is right from T1 = 7 on
    w, _ = L.b5_witness(steps, bad, T1=6)
    assert w > 1.0  # a violation at T1 itself fails
    assert L.b5_witness(steps, np.zeros_like(bad), T1=3)[0] == 0.0


# ---------------------------------------------------------------------------------------------
# C.3
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("exponent,holds", [(1.0, True), (1.05, True), (0.95, False)])
def test_sr_decade_rate_just_above_and_below_1_over_log_t(exponent, holds):
    steps = np.unique(np.geomspace(2, 1e6, 60).astype(int))
    sr1 = 0.3 / np.log(steps) ** exponent
    w = L.sr_decade_witness(steps, sr1, T1=2)
    assert (w <= 1 + 1e-12) == holds, w


def test_sr_decade_rate_ignores_before_T1_and_round_off():
    steps = np.unique(np.geomspace(2, 1e6, 60).astype(int))
    sr1 = 0.3 / np.log(steps) ** 2
    sr1_bad = sr1.copy()
    sr1_bad[steps < 1000] = 1e-3  # a transient before T1: ignored
    assert L.sr_decade_witness(steps, sr1_bad, T1=1000) <= 1
    assert L.sr_decade_witness(steps, sr1_bad, T1=2, decades=6) > 1
    assert L.sr_decade_witness(steps, np.full(len(steps), 1e-15), T1=2) <= 1  # round-off floor
    one = sr1.copy()
    one[-1] = sr1[-10] * 2  # one late bump only
    assert L.sr_decade_witness(steps, one, T1=2) > 1


def test_sr_decade_rate_compares_pairs_a_decade_apart_exactly():
    """Pairs t2 >= 10 t1 only: growth of (SR - 1) log t over 9x is not judged, over exactly 10x it is."""
    steps = np.array([100, 900, 1000])
    e = np.array([1.0, 1.5, 0.9])  # (SR - 1) log t: up over 100 -> 900 (9x), down over 100 -> 1000 (10x)
    assert L.sr_decade_witness(steps, e / np.log(steps), T1=2) == pytest.approx(0.9)
    e[2] = 1.2  # up over exactly one decade: judged
    assert L.sr_decade_witness(steps, e / np.log(steps), T1=2) == pytest.approx(1.2)


def test_c3_bound_is_infinite_until_V_exceeds_b_then_decreases():
    p = _problem(steps=10 ** 6)
    rg = L.regime(p)
    t = np.geomspace(L.T1_star(rg, p.tau), 1e12, 50)
    bd = L.c3_bound(p, rg, t, 0, float(np.linalg.norm(p.init_weights(), axis=-1).max()))
    fin = np.isfinite(bd)
    assert not fin[0] and fin[-1] and np.all(np.diff(bd[fin]) < 0)


# ---------------------------------------------------------------------------------------------
# C.1-2 and D.1
# ---------------------------------------------------------------------------------------------
def test_spread_own_and_other_each_alone():
    own = np.ones((2, 3, 4))
    oth = -np.ones((2, 3, 4))
    assert L.spread_of(own, oth).max() == 0
    o1 = own.copy()
    o1[1, 2, 3] = 1.25  # one neuron, one point, own class
    sp = L.spread_of(o1, oth)
    assert sp[1, 3] == pytest.approx(0.25) and sp.sum() == pytest.approx(0.25)
    t1 = oth.copy()
    t1[0, 0, 1] = -1.5  # other class
    assert L.spread_of(own, t1)[0, 1] == pytest.approx(0.5)
    t2 = oth.copy()
    t2[0, 0, 1] = 0.7  # positive part of rho_{-y_i} is not rhounder: spread counts it as 0
    assert L.spread_of(own, t2)[0, 1] == pytest.approx(1.0)


def test_d1_parts_each_alone():
    g = 0.25
    own = np.tile(np.arange(4.0)[:, None, None], (1, 3, 2))  # equal over r
    oth = -g * own
    assert max(L.d1_parts(own, oth, g)) < 1e-15
    o = own.copy()
    o[3, 1, 0] += 1e-6
    a, b, c = L.d1_parts(o, oth, g)
    assert a > 1e-9 and b == 0 and c > 1e-9  # (a) and, through it, (c)
    t = oth.copy()
    t[:, :, 1] *= 1 + 1e-6  # every neuron equally: only the ratio part (c) breaks
    a, b, c = L.d1_parts(own, t, g)
    assert a == 0 and b == 0 and c > 1e-9
    t2 = oth.copy()
    t2[2, 0, 1] -= 1e-6
    a, b, c = L.d1_parts(own, t2, g)
    assert a == 0 and b > 1e-9


# ---------------------------------------------------------------------------------------------
# Theorem 4.1
# ---------------------------------------------------------------------------------------------
def test_norm_witness_one_point_one_neuron():
    lo = np.full((5, 2, 3), 1.0)
    hi = np.full((5, 2, 3), 2.0)
    nm = np.full((5, 2, 3), 1.5)
    assert L.norm_witness(nm, lo, hi) == pytest.approx(max(1 / 1.5, 1.5 / 2))
    a = nm.copy()
    a[4, 1, 2] = 0.999  # just below the lower bound, one neuron at one checkpoint
    assert L.norm_witness(a, lo, hi) > 1
    b = nm.copy()
    b[0, 0, 0] = 2.001
    assert L.norm_witness(b, lo, hi) > 1
    lo0 = lo.copy()
    lo0[:] = -1.0  # a vacuous lower bound (negative) is not a violation
    assert L.norm_witness(nm, lo0, hi) <= 1


def test_loss_witness_just_above_at_one_checkpoint():
    bound = np.array([1.0, 0.5, 0.25])
    assert L.loss_witness(bound * 0.99, bound) < 1
    loss = bound * 0.5
    loss[1] = 0.5 * 1.001
    assert L.loss_witness(loss, bound) > 1


@pytest.mark.parametrize("ws,inside,fails,checked", [
    ([0.5, 1.0, 0.9], [True, True, True], 0, 3),          # at the threshold: holds
    ([0.5, 1.0001, 0.9], [True, True, True], 1, 3),       # just above, one init: fails
    ([0.5, 7.0, 0.9], [True, False, True], 0, 2),         # outside the event: counted, not checked
    ([2.0, 2.0], [False, False], 0, 0),
])
def test_in_event_failures_threshold(ws, inside, fails, checked):
    idx, f, worst = L.in_event_failures(ws, inside)
    assert len(f) == fails and len(idx) == checked
    if idx:
        assert worst in idx and ws[worst] == max(ws[i] for i in idx)


@pytest.fixture(scope="module")
def small_run():
    p = _problem(n=4, m=3, steps=200_000)
    p = p.replace(seed=S.a1_event_seed(p)[0])
    tr = sim.simulate(p, engine="event")
    return tr, L.regime(p)


def _copy(tr):
    t2 = sim.Trajectory(tr.problem, tr.seed, tr.engine, tr.steps, tr.rho, tr.preactivation, tr.W0)
    for name in ("neuron_norms", "stable_rank", "loss"):
        t2.__dict__[name] = getattr(tr, name).copy()
    return t2


def test_thm41_witness_holds_on_a_real_run(small_run):
    tr, rg = small_run
    w, parts = L.thm41_witness(tr, rg)
    assert rg.ok and w <= 1, parts


@pytest.mark.parametrize("part", ["norm_part", "sr_part", "loss_part"])
def test_thm41_each_bullet_broken_alone(small_run, part):
    tr, rg = small_run
    t2 = _copy(tr)
    k = len(tr.steps) - 1
    if part == "norm_part":
        t2.neuron_norms[k, 1, 2] *= 0.5  # one neuron at the horizon
    elif part == "sr_part":
        t2.stable_rank[k, 0] = 1 + 10 * (tr.stable_rank[k, 0] - 1) + 1e-6  # SR(W_+1) at the horizon
    else:
        t2.loss[k] *= 3.0  # the loss at the horizon (the D.2 bound is about 1.5x the loss there)
    w, parts = L.thm41_witness(t2, rg)
    assert parts[part] > 1 and w > 1
    for other in {"norm_part", "sr_part", "loss_part"} - {part}:
        assert parts[other] <= 1, (other, parts)


# ---------------------------------------------------------------------------------------------
# the corners of the search, as explicit examples
# ---------------------------------------------------------------------------------------------
CORNERS = S.leaky_corners()


@pytest.mark.parametrize("check", [L.check_B1, L.check_B5, L.check_C12, L.check_D1, L.check_C3, L.check_thm41],
                         ids=["B.1", "B.5", "C.1-2", "D.1", "C.3", "4.1"])
@pytest.mark.parametrize("k", range(len(CORNERS)))
def test_leaky_checks_hold_on_the_corners(check, k):
    ev = check(CORNERS[k])
    assert ev.details["in_regime"] and ev.details["conditions_derived_hold"], ev.summary
    assert ev.holds, ev.summary


def test_c3_each_part_broken_alone(small_run):
    tr, rg = small_run
    p = tr.problem
    T1 = L.T1_star(rg, p.tau)
    w, parts = L.stable_rank_witness(tr, rg)
    assert parts["rate_part"] <= 1 and parts["bound_part"] <= 1
    # the proof's bound alone: SR - 1 above 4bV/(V-b)^2 at the first checkpoint where it is finite,
    # and (SR - 1) log t still falling across decades after it
    k = np.nonzero(tr.steps >= T1)[0]
    bd = L.c3_bound(p, rg, tr.steps[k].astype(float), 0, float(np.linalg.norm(tr.W0[0], axis=-1).max()))
    first = int(k[np.nonzero(np.isfinite(bd))[0][0]])
    t2 = _copy(tr)
    t2.stable_rank[first, 0] = 1 + 2 * bd[np.isfinite(bd)][0]
    w, parts = L.stable_rank_witness(t2, rg)
    assert parts["bound_part"] > 1, parts
    # the rate alone: (SR - 1) log t rising by 1% over the last decade, far below the proof's bound
    t3 = _copy(tr)
    last = len(tr.steps) - 1
    k0 = int(np.searchsorted(tr.steps, tr.steps[-1] / 10, side="right")) - 1  # a full decade before T
    t3.stable_rank[last, 1] = 1 + (tr.stable_rank[k0, 1] - 1) * math.log(tr.steps[k0]) / math.log(tr.steps[-1]) * 1.01
    w, parts = L.stable_rank_witness(t3, rg)
    assert parts["rate_part"] > 1 and parts["bound_part"] <= 1, parts


def test_c3_bound_is_its_formula():
    """C.3's proof bound 4bV/(V-b)^2 pinned to DERIVED-CONSTANTS row e as the check writes it
    (b = max ||w(0)|| + sqrt((1+q) n)(1-gamma) C'/Rmin, V = sqrt((1-q)(n_j + gamma^2 n_-j)) G(t)/Rmax,
    G from (D.6)); infinite where V <= b."""
    p = _problem(n=5, R=1.5)
    rg = L.regime(p)
    g, q, k = p.gamma, rg.q, rg.kappa
    T1 = K.T1_star(rg, p.tau)
    Cp = T1 / p.tau
    t = np.array([T1 - 1.0, T1 + 10.0, 1e4, 1e7, 1e12])
    for j in (0, 1):
        nj = int((p.data.y == (1.0 if j == 0 else -1.0)).sum())
        b = 0.3 + math.sqrt((1 + q) * p.n) * (1 - g) * Cp / p.data.Rmin
        Ci = (1 + g) * ((1 + k) * Cp + rg.beta)
        A = (1 + g ** 2) * (1 + k)
        G = np.log1p(A * p.eta * p.data.Rmin ** 2 * math.exp(-Ci) * np.maximum(t - T1, 0) / (2 * p.n * p.m)) / A
        V = math.sqrt((1 - q) * (nj + g ** 2 * (p.n - nj))) * G / p.data.Rmax
        want = np.where(V > b, 4 * b * V / (V - b) ** 2, np.inf)
        got = L.c3_bound(p, rg, t, j, 0.3)
        np.testing.assert_allclose(got, want, rtol=1e-12)
        assert np.isinf(got[0]) and np.isfinite(got[-1])


def test_norm_slope_band_is_row_g():
    """The reported limit band of ||w_{j,r}(t)|| / log t pinned to DERIVED-CONSTANTS row g."""
    p = _problem(n=5, R=1.5)
    rg = L.regime(p)
    g, q, k = p.gamma, rg.q, rg.kappa
    y, nrm = p.data.y, p.data.norms
    for j, sgn in ((0, 1.0), (1, -1.0)):
        S_j = (np.where(y == sgn, 1.0, g) ** 2 / nrm ** 2).sum()
        lo = math.sqrt((1 - q) * S_j) / ((1 + g ** 2) * (1 + k))
        hi = math.sqrt((1 + q) * S_j) / ((1 + g ** 2) * (1 - k))
        np.testing.assert_allclose(L.norm_slope_band(p, rg)[j], [lo, hi], rtol=1e-12)
