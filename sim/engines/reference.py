"""Reference engine: plain weights and torch autograd, written to be obviously right.

Each step evaluates the network (3.1) on the (mini-)batch, the mean logistic loss, and takes
``W <- W - eta grad`` (3.2). The activation comes from :mod:`sim.activation` (``torch.where``), so its
autograd derivative at 0 is 1 as the paper fixes. ``rho`` is *recovered* from ``W(t) - W(0)`` by
least squares (Def. 5.1), independently of the recursion of Lemma 5.2 that the fast engines use.
"""

from __future__ import annotations

import numpy as np
import torch

from .. import activation, running
from ..problem import Problem
from ..trajectory import Trajectory


def rho_from_weights(W: np.ndarray, W0: np.ndarray, X: np.ndarray, return_residual: bool = False):
    """Solve ``W - W0 = C X`` for ``C`` by least squares and return ``rho = C ||x_i||^2`` (Def. 5.1).
    Unique when ``X`` has full row rank; otherwise the minimum-norm solution. With
    ``return_residual``, also ``||W - W0 - C X||_F / ||W - W0||_F``: how far ``W(t) - W(0)`` is from
    the span of the data (0 up to round-off for gradient descent)."""
    D = (W - W0).reshape(-1, W.shape[-1])
    C, *_ = np.linalg.lstsq(X.T, D.T, rcond=None)
    rho = (C.T * (np.linalg.norm(X, axis=1) ** 2)).reshape(W.shape[:-1] + (X.shape[0],))
    if not return_residual:
        return rho
    norm = np.linalg.norm(D)
    return rho, (float(np.linalg.norm(D - C.T @ X) / norm) if norm > 0 else 0.0)


def run(problem: Problem, seed: int | None = None, progress=None) -> Trajectory:
    seed = problem.seed if seed is None else seed
    W0 = problem.init_weights(seed)
    X = torch.from_numpy(problem.data.X)
    y = torch.from_numpy(problem.data.y)
    W = torch.from_numpy(W0.copy()).requires_grad_(True)
    perm, bs = problem.batch_schedule()
    nb = -(-problem.n // bs)
    ckpt = set(problem.checkpoints.tolist())
    Ws, Zs = [], []
    gamma, eta = problem.gamma, problem.eta
    # running quantities (sim.running), by brute force at every state: Z = W X^T and rho from
    # W - W(0) through the pseudo-inverse of X^T (the least-squares solution of Def. 5.1)
    Xn = problem.data.X
    pinvT = np.linalg.pinv(Xn.T).T  # (d, n): C = (W - W0) pinvT
    sq = problem.data.norms ** 2
    tracker = running.PlainTracker(W0 @ Xn.T, problem.data.y)
    for t in range(problem.steps + 1):
        with torch.no_grad():
            Wn = W.detach().numpy()
            tracker.observe(t, Wn @ Xn.T, ((Wn - W0) @ pinvT) * sq)
        if t in ckpt:
            Ws.append(W.detach().numpy().copy())
            with torch.no_grad():  # the same product a full-batch step uses, so signs match it
                Zs.append(torch.stack([W[0] @ X.T, W[1] @ X.T]).numpy().copy())
            if progress is not None:
                progress(t, problem.steps)
        if t == problem.steps:
            break
        idx = perm[(t // nb) % len(perm), (t % nb) * bs:(t % nb) * bs + bs]
        Xb = X[torch.from_numpy(idx)] if len(idx) < problem.n else X
        yb = y[torch.from_numpy(idx)] if len(idx) < problem.n else y
        f = activation.sigma(W[0] @ Xb.T, gamma).mean(0) - activation.sigma(W[1] @ Xb.T, gamma).mean(0)
        loss = torch.logaddexp(torch.zeros_like(f), -yb * f).mean()
        (grad,) = torch.autograd.grad(loss, W)
        with torch.no_grad():
            W -= eta * grad
    rho, resid = zip(*(rho_from_weights(Wk, W0, problem.data.X, return_residual=True) for Wk in Ws))
    return Trajectory(problem, seed, "reference", problem.checkpoints.copy(), np.stack(rho), np.stack(Zs),
                      W0, info={"span_residual": max(resid)}, running=tracker.result())
