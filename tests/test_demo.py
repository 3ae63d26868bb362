"""End to end on the real data: `gridpatrol demo` builds a store that the other parts can use."""

from __future__ import annotations

import subprocess
import sys

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


def test_cli_path_for_a_users_own_county(tmp_path):
    """import osm → import mines → units build, as the README shows, on Liechtenstein."""
    from tests.conftest import GEM_CSV, OSM_LIECHTENSTEIN

    db = str(tmp_path / "county.gpkg")
    run = [sys.executable, "-m", "api.cli"]
    for args in (["import", "osm", str(OSM_LIECHTENSTEIN), "-q"],
                 ["import", "mines", str(GEM_CSV), "--bbox", "9.4,47.0,9.7,47.3"],
                 ["units", "build", "-q"], ["layers"]):
        done = subprocess.run([*run, *args, "--db", db], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stderr
    assert "units" in done.stdout
    store = open_store(db)
    assert store.count("units") > 50
    assert store.count("admin_areas", bbox=(9.5, 47.1, 9.6, 47.2)) > 0
