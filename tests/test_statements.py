"""One test per statement of the paper (select with ``-k "B.5"`` or ``-m leaky``).

Each draws examples that meet the statement's hypotheses from its Hypothesis strategy, runs its
check, pushes the witness toward failure with ``hypothesis.target``, and records the evidence
for the report. Statements marked ``erratum`` (Lemma 5.3 as printed) must be refuted by the
search instead.
"""

import pytest

from theorems.catalogue import paper_statements
from theorems.runner import check_statement, statement_params

PAPER = paper_statements()


@pytest.mark.statement
@pytest.mark.parametrize("stmt", statement_params(statements=PAPER))
def test_statement(stmt, theorems_recorder, request):
    check_statement(stmt, theorems_recorder, strict=request.config.getoption("theorems_strict"))
