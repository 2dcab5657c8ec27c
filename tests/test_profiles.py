"""The Hypothesis profiles: the default one is derandomized (same commit, same verdicts), a seed
or the ``search`` profile gives a fresh search (theorems/profiles.py)."""

from __future__ import annotations

import pytest
from hypothesis import settings

from theorems import profiles
from theorems.catalogue import all_statements
from theorems.registry import REGISTRY
from theorems.runner import Recorder, check_statement


@pytest.fixture
def restore_profile():
    name = profiles.current_profile()
    yield
    settings.load_profile(name)


def test_ci_is_derandomized_and_search_is_not(restore_profile):
    settings.load_profile("ci")
    assert settings.default.derandomize and settings.default.database is None
    assert "derandomized" in profiles.search_description()
    settings.load_profile("search")
    assert not settings.default.derandomize and settings.default.database is not None
    assert settings.default.max_examples == settings.get_profile("ci").max_examples
    assert profiles.horizon_scale() == 1


def test_a_seed_lifts_derandomize_and_keeps_the_profile(restore_profile):
    settings.load_profile("thorough")
    profiles.honour_seed(7)  # not derandomized: nothing to lift
    assert profiles.current_profile() == "thorough"
    settings.load_profile("ci")
    profiles.honour_seed(None)
    assert profiles.current_profile() == "ci"
    profiles.honour_seed(7)
    assert profiles.current_profile() == "ci+seed" and profiles.base_profile() == "ci"
    assert not settings.default.derandomize
    assert settings.default.max_examples == settings.get_profile("ci").max_examples
    assert profiles.search_description(7) == "seeded: --hypothesis-seed=7"


def _run(stmt) -> dict:
    rec = Recorder(f"test::{stmt.id}")
    check_statement(stmt, rec)
    return rec.to_json()


def test_same_examples_and_verdict_on_every_run(restore_profile):
    """Under ``ci`` a statement's search is the same on every run: same number of examples, same
    verdict, the same worst witness to the last bit."""
    settings.load_profile("ci")
    all_statements()
    stmt = REGISTRY["H.4"]
    a, b = _run(stmt), _run(stmt)
    assert a["verdict"] == b["verdict"] == "holds"
    assert a["examples"] == b["examples"]
    assert a["worst"]["witness"] == b["worst"]["witness"]
    assert a["worst"]["details"] == b["worst"]["details"]


def test_profiles_do_not_inherit_hypothesis_ci_profile():
    """Under a CI variable Hypothesis activates its own ``ci`` profile (derandomized, no database)
    before our profiles are registered; ``search`` and ``thorough`` must stay random with a
    database there too (CI failed on exactly this: stop 14)."""
    import os
    import subprocess
    import sys

    code = ("from hypothesis import settings; import theorems.profiles; "
            "s = settings.get_profile('search'); t = settings.get_profile('thorough'); "
            "print(s.derandomize, s.database is None, t.derandomize, t.database is None)")
    env = dict(os.environ, CI="true")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False", "False", "False"], out
