"""The witness helpers of the conjectures Q.2, Q.3, Q.5 and Q.6 on hand-made inputs with known
answers: decade edges and checkpoints, switch counts split by class (own-class recruitments,
other-class deactivation vs chattering), the last switch inside a decade, entries falling silent,
and the 1/log^2 t and power-of-t fits of the stable-rank gap."""

import math

import numpy as np
import pytest

import sim
from theorems.statements import conjectures as Q
from theorems.statements import conjectures_new as N

# m = 1, n = 2, y = (+1, -1): entries (j index, r, i); j index 0 is j = +1
#   (0, 0, 0): own class, off at t = 0      (0, 0, 1): other class, on at t = 0
#   (1, 0, 0): other class, on at t = 0     (1, 0, 1): own class, on at t = 0
Y = np.array([1.0, -1.0])
Z0 = np.array([[[-1.0, 0.5]], [[0.2, 1.0]]])


def cum(a, b, c, d):
    """Cumulative switch counters for the entries (0,0,0), (0,0,1), (1,0,0), (1,0,1)."""
    return np.array([[[a, b]], [[c, d]]], dtype=np.int64)


CUMS = [cum(1, 1, 0, 0), cum(1, 5, 1, 2), cum(3, 9, 3, 2)]


def test_decade_edges_and_checkpoints():
    assert Q.decade_edges(6000, 3) == [6, 60, 600, 6000]
    assert Q.decade_edges(60001, 2) == [600, 6000, 60001]
    assert Q.decade_checkpoints(1000, 2) == (10, 100, 1000)
    assert Q.decade_checkpoints(5, 2) == (0, 5)  # edges below 1 collapse to 0


def test_switch_counts_split_by_class():
    c = Q.switch_counts(CUMS, Z0, Y)
    assert c["own"].tolist() == [1, 2, 2]
    # own (0,0,0) off at 0: 1, 1, 3 switches -> 1, 1, 2 recruitments; (1,0,1) on: 0, 2, 2 -> 0, 1, 1
    assert c["own_recruit"].tolist() == [1, 1, 1]
    assert c["other"].tolist() == [1, 5, 6]
    # both other-class entries start on: each one's first switch is its deactivation, not chattering
    assert c["other_chatter"].tolist() == [0, 4, 6]
    assert c["chattering_entries"].tolist() == [0, 1, 2]
    ec = c["entry_chatter"]
    assert ec.shape == (3, 2, 1, 2)
    assert ec[:, 0, 0, 1].tolist() == [0, 4, 4] and ec[:, 1, 0, 0].tolist() == [0, 0, 2]
    assert ec[:, 0, 0, 0].tolist() == [0, 0, 0] and ec[:, 1, 0, 1].tolist() == [0, 0, 0]


def test_switch_counts_other_class_off_at_init_chatters_from_its_first_switch():
    z0 = Z0.copy()
    z0[0, 0, 1] = -0.5  # other-class entry off at t = 0: every switch is a return to 0 or a kick off it
    c = Q.switch_counts(CUMS, z0, Y)
    assert c["other_chatter"].tolist() == [1, 4, 6]


def test_last_switch_fraction():
    ls = np.array([[[-1, 50]], [[990, 3]]])
    assert Q.last_switch_fraction(ls, 100, 1000) == pytest.approx(890 / 900)
    assert Q.last_switch_fraction(np.array([[[-1, 50]], [[100, 3]]]), 100, 1000) == 0.0  # at T0: not after it
    assert Q.last_switch_fraction(np.array([[[101]]]), 100, 1000) == pytest.approx(1 / 900)
    assert Q.last_switch_fraction(np.full((2, 1, 2), -1), 100, 1000) == 0.0


def test_silent_fraction_and_rates():
    ec = np.zeros((3, 2, 1, 2), dtype=np.int64)
    ec[1, 0, 0, 1], ec[2, 0, 0, 1] = 4, 40  # steady, keeps going (rate x 40/900 / (4/90) = 1)
    ec[1, 1, 0, 0], ec[2, 1, 0, 0] = 3, 0   # below the threshold: not counted though it fell silent
    assert N.silent_fraction(ec) == (0.0, 1)
    edges = [10, 100, 1000]
    assert N.slowest_entry_ratio(edges, ec) == pytest.approx(1.0)
    ec[1, 1, 0, 0] = 4  # now steady, and silent in the last decade
    assert N.silent_fraction(ec) == (0.5, 2)
    assert N.slowest_entry_ratio(edges, ec) == 0.0
    assert N.silent_fraction(np.zeros((3, 2, 1, 2))) == (0.0, 0)
    assert N.slowest_entry_ratio(edges, np.zeros((3, 2, 1, 2))) == math.inf
    assert N.chatter_rate_ratio(edges, [7, 9, 81]) == pytest.approx((81 / 900) / (9 / 90))
    assert N.chatter_rate_ratio(edges, [7, 0, 81]) == math.inf


def test_gap_increment_ratio_separates_log_squared_power_and_log():
    t = np.array([1e3, 1e4, 1e5])
    assert N.gap_increment_ratio(0.3 / (np.log(t) - 2.0) ** 2) == pytest.approx(1.0, rel=1e-12)
    assert N.gap_increment_ratio(0.3 * t ** -0.2) == pytest.approx(10 ** 0.1, rel=1e-12)
    r = N.gap_increment_ratio(0.3 / np.log(t))  # 1/log t: h ~ sqrt(log t), shrinking increments
    assert r < 1 - N.Q6_TOL  # 0.88 here
    assert N.decade_exponent(t[:2], 2.0 * t[:2] ** -0.5) == pytest.approx(0.5)


def test_with_decades_puts_checkpoints_at_exact_decade_edges():
    data = sim.orthogonal(2, 8, seed=0)
    p = sim.Problem(data, m=2, eta=0.1, sigma0=1e-3, steps=10, n_log=5, extra_checkpoints=(7,))
    q = Q.with_decades(p, 12345)
    assert q.steps == 12345 and {123, 1234, 12345, 7} <= set(q.checkpoints.tolist())


def test_switches_by_decade_on_a_run_adds_up_to_the_runs_counters():
    data = sim.nearly_orthogonal(4, 40, p=0.05, n_pos=2, seed=1)
    p = sim.Problem(data, m=6, eta=0.5, sigma0=0.05, steps=2000)
    edges, c, tr = Q.switches_by_decade(p, decades=2)
    assert edges == [20, 200, 2000] and tr.steps[-1] == 2000
    total = int(tr.running["switches"].sum())
    assert int(c["own"].sum() + c["other"].sum()) == total
    assert (c["other_chatter"] <= c["other"]).all() and (c["own_recruit"] <= c["own"]).all()
