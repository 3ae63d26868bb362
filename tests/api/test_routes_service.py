"""Route services on a tiny hand-built store: plans + checkpoints written together, files
written, sites off the network skipped and recorded, every bad input refused with nothing
written."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from api.services.campaign import plan_campaign
from api.services.network import NetworkCache
from api.services.planning import PlanOptions
from api.services.routes import plan_day
from gis.patrol import PatrolError
from gis.sites import SiteError
from layers.store import Store, open_store
from tests.api.routes_data import X0, Y0, fill, roads


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = fill(open_store(tmp_path / "routes.gpkg"))
    yield s
    s.close()


def _options(tmp_path: Path, **kw: object) -> PlanOptions:
    base: dict = {"teams": 1, "hours": 8, "iterations": 200, "seed": 1,
                  "cache": NetworkCache(tmp_path / "cache")}
    return PlanOptions(**(base | kw))


def test_plan_day_writes_plans_checkpoints_and_files(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = plan_day(store, _options(tmp_path, teams=2, hours=4, seed=5, out=out, iterations=300),
                   date="2025-04-03", must=["coal-2"])
    plans = store.read("plans")
    assert sorted(plans["plan_id"]) == sorted(res.plan_ids)
    assert all(len(p) >= 20 for p in res.plan_ids)
    assert set(plans["status"]) == {"draft"} and set(plans["seed"]) == {5}
    assert res.depot["name"] == "镇政府"
    visited = {s["site_id"] for stops in plans["stops"] for s in stops}
    assert "coal-2" in visited and len(visited) == 6  # 3 mines, 1 fire zone, 2 villages
    cps = store.read("checkpoints")
    assert len(cps) >= 2 and set(cps["zone_id"]) == {"fz-1"}
    depot_node = res.depot["node"]
    for stops, geom in zip(plans["stops"], plans.geometry, strict=True):
        for a, b in zip(stops[:-1], stops[1:], strict=True):
            assert a["departure_s"] <= b["arrival_s"]
        assert geom.is_valid and geom.length > 0
        if any(s["node"] != depot_node for s in stops):  # a team that drives names its roads
            assert any(s["roads"] for s in stops)
        assert set(stops[-1]["roads"]) <= {f"{d}{i}路" for d in ("南北", "东西") for i in range(5)}
    by_site = {s["site_id"]: s for stops in plans["stops"] for s in stops}
    assert by_site["v2"]["access"] == "office" and by_site["v2"]["node"] == depot_node
    assert by_site["v1"]["access"] == "households" or by_site["v1"]["access"].startswith("road")
    assert by_site["fz-1"]["access"] == "road_inside"
    files = sorted(Path(f).name for f in res.files)
    assert files == ["team-1.gpx", "team-1.html", "team-2.gpx", "team-2.html"]
    html = (out / "2025-04-03" / "team-1.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in html and "巡查任务单" in html and "seed" not in html.lower()
    assert "http" not in html
    ET.fromstring((out / "2025-04-03" / "team-1.gpx").read_bytes())
    assert list((tmp_path / "cache" / "matrices").glob("*.npy"))
    assert list((tmp_path / "cache" / "graphs").glob("*.pkl"))
    assert res.skipped == () and all(p == [] for p in plans["skipped"])
    assert set(plans["start"]) == {"08:00"}


def _nothing_written(store: Store, out: Path) -> None:
    assert store.count("plans") == 0 and store.count("checkpoints") == 0
    assert not out.exists()


@pytest.mark.parametrize(("kw", "error", "match"), [
    ({"teams": 0}, PatrolError, "teams must be at least 1"),
    ({"hours": 0}, PatrolError, "hours must be positive"),
    ({"hours": -1}, PatrolError, "hours must be positive"),
    ({"day_start": "8 am"}, PatrolError, "not a clock time"),
    ({"depot": (117.5, 39.9)}, PatrolError, r"depot .* m from the nearest road node"),
    ({"must": ["coal-1", "coal-1"]}, SiteError, "more than once: coal-1"),
    ({"must": ["nope"]}, SiteError, "unknown site id"),
    ({"must": ["coal-1", "coal-2", "quarry-1"], "hours": 1.0}, PatrolError,
     "coal-1: needs .* h alone"),
    ({"date": "03/04/2025"}, PatrolError, "not an ISO date"),
])
def test_bad_input_writes_nothing(store: Store, tmp_path: Path, kw: dict, error: type,
                                  match: str) -> None:
    out = tmp_path / "out"
    date, must = kw.pop("date", "2025-04-03"), kw.pop("must", ())
    with pytest.raises(error, match=match):
        plan_day(store, _options(tmp_path, out=out, **kw), date=date, must=must)
    _nothing_written(store, out)


def _far_mine(store: Store) -> None:
    store.append("mine_sites", gpd.GeoDataFrame(
        {"site_id": ["far-1"], "name": ["远矿"], "kind": ["coal_mine"], "status": ["producing"]},
        geometry=[Point(X0 + 0.02, Y0 + 0.10)], crs="EPSG:4326"))


def test_a_site_off_the_network_is_skipped_and_recorded(store: Store, tmp_path: Path) -> None:
    _far_mine(store)
    res = plan_day(store, _options(tmp_path, out=tmp_path / "out"), date="2025-04-03")
    [far] = res.skipped
    assert (far.site_id, far.name, far.kind) == ("far-1", "远矿", "coal_mine")
    assert 6000 < far.distance_m < 7000 and "m from the nearest road node" in far.reason
    plans = store.read("plans")
    assert len(plans) == 1 and plans["skipped"].iloc[0] == [far.as_dict()]
    visited = {s["site_id"] for s in plans["stops"].iloc[0]}
    assert "far-1" not in visited and len(visited) == 6
    with pytest.raises(SiteError, match=r"cannot be reached: far-1 \(远矿, coal_mine\)"):
        plan_day(store, _options(tmp_path), date="2025-04-03", must=["far-1"])


def test_a_mine_reached_by_its_given_access_point(store: Store, tmp_path: Path) -> None:
    _far_mine(store)
    mines = store.read("mine_sites")
    mines.loc[mines["site_id"] == "far-1", ["access_lon", "access_lat"]] = [X0 + 0.02, Y0 + 0.04]
    store.replace("mine_sites", mines)
    res = plan_day(store, _options(tmp_path), date="2025-04-03", must=["far-1"])
    stop = next(s for s in res.stops[0] if s["site_id"] == "far-1")
    assert res.skipped == () and stop["access"] == "given"
    assert (stop["lon"], stop["lat"]) == (X0 + 0.02, Y0 + 0.04)


def test_no_reachable_site_fails_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    streets = roads()
    store.replace("roads", streets.set_geometry(streets.translate(xoff=0.2)))  # ~17 km east
    with pytest.raises(SiteError, match=r"no site can be reached: all 6 .*fz-1 \(北山林区"):
        plan_day(store, _options(tmp_path, out=out, depot=(X0 + 0.2, Y0)), date="2025-04-03")
    _nothing_written(store, out)


def test_campaign_writes_every_day(store: Store, tmp_path: Path) -> None:
    _far_mine(store)
    res = plan_campaign(store, _options(tmp_path, teams=2, hours=3, seed=4, iterations=100,
                                        out=tmp_path / "camp"),
                        start="2025-03-31", weeks=1, overrides={"2025-04-02": ["quarry-1"]})
    plans = store.read("plans")
    assert len(plans) == 10 and sorted(set(plans["date"])) == list(res.dates)
    assert len(res.days) == 5 and all("seed" in d for d in res.days)
    day3 = plans[plans["date"] == "2025-04-02"]
    assert "quarry-1" in {s["site_id"] for stops in day3["stops"] for s in stops}
    assert res.metrics["never_visited"] == 0
    assert pd.Series(res.plan_ids).is_unique
    assert [s.site_id for s in res.skipped] == ["far-1"]
    assert all([s["site_id"] for s in p] == ["far-1"] for p in plans["skipped"])


def test_plan_day_on_the_real_extract(tmp_path: Path) -> None:
    from layers.importers.osm import import_osm
    from tests.conftest import OSM_BAYREUTH

    s = open_store(tmp_path / "bayreuth.gpkg")
    try:
        import_osm(s, OSM_BAYREUTH, progress=False)
        res = plan_day(s, _options(tmp_path, teams=3, seed=2, iterations=500,
                                   out=tmp_path / "out"), date="2025-04-03")
        plans = s.read("plans")
        assert len(plans) == 3 and res.routes.prize > 0
        assert all(r.end_s <= 8 * 3600 for r in res.routes.routes)
        assert s.count("checkpoints") > 0
        named = {road for stops in plans["stops"] for st in stops for road in st["roads"]}
        assert "B 85" in named or any(not r.startswith("(") for r in named)
    finally:
        s.close()


def test_a_seed_gives_the_same_day_again(tmp_path: Path) -> None:
    days = []
    for k in range(2):
        s = fill(open_store(tmp_path / f"again-{k}.gpkg"))
        try:
            days.append(plan_day(s, _options(tmp_path, teams=2, hours=4, seed=11),
                                 date="2025-04-03"))
        finally:
            s.close()
    strip = [[[(x["site_id"], x["arrival_s"]) for x in team] for team in d.stops] for d in days]
    assert strip[0] == strip[1] and not days[0].routes.time_limited
