"""The sweep runner on Dask (issue 13): resumable, errors recorded, a killed worker loses no task,
an existing cluster through --scheduler, and the quick necessity map.

Every cluster started here is closed in a ``finally``/fixture teardown, and every test is bounded
by an alarm (a hung cluster fails the test instead of hanging the run)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from theorems.sweep import SweepError, Task, load_records, run_tasks
from theorems.sweep.demo import fail_on, square
from theorems.sweep.runner import close_client, start_client

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail (rather than hang) when the block takes longer than ``seconds``."""
    def boom(signum, frame):
        raise TimeoutError(f"test took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def client():
    """One LocalCluster (2 processes, one thread each) for the runner's tests."""
    with deadline(90):
        c, cluster = start_client(workers=2)
    try:
        yield c
    finally:
        close_client(c, cluster)


def _strip(records: dict) -> dict:
    """Records without their timings (the only part that differs between runs)."""
    return {k: {kk: vv for kk, vv in r.items() if kk != "elapsed_s"} for k, r in records.items()}


def _tasks(n=8, bad=3, seconds=0.05):
    return [Task(f"t{i}", fail_on, (i, bad, seconds), {"i": i}) for i in range(n)]


def test_interrupted_sweep_resumes_with_identical_records(client, tmp_path):
    with deadline(120):
        whole = run_tasks(_tasks(), tmp_path / "whole", client=client, progress=False)
        part = run_tasks(_tasks(), tmp_path / "part", client=client, progress=False, stop_after=3)
        assert 3 <= len(part) < 8
        assert len(load_records(tmp_path / "part")) == len(part)
        calls = []
        resumed = run_tasks(_tasks(), tmp_path / "part", client=client, progress=False,
                            stream=_Capture(calls))
    assert _strip(resumed) == _strip(whole)
    assert sorted(resumed) == [f"t{i}" for i in range(8)]
    # what was done before is not run again: its record file is untouched
    assert all(resumed[k]["elapsed_s"] == part[k]["elapsed_s"] for k in part)


class _Capture:
    def __init__(self, sink):
        self.sink = sink

    def write(self, s):
        self.sink.append(s)

    def flush(self):
        pass


def test_a_failing_task_is_recorded_and_the_sweep_goes_on(client, tmp_path):
    with deadline(60):
        recs = run_tasks(_tasks(bad=5), tmp_path, client=client, progress=False)
    assert recs["t5"]["status"] == "error"
    assert "fails on purpose" in recs["t5"]["error"] and "ValueError" in recs["t5"]["traceback"]
    assert all(recs[f"t{i}"]["status"] == "ok" for i in range(8) if i != 5)
    assert recs["t7"]["result"] == {"x": 7, "square": 49}
    on_disk = json.loads((tmp_path / "tasks" / "t5.json").read_text())
    assert on_disk["status"] == "error" and on_disk["meta"] == {"i": 5}


def test_progress_shows_done_total_and_eta(client, tmp_path):
    lines = []
    with deadline(60):
        run_tasks(_tasks(n=4, bad=-1), tmp_path, client=client, stream=_Capture(lines), name="demo")
    text = "".join(lines)
    assert "demo: [" in text and "4/4" in text and "ETA" in text


def test_output_folder_is_checked_before_any_work(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    from theorems.sweep import runner

    def no_cluster(*a, **k):
        raise AssertionError("a cluster was started before the output folder was checked")

    monkeypatch.setattr(runner, "start_client", no_cluster)
    with pytest.raises(SweepError, match="not a folder"):
        run_tasks(_tasks(), blocker)
    if os.geteuid() != 0:  # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            with pytest.raises(SweepError, match="cannot write"):
                run_tasks(_tasks(), ro / "out")
        finally:
            ro.chmod(0o700)


def test_a_killed_worker_loses_no_task(tmp_path):
    """Kill (SIGKILL) a worker process while it runs a task: the scheduler re-runs its tasks on
    the other worker (and the nanny's restarted one); every task ends with its right result."""
    with deadline(150):
        c, cluster = start_client(workers=2)
        try:
            tasks = [Task(f"k{i}", square, (i, 1.0), {"i": i}) for i in range(6)]
            out, box = tmp_path / "killed", {}
            th = threading.Thread(target=lambda: box.setdefault(
                "recs", run_tasks(tasks, out, client=c, progress=False)), daemon=True)
            th.start()
            victim = None
            t0 = time.monotonic()
            while victim is None and time.monotonic() - t0 < 60:
                busy = [w for w, ts in c.processing().items() if ts]
                if busy:
                    victim = busy[0]
                else:
                    time.sleep(0.05)
            assert victim is not None, "no worker started a task"
            pid = c.run(os.getpid, workers=[victim])[victim]
            held = list(c.processing()[victim])
            os.kill(pid, signal.SIGKILL)
            th.join(120)
            assert not th.is_alive(), "the sweep did not finish after the worker was killed"
        finally:
            close_client(c, cluster)
    recs = box["recs"]
    assert held and any(h.startswith("sweep-") for h in held)
    assert sorted(recs) == [f"k{i}" for i in range(6)]
    assert all(r["status"] == "ok" for r in recs.values()), {k: r.get("error") for k, r in recs.items()}
    assert [recs[f"k{i}"]["result"]["square"] for i in range(6)] == [i * i for i in range(6)]


def _start(cmd, env, log):
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


@contextlib.contextmanager
def dask_cluster_by_hand(tmp_path, workers=2):
    """``dask scheduler`` and ``dask worker`` processes, as a user starts them (README); yields the
    scheduler's address; stops exactly those processes."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    sfile = tmp_path / "scheduler.json"
    log = open(tmp_path / "dask.log", "wb")
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [_start(dask + ["--scheduler-file", str(sfile), "--port", "0", "--no-dashboard",
                            "--host", "127.0.0.1"], env, log)]
    try:
        t0 = time.monotonic()
        while not sfile.exists() and time.monotonic() - t0 < 60:
            time.sleep(0.1)
        assert sfile.exists(), (tmp_path / "dask.log").read_text()
        time.sleep(0.2)
        address = json.loads(sfile.read_text())["address"]
        for _ in range(workers):
            procs.append(_start([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                 "--nthreads", "1", "--no-dashboard", "--nworkers", "1"], env, log))
        yield address
    finally:
        for p in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)
        log.close()


def test_scheduler_address_runs_on_an_existing_cluster(tmp_path):
    from distributed import Client

    with deadline(150), dask_cluster_by_hand(tmp_path) as address:
        with Client(address, timeout=60) as c:
            c.wait_for_workers(2, timeout=60)
        recs = run_tasks(_tasks(bad=2), tmp_path / "out", scheduler=address, progress=False)
    assert recs["t2"]["status"] == "error"
    assert [recs[f"t{i}"]["result"]["square"] for i in range(8) if i != 2] == [i * i for i in range(8) if i != 2]


def _assert_quick_map(out: Path):
    from theorems.sweep import necessity as N

    spec = N.QUICK
    doc = json.loads((out / "sweep.json").read_text())
    import csv

    rows = list(csv.DictReader(open(out / "map.csv")))
    expect = sum(len(spec.hyps()[t]) * len(spec.factors) * len(spec.conc()[t]) for t in spec.conc())
    assert len(rows) == expect
    cells = {(r["theorem"], r["statement"], r["hypothesis"], int(r["factor"])) for r in rows}
    assert len(cells) == expect
    assert {r["statement"] for r in rows} == {s for v in spec.conc().values() for s in v}
    # factor 1 is every hypothesis at its bound: inside the theorems, so every conclusion holds
    ones = [r for r in rows if int(r["factor"]) == 1]
    assert ones and all(r["fraction"] == "1" and r["errors"] == "0" for r in ones), ones
    two = list(csv.DictReader(open(out / "map2d.csv")))
    assert len(two) == len(spec.map2d_factors) ** 2
    assert [r["fraction"] for r in two if int(r["factor"]) == 1 and int(r["factor2"]) == 1] == ["1"]
    assert doc["errors"] == 0 and doc["figures"] and all((out / f).stat().st_size > 0 for f in doc["figures"])
    assert len(doc["breaking"]) == sum(len(spec.hyps()[t]) * len(spec.conc()[t]) for t in spec.conc())


def _report_root(request, tmp_path) -> Path:
    """The report directory (so the quick map appears in the run's report, like the quick
    experiments), or ``tmp_path`` when the run writes no report."""
    config = request.config
    if config.getoption("theorems_no_report", False):
        return tmp_path
    from theorems.plugin import report_dir

    return Path(report_dir(config))


def test_quick_necessity_map_on_two_workers(request, tmp_path, capsys):
    """``python -m theorems sweep necessity --quick`` on 2 workers: the map's shape, factor 1
    holds everywhere, and the report's Necessity section embeds the heatmaps."""
    import shutil

    from theorems.cli import main

    root = _report_root(request, tmp_path)
    shutil.rmtree(root / "sweeps" / "necessity-quick", ignore_errors=True)  # computed afresh each run
    t0 = time.monotonic()
    with deadline(150):
        rc = main(["sweep", "necessity", "--quick", "--workers", "2", "--no-progress",
                   "--report-dir", str(root)])
    took = time.monotonic() - t0
    assert rc == 0, capsys.readouterr()
    out = root / "sweeps" / "necessity-quick"
    _assert_quick_map(out)
    html = (root / "index.html").read_text()
    assert "id='necessity'" in html and "heatmap-4.1.png" in html and "heatmap-2d-B.5.png" in html
    assert html.count("data:image/png;base64") >= 3
    results = json.loads((root / "results.json").read_text())
    assert "sweeps/necessity-quick" in [x["folder"] for x in results["sweeps"]]
    print(f"quick necessity sweep: {took:.1f} s")
    # re-running resumes: nothing left to run, same map
    before = (out / "map.csv").read_text()
    with deadline(60):
        assert main(["sweep", "necessity", "--quick", "--workers", "2", "--no-progress",
                     "--report-dir", str(root)]) == 0
    assert (out / "map.csv").read_text() == before


def test_quick_necessity_map_with_scheduler(tmp_path):
    """The same command against a separately started ``dask scheduler`` and two ``dask worker``s."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with deadline(240), dask_cluster_by_hand(tmp_path) as address:
        r = subprocess.run([sys.executable, "-m", "theorems", "sweep", "necessity", "--quick", "--scheduler",
                            address, "--no-progress", "--report-dir", str(tmp_path)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=200)
    assert r.returncode == 0, r.stderr[-3000:]
    _assert_quick_map(tmp_path / "sweeps" / "necessity-quick")


def test_figure1_through_the_runner_matches_the_direct_study_and_resumes(client, tmp_path):
    """Figure 1 (quick) as a sweep of (slope, run) tasks: the same results.csv as the study run in
    one process, and an interrupted sweep resumes to the same file."""
    from theorems.experiments import figure1
    from theorems.sweep import figures

    with deadline(240):
        figure1.run(out=tmp_path / "direct", quick=True, quiet=True)
        with pytest.raises(RuntimeError, match="re-run the same command to resume"):
            figures.run_study("figure1", tmp_path / "swept", quick=True, client=client, progress=False,
                              stop_after=4)
        assert len(list((tmp_path / "swept" / "sweeps" / "figures" / "figure1-quick" / "tasks").glob("*.json"))) >= 4
        figures.run_study("figure1", tmp_path / "swept", quick=True, client=client, progress=False)
    direct = (tmp_path / "direct" / "experiments" / "figure1" / "results.csv").read_text()
    swept = (tmp_path / "swept" / "experiments" / "figure1" / "results.csv").read_text()
    assert swept == direct


def test_cli_refuses_an_unwritable_output_folder_before_any_work(tmp_path, monkeypatch, capsys):
    from theorems.cli import main
    from theorems.sweep import necessity, runner

    blocker = tmp_path / "file"
    blocker.write_text("x")

    def nothing(*a, **k):
        raise AssertionError("work started before the output folder was checked")

    monkeypatch.setattr(runner, "start_client", nothing)
    monkeypatch.setattr(necessity, "build_tasks", nothing)
    assert main(["sweep", "necessity", "--quick", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert "python -m theorems sweep: error:" in err and "not a folder" in err
    assert main(["sweep", "figures", "--quick", "--report-dir", str(blocker)]) == 2


def test_an_interrupted_necessity_sweep_resumes_to_the_same_map(client, tmp_path):
    from theorems.sweep import necessity as N

    spec = N.Spec(name="tiny", factors=(1, 1000), examples=1, conclusions={"4.1": ("B.5",)},
                  hypotheses={"4.1": ("sigma0", "eta")}, map2d=False)
    with deadline(120):
        whole = N.run_necessity(spec, tmp_path / "whole", client=client, progress=False)
        part = N.run_necessity(spec, tmp_path / "part", client=client, progress=False, stop_after=2)
        assert not part["complete"]
        again = N.run_necessity(spec, tmp_path / "part", client=client, progress=False)
    assert whole["complete"] and again["complete"]
    for name in ("map.csv", "examples.csv", "breaking.csv"):
        assert (tmp_path / "part" / name).read_text() == (tmp_path / "whole" / name).read_text(), name
    rows = (tmp_path / "whole" / "map.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 2


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys, monkeypatch):
    from theorems.cli import main
    from theorems.sweep import necessity

    monkeypatch.setattr(necessity, "build_tasks", lambda spec: ([necessity_task()], []))
    with deadline(60):
        rc = main(["sweep", "necessity", "--quick", "--no-progress", "--out", str(tmp_path / "o"),
                   "--scheduler", "tcp://127.0.0.1:9", "--timeout", "3"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot run the sweep on tcp://127.0.0.1:9" in err[0], err


def necessity_task():
    return Task("t0", square, (0,), {})


def test_drawn_examples_follow_the_seed_under_any_profile():
    """The base examples are fixed by --seed (the same twice, different for another seed), also
    under the suite's derandomized ci profile, which would otherwise ignore the seed."""
    from hypothesis import settings

    from theorems.sweep import necessity as N

    strategy = N._statement("B.5").strategy
    prev = settings._current_profile
    try:
        prints = {}
        for prof in ("ci", "default"):
            settings.load_profile(prof)
            prints[prof] = [[N.fingerprint(p) for p in N.draw_examples(strategy, 2, s)] for s in (0, 1, 0)]
    finally:
        settings.load_profile(prev)
    assert prints["ci"] == prints["default"]
    a, b, a2 = prints["ci"]
    assert a == a2 and a != b and len(set(a)) == 2
