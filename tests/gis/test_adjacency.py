"""Rook adjacency: neighbours, shared lengths, perimeters, villages, barriers, islands."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from grid_fixtures import CELL, lattice

from gis.adjacency import AdjacencyError, build_graph, check_connected


def test_rook_not_queen_and_shared_lengths() -> None:
    g = build_graph(lattice(3, 3))
    centre = g.index_of()["V1-1"]
    assert sorted(g.ids[g.neighbors(centre)]) == ["V0-1", "V1-0", "V1-2", "V2-1"]
    corner = g.index_of()["V0-0"]
    assert "V1-1" not in set(g.ids[g.neighbors(corner)])  # a shared corner is not rook
    assert np.allclose(g.shared, CELL)
    assert np.allclose(g.perimeter, 4 * CELL)
    assert np.allclose(g.area, CELL * CELL)
    assert len(g.edges()[0]) == 12


def test_lonlat_input_is_measured_in_metres() -> None:
    g = build_graph(lattice(2, 1).to_crs(4326))
    assert g.shared[0] == pytest.approx(CELL, rel=1e-3)


def test_no_edges_across_villages() -> None:
    a = lattice(2, 2, "A")
    b = lattice(2, 2, "B", x0=500_000.0 + 2 * CELL)
    g = build_graph(pd.concat([a, b], ignore_index=True))
    i, j, _ = g.edges()
    assert np.all(g.village[i] == g.village[j])
    assert len(i) == 8


def test_barrier_cuts_the_edge_along_it() -> None:
    units = lattice(2, 1)
    line = shapely.LineString([(500_000.0 + CELL, 3_999_990.0), (500_000.0 + CELL, 4_000_110.0)])
    g = build_graph(units, barriers=gpd.GeoDataFrame(geometry=[line], crs=32650))
    assert len(g.edges()[0]) == 0


def test_islands_are_named() -> None:
    units = lattice(2, 2)
    island = lattice(1, 1, x0=510_000.0, prefix="far")
    g = build_graph(pd.concat([units, island], ignore_index=True))
    problems = check_connected(g)
    assert len(problems) == 1 and "far0-0" in problems[0] and "V0-0" not in problems[0]


def test_duplicate_ids_are_refused() -> None:
    units = pd.concat([lattice(1, 1), lattice(1, 1)], ignore_index=True)
    with pytest.raises(AdjacencyError, match="duplicate unit_id"):
        build_graph(gpd.GeoDataFrame(units, crs=32650))
