"""The activation sigma of eq. (3.1) and its derivative, in one place.

ReLU is ``sigma(z) = max(0, z)``; leaky ReLU with slope ``gamma`` is ``sigma(z) = max(gamma z, z)``.
ReLU is the case ``gamma = 0``. The paper fixes ``sigma'(0) = 1`` (Section 3); this matters on
exactly orthogonal data and with ``sigma0 = 0``, where pre-activations sit exactly at zero.
torch's own ``relu`` has derivative 0 at 0, so every engine uses these functions instead.
"""

from __future__ import annotations

import numpy as np


def sigma(z, gamma: float):
    """``sigma(z) = z`` if ``z >= 0`` else ``gamma z`` (eq. 3.1). Works on numpy arrays and torch tensors."""
    if isinstance(z, np.ndarray) or np.isscalar(z):
        return np.where(z >= 0, z, gamma * z)
    import torch

    return torch.where(z >= 0, z, gamma * z)


def sigma_prime(z, gamma: float):
    """``sigma'(z) = 1`` if ``z >= 0`` else ``gamma``; ``sigma'(0) = 1`` as the paper fixes it."""
    if isinstance(z, np.ndarray) or np.isscalar(z):
        return np.where(z >= 0, 1.0, gamma)
    import torch

    return torch.where(z >= 0, torch.ones_like(z), torch.full_like(z, gamma))


def name(gamma: float) -> str:
    """``"relu"`` for ``gamma = 0``, else ``"leaky(gamma)"``."""
    return "relu" if gamma == 0 else f"leaky({gamma:g})"
