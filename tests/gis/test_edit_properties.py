"""Property: after any sequence of edits the partition stays valid and tiles each village."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from grid_fixtures import CELL, lattice, random_households
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gis import edits
from gis.adjacency import build_graph
from gis.balance import balance
from gis.partition import VALID

A = lattice(5, 4, "A", households=random_households(20, 7))
B = lattice(3, 4, "B", x0=500_000.0 + 5 * CELL, households=random_households(12, 8))
UNITS = pd.concat([A, B], ignore_index=True)
GRAPH = build_graph(UNITS)
GEOMS = np.asarray(UNITS.geometry.values)
START = balance(GRAPH, UNITS["households"].to_numpy(float), rng=np.random.default_rng(0),
                count={"A": 4, "B": 2})
START = START.with_slots(START.assignment, labels=tuple(f"g{i}" for i in range(START.k)),
                         villages=START.villages, ideal=START.ideal, pinned=START.pinned)
VILLAGE_AREA = {v: shapely.union_all(GEOMS[GRAPH.village == v]).area for v in ("A", "B")}

step = st.tuples(st.sampled_from(["move", "split", "merge", "rebalance", "redraw"]),
                 st.integers(0, 10_000), st.integers(0, 10_000))


def _apply(p, kind: str, a: int, b: int):  # noqa: ANN001, ANN202
    act = [p.labels[s] for s in p.active]
    grid = act[a % len(act)]
    if kind == "move":
        return edits.move_units(p, [str(GRAPH.ids[a % GRAPH.n])], act[b % len(act)])
    if kind == "split":
        return edits.split_grid(p, grid, new_id=f"n{len(p.labels)}",
                                rng=np.random.default_rng(b))
    if kind == "merge":
        return edits.merge_grids(p, grid, act[b % len(act)])
    if kind == "redraw":
        c = GEOMS[a % GRAPH.n].centroid
        poly = shapely.box(c.x - 60, c.y - 60, c.x + 60 + (b % 3) * CELL, c.y + 60)
        return edits.redraw(p, poly, act[b % len(act)], GEOMS)
    return edits.rebalance(p, [grid], rng=np.random.default_rng(b), sweeps=5)


@settings(max_examples=30, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=6))
def test_any_edit_sequence_keeps_the_partition_valid(steps: list) -> None:
    p = START
    for kind, a, b in steps:
        try:
            p = _apply(p, kind, a, b).partition
        except edits.EditRefused:
            pass  # refused edits change nothing
    assert all(c(p) for c in VALID)
    assert np.bincount(p.assignment, minlength=p.k).sum() == GRAPH.n  # each unit once
    for s in p.active:
        assert len({GRAPH.village[i] for i in p.units_of(s)}) == 1
    for v, area in VILLAGE_AREA.items():
        pieces = [shapely.union_all(GEOMS[p.units_of(s)]) for s in p.active
                  if p.villages[s] == v]
        union = shapely.union_all(pieces)
        assert abs(union.area - area) < 1.0  # no gaps
        assert abs(sum(x.area for x in pieces) - area) < 1.0  # no overlaps
