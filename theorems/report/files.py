"""Writing the report: both files are rendered in memory first, then each is written to a
temporary file in the report directory and moved over the old one with :func:`os.replace`, so an
interrupted or failing write leaves the previous report as it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from . import page
from .results import dumps, load_experiments, load_sweeps, read_results, refresh


def _file_mode(target: Path) -> int:
    """The existing file's permissions, else the usual ones for a new file (0666 less umask)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _atomic_write_many(files: dict[Path, str]) -> None:
    """Write each text to a temporary file beside its target, then move them all into place.

    Nothing is replaced until every temporary file is complete; on any error the temporary files
    are removed and the old files are left untouched."""
    temps: list[tuple[str, Path]] = []
    try:
        for target, text in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            temps.append((tmp, target))
            os.chmod(tmp, _file_mode(target))
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
        for tmp, target in temps:
            os.replace(tmp, target)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                try:
                    os.unlink(tmp)
                except OSError:
                    pass


def write_report(report_dir: str | os.PathLike, results: dict, *, json_name: str = "results.json",
                 html_name: str = "index.html", assets_dir: str | os.PathLike | None = None) -> dict:
    """Render and atomically write ``results.json`` and ``index.html`` into ``report_dir``.

    ``assets_dir`` is where experiment folders are looked up (default: ``report_dir``).
    Returns ``{"json": path, "html": path}``."""
    d = Path(report_dir)
    text_json = dumps(results)          # render everything before touching the disk
    text_html = page.render_html(results, assets_dir=assets_dir if assets_dir is not None else d)
    paths = {d / json_name: text_json, d / html_name: text_html}
    _atomic_write_many(paths)
    return {"json": str(d / json_name), "html": str(d / html_name)}


def rebuild(json_path: str | os.PathLike, out_dir: str | os.PathLike | None = None) -> dict:
    """Rebuild ``index.html`` and ``results.json`` in ``out_dir`` (default: beside the JSON) from a
    results file. The experiments are read again from ``experiments/*/study.json`` beside the
    JSON (so studies run after the tests appear), and their figures are embedded from there."""
    src = Path(json_path)
    results = refresh(read_results(src), load_experiments(src.parent), load_sweeps(src.parent))
    out = Path(out_dir) if out_dir is not None else src.parent
    text_json = dumps(results)
    text_html = page.render_html(results, assets_dir=src.parent)
    _atomic_write_many({out / "results.json": text_json, out / "index.html": text_html})
    return {"html": str(out / "index.html"), "json": str(out / "results.json")}
