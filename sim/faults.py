"""Named simulator faults: deliberately wrong versions of the model, to measure what each check can
catch (its *power*). Nothing here is part of the paper's model.

A fault is enabled only inside ``with sim.faults.inject("name"):`` and only for the code that runs
inside that block (a :mod:`contextvars` variable: other threads and tasks never see it). There is no
environment variable, option or module-level switch, and an unknown name raises. :func:`sim.simulate`
reads the active fault once and, when there is one, hands it as the single explicit ``fault``
argument to :mod:`sim.engines.faulty`; the exact engines (``fast``, ``event``, ``batched``,
``reference``) never see a fault and their code has no fault branch (``tests/sim/test_sim_faults.py``
proves the default trajectories bit-identical with this module imported and a fault used before).

Which engines a fault replaces: all of them. ``fast``, ``event`` and ``batched`` become the faulty
coefficient-space kernel; ``reference`` becomes a faulty weight-space loop (the gradient written
out with the fault's knobs), whose ``rho`` is still recovered from ``W(t) - W(0)`` by least squares,
so a check that compares the recursion of Lemma 5.2 with the weights (A.3) can see the fault.

Each fault says what an exact run it equals, when it equals one: a fault equivalent to an exact run
of a problem that the statement's hypotheses allow (a smaller step, a smaller init) can only be caught
by a check whose bounds use the changed parameter; that is part of what the power matrix shows.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fault:
    """One named fault: knobs of the faulty per-step kernel (``1.0`` / ``0`` / ``False`` = exact).

    ``dsigma_neg``: multiplies ``sigma'(z)`` for ``z < 0`` in the gradient only (the forward pass keeps
    ``sigma``). ``lprime``: multiplies ``l'``. ``second_layer``: the second layer ``1/m`` becomes
    ``second_layer / m`` (forward and gradient). ``step_per_m``: the step ``eta/(nm)`` becomes
    ``eta/n``. ``init_variance_squared``: ``W(0)`` entries have variance ``sigma0^4`` instead of
    ``sigma0^2``. ``gram_eps``: the pre-activation update uses ``G + gram_eps * Rmin^2 E`` (``E`` a fixed
    symmetric +-1 matrix with zero diagonal) instead of ``G = X X^T``, so ``Z`` drifts from ``W X^T``.
    ``identical_neurons``: every neuron of a class starts from the same row (one draw broadcast over r).
    ``drop_last``: the gradient leaves out the last training point's term (a loop bound off by one).
    ``needs_leaky``: the fault changes nothing when ``gamma = 0`` (ReLU), so ReLU statements are excused.
    """

    name: str
    description: str
    equivalent: str = ""  # the exact run it equals, if any
    dsigma_neg: float = 1.0
    lprime: float = 1.0
    second_layer: float = 1.0
    step_per_m: bool = False
    init_variance_squared: bool = False
    gram_eps: float = 0.0
    drop_last: bool = False
    identical_neurons: bool = False
    needs_leaky: bool = False
    calls: list = field(default_factory=list, compare=False, repr=False)


FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("dsigma_neg_halved", "sigma'(z < 0) halved in the gradient (gamma/2 instead of gamma); forward pass exact",
          dsigma_neg=0.5, needs_leaky=True),
    Fault("lprime_0.8", "l' scaled by 0.8", equivalent="an exact run with eta -> 0.8 eta", lprime=0.8),
    Fault("second_layer_doubled", "the second layer 1/m doubled to 2/m (forward and gradient)",
          second_layer=2.0),
    Fault("step_eta_over_n", "the step eta/(nm) replaced by eta/n (m times larger)",
          equivalent="an exact run with eta -> m eta; no change at m = 1", step_per_m=True),
    Fault("init_variance_squared", "init variance sigma0^2 replaced by sigma0^4",
          equivalent="an exact run with sigma0 -> sigma0^2", init_variance_squared=True),
    Fault("gram_perturbed", "pre-activations updated with G + 0.05 Rmin^2 E (E: fixed symmetric +-1, zero diagonal)",
          gram_eps=0.05),
    # four classic implementation bugs, added because the faults above left 13 statements unable
    # to fail (their one-sided conclusions survive every perturbation that is still descent on all
    # points with the right derivative); each is one wrong sign, index or branch in a real backward pass
    Fault("gradient_ascent", "the sign of l' flipped: every step climbs the loss", lprime=-1.0),
    Fault("last_point_dropped", "the gradient leaves out the last training point (a loop bound off by one)",
          drop_last=True),
    Fault("leaky_backward_as_relu", "sigma'(z < 0) = 0 in the gradient (ReLU's backward pass on a leaky forward pass)",
          dsigma_neg=0.0, needs_leaky=True),
    Fault("init_identical_neurons", "every neuron of a class starts from the same row (one draw broadcast over the m neurons)",
          identical_neurons=True),
)}

_ACTIVE: contextvars.ContextVar = contextvars.ContextVar("sim_fault", default=None)


@contextmanager
def inject(name: str):
    """Run the block with the named fault; yields a record whose ``calls`` lists each simulation the
    fault reached (``engine`` per call). Unknown names raise ``KeyError``; faults do not nest."""
    if name not in FAULTS:
        raise KeyError(f"unknown simulator fault {name!r}; choose one of {sorted(FAULTS)}")
    if _ACTIVE.get() is not None:
        raise RuntimeError(f"fault {_ACTIVE.get().name!r} is already active; faults do not nest")
    base = FAULTS[name]
    fault = Fault(**{k: getattr(base, k) for k in base.__dataclass_fields__ if k != "calls"})
    token = _ACTIVE.set(fault)
    try:
        yield fault
    finally:
        _ACTIVE.reset(token)


def active() -> Fault | None:
    """The fault of the enclosing :func:`inject` block, or ``None`` (the exact model)."""
    return _ACTIVE.get()
