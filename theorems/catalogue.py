"""The catalogue: the one place that imports every statement module, so that every statement of
the paper is registered. Everything that needs *all* statements (the test modules, the plugin, the
command line) asks here; the registry below it imports no statement.

Layers, each importing only from those before it::

    constants, conditions, profiles -> strategies -> registry -> runner -> conjectures
      -> statements/* -> catalogue -> plugin, cli, report

A researcher's conjecture file (``tests/test_my_conjecture.py``) registers its conjectures through
:func:`theorems.conjectures.conjecture` when pytest imports it; it is not listed here, and it
appears in the report like any registered statement.
"""

from __future__ import annotations

from .registry import Statement, registered
from .statements import (auxiliary, conjectures, conjectures_new, errata, leaky,  # noqa: F401  (they register)
                         leaky_phases, preliminaries, relu, relu_limits)

STATEMENT_MODULES = (preliminaries, leaky, leaky_phases, relu, relu_limits, auxiliary, errata, conjectures,
                     conjectures_new)


def all_statements(kind: str | None = None) -> list[Statement]:
    """Every registered statement (the paper's, and any conjecture registered since), in
    registration order."""
    return registered(kind)


def paper_statements() -> list[Statement]:
    """The paper's lemmas, theorems and corollaries (no conjectures)."""
    return [s for s in registered() if s.kind != "conjecture"]
