"""The strategies construct what they promise: every generated example meets its theorem's
conditions (and every control example breaks the hypothesis it names)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorems import conditions as cond
from theorems import strategies as S

FAST = settings(max_examples=60, deadline=None)


@FAST
@given(S.leaky_problems())
def test_leaky_problems_meet_theorem_41(p):
    c = S.meets_conditions(p)
    assert c.theorem == "Theorem 4.1" and c.holds, c.describe()
    assert p.data.R <= S.R_MAX_LEAKY * (1 + 1e-12)  # leaky: R up to 3 (issue 10)


@FAST
@given(S.relu_problems())
def test_relu_problems_meet_theorem_43(p):
    from theorems.constants import R_MAX_RELU

    c = S.meets_conditions(p)
    assert c.theorem == "Theorem 4.3" and c.holds, c.describe()
    assert p.data.R <= R_MAX_RELU.value * (1 + 1e-12)  # the ReLU search goes to R = 3


@FAST
@given(S.relu_problems(orthogonal=True))
def test_orthogonal_data_is_exactly_orthogonal(p):
    assert p.data.p == 0.0


@FAST
@given(S.with_large_sigma0(S.leaky_problems()))
def test_large_sigma0_breaks_only_the_init_condition(p):
    c = S.meets_conditions(p)
    assert c.failing() == ["init"], c.describe()


@FAST
@given(S.with_large_eta(S.relu_problems()))
def test_large_eta_breaks_only_the_step_condition(p):
    assert S.meets_conditions(p).failing() == ["step"]


@FAST
@given(st.one_of(S.with_correlated_data(S.relu_problems()), S.with_correlated_data(S.leaky_problems())))
def test_correlated_data_breaks_only_the_data_condition(p):
    c = S.meets_conditions(p)
    assert c.failing() == ["data"] and c["data"].factor < 0.1, c.describe()


@FAST
@given(S.with_relu(S.leaky_problems()))
def test_relu_control_is_relu(p):
    assert p.gamma == 0.0


@FAST
@given(st.data())
def test_nearly_orthogonal_data_stays_within_p_max(data):
    """The drawn p never exceeds the largest p that (B.2) allows for the drawn norms."""
    g = data.draw(st.floats(0.05, 0.95))
    d = data.draw(S.nearly_orthogonal_data(p_max_fn=lambda Rmin, R, n: cond.max_p_leaky(Rmin, R, n, g),
                                           orthogonal=False))
    pmax = cond.max_p_leaky(d.Rmin, d.R, d.n, g)
    assert 0 <= d.p <= pmax



@FAST
@given(S.leaky_problems(limit=True), S.relu_problems(limit=True))
def test_limit_statements_get_horizons_limit_scale_times_longer(leaky, relu):
    """``limit=True`` (the limit and rate statements) multiplies the horizon by
    ``LIMIT_HORIZON_SCALE`` (10 in ci) on top of the profile's scale, capped at ``MAX_STEPS_LIMIT``."""
    import math

    from theorems.profiles import horizon_scale, limit_horizon_scale

    for p, tau, R in ((leaky, 400.0, leaky.data.Rmax), (relu, 300.0, relu.data.Rmin)):
        unit = p.n * p.m / (p.eta * R ** 2)
        want = min(S.MAX_STEPS_LIMIT, math.ceil(tau * horizon_scale() * limit_horizon_scale() * unit))
        assert p.steps == want
        assert S._steps(p.data, p.m, p.eta, tau, R) == min(S.MAX_STEPS, math.ceil(tau * horizon_scale() * unit))


# ---------------------------------------------------------------------------------------------
# leaky: inputs inside the proofs' events, and the breadth of the search (issue 10, items 1-2)
# ---------------------------------------------------------------------------------------------
@FAST
@given(S.leaky_problems(n_range=(2, 32)))
def test_leaky_problems_meet_the_derived_conditions_and_A1(p):
    """Every leaky example meets Theorem 4.1's conditions with the derived, R-dependent C of each
    condition (and so with C = 20), Lemma A.1's dimension condition, and its init lies inside
    A.1's event; the proofs' constants exist on it (B.5's window is non-empty, kappa_B < 1)."""
    assert cond.conditions_leaky_derived(p).holds, cond.conditions_leaky_derived(p).describe()
    assert S.meets_conditions(p).holds
    assert cond.conditions_A1(p.d, p.m, p.n).holds
    assert cond.a1_event(p).holds, cond.a1_event(p).describe()
    rg = cond.leaky_regime_of(p)
    assert rg.ok and rg.kappa_B <= 0.5 and rg.kappa < 1, rg
    assert p.data.R <= S.R_MAX_LEAKY * (1 + 1e-12)


@FAST
@given(st.data())
def test_adversarial_gram_has_every_sign_against_the_labels(data):
    n = data.draw(st.integers(2, 32))
    a = data.draw(S.leaky_norms(n))
    n_pos = data.draw(S.labels_n_pos(n))
    p = data.draw(st.floats(0.0, 0.99)) * a.min() ** 2 / (n - 1)
    ds = S.adversarial_gram_data(a, n + 3, n_pos, p, 0)
    G = ds.gram
    off = ~np.eye(n, dtype=bool)
    assert np.allclose(np.abs(G[off]), p, atol=1e-12 * a.max() ** 2)
    assert np.allclose((np.outer(ds.y, ds.y) * G)[off], -p, atol=1e-12 * a.max() ** 2)


def test_leaky_search_reaches_its_corners():
    """n = 32, R = 3, m = 1, gamma = 0.95, every factor at its bound, and the adversarial Gram are
    all drawn (found by Hypothesis's find)."""
    from hypothesis import find

    s = settings(max_examples=500, deadline=None, database=None, derandomize=True)
    strat = S.leaky_problems(n_range=(2, 32))
    assert find(strat, lambda p: p.n == 32, settings=s).n == 32
    assert find(strat, lambda p: p.data.R >= 3 - 1e-9, settings=s)
    assert find(strat, lambda p: p.m == 1 and p.gamma == 0.95, settings=s)
    assert find(strat, lambda p: p.data.name == "adversarial_gram" and p.data.p > 0, settings=s)
    for kind in S.leaky_corners():
        assert cond.conditions_leaky_derived(kind).holds and cond.a1_event(kind).holds


def test_A1_strategy_meets_its_dimension_condition():
    from hypothesis import find

    from theorems.statements.preliminaries import a1_experiments

    @FAST
    @given(a1_experiments())
    def inner(ex):
        assert cond.conditions_A1(ex.problem.d, ex.problem.m, ex.problem.n).holds

    inner()
    assert find(a1_experiments(d_range=(1, 3)),
                lambda ex: not cond.conditions_A1(ex.problem.d, ex.problem.m, ex.problem.n).holds)


# ---------------------------------------------------------------------------------------------
# ReLU (Sections E-G): inputs inside the events the proofs use
# ---------------------------------------------------------------------------------------------
from theorems.constants import R_MAX_RELU  # noqa: E402

RELU_FAST = settings(max_examples=40, deadline=None)


def _assert_relu_inside_events(p):
    c = S.meets_conditions(p)
    assert c.theorem == "Theorem 4.3" and c.holds, c.describe()
    assert cond.conditions_A1(p.d, p.m, p.n).holds, (p.d, p.m, p.n)  # A.1's d condition
    ev = S.init_in_event(p)  # A.1 and A.2 hold for this init (Sections E-G use both)
    assert ev.holds, ev.describe()
    assert p.data.R <= R_MAX_RELU.value * (1 + 1e-12)


@RELU_FAST
@given(S.relu_problems())
def test_relu_problems_lie_in_the_A1_A2_event_and_the_proof_regime(p):
    _assert_relu_inside_events(p)
    assert p.data.p <= cond.max_p_relu_proof(p.data.Rmin, p.data.R, p.n, p.m) * (1 + 1e-9)
    from theorems.statements.relu import e1_constants

    b = float(abs(p.init_weights() @ p.data.X.T).max())
    assert math.isfinite(e1_constants(p.n, p.data.p, p.data.Rmin, p.data.R, b)["c1"])


@RELU_FAST
@given(S.standard_basis_relu_problems())
def test_standard_basis_problems_lie_in_the_A1_A2_event(p):
    _assert_relu_inside_events(p)


@RELU_FAST
@given(S.relu_problems(orthogonal=True, f2_window=True))
def test_f2_problems_have_beta_inside_the_window_where_T_exists(p):
    from theorems.statements.relu import f2_u

    b = float(abs(p.init_weights() @ p.data.X.T).max())
    assert b < cond.f2_beta_window(p.data.R) and math.isfinite(f2_u(b, p.data.R))


def test_relu_search_reaches_its_corners():
    """n = 32, R = 3, every Gram pattern, and each fraction at its bound appear in the search."""
    from hypothesis import find

    find(S.relu_problems(n_range=(32, 32)), lambda p: p.n == 32, settings=settings(max_examples=50, database=None))
    find(S.relu_problems(), lambda p: p.data.R > 2.99, settings=settings(max_examples=100, database=None))
    for pat in ("adversarial", "aligned", "random_signs"):
        find(S.relu_problems(orthogonal=False, n_range=(4, 8)), lambda p: p.data.name == f"gram_{pat}",
             settings=settings(max_examples=100, database=None))


def test_adversarial_gram_pattern_sets_every_cross_term_against_the_labels():
    import numpy as np

    d = S.gram_pattern_data(np.array([1.0, 1.2, 1.1, 1.0]), 8, 2, 0.01, "adversarial", seed=3)
    G, y = d.gram, d.y
    off = ~np.eye(4, dtype=bool)
    assert np.allclose((np.outer(y, y) * G)[off], -0.01)


@FAST
@given(st.integers(2, 32), st.floats(0.05, 0.9))
def test_A2_width_and_C_width_role(n, delta):
    """C's width role (DERIVED-CONSTANTS row m): m >= 50(1 + log 2/log(n/delta)) log(n/delta) is A.2's
    50 log(2n/delta), and 50(1 + log 2/log(n/delta)) <= C_width = 100 once n/delta >= 2."""
    from theorems.constants import C_WIDTH_E

    if n / delta < 2:
        return
    c = 50 * (1 + math.log(2) / math.log(n / delta))
    assert c * math.log(n / delta) == pytest.approx(50 * math.log(2 * n / delta))
    assert c <= C_WIDTH_E.value
