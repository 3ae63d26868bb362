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



def test_single_file_leader_map_opens_offline_alone(demo_store_path, tmp_path, browser):
    """`gridpatrol map leader --single-file`: ≤ 3 MB with its basemap, nothing beside it."""
    out = tmp_path / "alone" / "leader.html"
    done = subprocess.run([sys.executable, "-m", "api.cli", "map", "leader", "--db",
                           str(demo_store_path), "--out", str(out), "--single-file"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in out.parent.iterdir()] == ["leader.html"]
    assert out.stat().st_size <= 3_000_000
    page = browser.new_page()
    outside, errors = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    def route(r):  # noqa: ANN001, ANN202
        if r.request.url.startswith(("file://", "data:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(out.as_uri())
    page.wait_for_function("window.GP && GP.settled === true && GP.basemapReady === true")
    assert page.evaluate("document.documentElement.dataset.gridpatrolBasemap") == "1"
    assert page.locator(".gp-place").count() > 5  # the demo's villages are named
    assert page.evaluate("GP.layers.grids.getLayers().length") == 48
    page.close()
    assert outside == [] and errors == []
