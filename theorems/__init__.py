"""Executable forms of the statements of Kou, Chen, Gu (2023): conditions, Hypothesis strategies,
a registry of statements with checks that return evidence, and the pytest plugin and report."""

from .conjectures import conjecture
from .constants import Constant
from .registry import REGISTRY, Evidence, Statement, all_statements, statement

__all__ = ["REGISTRY", "Constant", "Evidence", "Statement", "all_statements", "conjecture", "statement"]
