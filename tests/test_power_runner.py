"""The power machinery itself (theorems.power and the report's power/tightness), on toy statements
whose answers are known: a check that compares a run with the exact model catches every fault that
changes the run; a check that never simulates is "not reached" and flagged unable to fail; a ReLU
statement excuses the fault that only touches sigma'(z < 0)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import sim
from theorems import power
from theorems.registry import Evidence, Statement
from theorems.report import results as R

DATA = sim.nearly_orthogonal(4, 12, p=0.02, seed=0)


def _problem(gamma):
    return st.builds(lambda s: sim.Problem(DATA, m=3, eta=0.5, sigma0=0.05, steps=200, gamma=gamma, seed=s),
                     st.integers(0, 5))


def check_loss_exact(problem) -> Evidence:
    """Holds iff one simulated step equals one exact GD step computed by hand (eq. 3.2)."""
    tr = sim.simulate(problem.replace(steps=1))
    # one exact GD step from W(0), by hand
    W0 = problem.init_weights(problem.seed)
    Z0 = W0 @ DATA.X.T
    f = (np.where(Z0 >= 0, Z0, problem.gamma * Z0).mean(1) * np.array([1.0, -1.0])[:, None]).sum(0)
    lp = -1.0 / (1.0 + np.exp(DATA.y * f))
    dC = -(problem.eta / (problem.n * problem.m)) * lp * DATA.y * np.array([1.0, -1.0])[:, None, None] \
        * np.where(Z0 >= 0, 1.0, problem.gamma)
    Z1 = Z0 + dC @ DATA.gram
    err = float(np.abs(tr.preactivation[-1] - Z1).max() / np.abs(Z1).max())
    return Evidence(holds=err <= 1e-9, witness=err, bound=1e-9, relation="<=", summary=f"err {err:.3g}")


def check_no_sim(problem) -> Evidence:
    return Evidence(holds=True, witness=0.5, bound=1.0, relation="<=", summary="no simulation")


def _stmt(sid, check, gamma, markers=()):
    return Statement(id=sid, kind="lemma", title=sid, text=sid, check=check, strategy=_problem(gamma),
                     markers=markers)


def test_exact_one_step_check_catches_every_fault_that_changes_step_one():
    res = power.measure(_stmt("toy-exact", check_loss_exact, 0.2), k=2)
    assert res["baseline_holds"] == 2
    by = {r["fault"]: r["result"] for r in res["faults"]}
    # every fault changes the first step except the init one, which changes W(0) and so Z(0) too
    assert all(v == "caught" for v in by.values()), by
    assert res["caught"] == res["tried"] == len(sim.faults.FAULTS) and not res["unable_to_fail"]


def test_check_without_simulation_is_not_reached_and_unable_to_fail():
    res = power.measure(_stmt("toy-nosim", check_no_sim, 0.2), k=1)
    assert {r["result"] for r in res["faults"]} == {"not reached"}
    assert res["caught"] == 0 and res["unable_to_fail"]


def test_relu_statement_excuses_the_leaky_only_fault():
    res = power.measure(_stmt("toy-relu", check_loss_exact, 0.0, markers=("relu",)), k=1)
    leaky_only = sorted(n for n, f in sim.faults.FAULTS.items() if f.needs_leaky)
    assert "dsigma_neg_halved" in leaky_only and sorted(res["excused"]) == leaky_only
    assert res["tried"] == len(sim.faults.FAULTS) - len(leaky_only)


def test_results_power_and_tightness():
    res = power.measure(_stmt("toy-nosim", check_no_sim, 0.2), k=1)
    recs = [{"statement": "toy", "role": "power", "power": res},
            {"statement": "toy", "role": "statement",
             "worst": {"witness": 0.5, "bound": 2.0, "relation": "<=", "margin": 0.75}}]
    p, t = R.power_of(recs), R.tightness(recs)
    assert p["unable_to_fail"] and p["label"].endswith("unable to fail")
    assert t["ratio"] == 0.25 and t["empirical_constant"] == 0.5
    # an erratum (expected refuted on the exact model) is never flagged unable to fail
    pe = R.power_of(recs, erratum=True)
    assert not pe["unable_to_fail"] and pe["label"].startswith("n/a: erratum")


def test_init_experiments_read_the_simulators_init():
    """Lemmas A.1/A.2 check W(0) as sim.simulate starts from it (so an init fault reaches them), and
    that is exactly Problem.init_weights of each seed."""
    import numpy as np

    import sim
    from sim import faults
    from theorems.statements.preliminaries import InitExperiment

    data = sim.Dataset(np.random.default_rng(0).standard_normal((3, 40)) / 6, np.ones(3), name="g")
    ex = InitExperiment(sim.Problem(data, m=5, eta=1.0, sigma0=0.5, steps=0, seed=11), inits=7)
    W = ex.weights()
    assert np.array_equal(W, np.stack([ex.problem.init_weights(11 + k) for k in range(7)]))
    with faults.inject("init_variance_squared"):
        assert np.allclose(ex.weights(), W * 0.5)
