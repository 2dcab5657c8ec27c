"""What a newcomer runs is what is tested.

The README's own ``pytest -n auto`` once failed at collection in a fresh environment while CI, which
ran ``python -m pytest``, stayed green: ``tests/sim`` was imported as a namespace package ``sim``
and shadowed the simulator. These tests would have caught it, and keep ``.ci/run`` from drifting
away from the README's commands.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sim
import theorems

ROOT = Path(__file__).resolve().parents[1]


def _readme_setup_commands() -> list[str]:
    """The commands of the first ``bash`` block under "Set up and run", comments stripped."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Set up and run", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_packages_imported_are_the_checkouts():
    """``sim`` and ``theorems`` are the regular packages of this checkout, not ``tests/sim``."""
    for pkg in (sim, theorems):
        assert pkg.__file__ is not None, f"{pkg.__name__} imported as a namespace package"
        assert Path(pkg.__file__).resolve().parent.parent == ROOT, pkg.__file__
    assert hasattr(sim, "Problem")


def test_ci_runs_exactly_the_readme_commands():
    """``.ci/run`` executes the README's install and test commands verbatim, and nothing else."""
    readme = _readme_setup_commands()
    assert len(readme) == 2 and readme[1] == "pytest -n auto", readme
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()
          if line.strip() and not line.lstrip().startswith("#")
          and not line.startswith(("set ", "cd "))]
    assert ci == readme, f".ci/run runs {ci}, the README says {readme}"


def test_bare_pytest_collects_from_the_root():
    """The bare ``pytest`` console script (not ``python -m pytest``, which adds the working
    directory to ``sys.path`` and hid the shadowing) collects the whole suite without an error."""
    exe = Path(sys.executable).parent / "pytest"
    exe = str(exe) if exe.exists() else shutil.which("pytest")
    if exe is None:
        pytest.skip("no pytest console script on PATH")
    r = subprocess.run([exe, "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    tail = (r.stdout + r.stderr)[-3000:]
    assert r.returncode == 0, tail
    assert not re.search(r"\d+ errors?", tail), tail
    assert re.search(r"\d+ tests? collected", tail), tail


def test_an_uninstalled_checkout_stops_with_the_install_command(request):
    """Collecting before installing stops with one line naming what is missing and the README's
    install command (it was an INTERNALERROR traceback about threadpoolctl)."""
    from conftest import INSTALL, missing_requirements

    assert missing_requirements(request.config) == []
    assert missing_requirements(request.config, ("numpy", "no_such_module_xyz")) == ["no_such_module_xyz"]
    assert INSTALL == _readme_setup_commands()[0]


def test_the_plugin_running_is_the_checkouts(request):
    """Inside the repository the installed pytest11 entry point is blocked and conftest.py registers
    the plugin from this checkout, so a stale install (an editable install whose checkout moved:
    bare pytest crashed with "No module named 'theorems'") is never the plugin that runs."""
    pm = request.config.pluginmanager
    assert pm.is_blocked("theorems") and not pm.has_plugin("theorems")
    plugin = pm.get_plugin("theorems.plugin")
    assert plugin is not None and Path(plugin.__file__).resolve().parent.parent == ROOT
