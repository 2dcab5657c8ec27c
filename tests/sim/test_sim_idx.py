"""The IDX reader (``sim.read_idx``) and the MNIST loader (``sim.mnist_binary``) on tiny IDX files
written here, plain and gzip-compressed, and their errors on broken files."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

import sim

TYPE_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B,
              np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(arr: np.ndarray, code: int | None = None) -> bytes:
    """The IDX encoding: ``0 0 type ndim``, big-endian uint32 sizes, big-endian data."""
    arr = np.asarray(arr)
    be = arr.dtype.newbyteorder(">") if arr.dtype.itemsize > 1 else arr.dtype
    code = TYPE_CODES[np.dtype(be)] if code is None else code
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(be).tobytes()


def write(path, data: bytes):
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_round_trip(tmp_path, dtype, gz):
    rng = np.random.default_rng(0)
    arr = (rng.integers(-100, 100, size=(3, 4, 5)) if np.dtype(dtype).kind != "u"
           else rng.integers(0, 256, size=(3, 4, 5))).astype(dtype)
    path = write(tmp_path / ("a.idx" + (".gz" if gz else "")), idx_bytes(arr))
    out = sim.read_idx(path)
    assert out.shape == arr.shape and out.dtype.kind == np.dtype(dtype).kind
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, arr)


def test_read_idx_one_dimensional_labels(tmp_path):
    labels = np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.uint8)
    out = sim.read_idx(write(tmp_path / "labels", idx_bytes(labels)))
    assert out.shape == (8,) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, labels)


def test_read_idx_zero_dimensional(tmp_path):
    """ndim = 0: one element and no sizes (the format allows it); a second element is refused."""
    out = sim.read_idx(write(tmp_path / "scalar", idx_bytes(np.array(7, dtype=np.int32))))
    assert out.shape == () and out == 7
    with pytest.raises(ValueError, match="expected 4 data bytes"):
        sim.read_idx(write(tmp_path / "two", bytes([0, 0, 0x0C, 0]) + struct.pack(">2i", 7, 8)))


def test_read_idx_accepts_pathlike_and_str(tmp_path):
    arr = np.arange(6, dtype=np.uint8).reshape(2, 3)
    p = write(tmp_path / "x", idx_bytes(arr))
    np.testing.assert_array_equal(sim.read_idx(str(p)), sim.read_idx(p))


BROKEN = [
    ("bad magic", lambda b: b"\x01\x02" + b[2:], r"not an IDX file \(bad magic\)"),
    ("empty file", lambda b: b"", r"not an IDX file \(bad magic\)"),
    ("unknown type", lambda b: b[:2] + b"\x07" + b[3:], r"unknown IDX data type 0x07"),
    ("truncated header", lambda b: b[:9], r"truncated IDX header"),
    ("truncated data", lambda b: b[:-1], r"expected 24 data bytes for shape \(2, 3, 4\), found 23"),
    ("trailing bytes", lambda b: b + b"\x00", r"expected 24 data bytes for shape \(2, 3, 4\), found 25"),
]


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("corrupt, match", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_read_idx_broken_files(tmp_path, corrupt, match, gz):
    good = idx_bytes(np.ones((2, 3, 4), dtype=np.uint8))
    path = write(tmp_path / ("broken" + (".gz" if gz else "")), corrupt(good))
    with pytest.raises(ValueError, match=match) as info:
        sim.read_idx(path)
    assert str(path) in str(info.value)  # the message names the file


def test_gzip_file_without_gz_suffix_is_bad_magic(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(gzip.compress(idx_bytes(np.ones((1, 2, 2), dtype=np.uint8))))
    with pytest.raises(ValueError, match="bad magic"):
        sim.read_idx(path)


def _mnist_dir(tmp_path, gz: bool, n_train=7, n_test=5, rows=4, cols=3, dotted=False):
    rng = np.random.default_rng(1)
    files = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(1, 256, size=(n, rows, cols)).astype(np.uint8)  # no blank image
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        sep = "." if dotted else "-"
        for stem, arr in ((f"{split}-images{sep}idx3-ubyte", images), (f"{split}-labels{sep}idx1-ubyte", labels)):
            write(tmp_path / (stem + (".gz" if gz else "")), idx_bytes(arr))
        files[split] = (images, labels)
    return files


@pytest.mark.parametrize("gz, dotted", [(False, False), (True, False), (True, True)])
def test_mnist_binary_tiny(tmp_path, gz, dotted):
    files = _mnist_dir(tmp_path, gz, dotted=dotted)
    train, test = sim.mnist_binary(tmp_path)
    for ds, (images, labels), name in ((train, files["train"], "mnist-train"), (test, files["t10k"], "mnist-t10k")):
        assert ds.name == name
        assert ds.X.shape == (len(images), 12) and ds.X.dtype == np.float64
        np.testing.assert_array_equal(ds.X, images.reshape(len(images), -1) / 255.0)
        np.testing.assert_array_equal(ds.y, np.where(labels % 2 == 0, 1.0, -1.0))  # even +1, odd -1
        assert 0 < ds.X.min() and ds.X.max() <= 1.0


def test_mnist_binary_limits(tmp_path):
    _mnist_dir(tmp_path, gz=False)
    train, test = sim.mnist_binary(tmp_path, n_train=3, n_test=2)
    assert train.n == 3 and test.n == 2


def test_mnist_binary_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no train-images-idx3-ubyte\[.gz\] in"):
        sim.mnist_binary(tmp_path)
    _mnist_dir(tmp_path, gz=False)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros(6, dtype=np.uint8)))
    with pytest.raises(ValueError, match=r"train has 7 images but 6 labels"):
        sim.mnist_binary(tmp_path)
