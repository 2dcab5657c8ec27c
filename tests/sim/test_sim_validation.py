"""Every bad problem description is refused at construction with a :class:`sim.ProblemError` that
names the bad value, and nothing runs (the engines' ``run`` functions are replaced by tripwires)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engines import batched, fast, reference

GOOD = dict(m=2, eta=0.1, sigma0=0.01, steps=10, gamma=0.1)


def _data(**kw):
    X = kw.pop("X", np.eye(3, 4))
    y = kw.pop("y", np.array([1.0, -1.0, 1.0]))
    return sim.Dataset(X, y)


@pytest.fixture(autouse=True)
def engines_must_not_run(monkeypatch):
    """Any call to an engine during these tests is a failure: validation happens before running."""
    def tripwire(*a, **k):
        raise AssertionError("an engine ran although the problem was invalid")

    for mod in (reference, fast, batched):
        monkeypatch.setattr(mod, "run", tripwire)


def _problem(**changes):
    kw = dict(GOOD)
    kw.update(changes)
    data = kw.pop("data") if "data" in kw else _data()
    return sim.Problem(data, **kw)


BAD_PROBLEMS = [
    ("eta zero", lambda: _problem(eta=0.0), r"eta \(step size\) must be > 0; got 0"),
    ("eta negative", lambda: _problem(eta=-0.5), r"eta \(step size\) must be > 0; got -0.5"),
    ("eta nan", lambda: _problem(eta=float("nan")), r"eta must be a finite number; got nan"),
    ("eta inf", lambda: _problem(eta=float("inf")), r"eta must be a finite number; got inf"),
    ("eta string", lambda: _problem(eta="0.1"), r"eta must be a finite number; got '0.1'"),
    ("m zero", lambda: _problem(m=0), r"m \(neurons per sign\) must be a positive integer; got 0"),
    ("m negative", lambda: _problem(m=-3), r"m \(neurons per sign\) must be a positive integer; got -3"),
    ("m float", lambda: _problem(m=2.0), r"m \(neurons per sign\) must be a positive integer; got 2.0"),
    ("gamma one", lambda: _problem(gamma=1.0), r"gamma \(leaky slope\) must be in \[0, 1\) \(0 is ReLU\); got 1.0"),
    ("gamma negative", lambda: _problem(gamma=-0.1), r"gamma .* must be in \[0, 1\).*got -0.1"),
    ("gamma big", lambda: _problem(gamma=2.5), r"gamma .* must be in \[0, 1\).*got 2.5"),
    ("sigma0 negative", lambda: _problem(sigma0=-1e-3), r"sigma0 \(init scale\) must be >= 0; got -0.001"),
    ("steps negative", lambda: _problem(steps=-1), r"steps \(horizon\) must be an integer >= 0; got -1"),
    ("steps float", lambda: _problem(steps=10.5), r"steps \(horizon\) must be an integer >= 0; got 10.5"),
    ("seed negative", lambda: _problem(seed=-1), r"seed must be an integer >= 0; got -1"),
    ("checkpoint past horizon", lambda: _problem(extra_checkpoints=(5, 11)),
     r"checkpoint 11 is past the horizon steps=10"),
    ("checkpoint negative", lambda: _problem(extra_checkpoints=(-2,)), r"checkpoints must be integers >= 0"),
    ("checkpoint fractional", lambda: _problem(extra_checkpoints=(2.5,)), r"checkpoints must be integers >= 0"),
    ("batch size zero", lambda: _problem(batch_size=0), r"batch_size must be a positive integer or None; got 0"),
    ("n_log zero", lambda: _problem(n_log=0), r"n_log must be an integer >= 1; got 0"),
    ("data not a Dataset", lambda: _problem(data=np.eye(3)), r"data must be a sim.Dataset; got ndarray"),
    # the dataset itself
    ("X has NaN", lambda: _data(X=np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0]])), r"X contains NaN or infinite values"),
    ("X has inf", lambda: _data(X=np.array([[1.0, np.inf], [0.0, 1.0], [1.0, 1.0]])), r"X contains NaN or infinite values"),
    ("labels 0/1", lambda: _data(y=np.array([1.0, 0.0, 1.0])), r"labels must be \+1 or -1; found \[0.0\]"),
    ("labels 2", lambda: _data(y=np.array([2, -1, 1])), r"labels must be \+1 or -1; found \[2\]"),
    ("labels nan", lambda: _data(y=np.array([1.0, np.nan, 1.0])), r"labels must be \+1 or -1; found \[nan\]"),
    # the message lists the first three bad labels, no more (a long list would bury the sentence)
    ("labels many bad", lambda: _data(X=np.eye(5), y=np.array([2.0, 3.0, -1.0, 4.0, 5.0])),
     r"labels must be \+1 or -1; found \[2.0, 3.0, 4.0\]$"),
    ("shape mismatch", lambda: _data(y=np.array([1.0, -1.0])), r"shape mismatch: X has 3 rows but y has shape \(2,\)"),
    ("y 2-d", lambda: _data(y=np.ones((3, 1))), r"shape mismatch: X has 3 rows but y has shape \(3, 1\)"),
    ("X 1-d", lambda: _data(X=np.ones(3)), r"X must be a 2-d array \(n, d\); got shape \(3,\)"),
    ("empty n", lambda: _data(X=np.empty((0, 4)), y=np.empty(0)), r"the dataset is empty: X has shape \(0, 4\)"),
    ("empty d", lambda: _data(X=np.empty((3, 0))), r"the dataset is empty: X has shape \(3, 0\)"),
    ("zero vector", lambda: _data(X=np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])), r"zero vector"),
    # generators
    ("nearly orthogonal p too big", lambda: sim.nearly_orthogonal(5, 10, p=0.3), r"p=0.3 too large"),
    ("nearly orthogonal p negative", lambda: sim.nearly_orthogonal(5, 10, p=-0.1), r"p must be finite and >= 0"),
    ("orthogonal d < n", lambda: sim.orthogonal(5, 3), r"need d >= n for orthogonal data; got n=5, d=3"),
    ("standard basis d < n", lambda: sim.standard_basis(5, 3), r"need d >= n for the standard basis"),
    ("bad norms", lambda: sim.orthogonal(2, 3, norms=[1.0, 0.0]), r"norms must be positive and finite"),
    ("bad n_pos", lambda: sim.standard_basis(3, n_pos=4), r"n_pos must be in \[0, n=3\]; got 4"),
]


@pytest.mark.parametrize("make, match", [b[1:] for b in BAD_PROBLEMS], ids=[b[0] for b in BAD_PROBLEMS])
def test_bad_problem_is_refused(make, match):
    with pytest.raises(sim.ProblemError, match=match):
        make()


def test_problem_error_is_a_value_error():
    assert issubclass(sim.ProblemError, ValueError)


def test_replace_validates_again():
    pr = _problem()
    with pytest.raises(sim.ProblemError, match=r"eta \(step size\) must be > 0"):
        pr.replace(eta=0)


@pytest.fixture
def good_problem():
    return _problem()


BAD_CALLS = [
    ("unknown engine", dict(engine="numpy"), r"unknown engine 'numpy'; choose one of \('reference', 'fast', 'event', 'batched'\)"),
    ("unknown device", dict(engine="batched", device="tpu"), r"unknown device 'tpu'; choose one of \('cpu', 'cuda', 'auto'\)"),
    ("unknown device fast", dict(engine="fast", device="gpu"), r"unknown device 'gpu'"),
    ("empty seeds", dict(engine="batched", seeds=[]), r"seeds must be a non-empty sequence of integers >= 0"),
    ("negative seed", dict(engine="fast", seeds=[1, -2]), r"seeds must be a non-empty sequence of integers >= 0"),
    ("float seed", dict(engine="fast", seeds=[1.5]), r"seeds must be a non-empty sequence of integers >= 0"),
]


@pytest.mark.parametrize("kw, match", [b[1:] for b in BAD_CALLS], ids=[b[0] for b in BAD_CALLS])
def test_bad_simulate_call_is_refused(good_problem, kw, match):
    with pytest.raises(sim.ProblemError, match=match):
        sim.simulate(good_problem, **kw)


def test_simulate_needs_a_problem():
    with pytest.raises(sim.ProblemError, match=r"expected a sim.Problem; got dict"):
        sim.simulate(dict(GOOD))


@pytest.mark.parametrize("engine", ["reference", "fast", "batched"])
def test_cuda_requested_without_cuda(good_problem, engine, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(sim.ProblemError, match=r"device 'cuda' requested but torch sees no CUDA device"):
        sim.simulate(good_problem, engine, device="cuda")


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_cpu_only_engines_refuse_cuda(good_problem, engine, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # pretend: the check comes first
    with pytest.raises(sim.ProblemError, match=rf"engine '{engine}' runs on the cpu only; use engine='batched'"):
        sim.simulate(good_problem, engine, device="cuda")


def test_auto_device_without_cuda_is_cpu(monkeypatch):
    import torch

    from sim.simulate import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"


def test_valid_edge_values_are_accepted():
    """The boundaries that are allowed: ReLU (gamma = 0), sigma0 = 0, a 0-step horizon, a checkpoint
    at the horizon, numpy scalars, a batch larger than n (treated as full batch)."""
    _problem(gamma=0.0, sigma0=0.0)
    pr = _problem(steps=0)
    assert list(pr.checkpoints) == [0]
    assert 10 in _problem(extra_checkpoints=(10,)).checkpoints
    _problem(eta=np.float32(0.5), m=np.int64(3), gamma=np.float64(0.0), steps=np.int32(5))
    assert _problem(batch_size=99).full_batch


def test_minibatch_schedule_visits_every_point_once_per_epoch():
    """``batch_schedule``: with ``nb = ceil(n / bs)`` batches per epoch, step ``t`` takes
    ``perm[t // nb, (t % nb) bs : (t % nb + 1) bs]``; each epoch's batches partition the points, and
    there are enough epochs for every step (kills a mutant that broke ``nb``)."""
    import numpy as np

    import sim

    pr = sim.Problem(sim.orthogonal(7, 9, seed=0), m=2, eta=0.5, sigma0=0.1, steps=20, batch_size=3,
                     shuffle_seed=4)
    perm, bs = pr.batch_schedule()
    nb = -(-7 // 3)
    assert bs == 3 and perm.shape == (-(-20 // nb), 7)
    for e in range(perm.shape[0]):
        batches = [perm[e, b * bs:(b + 1) * bs] for b in range(nb)]
        assert sorted(np.concatenate(batches).tolist()) == list(range(7))
        assert [len(x) for x in batches] == [3, 3, 1]
