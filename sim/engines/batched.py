"""Batched engine: the coefficient-space step of :mod:`sim.engines.fast`, vectorised in torch over
many initialisations of the same problem, on ``cpu`` or ``cuda``. Used for the statements that hold
"with probability at least 1 - delta over the random initialisation"."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .. import activation, running
from ..problem import Problem
from ..trajectory import Trajectory


def run(problem: Problem, seeds: Sequence[int], device: str = "cpu", progress=None) -> list[Trajectory]:
    seeds = [int(s) for s in seeds]
    dev = torch.device(device)
    data = problem.data
    W0s = np.stack([problem.init_weights(s) for s in seeds])  # (B, 2, m, d), drawn on the CPU
    tt = lambda a: torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float64, device=dev)
    X, y, G, sq = tt(data.X), tt(data.y), tt(data.gram), tt(data.norms ** 2)
    Z = tt(W0s) @ X.T  # (B, 2, m, n)
    rho = torch.zeros_like(Z)
    jsign = torch.tensor([1.0, -1.0], dtype=torch.float64, device=dev).view(1, 2, 1, 1)
    gamma, eta, m, n = problem.gamma, problem.eta, problem.m, problem.n
    perm, bs = problem.batch_schedule()
    nb = -(-n // bs)
    perm_t = torch.as_tensor(perm, device=dev)
    ck = problem.checkpoints
    ck_set = {int(c): k for k, c in enumerate(ck)}
    rhos, Zs = [], []
    tracker = running.PlainTracker(Z, y)  # every state, on the device (sim.running)
    for t in range(problem.steps + 1):
        tracker.observe(t, Z, rho)
        if t in ck_set:
            rhos.append(rho.cpu().numpy().copy())
            Zs.append(Z.cpu().numpy().copy())
            if progress is not None:
                progress(t, problem.steps)
        if t == problem.steps:
            break
        if bs >= n:
            Zb, yb, Gb, sqb = Z, y, G, sq
        else:
            idx = perm_t[(t // nb) % len(perm), (t % nb) * bs:(t % nb) * bs + bs]
            Zb, yb, Gb, sqb = Z[..., idx], y[idx], G[idx], sq[idx]
        f = activation.sigma(Zb, gamma).mean(dim=2)  # (B, 2, nb)
        f = f[:, 0] - f[:, 1]
        lprime = -torch.sigmoid(-yb * f)  # l'(z) = -1 / (1 + exp(z))
        coef = (-(eta / (yb.shape[0] * m)) * lprime * yb).unsqueeze(1).unsqueeze(1)
        dc = coef * jsign * activation.sigma_prime(Zb, gamma)  # (B, 2, m, nb)
        if bs >= n:
            rho += dc * sqb
        else:
            rho[..., idx] += dc * sqb
        Z += dc @ Gb
    rhos, Zs = np.stack(rhos, axis=1), np.stack(Zs, axis=1)
    return [Trajectory(problem, s, f"batched:{dev.type}", ck.copy(), rhos[b], Zs[b], W0s[b],
                       running=tracker.result(b))
            for b, s in enumerate(seeds)]
