"""Access points as a local would choose them, on a tiny hand-built road grid: the given
gate, the village office, the place node, the heaviest household cluster, the forest road
inside a fire zone (never its centroid), and sites too far from any road skipped with the
distance and the reason."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, box

from gis.access import locate_sites, polygon_access
from gis.roads import NodeIndex, road_graph
from gis.sites import area_sites, fire_zone_sites, mine_sites, no_candidates

X0, Y0, STEP = 11.0, 50.0, 0.01  # ~715 m east-west, ~1.1 km north-south at 50°N


@pytest.fixture(scope="module")
def index() -> NodeIndex:
    ticks = (0, 1, 2)  # a vertex at every crossing: 9 nodes
    lines = [LineString([(X0 + i * STEP, Y0 + j * STEP) for j in ticks]) for i in ticks]
    lines += [LineString([(X0 + i * STEP, Y0 + j * STEP) for i in ticks]) for j in ticks]
    roads = gpd.GeoDataFrame({"road_id": [f"r{i}" for i in range(6)], "highway": "residential"},
                             geometry=lines, crs="EPSG:4326")
    return NodeIndex(road_graph(roads))


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:4326")


def _locate(parts: list[tuple[pd.DataFrame, pd.DataFrame]], polygons: pd.Series,
            index: NodeIndex, limit: float = 500.0) -> tuple[pd.DataFrame, list]:
    sites = pd.concat([s for s, _ in parts], ignore_index=True)
    cands = pd.concat([no_candidates(), *(c for _, c in parts)], ignore_index=True)
    located, skipped = locate_sites(sites, cands, polygons, index, max_snap_m=limit)
    return located.set_index("site_id"), skipped


def test_a_mine_is_reached_by_its_given_gate_else_its_own_point(index: NodeIndex) -> None:
    mines = _frame([
        {"site_id": "m1", "name": "一号", "kind": "coal_mine", "access_lon": X0 + 0.0101,
         "access_lat": Y0 + 0.0199, "geometry": Point(X0 + 0.005, Y0 + 0.005)},
        {"site_id": "m2", "name": "二号", "kind": "quarry", "access_lon": np.nan,
         "access_lat": np.nan, "geometry": Point(X0 + 0.0199, Y0 + 0.0001)}])
    got, skipped = _locate([mine_sites(mines)], pd.Series(dtype=object), index)
    assert skipped == []
    assert got.loc["m1", "access"] == "given" and got.loc["m1", "snap_m"] < 15
    assert (got.loc["m1", "lon"], got.loc["m1", "lat"]) == (X0 + 0.0101, Y0 + 0.0199)
    assert got.loc["m2", "access"] == "gate" and got.loc["m2", "snap_m"] < 15


def test_village_office_then_place_then_households(index: NodeIndex) -> None:
    villages = _frame([
        {"area_id": f"v{i}", "name": name, "geometry": MultiPolygon([box(
            X0 + i * 0.007, Y0, X0 + (i + 1) * 0.007, Y0 + 0.02)])}
        for i, name in enumerate(("东村", "西村", "南村"))])
    offices = _frame([{"office_id": "o0", "name": "税务所", "kind": "government",
                       "geometry": Point(X0 + 0.001, Y0 + 0.002)},
                      {"office_id": "o1", "name": "东村村委会", "kind": "government",
                       "geometry": Point(X0 + 0.002, Y0 + 0.012)}])
    places = _frame([{"place_id": "p1", "name": "小庄", "place": "hamlet",
                      "geometry": Point(X0 + 0.009, Y0 + 0.003)},
                     {"place_id": "p2", "name": "西村", "place": "village",
                      "geometry": Point(X0 + 0.010, Y0 + 0.018)}])
    units = _frame([{"unit_id": f"u{k}", "village_id": "v2", "households": hh,
                     "geometry": box(X0 + 0.014 + k * 0.003, Y0, X0 + 0.017 + k * 0.003,
                                     Y0 + 0.005)} for k, hh in enumerate((5, 40))])
    sites = area_sites(villages, id_field="area_id", kind="village", offices=offices,
                       places=places, units=units)
    got, _ = _locate([sites], villages.set_index("area_id").geometry, index)
    assert got.loc["v0", "access"] == "office"  # the one named after the village
    assert (got.loc["v0", "lon"], got.loc["v0", "lat"]) == (X0 + 0.002, Y0 + 0.012)
    assert got.loc["v1", "access"] == "place" and got.loc["v1", "lat"] == Y0 + 0.018
    assert got.loc["v2", "access"] == "households"
    assert X0 + 0.017 < got.loc["v2", "lon"] < X0 + 0.020  # the heavier unit


def test_a_fire_zone_is_entered_by_a_road_never_at_its_centroid(index: NodeIndex) -> None:
    zones = _frame([
        {"zone_id": "z-in", "name": "北山", "risk_class": 3,
         "geometry": MultiPolygon([box(X0 + 0.004, Y0 + 0.004, X0 + 0.013, Y0 + 0.016)])},
        {"zone_id": "z-out", "name": "东山", "risk_class": 2,
         "geometry": MultiPolygon([box(X0 + 0.023, Y0 + 0.004, X0 + 0.030, Y0 + 0.016)])}])
    polygons = zones.set_index("zone_id").geometry
    got, skipped = _locate([(fire_zone_sites(zones), no_candidates())],
                           polygons, index)
    assert skipped == []
    assert got.loc["z-in", "access"] == "road_inside" and got.loc["z-in", "snap_m"] == 0
    assert (got.loc["z-in", "lon"], got.loc["z-in", "lat"]) == pytest.approx((X0 + 0.01,
                                                                             Y0 + 0.01))
    assert got.loc["z-out", "access"] == "road_edge"
    assert got.loc["z-out", "snap_m"] == pytest.approx(0.003 * 71_700, rel=0.05)
    assert got.loc["z-out", "lon"] == pytest.approx(X0 + 0.02)  # a road node, not x=0.0265
    pos, dist, how = polygon_access(index, polygons.to_numpy())
    assert list(how) == ["road_inside", "road_edge"] and dist[0] == 0


def test_a_grid_far_from_any_road_is_skipped_with_distance_and_reason(
        index: NodeIndex) -> None:
    grids = _frame([
        {"grid_id": "g-near", "code": "001", "geometry": MultiPolygon([box(
            X0 + 0.001, Y0 + 0.001, X0 + 0.009, Y0 + 0.009)])},
        {"grid_id": "g-far", "code": "002", "geometry": MultiPolygon([box(
            X0 + 0.05, Y0 + 0.05, X0 + 0.06, Y0 + 0.06)])}])
    units = _frame([{"unit_id": "u1", "grid_id": "g-far", "households": 12,
                     "geometry": box(X0 + 0.051, Y0 + 0.051, X0 + 0.052, Y0 + 0.052)}])
    sites = area_sites(grids, id_field="grid_id", kind="grid", name_field="code", units=units)
    got, skipped = _locate([sites], grids.set_index("grid_id").geometry, index, limit=2000)
    assert list(got.index) == ["g-near"] and got.loc["g-near", "access"] == "road_edge"
    [far] = skipped
    assert (far.site_id, far.name, far.kind) == ("g-far", "002", "grid")
    assert 3000 < far.distance_m < 4000  # its edge, the nearest of its candidates
    assert far.reason.startswith("its edge is") and "limit 2000 m" in far.reason
