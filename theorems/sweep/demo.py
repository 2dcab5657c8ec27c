"""Tiny importable tasks for the runner's own tests (a worker imports a task's function by name)."""

from __future__ import annotations

import time


def square(x: int, seconds: float = 0.0) -> dict:
    """``{"x": x, "square": x * x}`` after sleeping ``seconds``."""
    time.sleep(seconds)
    return {"x": x, "square": x * x}


def fail_on(x: int, bad: int, seconds: float = 0.0) -> dict:
    """:func:`square`, except that ``x == bad`` raises ``ValueError``."""
    if x == bad:
        raise ValueError(f"task {x} fails on purpose")
    return square(x, seconds)
