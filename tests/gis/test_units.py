"""Units, territories and figures on tiny hand-built frames (metric CRS, metres)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis.figures import (
    area_in,
    count_in,
    estimate_households,
    fire_risk,
    pinned_units,
    synthetic_members,
)
from gis.territories import derive_villages, voronoi_cells
from gis.units import attach_islands, build_blocks, split_lines

CRS = 32632


def frame(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


@pytest.fixture
def two_villages() -> gpd.GeoDataFrame:
    return frame([
        {"area_id": "v1", "code": "990000001001", "geometry": shapely.box(0, 0, 1000, 1000)},
        {"area_id": "v2", "code": "990000001002", "geometry": shapely.box(1000, 0, 2000, 1000)},
    ])


@pytest.fixture
def cross_roads() -> gpd.GeoDataFrame:
    return frame([
        {"highway": "residential", "geometry": shapely.LineString([(-50, 500), (2050, 500)])},
        {"highway": "tertiary", "geometry": shapely.LineString([(500, -50), (500, 1050)])},
        {"highway": "path", "geometry": shapely.LineString([(1500, -50), (1500, 1050)])},
    ])


def test_blocks_tile_each_village_as_a_clean_coverage(two_villages, cross_roads):
    units = build_blocks(two_villages, cross_roads, min_area_m2=0)
    assert units.groupby("village_id").size().to_dict() == {"v1": 4, "v2": 2}  # paths don't cut
    assert shapely.coverage_is_valid(units.geometry.values)
    for vid, geom in zip(two_villages["area_id"], two_villages.geometry, strict=True):
        union = shapely.union_all(units.loc[units["village_id"] == vid].geometry.values)
        assert shapely.symmetric_difference(union, geom).area < 1.0
    assert units["unit_id"].is_unique and units["unit_id"].str.startswith("99000000100").all()


def test_small_blocks_merge_into_their_neighbour(two_villages):
    roads = frame([{"highway": "residential",
                    "geometry": shapely.LineString([(-5, 950), (1005, 950)])}])
    units = build_blocks(two_villages, roads, min_area_m2=60_000)  # the 50,000 m² strip merges
    assert units.groupby("village_id").size().to_dict() == {"v1": 1, "v2": 1}
    assert units.geometry.area.sum() == pytest.approx(2_000_000)


def test_heavy_blocks_split_by_household_clusters(two_villages, cross_roads):
    units = build_blocks(two_villages, cross_roads, min_area_m2=0)
    rng = np.random.default_rng(0)
    pts = gpd.GeoSeries(shapely.points(np.column_stack([
        np.r_[rng.uniform(10, 240, 30), rng.uniform(260, 490, 30)], rng.uniform(10, 490, 60)])),
        crs=CRS)
    weights = np.full(60, 2)
    load = count_in(units, pts, weights)
    cuts = split_lines(units, load, pts, weights, cap=40, rng=np.random.default_rng(1))
    again = build_blocks(two_villages, cross_roads, min_area_m2=0, extra_lines=cuts)
    assert len(again) > len(units)
    assert shapely.coverage_is_valid(again.geometry.values)
    assert count_in(again, pts, weights).max() < load.max()


def test_voronoi_villages_are_contiguous_and_tile_the_region():
    region = shapely.Polygon([(0, 0), (3000, 0), (3000, 400), (400, 400), (400, 3000), (0, 3000)])
    seeds = shapely.points([(200, 2800), (2800, 200), (200, 200)])
    cells = voronoi_cells(np.asarray(seeds), region)
    assert all(c.geom_type == "Polygon" for c in cells)
    assert shapely.union_all(cells).symmetric_difference(region).area < 1.0


def test_derive_villages_groups_the_remainder_into_townships():
    area = shapely.box(0, 0, 10_000, 4_000)
    town = frame([{"area_id": "t1", "name": "东镇", "level": "township", "code": None,
                   "geometry": shapely.box(0, 0, 4000, 4000)}])
    places = frame([{"name": f"p{i}", "place": "village",
                     "geometry": shapely.Point(500 + 1000 * i, 2000)} for i in range(10)]
                   + [{"name": "h", "place": "hamlet", "geometry": shapely.Point(9900, 100)}])
    admin = derive_villages(town, places, area, rng=np.random.default_rng(0))
    villages = admin[admin["level"] == "village"]
    assert len(villages) == 10 and villages["derived"].all()
    assert (villages["parent_id"] == "t1").sum() == 4
    derived = admin[(admin["level"] == "township") & admin["derived"].fillna(False)]
    assert len(derived) == 1 and set(villages["parent_id"]) == {"t1", derived["area_id"].iloc[0]}
    assert villages.geometry.area.sum() == pytest.approx(area.area)
    assert villages["code"].str.len().eq(12).all() and villages["code"].is_unique


def test_households_rule():
    b = frame([
        {"building": "house", "levels": None, "residential": True,
         "geometry": shapely.box(0, 0, 20, 20)},
        {"building": "apartments", "levels": 5, "residential": True,
         "geometry": shapely.box(0, 0, 24, 30)},
        {"building": "yes", "levels": None, "residential": True,
         "geometry": shapely.box(0, 0, 5, 5)},
        {"building": "yes", "levels": None, "residential": False,
         "geometry": shapely.box(0, 0, 50, 50)},
    ])
    assert list(estimate_households(b)) == [1, 30, 0, 0]


def test_figures_and_pinned_units():
    units = frame([{"kind": "block", "geometry": shapely.box(0, 0, 100, 100)},
                   {"kind": "block", "geometry": shapely.box(100, 0, 200, 100)}])
    pts = gpd.GeoSeries([shapely.Point(10, 10), shapely.Point(20, 20), shapely.Point(150, 50)],
                        crs=CRS)
    assert list(count_in(units, pts)) == [2, 1]
    zones = frame([{"geometry": shapely.box(50, 0, 150, 100)}])
    assert list(area_in(units, zones)) == [5000, 5000]
    mines = frame([{"kind": "coal_mine", "status": "producing", "area_m2": None,
                    "geometry": shapely.Point(150, 50)},
                   {"kind": "quarry", "status": "producing", "area_m2": 500.0,
                    "geometry": shapely.Point(50, 50)}])
    pinned, kind = pinned_units(units, mines)
    assert list(pinned) == [False, True] and list(kind) == ["block", "mine"]


def test_fire_risk_classes_follow_size_and_proximity():
    zones = frame([{"geometry": shapely.box(0, 0, 3000, 3000)},      # 900 ha, next to all
                   {"geometry": shapely.box(20_000, 0, 20_100, 100)}])  # 1 ha, remote
    settlements = gpd.GeoSeries([shapely.Point(3100, 100)], crs=CRS)
    roads = gpd.GeoSeries([shapely.LineString([(3050, 0), (3050, 3000)])], crs=CRS)
    score, klass = fire_risk(zones, settlements, roads)
    assert list(klass) == [3, 1] and score[0] > score[1]


def test_synthetic_members_are_reproducible_and_inside_buildings():
    b = frame([{"geometry": shapely.box(0, 0, 40, 40)}, {"geometry": shapely.box(100, 0, 140, 40)}])
    one = synthetic_members(b, np.array([30, 30]), np.random.default_rng(7))
    two = synthetic_members(b, np.array([30, 30]), np.random.default_rng(7))
    assert len(one) > 0 and one["synthetic"].all()
    pd.testing.assert_series_equal(one.geometry.x, two.geometry.x)
    assert shapely.union_all(b.geometry.values).buffer(1e-9).contains(
        shapely.union_all(one.geometry.values))


def test_a_sliver_touching_only_at_a_point_joins_the_unit_it_touches():
    units = frame([
        {"village_id": "v1", "geometry": shapely.MultiPolygon([shapely.box(0, 0, 10, 10)])},
        {"village_id": "v1", "geometry": shapely.MultiPolygon([shapely.box(10, 0, 20, 10)])},
        {"village_id": "v1", "geometry": shapely.MultiPolygon([
            shapely.Polygon([(20, 10), (21, 11), (20, 11)])])},  # touches only at (20, 10)
        {"village_id": "v2", "geometry": shapely.MultiPolygon([shapely.box(50, 0, 60, 10)])},
    ])
    out = attach_islands(units)
    assert len(out) == 3
    assert out.geometry.area.sum() == pytest.approx(units.geometry.area.sum())
    assert out.loc[out.geometry.area > 100.4, "village_id"].tolist() == ["v1"]
