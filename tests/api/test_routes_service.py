"""Route services on a tiny hand-built store: plans + checkpoints written together, files
written, and every bad input refused with nothing written."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, box

from api.services.campaign import run_campaign
from api.services.routes import plan_day
from gis.patrol import PatrolError
from gis.sites import SiteError
from layers.store import Store, open_store

X0, Y0, STEP = 116.40, 39.90, 0.01  # ~850 m east-west, ~1.1 km north-south


def _roads() -> gpd.GeoDataFrame:
    rows = []
    for i in range(5):
        x = X0 + i * STEP
        rows.append(("ns", i, LineString([(x, Y0 + j * STEP) for j in range(5)])))
        y = Y0 + i * STEP
        rows.append(("ew", i, LineString([(X0 + j * STEP, y) for j in range(5)])))
    return gpd.GeoDataFrame({
        "road_id": [f"{d}{i}" for d, i, _ in rows],
        "highway": ["tertiary" if i == 2 else "residential" for _, i, _ in rows],
        "name": [f"{'南北' if d == 'ns' else '东西'}{i}路" for d, i, _ in rows],
        "ref": None, "oneway": False, "maxspeed_kmh": float("nan"),
    }, geometry=[g for *_, g in rows], crs="EPSG:4326")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "routes.gpkg")
    mp = MultiPolygon
    with s.transaction() as tx:
        tx.replace("roads", _roads())
        tx.replace("mine_sites", gpd.GeoDataFrame({
            "site_id": ["coal-1", "coal-2", "quarry-1"], "name": ["一号煤矿", "二号煤矿", "采石场"],
            "kind": ["coal_mine", "coal_mine", "quarry"],
            "status": ["producing", "closed", "producing"]},
            geometry=[Point(X0 + 0.031, Y0 + 0.011), Point(X0 + 0.002, Y0 + 0.039),
                      Point(X0 + 0.019, Y0 + 0.021)], crs="EPSG:4326"))
        tx.replace("fire_zones", gpd.GeoDataFrame({
            "zone_id": ["fz-1"], "name": ["北山林区"], "area_m2": [1.0e6], "risk_class": [3]},
            geometry=[mp([box(X0 + 0.025, Y0 + 0.025, X0 + 0.045, Y0 + 0.045)])],
            crs="EPSG:4326"))
        tx.replace("offices", gpd.GeoDataFrame({
            "office_id": ["o1"], "name": ["镇政府"], "kind": ["townhall"]},
            geometry=[Point(X0 + 0.0201, Y0 + 0.0199)], crs="EPSG:4326"))
        tx.replace("admin_areas", gpd.GeoDataFrame({
            "area_id": ["v1", "v2"], "name": ["东村", "西村"], "level": ["village", "village"]},
            geometry=[mp([box(X0, Y0, X0 + 0.02, Y0 + 0.04)]),
                      mp([box(X0 + 0.02, Y0, X0 + 0.04, Y0 + 0.04)])], crs="EPSG:4326"))
    yield s
    s.close()


def test_plan_day_writes_plans_checkpoints_and_files(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = plan_day(store, date="2025-04-03", teams=2, hours=4, must=["coal-2"], seed=5,
                   out=out, seconds=0.5, cache_dir=tmp_path / "cache")
    plans = store.read("plans")
    assert sorted(plans["plan_id"]) == sorted(res.plan_ids)
    assert all(len(p) >= 20 for p in res.plan_ids)
    assert set(plans["status"]) == {"draft"} and set(plans["seed"]) == {5}
    assert res.depot["name"] == "镇政府"
    visited = {s["site_id"] for stops in plans["stops"] for s in stops}
    assert "coal-2" in visited and len(visited) == 6  # 3 mines, 1 fire zone, 2 villages
    cps = store.read("checkpoints")
    assert len(cps) >= 2 and set(cps["zone_id"]) == {"fz-1"}
    for stops, geom in zip(plans["stops"], plans.geometry, strict=True):
        for a, b in zip(stops[:-1], stops[1:], strict=True):
            assert a["departure_s"] <= b["arrival_s"]
        assert geom.length > 0 and any(s["roads"] for s in stops)
        assert set(stops[-1]["roads"]) <= {f"{d}{i}路" for d in ("南北", "东西") for i in range(5)}
    files = sorted(Path(f).name for f in res.files)
    assert files == ["team-1.gpx", "team-1.html", "team-2.gpx", "team-2.html"]
    html = (out / "2025-04-03" / "team-1.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in html and "巡查任务单" in html and "seed" not in html.lower()
    assert "http" not in html
    ET.fromstring((out / "2025-04-03" / "team-1.gpx").read_bytes())
    assert list((tmp_path / "cache").glob("*.npy"))


def _nothing_written(store: Store, out: Path) -> None:
    assert store.count("plans") == 0 and store.count("checkpoints") == 0
    assert not out.exists()


@pytest.mark.parametrize(("kw", "error", "match"), [
    ({"teams": 0}, PatrolError, "teams must be at least 1"),
    ({"hours": 0}, PatrolError, "hours must be positive"),
    ({"hours": -1}, PatrolError, "hours must be positive"),
    ({"depot": (117.5, 39.9)}, PatrolError, r"depot .* m from the nearest road node"),
    ({"must": ["coal-1", "coal-1"]}, SiteError, "more than once: coal-1"),
    ({"must": ["nope"]}, SiteError, "unknown site id"),
    ({"must": ["coal-1", "coal-2", "quarry-1"], "hours": 1.0}, PatrolError,
     "coal-1: needs .* h alone"),
    ({"date": "03/04/2025"}, PatrolError, "not an ISO date"),
])
def test_bad_input_writes_nothing(store: Store, tmp_path: Path, kw: dict, error: type,
                                  match: str) -> None:
    args = {"date": "2025-04-03", "teams": 1, "hours": 8, "seconds": 0.3, "seed": 1,
            "cache_dir": tmp_path / "cache"} | kw
    out = tmp_path / "out"
    with pytest.raises(error, match=match):
        plan_day(store, out=out, **args)
    _nothing_written(store, out)


def test_site_off_the_network_is_named_with_its_distance(store: Store, tmp_path: Path) -> None:
    far = gpd.GeoDataFrame({"site_id": ["far-1"], "name": ["远矿"], "kind": ["coal_mine"],
                            "status": ["producing"]},
                           geometry=[Point(X0 + 0.02, Y0 + 0.10)], crs="EPSG:4326")
    store.append("mine_sites", far)
    out = tmp_path / "out"
    with pytest.raises(SiteError, match=r"far-1 \(远矿, coal_mine\): 6\d\d\d m from the nearest"):
        plan_day(store, date="2025-04-03", teams=1, hours=8, out=out, seconds=0.2)
    _nothing_written(store, out)


def test_campaign_writes_every_day(store: Store, tmp_path: Path) -> None:
    res = run_campaign(store, start="2025-03-31", weeks=1, teams=2, hours=3, seed=4,
                       out=tmp_path / "camp", seconds_per_day=0.2,
                       overrides={"2025-04-02": ["quarry-1"]}, cache_dir=tmp_path / "c")
    plans = store.read("plans")
    assert len(plans) == 10 and sorted(set(plans["date"])) == list(res.dates)
    assert len(res.days) == 5 and all("seed" in d for d in res.days)
    day3 = plans[plans["date"] == "2025-04-02"]
    assert "quarry-1" in {s["site_id"] for stops in day3["stops"] for s in stops}
    assert res.metrics["never_visited"] == 0
    assert pd.Series(res.plan_ids).is_unique


def test_plan_day_on_the_real_extract(tmp_path: Path) -> None:
    from layers.importers.osm import import_osm
    from tests.conftest import OSM_BAYREUTH

    s = open_store(tmp_path / "bayreuth.gpkg")
    try:
        import_osm(s, OSM_BAYREUTH, progress=False)
        res = plan_day(s, date="2025-04-03", teams=3, hours=8, seed=2, seconds=1.0,
                       out=tmp_path / "out", cache_dir=tmp_path / "cache")
        plans = s.read("plans")
        assert len(plans) == 3 and res.plan.prize > 0
        assert all(r.end_s <= 8 * 3600 for r in res.plan.routes)
        assert s.count("checkpoints") > 0
        named = {road for stops in plans["stops"] for st in stops for road in st["roads"]}
        assert "B 85" in named or any(not r.startswith("(") for r in named)
    finally:
        s.close()
