"""``GET /coverage`` and the leader page give the same figures (GeoPackage and PostGIS).

The tiny apidata store with hand-placed visits, and the demo store with simulated visits.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from apidata import SECRET, USERS
from coverage_data import corrupt_time, seed_coverage
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.users import User, add_user
from api.settings import Settings
from layers.store import open_store
from maps.i18n import t

Auth = Callable[[str], dict[str, str]]
LAYER_ID = {"grid": "grid_id", "mine": "site_id", "fire_zone": "zone_id"}


def _client(url: str) -> TestClient:
    return TestClient(create_app(Settings(db=url, jwt_secret=SECRET)))


@pytest.fixture(params=["gpkg", "postgis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = (str(tmp_path / "cov.gpkg") if request.param == "gpkg"
           else request.getfixturevalue("postgis_url"))
    seed_coverage(url, pd.Timestamp.now(tz="UTC"))
    return url


def _map_features(html: str) -> dict[str, dict[str, Any]]:
    """``{feature id: properties}`` of every GeoJSON layer drawn in a map page."""
    out: dict[str, dict[str, Any]] = {}
    decoder = json.JSONDecoder()
    for match in re.finditer(r"geo_json_[0-9a-f]+_add\(", html):
        data, _ = decoder.raw_decode(html, match.end())
        for feature in data.get("features", []):
            props = feature["properties"]
            for key in LAYER_ID.values():
                if key in props and "visits" in props:  # not the member-count labels
                    out[str(props[key])] = props
    return out


def _same_figures(client: TestClient, headers: dict[str, str]) -> tuple[dict, dict]:
    """API rows per kind and the leader page's features, read within one local day."""
    for _ in range(3):
        rows = {by: client.get(f"/coverage?by={by}", headers=headers).json() for by in LAYER_ID}
        page = client.get("/leader", headers=headers)
        again = client.get("/coverage?by=grid", headers=headers).json()
        assert page.status_code == 200
        if again["as_of"][:10] == rows["grid"]["as_of"][:10]:  # no midnight in between
            return rows, _map_features(page.text)
    raise AssertionError("the date kept changing while reading")


def _assert_agree(rows: dict, features: dict[str, dict[str, Any]]) -> int:
    compared = 0
    for by in LAYER_ID:
        for row in rows[by]["rows"]:
            prop = features[row["id"]]
            days = row["days_since_last_visit"]
            assert prop["visits"] == row["visits_total"], (by, row["id"])
            assert prop["days_since"] == (t("never", "zh") if days is None else days), row
            compared += 1
    assert compared == len(features)   # the map draws exactly the rows, no more
    return compared


def test_api_values_and_the_page_agree(store_url: str, auth: Auth) -> None:
    with _client(store_url) as client:
        rows, features = _same_figures(client, auth("admin"))
    grids = {r["id"]: r for r in rows["grid"]["rows"]}
    assert {k: r["visits_total"] for k, r in grids.items()} == {"G1": 1, "G2": 1, "G3": 1}
    zones = {r["id"]: r for r in rows["fire_zone"]["rows"]}
    assert zones["F1"]["visits_total"] == 2      # inside, and at its checkpoint
    mines = {r["id"]: r for r in rows["mine"]["rows"]}
    assert mines["M2"]["visits_total"] == 0      # only a visit dated in the future
    assert [r["id"] for r in rows["mine"]["rows"]][0] in ("M2", "M3")  # never visited first
    _assert_agree(rows, features)


def test_a_leader_sees_their_own_on_both(store_url: str, auth: Auth) -> None:
    with _client(store_url) as client:
        headers = auth("leader")
        rows, features = _same_figures(client, headers)
        duties = client.get("/coverage?by=leader", headers=headers).json()["rows"]
    assert {r["id"] for r in rows["grid"]["rows"]} == {"G1", "G2"}   # township T1's grids
    assert {r["target_id"] for r in duties} == {"T1", "M1"}
    assert all(r["leader"] == USERS["leader"].username for r in duties)
    _assert_agree(rows, features)


def test_one_bad_row_never_breaks_a_read(tmp_path: Path, auth: Auth) -> None:
    path = tmp_path / "bad.gpkg"
    seed_coverage(str(path), pd.Timestamp.now(tz="UTC"))
    corrupt_time(path, "v-m1", "1-01-01T00:00:00.000Z")
    with _client(str(path)) as client:
        for by in ("grid", "mine", "fire_zone", "leader", "township", "village"):
            got = client.get(f"/coverage?by={by}", headers=auth("admin"))
            assert got.status_code == 200, (by, got.text)
        mines = {r["id"]: r for r in client.get("/coverage?by=mine",
                                                headers=auth("admin")).json()["rows"]}
        assert mines["M1"]["visits_total"] == 0
        assert client.get("/leader", headers=auth("leader")).status_code == 200


# ------------------------------------------------------------------ the demo store

_DEMO_LAYERS = ("admin_areas", "grids", "mine_sites", "fire_zones", "checkpoints", "plans")


def _demo_visits(store_layers: dict[str, gpd.GeoDataFrame], now: pd.Timestamp
                 ) -> gpd.GeoDataFrame:
    """Visits at the plans' stops, at checkpoints and in grids over 60 days (seeded)."""
    rng = np.random.default_rng(20250410)
    sites: list[tuple[str, Any]] = []
    for stops in store_layers["plans"]["stops"]:
        sites += [(s["site_id"], (s["lon"], s["lat"])) for s in stops if "lon" in s]
    cps = store_layers["checkpoints"].sample(40, random_state=1)
    sites += [(c, (p.x, p.y)) for c, p in zip(cps["checkpoint_id"], cps.geometry, strict=True)]
    grids = store_layers["grids"].sample(20, random_state=2)
    sites += [(g, (p.x, p.y)) for g, p in zip(grids["grid_id"],
                                               grids.geometry.representative_point(), strict=True)]
    ages = rng.uniform(-2, 60, len(sites))   # a few in the future
    times = [(now - pd.Timedelta(days=float(a))).floor("s") for a in ages]
    return gpd.GeoDataFrame(
        {"visit_id": [f"d{i}" for i in range(len(sites))], "site_id": [s for s, _ in sites],
         "inspector": "insp_a", "time": times},
        geometry=gpd.points_from_xy([p[0] for _, p in sites], [p[1] for _, p in sites]),
        crs=4326)


@pytest.fixture(params=["gpkg", "postgis"])
def demo_url(request: pytest.FixtureRequest, demo_store_path: Path, tmp_path: Path
             ) -> Iterator[str]:
    source = open_store(demo_store_path, create=False)
    layers = {name: source.read(name) for name in _DEMO_LAYERS}
    source.close()
    if request.param == "gpkg":
        url = str(tmp_path / "demo.gpkg")
        shutil.copy(demo_store_path, url)
    else:
        url = request.getfixturevalue("postgis_url")
    store = open_store(url)
    for name, frame in layers.items():
        store.replace(name, frame)
    township = layers["admin_areas"].query("level == 'township'")["area_id"].iloc[0]
    mine = layers["mine_sites"]["site_id"].iloc[0]
    store.replace("inspections", _demo_visits(layers, pd.Timestamp.now(tz="UTC")))
    store.replace("leader_assignments", pd.DataFrame(
        [("D1", "leader1", "township", township), ("D2", "leader1", "mine", mine)],
        columns=["assignment_id", "leader", "kind", "target_id"]))
    for user in (USERS["admin"], USERS["leader"]):
        add_user(store, username=user.username, role=user.role, password="pw-demo-123456")
    store.close()
    yield url


@pytest.mark.slow
@pytest.mark.parametrize("user", [USERS["admin"], USERS["leader"]], ids=["admin", "leader"])
def test_demo_api_and_leader_map_agree(demo_url: str, user: User,
                                       auth: Auth) -> None:
    role = "admin" if user.role == "admin" else "leader"
    with _client(demo_url) as client:
        rows, features = _same_figures(client, auth(role))
    compared = _assert_agree(rows, features)
    visited = sum(r["visits_total"] > 0 for by in LAYER_ID for r in rows[by]["rows"])
    assert compared > 10 and visited > 5
    assert all(r["name"] for by in LAYER_ID for r in rows[by]["rows"])   # never blank
