"""Executable forms of the statements of Kou, Chen, Gu (2023): conditions, Hypothesis strategies,
a registry of statements with checks that return evidence, and the pytest plugin and report."""

from .conjectures import conjecture
from .constants import Constant
from .registry import REGISTRY, Evidence, Statement, statement


def __getattr__(name):
    # ``theorems.all_statements()`` imports the catalogue (every statement module) only when asked
    if name == "all_statements":
        from .catalogue import all_statements

        return all_statements
    raise AttributeError(f"module 'theorems' has no attribute {name!r}")

__all__ = ["REGISTRY", "Constant", "Evidence", "Statement", "all_statements", "conjecture", "statement"]
