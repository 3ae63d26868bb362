"""Derived areas nest in the real ones; every village is one piece (tiny metric frames)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.contiguity import connect_villages
from gis.divisions import next_codes, number_areas
from gis.nesting import crossings, finest_cover
from gis.territories import derive_villages
from gis.units import build_blocks

CRS = 32632


def frame(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def seeds(points: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [p[0] for p in points], "place": [p[1] for p in points]},
                            geometry=[shapely.Point(x, y) for _, _, x, y in points], crs=CRS)


def test_derived_townships_and_villages_never_cross_a_real_county():
    real = frame([
        {"area_id": "c1", "name": "West", "level": "county", "code": "420102000000",
         "geometry": shapely.box(0, 0, 4000, 4000)},
        {"area_id": "c2", "name": "East", "level": "county", "code": None,
         "geometry": shapely.box(4000, 0, 9000, 4000)}])
    places = seeds([(f"p{i}", "village", 300 + 700 * i, 300 + 250 * i) for i in range(13)])
    admin = derive_villages(real, places, shapely.box(0, 0, 9000, 4000),
                            rng=np.random.default_rng(3))
    derived = admin[admin["derived"]]
    assert crossings(derived, admin[~admin["derived"]]) == []
    towns = derived[derived["level"] == "township"]
    assert set(towns["parent_id"]) == {"c1", "c2"}
    west = admin[(admin["level"] == "village") & (admin["cover"] == "c1")]
    assert west["code"].str.startswith("420102").all()  # the real county's code prefix
    assert len(west) == 6  # the seeds inside West


def test_crossing_is_measured_both_ways():
    real = frame([{"area_id": "r", "geometry": shapely.box(0, 0, 100, 100)}])
    inside = frame([{"area_id": "in", "geometry": shapely.box(10, 10, 20, 20)},
                    {"area_id": "holds", "geometry": shapely.box(-10, -10, 200, 200)},
                    {"area_id": "across", "geometry": shapely.box(50, 0, 150, 100)}])
    assert crossings(inside, real) == [("across", "r", 0.5)]


def test_a_township_exclave_becomes_a_village_named_after_its_place():
    main = shapely.box(0, 0, 2000, 2000)
    exclave_a = shapely.box(5000, 0, 6000, 1000)   # holds the hamlet Alp
    exclave_b = shapely.box(8000, 0, 8500, 500)    # holds no place at all
    real = frame([{"area_id": "t", "name": "Berg", "level": "township", "code": None,
                   "geometry": shapely.MultiPolygon([main, exclave_a, exclave_b])}])
    places = seeds([("Berg", "village", 1000, 1000), ("Alp", "hamlet", 5500, 500)])
    admin = derive_villages(real, places, real.geometry.iloc[0], rng=np.random.default_rng(0))
    villages = admin[admin["level"] == "village"].set_index("name")
    assert sorted(villages.index) == ["Alp", "Berg", "Berg 飞地 1"]
    assert (villages["parent_id"] == "t").all()
    assert all(g.geom_type == "Polygon" for g in villages.geometry)
    assert villages.loc["Berg 飞地 1"].geometry.equals(exclave_b)


def test_slivers_between_real_boundaries_are_dropped():
    real = frame([
        {"area_id": "t1", "level": "township", "geometry": shapely.box(0, 0, 1000, 1000)},
        {"area_id": "c", "level": "county", "geometry": shapely.box(0, 0, 1000.5, 1000)}])
    cells = finest_cover(real, shapely.box(0, 0, 1000.5, 1000))
    assert [(c.owner, c.level) for c in cells] == [("t1", "township")]


def _admin(rows: list[tuple[str, str, bool, str | None]]) -> gpd.GeoDataFrame:
    return frame([{"area_id": a, "name": n, "level": "village", "parent_id": "t",
                   "derived": d, "cover": c, "code": f"990000001{i + 1:03d}",
                   "geometry": shapely.Point(0, 0)} for i, (a, n, d, c) in enumerate(rows)])


def test_an_island_joins_the_derived_village_of_the_same_real_area_it_touches():
    units = frame([
        {"village_id": "a", "geometry": shapely.box(0, 0, 100, 100)},
        {"village_id": "b", "geometry": shapely.box(100, 0, 200, 100)},
        {"village_id": "a", "geometry": shapely.box(200, 0, 300, 100)},   # island of a
    ])
    admin = _admin([("a", "Au", True, "t"), ("b", "Bach", True, "t")])
    out, admin2, moves = connect_villages(units, admin, seeds([]))
    assert list(out["village_id"]) == ["a", "b", "b"]
    assert [(m.action, m.target) for m in moves] == [("joined", "Bach")]
    assert len(admin2) == 2


def test_an_island_never_joins_across_a_real_boundary_or_into_a_real_village():
    units = frame([
        {"village_id": "a", "geometry": shapely.box(0, 0, 100, 100)},
        {"village_id": "b", "geometry": shapely.box(100, 0, 200, 100)},
        {"village_id": "a", "geometry": shapely.box(200, 0, 300, 100)},   # island of a
        {"village_id": "r", "geometry": shapely.box(0, 200, 100, 300)},
        {"village_id": "r", "geometry": shapely.box(0, 400, 100, 500)},   # island of real r
    ])
    admin = _admin([("a", "Au", True, "t"), ("b", "Bach", True, "other"),
                    ("r", "Ried", False, "t")])
    places = seeds([("Hof", "hamlet", 50, 450)])
    out, admin2, moves = connect_villages(units, admin, places)
    assert sorted((m.village, m.action, m.target) for m in moves) == [
        ("Au", "new village", "Au 飞地 1"), ("Ried", "new village", "Hof")]
    new = admin2[~admin2["area_id"].isin(["a", "b", "r"])]
    assert set(new["code"]) == {"990000001004", "990000001005"}
    assert set(out["village_id"].iloc[[2, 4]]) == set(new["area_id"])


def test_a_village_in_two_parts_leaves_the_build_as_two_villages():
    villages = frame([{"area_id": "v", "code": "990000001001", "geometry": shapely.MultiPolygon(
        [shapely.box(0, 0, 100, 100), shapely.box(300, 0, 350, 100)])}])
    roads = frame([{"highway": "residential", "geometry": shapely.LineString([(0, 0), (1, 1)])}])
    units = build_blocks(villages, roads, min_area_m2=0)
    admin = _admin([("v", "Vorm", True, "t")])
    out, admin2, moves = connect_villages(units, admin, seeds([]))
    assert [(m.action, m.target, m.units) for m in moves] == [("new village", "Vorm 飞地 1", 1)]
    assert out["village_id"].nunique() == 2 and len(admin2) == 2


def test_division_codes_keep_real_ones_and_number_the_rest_west_to_east():
    admin = frame([
        {"area_id": "t", "level": "township", "parent_id": None, "code": "420102003",
         "derived": False, "geometry": shapely.box(0, 0, 300, 100)},
        {"area_id": "r", "level": "village", "parent_id": "t", "code": "420102003001",
         "derived": False, "geometry": shapely.box(200, 0, 300, 100)},
        {"area_id": None, "level": "village", "parent_id": "t", "code": None,
         "derived": True, "geometry": shapely.box(100, 0, 200, 100)},
        {"area_id": None, "level": "village", "parent_id": "t", "code": None,
         "derived": True, "geometry": shapely.box(0, 0, 100, 100)},
    ])
    out = number_areas(admin)
    assert list(out["code"]) == ["420102003000", "420102003001", "420102003003", "420102003002"]
    assert list(out["area_id"].iloc[2:]) == ["v420102003003", "v420102003002"]
    assert next_codes("990000", ["990000001000", "990000003000"], 2, suffix="000") == [
        "990000002000", "990000004000"]
    with pytest.raises(ValueError, match="more than 999"):
        next_codes("1", [], 1000)
