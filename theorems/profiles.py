"""Hypothesis profiles for the suite, chosen with Hypothesis's own ``--hypothesis-profile``.

- ``ci`` (the default): 30 examples per statement, horizons of about 10^3-10^5 steps (10x longer,
  up to 4 10^6, for the limit and rate statements: ``LIMIT_HORIZON_SCALE``), so the whole
  ``pytest -n auto`` run stays well under 10 minutes on 2 cores. **Derandomized**
  (Hypothesis's ``derandomize=True``: each test's search is seeded from a hash of the test), so one
  commit gives the same examples, and so the same verdicts, run after run and clone after clone;
  Hypothesis then keeps no example database (``derandomize`` implies ``database=None``), and a
  failure is replayed from the report (``python -m theorems replay ID``) or from the
  ``@reproduce_failure`` blob it prints.
- ``search``: the ``ci`` sizes with a fresh random search each run and the example database
  (``.hypothesis/``): what to run to look for new counterexamples.
- ``thorough``: many examples and horizons 10x longer (10^5 steps and more; the limit and rate
  statements keep ci's horizons, already 10x); random, with the example database.
``--hypothesis-seed=N`` with a derandomized profile switches it to the same sizes seeded with N
(Hypothesis would otherwise ignore the seed: ``derandomize`` takes precedence over it).
No deadlines anywhere: simulation time varies with the drawn sizes.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager

from hypothesis import HealthCheck, settings

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture,
             HealthCheck.filter_too_much, HealthCheck.differing_executors]

# Every profile inherits from Hypothesis's pristine "default" profile, not from whatever is active
# at import: under a CI variable (CI, GITHUB_ACTIONS, ...) Hypothesis activates its own "ci"
# profile (derandomize=True, database=None) first, and a profile registered without a parent would
# silently inherit both (``search`` and ``thorough`` became derandomized on the CI machine).
_BASE = settings.get_profile("default")

settings.register_profile("ci", _BASE, max_examples=30, deadline=None, suppress_health_check=_SUPPRESS,
                          print_blob=True, derandomize=True)
settings.register_profile("search", _BASE, max_examples=30, deadline=None, suppress_health_check=_SUPPRESS,
                          print_blob=True)
settings.register_profile("thorough", _BASE, max_examples=100, deadline=None,
                          suppress_health_check=_SUPPRESS, print_blob=True)
settings.register_profile("dev", _BASE, max_examples=3, deadline=None, suppress_health_check=_SUPPRESS,
                          print_blob=True, derandomize=True)

# horizon multiplier per profile: strategies scale their number of steps by it
HORIZON_SCALE = {"ci": 1, "search": 1, "dev": 1, "thorough": 10}
SEEDED = "+seed"  # suffix of a derandomized profile re-registered with a user's --hypothesis-seed

# statements whose checks are limits or rates (``limit=True`` in their strategies) run horizons this
# many times longer again: a longer horizon is what makes a finite-horizon check of a limit sharp,
# and where the pattern freezes the event engine makes the extra steps nearly free (tests/sim,
# bench/benchmark.py --event-only). ``thorough`` already runs 10x horizons and keeps them (so its
# limit horizons equal ci's): 100x did not finish within 15 minutes on 2 cores, because ReLU on
# nearly orthogonal data (4.3, E.1) keeps switching and runs per step.
LIMIT_HORIZON_SCALE = {"ci": 10, "search": 10, "dev": 10, "thorough": 1}
LIMIT_HORIZON_MAX = 10  # the largest of them (the strategies' step cap scales with it)


_LIMIT_OVERRIDE: list = []  # a stack: limit_horizons(k) pushes k for the duration of a block


def limit_horizon_scale() -> int:
    """The active profile's extra horizon multiplier for limit and rate statements (or the one
    :func:`limit_horizons` set)."""
    if _LIMIT_OVERRIDE:
        return _LIMIT_OVERRIDE[-1]
    return LIMIT_HORIZON_SCALE.get(base_profile(), LIMIT_HORIZON_MAX)


@contextmanager
def limit_horizons(scale: int):
    """Draw limit and rate statements' examples with extra horizon multiplier ``scale`` inside the
    block (the power measurement uses 1: see :mod:`theorems.power`)."""
    _LIMIT_OVERRIDE.append(int(scale))
    try:
        yield
    finally:
        _LIMIT_OVERRIDE.pop()


def current_profile() -> str:
    return settings.get_current_profile_name() if hasattr(settings, "get_current_profile_name") \
        else getattr(settings, "_current_profile", "ci")


def base_profile() -> str:
    """The active profile's name without the suffix :func:`honour_seed` adds."""
    return current_profile().removesuffix(SEEDED)


HORIZON_ENV = "THEOREMS_HORIZON_SCALE"


def horizon_scale() -> int | float:
    """The profile's horizon multiplier, or ``$THEOREMS_HORIZON_SCALE`` when set (a number > 0;
    set by ``python -m theorems check --horizon-scale K``). An integer unless the override is
    fractional."""
    env = os.environ.get(HORIZON_ENV, "").strip()
    if env:
        try:
            v = float(env)
        except ValueError:
            raise ValueError(f"{HORIZON_ENV} must be a number > 0; got {env!r}") from None
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{HORIZON_ENV} must be a number > 0; got {env!r}")
        return int(v) if v.is_integer() else v
    return HORIZON_SCALE.get(base_profile(), 1)


def load_default() -> None:
    """Make ``ci`` the active profile unless another one is already active."""
    if current_profile() == "default":
        settings.load_profile("ci")


def honour_seed(seed) -> None:
    """Make ``--hypothesis-seed=N`` take effect: a derandomized profile ignores it (Hypothesis
    checks ``derandomize`` before the global seed), so load the same profile without
    ``derandomize``; the pytest plugin of Hypothesis then seeds every test with ``N``."""
    if seed is None or not settings.default.derandomize:
        return
    name = current_profile() + SEEDED
    settings.register_profile(name, settings(settings.default, derandomize=False, database=None))
    settings.load_profile(name)


def search_description(seed=None) -> str:
    """How the active profile searches, for the report's environment section."""
    if settings.default.derandomize:
        return "derandomized: each test's seed is a hash of the test (the same examples every run)"
    if seed is not None:
        return f"seeded: --hypothesis-seed={seed}"
    return "random: a fresh search each run (replay failures from the example database)"
