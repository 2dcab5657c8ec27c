"""The paper's experiments (Section 6 and Appendix I) as reproducible studies:
``figure1`` (Gaussian mixture, leaky slopes), ``init_scale`` (Figures 2-3), ``width`` (Figures 4-5).
Run them with ``python -m theorems.experiments {figure1,init-scale,width,all} [--quick]``; each writes
``<out>/experiments/<study-id>/study.json`` with its figures and CSV tables."""
