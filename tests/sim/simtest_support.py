"""Shared helpers for the simulator tests (``tests/sim``): Hypothesis strategies that build valid
``sim.Problem`` objects, and comparisons of trajectories to round-off.

Imported by the test modules as ``.simtest_support``. ``tests`` and ``tests/sim`` are packages
(they have ``__init__.py``), so pytest's default import mode puts the repository root, not
``tests/``, first on ``sys.path``: ``tests/sim`` is ``tests.sim`` and can never shadow the real
``sim`` package, and the checkout's own ``sim`` and ``theorems`` are the ones imported.
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st

import sim

RTOL = 1e-10  # engines must agree to round-off (float64, a few hundred steps)

#: settings for the simulation properties: small and explicit, no deadline (times vary with sizes)
SIM_SETTINGS = dict(deadline=None, derandomize=False, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def _scale() -> int:
    """Examples multiplier: ``SIM_TESTS_SCALE`` if set, else 10 under the ``thorough`` Hypothesis
    profile, else 1 (the quick default run)."""
    if os.environ.get("SIM_TESTS_SCALE"):
        return max(1, int(os.environ["SIM_TESTS_SCALE"]))
    profile = getattr(settings, "get_current_profile_name", lambda: getattr(settings, "_current_profile", ""))()
    return 10 if profile == "thorough" else 1


def sim_settings(max_examples: int):
    """Explicit settings for a simulation property: ``max_examples`` (times the scale), no deadline."""
    return settings(max_examples=max_examples * _scale(), **SIM_SETTINGS)


# --- strategies ----------------------------------------------------------------------------------
@st.composite
def datasets(draw, kinds=("nearly_orthogonal", "orthogonal", "gaussian_mixture", "standard_basis"),
             n_min=2, n_max=8, extra_d=12):
    """A small valid :class:`sim.Dataset` of one of ``kinds`` with ``2 <= n <= 8`` and ``d >= n``."""
    kind = draw(st.sampled_from(kinds))
    n = draw(st.integers(n_min, n_max))
    d = draw(st.integers(n, n + extra_d))
    seed = draw(st.integers(0, 2**16))
    n_pos = draw(st.integers(0, n))
    if kind == "standard_basis":
        return sim.standard_basis(n, d, n_pos=n_pos)
    norms = draw(st.one_of(st.none(), st.lists(st.floats(0.5, 3.0), min_size=n, max_size=n)))
    if kind == "orthogonal":
        return sim.orthogonal(n, d, norms=norms, n_pos=n_pos, seed=seed)
    if kind == "nearly_orthogonal":
        rmin = 1.0 if norms is None else min(norms)
        frac = draw(st.floats(0.0, 0.9))
        return sim.nearly_orthogonal(n, d, p=frac * rmin**2 / (n - 1), norms=norms, n_pos=n_pos,
                                     seed=seed)
    return sim.gaussian_mixture(n, d, sigma_p=draw(st.floats(0.3, 2.0)),
                                mu_var=draw(st.sampled_from([1e-4, 0.1, 1.0])), seed=seed)


@st.composite
def problems(draw, data=None, steps=(50, 400), minibatch=False, sigma0_zero=None):
    """A valid :class:`sim.Problem`: ReLU (gamma = 0) or leaky (gamma in (0, 1)), small ``m``,
    ``eta``, ``sigma0`` (sometimes exactly 0), a few hundred steps; optionally mini-batch SGD."""
    ds = draw(datasets()) if data is None else draw(data)
    gamma = draw(st.one_of(st.just(0.0), st.floats(0.01, 0.95)))
    m = draw(st.integers(1, 6))
    eta = draw(st.floats(0.01, 2.0))
    if sigma0_zero is None:
        sigma0 = draw(st.one_of(st.just(0.0), st.floats(1e-3, 1.0)))
    else:
        sigma0 = 0.0 if sigma0_zero else draw(st.floats(1e-3, 1.0))
    if minibatch and sigma0 == 0.0 and ds.name != "standard_basis":
        # W(0) = 0 with mini-batches: a step on batch B moves the points outside B by dC <x_i, x_k>,
        # which on data orthogonal only up to round-off is ~1e-17 with a round-off-decided sign, so
        # the ReLU pattern (and the run) is decided by round-off and engines may legitimately part.
        # Exact ties are tested on the standard basis, where <x_i, x_k> = 0 exactly.
        sigma0 = draw(st.floats(1e-3, 1.0))
    batch_size = draw(st.integers(1, ds.n - 1)) if minibatch else None
    pr = sim.Problem(ds, m=m, eta=eta, sigma0=sigma0, steps=draw(st.integers(*steps)), gamma=gamma,
                     seed=draw(st.integers(0, 2**20)), n_log=draw(st.integers(3, 12)),
                     extra_checkpoints=(1,), batch_size=batch_size,
                     shuffle_seed=draw(st.integers(0, 100)))
    note(f"problem: {describe(pr)}")
    return pr


def describe(pr: sim.Problem) -> str:
    return (f"data={pr.data.name} n={pr.n} d={pr.d} p={pr.data.p:.3g} Rmin={pr.data.Rmin:.3g} "
            f"Rmax={pr.data.Rmax:.3g} m={pr.m} gamma={pr.gamma!r} eta={pr.eta!r} "
            f"sigma0={pr.sigma0!r} steps={pr.steps} seed={pr.seed} batch_size={pr.batch_size} "
            f"shuffle_seed={pr.shuffle_seed}")


# --- comparisons ---------------------------------------------------------------------------------
def assert_close(actual, expected, what: str, rtol: float = RTOL, scale: float | None = None):
    """``|actual - expected| <= rtol * scale`` elementwise, ``scale`` defaulting to ``max |expected|``
    (entries that should be 0 are compared on the scale of the array). NaNs must match."""
    a, b = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert a.shape == b.shape, f"{what}: shapes {a.shape} != {b.shape}"
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    assert np.array_equal(nan_a, nan_b), f"{what}: NaN patterns differ"
    a, b = a[~nan_a], b[~nan_b]
    if scale is None:
        scale = float(np.abs(b).max()) if b.size else 0.0
    tol = rtol * max(scale, 1e-300)
    err = np.abs(a - b).max() if a.size else 0.0
    assert err <= tol, f"{what}: max abs error {err:.3e} > {tol:.3e} (rtol {rtol:g} x scale {scale:.3e})"


def assert_trajectories_close(a: sim.Trajectory, b: sim.Trajectory, rtol: float = RTOL,
                              label: str = ""):
    """Two runs of the same problem agree: checkpoints exactly; ``rho``, pre-activations, margins,
    loss, stable ranks and neuron norms to ``rtol`` (on the scale of each quantity)."""
    tag = f"{label} {a.engine} vs {b.engine}"
    assert np.array_equal(a.steps, b.steps), f"{tag}: checkpoints differ"
    assert np.array_equal(a.W0, b.W0), f"{tag}: W(0) differs"
    zscale = float(np.abs(b.preactivation).max())
    assert_close(a.rho, b.rho, f"{tag}: rho", rtol)
    assert_close(a.preactivation, b.preactivation, f"{tag}: preactivation", rtol)
    assert_close(a.margins, b.margins, f"{tag}: margins", rtol, scale=max(zscale, np.abs(b.margins).max()))
    # per checkpoint, relative: the loss only decreases towards 0 in these short runs
    for k in range(len(a.steps)):
        assert_close(a.loss[k], b.loss[k], f"{tag}: loss at t={a.steps[k]}", rtol)
    assert_close(a.stable_rank, b.stable_rank, f"{tag}: stable_rank", rtol,
                 scale=float(np.nanmax(b.stable_rank)) if np.any(~np.isnan(b.stable_rank)) else 1.0)
    assert_close(a.neuron_norms, b.neuron_norms, f"{tag}: neuron_norms", rtol)


def rho_index_of_label(y: np.ndarray) -> np.ndarray:
    """Axis-1 index of ``j = y_i`` for each ``i`` (0 for ``j = +1``, 1 for ``j = -1``)."""
    return np.where(y > 0, 0, 1)
