"""End to end on the real data: `gridpatrol demo` builds a store that the other parts can use."""

from __future__ import annotations

import shapely

from layers.store import open_store


def test_demo_store_has_units_that_tile_every_village(demo_store_path):
    store = open_store(demo_store_path, create=False)
    layers = set(store.layers())
    assert {"roads", "admin_areas", "units", "fire_zones", "member_residences", "mine_sites",
            "buildings", "places", "offices"} <= layers
    units = store.read("units")
    villages = store.read("admin_areas", where={"level": "village"})
    assert len(villages) == 22 and len(units) > 500
    assert set(units["village_id"]) == set(villages["area_id"])
    assert shapely.coverage_is_valid(units.geometry.values)
    metric = units.to_crs(32632)
    vmetric = villages.to_crs(32632).set_index("area_id")
    for vid, group in metric.groupby("village_id"):
        gap = shapely.symmetric_difference(shapely.union_all(group.geometry.values),
                                           vmetric.geometry[vid]).area
        assert gap < 1.0, (vid, gap)
    assert units["households"].sum() > 3000
    assert units["members"].sum() == store.count("member_residences")
    assert store.read("member_residences")["synthetic"].all()
    assert set(store.read("fire_zones")["risk_class"]) <= {1, 2, 3}

