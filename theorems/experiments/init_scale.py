"""Figures 2 and 3 (Section 6): stable rank and test error against epochs for initialisation
scales ``sigma0 in {1e-5, 5e-5, 1e-4, 5e-4, 1e-3}``, width ``m = 1000``, SGD batch 64, learning
rate 0.1, 10 epochs, 5 runs; ReLU (Figure 2) and leaky ReLU with slope 0.1 (Figure 3).

The paper's claim: the stable rank depends strongly on the initialisation and on training time;
from a small enough init it falls quickly to a small value. Data and task: see
:mod:`theorems.experiments.realdata`.
"""

from __future__ import annotations

from . import realdata

STUDY_ID = "figure2-3"
TITLE = "Figures 2-3: stable rank and test error by initialisation scale (ReLU, leaky ReLU 0.1)"
SIGMA0S = (1e-5, 5e-5, 1e-4, 5e-4, 1e-3)
FULL = dict(m=1000, eta=0.1, batch_size=64, epochs=10, runs=5, gammas=realdata.GAMMAS, n_log=12,
            sigma0s=SIGMA0S)
QUICK = dict(FULL, m=500, epochs=2, runs=2, n_log=4, n_train=512, n_test=1000)
FIGURES = {0.0: "figure2_relu.png", 0.1: "figure3_leaky.png"}


def settings_for(quick: bool, runs: int | None = None) -> dict:
    return realdata.settings_for(FULL, QUICK, quick, runs)


def run(out="reports", quick: bool = False, runs: int | None = None, mnist: str | None = None,
        device: str = "cpu", quiet: bool = False, compute=None) -> dict:
    """Run the study and write ``<out>/experiments/figure2-3/``; returns the study record."""
    return realdata.run_study(study_id=STUDY_ID, title=TITLE, cli_name="init-scale", vary="sigma0",
                              values_key="sigma0s", full=FULL, quick_settings=QUICK, figure_names=FIGURES,
                              out=out, quick=quick, runs=runs, mnist=mnist, device=device, quiet=quiet,
                              compute=compute)
