"""Trajectory.save is atomic: an interrupted save leaves the previous file intact."""

import os

import numpy as np
import pytest

import sim


def test_interrupted_save_keeps_previous_file(tmp_path, monkeypatch):
    p = sim.Problem(sim.standard_basis(3), m=2, eta=0.5, sigma0=0.1, steps=20, gamma=0.1)
    tr = sim.simulate(p, "fast")
    path = tmp_path / "run.npz"
    tr.save(path)
    before = path.read_bytes()

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(KeyboardInterrupt):
        tr.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["run.npz"]  # no temporary file left behind
    monkeypatch.undo()
    back = sim.Trajectory.load(path)
    assert np.array_equal(back.rho, tr.rho)
