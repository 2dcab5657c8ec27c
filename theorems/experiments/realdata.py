"""The real-data studies of Section 6 (Figures 2-3, init scale) and Appendix I (Figures 4-5, width):
a sweep of one hyperparameter for ReLU and leaky ReLU (slope 0.1), trained by mini-batch SGD
(batch 64, learning rate 0.1, 10 epochs), recording the stable rank and the test error.

Task: even digits (+1) against odd digits (-1). Data: scikit-learn's bundled 8x8 digits
(:func:`sim.digits_binary`: 1348 training and 449 test images, d = 64, pixels in [0, 1]) by default;
MNIST from IDX files on disk (:func:`sim.mnist_binary`, 60000 / 10000 images, d = 784) with
``--mnist DIR``. ``sigma0`` is the standard deviation of the entries of ``W(0)`` (Section 3 draws them
from ``N(0, sigma0^2)``; Section 6 calls ``sigma0`` the "weight variance").
"""

from __future__ import annotations

import os
import time
from typing import Sequence

import numpy as np

import sim

from . import common
from .sgd import METRICS, run_sgd

GAMMAS = (0.0, 0.1)
ACT_NAME = {0.0: "relu", 0.1: "leaky"}
TRAIN_EVAL_MAX_MNIST = 10000  # training loss/error on MNIST measured on the first 10000 points


def load_data(mnist: str | None, quick: bool, quick_n_train: int, quick_n_test: int | None):
    """``(train, test, description)``: digits by default, MNIST from ``mnist`` (a folder of IDX files)."""
    if mnist:
        train, test = sim.mnist_binary(mnist, n_train=quick_n_train if quick else None,
                                       n_test=quick_n_test if quick else None)
        desc = f"MNIST from {mnist}, even (+1) vs odd (-1)"
    else:
        train, test = sim.digits_binary(n_train=quick_n_train if quick else None)
        desc = "scikit-learn digits (8x8, pixels/16), even (+1) vs odd (-1), 25% test split (seed 0)"
    if quick:
        desc += f"; quick: first {train.n} training points"
    return train, test, desc


def settings_for(full: dict, quick_settings: dict, quick: bool, runs: int | None = None) -> dict:
    """A study's settings: ``quick_settings`` or ``full``, with ``runs`` overridden when given."""
    s = dict(quick_settings if quick else full)
    if runs is not None:
        s["runs"] = int(runs)
    return s


def run_study(*, study_id: str, title: str, cli_name: str, vary: str, values_key: str, full: dict,
              quick_settings: dict, figure_names: dict, out="reports", quick: bool = False,
              runs: int | None = None, mnist: str | None = None, device: str = "cpu",
              quiet: bool = False, compute=None) -> dict:
    """Load the data and run :func:`sweep` over ``settings[values_key]`` (varying ``vary``): the
    shared body of the init-scale (Figures 2-3) and width (Figures 4-5) studies."""
    s = settings_for(full, quick_settings, quick, runs)
    train, test, desc = load_data(mnist, quick, quick_settings["n_train"], quick_settings["n_test"])
    cmd = common.command_line(cli_name, quick, out, runs, ["--mnist", mnist] if mnist else [])
    return sweep(study_id=study_id, title=title, command=cmd, vary=vary, values=s[values_key], s=s,
                 train=train, test=test, data_desc=desc, out=out, figure_names=figure_names,
                 device=device, quiet=quiet, train_eval_max=TRAIN_EVAL_MAX_MNIST if mnist else None,
                 compute=compute)


def config_problems(train, s: dict, vary: str, v, g: float, seeds) -> list:
    """The problems of one configuration (activation ``g``, ``vary = v``), one per seed (init and
    shuffling both from the seed)."""
    bs = s["batch_size"]
    nb = -(-train.n // bs)
    steps = s["epochs"] * nb
    m = int(v) if vary == "m" else s["m"]
    sigma0 = float(v) if vary == "sigma0" else s["sigma0"]
    base = sim.Problem(data=train, m=m, eta=s["eta"], sigma0=sigma0, steps=steps, gamma=float(g),
                       batch_size=bs, n_log=s["n_log"], extra_checkpoints=tuple(range(0, steps + 1, nb)))
    return [base.replace(seed=sd, shuffle_seed=sd) for sd in seeds]


def act_label(g: float) -> str:
    return "ReLU" if g == 0 else f"leaky ReLU (slope {g:g})"


def prefix_of(g: float, vary: str, v) -> str:
    return (f"relu {vary}={v:g}" if g == 0 else f"leaky gamma={g:g} {vary}={v:g}")


def sweep(*, study_id: str, title: str, command: str, vary: str, values: Sequence, s: dict,
          train, test, data_desc: str, out, figure_names: dict, device: str = "cpu",
          train_eval_max: int | None = None, quiet: bool = False, notes_extra: str = "",
          compute=None) -> dict:
    """Run every (activation, value) configuration of the sweep (``vary`` is ``"sigma0"`` or ``"m"``;
    the other comes from ``s``) with ``s["runs"]`` seeds each, then write results.csv, summary.csv,
    one figure per activation (``figure_names[gamma]``), a final-value figure and study.json.
    ``compute(configs) -> {(gamma, value): SGDRun}`` computes the runs elsewhere (the Dask sweep of
    :mod:`theorems.sweep.figures`); by default they run here, one batched call per configuration."""
    t0 = time.perf_counter()
    prog = common.Progress(study_id, quiet=quiet)
    folder = common.study_dir(out, study_id)
    bs = s["batch_size"]
    nb = -(-train.n // bs)
    steps = s["epochs"] * nb
    seeds = list(range(s["runs"]))
    configs = [(g, v) for g in s["gammas"] for v in values]
    timing = {}
    if compute is not None:  # e.g. theorems.sweep.figures: one Dask task per (config, seed), resumable
        tc = time.perf_counter()
        computed = compute(configs)
        timing = {c: (time.perf_counter() - tc) / max(len(configs), 1) for c in configs}
    results, conditions, rows = {}, [], []
    for g, v in configs:
        m = int(v) if vary == "m" else s["m"]
        sigma0 = float(v) if vary == "sigma0" else s["sigma0"]
        if compute is not None:
            res = computed[(g, v)]
        else:
            tc = time.perf_counter()
            res = run_sgd(config_problems(train, s, vary, v, g, seeds), test, device=device,
                          train_eval_max=train_eval_max)
            timing[(g, v)] = time.perf_counter() - tc
        results[(g, v)] = res
        for r, sd in enumerate(seeds):
            for k, st in enumerate(res.steps):
                rows.append([ACT_NAME.get(g, f"leaky{g:g}"), g, sigma0, m, sd, int(st), st / nb]
                            + [res.metrics[name][r, k] for name in METRICS])
        conditions += common.condition_block(prefix_of(g, vary, v), train, m, s["eta"], sigma0, float(g))
        M = res.metrics
        prog.line(f"{ACT_NAME.get(g, g)} {vary}={v:g}: {len(seeds)} runs x {steps} steps "
                  f"(m={m}, n={train.n}, d={train.d}) in {timing[(g, v)]:.1f}s; final "
                  f"SR(W)={M['sr_all'][:, -1].mean():.3f}+-{M['sr_all'][:, -1].std():.3f}, "
                  f"test error={M['test_error'][:, -1].mean():.4f}")

    keys = ["activation", "gamma", "sigma0", "m"]
    common.write_csv(os.path.join(folder, "results.csv"), keys + ["seed", "step", "epoch"] + list(METRICS), rows)
    summary = []
    for (g, v), res in results.items():
        m = int(v) if vary == "m" else s["m"]
        sigma0 = float(v) if vary == "sigma0" else s["sigma0"]
        for k, st in enumerate(res.steps):
            stats = [f(res.metrics[name][:, k]) for name in METRICS for f in (np.mean, np.std)]
            summary.append([ACT_NAME.get(g, f"leaky{g:g}"), g, sigma0, m, int(st), st / nb, len(seeds)] + stats)
    common.write_csv(os.path.join(folder, "summary.csv"),
                     keys + ["step", "epoch", "runs"] + [f"{n}_{w}" for n in METRICS for w in ("mean", "std")],
                     summary)
    figures = _plot(folder, results, s, vary, values, nb, figure_names, data_desc, train)
    notes = _notes(train, s, vary, values, conditions, results, data_desc) + notes_extra
    settings = dict(s, gammas=list(s["gammas"]), vary=vary, values=list(values), n_train=train.n,
                    n_test=test.n, d=train.d, steps=steps, steps_per_epoch=nb, seeds=seeds,
                    shuffle="a fresh permutation each epoch from shuffle_seed = seed",
                    engine="theorems.experiments.sgd (weight-space SGD, batched over seeds)",
                    device=device, data=data_desc, data_summary=train.summary(),
                    sigma0_meaning="standard deviation of W(0) entries (Section 3: N(0, sigma0^2))",
                    train_eval_points=train.n if train_eval_max is None else min(train.n, train_eval_max),
                    test_error="fraction of test points with y f(W, x) <= 0")
    common.write_study(out, study_id, title=title, command=command, settings=settings,
                       conditions=conditions, figures=figures, csv_files=["results.csv", "summary.csv"],
                       notes=notes, elapsed_s=time.perf_counter() - t0)
    prog.line(f"wrote {folder}")
    return {"folder": folder, "results": results, "settings": s, "conditions": conditions, "notes": notes}


def final(results, g, v, metric: str) -> np.ndarray:
    """The metric at the last checkpoint, one value per run."""
    return results[(g, v)].metrics[metric][:, -1]


def _plot(folder, results, s, vary, values, nb, figure_names, data_desc, train) -> list[str]:
    plt = common.pyplot()
    cmap = plt.get_cmap("viridis")
    colors = {v: cmap(i / max(1, len(values) - 1)) for i, v in enumerate(values)}
    figures = []
    fixed = f"m={s['m']}" if vary == "sigma0" else f"sigma0={s['sigma0']:g}"
    for g in s["gammas"]:
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2))
        a1.set_yscale("log")
        for v in values:
            res = results[(g, v)]
            x = res.steps / nb
            common.band(a1, x, res.metrics["sr_all"], f"{vary}={v:g}", colors[v])
            common.band(a2, x, res.metrics["test_error"], f"{vary}={v:g}", colors[v], clip=(0, 1))
        a1.set_ylabel("stable rank SR(W) (log scale)")
        a2.set_ylabel("test error")
        for a in (a1, a2):
            a.set_xlabel("epoch")
            a.grid(alpha=0.3, which="both")
        a1.legend(fontsize=8)
        fig.suptitle(f"{act_label(g)}, {fixed}, SGD batch {s['batch_size']}, lr {s['eta']}; "
                     f"{common.BAND_TEXT} over {s['runs']} runs\n{data_desc}", fontsize=9)
        name = figure_names[g]
        common.save_figure(fig, os.path.join(folder, name))
        figures.append(name)

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2))
    xs = np.asarray(values, dtype=float)
    for g in s["gammas"]:
        sr = np.stack([final(results, g, v, "sr_all") for v in values], axis=1)
        te = np.stack([final(results, g, v, "test_error") for v in values], axis=1)
        common.band(a1, xs, sr, act_label(g))
        common.band(a2, xs, te, act_label(g), clip=(0, 1))
    for a in (a1, a2):
        a.set_xscale("log")
        a.set_xlabel(vary)
        a.grid(alpha=0.3, which="both")
    a1.set_ylabel(f"SR(W) after {s['epochs']} epochs")
    a2.set_ylabel(f"test error after {s['epochs']} epochs")
    a1.legend(fontsize=8)
    fig.suptitle(f"final values against {vary} ({fixed}); {common.BAND_TEXT} over {s['runs']} runs", fontsize=9)
    name = f"final_vs_{vary}.png"
    common.save_figure(fig, os.path.join(folder, name))
    figures.append(name)
    return figures


def _notes(train, s, vary, values, conditions, results, data_desc) -> str:
    def fac(g, v, cond):
        return common.factor_of([c for c in conditions if c["name"].startswith(prefix_of(g, vary, v) + ":")], cond)

    v0 = values[0]
    parts = [f"Data: {common.data_summary_text(train)}. Pixel data are non-negative, so every pair of "
             f"images has a positive inner product and p is of the order of Rmin^2: the data are far "
             f"from nearly orthogonal."]
    for g in s["gammas"]:
        parts.append(f"{act_label(g)}: data condition fails by a factor {common.fmt(fac(g, v0, 'data'))} (lhs/rhs).")
    from theorems.constants import C

    m_min = min(values) if vary == "m" else s["m"]
    b = min(s["batch_size"], train.n)
    f_batch = b * m_min / (C.value * train.Rmax ** 2) / s["eta"]
    parts.append(f"The step condition eta <= n m/(C Rmax^2) holds (factor {common.fmt(min(fac(g, v, 'step') for g in s['gammas'] for v in values))} "
                 f"at the smallest); but the theorems are about full-batch gradient descent, and SGD with "
                 f"batch {s['batch_size']} on n={train.n} points is outside them (each SGD step is (3.2) on its "
                 f"batch; the batch analogue eta <= b m/(C Rmax^2) holds by a factor {common.fmt(f_batch)} at m={m_min}).")
    init = []
    for g in s["gammas"]:
        ok = [f"{v:g}" for v in values if fac(g, v, "init") >= 1]
        bad = [f"{v:g} (factor {common.fmt(fac(g, v, 'init'))})" for v in values if fac(g, v, "init") < 1]
        if vary == "sigma0":
            init.append(f"{act_label(g)}: init condition holds for sigma0 in {{{', '.join(ok) or 'none'}}}"
                        + (f", fails for {', '.join(bad)}" if bad else ""))
        else:
            init.append(f"{act_label(g)}: init condition (sigma0={s['sigma0']:g}) "
                        + ("holds for every m" if not bad else f"fails for m={', '.join(bad)}"))
    parts.append("; ".join(init) + ".")
    if 0.0 in s["gammas"]:
        ms = list(values) if vary == "m" else [s["m"]]
        parts.append("ReLU width condition m >= C log(n/delta): " + ", ".join(
            f"m={int(m)}: factor {common.fmt(fac(0.0, m if vary == 'm' else v0, 'width'))}" for m in ms) + ".")
    meas = []
    for g in s["gammas"]:
        meas.append(f"{act_label(g)}: " + ", ".join(
            f"{vary}={v:g}: SR(W)={final(results, g, v, 'sr_all').mean():.4g}, "
            f"test error={final(results, g, v, 'test_error').mean():.3g}" for v in values))
    parts.append(f"Measured after {s['epochs']} epochs (mean over {s['runs']} runs): " + "; ".join(meas) + ".")
    return " ".join(parts)
