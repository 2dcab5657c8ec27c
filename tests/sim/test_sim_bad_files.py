"""Bad inputs to the simulator's loaders give a clear ``ValueError`` naming the file and what is
wrong, instead of loading silently and failing later: ``Trajectory.load`` on broken ``.npz``
files, IDX files cut short or with labels that are not digits, and dataset arguments of the
wrong length."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import numpy as np
import pytest

import sim

from .test_sim_idx import _mnist_dir, idx_bytes, write


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    p = sim.Problem(sim.standard_basis(3), m=2, eta=0.5, sigma0=0.1, steps=20, gamma=0.1)
    tr = sim.simulate(p, "fast")
    path = tmp_path_factory.mktemp("traj") / "run.npz"
    tr.save(path)
    return path


def members(path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def rewrite(path, out, **changes):
    """A copy of the saved file with members replaced (value) or removed (None)."""
    arrs = members(path)
    for k, v in changes.items():
        if v is None:
            arrs.pop(k)
        else:
            arrs[k] = v
    with open(out, "wb") as fh:
        np.savez(fh, **arrs)
    return out


def test_round_trip_still_loads(saved):
    tr = sim.Trajectory.load(saved)
    assert tr.rho.shape[1:] == (2, 2, 3)


def _truncated(saved, out):
    out.write_bytes(saved.read_bytes()[: len(saved.read_bytes()) // 2])
    return out


def _not_zip(saved, out):
    out.write_text("hello, I am not a trajectory\n")
    return out


def _npy(saved, out):
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    out.write_bytes(buf.getvalue())
    return out


def _crc(saved, out):  # a member's bytes flipped inside an otherwise valid archive
    raw = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as z:
        info = z.getinfo("rho.npy")
    start = info.header_offset + 30 + len(info.filename) + 200
    raw[start:start + 8] = b"\xff" * 8
    out.write_bytes(bytes(raw))
    return out


@pytest.mark.parametrize("make, match", [
    (_truncated, "cannot open it as an .npz archive|truncated or corrupt"),
    (_not_zip, "cannot open it as an .npz archive"),
    (_npy, "a single .npy array"),
    (_crc, "truncated or corrupt member"),
    (lambda s, o: rewrite(s, o, rho=None), r"member\(s\) rho missing"),
    (lambda s, o: rewrite(s, o, meta=None, W0=None), r"member\(s\) W0, meta missing"),
    (lambda s, o: rewrite(s, o, rho=members(s)["rho"][:, :, :1]), r"rho has shape \(\d+, 2, 1, 3\), expected"),
    (lambda s, o: rewrite(s, o, W0=np.zeros((2, 2, 5))), r"W0 has shape \(2, 2, 5\), expected \(2, 2, 3\)"),
    (lambda s, o: rewrite(s, o, steps=members(s)["steps"][::-1].copy()), "steps must increase"),
    (lambda s, o: rewrite(s, o, preactivation=np.where(True, np.nan, members(s)["preactivation"])),
     "preactivation contains NaN"),
    (lambda s, o: rewrite(s, o, meta=np.array("{not json")), "meta record is unreadable"),
    (lambda s, o: rewrite(s, o, meta=np.array(json.dumps({**json.loads(str(members(s)["meta"])), "eta": -1}))),
     "eta .step size. must be > 0"),
    (lambda s, o: rewrite(s, o, y=np.array([1.0, 2.0, -1.0])), "labels must be"),
])
def test_broken_trajectory_files(saved, tmp_path, make, match):
    path = make(saved, tmp_path / "bad.npz")
    with pytest.raises(sim.TrajectoryFileError, match=match) as e:
        sim.Trajectory.load(path)
    assert str(e.value).startswith(f"{path}: not a saved trajectory: ")
    assert isinstance(e.value, ValueError)


def test_missing_trajectory_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        sim.Trajectory.load(tmp_path / "nope.npz")


def test_truncated_gzip_idx_names_the_file(tmp_path):
    full = tmp_path / "full.idx.gz"
    write(full, idx_bytes(np.arange(600, dtype=np.uint8).reshape(6, 10, 10) % 7))
    cut = tmp_path / "cut-idx3-ubyte.gz"
    cut.write_bytes(full.read_bytes()[:-20])
    with pytest.raises(ValueError, match=rf"{cut}: corrupt or truncated gzip file"):
        sim.read_idx(cut)
    notgz = tmp_path / "plain.gz"
    notgz.write_bytes(idx_bytes(np.zeros(3, dtype=np.uint8)))
    with pytest.raises(ValueError, match=rf"{notgz}: corrupt or truncated gzip file"):
        sim.read_idx(notgz)


def test_idx_labels_outside_0_to_9(tmp_path):
    _mnist_dir(tmp_path, gz=True)
    with gzip.open(tmp_path / "t10k-labels-idx1-ubyte.gz", "wb") as fh:
        fh.write(idx_bytes(np.array([1, 2, 12, 3, 255], dtype=np.uint8)))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz: labels must be digits 0-9; "
                                         r"found 2 outside, e.g. 12"):
        sim.mnist_binary(tmp_path)


def test_missing_mnist_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such MNIST folder"):
        sim.mnist_binary(tmp_path / "nope")


@pytest.mark.parametrize("norms", [[1, 1], [1.0] * 7, [[1, 1, 1]] * 2])
def test_norms_of_the_wrong_length(norms):
    for make in (lambda: sim.nearly_orthogonal(n=6, d=8, p=0.01, norms=norms),
                 lambda: sim.orthogonal(n=6, d=8, norms=norms)):
        with pytest.raises(sim.ProblemError, match=r"norms must be a number or a sequence of n=6 numbers"):
            make()
