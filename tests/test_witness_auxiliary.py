"""Witness helpers of the auxiliary lemmas (theorems/statements/auxiliary.py), on inputs with known
answers."""

import math

import numpy as np

from theorems.statements.auxiliary import MatrixExperiment, _exceedances, _sample


def test_h3_reports_the_empirical_constant_of_its_own_samples():
    """The reported empirical constant is max ||A||_2 / (K (sqrt m + sqrt n + t)) over the very
    matrices the check sampled (it drives the search's target)."""
    ex = MatrixExperiment(law="gaussian", m=6, n=4, t=1.0, C=2.0, seed=5, samples=40)
    ev = _exceedances(ex, 2.0, 0.5, "test")
    A = _sample(ex.law, np.random.default_rng(ex.seed), (ex.samples, ex.m, ex.n))
    want = np.linalg.norm(A, ord=2, axis=(1, 2)).max() / (2.0 * (math.sqrt(6) + 2 + 1.0))
    assert math.isclose(ev.details["empirical_constant"], want, rel_tol=1e-12)
    assert math.isclose(ev.score, want / ex.C, rel_tol=1e-12)


def test_psi2_norms_are_their_definition():
    """K = ||X||_psi2 is the K with E exp(X^2 / K^2) = 2, for each variance-1 law H.3 samples."""
    from scipy import integrate

    from theorems.statements.auxiliary import PSI2

    K = PSI2["gaussian"]
    assert math.isclose(1 / math.sqrt(1 - 2 / K ** 2), 2.0, rel_tol=1e-12)  # E exp(s X^2) = (1-2s)^-1/2
    assert math.isclose(math.exp(1 / PSI2["rademacher"] ** 2), 2.0, rel_tol=1e-12)
    a = math.sqrt(3.0)  # uniform on [-sqrt 3, sqrt 3] has variance 1
    val, _ = integrate.quad(lambda x: math.exp(x * x / PSI2["uniform"] ** 2) / (2 * a), -a, a)
    assert math.isclose(val, 2.0, rel_tol=1e-9)
