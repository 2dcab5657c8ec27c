"""A recorded run of gradient descent: ``rho`` (Def. 5.1) and pre-activations at checkpoints, and
everything derived from them (margins, loss, stable ranks, neuron norms, ``W(t)``).

Axis conventions: ``rho[k, j, r, i]`` and ``preactivation[k, j, r, i] = <w_{j,r}(t_k), x_i>`` with
``j = 0`` for the positive neurons (``j = +1`` in the paper) and ``j = 1`` for the negative ones.
``W(t) = W(0) + C(t) X`` with ``C_{j,r,i} = rho_{j,r,i} / ||x_i||^2`` (Def. 5.1), so ``W(t)`` is rebuilt
from ``rho`` on demand and never stored per checkpoint.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import activation
from .data import Dataset
from .errors import TrajectoryFileError
from .problem import Problem

J_SIGN = np.array([1.0, -1.0])  # the paper's j for axis index 0, 1


def network_output(preactivation: np.ndarray, gamma: float) -> np.ndarray:
    """``f(W, x_i) = (1/m) sum_r sigma(<w_{+1,r}, x_i>) - (1/m) sum_r sigma(<w_{-1,r}, x_i>)`` (eq. 3.1),
    from pre-activations of shape ``(..., 2, m, n)``; returns ``(..., n)``."""
    s = activation.sigma(preactivation, gamma).mean(axis=-2)
    return s[..., 0, :] - s[..., 1, :]


def logistic_loss(margin: np.ndarray) -> np.ndarray:
    """``l(z) = log(1 + exp(-z))``, computed stably."""
    return np.logaddexp(0.0, -margin)


def stable_rank_from_gram(gram: np.ndarray) -> float:
    """``SR(A) = ||A||_F^2 / ||A||_2^2 = tr(A A^T) / lambda_max(A A^T)``; NaN for ``A = 0``."""
    lam = np.linalg.eigvalsh(gram)[-1]
    return float(np.trace(gram) / lam) if lam > 0 else float("nan")


@dataclass(eq=False)
class Trajectory:
    """One initialisation's run. ``steps`` (K,), ``rho`` and ``preactivation`` (K, 2, m, n)."""

    problem: Problem
    seed: int
    engine: str
    steps: np.ndarray
    rho: np.ndarray
    preactivation: np.ndarray
    W0: np.ndarray | None = field(default=None, repr=False)
    info: dict = field(default_factory=dict, repr=False)  # engine diagnostics (not saved)
    # per-step running quantities (sim.running: minimum pre-activation over S_i(0), balance ratio,
    # last wrong sign, pattern switches), over every state 0..steps; None when not recorded
    running: dict | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.W0 is None:
            self.W0 = self.problem.init_weights(self.seed)

    # --- recorded directly -------------------------------------------------------------------
    @cached_property
    def output(self) -> np.ndarray:
        """``f(W(t_k), x_i)``, shape (K, n)."""
        return network_output(self.preactivation, self.problem.gamma)

    @cached_property
    def margins(self) -> np.ndarray:
        """``y_i f(W(t_k), x_i)``, shape (K, n)."""
        return self.output * self.problem.data.y

    @cached_property
    def loss(self) -> np.ndarray:
        """``L_S(W(t_k)) = (1/n) sum_i l(y_i f(W(t_k), x_i))`` on the full training set, shape (K,)."""
        return logistic_loss(self.margins).mean(axis=-1)

    @property
    def rhobar(self) -> np.ndarray:
        """``rho 1(rho >= 0)`` (Def. 5.1)."""
        return np.where(self.rho >= 0, self.rho, 0.0)

    @property
    def rhounder(self) -> np.ndarray:
        """``rho 1(rho <= 0)`` (Def. 5.1)."""
        return np.where(self.rho <= 0, self.rho, 0.0)

    @property
    def activation_pattern(self) -> np.ndarray:
        """``<w_{j,r}(t_k), x_i> >= 0`` as booleans, shape (K, 2, m, n)."""
        return self.preactivation >= 0

    def index(self, step: int) -> int:
        """The checkpoint index of ``step`` (raises ``KeyError`` if it was not recorded)."""
        k = int(np.searchsorted(self.steps, step))
        if k >= len(self.steps) or self.steps[k] != step:
            raise KeyError(f"step {step} is not a checkpoint")
        return k

    # --- derived from W(t) ---------------------------------------------------------------------
    def coefficients(self, k: int) -> np.ndarray:
        """``C(t_k) = rho(t_k) / ||x_i||^2``, shape (2, m, n)."""
        return self.rho[k] / (self.problem.data.norms ** 2)

    def weights(self, k: int) -> np.ndarray:
        """``W(t_k) = W(0) + C(t_k) X`` as a ``(2, m, d)`` array (Def. 5.1)."""
        return self.W0 + self.coefficients(k) @ self.problem.data.X

    @cached_property
    def _grams(self) -> np.ndarray:
        """``W(t_k) W(t_k)^T`` for the stacked ``(2m, d)`` matrix, (K, 2m, 2m), without forming W:
        ``W0 W0^T + Z0 C^T + C Z0^T + C G C^T`` with ``Z0 = W0 X^T``, ``G = X X^T``."""
        m2 = 2 * self.problem.m
        W0 = self.W0.reshape(m2, -1)
        X = self.problem.data.X
        base = W0 @ W0.T
        Z0 = W0 @ X.T
        G = self.problem.data.gram
        C = (self.rho / (self.problem.data.norms ** 2)).reshape(len(self.steps), m2, -1)
        cross = Z0 @ C.transpose(0, 2, 1)
        out = base + cross + cross.transpose(0, 2, 1) + C @ G @ C.transpose(0, 2, 1)
        return 0.5 * (out + out.transpose(0, 2, 1))

    @cached_property
    def stable_rank(self) -> np.ndarray:
        """Stable ranks ``SR(W_{+1}), SR(W_{-1}), SR(W)`` at each checkpoint, shape (K, 3)."""
        m, d = self.problem.m, self.problem.d
        out = np.empty((len(self.steps), 3))
        if d < m:
            # W^T W (d x d) has the nonzero eigenvalues of W W^T (2m x 2m) and the same trace: the
            # eigensolver then works on the smaller matrix (small d and wide layers: 100x cheaper)
            for k in range(len(self.steps)):
                W = self.weights(k).reshape(2 * m, d)
                for c, A in enumerate((W[:m], W[m:], W)):
                    out[k, c] = stable_rank_from_gram(A.T @ A)
            return out
        for k, g in enumerate(self._grams):
            out[k] = (stable_rank_from_gram(g[:m, :m]), stable_rank_from_gram(g[m:, m:]),
                      stable_rank_from_gram(g))
        return out

    @cached_property
    def neuron_norms(self) -> np.ndarray:
        """``||w_{j,r}(t_k)||``, shape (K, 2, m)."""
        d = np.sqrt(np.maximum(np.einsum("kii->ki", self._grams), 0.0))
        return d.reshape(len(self.steps), 2, self.problem.m)

    # --- persistence --------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write everything (data, problem, W(0), rho, pre-activations) to one ``.npz`` file, atomically.
        The file is written to exactly ``path`` (no ``.npz`` suffix is added)."""
        p = self.problem
        meta = {"m": p.m, "eta": p.eta, "sigma0": p.sigma0, "steps": p.steps, "gamma": p.gamma,
                "seed": p.seed, "n_log": p.n_log, "extra_checkpoints": list(p.extra_checkpoints),
                "batch_size": p.batch_size, "shuffle_seed": p.shuffle_seed,
                "data_name": p.data.name, "data_info": p.data.info,
                "traj_seed": self.seed, "engine": self.engine}
        path = os.fspath(path)
        # atomic: write a temporary file beside the target, then rename (an interrupted save
        # leaves any previous file intact, never a half-written one)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".npz.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                extra = {f"running_{k}": v for k, v in (self.running or {}).items()}
                np.savez(fh, X=p.data.X, y=p.data.y, W0=self.W0, steps=self.steps, rho=self.rho,
                         preactivation=self.preactivation,
                         meta=np.array(json.dumps(meta, default=_jsonable)), **extra)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path) -> "Trajectory":
        """Read a file written by :meth:`save`; the result equals the saved trajectory bit for bit.

        Raises :class:`sim.TrajectoryFileError` (a ``ValueError``) naming the file when it is not
        such a file: not an ``.npz`` archive, truncated, a member missing, arrays of the wrong
        shape, or NaN values. A missing file raises ``FileNotFoundError``."""
        path = os.fspath(path)

        def bad(what: str) -> TrajectoryFileError:
            return TrajectoryFileError(f"{path}: not a saved trajectory: {what}")

        try:
            z = np.load(path, allow_pickle=False)
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise bad(f"cannot open it as an .npz archive ({type(e).__name__}: {e})") from None
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise bad("a single .npy array, not an .npz archive")
        with z:
            missing = [k for k in _MEMBERS if k not in z.files]
            if missing:
                raise bad(f"member(s) {', '.join(missing)} missing (has: {', '.join(z.files) or 'none'})")
            try:
                arrs = {k: z[k] for k in _MEMBERS}
                run = {k[len("running_"):]: z[k] for k in z.files if k.startswith("running_")}
            except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
                raise bad(f"truncated or corrupt member ({type(e).__name__}: {e})") from None
        try:
            meta = json.loads(str(arrs["meta"]))
            data_name, data_info = meta.pop("data_name"), meta.pop("data_info")
            seed, engine = meta.pop("traj_seed"), meta.pop("engine")
            meta["extra_checkpoints"] = tuple(meta["extra_checkpoints"])
        except (ValueError, KeyError, TypeError) as e:
            raise bad(f"its meta record is unreadable ({type(e).__name__}: {e})") from None
        try:
            data = Dataset(arrs["X"], arrs["y"], name=data_name, info=data_info)
            problem = Problem(data=data, **meta)
        except (ValueError, TypeError) as e:  # ProblemError is a ValueError
            raise bad(f"its data or problem is invalid: {e}") from None
        steps, rho, pre, W0 = arrs["steps"], arrs["rho"], arrs["preactivation"], arrs["W0"]
        n, d, m = data.n, data.d, problem.m
        if steps.ndim != 1 or len(steps) == 0 or not np.issubdtype(steps.dtype, np.integer):
            raise bad(f"steps must be a non-empty 1-d integer array; got {steps.dtype} of shape {steps.shape}")
        if np.any(np.diff(steps) <= 0) or steps[0] < 0 or steps[-1] > problem.steps:
            raise bad(f"steps must increase within [0, {problem.steps}]")
        K = len(steps)
        for name, a, shape in (("rho", rho, (K, 2, m, n)), ("preactivation", pre, (K, 2, m, n)),
                               ("W0", W0, (2, m, d))):
            if a.shape != shape:
                raise bad(f"{name} has shape {a.shape}, expected {shape} (K={K}, m={m}, n={n}, d={d})")
            if not np.issubdtype(a.dtype, np.floating):
                raise bad(f"{name} has dtype {a.dtype}, expected floats")
            if np.isnan(a).any():
                raise bad(f"{name} contains NaN ({int(np.isnan(a).sum())} entries)")
        running = None
        if run:
            from .running import KEYS, INT_KEYS

            shapes = {"min_preact_S0": (n,), "min_preact_S0_attained": (n,), "balance": (2, 2),
                      "balance_attained": (2, 2)}
            if sorted(run) != sorted(KEYS):
                raise bad(f"running quantities {sorted(run)} incomplete (expected {list(KEYS)})")
            for name, a in run.items():
                shape = shapes.get(name, (2, m, n))
                if a.shape != shape or (name in INT_KEYS) != np.issubdtype(a.dtype, np.integer):
                    raise bad(f"running_{name} has shape {a.shape} and dtype {a.dtype}, expected {shape}")
            running = {k: run[k].copy() for k in KEYS}
        return cls(problem, seed, engine, steps.copy(), rho.copy(), pre.copy(), W0.copy(), running=running)


_MEMBERS = ("X", "y", "W0", "steps", "rho", "preactivation", "meta")


def _jsonable(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
