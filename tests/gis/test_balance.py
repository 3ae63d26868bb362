"""Balancing: valid, balanced, compact grids; pinned units; stability; every bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from grid_fixtures import lattice, random_households

from gis.adjacency import build_graph
from gis.balance import BalanceError, balance
from gis.budget import SafetyLimit
from gis.exact import exact_partition
from gis.partition import VALID
from gis.workload import WorkloadError, compute_workload, parse_weights


def _graph(nx: int = 8, ny: int = 8, seed: int = 1):
    units = lattice(nx, ny, households=random_households(nx * ny, seed, high=12))
    return build_graph(units), units["households"].to_numpy(float)


def test_grids_are_valid_and_within_tolerance() -> None:
    g, w = _graph()
    p = balance(g, w, rng=np.random.default_rng(0), target=100.0, tolerance=0.05)
    assert all(c(p) for c in VALID)
    assert p["summary"]["grids"] == round(w.sum() / 100.0)
    assert p["summary"]["max_dev"] <= 0.05
    assert p["summary"]["contiguous"] == 1.0


def test_fixed_count_and_two_villages() -> None:
    a = lattice(6, 4, "A", households=random_households(24, 2))
    b = lattice(4, 4, "B", x0=500_000.0 + 600.0, households=random_households(16, 3))
    units = pd.concat([a, b], ignore_index=True)
    g = build_graph(units)
    p = balance(g, units["households"].to_numpy(float), rng=np.random.default_rng(0),
                count={"A": 4, "B": 2})
    assert all(c(p) for c in VALID)
    counts = pd.Series(p.villages)[p.active].value_counts().to_dict()
    assert counts == {"A": 4, "B": 2}


def test_pinned_units_are_grids_of_their_own() -> None:
    g, w = _graph(6, 6)
    pinned = np.zeros(g.n, bool)
    pinned[g.index_of()["V2-2"]] = True
    p = balance(g, w, rng=np.random.default_rng(0), target=100.0, pinned=pinned)
    slot = p.assignment[g.index_of()["V2-2"]]
    assert p.pinned[slot] and p["size"][slot] == 1
    assert all(c(p) for c in VALID)


def test_rerun_after_small_weight_change_moves_few_units() -> None:
    g, w = _graph(10, 10, seed=4)
    first = balance(g, w, rng=np.random.default_rng(0), target=150.0)
    labels = np.array([f"g{s}" for s in range(first.k)], dtype=object)[first.assignment]
    w2 = w.copy()
    w2[:5] *= 1.3
    second = balance(g, w2, rng=np.random.default_rng(1), target=150.0, initial=labels)
    after = np.asarray(second.labels, dtype=object)[second.assignment]
    assert np.mean(after != labels) <= 0.10
    assert all(c(second) for c in VALID)


def test_exact_model_gives_connected_balanced_parts() -> None:
    g, w = _graph(4, 3, seed=5)
    res = exact_partition(g, w, np.full(3, w.sum() / 3), 0.05, work=5.0)
    assert res is not None and set(res.tolist()) == {0, 1, 2}
    for p in range(3):
        assert len(g.components(np.flatnonzero(res == p))) == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"target": 0.0}, "not a positive workload"),
     ({"target": 8.0}, "raise --target"),
     ({"villages": ["nowhere"]}, "village nowhere has no units")],
)
def test_bad_input_is_refused_with_the_reason(kwargs: dict, match: str) -> None:
    g, w = _graph(4, 4)
    with pytest.raises(BalanceError, match=match):
        balance(g, w, rng=np.random.default_rng(0), **kwargs)


def test_islands_and_negative_weights_are_named() -> None:
    units = pd.concat([lattice(3, 3), lattice(1, 1, x0=600_000.0, prefix="isle")],
                      ignore_index=True)
    g = build_graph(units)
    w = units["households"].to_numpy(float)
    with pytest.raises(BalanceError) as err:
        balance(g, w, rng=np.random.default_rng(0), target=30.0)
    assert any("isle0-0" in p for p in err.value.problems)
    w[0] = -1
    with pytest.raises(BalanceError, match="V0-0"):
        balance(g, w, rng=np.random.default_rng(0), target=30.0)


def test_oversize_units_can_be_pinned() -> None:
    g, w = _graph(4, 4)
    w[0] = 500.0
    p = balance(g, w, rng=np.random.default_rng(0), target=100.0, oversize="pin")
    assert p.pinned[p.assignment[0]]


def test_weights() -> None:
    assert parse_weights("households=1,members=2") == {"households": 1.0, "members": 2.0}
    assert parse_weights(None) == {"households": 1.0}
    for bad in ("households=-1", "cats=1", "households=x", "households"):
        with pytest.raises(WorkloadError):
            parse_weights(bad)
    units = lattice(2, 1)
    assert list(compute_workload(units, {"households": 1, "members": 2})) == [12.0, 12.0]
    units.loc[0, "members"] = -3
    with pytest.raises(WorkloadError, match="V0-0"):
        compute_workload(units, {"members": 1})


def test_budgets_are_steps_and_the_safety_limit_reports_when_it_bites() -> None:
    """The same seed gives the same grids; a wall-clock limit that bites is reported."""
    g, w = _graph(8, 6, seed=7)
    runs = [balance(g, w, rng=np.random.default_rng(4), target=90.0, limit=SafetyLimit(600.0))
            for _ in range(2)]
    assert np.array_equal(runs[0].assignment, runs[1].assignment)
    tight = SafetyLimit(0.0)
    cut = balance(g, w, rng=np.random.default_rng(4), target=90.0, limit=tight)
    assert all(c(cut) for c in VALID)  # still valid grids, just not the full search
    assert tight.hit and tight.report()["events"] and SafetyLimit(None).report()["hit"] is False
