"""A resumable sweep runner on Dask distributed.

A sweep is a list of :class:`Task` (a key, an importable function, its arguments and a JSON-able
description of the setting and seed). :func:`run_tasks` fans them out over a Dask cluster -- an
embedded ``LocalCluster`` (processes, one thread each) by default, or an existing cluster given by
its scheduler address -- and writes each finished task's record atomically to
``<out_dir>/tasks/<key>.json`` *as it completes*, on the client (so workers need no shared disk).

Nothing is lost:

- re-running the same sweep skips every task whose record is on disk (an interrupted sweep resumes;
  the records are the same as an uninterrupted run's, because each task is a pure function of its
  arguments);
- a task that raises is recorded with its error (``status: "error"``) and the sweep goes on;
  ``retry_errors=True`` runs those again;
- a worker that dies takes no task with it: Dask's scheduler re-runs the tasks it held on another
  worker (``distributed.scheduler.allowed-failures`` times, then the task is recorded as an error);
- the output folder is checked writable before any cluster is started.

A progress line on stderr shows tasks done / total and an ETA.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

RECORD_DIR = "tasks"


class SweepError(RuntimeError):
    """A sweep cannot start (for example, its output folder is not writable)."""


@dataclass
class Task:
    """One unit of work: ``fn(*args)`` returns a JSON-able dict. ``key`` names its record file
    (letters, digits, ``-_.=+`` only); ``meta`` describes the setting and seed (stored with the result)."""

    key: str
    fn: Callable[..., dict]
    args: tuple = ()
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        ok = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.=+")
        if not self.key or not set(self.key) <= ok:
            raise ValueError(f"task key must be non-empty and use only {sorted(ok)}; got {self.key!r}")


# -- files --------------------------------------------------------------------------------------


def check_writable(out_dir: str | os.PathLike) -> Path:
    """Create ``out_dir`` (and ``tasks/`` in it) and write a probe file there; raise
    :class:`SweepError` with the reason when that fails. Called before any work starts."""
    d = Path(out_dir)
    if d.exists() and not d.is_dir():
        raise SweepError(f"output folder {d} is an existing file, not a folder")
    try:
        (d / RECORD_DIR).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=d / RECORD_DIR, prefix=".write-probe-"):
            pass
    except OSError as e:
        raise SweepError(f"cannot write to the output folder {d}: {e.strerror or e}") from None
    return d


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, flush it to disk, then rename it over
    ``path``: a reader (or a resumed sweep) sees the old file or the new one, never half of one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def record_path(out_dir: str | os.PathLike, key: str) -> Path:
    return Path(out_dir) / RECORD_DIR / f"{key}.json"


def load_records(out_dir: str | os.PathLike) -> dict[str, dict]:
    """Every readable task record in ``out_dir/tasks`` by key (an unreadable one is treated as not
    done, so it is run again)."""
    out = {}
    for p in sorted((Path(out_dir) / RECORD_DIR).glob("*.json")):
        try:
            rec = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(rec, dict) and rec.get("key") == p.stem:
            out[p.stem] = rec
    return out


def _jsonable(x: Any) -> Any:
    """Plain JSON types (numpy scalars and arrays to Python; non-finite floats to strings)."""
    import numpy as np

    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else str(x)
    if x is None or isinstance(x, (int, str)):
        return x
    return repr(x)


# -- the work on a worker -------------------------------------------------------------------------


def execute(key: str, fn: Callable[..., dict], args: tuple) -> dict:
    """Run one task on a worker: its result, or its error with the traceback; never raises (so
    a failing task is a record, not a lost future). ``elapsed_s`` is the task's own time."""
    t0 = time.perf_counter()
    try:
        result = fn(*args)
        rec = {"key": key, "status": "ok", "result": result}
    except Exception as e:  # recorded; the sweep goes on
        rec = {"key": key, "status": "error", "error": f"{type(e).__name__}: {e}",
               "traceback": traceback.format_exc(limit=20)}
    rec["elapsed_s"] = time.perf_counter() - t0
    return rec


# -- progress -----------------------------------------------------------------------------------


class Progress:
    """``name: [#####.....] done/total (k errors) ETA h:mm:ss`` on ``stream``: redrawn in place on a
    terminal, a new line every ``every_s`` seconds (and at the end) otherwise."""

    def __init__(self, name: str, total: int, already: int, stream=None, every_s: float = 10.0,
                 enabled: bool = True):
        self.name, self.total, self.already = name, total, already
        self.done, self.errors = already, 0
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = time.monotonic()
        self.last = -math.inf
        self.every_s = every_s
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def eta(self) -> float | None:
        ran = self.done - self.already
        if ran <= 0:
            return None
        return (time.monotonic() - self.t0) / ran * (self.total - self.done)

    def line(self) -> str:
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        eta = self.eta()
        eta_s = "--:--" if eta is None else _hms(eta)
        err = f" ({self.errors} errors)" if self.errors else ""
        return f"{self.name}: [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}{err} ETA {eta_s}"

    def update(self, done: int | None = None, error: bool = False, final: bool = False) -> None:
        self.done = self.done + 1 if done is None else done
        self.errors += bool(error)
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r" + self.line() + ("\n" if final else ""))
            self.stream.flush()
        elif final or now - self.last >= self.every_s:
            self.stream.write(self.line() + "\n")
            self.stream.flush()
            self.last = now


def _hms(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


# -- the cluster --------------------------------------------------------------------------------


def start_client(scheduler: str | None = None, workers: int | None = None, timeout_s: float = 60.0):
    """``(client, cluster)``: a client of the scheduler at ``scheduler`` (``cluster`` is ``None``),
    or of a new ``LocalCluster`` with ``workers`` processes (default: the CPU count) of one thread
    each, no dashboard. The caller closes both (:func:`close_client`)."""
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler, timeout=timeout_s), None
    n = workers or max(1, os.cpu_count() or 1)
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.CRITICAL, timeout=timeout_s)
    try:
        return Client(cluster, timeout=timeout_s), cluster
    except BaseException:
        cluster.close()
        raise


def close_client(client, cluster) -> None:
    for obj in (client, cluster):
        if obj is not None:
            try:
                obj.close()
            except Exception:  # closing is best effort; the processes exit with ours
                pass


def run_tasks(tasks: Iterable[Task], out_dir: str | os.PathLike, *, name: str = "sweep",
              scheduler: str | None = None, workers: int | None = None, client=None,
              retry_errors: bool = False, stop_after: int | None = None, progress: bool = True,
              stream=None, timeout_s: float = 60.0) -> dict[str, dict]:
    """Run every task not yet recorded in ``out_dir``; return all records (old and new) by key.

    ``client``: an existing ``distributed.Client`` to use (not closed here); otherwise one is made
    from ``scheduler`` / ``workers`` (:func:`start_client`) and closed at the end. ``stop_after``:
    stop (cancelling the rest) once that many tasks of this run are recorded -- what an interrupted
    sweep leaves behind (tests). Ctrl-C cancels the rest the same way; the records written so far
    stay, and re-running resumes. ``timeout_s``: how long to wait for the scheduler or cluster."""
    tasks = list(tasks)
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("task keys must be unique")
    out = check_writable(out_dir)
    records = load_records(out)
    wanted = set(keys)
    todo = [t for t in tasks if t.key not in records
            or (retry_errors and records[t.key].get("status") != "ok")]
    prog = Progress(name, len(tasks), len(tasks) - len(todo), stream=stream, enabled=progress)
    prog.errors = sum(1 for k in wanted if k in records and records[k].get("status") != "ok"
                      and not retry_errors)
    if not todo:
        prog.update(done=prog.done, final=True)
        return {k: records[k] for k in keys}
    from distributed import as_completed

    own = client is None
    cluster = None
    if own:
        client, cluster = start_client(scheduler, workers, timeout_s=timeout_s)
    futures = {}
    try:
        # a fresh token per run: a key cancelled by an earlier run on the same cluster is not reused
        run_id = uuid.uuid4().hex[:8]
        for t in todo:
            fut = client.submit(execute, t.key, t.fn, t.args, key=f"sweep-{name}-{t.key}-{run_id}", pure=False,
                                retries=0)
            futures[fut] = t
        prog.update(done=prog.done)
        ran = 0
        for fut in as_completed(list(futures)):
            t = futures[fut]
            try:
                rec = fut.result()
            except Exception as e:  # e.g. KilledWorker after too many worker deaths
                rec = {"key": t.key, "status": "error", "error": f"{type(e).__name__}: {e}",
                       "traceback": "", "elapsed_s": None}
            rec["meta"] = t.meta
            rec = _jsonable(rec)
            atomic_write_text(record_path(out, t.key), json.dumps(rec, indent=1, sort_keys=True) + "\n")
            records[t.key] = rec
            ran += 1
            prog.update(error=rec["status"] != "ok")
            if stop_after is not None and ran >= stop_after:
                break
    except KeyboardInterrupt:
        if prog.enabled:
            (stream or sys.stderr).write(f"\ninterrupted: {len(records)} records kept in {out}; "
                                         "run the same command again to resume\n")
        raise
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            try:
                client.cancel(pending)
            except Exception:
                pass
        if own:
            close_client(client, cluster)
        prog.update(done=prog.done, final=True)
    return {k: records[k] for k in keys if k in records}
