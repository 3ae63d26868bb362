"""A campaign on one-way streets: a route that would break the day when reversed keeps its
order (and the team starts where it did yesterday) instead of coming back late."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point

from api.services.campaign import plan_campaign, route_fits
from api.services.network import NetworkCache
from api.services.planning import PlanOptions, planning_context
from layers.store import open_store

# A one-way triangle A → B → C → A (3 km east, 3 km north, 4.2 km back) at 25 km/h; the
# depot at A, two coal mines (60 min visits) at B and C.  Forward the day takes ~2.4 h;
# reversed (A → C → B → A, each leg the long way round) ~2.8 h: more than 2.6 h.
A, B, C = (116.40, 39.90), (116.4352, 39.90), (116.4352, 39.927)
HOURS = 2.6


def _store(path: Path):  # noqa: ANN202
    s = open_store(path)
    legs = [(A, B), (B, C), (C, A)]
    s.replace("roads", gpd.GeoDataFrame(
        {"road_id": ["ab", "bc", "ca"], "highway": "residential", "name": ["甲路", "乙路", "丙路"],
         "oneway": True}, geometry=[LineString(leg) for leg in legs], crs="EPSG:4326"))
    s.replace("mine_sites", gpd.GeoDataFrame(
        {"site_id": ["mine-b", "mine-c"], "name": ["乙矿", "丙矿"], "kind": "coal_mine",
         "status": "producing"}, geometry=[Point(B), Point(C)], crs="EPSG:4326"))
    return s


def test_a_reversed_route_that_breaks_the_day_is_not_taken(tmp_path: Path) -> None:
    store = _store(tmp_path / "oneway.gpkg")
    options = PlanOptions(teams=1, hours=HOURS, seed=5, iterations=100, depot=A,
                          cache=NetworkCache(tmp_path / "cache"))
    ctx = planning_context(store, options)
    b, c = (list(ctx.sites["site_id"]).index(s) for s in ("mine-b", "mine-c"))
    fits = route_fits(ctx.matrix, ctx.service, HOURS)
    assert fits([b, c]) and not fits([c, b])  # the fixture is what it claims
    res = plan_campaign(store, options, start="2025-03-31", weeks=2)
    plans = store.read("plans").sort_values("date")
    shift = HOURS * 3600
    firsts = []
    for stops in plans["stops"]:
        if stops:
            back = ctx.matrix[1 + list(ctx.sites["site_id"]).index(stops[-1]["site_id"]), 0]
            assert stops[-1]["departure_s"] + back <= shift + 1
            assert [s["site_id"] for s in stops] in (["mine-b", "mine-c"], ["mine-b"],
                                                     ["mine-c"])
        firsts.append(stops[0]["site_id"] if stops else None)
    assert len(res.dates) == 10 and np.isfinite(plans["drive_s"]).all()
    assert any(a == b and a is not None for a, b in zip(firsts[:-1], firsts[1:], strict=True))
