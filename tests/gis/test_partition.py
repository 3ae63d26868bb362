"""Partition: immutable flips, cached metrics, perimeters against shapely, constraints."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from grid_fixtures import CELL, lattice

from gis.adjacency import build_graph
from gis.partition import (
    InvalidPartitionError,
    Partition,
    check_valid,
    complete,
    contiguous,
    grid_figures,
    problems,
    within_villages,
)


def _partition(assign: list[int]) -> tuple[Partition, object]:
    units = lattice(4, 1)
    g = build_graph(units)
    k = max(assign) + 1
    p = Partition(graph=g, assignment=np.array(assign), weights=np.full(4, 10.0),
                  labels=tuple(f"g{i}" for i in range(k)), villages=("V",) * k,
                  ideal=np.full(k, 40.0 / k), pinned=np.zeros(k, bool))
    return p, units


def test_flip_returns_a_child_and_leaves_the_parent() -> None:
    p, _ = _partition([0, 0, 1, 1])
    child = p.flip({1: 1})
    assert list(p.assignment) == [0, 0, 1, 1]
    assert list(child.assignment) == [0, 1, 1, 1]
    assert list(child["workload"]) == [10.0, 30.0]
    with pytest.raises(ValueError):
        p.assignment[0] = 1  # read-only


def test_metrics_are_cached_and_match_shapely() -> None:
    p, units = _partition([0, 0, 1, 1])
    assert p["perimeter"] is p["perimeter"]
    for s in range(2):
        union = shapely.union_all(units.geometry.values[p.units_of(s)])
        assert p["perimeter"][s] == pytest.approx(union.length)
        assert p["polsby_popper"][s] == pytest.approx(4 * np.pi * union.area / union.length**2)
    assert p["cut_edges"] == 1
    assert p["perimeter"][0] == pytest.approx(6 * CELL)


def test_constraints() -> None:
    p, _ = _partition([0, 1, 0, 1])
    assert complete(p) and within_villages(p)
    assert not contiguous(p)
    assert list(p["pieces"]) == [2, 2]
    good = p.flip({1: 0, 2: 1})
    assert contiguous(good)
    figs = grid_figures(good, [0, 1])
    assert figs["g0"]["units"] == 2 and figs["g0"]["deviation"] == pytest.approx(0.0)
    assert good["summary"]["max_dev"] == pytest.approx(0.0)
    assert good["summary"]["granularity"] == pytest.approx(0.5)


def test_problems_name_every_broken_constraint() -> None:
    p, _ = _partition([0, 1, 0, 1])
    pinned = np.array([False, False, False, True])
    found = problems(p, pinned_units=pinned)
    assert sum("disconnected" in f for f in found) == 2
    assert any("unit V3-0 is an exclusive unit" in f for f in found)
    with pytest.raises(InvalidPartitionError) as err:
        check_valid(p, pinned_units=pinned)
    assert err.value.problems == found
    good, _ = _partition([0, 0, 0, 1])
    good = good.with_slots(good.assignment, labels=good.labels, villages=good.villages,
                           ideal=good.ideal, pinned=np.array([False, True]))
    assert problems(good, pinned_units=pinned) == []
    moved = good.flip({2: 1})  # the exclusive grid takes an ordinary unit
    assert any("exclusive grid g1 would hold ordinary unit" in f
               for f in problems(moved, pinned_units=pinned))
    assert any("g1 would change" in f for f in problems(moved, pinned_units=pinned | (
        moved.assignment == 1), before=good))


def test_retired_slots_are_an_explicit_mask() -> None:
    p, _ = _partition([0, 0, 1, 1])
    assert list(p.retired) == [False, False]
    merged = p.with_slots(np.zeros(4, dtype=np.int64), labels=p.labels, villages=p.villages,
                          ideal=p.ideal, pinned=p.pinned, retired=np.array([False, True]))
    assert list(merged.retired) == [False, True] and merged.labels == ("g0", "g1")
    assert problems(merged) == []
    grown = merged.with_slots(merged.assignment, labels=(*merged.labels, "g2"),
                              villages=(*merged.villages, "V"), ideal=np.append(p.ideal, 1.0),
                              pinned=np.append(p.pinned, False))
    assert list(grown.retired) == [False, True, False]
    wrong = merged.flip({3: 1})
    assert any("merged away" in f for f in problems(wrong))
