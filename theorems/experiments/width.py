"""Figures 4 and 5 (Appendix I): stable rank and test error against epochs for widths
``m in {10, 50, 100, 500, 1000}``, ``sigma0 = 1e-5``, SGD batch 64, learning rate 0.1, 10 epochs,
5 runs; ReLU (Figure 4) and leaky ReLU with slope 0.1 (Figure 5).

The paper's claim: the stable rank depends only weakly on the width; a very small width gives a small
stable rank and a higher test error; beyond some width neither changes much. Data and task: see
:mod:`theorems.experiments.realdata`.
"""

from __future__ import annotations

from . import realdata

STUDY_ID = "figure4-5"
TITLE = "Figures 4-5: stable rank and test error by width (ReLU, leaky ReLU 0.1)"
WIDTHS = (10, 50, 100, 500, 1000)
FULL = dict(sigma0=1e-5, eta=0.1, batch_size=64, epochs=10, runs=5, gammas=realdata.GAMMAS,
            n_log=12, widths=WIDTHS)
QUICK = dict(FULL, epochs=2, runs=2, n_log=4, n_train=512, n_test=1000)
FIGURES = {0.0: "figure4_relu.png", 0.1: "figure5_leaky.png"}


def settings_for(quick: bool, runs: int | None = None) -> dict:
    return realdata.settings_for(FULL, QUICK, quick, runs)


def run(out="reports", quick: bool = False, runs: int | None = None, mnist: str | None = None,
        device: str = "cpu", quiet: bool = False, compute=None) -> dict:
    """Run the study and write ``<out>/experiments/figure4-5/``; returns the study record."""
    return realdata.run_study(study_id=STUDY_ID, title=TITLE, cli_name="width", vary="m",
                              values_key="widths", full=FULL, quick_settings=QUICK, figure_names=FIGURES,
                              out=out, quick=quick, runs=runs, mnist=mnist, device=device, quiet=quiet,
                              compute=compute)
