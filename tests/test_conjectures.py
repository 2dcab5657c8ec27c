"""The paper's open questions as conjectures (a refuted conjecture is a finding: xfail, or a failure
under --theorems-strict). Researchers add theirs the same way (see README)."""

from theorems.statements import conjectures as Q

test_margins_equalise = Q.margins_equalise
test_kkt_residual_falls = Q.kkt_residual_falls
test_relu_pattern_freezes = Q.relu_pattern_freezes
test_relu_loss_one_over_t = Q.relu_loss_one_over_t
