"""Power: for every paper statement, which named simulator faults (``sim.faults``) its check
catches. Each test records its result into the report (the **power** column) through the same
``user_properties`` channel as the statement tests; a statement that catches no fault is marked
xfail as *unable to fail*, and the report flags it.

Select with ``-m power``; skip with ``-m "not power"``. Cost: ``$THEOREMS_POWER_EXAMPLES``
(default 4) derandomised examples per statement, each run once on the exact model and once per
fault (stopping at the first catch).
"""

from __future__ import annotations

import pytest

from theorems.catalogue import paper_statements
from theorems.power import check_power, power_params


@pytest.mark.parametrize("stmt", power_params(paper_statements()))
def test_power(stmt, theorems_recorder):
    check_power(stmt, theorems_recorder)
