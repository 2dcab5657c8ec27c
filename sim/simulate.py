"""The one entry point: :func:`simulate` runs a problem on a named engine and device."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .errors import ProblemError
from .problem import Problem
from .trajectory import Trajectory

ENGINES = ("reference", "fast", "event", "batched")
DEVICES = ("cpu", "cuda", "auto")


def resolve_device(device: str) -> str:
    """``cpu``, ``cuda`` (checked to exist), or ``auto`` (cuda if present, else cpu)."""
    if device not in DEVICES:
        raise ProblemError(f"unknown device {device!r}; choose one of {DEVICES}")
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ProblemError("device 'cuda' requested but torch sees no CUDA device")
    return device


def simulate(problem: Problem, engine: str = "event", seeds: Sequence[int] | None = None,
             device: str = "cpu", progress=None) -> Trajectory | list[Trajectory]:
    """Run gradient descent (3.2) on ``problem``.

    With ``seeds=None`` returns one :class:`Trajectory` from ``problem.seed``; with a sequence of
    seeds returns one trajectory per seed (the ``batched`` engine runs them all in one call; the
    others run them one at a time). ``device`` applies to the batched engine (the reference, fast
    and event engines run on the CPU). ``progress(t, steps)`` is called at every checkpoint.
    Engine and device are validated before anything runs. Inside ``sim.faults.inject(name)`` (power
    measurement only) the coefficient-space engines are replaced by :mod:`sim.engines.faulty`. The default ``event`` engine is exact GD
    like the others and never slower than ``fast`` on the CPU (see :mod:`sim.engines.event`).
    """
    if not isinstance(problem, Problem):
        raise ProblemError(f"expected a sim.Problem; got {type(problem).__name__}")
    if engine not in ENGINES:
        raise ProblemError(f"unknown engine {engine!r}; choose one of {ENGINES}")
    dev = resolve_device(device)
    if dev != "cpu" and engine != "batched":
        raise ProblemError(f"engine {engine!r} runs on the cpu only; use engine='batched' for {dev}")
    if seeds is not None:
        seeds = list(seeds)
        if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
            raise ProblemError(f"seeds must be a non-empty sequence of integers >= 0; got {seeds!r}")
        seeds = [int(s) for s in seeds]
    from . import faults

    fault = faults.active()  # None unless inside sim.faults.inject(...): the exact model
    if fault is not None:
        # a named simulator fault (power measurement only): a separate faulty kernel, never the exact engines
        from .engines import faulty

        go = faulty.run_reference if engine == "reference" else faulty.run
        runs = [go(problem, s, fault, progress) for s in ([None] if seeds is None else seeds)]
        return runs[0] if seeds is None else runs
    if engine == "batched":
        from .engines import batched

        out = batched.run(problem, [problem.seed] if seeds is None else seeds, dev, progress)
        return out[0] if seeds is None else out
    if engine == "fast":
        from .engines import fast as mod
    elif engine == "event":
        from .engines import event as mod
    else:
        from .engines import reference as mod
    if seeds is None:
        return mod.run(problem, progress=progress)
    return [mod.run(problem, s, progress) for s in seeds]
