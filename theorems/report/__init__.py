"""The report: ``results.json`` for machines and a self-contained ``index.html`` for people.

Both are built from one dictionary (the *results*), so ``python -m theorems report --from
results.json`` rebuilds exactly the page the test run wrote. Three layers, each knowing only the
ones before it:

- :mod:`~theorems.report.results`: the results model (schema, verdict rules, building results
  from records, merging a partial run into the previous results, reading them back);
- :mod:`~theorems.report.plots`: plots of ``Evidence.series`` as inline SVG;
- :mod:`~theorems.report.page`: the HTML, rendered from ``templates/report.html.j2``;

and :mod:`~theorems.report.files`, which writes both files atomically.
"""

from .files import rebuild, write_report
from .page import render_html, replay_commands, witness_text
from .plots import series_svg
from .results import (SCHEMA, build_results, collect_environment, combine_verdict, dumps, is_erratum, jsonable,
                      load_experiments, load_sweeps, merge_results, num, read_results, refresh, source_hash,
                      truncate)

__all__ = ["SCHEMA", "build_results", "collect_environment", "combine_verdict", "dumps", "is_erratum",
           "jsonable", "load_experiments", "load_sweeps", "merge_results", "num", "read_results", "rebuild", "refresh", "render_html",
           "replay_commands", "series_svg", "source_hash", "truncate", "witness_text", "write_report"]
