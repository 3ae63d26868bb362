"""The offline basemap service and endpoints, on GeoPackage and PostGIS.

``GET /basemap?bbox=`` (the field app's day package) and ``/basemap/{hash}.json`` (what the
served pages fetch): same bytes, ETag = content hash, 304, a year's cache for the hashed URL,
422 for a bbox too large, 401 without a login; the cache notices an import.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apidata import SECRET, USERS, seed_store
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "maps"))
import map_frames as mf  # noqa: E402

from api.app import create_app  # noqa: E402
from api.auth import create_token  # noqa: E402
from api.services.basemap import BasemapCache, build  # noqa: E402
from api.settings import Settings  # noqa: E402
from layers.store import open_store  # noqa: E402


def _seed(url: str) -> None:
    seed_store(url)
    store = open_store(url)
    try:
        with store.transaction() as tx:
            for name, frame in mf.basemap_layers().items():
                tx.replace(name, frame)
    finally:
        store.close()


@pytest.fixture(params=["gpkg", "postgis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = (str(tmp_path / "b.gpkg") if request.param == "gpkg"
           else request.getfixturevalue("postgis_url"))
    _seed(url)
    return url


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=store_url, jwt_secret=SECRET))) as c:
        yield c


def _auth(role: str = "inspector") -> dict[str, str]:
    return {"Authorization": "Bearer " + create_token(USERS[role], secret=SECRET, minutes=5)}


def test_basemap_by_bbox_and_by_hash_are_the_same_bytes(client: TestClient) -> None:
    bbox = f"{mf.X0},{mf.Y0},{mf.X0 + 4 * mf.D},{mf.Y0 + 2 * mf.D}"
    r = client.get(f"/basemap?bbox={bbox}", headers=_auth())
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    data: dict[str, Any] = r.json()
    assert r.headers["etag"] == f'"{data["hash"]}"' and "no-cache" in r.headers["cache-control"]
    assert {r[3] for r in data["labels"]} >= {"城关镇"}
    assert "motorway" in data["levels"][0]["lines"]
    again = client.get(f"/basemap?bbox={bbox}", headers={**_auth(), "If-None-Match": r.headers[
        "etag"]})
    assert again.status_code == 304 and again.content == b""
    whole = client.get("/basemap", headers=_auth("leader"))
    digest = whole.json()["hash"]
    fixed = client.get(f"/basemap/{digest}.json", headers=_auth("planner"))
    assert fixed.status_code == 200 and fixed.content == whole.content
    assert fixed.headers["cache-control"] == "private, max-age=31536000, immutable"


def test_basemap_refuses_what_it_should(client: TestClient) -> None:
    assert client.get("/basemap").status_code == 401
    big = client.get("/basemap?bbox=100,30,110,40", headers=_auth())
    assert big.status_code == 422 and "smaller area" in big.json()["detail"]
    assert client.get("/basemap/" + "0" * 20 + ".json", headers=_auth()).status_code == 404
    assert client.get("/basemap/nothex.json", headers=_auth()).status_code == 422


def test_cache_notices_an_import(store_url: str) -> None:
    store = open_store(store_url)
    try:
        cache = BasemapCache()
        first = cache.get(store)
        assert cache.get(store) is first  # reused while nothing changed
        assert first.hash == build(store).hash
        roads = mf.basemap_layers()["roads"].iloc[:2]
        store.replace("roads", roads)
        second = cache.get(store)
        assert second.hash != first.hash and "tertiary" not in second.data["levels"][0]["lines"]
        assert cache.by_hash(store, first.hash) is first  # a page drawn before still loads
    finally:
        store.close()
