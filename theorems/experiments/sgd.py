"""Mini-batch SGD on the paper's network (3.1) in weight space, batched over initialisations.

Why a second loop: the engines in :mod:`sim` work in coefficient space, where a step costs
``O(m n^2)`` (pre-activations on all ``n`` training points are updated through ``G = X X^T``) and a
trajectory stores ``(K, 2, m, n)`` arrays. That is ideal for the theorems' small ``n`` and large
``d``; for the real-data studies (digits: ``n = 1348 > d = 64``; MNIST: ``n = 60000``) a step in
weight space costs ``O(m b d)`` for a batch of ``b = 64`` and nothing of size ``n`` is stored.

The step is exactly (3.2) on the batch ``B_t``::

    w_{j,r} <- w_{j,r} - (eta / (|B_t| m)) sum_{i in B_t} l'_i sigma'(<w_{j,r}, x_i>) j y_i x_i

with ``sigma'(0) = 1`` (:mod:`sim.activation`), the batches of :meth:`sim.Problem.batch_schedule`
and ``W(0)`` from :meth:`sim.Problem.init_weights`, so a run equals ``sim.simulate(problem)`` to
round-off (checked in ``tests/test_experiments.py``). At each checkpoint it measures the stable
ranks ``SR(W_{+1}), SR(W_{-1}), SR(W)`` (``||A||_F^2 / ||A||_2^2``), the training loss and error and
the test error ``P[y f(W, x) <= 0]`` with ``f`` from :func:`sim.network_output`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch

from sim import Dataset, Problem, activation, network_output
from sim.simulate import resolve_device

METRICS = ("sr_pos", "sr_neg", "sr_all", "train_loss", "train_error", "test_error")


@dataclass
class SGDRun:
    """Metrics of ``len(problems)`` runs at the shared checkpoints: ``metrics[name]`` is ``(S, K)``.
    ``weights`` (``(S, K, 2, m, d)``) only when asked for."""

    steps: np.ndarray
    metrics: dict
    weights: np.ndarray | None = field(default=None, repr=False)


def stable_ranks(W: torch.Tensor) -> torch.Tensor:
    """``SR(W_{+1}), SR(W_{-1}), SR(W)`` for ``W`` of shape ``(S, 2, m, d)``; returns ``(S, 3)``.

    ``SR(A) = ||A||_F^2 / ||A||_2^2 = tr(A^T A) / lambda_max(A^T A)``, computed on the smaller Gram
    matrix (``d x d`` or ``m x m``); the whole ``W`` is the ``(2m, d)`` stack of both signs."""
    S, _, m, d = W.shape

    def sr(A):  # A: (S, rows, d)
        g = A.transpose(1, 2) @ A if A.shape[1] >= d else A @ A.transpose(1, 2)
        g = 0.5 * (g + g.transpose(1, 2))
        lam = torch.linalg.eigvalsh(g)[:, -1]
        tr = torch.diagonal(g, dim1=1, dim2=2).sum(-1)
        return torch.where(lam > 0, tr / lam, torch.full_like(lam, float("nan")))

    return torch.stack([sr(W[:, 0]), sr(W[:, 1]), sr(W.reshape(S, 2 * m, d))], dim=1)


def outputs(W: torch.Tensor, X: torch.Tensor, gamma: float, chunk: int | None = None) -> torch.Tensor:
    """``f(W, x)`` of eq. (3.1) for every row of ``X``: :func:`sim.network_output` on the
    pre-activations ``W X^T`` (``(S, 2, m, n)``), in chunks of ``chunk`` points (by default about
    2^18 pre-activations a chunk, which keeps them in cache); returns ``(S, n)``."""
    if chunk is None:
        chunk = max(16, 2 ** 18 // (W.shape[0] * W.shape[1] * W.shape[2]))
    out = [network_output(W @ X[a:a + chunk].T, gamma) for a in range(0, X.shape[0], chunk)]
    return torch.cat(out, dim=-1)


def _loss_and_error(W, X, y, gamma):
    margin = outputs(W, X, gamma) * y
    loss = torch.logaddexp(torch.zeros_like(margin), -margin).mean(-1)
    return loss, (margin <= 0).double().mean(-1)


def run_sgd(problems: Sequence[Problem], test: Dataset | None = None, device: str = "cpu",
            train_eval_max: int | None = None, keep_weights: bool = False,
            progress: Callable[[int, int], None] | None = None) -> SGDRun:
    """Run each problem's (mini-batch) gradient descent (3.2) from ``W(0) = problem.init_weights()``
    with ``problem.batch_schedule()``, all problems side by side as one batched torch loop.

    The problems must share data, ``m``, ``gamma``, ``eta``, ``sigma0``, ``steps``, checkpoints and
    batch size (they differ in ``seed``/``shuffle_seed``). ``train_eval_max`` evaluates the training
    loss and error on the first that many training points only (all by default). Returns
    :class:`SGDRun`; metrics are NaN where a quantity is undefined (``test`` is None: test error).
    """
    problems = list(problems)
    p0 = problems[0]
    for p in problems[1:]:
        same = (p.data is p0.data and p.m == p0.m and p.gamma == p0.gamma and p.eta == p0.eta
                and p.sigma0 == p0.sigma0 and p.steps == p0.steps and p.batch_size == p0.batch_size
                and np.array_equal(p.checkpoints, p0.checkpoints))
        if not same:
            raise ValueError("run_sgd: problems must differ only in seed and shuffle_seed")
    dev = torch.device(resolve_device(device))
    tt = lambda a: torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float64, device=dev)
    data, gamma, eta, m, n, d = p0.data, float(p0.gamma), float(p0.eta), p0.m, p0.n, p0.d
    S = len(problems)
    X, y = tt(data.X), tt(data.y)
    ne = n if train_eval_max is None else min(n, train_eval_max)
    Xe, ye = X[:ne], y[:ne]
    Xt = yt = None
    if test is not None:
        if test.d != d:
            raise ValueError(f"test data has d={test.d}, training data d={d}")
        Xt, yt = tt(test.X), tt(test.y)
    W = tt(np.stack([p.init_weights() for p in problems]))  # (S, 2, m, d)
    scheds = [p.batch_schedule() for p in problems]
    bs = scheds[0][1]
    perms = torch.as_tensor(np.stack([s[0] for s in scheds]), device=dev)  # (S, E, n)
    nb = -(-n // bs)
    jsign = torch.tensor([1.0, -1.0], dtype=torch.float64, device=dev).view(1, 2, 1, 1)
    ck = p0.checkpoints
    ck_index = {int(c): k for k, c in enumerate(ck)}
    K = len(ck)
    met = {k: np.full((S, K), np.nan) for k in METRICS}
    kept = np.empty((S, K, 2, m, d)) if keep_weights else None
    for t in range(p0.steps + 1):
        if t in ck_index:
            k = ck_index[t]
            with torch.no_grad():
                sr = stable_ranks(W).cpu().numpy()
                for c, name in enumerate(("sr_pos", "sr_neg", "sr_all")):
                    met[name][:, k] = sr[:, c]
                loss, err = _loss_and_error(W, Xe, ye, gamma)
                met["train_loss"][:, k] = loss.cpu().numpy()
                met["train_error"][:, k] = err.cpu().numpy()
                if Xt is not None:
                    met["test_error"][:, k] = _loss_and_error(W, Xt, yt, gamma)[1].cpu().numpy()
            if kept is not None:
                kept[:, k] = W.cpu().numpy()
            if progress is not None:
                progress(t, p0.steps)
        if t == p0.steps:
            break
        e, b = (t // nb) % perms.shape[1], t % nb
        idx = perms[:, e, b * bs:(b + 1) * bs]  # (S, B)
        B = idx.shape[1]
        Xb, yb = X[idx], y[idx]  # (S, B, d), (S, B)
        Z = (W.reshape(S, 2 * m, d) @ Xb.transpose(1, 2)).reshape(S, 2, m, B)
        f = network_output(Z, gamma)  # (S, B)
        lprime = -torch.sigmoid(-yb * f)  # l'(z) = -1 / (1 + e^z) at z = y f
        coef = (-(eta / (B * m)) * lprime * yb)[:, None, None, :]
        dc = coef * jsign * activation.sigma_prime(Z, gamma)  # (S, 2, m, B)
        W += (dc.reshape(S, 2 * m, B) @ Xb).reshape(S, 2, m, d)
    return SGDRun(ck.copy(), met, kept)
