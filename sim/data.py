"""Datasets of Section 3 and Section 6: exactly orthogonal, nearly orthogonal, the Gaussian mixture,
and real digits (scikit-learn's bundled set; MNIST from IDX files on disk).

Every dataset reports the quantities the theorems' conditions are written in (Section 3):
``Rmin = min_i ||x_i||``, ``Rmax = max_i ||x_i||``, ``R = Rmax / Rmin`` and
``p = max_{i != k} |<x_i, x_k>|``.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from dataclasses import dataclass, field

import numpy as np

from .errors import ProblemError


@dataclass(frozen=True, eq=False)
class Dataset:
    """Training data ``S = {(x_i, y_i)}``: ``X`` is ``(n, d)`` float64, ``y`` is ``(n,)`` in ``{+1, -1}``.

    Validated at construction: non-empty, finite, labels +-1, matching shapes.
    """

    X: np.ndarray
    y: np.ndarray
    name: str = "data"
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        X = np.asarray(self.X)
        y = np.asarray(self.y)
        if X.ndim != 2:
            raise ProblemError(f"X must be a 2-d array (n, d); got shape {X.shape}")
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ProblemError(f"the dataset is empty: X has shape {X.shape}")
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ProblemError(f"shape mismatch: X has {X.shape[0]} rows but y has shape {y.shape}")
        if not np.issubdtype(X.dtype, np.number) or not np.all(np.isfinite(X)):
            raise ProblemError("X contains NaN or infinite values")
        if not np.all(np.isin(y, (1, -1))):
            bad = y[~np.isin(y, (1, -1))][:3]
            raise ProblemError(f"labels must be +1 or -1; found {bad.tolist()}")
        if np.any(np.linalg.norm(X, axis=1) == 0):
            raise ProblemError("a data point is the zero vector (Rmin = 0)")
        object.__setattr__(self, "X", np.ascontiguousarray(X, dtype=np.float64))
        object.__setattr__(self, "y", y.astype(np.float64))

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def gram(self) -> np.ndarray:
        """``G = X X^T`` (n x n)."""
        return self.X @ self.X.T

    @property
    def norms(self) -> np.ndarray:
        return np.linalg.norm(self.X, axis=1)

    @property
    def Rmin(self) -> float:
        return float(self.norms.min())

    @property
    def Rmax(self) -> float:
        return float(self.norms.max())

    @property
    def R(self) -> float:
        return self.Rmax / self.Rmin

    @property
    def p(self) -> float:
        """``p = max_{i != k} |<x_i, x_k>|`` (0 for a single point)."""
        if self.n < 2:
            return 0.0
        G = np.abs(self.gram)
        np.fill_diagonal(G, 0.0)
        return float(G.max())

    def summary(self) -> dict:
        return {"name": self.name, "n": self.n, "d": self.d, "Rmin": self.Rmin, "Rmax": self.Rmax,
                "R": self.R, "p": self.p, "n_pos": int((self.y > 0).sum()), **self.info}


def _labels(n: int, n_pos: int | None) -> np.ndarray:
    n_pos = n // 2 + n % 2 if n_pos is None else n_pos
    if not 0 <= n_pos <= n:
        raise ProblemError(f"n_pos must be in [0, n={n}]; got {n_pos}")
    return np.where(np.arange(n) < n_pos, 1.0, -1.0)


def _norms(n: int, norms, rng) -> np.ndarray:
    if norms is None:
        return np.ones(n)
    try:
        a = np.asarray(norms, dtype=np.float64)
    except (TypeError, ValueError):
        raise ProblemError(f"norms must be a number or a sequence of n={n} numbers; got {norms!r}") from None
    if a.ndim > 1 or (a.ndim == 1 and a.shape[0] != n):
        raise ProblemError(f"norms must be a number or a sequence of n={n} numbers; got "
                           f"{a.shape[0] if a.ndim == 1 else a.shape} values")
    a = np.broadcast_to(a, (n,)).copy()
    if np.any(~np.isfinite(a)) or np.any(a <= 0):
        raise ProblemError(f"norms must be positive and finite; got {a}")
    return a


def _orthonormal_columns(d: int, k: int, rng) -> np.ndarray:
    """A Haar-random ``d x k`` matrix with orthonormal columns (QR with sign fix)."""
    if k > d:
        raise ProblemError(f"need d >= n for orthogonal data; got n={k}, d={d}")
    Q, Rr = np.linalg.qr(rng.standard_normal((d, k)))
    return Q * np.sign(np.diag(Rr))


def orthogonal(n: int, d: int, norms=None, n_pos: int | None = None, seed: int = 0) -> Dataset:
    """Exactly mutually orthogonal points (``p = 0`` up to round-off): a random rotation of
    ``diag(norms)`` into ``R^d``. Labels: the first ``n_pos`` are +1."""
    rng = np.random.default_rng(seed)
    a = _norms(n, norms, rng)
    X = (_orthonormal_columns(d, n, rng) * a).T
    return Dataset(X, _labels(n, n_pos), name="orthogonal", info={"seed": seed})


def standard_basis(n: int, d: int | None = None, n_pos: int | None = None) -> Dataset:
    """Lemma F.3's data: ``x_i = e_i`` in ``R^d`` (``d = n`` by default), the first half labelled +1.
    Inner products are exactly 0, so ``p = 0`` exactly."""
    d = n if d is None else d
    if d < n:
        raise ProblemError(f"need d >= n for the standard basis; got n={n}, d={d}")
    X = np.eye(n, d)
    return Dataset(X, _labels(n, n_pos), name="standard_basis")


def nearly_orthogonal(n: int, d: int, p: float, norms=None, n_pos: int | None = None,
                      seed: int = 0) -> Dataset:
    """Points whose Gram matrix has diagonal ``norms^2`` and off-diagonal entries drawn uniformly in
    ``[-p, p]``, with one pair at exactly ``+-p``, so ``max_{i != k} |<x_i, x_k>| = p`` (the achieved
    value, up to round-off, is ``Dataset.p``). Realised as ``X = L Q^T`` with ``L`` the Cholesky factor
    of the Gram matrix and ``Q`` Haar-random orthonormal columns. Requires ``(n - 1) p < Rmin^2``
    (diagonal dominance, so the Gram matrix is positive definite) and ``d >= n``."""
    rng = np.random.default_rng(seed)
    a = _norms(n, norms, rng)
    if not np.isfinite(p) or p < 0:
        raise ProblemError(f"p must be finite and >= 0; got {p}")
    if n >= 2 and (n - 1) * p >= (a.min() ** 2):
        raise ProblemError(f"p={p} too large for a positive-definite Gram matrix: need (n-1) p < Rmin^2 = {a.min()**2}")
    G = np.diag(a**2)
    if n >= 2:
        iu = np.triu_indices(n, 1)
        vals = rng.uniform(-p, p, size=len(iu[0]))
        vals[rng.integers(len(vals))] = p * rng.choice((-1.0, 1.0))
        G[iu] = vals
        G[(iu[1], iu[0])] = vals
    L = np.linalg.cholesky(G)
    X = L @ _orthonormal_columns(d, n, rng).T
    return Dataset(X, _labels(n, n_pos), name="nearly_orthogonal",
                   info={"seed": seed, "p_requested": p})


def gaussian_mixture(n: int = 10, d: int = 784, sigma_p: float = 1.0, mu_var: float = 1e-4,
                     seed: int = 0) -> Dataset:
    """Section 6's synthetic data: ``y`` Rademacher, ``x = y mu + xi`` with a fixed
    ``mu ~ N(0, mu_var I_d)`` and ``xi ~ N(0, sigma_p^2 I_d)`` (paper: n=10, d=784, sigma_p=1, mu_var=1e-4)."""
    rng = np.random.default_rng(seed)
    mu = rng.normal(0.0, np.sqrt(mu_var), size=d)
    y = rng.choice((-1.0, 1.0), size=n)
    X = y[:, None] * mu[None, :] + rng.normal(0.0, sigma_p, size=(n, d))
    return Dataset(X, y, name="gaussian_mixture",
                   info={"seed": seed, "sigma_p": sigma_p, "mu_var": mu_var})


def _even_odd(X: np.ndarray, digit: np.ndarray, name: str) -> Dataset:
    """Binary task: even digits -> +1, odd digits -> -1."""
    y = np.where(digit % 2 == 0, 1.0, -1.0)
    return Dataset(X, y, name=name, info={"task": "even (+1) vs odd (-1)"})


def digits_binary(n_train: int | None = None, test_fraction: float = 0.25, seed: int = 0):
    """scikit-learn's bundled 8x8 digits (1797 images, d = 64), pixels scaled to [0, 1],
    as the binary task even (+1) against odd (-1). Returns ``(train, test)`` from a seeded split;
    ``n_train`` optionally keeps only the first ``n_train`` training points."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = bunch.data / 16.0
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    te, tr = perm[:n_test], perm[n_test:]
    if n_train is not None:
        tr = tr[:n_train]
    return (_even_odd(X[tr], bunch.target[tr], "digits-train"),
            _even_odd(X[te], bunch.target[te], "digits-test"))


_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path) -> np.ndarray:
    """Read one IDX file (the MNIST format: magic ``0 0 type ndim``, then ``ndim`` big-endian
    uint32 sizes, then the data), optionally gzip-compressed. Raises ``ValueError`` naming the file
    for a bad magic, unknown type or truncated data."""
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:  # truncated or not gzip at all
        raise ValueError(f"{path}: corrupt or truncated gzip file ({e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX data type 0x{code:02x}")
    if len(raw) < 4 + 4 * ndim:
        raise ValueError(f"{path}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    dt = np.dtype(_IDX_DTYPES[code])
    count = int(np.prod(shape)) if ndim else 1
    body = raw[4 + 4 * ndim:]
    if len(body) != count * dt.itemsize:
        raise ValueError(f"{path}: expected {count * dt.itemsize} data bytes for shape {shape}, found {len(body)}")
    return np.frombuffer(body, dtype=dt).reshape(shape).astype(dt.newbyteorder("="))


def _find(directory: str, stem: str) -> str:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"no {stem}[.gz] in {directory}")


def mnist_binary(directory, n_train: int | None = None, n_test: int | None = None):
    """MNIST from IDX files already on disk in ``directory`` (``train-images-idx3-ubyte`` etc.,
    optionally ``.gz``), pixels scaled to [0, 1], flattened to d = 784, as even (+1) vs odd (-1).
    Returns ``(train, test)``; nothing is downloaded."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"no such MNIST folder: {directory}")
    out = []
    for split, limit in (("train", n_train), ("t10k", n_test)):
        images = read_idx(_find(directory, f"{split}-images-idx3-ubyte"))
        labels = read_idx(_find(directory, f"{split}-labels-idx1-ubyte"))
        if images.ndim != 3 or labels.ndim != 1:
            raise ValueError(f"{directory}: {split} images must be (N, rows, cols) and labels (N,); got "
                             f"{images.shape} and {labels.shape}")
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"{directory}: {split} has {images.shape[0]} images but {labels.shape[0]} labels")
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            bad = labels[(labels < 0) | (labels > 9)]
            raise ValueError(f"{_find(directory, f'{split}-labels-idx1-ubyte')}: labels must be digits "
                             f"0-9; found {bad.size} outside, e.g. {int(bad[0])}")
        X = images.reshape(images.shape[0], -1).astype(np.float64) / 255.0
        sl = slice(None) if limit is None else slice(0, limit)
        out.append(_even_odd(X[sl], labels[sl].astype(np.int64), f"mnist-{split}"))
    return tuple(out)
