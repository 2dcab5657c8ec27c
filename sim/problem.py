"""One problem description: data, network (m, gamma), gradient descent (eta, sigma0, seed), horizon,
checkpoints and optional mini-batching. Validated once, at construction (Section 3, eq. 3.1-3.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .data import Dataset
from .errors import ProblemError


def log_checkpoints(steps: int, count: int) -> np.ndarray:
    """``0`` and about ``count`` log-spaced steps in ``[1, steps]`` (always including ``steps``)."""
    if steps == 0:
        return np.array([0], dtype=np.int64)
    pts = np.unique(np.round(np.logspace(0, math.log10(steps), max(count, 1))).astype(np.int64))
    return np.unique(np.concatenate([[0], pts, [steps]]))


@dataclass(frozen=True, eq=False)
class Problem:
    """Full-batch gradient descent (3.2) on the network (3.1), or mini-batch SGD.

    ``data``: the training set. ``m``: neurons per sign (2m in all). ``gamma``: leaky slope, 0 for
    ReLU. ``eta``: step size. ``sigma0``: init standard deviation (``W(0)`` entries i.i.d.
    ``N(0, sigma0^2)``, drawn from ``seed``). ``steps``: the horizon. Checkpoints: ``n_log``
    log-spaced steps plus ``extra_checkpoints``. ``batch_size``: ``None`` for full batch (the paper's
    GD); otherwise SGD with batches taken in order from a permutation drawn per epoch from
    ``shuffle_seed``, each step averaging the loss over its batch.
    """

    data: Dataset
    m: int
    eta: float
    sigma0: float
    steps: int
    gamma: float = 0.0
    seed: int = 0
    n_log: int = 40
    extra_checkpoints: tuple = ()
    batch_size: int | None = None
    shuffle_seed: int = 0
    checkpoints: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        if not isinstance(self.data, Dataset):
            raise ProblemError(f"data must be a sim.Dataset; got {type(self.data).__name__}")
        if not _is_int(self.m) or self.m <= 0:
            raise ProblemError(f"m (neurons per sign) must be a positive integer; got {self.m!r}")
        for nm in ("eta", "sigma0", "gamma"):
            v = getattr(self, nm)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(v):
                raise ProblemError(f"{nm} must be a finite number; got {v!r}")
        if self.eta <= 0:
            raise ProblemError(f"eta (step size) must be > 0; got {self.eta}")
        if self.sigma0 < 0:
            raise ProblemError(f"sigma0 (init scale) must be >= 0; got {self.sigma0}")
        if not 0 <= self.gamma < 1:
            raise ProblemError(f"gamma (leaky slope) must be in [0, 1) (0 is ReLU); got {self.gamma}")
        if not _is_int(self.steps) or self.steps < 0:
            raise ProblemError(f"steps (horizon) must be an integer >= 0; got {self.steps!r}")
        if not _is_int(self.seed) or self.seed < 0:
            raise ProblemError(f"seed must be an integer >= 0; got {self.seed!r}")
        if not _is_int(self.n_log) or self.n_log < 1:
            raise ProblemError(f"n_log must be an integer >= 1; got {self.n_log!r}")
        extra = np.asarray(self.extra_checkpoints, dtype=np.float64).ravel()
        if extra.size and (np.any(extra != np.round(extra)) or extra.min() < 0):
            raise ProblemError(f"checkpoints must be integers >= 0; got {list(self.extra_checkpoints)}")
        if extra.size and extra.max() > self.steps:
            raise ProblemError(f"checkpoint {int(extra.max())} is past the horizon steps={self.steps}")
        if self.batch_size is not None and (not _is_int(self.batch_size) or self.batch_size <= 0):
            raise ProblemError(f"batch_size must be a positive integer or None; got {self.batch_size!r}")
        object.__setattr__(self, "extra_checkpoints", tuple(int(c) for c in extra))
        object.__setattr__(self, "checkpoints", np.union1d(log_checkpoints(self.steps, self.n_log),
                                                           extra.astype(np.int64)))

    @property
    def n(self) -> int:
        return self.data.n

    @property
    def d(self) -> int:
        return self.data.d

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None or self.batch_size >= self.n

    @property
    def tau(self) -> float:
        """The paper's time unit ``n m / (eta Rmax^2)`` steps (T1 = C' tau, T = C tau)."""
        return self.n * self.m / (self.eta * self.data.Rmax ** 2)

    def init_weights(self, seed: int | None = None) -> np.ndarray:
        """``W(0)`` as a ``(2, m, d)`` array (index 0: ``j = +1``, index 1: ``j = -1``), entries i.i.d.
        ``N(0, sigma0^2)`` from ``numpy.random.default_rng(seed)``: the same on every engine and device."""
        rng = np.random.default_rng(self.seed if seed is None else seed)
        return rng.standard_normal((2, self.m, self.d)) * self.sigma0

    def batch_schedule(self) -> tuple[np.ndarray, int]:
        """``(perm, batch_size)``: step ``t`` uses indices ``perm[t // nb, b*bs:(b+1)*bs]`` with
        ``nb = ceil(n / bs)``, ``b = t % nb``. Full batch: one row ``arange(n)``, ``bs = n``."""
        if self.full_batch:
            return np.arange(self.n, dtype=np.int64)[None, :], self.n
        bs = int(self.batch_size)
        nb = -(-self.n // bs)
        epochs = max(1, -(-self.steps // nb))
        rng = np.random.default_rng(self.shuffle_seed)
        return np.stack([rng.permutation(self.n) for _ in range(epochs)]).astype(np.int64), bs

    def replace(self, **changes) -> "Problem":
        """A copy with some fields changed (validated again)."""
        kw = {f: getattr(self, f) for f in ("data", "m", "eta", "sigma0", "steps", "gamma", "seed",
                                             "n_log", "extra_checkpoints", "batch_size", "shuffle_seed")}
        kw.update(changes)
        return Problem(**kw)


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)
