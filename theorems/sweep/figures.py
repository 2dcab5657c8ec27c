"""The paper's Figures 1-5 as sweeps: one Dask task per (setting, run), resumable.

Each study of :mod:`theorems.experiments` (``figure1``; ``figure2-3`` = init scale; ``figure4-5`` =
width) takes a ``compute`` hook; here it fans the runs out as :class:`~theorems.sweep.runner.Task`
records in ``<report-dir>/sweeps/figures/<study>/tasks/`` (so an interrupted MNIST run resumes
where it stopped), gathers them back into the study's arrays, and the study writes its figures,
CSVs and ``study.json`` into ``<report-dir>/experiments/<study>/`` exactly as when run alone.

A worker rebuilds a task's data itself (the digits are bundled; MNIST is read from ``--mnist DIR``,
which must exist on the workers), cached per process.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import numpy as np

STUDIES = ("figure1", "figure2-3", "figure4-5")


def _study_module(study: str):
    from ..experiments import figure1, init_scale, width

    return {"figure1": figure1, "figure2-3": init_scale, "figure4-5": width}[study]


@functools.lru_cache(maxsize=4)
def _realdata(mnist: str | None, quick: bool, n_train: int, n_test: int | None):
    from ..experiments import realdata

    return realdata.load_data(mnist, quick, n_train, n_test)


@functools.lru_cache(maxsize=4)
def _mixture(key: tuple):
    from ..experiments import figure1

    return figure1.data_for(dict(key))


def run_figure1(s_items: tuple, g: float, seed: int, device: str) -> dict:
    """One run (init ``seed``) of Figure 1 at slope ``g``: stable ranks and loss per checkpoint."""
    import sim

    from ..experiments import figure1

    s = dict(s_items)
    data = _mixture(tuple(sorted((k, s[k]) for k in ("n", "d", "sigma_p", "mu_var", "data_seed"))))
    (tr,) = sim.simulate(figure1.problem_for(data, s, g), engine="batched", seeds=[seed], device=device)
    return {"steps": np.asarray(tr.steps).tolist(), "sr": np.asarray(tr.stable_rank).tolist(),
            "loss": np.asarray(tr.loss).tolist()}


def run_realdata(study: str, s_items: tuple, quick: bool, mnist: str | None, vary: str, v, g: float, seed: int,
                 device: str) -> dict:
    """One run (init and shuffle ``seed``) of a real-data study at (slope ``g``, ``vary = v``)."""
    from ..experiments import realdata
    from ..experiments.sgd import METRICS, run_sgd

    s = dict(s_items)
    mod = _study_module(study)
    train, test, _ = _realdata(mnist, quick, mod.QUICK["n_train"], mod.QUICK["n_test"])
    (problem,) = realdata.config_problems(train, s, vary, v, g, [seed])
    res = run_sgd([problem], test, device=device,
                  train_eval_max=realdata.TRAIN_EVAL_MAX_MNIST if mnist else None)
    return {"steps": np.asarray(res.steps).tolist(),
            "metrics": {k: np.asarray(res.metrics[k][0]).tolist() for k in METRICS}}


def _key(*parts) -> str:
    h = hashlib.sha1(repr(parts).encode()).hexdigest()[:10]
    safe = "_".join("".join(c if c.isalnum() else "_" for c in str(p)) for p in parts[:4])
    return f"{safe}-{h}"


def _gather(recs: dict, keys: dict):
    bad = [k for k in keys.values() if recs.get(k, {}).get("status") != "ok"]
    if bad:
        errs = "; ".join(f"{k}: {recs.get(k, {}).get('error', 'not run')}" for k in bad[:3])
        raise RuntimeError(f"{len(bad)} run(s) did not finish ({errs}); re-run the same command to resume")
    return {c: recs[k]["result"] for c, k in keys.items()}


def run_study(study: str, out: str | os.PathLike = "reports", *, quick: bool = False, runs: int | None = None,
              mnist: str | None = None, device: str = "cpu", scheduler: str | None = None,
              workers: int | None = None, client=None, progress: bool = True, quiet: bool = True,
              stop_after: int | None = None) -> dict:
    """Run study ``study`` (one of :data:`STUDIES`) through the sweep runner; returns the study record."""
    from ..experiments import common, figure1
    from ..experiments.sgd import SGDRun
    from .runner import Task, check_writable, run_tasks

    if study not in STUDIES:
        raise ValueError(f"unknown study {study!r}; one of {STUDIES}")
    rec_dir = check_writable(Path(out) / "sweeps" / "figures" / (study + ("-quick" if quick else "")))
    common.study_dir(out, study)  # the study folder is writable too (created)
    opts = dict(scheduler=scheduler, workers=workers, client=client, progress=progress, stop_after=stop_after)
    mod = _study_module(study)
    tag = ("quick" if quick else "full", mnist or "digits", device)

    if study == "figure1":
        s = figure1.settings_for(quick, runs)
        s_items = tuple(sorted((k, (tuple(v) if isinstance(v, (list, tuple)) else v)) for k, v in s.items()))

        def compute(gammas):
            keys = {(g, sd): _key(study, f"g{g:g}", f"run{sd}", tag, s_items) for g in gammas
                    for sd in range(s["runs"])}
            tasks = [Task(k, run_figure1, (s_items, float(g), sd, device), {"study": study, "gamma": g, "run": sd})
                     for (g, sd), k in keys.items()]
            res = _gather(run_tasks(tasks, rec_dir, name=study, **opts), keys)
            return {g: {"steps": np.asarray(res[(g, 0)]["steps"], dtype=np.int64),
                        "sr": np.stack([np.asarray(res[(g, sd)]["sr"]) for sd in range(s["runs"])]),
                        "loss": np.stack([np.asarray(res[(g, sd)]["loss"]) for sd in range(s["runs"])])}
                    for g in gammas}

        return figure1.run(out=out, quick=quick, runs=runs, device=device, quiet=quiet, compute=compute)

    s = mod.settings_for(quick, runs)
    vary = "sigma0" if study == "figure2-3" else "m"
    s_items = tuple(sorted((k, (tuple(v) if isinstance(v, (list, tuple)) else v)) for k, v in s.items()))

    def compute(configs):
        keys = {(g, v, sd): _key(study, f"g{g:g}", f"{vary}{v:g}", f"run{sd}", tag, s_items)
                for g, v in configs for sd in range(s["runs"])}
        tasks = [Task(k, run_realdata, (study, s_items, quick, mnist, vary, v, float(g), sd, device),
                      {"study": study, "gamma": g, vary: v, "run": sd}) for (g, v, sd), k in keys.items()]
        res = _gather(run_tasks(tasks, rec_dir, name=study, **opts), keys)
        out_ = {}
        for g, v in configs:
            rs = [res[(g, v, sd)] for sd in range(s["runs"])]
            out_[(g, v)] = SGDRun(steps=np.asarray(rs[0]["steps"], dtype=np.int64),
                                  metrics={k: np.stack([np.asarray(r["metrics"][k], dtype=float) for r in rs])
                                           for k in rs[0]["metrics"]})
        return out_

    return mod.run(out=out, quick=quick, runs=runs, mnist=mnist, device=device, quiet=quiet, compute=compute)
