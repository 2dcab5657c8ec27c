"""The statement registry: every lemma, theorem and conjecture as data plus a check.

A plain data structure: statement modules import it and register themselves; it imports none of
them (:mod:`theorems.catalogue` is the one place that imports every statement module).

A :class:`Statement` carries the paper's text, the hypotheses it assumes, its named constants, a
Hypothesis strategy of inputs that meet the hypotheses, control strategies that each break one
named hypothesis, and a ``check`` that returns :class:`Evidence` (holds or not, the measured
witness, the declared bound, and what a reader needs to understand a failure).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from .constants import Constant

KINDS = ("theorem", "lemma", "corollary", "conjecture")
RELATIONS = (">=", "<=", "==")


@dataclass
class Evidence:
    """What one check measured on one example.

    ``witness`` is compared with ``bound`` by ``relation``; ``holds`` is the verdict (normally
    exactly that comparison; exact statements compare against a round-off tolerance). ``margin``
    is the signed, scale-free distance to failure that ``hypothesis.target`` pushes down.
    ``details`` holds JSON-able facts about the example (sizes, p, seeds), ``series`` plot data:
    ``{"title", "xlabel", "ylabel", "logx", "logy", "lines": [{"label", "x", "y"}]}``.

    ``binomial`` is set by the "w.p. >= 1 - delta" checks, whose witness is a p-value:
    ``{"failures", "trials", "unit", "allowed", "p_value", "alpha"}`` and, where each trial has a
    witness of its own, ``"worst": {"what", "witness", "bound", "relation"}`` (the worst trial's
    witness against its bound; the report shows it beside the p-value).
    """

    holds: bool
    witness: float
    bound: float | None
    relation: str
    summary: str
    details: dict = field(default_factory=dict)
    series: list = field(default_factory=list)
    score: float | None = None  # what hypothesis.target pushes up (toward failure); default -margin
    binomial: dict | None = None

    def __post_init__(self):
        if self.relation not in RELATIONS:
            raise ValueError(f"relation must be one of {RELATIONS}; got {self.relation!r}")
        self.holds = bool(self.holds)
        self.witness = float(self.witness)
        self.bound = None if self.bound is None else float(self.bound)
        self.score = None if self.score is None else float(self.score)

    @property
    def target_score(self) -> float:
        """The value ``hypothesis.target`` maximises to hunt the worst case (finite)."""
        v = -self.margin if self.score is None else self.score
        return v if math.isfinite(v) else (1e300 if v > 0 else -1e300)

    @property
    def margin(self) -> float:
        """Positive when the statement holds with room, negative when it fails; relative to the
        bound when the bound is non-zero. ``==`` checks: ``-witness`` (the error itself)."""
        w, b = self.witness, self.bound
        if not math.isfinite(w):
            return -math.inf
        if self.relation == "==" or b is None:
            return (1.0 if self.holds else -1.0) * (1.0 / (1.0 + abs(w)))
        scale = abs(b) if b != 0 else 1.0
        return (w - b) / scale if self.relation == ">=" else (b - w) / scale

    def to_json(self) -> dict:
        out = asdict(self)
        out["margin"] = self.margin
        return out

    @classmethod
    def from_json(cls, d: dict) -> "Evidence":
        d = dict(d)
        d.pop("margin", None)
        return cls(**d)


@dataclass
class Statement:
    """One statement of the paper (or a conjecture) as an executable property."""

    id: str
    kind: str
    title: str
    text: str
    check: Callable[[Any], Evidence]
    strategy: Any
    hypotheses: tuple = ()
    constants: tuple = ()
    controls: dict = field(default_factory=dict)
    markers: tuple = ()
    source: str = ""
    max_examples: int | None = None  # per-statement cap for expensive checks (None: the profile's)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.id}: kind must be one of {KINDS}; got {self.kind!r}")
        for c in self.constants:
            if not isinstance(c, Constant):
                raise TypeError(f"{self.id}: constants must be theorems.constants.Constant; got {c!r}")

    def describe(self) -> dict:
        """JSON-able description for the report and the command line."""
        return {"id": self.id, "kind": self.kind, "title": self.title, "text": self.text,
                "hypotheses": list(self.hypotheses), "source": self.source,
                "constants": [c.describe() for c in self.constants],
                "controls": sorted(self.controls), "markers": list(self.markers)}


REGISTRY: dict[str, Statement] = {}


def register(stmt: Statement) -> Statement:
    """Add a statement; an id may be registered once (re-importing the same module is harmless)."""
    old = REGISTRY.get(stmt.id)
    if old is not None and _origin(old.check) != _origin(stmt.check):
        raise ValueError(f"statement id {stmt.id!r} is already registered by {_origin(old.check)}; "
                         f"choose another id for {_origin(stmt.check)}")
    REGISTRY[stmt.id] = stmt
    return stmt


def _origin(check) -> str:
    return f"{getattr(check, '__module__', '?')}.{getattr(check, '__qualname__', repr(check))}"


def statement(id: str, *, kind: str, title: str, text: str, strategy, hypotheses=(), constants=(),
              controls=None, markers=(), source: str = "", max_examples: int | None = None):
    """Decorator: register ``check(example) -> Evidence`` as the executable form of a statement."""

    def deco(check):
        register(Statement(id=id, kind=kind, title=title, text=text, check=check, strategy=strategy,
                           hypotheses=tuple(hypotheses), constants=tuple(constants),
                           controls=dict(controls or {}), markers=tuple(markers), source=source,
                           max_examples=max_examples))
        return check

    return deco


def registered(kind: str | None = None) -> list[Statement]:
    """The statements registered so far (of ``kind``), in registration order. The registry imports
    no statement module: :func:`theorems.catalogue.all_statements` imports the paper's first."""
    return [s for s in REGISTRY.values() if kind is None or s.kind == kind]
