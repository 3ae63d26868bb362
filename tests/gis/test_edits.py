"""Edits: each returns a valid child with a preview, or is refused with the reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from grid_fixtures import CELL, lattice

from gis import edits
from gis.adjacency import build_graph
from gis.partition import VALID, Partition


def _plan() -> Partition:
    """Village A: 4×2 cells in grids a0 (x<2) and a1 (x≥2); village B: 2×2 in b0 (pinned)."""
    a = lattice(4, 2, "A")
    b = lattice(2, 2, "B", x0=500_000.0 + 4 * CELL)
    units = pd.concat([a, b], ignore_index=True)
    g = build_graph(units)
    assign = np.array([0 if (v == "A" and int(u[1]) < 2) else 1 if v == "A" else 2
                       for u, v in zip(g.ids, g.village, strict=True)])
    return Partition(graph=g, assignment=assign, weights=np.full(g.n, 10.0),
                     labels=("a0", "a1", "b0"), villages=("A", "A", "B"),
                     ideal=np.array([40.0, 40.0, 40.0]), pinned=np.array([False, False, True]))


def test_move_gives_preview_and_valid_child() -> None:
    p = _plan()
    prev = edits.move_units(p, ["A2-0"], "a0")
    assert prev.moved == ("A2-0",)
    assert prev.before["a0"]["workload"] == 40.0 and prev.after["a0"]["workload"] == 50.0
    assert all(c(prev.partition) for c in VALID)
    assert p.assignment[p.graph.index_of()["A2-0"]] == 1  # the parent is unchanged


@pytest.mark.parametrize(
    ("units", "grid", "match"),
    [(["A3-0", "A3-1"], "a0", "disconnected"),
     (["A2-0", "A2-1", "A3-0", "A3-1"], "a0", "no units"),
     (["A2-0"], "b0", "village|exclusive"),
     (["B0-0"], "a1", "exclusive")],
)
def test_refusals_say_why(units: list[str], grid: str, match: str) -> None:
    with pytest.raises(edits.EditRefused, match=match):
        edits.move_units(_plan(), units, grid)


def test_unknown_ids() -> None:
    with pytest.raises(edits.UnknownIdError, match="nope"):
        edits.move_units(_plan(), ["nope"], "a0")
    with pytest.raises(edits.UnknownIdError, match="zz"):
        edits.move_units(_plan(), ["A0-0"], "zz")


def test_split_merge_redraw_rebalance() -> None:
    p = _plan()
    split = edits.split_grid(p, "a1", new_id="a2", rng=np.random.default_rng(0))
    assert set(split.grids) == {"a1", "a2"} and all(c(split.partition) for c in VALID)
    assert split.after["a1"]["workload"] == split.after["a2"]["workload"] == 20.0
    merged = edits.merge_grids(split.partition, "a1", "a2")
    assert merged.after["a1"]["workload"] == 40.0
    with pytest.raises(edits.EditRefused):
        edits.merge_grids(p, "a0", "b0")
    poly = shapely.box(500_000.0 + 150.0, 4_000_000.0 - 10, 500_000.0 + 260.0, 4_000_000.0 + 90)
    red = edits.redraw(p, poly, "a0", np.asarray(_units_geoms(p)))
    assert red.moved == ("A2-0",)
    moved = edits.move_units(p, ["A2-0", "A2-1"], "a0").partition
    reb = edits.rebalance(moved, ["a0"], rng=np.random.default_rng(0))
    assert abs(reb.after["a0"]["deviation"]) < abs(moved["deviation"][0])
    assert all(c(reb.partition) for c in VALID)


def _units_geoms(p: Partition) -> list:
    units = pd.concat([lattice(4, 2, "A"), lattice(2, 2, "B", x0=500_000.0 + 4 * CELL)],
                      ignore_index=True).set_index("unit_id")
    return list(units.loc[list(p.graph.ids), "geometry"])
