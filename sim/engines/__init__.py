"""Engines that run gradient descent (3.2) on a :class:`~sim.problem.Problem`, one contract:
each returns :class:`~sim.trajectory.Trajectory` objects with identical content up to round-off,
including the per-step running quantities of :mod:`sim.running` (``tr.running``).

- ``reference``: full weights, torch autograd on the loss; obviously right, slow.
- ``fast``: coefficient space (numba), pre-activations updated through the n x n Gram matrix.
- ``event``: exact GD that runs in O(n^2) per step (n numbers) over windows in which the activation
  pattern provably cannot change, and the fast engine's per-step kernel around switches; the default.
- ``batched``: coefficient space in torch over many initialisations at once, on cpu or cuda.
"""
