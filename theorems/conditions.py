"""The theorems' hypotheses as code, evaluated on a dataset and hyperparameters.

Each condition is written ``lhs >= rhs`` and reported with the factor ``lhs / rhs`` by which it holds
(``>= 1``) or fails (``< 1``). ``C`` and ``delta`` come from :mod:`theorems.constants`.

- :func:`conditions_leaky`: Theorem 4.1, (B.2)-(B.4).
- :func:`conditions_relu`: Theorem 4.3, (E.2)-(E.4).
- :func:`conditions_A1`, :func:`conditions_A2`: Lemmas A.1 and A.2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim import Dataset

from .constants import C as C_CONST, DELTA


@dataclass(frozen=True)
class Condition:
    name: str
    text: str
    lhs: float
    rhs: float

    @property
    def factor(self) -> float:
        """``lhs / rhs``: >= 1 holds, < 1 fails (inf when rhs is 0 and lhs > 0)."""
        if self.rhs == 0:
            return math.inf if self.lhs > 0 else (1.0 if self.lhs == 0 else 0.0)
        return self.lhs / self.rhs

    @property
    def holds(self) -> bool:
        return self.lhs >= self.rhs

    def describe(self) -> dict:
        f = self.factor
        return {"name": self.name, "text": self.text, "lhs": self.lhs, "rhs": self.rhs,
                "holds": self.holds, "factor": f if math.isfinite(f) else "inf",
                "detail": f"{self.lhs:.4g} >= {self.rhs:.4g}"}


@dataclass(frozen=True)
class Conditions:
    theorem: str
    items: tuple

    @property
    def holds(self) -> bool:
        return all(c.holds for c in self.items)

    def failing(self) -> list:
        return [c.name for c in self.items if not c.holds]

    def __getitem__(self, name: str) -> Condition:
        for c in self.items:
            if c.name == name:
                return c
        raise KeyError(name)

    def describe(self) -> list:
        return [c.describe() for c in self.items]


def _log_mn_delta(m: int, n: int, delta: float) -> float:
    return math.log(m * n / delta)


def eta_max(data: Dataset, m: int, C: float = C_CONST.value) -> float:
    """The largest step (B.3)/(E.3) allow: ``n m / (C Rmax^2)``."""
    return data.n * m / (C * data.Rmax ** 2)


def sigma0_max(data: Dataset, m: int, gamma: float = 0.0, delta: float = DELTA.value,
               C: float = C_CONST.value) -> float:
    """The largest init scale (B.2) (leaky, ``gamma > 0``) or (E.2) (ReLU, ``gamma = 0``) allows:
    ``g / (C Rmax sqrt(log(mn/delta)))`` with ``g = gamma`` for leaky ReLU and ``g = 1`` for ReLU."""
    g = gamma if gamma > 0 else 1.0
    return g / (C * data.Rmax * math.sqrt(_log_mn_delta(m, data.n, delta)))


def _step(data: Dataset, m: int, eta: float, C: float) -> Condition:
    # eta <= n m / (C Rmax^2)  written as  n m / (C Rmax^2) >= eta
    return Condition("step", "eta <= n m / (C Rmax^2)", eta_max(data, m, C), eta)


def conditions_leaky(data: Dataset, m: int, eta: float, sigma0: float, gamma: float,
                     delta: float = DELTA.value, C: float = C_CONST.value) -> Conditions:
    """Theorem 4.1: (B.2) ``sigma0 <= gamma / (C Rmax sqrt(log(mn/delta)))``; (B.3)
    ``eta <= nm/(C Rmax^2)``; (B.4) ``Rmin^2 >= C gamma^-4 R^2 n p``; and ``0 < gamma < 1``."""
    items = [
        Condition("leaky", "0 < gamma < 1", 1.0 if 0 < gamma < 1 else 0.0, 1.0),
        Condition("data", "Rmin^2 >= C gamma^-4 R^2 n p", data.Rmin ** 2,
                  (C * gamma ** -4 * data.R ** 2 * data.n * data.p) if gamma > 0 else math.inf),
        _step(data, m, eta, C),
        Condition("init", "sigma0 <= gamma / (C Rmax sqrt(log(m n / delta)))",
                  sigma0_max(data, m, gamma, delta, C) if gamma > 0 else 0.0, sigma0),
    ]
    return Conditions("Theorem 4.1", tuple(items))


def conditions_relu(data: Dataset, m: int, eta: float, sigma0: float,
                    delta: float = DELTA.value, C: float = C_CONST.value) -> Conditions:
    """Theorem 4.3: (E.2) ``sigma0 <= 1 / (C Rmax sqrt(log(mn/delta)))``; (E.3)
    ``eta <= nm/(C Rmax^2)``; (E.4) ``Rmin^2 >= C R^2 n p``; width ``m >= C log(n/delta)``."""
    items = [
        Condition("data", "Rmin^2 >= C R^2 n p", data.Rmin ** 2, C * data.R ** 2 * data.n * data.p),
        _step(data, m, eta, C),
        Condition("init", "sigma0 <= 1 / (C Rmax sqrt(log(m n / delta)))",
                  sigma0_max(data, m, 0.0, delta, C), sigma0),
        Condition("width", "m >= C log(n / delta)", float(m), C * math.log(data.n / delta)),
    ]
    return Conditions("Theorem 4.3", tuple(items))


def conditions_A1(d: int, m: int, n: int, delta: float = DELTA.value, C: float = C_CONST.value) -> Conditions:
    """Lemma A.1 needs ``d = Omega(log(mn/delta))``, made concrete as ``d >= C log(mn/delta)``."""
    return Conditions("Lemma A.1", (Condition("dimension", "d >= C log(m n / delta)", float(d),
                                              C * _log_mn_delta(m, n, delta)),))


def conditions_A2(m: int, n: int, delta: float = DELTA.value) -> Conditions:
    """Lemma A.2: ``m >= 50 log(2n/delta)`` (the paper's own constant)."""
    return Conditions("Lemma A.2", (Condition("width", "m >= 50 log(2n / delta)", float(m),
                                              50 * math.log(2 * n / delta)),))


def max_p_leaky(Rmin: float, R: float, n: int, gamma: float, C: float = C_CONST.value) -> float:
    """The largest ``p`` that (B.4) allows: ``Rmin^2 gamma^4 / (C R^2 n)``."""
    return Rmin ** 2 * gamma ** 4 / (C * R ** 2 * n)


def max_p_relu(Rmin: float, R: float, n: int, C: float = C_CONST.value) -> float:
    """The largest ``p`` that (E.4) allows: ``Rmin^2 / (C R^2 n)``."""
    return Rmin ** 2 / (C * R ** 2 * n)
