"""Liechtenstein, a real mountain county (issue 16): grids up the valleys whose centroids lie
kilometres from any road are still reached, by a road inside or at their edge or by their
households, never at the centroid; a site beyond the snap limit is skipped, listed with its
distance and reason, and kept in the plans' record, while the day goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.services.grids import balance_store
from api.services.network import NetworkCache
from api.services.planning import PlanOptions, planning_context
from api.services.routes import plan_day
from api.services.units import build_units
from layers.importers.osm import import_osm
from layers.store import Store, open_store
from tests.conftest import OSM_LIECHTENSTEIN


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_store(tmp_path_factory.mktemp("li") / "li.gpkg")
    import_osm(store, OSM_LIECHTENSTEIN, progress=False)
    build_units(store, progress=False)
    balance_store(store, target=100.0, oversize="pin", islands="separate")
    yield store
    store.close()


def test_mountain_grids_are_reached_and_far_ones_skipped(county: Store, tmp_path: Path) -> None:
    cache = NetworkCache(tmp_path / "cache")
    options = PlanOptions(teams=2, iterations=500, seed=1, cache=cache)
    ctx = planning_context(county, options)
    grids = county.read("grids").set_index("grid_id")
    centroids = grids.to_crs(grids.estimate_utm_crs()).centroid.to_crs(4326)
    _, from_centroid = ctx.net.index.nearest(centroids.x.to_numpy(), centroids.y.to_numpy())
    mountain = grids.index[from_centroid > options.max_snap_m]
    assert len(mountain) >= 1, "the extract has grids whose centroid is far from any road"
    sites = ctx.sites.set_index("site_id")
    assert ctx.skipped == () and set(mountain) <= set(sites.index)
    for gid in mountain:
        site = sites.loc[gid]
        assert site["access"] in ("road_inside", "road_edge", "households", "office")
        assert site["snap_m"] < from_centroid[list(grids.index).index(gid)]
        assert (site["lon"], site["lat"]) != (centroids[gid].x, centroids[gid].y)
    farthest = sites.loc[sites["kind"] == "grid", "snap_m"].idxmax()
    limit = float(sites.loc[farthest, "snap_m"]) - 1.0
    res = plan_day(county, PlanOptions(teams=2, iterations=500, seed=1, cache=cache,
                                       max_snap_m=limit, out=tmp_path / "out"),
                   date="2025-04-03")
    skipped = {s.site_id: s for s in res.skipped}
    assert farthest in skipped and skipped[farthest].kind == "grid"
    assert skipped[farthest].distance_m > limit and "limit" in skipped[farthest].reason
    plans = county.read("plans", ids=list(res.plan_ids))
    assert len(plans) == 2 and sum(len(s) for s in res.stops) > 0
    assert all(farthest in {s["site_id"] for s in rec} for rec in plans["skipped"])
    assert all(farthest not in {s["site_id"] for s in stops} for stops in plans["stops"])
