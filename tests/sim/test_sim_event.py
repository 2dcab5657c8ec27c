"""The event-driven engine is exact gradient descent: it agrees with the reference and fast engines to
round-off on random problems (ReLU and leaky; orthogonal, nearly orthogonal and correlated data;
``sigma0 = 0``), its reduced windows only ever span steps on which per-step gradient descent's
activation pattern is frozen (checked against the fast engine checkpointed at every step), so
activations switch at exactly the same steps, and it stays with the fast engine over 10^6 steps.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import sim
from sim.engines import event

from .simtest_support import (assert_close, assert_trajectories_close, datasets, describe, problems,
                              sim_settings)


def correlated(n: int, d: int, c: float, seed: int) -> sim.Dataset:
    """Unit-norm points sharing a common direction: ``<x_i, x_k> = c`` for ``i != k``."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.standard_normal((d, n + 1)))[0]
    X = np.sqrt(c) * Q[:, 0][None, :] + np.sqrt(1 - c) * Q[:, 1:].T
    y = np.where(np.arange(n) < (n + 1) // 2, 1.0, -1.0)
    return sim.Dataset(X, y, name="correlated", info={"c": c, "seed": seed})


@st.composite
def correlated_data(draw):
    n = draw(st.integers(2, 8))
    return correlated(n, n + draw(st.integers(1, 10)), draw(st.floats(0.05, 0.9)), draw(st.integers(0, 2**16)))


# sigma0 = 0 on correlated data starts every pre-activation at 0 and the first step's cross terms
# decide signs at round-off level: engines legitimately part there (as the other engine tests note)
ALL_PROBLEMS = st.one_of(problems(steps=(50, 600)),
                         problems(data=correlated_data(), steps=(50, 600), sigma0_zero=False))


def _windows_respect_pattern(pr: sim.Problem, ev_log: np.ndarray):
    """Every reduced window ``[T0, T0 + len)`` of the event engine ran on one pattern: the per-step
    (fast) engine, checkpointed at every step, has the same activation pattern at all those steps."""
    every = sim.simulate(pr.replace(extra_checkpoints=tuple(range(pr.steps + 1))), "fast")
    pat = every.preactivation >= 0  # (steps + 1, 2, m, n)
    for T0, ln in ev_log:
        same = np.all(pat[T0:T0 + ln] == pat[T0][None], axis=(1, 2, 3))
        assert same.all(), (f"reduced window [{T0}, {T0 + ln}) spans a switch of the per-step pattern at "
                            f"step {T0 + int(np.argmin(same))}")
    return every


@sim_settings(max_examples=25)
@given(pr=ALL_PROBLEMS)
def test_event_agrees_with_reference_and_fast(pr):
    """Random problems (ReLU and leaky, every data kind, sigma0 sometimes 0): event == fast ==
    reference to 1e-10, and no reduced window spans a switch of the per-step activation pattern."""
    ev = event.run(pr, log_windows=10_000)
    note(f"event info: {ev.info}")
    every = _windows_respect_pattern(pr, ev.info["windows_log"])
    fast = sim.simulate(pr, "fast")
    assert_trajectories_close(ev, fast, label=describe(pr))
    assert_trajectories_close(ev, sim.simulate(pr, "reference"), label=describe(pr))
    # activation patterns at every checkpoint are identical, not just close
    assert np.array_equal(ev.activation_pattern, fast.activation_pattern)
    assert np.array_equal(ev.activation_pattern, every.activation_pattern[pr.checkpoints])


@sim_settings(max_examples=10)
@given(pr=problems(data=datasets(kinds=("standard_basis", "orthogonal")), sigma0_zero=True, steps=(50, 600)))
def test_event_exactly_orthogonal_sigma0_zero(pr):
    """``W(0) = 0`` on orthogonal data: every pre-activation starts exactly at 0 and sigma'(0) = 1
    decides the first step; exact zeros must stay exactly where the other engines keep them."""
    ev = event.run(pr, log_windows=10_000)
    _windows_respect_pattern(pr, ev.info["windows_log"])
    fast = sim.simulate(pr, "fast")
    assert_trajectories_close(ev, fast, label=describe(pr))
    assert_trajectories_close(ev, sim.simulate(pr, "reference"), label=describe(pr))
    assert np.array_equal(ev.preactivation == 0, fast.preactivation == 0)
    assert np.array_equal(ev.activation_pattern, fast.activation_pattern)


@sim_settings(max_examples=5)
@given(pr=problems(minibatch=True, steps=(20, 200)))
def test_event_minibatch_is_the_per_step_kernel(pr):
    """Mini-batch SGD runs on the per-step kernel: the same numbers as the fast engine, bit for bit."""
    ev, fast = sim.simulate(pr, "event"), sim.simulate(pr, "fast")
    assert ev.info["reduced_steps"] == 0
    assert np.array_equal(ev.rho, fast.rho) and np.array_equal(ev.preactivation, fast.preactivation)


# --- deterministic cases: each regime is exercised, and mostly reduced --------------------------
def _case(kind: str, gamma: float, steps: int):
    if kind == "orthogonal":
        ds = sim.orthogonal(6, 12, seed=3)
    elif kind == "nearly_orthogonal":
        ds = sim.nearly_orthogonal(6, 12, p=0.02, seed=4)
    elif kind == "correlated":
        ds = correlated(6, 12, 0.3, seed=5)
    else:
        ds = sim.standard_basis(6, 8)
    sigma0 = 0.0 if kind == "standard_basis" else 0.05
    return sim.Problem(ds, m=5, eta=0.8, sigma0=sigma0, steps=steps, gamma=gamma, seed=7, n_log=15)


@pytest.mark.parametrize("gamma", [0.0, 0.2])
@pytest.mark.parametrize("kind", ["orthogonal", "nearly_orthogonal", "correlated", "standard_basis"])
def test_event_switches_at_the_same_steps(kind, gamma):
    """A short run: the pattern at every step of the per-step engine is constant across each reduced
    window, and the event engine checkpointed sparsely reproduces every checkpoint to 1e-10. Where
    the pattern freezes (orthogonal data; leaky on nearly orthogonal data) most of the run is reduced
    (the engine is not silently per-step); ReLU on nearly orthogonal data and correlated data keep
    switching (other-class entries chatter) and run mostly per step."""
    pr = _case(kind, gamma, 3000)
    ev = event.run(pr, log_windows=100_000)
    every = _windows_respect_pattern(pr, ev.info["windows_log"])
    if kind in ("orthogonal", "standard_basis") or (kind == "nearly_orthogonal" and gamma > 0):
        assert ev.info["reduced_steps"] > 0.9 * pr.steps, ev.info
    sub = every.preactivation[pr.checkpoints]
    assert_close(ev.preactivation, sub, "preactivation vs per-step", rtol=1e-10)
    assert np.array_equal(ev.activation_pattern, sub >= 0)


@pytest.mark.parametrize("kind,gamma", [("orthogonal", 0.0), ("nearly_orthogonal", 0.2), ("standard_basis", 0.0)])
def test_event_long_run_matches_fast(kind, gamma):
    """10^6 steps on problems whose pattern freezes early: almost all reduced, and equal to the fast
    engine to 1e-10 at every checkpoint (rho, pre-activations, margins, loss)."""
    pr = _case(kind, gamma, 10**6).replace(m=2)
    ev, fast = sim.simulate(pr, "event"), sim.simulate(pr, "fast")
    assert ev.info["reduced_steps"] > 0.99 * pr.steps, ev.info
    assert_trajectories_close(ev, fast, label=describe(pr))
    assert np.array_equal(ev.activation_pattern, fast.activation_pattern)


def test_event_interface(tmp_path):
    """Same contract as the other engines: seeds, progress at every checkpoint, save/load, W(t)."""
    pr = _case("nearly_orthogonal", 0.1, 500)
    runs = sim.simulate(pr, "event", seeds=[1, 2])
    assert [t.seed for t in runs] == [1, 2] and all(t.engine == "event" for t in runs)
    for tr in runs:
        assert_trajectories_close(tr, sim.simulate(pr.replace(seed=tr.seed), "fast"))
    seen = []
    sim.simulate(pr, "event", progress=lambda t, s: seen.append(t))
    assert seen == [int(c) for c in pr.checkpoints]
    runs[0].save(tmp_path / "ev.npz")
    back = sim.Trajectory.load(tmp_path / "ev.npz")
    assert back.engine == "event" and np.array_equal(back.rho, runs[0].rho)
    assert np.array_equal(back.weights(len(back.steps) - 1), runs[0].weights(len(back.steps) - 1))
    with pytest.raises(sim.ProblemError):
        sim.simulate(pr, "event", device="cuda") if _has_cuda() else sim.simulate(pr, "nope")


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def test_event_loss_derivative_bound_is_verified():
    """The horizon assumes ``|l'_i| <= L_i = min(1, KAPPA |l'_i(T0)|)``; where a margin falls inside a
    window (here: large step, correlated Gaussian-mixture data) the engine must see it and end the
    window before the step that would break the bound. The run still equals per-step GD."""
    pr = sim.Problem(sim.gaussian_mixture(8, 16, seed=147), m=1, eta=1.9, sigma0=0.0, steps=600, gamma=0.0)
    ev = event.run(pr, log_windows=1000)
    assert ev.info["bound_breaks"] > 0, ev.info
    _windows_respect_pattern(pr, ev.info["windows_log"])
    assert_trajectories_close(ev, sim.simulate(pr, "fast"), label=describe(pr))
    assert_trajectories_close(ev, sim.simulate(pr, "reference"), label=describe(pr))


@pytest.mark.parametrize("gamma,p", [(0.2, 0.05), (0.0, 0.0), (0.0, 0.05)])
def test_event_step_accounting_adds_up(gamma, p):
    """Every step is taken exactly once, reduced or per step: ``reduced_steps + per_step_steps`` is
    the horizon (kills a mutant that miscounts the steps left before the next checkpoint)."""
    ds = sim.nearly_orthogonal(5, 20, p=p, seed=4) if p else sim.orthogonal(5, 20, seed=4)
    pr = sim.Problem(ds, m=4, eta=0.5, sigma0=0.05, steps=5000, gamma=gamma, seed=2)
    info = sim.simulate(pr, "event").info
    assert info["reduced_steps"] + info["per_step_steps"] == pr.steps, info
    logged = event.run(pr, log_windows=10 ** 6).info
    assert logged["windows"] == len(logged["windows_log"]) and logged["windows_log"][:, 1].sum() == info["reduced_steps"]
