"""One plan, one truth, on both backends: the GPX file the command line writes and the one the
API serves are the same bytes; ``POST /plans`` lists the sites it skipped; a second request
reuses the road network and leaves unchanged checkpoints alone."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point

from api.app import create_app
from api.auth import create_token
from api.services import network
from api.services.network import NetworkCache
from api.services.planning import PlanOptions
from api.services.routes import plan_day
from api.services.users import User
from api.settings import Settings
from gis.gpx import GPX_NS
from layers.base import BaseTransaction
from layers.store import Store
from tests.api.routes_data import X0, Y0, fill

SECRET = "plan-outputs-" + "z" * 40


def _admin() -> dict[str, str]:
    """A fresh admin token (made when used: the suite can run longer than a token lives)."""
    return {"Authorization": "Bearer " + create_token(User("chief", "admin"), secret=SECRET,
                                                      minutes=5)}


def _app(store: Store, tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(db=store.url, jwt_secret=SECRET,
                                          cache_dir=str(tmp_path / "service-cache"))))


def test_the_command_line_and_the_api_write_the_same_gpx(any_store: Store,
                                                          tmp_path: Path) -> None:
    fill(any_store)
    out = tmp_path / "out"
    res = plan_day(any_store, PlanOptions(teams=2, hours=4, seed=3, iterations=200, out=out,
                                          cache=NetworkCache(tmp_path / "cache")),
                   date="2025-04-03")
    with _app(any_store, tmp_path) as client:
        for plan_id, team in zip(res.plan_ids, ("team-1", "team-2"), strict=True):
            served = client.get(f"/plans/{plan_id}/gpx", headers=_admin())
            assert served.status_code == 200, served.text
            written = (out / "2025-04-03" / f"{team}.gpx").read_bytes()
            assert served.content == written
    root = ET.fromstring(written)
    ns = {"g": GPX_NS}
    times = [t.text for t in root.findall("g:wpt/g:time", ns)]
    assert times and all(t.startswith("2025-04-03T0") and t.endswith("Z") for t in times)
    assert all(w.find("g:desc", ns) is not None for w in root.findall("g:wpt", ns))
    lat = root.find("g:trk/g:trkseg/g:trkpt", ns).get("lat")
    assert len(lat.split(".")[1]) == 6


def test_post_plans_lists_the_sites_it_skipped(any_store: Store, tmp_path: Path) -> None:
    fill(any_store)
    any_store.append("mine_sites", gpd.GeoDataFrame(
        {"site_id": ["far-1"], "name": ["远矿"], "kind": ["coal_mine"], "status": ["producing"]},
        geometry=[Point(X0 + 0.02, Y0 + 0.10)], crs="EPSG:4326"))
    with _app(any_store, tmp_path) as client:
        made = client.post("/plans", headers=_admin(), json={
            "date": "2025-04-03", "team": "east", "seed": 1, "iterations": 200})
        assert made.status_code == 201, made.text
        [far] = made.json()["skipped"]
        assert far["site_id"] == "far-1" and far["kind"] == "coal_mine"
        assert 6000 < far["distance_m"] < 7000 and "nearest road node" in far["reason"]
        again = client.get(f"/plans/{made.json()['plan_id']}", headers=_admin())
        assert again.json()["skipped"] == made.json()["skipped"]


def test_a_second_plan_reuses_the_network_and_the_checkpoints(
        any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(any_store)
    built, replaced = [], []
    real_graph, real_replace = network.road_graph, BaseTransaction.replace

    def counting_graph(*args: object, **kw: object) -> object:
        built.append(1)
        return real_graph(*args, **kw)

    def spying_replace(self: BaseTransaction, layer: str, frame: object) -> int:
        replaced.append(layer)
        return real_replace(self, layer, frame)

    monkeypatch.setattr(network, "road_graph", counting_graph)
    monkeypatch.setattr(BaseTransaction, "replace", spying_replace)
    with _app(any_store, tmp_path) as client:
        for team in ("east", "west"):
            made = client.post("/plans", headers=_admin(), json={
                "date": "2025-04-03", "team": team, "seed": 2, "iterations": 200})
            assert made.status_code == 201, made.text
    assert built == [1] and replaced == ["checkpoints"]
    assert any_store.count("plans") == 2 and any_store.count("checkpoints") >= 2
    assert list((tmp_path / "service-cache" / "graphs").glob("*.pkl"))
