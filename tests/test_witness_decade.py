"""The last decade's derived bracket (theorems/statements/decade.py), part by part."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorems.statements import decade as Dc


def iterate(kappa, u0, steps):
    u = u0
    for _ in range(steps):
        u += kappa / (1.0 + math.exp(u))
    return u


@settings(max_examples=60, deadline=None)
@given(kappa=st.floats(1e-4, 0.7), u0=st.floats(-3.0, 8.0), steps=st.integers(0, 3000))
def test_margin_bracket_contains_the_recursion(kappa, u0, steps):
    lo, hi = Dc.margin_bracket(kappa, u0, steps)
    u = iterate(kappa, u0, steps)
    assert lo - 1e-12 * (1 + abs(u)) <= u <= hi + 1e-12 * (1 + abs(u))
    # and it is tight: the upper end exceeds the lower by at most c (hi - u0) / (e^lo + 1 - c)
    c = kappa * math.exp(kappa) / 2
    assert hi - lo <= c * (hi - u0) / (math.exp(lo) + 1 - c) + 1e-12


def test_margin_bracket_lower_end_is_the_continuous_solution_and_edge_cases():
    # G(u_lo) = G(u0) + kappa N exactly
    lo, hi = Dc.margin_bracket(0.01, 1.0, 1000)
    assert math.exp(lo) + lo == pytest.approx(math.exp(1.0) + 1.0 + 10.0, rel=1e-14)
    assert Dc.margin_bracket(0.3, 2.0, 0) == (2.0, 2.0)
    with pytest.raises(ValueError):
        Dc.margin_bracket(2.0, 0.0, 10)  # kappa e^kappa / 2 >= 1: outside the derivation
    with pytest.raises(ValueError):
        Dc.margin_bracket(0.0, 0.0, 10)


def test_margin_bracket_excludes_a_slower_or_faster_recursion():
    """A 1% slower or faster dynamics (a fault that scales l' or the step) lands outside."""
    kappa, u0, N = 0.02, 0.5, 20000
    lo, hi = Dc.margin_bracket(kappa, u0, N)
    assert iterate(0.99 * kappa, u0, N) < lo
    assert iterate(1.01 * kappa, u0, N) > hi


def bracket(D, eps, judged=None, contra=None, lo=None, hi=None):
    D = np.asarray(D, float)
    n = len(D)
    eps = np.asarray(eps, float)
    return Dc.DecadeBracket(D, np.asarray(lo if lo is not None else D - 1e-6, float),
                            np.asarray(hi if hi is not None else D + 1e-6, float), eps,
                            np.ones(n, bool) if judged is None else np.asarray(judged),
                            np.zeros(n, bool) if contra is None else np.asarray(contra), (10, 100), ())


def test_decade_witness_one_point_just_outside_its_bracket():
    # brackets [D -+ 1e-6]: positions are |D - mid| / (1e-6 + roundoff)
    br = bracket([1.01, 1.0, 0.995], [0.02, 0.01, 0.01], lo=[1.01 - 1e-6, 1.0, 0.995 - 1e-6],
                 hi=[1.01 + 1e-6, 1.0 + 2e-6, 0.995 + 1e-6])
    w, ok = Dc.decade_witness(br)  # the middle point sits on its lower end: position 1/(1 + 1e-3)
    assert ok and w == pytest.approx(1.0 / (1 + 1e-3))
    br = bracket([1.01, 1.0 - 1e-7, 0.995], [0.02, 0.01, 0.01], lo=[1.01 - 1e-6, 1.0, 0.995 - 1e-6],
                 hi=[1.01 + 1e-6, 1.0 + 2e-6, 0.995 + 1e-6])  # the middle point alone, 1e-7 below its bracket
    w, ok = Dc.decade_witness(br)
    assert not ok and w == pytest.approx(1.1e-6 / (1e-6 + 1e-9))
    # a D closer to the limit than its bracket allows fails too (both ends matter)
    br = bracket([1.0], [0.5], lo=[0.5], hi=[0.5 + 1e-6])
    assert Dc.decade_witness(br)[1] is False and abs(br.D[0] - 1) <= br.eps[0]


def test_decade_witness_never_passes_vacuously_or_against_F2():
    assert Dc.decade_witness(bracket([1.0, 1.0], [0.1, 0.1], judged=[False, False])) == (math.inf, False)
    br = bracket([1.0, 1.0], [0.1, 0.1], judged=[True, False], contra=[False, True])
    assert Dc.decade_witness(br) == (math.inf, False)
    # an unjudged point before F.2's T is skipped, the judged one decides
    w, ok = Dc.decade_witness(bracket([1.0, 5.0], [0.1, 0.1], judged=[True, False]))
    assert ok and w == 0.0


def test_decade_details_report_the_limit_distance():
    br = bracket([1.0, 1.02], [0.1, 0.1], lo=[0.99, 1.0], hi=[1.01, 1.01])
    d = Dc.decade_details(br)
    assert d["judged"] == 2 and d["decade"] == [10, 100]
    assert d["limit_distance"] == [0.0, pytest.approx(0.02)] and d["eps"] == [0.1, 0.1]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), width=st.floats(1e-7, 1e-2))
def test_sr_bracket_covers_every_scaling_in_the_box(seed, width):
    rng = np.random.default_rng(seed)
    m, n, d = 7, 5, 9
    A = np.where(rng.random((m, n)) < 0.5, rng.uniform(1, 3, (m, n)), 0.0)
    Q, _ = np.linalg.qr(rng.standard_normal((d, n)))
    Xt = (Q.T / rng.uniform(0.5, 2.0, n)[:, None])  # orthogonal rows, unequal norms
    center = rng.uniform(0.9, 1.1, n)
    lo, hi = center * (1 - width), center * (1 + width)
    br = bracket(center, np.full(n, 0.1), lo=lo, hi=hi)
    b = Dc.sr_bracket(br, A, Xt)
    for s in (lo, hi, rng.uniform(lo, hi), rng.uniform(lo, hi)):
        assert Dc.sr_position(Dc.stable_rank((A * s[None, :]) @ Xt), b) <= 1 + 1e-9
    # a scaling outside the box by more than the box's width lands outside (when SR moves at all)
    s_out = center.copy()
    s_out[0] *= (1 + 50 * width)
    sr_out = Dc.stable_rank((A * s_out[None, :]) @ Xt)
    if abs(math.log(sr_out / Dc.stable_rank((A * center[None, :]) @ Xt))) > 2 * b[1]:
        assert Dc.sr_position(sr_out, b) > 1


def test_sr_bracket_edge_cases():
    A = np.array([[1.0, 0.0], [0.0, 2.0]])
    Xt = np.eye(2)
    assert Dc.sr_position(1.7, Dc.sr_bracket(bracket([1.0, 1.0], [0.1, 0.1]), np.zeros((2, 2)), Xt)) == 0.0
    assert Dc.sr_bracket(bracket([1.0, 1.0], [0.1, 0.1], judged=[True, False]), A, Xt) is None
    assert Dc.sr_position(1.0, None) == math.inf  # nothing derived: never passes
    # a zero column's point need not be judged
    A1 = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert Dc.sr_bracket(bracket([1.0, 1.0], [0.1, 0.1], judged=[True, False]), A1, Xt) is not None
    # the width is log(rho^4), rho = max D_hi/D_lo
    mid, width = Dc.sr_bracket(bracket([1.2, 1.2], [0.1, 0.1], lo=[1.2, 1.2], hi=[1.2 * 1.001, 1.2 * 1.001]), A, Xt)
    assert width == pytest.approx(4 * math.log(1.001)) and mid == pytest.approx(Dc.stable_rank(A))




def test_decade_bracket_on_a_real_run(orthogonal_run):
    """Every point frozen by T/10; the measured D inside its derived bracket; eps about
    log(kappa T)/(kappa T)-small and the witness below but near 1 (the bracket is tight)."""
    from theorems.statements.relu import _f2_T

    tr = orthogonal_run
    br = Dc.decade_bracket(tr, _f2_T(tr.problem, tr))
    assert br.judged.all() and not br.contradicts_F2.any() and br.why == ()
    assert np.all(br.D >= br.D_lo - 1e-9) and np.all(br.D <= br.D_hi + 1e-9)
    assert np.all(br.D_hi - br.D_lo < 1e-2 * br.eps)
    w, ok = Dc.decade_witness(br)
    assert ok and w <= 1.0
    assert np.all(np.abs(br.D - 1) <= br.eps)


def test_decade_bracket_skips_a_point_that_switches_late(orthogonal_run):
    """A point whose pattern changes after T' (here: a forged last_switch) is not judged; past F.2's T
    it contradicts Lemma F.2 and the witness is inf."""
    import copy

    tr = copy.copy(orthogonal_run)
    tr.running = {k: v.copy() for k, v in orthogonal_run.running.items()}
    T0 = int(tr.steps[np.searchsorted(tr.steps, 0.1 * tr.steps[-1])])
    tr.running["last_switch"][0, 0, 2] = T0 + 1
    br = Dc.decade_bracket(tr, T_F2=math.inf)
    assert not br.judged[2] and br.judged[[0, 1, 3]].all() and not br.contradicts_F2.any()
    assert "i = 2" in br.why[0]
    br = Dc.decade_bracket(tr, T_F2=0.0)
    assert br.contradicts_F2[2] and Dc.decade_witness(br) == (math.inf, False)


def test_decade_bracket_judges_nothing_on_leaky_relu(orthogonal_run):
    """(*) is ReLU's: with gamma > 0 inactive neurons move, so no point is judged and the witness is inf."""
    import copy

    tr = copy.copy(orthogonal_run)
    tr.problem = orthogonal_run.problem.replace(gamma=0.1)
    br = Dc.decade_bracket(tr, T_F2=0.0)
    assert not br.judged.any() and "gamma" in br.why[0]
    assert Dc.decade_witness(br) == (math.inf, False) and Dc.eps_range(br) == "none judged"
