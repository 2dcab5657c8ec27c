"""Reproducibility: the same problem and seed give bit-identical results in a separate process, and a
saved trajectory loads back bit for bit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import sim

from sim.running import KEYS as RUNNING

ARRAYS = ("X", "y", "W0", "steps", "rho", "preactivation", "meta") + tuple(f"running_{k}" for k in RUNNING)

# one script, run in this process and in a fresh interpreter: every engine, full batch and SGD
SCRIPT = textwrap.dedent("""
    import sys
    import sim

    def run(out):
        ds = sim.nearly_orthogonal(5, 9, p=0.05, norms=[1.0, 1.5, 0.8, 1.2, 1.0], seed=7)
        pr = sim.Problem(ds, m=3, eta=0.4, sigma0=0.05, steps=300, gamma=0.1, seed=123, n_log=15)
        for engine in ("reference", "fast", "batched"):
            sim.simulate(pr, engine).save(f"{out}/{engine}.npz")
        sgd = pr.replace(batch_size=2, shuffle_seed=5, gamma=0.0)
        sim.simulate(sgd, "fast").save(f"{out}/fast_sgd.npz")
        for b, tr in enumerate(sim.simulate(sgd, "batched", seeds=[3, 1, 4])):
            tr.save(f"{out}/batched_sgd_{b}.npz")

    if __name__ == "__main__":
        run(sys.argv[1])
""")
FILES = ["reference", "fast", "batched", "fast_sgd"] + [f"batched_sgd_{b}" for b in range(3)]


def _assert_npz_identical(a, b):
    with np.load(a) as za, np.load(b) as zb:
        assert sorted(za.files) == sorted(zb.files) == sorted(ARRAYS)
        for k in za.files:
            x, y = za[k], zb[k]
            assert x.dtype == y.dtype and x.shape == y.shape, f"{a}:{k}"
            assert x.tobytes() == y.tobytes(), f"{os.path.basename(a)}: {k} differs between processes"


def test_same_seed_bit_identical_across_processes(tmp_path):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    ns = {"__name__": "determinism_script"}
    exec(compile(SCRIPT, "<determinism-script>", "exec"), ns)
    ns["run"](str(here))
    env = dict(os.environ, PYTHONHASHSEED="12345")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(there)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in FILES:
        _assert_npz_identical(here / f"{name}.npz", there / f"{name}.npz")


def test_same_seed_identical_within_process():
    ds = sim.gaussian_mixture(6, 12, seed=3)
    pr = sim.Problem(ds, m=4, eta=0.2, sigma0=0.1, steps=200, gamma=0.05, seed=9)
    for engine in ("fast", "batched", "reference"):
        a, b = sim.simulate(pr, engine), sim.simulate(pr, engine)
        assert a.rho.tobytes() == b.rho.tobytes() and a.preactivation.tobytes() == b.preactivation.tobytes()


def test_different_seeds_differ():
    ds = sim.orthogonal(4, 6, seed=0)
    pr = sim.Problem(ds, m=2, eta=0.2, sigma0=0.1, steps=20)
    a, b = sim.simulate(pr, "fast", seeds=[0, 1])
    assert not np.array_equal(a.W0, b.W0) and not np.array_equal(a.rho, b.rho)


@pytest.mark.parametrize("engine", ["reference", "fast", "batched"])
@pytest.mark.parametrize("sgd", [False, True])
def test_save_load_round_trip_bit_for_bit(tmp_path, engine, sgd):
    """``Trajectory.save`` / ``Trajectory.load``: every array, the problem, and every derived quantity
    come back bit for bit."""
    ds = sim.nearly_orthogonal(4, 7, p=0.1, norms=[1.0, 2.0, 1.5, 0.7], n_pos=1, seed=4)
    pr = sim.Problem(ds, m=3, eta=0.3, sigma0=0.02, steps=120, gamma=0.2, seed=5, n_log=9,
                     extra_checkpoints=(7, 50), batch_size=3 if sgd else None, shuffle_seed=2)
    tr = sim.simulate(pr, engine, seeds=[17])[0]
    path = tmp_path / "traj.npz"
    tr.save(path)
    back = sim.Trajectory.load(path)
    assert back.seed == 17 and back.engine == tr.engine
    p, q = back.problem, tr.problem
    for f in ("m", "eta", "sigma0", "steps", "gamma", "seed", "n_log", "extra_checkpoints",
              "batch_size", "shuffle_seed"):
        assert getattr(p, f) == getattr(q, f) and type(getattr(p, f)) is type(getattr(q, f)), f
    assert p.data.name == q.data.name and p.data.info == q.data.info
    same = lambda a, b: np.asarray(a).tobytes() == np.asarray(b).tobytes()  # noqa: E731
    for a, b in ((p.data.X, q.data.X), (p.data.y, q.data.y), (p.checkpoints, q.checkpoints),
                 (back.W0, tr.W0), (back.steps, tr.steps), (back.rho, tr.rho),
                 (back.preactivation, tr.preactivation), (back.margins, tr.margins),
                 (back.loss, tr.loss), (back.stable_rank, tr.stable_rank),
                 (back.neuron_norms, tr.neuron_norms), (back.activation_pattern, tr.activation_pattern),
                 (back.rhobar, tr.rhobar), (back.rhounder, tr.rhounder)):
        assert same(a, b)
    for k in range(len(tr.steps)):
        assert same(back.weights(k), tr.weights(k))
    # and the loaded problem runs again to the same trajectory
    if engine == "fast":
        again = sim.simulate(p, "fast", seeds=[17])[0]
        assert same(again.rho, tr.rho) and same(again.preactivation, tr.preactivation)
