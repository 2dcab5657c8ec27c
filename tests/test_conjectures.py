"""The paper's open questions as conjectures (a refuted conjecture is a finding: xfail, or a failure
under --theorems-strict). Researchers add theirs the same way (see README)."""

from theorems.statements import conjectures as Q

test_margins_equalise = Q.margins_equalise
test_kkt_residual_falls = Q.kkt_residual_falls
test_relu_pattern_freezes = Q.relu_pattern_freezes
test_relu_loss_one_over_t = Q.relu_loss_one_over_t

# two conjectures from what the suite has seen (issue 11), written with the public decorator
from theorems.statements import conjectures_new as N  # noqa: E402

test_chattering_persists = N.test_chattering_persists
test_stable_rank_gap_log_squared = N.test_stable_rank_gap_log_squared
