"""New conjectures in a few lines.

    import sim
    from theorems import Evidence, conjecture
    from theorems import strategies as S

    @conjecture("my.1", text="Leaky GD: the smallest margin at T is positive.",
                strategy=S.leaky_problems(), max_examples=3)
    def test_margins_positive(problem):
        tr = sim.simulate(problem, engine="fast")
        w = float(tr.margins[-1].min())
        return Evidence(holds=w > 0, witness=w, bound=0.0, relation=">=",
                        summary=f"min_i y_i f(W(T), x_i) = {w:.3g}")

The decorator registers the statement (kind ``conjecture``) and returns a pytest test bound to the
name of the ``def`` - so name it ``test_...``, or pytest does not collect it. Put it in any
``test_*.py`` file (or pass the file to pytest) and it runs
under Hypothesis, appears in the report, and - when refuted - is shown as a finding (xfail) with
its counterexample; ``--theorems-strict`` makes a refutation fail the run.
"""

from __future__ import annotations

import pytest

from .registry import Statement, register
from .runner import check_statement


def conjecture(id: str, *, text: str, strategy, title: str | None = None, hypotheses=(),
               constants=(), markers=(), source: str = "", max_examples: int | None = None):
    def deco(check):
        default_title = check.__name__.removeprefix("test_").replace("_", " ")
        stmt = register(Statement(id=id, kind="conjecture", title=title or default_title,
                                  text=text, check=check, strategy=strategy,
                                  hypotheses=tuple(hypotheses), constants=tuple(constants),
                                  markers=("conjecture",) + tuple(markers), source=source,
                                  max_examples=max_examples))

        @pytest.mark.conjecture
        def test(theorems_recorder, request):
            check_statement(stmt, theorems_recorder, strict=request.config.getoption("theorems_strict"))

        name = check.__name__ if check.__name__.startswith("test") else f"test_{check.__name__}"
        test.__name__ = test.__qualname__ = name
        test._theorems_conjecture = True
        test.__doc__ = text
        test.statement = stmt
        test.check = check
        return test

    return deco
