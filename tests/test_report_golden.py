"""The report renders one fixed set of records exactly as the golden files say.

``tests/data/report_input.json`` holds a realistic run's records (statements that hold, fail, are
refuted; controls; a binomial check over inits; an erratum; conjectures; plots; an experiment with
a figure), written once by ``tests/data/make_report_input.py``. ``results.json`` built from it must
equal ``tests/data/report_golden.json`` byte for byte; ``index.html`` must equal
``tests/data/report_golden.html`` after normalising insignificant whitespace (runs of whitespace
between tags are dropped and other runs become one space), so that moving markup from Python
strings into a template does not count as a change while any change of content, attribute or
number does.

When the page is changed on purpose, regenerate the golden files in a commit of their own that says
why: ``THEOREMS_REGEN_GOLDEN=1 python -m pytest tests/test_report_golden.py``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from theorems import report

DATA = Path(__file__).resolve().parent / "data"
REGEN = os.environ.get("THEOREMS_REGEN_GOLDEN") == "1"


def build() -> tuple[dict, str, str]:
    inp = json.loads((DATA / "report_input.json").read_text(encoding="utf-8"))
    results = report.build_results(inp["records"], inp["tests"], inp["environment"], inp["descriptions"],
                                   inp["paper_ids"], inp["experiments"])
    return results, report.dumps(results), report.render_html(results, assets_dir=DATA / "report_assets")


def normalise_html(text: str) -> str:
    """Whitespace between tags is insignificant; any other whitespace run counts as one space."""
    text = re.sub(r">\s+<", "><", text)
    return re.sub(r"\s+", " ", text).strip()


def test_results_json_matches_the_golden_file():
    _, text_json, _ = build()
    golden = DATA / "report_golden.json"
    if REGEN:
        golden.write_text(text_json, encoding="utf-8")
    assert text_json == golden.read_text(encoding="utf-8")


def test_html_matches_the_golden_file():
    _, _, text_html = build()
    golden = DATA / "report_golden.html"
    if REGEN:
        golden.write_text(text_html, encoding="utf-8")
    want, got = normalise_html(golden.read_text(encoding="utf-8")), normalise_html(text_html)
    if got != want:  # point at the first difference rather than dumping two pages
        k = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise AssertionError(f"HTML differs from the golden file at character {k}:\n"
                             f"got:  ...{got[max(0, k - 200):k + 200]}...\n"
                             f"want: ...{want[max(0, k - 200):k + 200]}...")
