"""Simulator faults (:mod:`sim.faults`): impossible to enable by accident, and the exact model's
default path untouched."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import sim
import sim.running
from sim import faults

SCRIPT = textwrap.dedent("""
    import sys, hashlib
    import numpy as np
    import sim
    if sys.argv[1] == "faults":
        from sim import faults
        ds0 = sim.nearly_orthogonal(4, 10, p=0.05, seed=1)
        with faults.inject("gram_perturbed"):  # a fault used, then left
            sim.simulate(sim.Problem(ds0, m=2, eta=0.5, sigma0=0.1, steps=50, gamma=0.1), "event")
    h = hashlib.sha256()
    for gamma, kind in ((0.0, "orth"), (0.2, "near")):
        ds = sim.orthogonal(5, 12, seed=2) if kind == "orth" else sim.nearly_orthogonal(5, 12, p=0.05, seed=2)
        pr = sim.Problem(ds, m=4, eta=0.7, sigma0=0.05, steps=2000, gamma=gamma, seed=3)
        for e in ("reference", "fast", "event", "batched"):
            if e == "reference" and gamma:
                continue
            tr = sim.simulate(pr, e)
            for a in (tr.rho, tr.preactivation, tr.W0, *[tr.running[k] for k in sorted(tr.running)]):
                h.update(np.ascontiguousarray(a).tobytes())
    print(h.hexdigest())
""")


def _digest(mode: str) -> str:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip()


def test_default_trajectories_bit_identical_with_faults_module_used():
    """Every engine's trajectory (rho, pre-activations, W(0), running quantities) is bit-identical in
    a fresh process and in one that injected a fault and ran a faulty simulation first: leaving the
    ``inject`` block leaves no trace, and the exact engines never take a fault branch."""
    assert _digest("plain") == _digest("faults")


def test_no_fault_outside_inject():
    assert faults.active() is None
    with faults.inject("lprime_0.8") as f:
        assert faults.active() is f
    assert faults.active() is None


def test_unknown_fault_and_nesting_refused():
    with pytest.raises(KeyError, match="unknown simulator fault"):
        with faults.inject("lprime_0.9"):
            pass
    with faults.inject("lprime_0.8"):
        with pytest.raises(RuntimeError, match="do not nest"):
            with faults.inject("gram_perturbed"):
                pass
    assert faults.active() is None


def test_fault_not_seen_by_other_threads():
    import threading

    seen = []
    with faults.inject("second_layer_doubled"):
        th = threading.Thread(target=lambda: seen.append(faults.active()))
        th.start()
        th.join()
    assert seen == [None]


def _pr(gamma=0.2, steps=300):
    ds = sim.nearly_orthogonal(5, 12, p=0.05, seed=2)
    return sim.Problem(ds, m=4, eta=0.7, sigma0=0.05, steps=steps, gamma=gamma, seed=3)


def test_exact_knobs_reproduce_gd():
    """The faulty kernel with every knob at its exact value is gradient descent again."""
    from sim.engines import faulty

    pr = _pr()
    ex = faults.Fault("exact", "no change")
    a, b = faulty.run(pr, None, ex), sim.simulate(pr, "fast")
    np.testing.assert_allclose(a.rho, b.rho, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(a.preactivation, b.preactivation, rtol=1e-10, atol=1e-14)
    for k in ("last_wrong_sign", "switches", "last_switch"):
        np.testing.assert_array_equal(a.running[k], b.running[k])
    c, d = faulty.run_reference(pr, None, ex), sim.simulate(pr, "reference")
    np.testing.assert_allclose(c.rho, d.rho, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(c.preactivation, d.preactivation, rtol=1e-9, atol=1e-13)
    assert c.info["span_residual"] < 1e-12


@pytest.mark.parametrize("name", sorted(faults.FAULTS))
def test_each_fault_changes_the_run(name):
    """Every fault changes a leaky run on every engine (so a check could see it), the weight-space
    reference loop and the coefficient-space kernel agree under the fault, and the fault records the
    simulations it reached."""
    pr = _pr()
    exact = sim.simulate(pr)
    with faults.inject(name) as f:
        bad = sim.simulate(pr)
        ref = sim.simulate(pr, "reference")
        many = sim.simulate(pr, "batched", seeds=[3, 4])
    assert bad.engine == f"faulty:{name}" and ref.engine == f"faulty-reference:{name}"
    assert len(f.calls) == 4 and len(many) == 2
    assert not np.allclose(bad.preactivation, exact.preactivation, rtol=1e-6, atol=0)
    np.testing.assert_allclose(ref.preactivation, bad.preactivation, rtol=1e-8, atol=1e-12)
    if name != "gram_perturbed":  # there the weight-space rho (least squares) is not the kernel's
        np.testing.assert_allclose(ref.rho, bad.rho, rtol=1e-8, atol=1e-12)
    assert sim.simulate(pr).engine == "event"


@pytest.mark.parametrize("name", ["lprime_0.8", "second_layer_doubled", "step_eta_over_n", "init_variance_squared"])
def test_equivalent_problem_is_the_faulty_kernel(name):
    """The faults that equal an exact run of another problem (run on the event engine for speed)
    give the per-step faulty kernel's trajectory: the equivalence of faulty.equivalent_problem."""
    from sim.engines import faulty

    pr = _pr(steps=400)
    f = faults.FAULTS[name]
    with faults.inject(name):
        fast_path = sim.simulate(pr)
    # the per-step kernel with the same knobs (bypassing the equivalence)
    seed = pr.seed
    W0 = pr.init_weights(seed) * (pr.sigma0 if f.init_variance_squared else 1.0)
    Zt = np.ascontiguousarray((W0 @ pr.data.X.T).reshape(2 * pr.m, pr.n).T)
    rhot = np.zeros_like(Zt)
    rs = sim.running.new_state(Zt, pr.data.y)
    perm, bs = pr.batch_schedule()
    faulty._advance_faulty(Zt, rhot, np.ascontiguousarray(pr.data.gram), np.ascontiguousarray(pr.data.y), pr.data.norms ** 2,
                           pr.gamma, pr.eta, np.ascontiguousarray(perm), bs, 0, pr.steps, f.dsigma_neg, f.lprime,
                           f.second_layer, float(pr.m if f.step_per_m else 1), -1, *sim.running.args(rs))
    np.testing.assert_allclose(fast_path.preactivation[-1], Zt.T.reshape(2, pr.m, pr.n), rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(fast_path.rho[-1], rhot.T.reshape(2, pr.m, pr.n), rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(fast_path.W0, W0, rtol=1e-14)


@pytest.mark.parametrize("engine", ["reference", "fast", "event", "batched"])
def test_simulate_default_path_is_the_engine_itself(engine):
    """Outside ``inject``, ``simulate`` hands the problem to the exact engine untouched: bit-identical
    to calling the engine module directly (which never reads the fault variable)."""
    from sim.engines import batched, event, fast, reference

    pr = _pr(steps=300)
    via = sim.simulate(pr, engine)
    direct = {"reference": reference.run, "fast": fast.run, "event": event.run,
              "batched": lambda p: batched.run(p, [p.seed])[0]}[engine](pr)
    for a, b in ((via.rho, direct.rho), (via.preactivation, direct.preactivation), (via.W0, direct.W0)):
        assert a.tobytes() == b.tobytes()
    for k in via.running:
        assert via.running[k].tobytes() == direct.running[k].tobytes()


def test_faulty_reference_tracks_running_quantities_with_the_right_norms():
    """Under a fault the weight-space reference loop's running quantities (its tracker scales rho
    by ||x_i||^2) equal the coefficient-space kernel's, on data whose norms differ across points."""
    ds = sim.nearly_orthogonal(4, 12, p=0.05, norms=[1.0, 2.0, 1.5, 0.8], seed=2)
    pr = sim.Problem(ds, m=3, eta=0.3, sigma0=0.05, steps=200, gamma=0.2, seed=3)
    with faults.inject("dsigma_neg_halved"):
        bad, ref = sim.simulate(pr, "fast"), sim.simulate(pr, "reference")
    for k in ("balance", "min_preact_S0"):
        np.testing.assert_allclose(ref.running[k], bad.running[k], rtol=1e-8, atol=1e-12, err_msg=k)


def test_per_step_faulty_kernel_honours_the_init_knobs():
    """The per-step faulty path applies the init knobs too (with another knob set, no exact
    equivalent exists and the init is built there): variance sigma0^4, and identical neurons."""
    from sim.engines import faulty

    pr = _pr(steps=5)
    W0 = pr.init_weights(pr.seed)
    f = faults.Fault("test", "init variance squared with a Gram perturbation", init_variance_squared=True,
                     gram_eps=1e-3)
    tr = faulty.run(pr, None, f)
    np.testing.assert_allclose(tr.W0, W0 * pr.sigma0, rtol=1e-14)
    g = faults.Fault("test2", "identical neurons", identical_neurons=True)
    tr2 = faulty.run(pr, None, g)
    assert np.array_equal(tr2.W0, np.repeat(W0[:, :1], pr.m, axis=1))
