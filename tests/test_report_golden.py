"""The report renders one fixed set of records exactly as the golden files say.

``tests/data/report_input.json`` holds a realistic run's records (statements that hold, fail, are
refuted; controls; a binomial check over inits; an erratum; conjectures; plots; an experiment with
a figure), written once by ``tests/data/make_report_input.py``. ``results.json`` built from it must
equal ``tests/data/report_golden.json`` byte for byte; ``index.html`` must equal
``tests/data/report_golden.html`` as parsed HTML: the same sequence of tags, with the same
attributes and values, and the same text. Insignificant differences are normalised away: whitespace
(each text run is stripped and inner runs become one space, so whitespace between tags does not
count), attribute quoting (``class=meta`` or ``class="meta"``) and how a character is escaped
(``&#x27;`` or ``&#39;``). Moving markup from Python strings into a template therefore does not
count as a change, while any change of content, attribute or number does.

When the page is changed on purpose, regenerate the golden files in a commit of their own that says
why: ``THEOREMS_REGEN_GOLDEN=1 python -m pytest tests/test_report_golden.py``.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

from theorems import report

DATA = Path(__file__).resolve().parent / "data"
REGEN = os.environ.get("THEOREMS_REGEN_GOLDEN") == "1"


def build() -> tuple[dict, str, str]:
    inp = json.loads((DATA / "report_input.json").read_text(encoding="utf-8"))
    results = report.build_results(inp["records"], inp["tests"], inp["environment"], inp["descriptions"],
                                   inp["paper_ids"], inp["experiments"])
    return results, report.dumps(results), report.render_html(results, assets_dir=DATA / "report_assets")


class _Tokens(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.out.append(f"<{tag} " + " ".join(f"{k}={v!r}" for k, v in attrs) + ">")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data).strip()
        if text:
            self.out.append(text)

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")


def normalise_html(text: str) -> list[str]:
    """The page as a list of tokens: start tags with their attributes, end tags, and text with
    its whitespace collapsed (see the module docstring)."""
    p = _Tokens()
    p.feed(text)
    p.close()
    return p.out


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
        raise AssertionError(f"HTML differs from the golden file at token {k}:\n"
                             f"got:  {got[max(0, k - 3):k + 3]}\nwant: {want[max(0, k - 3):k + 3]}")
