"""Known-answer tests of the helper functions in theorems/statements/*.py that compute a bound, a
rate, a constant or a verdict's ingredient and had no direct test: each expected value is worked
out by hand (the arithmetic in a comment) or written from the formula in the paper /
DERIVED-CONSTANTS.md (row cited) with the numbers substituted, on tiny hand-made inputs
(types.SimpleNamespace standing in for problems and trajectories). Mutation testing showed that a
check with slack cannot notice a factor changed inside such a helper; these tests can."""

import math
from types import SimpleNamespace as NS

import numpy as np
import pytest

from theorems.constants import LeakyRegime
from theorems.statements import common as Cm
from theorems.statements import conjectures as Q
from theorems.statements import leaky as L
from theorems.statements import leaky_phases as P
from theorems.statements import relu as E


# ---------------------------------------------------------------------------------------------
# common.py
# ---------------------------------------------------------------------------------------------
def test_tau_min_is_nm_over_eta_rmin2():
    # n m / (eta Rmin^2) = 3 * 4 / (0.5 * 2^2) = 12 / 2 = 6 (Lemma F.2's unit; Rmax must not enter)
    p = NS(n=3, m=4, eta=0.5, data=NS(Rmin=2.0, Rmax=5.0))
    assert Cm.tau_min(p) == pytest.approx(6.0, rel=1e-15)


def test_at_fraction_is_the_first_checkpoint_at_or_after():
    steps = np.array([0, 1, 10, 100, 1000])
    assert Cm.at_fraction(steps, 0.1) == 3      # 0.1 * 1000 = 100 is a checkpoint: "at" -> index 3
    assert Cm.at_fraction(steps, 0.0101) == 3   # 10.1: first checkpoint after it is 100
    assert Cm.at_fraction(steps, 0.01) == 2     # exactly 10
    assert Cm.at_fraction(steps, 0.0) == 0
    assert Cm.at_fraction(steps, 1.0) == 4


def test_last_true_is_the_last_step_where_the_mask_holds():
    steps = np.array([0, 5, 7, 9])
    assert Cm.last_true(steps, np.array([False, True, True, False])) == 7.0
    assert Cm.last_true(steps, np.array([True, False, False, False])) == 0.0
    assert Cm.last_true(steps, np.array([False, False, False, True])) == 9.0
    assert Cm.last_true(steps, np.zeros(4, bool)) == -1.0


def test_binomial_p_value_is_the_upper_tail():
    # P(X >= k), X ~ Bin(N, delta), by hand from the binomial sum
    def tail(k, N, d):
        return sum(math.comb(N, j) * d ** j * (1 - d) ** (N - j) for j in range(k, N + 1))

    assert Cm.binomial_p_value(0, 8, 0.1) == pytest.approx(1.0)
    assert Cm.binomial_p_value(4, 8, 0.1) == pytest.approx(tail(4, 8, 0.1), rel=1e-9)
    assert Cm.binomial_p_value(8, 8, 0.1) == pytest.approx(1e-8, rel=1e-9)  # 0.1^8
    # one-sided, not two-sided: Bin(8, 1/2), P(X >= 6) = (28 + 8 + 1)/256 (two-sided would double it)
    assert Cm.binomial_p_value(6, 8, 0.5) == pytest.approx(37 / 256, rel=1e-9)
    # common.INITS' comment: with delta = 0.1, alpha = 0.01, 8 inits reject at 4 failures, not at 3
    assert Cm.binomial_p_value(3, 8, 0.1) > 0.01 > Cm.binomial_p_value(4, 8, 0.1)
    # and 32 inits reject at 9, not at 8
    assert Cm.binomial_p_value(8, 32, 0.1) > 0.01 > Cm.binomial_p_value(9, 32, 0.1)


def test_binomial_record_fields():
    r = Cm.binomial_record(3, 8, "init", 0.1, 0.038)
    assert r == {"failures": 3, "trials": 8, "unit": "init", "allowed": 0.1, "p_value": 0.038,
                 "alpha": 0.01}
    r = Cm.binomial_record(1, 32, "init", 0.1, 0.9, worst=("beta", 2.5, 2.0, "<="))
    assert r["worst"] == {"what": "beta", "witness": 2.5, "bound": 2.0, "relation": "<="}
    assert r["failures"] == 1 and r["trials"] == 32


def test_inits_per_example_follows_the_profile(monkeypatch):
    import theorems.profiles as prof

    for name, k in (("ci", 8), ("search", 8), ("dev", 2), ("thorough", 32), ("unknown", 8)):
        monkeypatch.setattr(prof, "base_profile", lambda name=name: name)
        assert Cm.inits_per_example() == k


# ---------------------------------------------------------------------------------------------
# leaky.py: class signs, balance ratio, wrong signs, norm and loss bounds, regime facts
# ---------------------------------------------------------------------------------------------
def test_class_signs_are_one_on_the_own_class_and_gamma_on_the_other():
    p = NS(gamma=0.3, data=NS(y=np.array([1.0, -1.0, 1.0])))
    assert np.array_equal(L._class_signs(p), [[1.0, 0.3, 1.0], [0.3, 1.0, 0.3]])


def test_balance_ratio_is_min_over_gamma2_max_of_the_neuron_sums():
    # one checkpoint, m = 2, n = 2: sum_r |rho_{j,r,i}| = (j=0) [1+2, 0.5+0.5], (j=1) [4+0, 1+1]
    # -> min 1, max 4: 1 / (0.5^2 * 4) = 1.0; a second checkpoint with every sum 2: 1/0.25 = 4
    rho = np.zeros((2, 2, 2, 2))
    rho[0, 0, :, 0] = [1.0, -2.0]
    rho[0, 0, :, 1] = [0.5, -0.5]
    rho[0, 1, :, 0] = [-4.0, 0.0]
    rho[0, 1, :, 1] = [1.0, 1.0]
    rho[1] = 1.0
    tr = NS(rho=rho, problem=NS(gamma=0.5))
    assert L.balance_ratio(tr) == pytest.approx([1.0, 4.0], rel=1e-15)


def test_wrong_sign_flags_exactly_the_entries_off_j_y_i():
    # y = (+1, -1), m = 1: target sign j y_i is (j=+1) [+, -], (j=-1) [-, +]
    y = np.array([1.0, -1.0])
    Z = np.zeros((4, 2, 1, 2))
    Z[:, 0, 0] = [2.0, -1.0]
    Z[:, 1, 0] = [-3.0, 0.5]
    Z[1, 1, 0, 0] = 0.7    # checkpoint 1: one wrong sign at (j=-1, i=0)
    Z[2, 0, 0, 1] = 0.0    # checkpoint 2: a zero pre-activation counts as wrong (target -1) ...
    Z[3, 1, 0, 1] = 0.0    # checkpoint 3: ... and so it does where the target sign is +1
    bad = L.wrong_sign(NS(preactivation=Z, problem=NS(data=NS(y=y))))
    assert not bad[0].any()
    assert bad[1].sum() == 1 and bad[1, 1, 0, 0]
    assert bad[2].sum() == 1 and bad[2, 0, 0, 1]
    assert bad[3].sum() == 1 and bad[3, 1, 0, 1]


def _leaky_problem(**kw):
    d = dict(n=2, m=1, gamma=0.5, eta=1.0, tau=10.0,
             data=NS(y=np.array([1.0, -1.0]), norms=np.array([1.0, 2.0]), Rmin=1.0, Rmax=2.0, R=2.0, p=0.01))
    d.update(kw)
    return NS(**d)


def _rg(**kw):
    d = dict(ok=True, why="", beta=0.1, q=0.1, c1=0.2, C_prime_c1=0.5, u_star=0.25, c1_at_u_star=0.2,
             kappa=0.2, kappa_B=0.1)
    d.update(kw)
    return LeakyRegime(**d)


# Lemma D.2 (DERIVED-CONSTANTS row f) on _leaky_problem with kappa = a1 = 0.2, beta = 0.1, gamma = 0.5,
# T1 = floor(0.25 * 10) + 1 = 3, C' = T1/tau = 0.3, eta = 1, ||x_i||^2 = (1, 4), n m = 2:
#   C_i = (1+g)((1+a1) C' + beta) = 1.5 * (1.2 * 0.3 + 0.1) = 0.69
#   L <= e^{(1+g) beta} mean_i (1 + (1+g^2)(1+a1) eta ||x_i||^2 e^{-C_i} (t-T1)/(2nm))^{-(1-a1)/(1+a1)}
#      = e^{0.15} mean_i (1 + 1.5 ||x_i||^2 e^{-0.69} (t-3)/4)^{-2/3}
def _d2_row_f(t):
    return math.exp(0.15) * np.mean([(1 + 1.5 * x2 * math.exp(-0.69) * (t - 3) / 4) ** (-2 / 3) for x2 in (1.0, 4.0)])


def test_loss_bound_is_row_f_from_T1_star_with_C_prime_T1_over_tau():
    b = L.loss_bound(_leaky_problem(), _rg(), np.array([3.0, 13.0, 1003.0]))
    assert b[0] == pytest.approx(math.exp(0.15), rel=1e-12)    # at T1 the bracket is 1
    assert b[1] == pytest.approx(_d2_row_f(13.0), rel=1e-12)
    assert b[2] == pytest.approx(_d2_row_f(1003.0), rel=1e-12)


def test_d2_bound_of_uses_a1_with_n_minus_1_and_T1_star():
    # a1 = (n-1) p / (g^2 c1 Rmin^2) = 1 * 0.01 / (0.25 * 0.2 * 1) = 0.2, so the bound is row f as above
    # (the regime's kappa, with p n, is 0.4 here: a1 must not be taken from it)
    bd, T1, a1 = P.d2_bound_of(_leaky_problem(), _rg(kappa=0.4), np.array([3.0, 13.0, 1003.0]))
    assert T1 == 3
    assert a1 == pytest.approx(0.2, rel=1e-12)
    assert bd == pytest.approx([math.exp(0.15), _d2_row_f(13.0), _d2_row_f(1003.0)], rel=1e-12)


def test_norm_bounds_at_T1_are_the_coefficients_at_T1_and_the_init():
    # at t = T1: G = H = 0, so lo = -||w(0)|| and hi = ||w(0)|| + sqrt((1+q) sum_i (C' ||x_i||^2/Rmax^2)^2
    # / ||x_i||^2) = ||w(0)|| + sqrt(1.1 * 0.3^2 * (1 + 4) / 2^4) = ||w(0)|| + sqrt(0.0309375)
    w0 = np.array([[0.5], [0.25]])
    lo, hi = L.norm_bounds(_leaky_problem(), _rg(), np.array([3.0]), w0)
    assert lo.shape == hi.shape == (1, 2, 1)
    assert lo[0, :, 0] == pytest.approx([-0.5, -0.25], rel=1e-14)
    assert hi[0, :, 0] == pytest.approx([0.5 + math.sqrt(0.0309375), 0.25 + math.sqrt(0.0309375)], rel=1e-12)


def test_norm_bounds_after_T1_are_the_docstring_formulas_with_class_signs():
    # t = T1 + 10 = 13; q = 0.1, kappa = 0.2, beta = 0.1, g = 0.5, C' = 0.3, eta = 1, n m = 2
    # lower: G_i = log(1 + (1+g^2)(1+k) eta x2_i e^{-C_i} 10/(2nm)) / ((1+g^2)(1+k))
    #            = log(1 + 1.5 x2_i e^{-0.69} 10/4) / 1.5
    #        lo_j = sqrt((1-q) sum_i s_ji^2 G_i^2 / x2_i) - ||w_j(0)||, s = [[1, .5], [.5, 1]]
    # upper: B = (1+g^2)(1-k) = 1.0; c_i = B eta x2_i e^{(1+g)beta}/(nm) = x2_i e^{0.15}/2
    #        H_i = log(1 + c_i e^{c_i} 10) / B; coef_ji = C' x2_i/Rmax^2 + s_ji H_i = 0.075 x2_i + s_ji H_i
    #        hi_j = sqrt((1+q) sum_i coef_ji^2 / x2_i) + ||w_j(0)||
    x2 = [1.0, 4.0]
    s = [[1.0, 0.5], [0.5, 1.0]]
    G = [math.log1p(1.5 * a * math.exp(-0.69) * 10 / 4) / 1.5 for a in x2]
    c = [a * math.exp(0.15) / 2 for a in x2]
    H = [math.log1p(ci * math.exp(ci) * 10) for ci in c]
    w0 = np.array([[0.5], [0.25]])
    lo, hi = L.norm_bounds(_leaky_problem(), _rg(), np.array([13.0]), w0)
    for j in (0, 1):
        exp_lo = math.sqrt(0.9 * sum(s[j][i] ** 2 * G[i] ** 2 / x2[i] for i in (0, 1))) - w0[j, 0]
        exp_hi = math.sqrt(1.1 * sum((0.075 * x2[i] + s[j][i] * H[i]) ** 2 / x2[i] for i in (0, 1))) + w0[j, 0]
        assert lo[0, j, 0] == pytest.approx(exp_lo, rel=1e-12)
        assert hi[0, j, 0] == pytest.approx(exp_hi, rel=1e-12)


def test_norm_bounds_upper_is_infinite_when_kappa_reaches_one():
    # kappa = 1: (1+g^2)(1-kappa) = 0, no upper bound; the lower one uses (1+g^2)(1+kappa) = 2.5,
    # C_i = 1.5 * (2 * 0.3 + 0.1) = 1.05, q = 0: lo_0 = sqrt(G_0^2 + 0.25 G_1^2 / 4) - 0.5 at t - T1 = 10
    G = [math.log1p(2.5 * a * math.exp(-1.05) * 10 / 4) / 2.5 for a in (1.0, 4.0)]
    lo, hi = L.norm_bounds(_leaky_problem(), _rg(kappa=1.0, q=0.0), np.array([13.0]), np.array([[0.5], [0.25]]))
    assert np.isinf(hi).all()
    assert lo[0, 0, 0] == pytest.approx(math.sqrt(G[0] ** 2 + 0.25 * G[1] ** 2 / 4) - 0.5, rel=1e-12)


def test_regime_facts_report_the_regime_and_T1_star():
    rg = _rg(ok=False, why="because")
    f = L.regime_facts(rg, 10.0)
    assert f == {"in_regime": False, "regime_note": "because", "beta": 0.1, "c1_derived": 0.2,
                 "u_star": 0.25, "T1_star": 3, "kappa": 0.2, "kappa_B": 0.1}
    assert L.regime_facts(_rg(u_star=0.3), 10.0)["T1_star"] == 4  # floor(3.0) + 1: strictly past u* tau
    # ReLU (gamma = 0): no derived leaky conditions are attached
    assert "conditions_derived" not in L.regime_facts(rg, 10.0, NS(gamma=0.0))


# ---------------------------------------------------------------------------------------------
# leaky_phases.py: Lemma B.3's sums, constants and parts
# ---------------------------------------------------------------------------------------------
def _rho_tr(rho, problem):
    return NS(problem=problem, rho=rho, rhobar=np.where(rho >= 0, rho, 0.0), rhounder=np.where(rho <= 0, rho, 0.0))


def test_rate_sums_average_own_rhobar_and_other_rhounder():
    # m = 2, n = 2, y = (+1, -1); index [k, j, r, i], j = 0 for +1
    # i = 0 (y = +1): own j = 0: rho = (3, -1) -> rhobar (3, 0), mean 1.5;
    #                 other j = 1: (-2, 4) -> |rhounder| (2, 0), mean 1
    # i = 1 (y = -1): own j = 1: (1, 1) -> 1; other j = 0: (-6, -2) -> 4
    rho = np.zeros((1, 2, 2, 2))
    rho[0, 0, :, 0] = [3.0, -1.0]
    rho[0, 1, :, 0] = [-2.0, 4.0]
    rho[0, 1, :, 1] = [1.0, 1.0]
    rho[0, 0, :, 1] = [-6.0, -2.0]
    Pm, U = P.rate_sums(_rho_tr(rho, NS(n=2, data=NS(y=np.array([1.0, -1.0])))))
    assert Pm == pytest.approx(np.array([[1.5, 1.0]]), rel=1e-15)
    assert U == pytest.approx(np.array([[1.0, 4.0]]), rel=1e-15)


def test_b3_constants_in_regime_and_with_p_capped_outside(monkeypatch):
    # a = (n-1) p / (g^2 c3 Rmin^2) = 2 * 0.01 / (0.25 * 0.1 * 4) = 0.2 (row c), c3 = c1 = 0.1
    data = NS(p=0.01, Rmin=2.0, R=1.5, y=np.ones(3))
    p = NS(n=3, m=4, gamma=0.5, data=data)
    c3, a = P.b3_constants(p, _rg(c1=0.1))
    assert (c3, a) == (0.1, pytest.approx(0.2, rel=1e-12))
    # outside the regime: p capped at (B.4)'s largest, Rmin^2 g^4 / (C R^2 n) with C = 100 here:
    # 4 * 0.0625 / (100 * 2.25 * 3) = 1/2700, so a = 2 / 2700 / (0.25 * 0.1 * 4) = 1/135
    from theorems import strategies as S

    monkeypatch.setattr(S, "leaky_C", lambda *args, **kw: {"data": 100.0})
    c3, a = P.b3_constants(p, _rg(c1=0.1, ok=False))
    assert c3 == 0.1 and a == pytest.approx(1 / 135, rel=1e-12)
    # a p already below the cap is kept: p = 1e-4 -> a = 2e-4 / 0.1 = 0.002
    c3, a = P.b3_constants(NS(n=3, m=4, gamma=0.5, data=NS(p=1e-4, Rmin=2.0, R=1.5, y=np.ones(3))),
                           _rg(c1=0.1, ok=False))
    assert a == pytest.approx(0.002, rel=1e-12)


def _b3_setup(p_data=0.0):
    # n = 2, m = 1, y = (+1, -1), ||x_i|| = 1, Rmin = Rmax = 1, eta = 2, tau = nm/(eta Rmax^2) = 1,
    # gamma = 0.5, beta = 0, u* = 2.5 -> T1* = 3; steps 0, 1, 3, 10
    # own rhobar / other |rhounder| per point: t=1: 1 / 0.01 (before T1*: must be ignored),
    # t=3: 1 / 0.5, t=10: 2 / 1.5
    prob = NS(n=2, m=1, gamma=0.5, eta=2.0, tau=1.0,
              data=NS(y=np.array([1.0, -1.0]), norms=np.array([1.0, 1.0]), Rmin=1.0, Rmax=1.0, R=1.0, p=p_data))
    rho = np.zeros((4, 2, 1, 2))
    for k, (o, u) in enumerate([(0.0, 0.0), (1.0, 0.01), (1.0, 0.5), (2.0, 1.5)]):
        rho[k, 0, 0, 0] = o      # i = 0 own (j = +1)
        rho[k, 1, 0, 0] = -u     # i = 0 other
        rho[k, 1, 0, 1] = o      # i = 1 own (j = -1)
        rho[k, 0, 0, 1] = -u     # i = 1 other
    tr = _rho_tr(rho, prob)
    tr.steps = np.array([0, 1, 3, 10])
    return tr, _rg(beta=0.0, u_star=2.5, c1=0.1)


def test_b3_evaluate_parts_are_row_c_over_the_checkpoints_past_T1_star():
    # p = 0: a = 0, c4 = c5 = c6 = 1; X = eta ||x||^2 t/(nm) = t; u = eta ||x||^2/(nm) = 1; beta = 0.
    # Row c (proof's constants, e^eps = e^{c u e^{2beta}}):
    #   U+ = log(1 + t e^1),  U- = log(1 + g t e^{g}) / g,  L+ = log(1 + g t) / 2,  L- = g log(1 + t) / 2
    # (B.15): balance at t=3: min(1, .5)/(g^2 max) = .5/.25 = 2; t=10: 1.5/(.25*2) = 3 -> c3/2 = 0.05
    # (at t = 1 it would be .01/.25 = .04, giving 2.5: the part must skip t < T1*)
    tr, rg = _b3_setup()
    parts, f = P.b3_evaluate(tr, rg)
    e = math.e
    assert parts["(B.15)"] == pytest.approx(0.1 / 2, rel=1e-12)
    assert parts["U+"] == pytest.approx(max(1 / math.log1p(3 * e), 2 / math.log1p(10 * e)), rel=1e-12)
    assert parts["U-"] == pytest.approx(max(0.5 / (2 * math.log1p(1.5 * e ** 0.5)),
                                            1.5 / (2 * math.log1p(5 * e ** 0.5))), rel=1e-12)
    assert parts["L+"] == pytest.approx(max(math.log1p(1.5) / 2 / 1, math.log1p(5) / 2 / 2), rel=1e-12)
    assert parts["L-"] == pytest.approx(max(0.25 * math.log1p(3) / 0.5, 0.25 * math.log1p(10) / 1.5), rel=1e-12)
    assert f["T1"] == 3 and f["c3"] == 0.1 and f["a"] == 0.0
    assert np.array_equal(f["k"], [False, False, True, True])
    # as printed: only the two lower rates, with c6^-1 instead of (2 c6)^-1: twice the proof's
    pr, _ = P.b3_evaluate(tr, rg, printed=True)
    assert set(pr) == {"L+", "L-"}
    assert pr["L+"] == pytest.approx(2 * parts["L+"], rel=1e-12)
    assert pr["L-"] == pytest.approx(2 * parts["L-"], rel=1e-12)


def test_b3_evaluate_constants_c4_c5_c6_and_no_checkpoint_past_T1():
    # p = 0.0025: a = (n-1) p/(g^2 c1 Rmin^2) = 0.0025/(0.25 * 0.1) = 0.1; c4 = 1 - a = 0.9,
    # c5 = 1 - a/g = 0.8, c6 = 1 + a = 1.1 (row c)
    tr, rg = _b3_setup(p_data=0.0025)
    _, f = P.b3_evaluate(tr, rg)
    assert f["a"] == pytest.approx(0.1, rel=1e-12)
    assert (f["c4"], f["c5"], f["c6"]) == pytest.approx((0.9, 0.8, 1.1), rel=1e-12)
    tr.steps = np.array([0, 1, 2, 2])  # nothing at or past T1* = 3
    with pytest.raises(ValueError):
        P.b3_evaluate(tr, rg)


# ---------------------------------------------------------------------------------------------
# relu.py: Lemma E.1's logarithms
# ---------------------------------------------------------------------------------------------
def test_e1_log_is_the_lemmas_argument():
    # E.1 (paper lines 5835-5870): lower log(1 + eta |S_i(0)| ||x_i||^2 e^-beta t / (2 n m^2)),
    # upper log(1 + 2 eta |S_i(0)| ||x_i||^2 e^{2beta} t / (n m^2)); _e1_log(factor, e^..) is the
    # log(1 + factor eta |S_i(0)| ||x_i||^2 e^.. t / (n m^2)).
    # n = 2, m = 2, eta = 0.5, ||x|| = (1, 2), |S_i(0)| = (2, 1): eta |S| x2 / (n m^2) = 0.5*(2, 4)/8
    #   = (0.125, 0.25); factor 0.5, e^-beta = 1: a = (0.0625, 0.125); t = 8 (k selects it) -> (0.5, 1)
    A0 = np.array([[True, True], [True, False]])
    tr = NS(problem=NS(n=2, m=2, eta=0.5, data=NS(norms=np.array([1.0, 2.0]))), steps=np.array([0, 8, 16]))
    k = np.array([False, True, False])
    assert E._e1_log(tr, A0, k, 0.5, 1.0) == pytest.approx(np.array([[math.log(1.5), math.log(2.0)]]), rel=1e-14)
    # factor 2, e^{2beta} = 1.5: a = 2 * 1.5 * (0.125, 0.25) = (0.375, 0.75); at t = 8: (3, 6)
    assert E._e1_log(tr, A0, k, 2.0, 1.5) == pytest.approx(np.array([[math.log(4.0), math.log(7.0)]]), rel=1e-14)


# ---------------------------------------------------------------------------------------------
# conjectures.py: Q.1's spread and order, Q.2's KKT residual
# ---------------------------------------------------------------------------------------------
def test_normalised_margin_spread():
    tr = NS(margins=np.array([[2.0, 1.0, 4.0], [-1.0, -2.0, 0.0], [3.0, 3.0, 3.0]]))
    assert Q.normalised_margin_spread(tr, 0) == pytest.approx(0.75)  # (4 - 1) / 4
    assert Q.normalised_margin_spread(tr, 1) == math.inf             # max margin 0: undefined
    assert Q.normalised_margin_spread(tr, -1) == 0.0


def test_margin_order_settled_looks_only_from_the_fraction_on():
    steps = np.array([0, 1, 10, 100, 1000])  # since = 0.01 -> from step 10 (index 2) on
    settled = np.array([[9, 0, 1], [0, 9, 1], [1, 9, 0], [1, 5, 0], [2, 8, 0]], float)
    assert Q.margin_order_settled(NS(steps=steps, margins=settled))
    max_moves = settled.copy()
    max_moves[2] = [9, 1, 0]  # at step 10 the largest is point 0, at the end point 1
    assert not Q.margin_order_settled(NS(steps=steps, margins=max_moves))
    min_moves = settled.copy()
    min_moves[3] = [0, 5, 1]  # the smallest changes at step 100
    assert not Q.margin_order_settled(NS(steps=steps, margins=min_moves))
    assert Q.margin_order_settled(NS(steps=steps, margins=max_moves), since=0.1)  # from step 100 on


def _kkt_tr(W, X, y, gamma):
    # leaky network, m = 1: f(x) = sigma(<w_+, x>) - sigma(<w_-, x>)
    Z = np.einsum("jrd,id->jri", W, X)
    s = np.where(Z >= 0, Z, gamma * Z)
    f = s[0].sum(0) - s[1].sum(0)
    return NS(problem=NS(gamma=gamma, m=1, n=len(y), data=NS(X=X, y=y)), margins=(f * y)[None],
              preactivation=Z[None], weights=lambda k: W)


def test_kkt_residual_known_answers():
    X = np.eye(2)
    y = np.array([1.0, -1.0])
    W = np.array([[[1.0, -1.0]], [[-1.0, 1.0]]])
    # gamma = 1 (linear): margins both 2, W/2 = 0.5 (x1 - x2, -x1 + x2) = sum lambda_i y_i grad f(x_i)
    # with lambda = (0.5, 0.5) exactly: residual 0
    assert Q.kkt_residual(_kkt_tr(W, X, y, 1.0), 0) == pytest.approx(0.0, abs=1e-12)
    # gamma = 0.5: margins both 1 + g = 1.5; W/1.5 = (1, -1, -1, 1)/1.5 (flattened w_+, w_-);
    # grad of y_1 f: (1, 0, -g, 0), of y_2 f: (0, -g, 0, 1). Least squares in each pair:
    # lambda = (1 + g)/((1 + g^2)(1 + g)) = 0.8; residual pair (2/3 - 0.8, -2/3 + 0.4) = (-2/15, -4/15),
    # twice: ||res||^2 = 2 * 20/225 = 8/45; ||W/1.5|| = 2/1.5 = 4/3 -> sqrt(8/45) * 3/4 = sqrt(0.1)
    assert Q.kkt_residual(_kkt_tr(W, X, y, 0.5), 0) == pytest.approx(math.sqrt(0.1), rel=1e-9)
    # unequal margins (complementary slackness): gamma = 1, x2 = 2 e2: margins (2, 4), W/2 fits with
    # lambda = (0.5, 0.25), stationarity 0; sum lambda (q/qmin - 1) / sum lambda = 0.25 / 0.75 = 1/3
    assert Q.kkt_residual(_kkt_tr(W, np.diag([1.0, 2.0]), y, 1.0), 0) == pytest.approx(1 / 3, rel=1e-9)
    # a point with a non-positive margin: not scalable to a KKT point
    assert Q.kkt_residual(_kkt_tr(-W, X, y, 1.0), 0) == math.inf


# ---------------------------------------------------------------------------------------------
# relu_limits.py: F.3(b)'s three stable ranks (the decade machinery stubbed: only this helper's own
# arithmetic is under test)
# ---------------------------------------------------------------------------------------------
def test_f3b_values_increment_limit_and_distance(monkeypatch):
    from theorems.statements import relu_limits as RL

    # steps 0, 10, 100, 1000: the last decade starts at index 2 (0.1 T = 100). W(100) = V, W(1000) =
    # V + log(10) diag(2, 1): increment / log(T/T') = diag(2, 1), SR = (4 + 1)/4 = 1.25.
    # limit: [A_+; A_-] X^T = [[1, 0], [0, 1]] diag(3, 1) = diag(3, 1): SR = (9 + 1)/9 = 10/9;
    # limit_distance = |1.25 / (10/9) - 1| = 0.125; at_T = SR(W(T)) from the record's column 2.
    V = np.array([[[0.3, -0.2]], [[0.1, 0.4]]])  # (2, m=1, d=2)
    Wk = {2: V, 3: V + math.log(10) * np.array([[[2.0, 0.0]], [[0.0, 1.0]]]), 1: 0 * V}
    sr = np.zeros((4, 3))
    sr[-1] = [9.0, 8.0, 1.7]
    tr = NS(steps=np.array([0, 10, 100, 1000]), problem=NS(m=1, d=2), weights=lambda k: Wk[k], stable_rank=sr)
    monkeypatch.setattr(RL, "beta", lambda tr: 0.0)
    monkeypatch.setattr(RL, "f2_T", lambda p, b: 1.0)
    monkeypatch.setattr(RL, "decade_bracket", lambda tr, T: None)
    monkeypatch.setattr(RL, "sr_bracket", lambda br, A, Xt: None)
    monkeypatch.setattr(RL, "sr_position", lambda s, br: 0.3)
    monkeypatch.setattr(RL, "limit_coefficients", lambda tr: ([np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])],
                                                             np.diag([3.0, 1.0])))
    v = RL.f3b_values(tr)
    assert v["increment"] == pytest.approx(1.25, rel=1e-12)
    assert v["limit"] == pytest.approx(10 / 9, rel=1e-12)
    assert v["at_T"] == 1.7
    assert v["limit_distance"] == pytest.approx(0.125, rel=1e-10)
    assert v["consistency"] == 0.3
    assert v["decade"] == [100, 1000]
    # an undefined limit (the zero matrix: SR nan) makes both derived parts infinite
    monkeypatch.setattr(RL, "limit_coefficients", lambda tr: ([np.zeros((1, 2)), np.zeros((1, 2))], np.eye(2)))
    v = RL.f3b_values(tr)
    assert v["consistency"] == math.inf and v["limit_distance"] == math.inf
