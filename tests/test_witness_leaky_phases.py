"""Every witness of theorems/statements/leaky_phases.py (Lemmas B.2, B.3, B.3 as printed, B.4, D.2)
on hand-made arrays with known answers: a violation at one step only, at one neuron only, just past
T1, a rate just above and just below its bound; the derived constants pinned to their formulas; and
each check run once on a small problem (holding), and on its control inputs' wrappers."""

import math

import numpy as np
import pytest

import sim
from theorems import conditions as cond
from theorems import constants as K
from theorems import strategies as S
from theorems.statements import leaky_phases as P


# ---------------------------------------------------------------------------------------------
# the derived constants, pinned to their formulas
# ---------------------------------------------------------------------------------------------
def test_b2_constants_are_the_early_floor_over_R2_and_its_sharp_form():
    beta, g, R, q, u = 0.01, 0.5, 1.5, 0.02, 0.3
    ct = 1 / (1 + math.exp((1 + g) * (beta + u * (1 + q))))
    assert K.b2_c2(beta, g, R, q, u) == pytest.approx(ct / R ** 2, rel=1e-14)
    assert K.b2_c2_sharp(beta, g, R, q, u) == pytest.approx(ct / (1 - ct) / R ** 2, rel=1e-14)
    assert K.b2_c2_sharp(0.0, g, 1.0, 0.0, 0.0) == pytest.approx(1.0)  # the limit: c~ = 1/2


def test_b3_cross_ratio_uses_the_n_minus_1_other_points():
    assert K.b3_cross(0.5, 0.1, 5, 1e-3, 2.0) == pytest.approx(4 * 1e-3 / (0.25 * 0.1 * 4.0))
    assert K.b3_cross(0.5, 0.1, 1, 1e-3, 2.0) == 0.0


def test_b3_rates_match_row_c_and_the_printed_lower_rates_are_twice_the_proofs():
    g, beta, eta, n, m, a = 0.6, 0.02, 0.3, 4, 3, 0.05
    x2 = np.array([1.0, 2.25])
    t = np.array([10.0, 1e4])
    r = K.b3_rates(t, x2, g, beta, eta, n, m, a)
    X = eta * x2[None, :] * t[:, None] / (n * m)
    u = eta * x2[None, :] / (n * m)
    c4, c5, c6 = 1 - a, 1 - a / g, 1 + a
    e2, em = math.exp(2 * beta), math.exp(-(1 + g) * beta)
    np.testing.assert_allclose(r["U+"], np.log1p(c4 * X * e2 * np.exp(c4 * u * e2)) / c4, rtol=1e-14)
    np.testing.assert_allclose(r["U-"], np.log1p(g * c5 * X * e2 * np.exp(g * c5 * u * e2)) / (g * c5), rtol=1e-14)
    np.testing.assert_allclose(r["L+"], np.log1p(g * c6 * X * em) / (2 * c6), rtol=1e-14)
    np.testing.assert_allclose(r["L-"], g * np.log1p(c6 * X * em) / (2 * c6), rtol=1e-14)
    pr = K.b3_rates(t, x2, g, beta, eta, n, m, a, printed=True)
    np.testing.assert_allclose(pr["L+"], 2 * r["L+"], rtol=1e-14)
    np.testing.assert_allclose(pr["L-"], 2 * r["L-"], rtol=1e-14)
    # outside the regime (c4, c5 <= 0) the upper rates give no bound
    bad = K.b3_rates(t, x2, g, beta, eta, n, m, 1.2)
    assert np.isinf(bad["U+"]).all() and np.isinf(bad["U-"]).all()


def test_d2_bound_matches_row_f():
    T1, tau, beta, g, a1, eta, n, m = 5, 50.0, 0.01, 0.5, 0.1, 0.2, 3, 4
    x2 = np.array([1.0, 1.44, 2.25])
    t = np.array([5.0, 105.0, 1e5])
    b = K.d2_bound(t, T1, tau, beta, g, a1, eta, x2, n, m)
    Ci = (1 + g) * ((1 + a1) * (T1 / tau) + beta)
    c = (1 + g ** 2) * (1 + a1) * eta * x2 * math.exp(-Ci) / (2 * n * m)
    want = math.exp((1 + g) * beta) * np.mean((1 + c[None] * (t[:, None] - T1)) ** (-(1 - a1) / (1 + a1)), axis=1)
    np.testing.assert_allclose(b, want, rtol=1e-14)
    assert b[0] == pytest.approx(math.exp((1 + g) * beta))  # at T1 the bound is e^{(1+g) beta}


# ---------------------------------------------------------------------------------------------
# B.2: per-neuron ratio at every step up to T1
# ---------------------------------------------------------------------------------------------
def _rho(K_=6, m=3, n=4, v=1.0):
    rho = np.full((K_, 2, m, n), v)
    rho[0] = 0.0  # t = 0
    return np.arange(K_), rho


def test_neuron_ratio_sees_one_neuron_and_is_nan_when_all_zero():
    steps, rho = _rho()
    r = P.neuron_ratio_of(rho)
    assert np.isnan(r[0]) and np.allclose(r[1:], 1.0)
    rho[2, 1, 2, 3] = -0.25  # one neuron, one point, one step (|.| is used)
    rho[4, 0, 0, 0] = 4.0  # one large coefficient elsewhere
    r = P.neuron_ratio_of(rho)
    assert r[2] == pytest.approx(0.25) and r[4] == pytest.approx(0.25) and r[3] == pytest.approx(1.0)


def test_b2_witness_one_step_only_and_just_past_T1():
    steps, rho = _rho(K_=8)
    g = 0.5
    rho[3, 0, 1, 2] = 0.1  # a violation at step 3 only
    w, t = P.b2_witness(steps, rho, g, T1=5)
    assert w == pytest.approx(0.1 / g) and t == 3
    steps, rho = _rho(K_=8)
    rho[6, 0, 1, 2] = 1e-3  # just past T1 = 5: not part of the lemma
    w, t = P.b2_witness(steps, rho, g, T1=5)
    assert w == pytest.approx(1 / g)
    w, t = P.b2_witness(steps, rho, g, T1=6)  # at T1 = 6 it is
    assert w == pytest.approx(1e-3 / g) and t == 6


def test_b2_witness_refuses_a_missing_step():
    steps, rho = _rho(K_=8)
    keep = steps != 3
    with pytest.raises(ValueError, match="every step"):
        P.b2_witness(steps[keep], rho[keep], 0.5, T1=5)


# ---------------------------------------------------------------------------------------------
# B.3: the parts
# ---------------------------------------------------------------------------------------------
def _rates(K_=3, n=2, up=2.0, um=1.0, lp=0.5, lm=0.25):
    return {"U+": np.full((K_, n), up), "U-": np.full((K_, n), um), "L+": np.full((K_, n), lp),
            "L-": np.full((K_, n), lm)}


@pytest.mark.parametrize("eps", [1e-3, -1e-3])
def test_b3_parts_rate_just_above_and_just_below(eps):
    K_, n = 3, 2
    P_, U_ = np.ones((K_, n)), np.full((K_, n), 0.5)
    bal = np.full(K_, 1.0)
    base = P.b3_parts(bal, 0.1, P_, U_, _rates())
    assert base == pytest.approx({"(B.15)": 0.1, "U+": 0.5, "U-": 0.5, "L+": 0.5, "L-": 0.5})
    # U+ just above / below the coefficients at one checkpoint, one point
    r = _rates()
    r["U+"][1, 0] = 1.0 - eps
    assert P.b3_parts(bal, 0.1, P_, U_, r)["U+"] == pytest.approx(1 / (1 - eps))
    # L- just above / below at one checkpoint
    r = _rates()
    r["L-"][2, 1] = 0.5 * (1 + eps)
    parts = P.b3_parts(bal, 0.1, P_, U_, r)
    assert parts["L-"] == pytest.approx(1 + eps)
    assert (parts["L-"] > 1) == (eps > 0)
    assert P.worst_part(parts)[0] == "L-"
    # (B.15): c3 over the smallest balance ratio, at one checkpoint
    b = bal.copy()
    b[1] = 0.1 * (1 - eps)
    assert P.b3_parts(b, 0.1, P_, U_, _rates())["(B.15)"] == pytest.approx(1 / (1 - eps))


def test_b3_parts_one_part_alone():
    K_, n = 2, 2
    P_, U_ = np.ones((K_, n)), np.ones((K_, n))
    for part, r in (("U+", _rates(K_, up=0.9)), ("U-", _rates(K_, um=0.9)), ("L+", _rates(K_, lp=1.1)),
                    ("L-", _rates(K_, lm=1.1))):
        parts = P.b3_parts(np.ones(K_), 0.1, P_, U_, r)
        assert [k for k, v in parts.items() if v > 1] == [part]
        assert P.worst_part(parts)[0] == part


# ---------------------------------------------------------------------------------------------
# B.4: per-neuron ratio against (B.8)'s ratio
# ---------------------------------------------------------------------------------------------
def test_b4_witness_known_value_and_premise_count():
    g, c1 = 0.5, 0.2
    steps, rho = _rho(K_=4, m=2, n=2)
    # t = 1..3: all |rho| = 1: neuron ratio 1/g^4 = 16, balance 1/g^2 = 4: witness 4
    r = P.b4_witness(steps, rho, g, c1)
    assert r["witness"] == pytest.approx(4.0) and r["premise_steps"] == 3 and r["steps_checked"] == 3
    assert r["c1_form"] == pytest.approx(16 / c1)
    # one neuron at one step far below: min|rho| = 0.01 at t = 2; sums there 1.01 and 2
    rho[2, 1, 0, 1] = 0.01
    r = P.b4_witness(steps, rho, g, c1)
    nr, b = 0.01 / g ** 4, (1.01 / 2) / g ** 2
    assert r["t"] == 2 and r["witness"] == pytest.approx(nr / b)
    assert r["witness"] < 1  # such an array cannot come from GD with slope g (the lemma's proof)
    # (B.8) with c1 = 0.2 holds there too (balance 2.02 >= 0.2); with c1 = 3 it does not
    assert P.b4_witness(steps, rho, g, 3.0)["premise_steps"] == 2


def test_b4_holds_on_any_array_the_proof_allows():
    """|rho_{j,r,i}| in [g A_i, A_i] for every (j, r) (the proof's only fact) implies witness >= 1."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        g = rng.uniform(0.05, 0.99)
        m, n = rng.integers(1, 5), rng.integers(2, 6)
        A = rng.uniform(0.1, 10.0, size=(1, 1, 1, n))
        rho = A * rng.uniform(g, 1.0, size=(1, 2, m, n)) * rng.choice((-1.0, 1.0), size=(1, 2, m, n))
        rho = np.concatenate([np.zeros_like(rho), rho])
        assert P.b4_witness(np.arange(2), rho, g, 0.1)["witness"] >= 1.0 - 1e-12


# ---------------------------------------------------------------------------------------------
# D.2
# ---------------------------------------------------------------------------------------------
def test_d2_witness_one_checkpoint_and_before_T1():
    steps = np.array([0, 1, 2, 5, 10, 100])
    bound = np.full(6, 1.0)
    loss = np.full(6, 0.5)
    loss[1] = 5.0  # before T1 = 2: not part of the lemma
    assert P.d2_witness(steps, loss, bound, 2) == (0.5, 2)
    loss[4] = 1.001  # just above at one checkpoint after T1
    w, t = P.d2_witness(steps, loss, bound, 2)
    assert w == pytest.approx(1.001) and t == 10
    loss[4] = 0.999
    assert P.d2_witness(steps, loss, bound, 2)[0] == pytest.approx(0.999)
    with pytest.raises(ValueError):
        P.d2_witness(steps, loss, bound, 101)


# ---------------------------------------------------------------------------------------------
# the checks on one small problem, and on their control wrappers
# ---------------------------------------------------------------------------------------------
def _problem(steps=400, dense=60, gamma=0.5, m=3, n=4):
    data = sim.orthogonal(n, n + 90, norms=np.linspace(1.0, 1.4, n), seed=3)
    Cd = S.leaky_C(data.R, gamma, m, n)
    eta = cond.eta_max(data, m, C=Cd["step"])
    sigma0 = cond.sigma0_max(data, m, gamma, C=Cd["sigma0"]) * (1 - 1e-9)
    p = sim.Problem(data, m=m, eta=eta, sigma0=sigma0, steps=steps, gamma=gamma, seed=0,
                    extra_checkpoints=tuple(range(0, dense + 1)))
    return p.replace(seed=S.a1_event_seed(p)[0])


def test_checks_hold_on_a_small_problem():
    p = _problem()
    for check in (P.check_B2, P.check_B2_sharp, P.check_B3, P.check_B4, P.check_D2):
        ev = check(p)
        assert ev.holds, ev.summary
    assert P.check_B4(_problem(steps=60)).details["premise_steps"] == 60


def test_control_wrappers_judge_one_part_and_the_claimed_slope():
    p = _problem()
    full = P.check_B3(p)
    for part in P.B3_PARTS:
        ev = P.check_B3(P.OnePart(p, part))
        assert ev.witness == pytest.approx(full.details["parts"][part]) and "alone" in ev.summary
    # the network runs with slope 0.05 while the lemma claims 0.9: B.4 must fail on this input
    q = _problem(steps=60, gamma=0.05)
    ev = P.check_B4(P.SlopeClaim(q, 0.9))
    assert not ev.holds and ev.details["gamma_lemma"] == 0.9
