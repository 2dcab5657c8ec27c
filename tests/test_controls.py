"""Controls: every statement's check, run on inputs that break one named hypothesis, must be
refuted by the search. A control that finds no counterexample fails: its check could not fail."""

import pytest

from theorems.catalogue import paper_statements
from theorems.runner import check_control, control_params

PAPER = paper_statements()


@pytest.mark.control
@pytest.mark.parametrize("stmt,control", control_params(PAPER))
def test_control(stmt, control, theorems_recorder):
    check_control(stmt, control, theorems_recorder)


def test_every_statement_has_a_control():
    """Each paper statement has at least one control (the printed Lemma 5.3 is itself a refutation)."""
    missing = [s.id for s in PAPER if not s.controls and "erratum" not in s.markers]
    assert not missing, f"statements without a control: {missing}"
