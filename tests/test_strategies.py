"""The strategies construct what they promise: every generated example meets its theorem's
conditions (and every control example breaks the hypothesis it names)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from theorems import conditions as cond
from theorems import strategies as S
from theorems.constants import R_MAX

FAST = settings(max_examples=60, deadline=None)


@FAST
@given(S.leaky_problems())
def test_leaky_problems_meet_theorem_41(p):
    c = S.meets_conditions(p)
    assert c.theorem == "Theorem 4.1" and c.holds, c.describe()
    assert p.data.R <= R_MAX.value * (1 + 1e-12)


@FAST
@given(S.relu_problems())
def test_relu_problems_meet_theorem_43(p):
    c = S.meets_conditions(p)
    assert c.theorem == "Theorem 4.3" and c.holds, c.describe()
    assert p.data.R <= R_MAX.value * (1 + 1e-12)


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
