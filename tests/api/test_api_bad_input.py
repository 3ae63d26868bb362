"""Bad input: a clear JSON error each, never a 500, nothing written."""

from __future__ import annotations

import json

import pytest

from layers.store import open_store

PT = {"type": "Point", "coordinates": [11.505, 49.905]}
SQUARE = [[11.5, 49.9], [11.51, 49.9], [11.51, 49.91], [11.5, 49.91], [11.5, 49.9]]

#: (method, path, role, body or raw bytes, status, a word the detail must contain)
BAD = [
    ("POST", "/visits", "inspector", b'{"site_id": "M1", "position": ', 422, "json"),
    ("POST", "/visits", "inspector", {"site_id": "M1", "position": {"type": "Pointy",
                                                                  "coordinates": [1, 2]}},
     422, "position"),
    ("POST", "/visits", "inspector", {"site_id": "M1", "position": {"type": "Point",
                                                                  "coordinates": [200, 49]}},
     422, "position"),
    ("POST", "/visits", "inspector", {"site_id": "M1", "position": PT, "mood": "ok"}, 422,
     "mood"),
    ("POST", "/visits", "inspector", {"site_id": "nope", "position": PT}, 404, "nope"),
    ("POST", "/visits", "inspector", {"site_id": "M2", "position": PT}, 422, "refused"),
    ("POST", "/grids/edits/redraw/preview", "admin",
     {"grid_id": "G1", "geometry": {"type": "Polygon", "coordinates": [[[11.5, 49.9],
      [11.51, 49.91], [11.51, 49.9], [11.5, 49.91], [11.5, 49.9]]]}}, 422, "Self-intersection"),
    ("POST", "/grids/edits/redraw/preview", "admin",
     {"grid_id": "G1", "geometry": {"type": "Polygon", "coordinates": [[[11.5, 49.9],
      [11.51, 49.9], [11.5, 49.91]]]}}, 422, "geometry"),
    ("POST", "/grids/edits/redraw/preview", "admin",
     {"grid_id": "G1", "geometry": {"type": "Polygon", "coordinates": [
         [[11.5 + i * 1e-5, 49.9] for i in range(600)] + [[11.5, 49.91], [11.5, 49.9]]]}},
     422, "vertices"),
    ("POST", "/grids/edits/move/preview", "admin", {"unit_ids": [], "target_grid_id": "G1"},
     422, "unit_ids"),
    ("GET", "/collections/grids/items?bbox=1,2,3", "admin", None, 422, "bbox"),
    ("GET", "/collections/grids/items?bbox=a,b,c,d", "admin", None, 422, "bbox"),
    ("GET", "/collections/grids/items?bbox=10,50,9,51", "admin", None, 422, "bbox"),
    ("GET", "/collections/grids/items?bbox=0,95,1,96", "admin", None, 422, "range"),
    ("GET", "/collections/grids/items?limit=10001", "admin", None, 422, "limit"),
    ("GET", "/collections/grids/items?limit=0", "admin", None, 422, "limit"),
    ("GET", "/collections/nope/items", "admin", None, 404, "nope"),
    ("GET", "/collections/grids/items/G99", "admin", None, 404, "G99"),
    ("GET", "/grids/villages/V9/history", "admin", None, 404, "V9"),
    ("GET", "/coverage?by=planet", "admin", None, 422, "by"),
    ("POST", "/leaders/assignments", "admin", {"leader": "leader1", "kind": "mine",
                                               "target_id": "M9"}, 422, "M9"),
    ("POST", "/leaders/assignments", "admin", {"leader": "insp_a", "kind": "township",
                                               "target_id": "T1"}, 422, "leader"),
    ("POST", "/plans", "admin", {"date": "2025-02-30", "team": "A"}, 422, "date"),
    ("POST", "/plans", "admin", {"date": "2025-04-02", "team": "A", "hours": 30}, 422,
     "hours"),
    ("GET", "/collections", None, None, 401, "token"),
]


@pytest.mark.parametrize(("method", "path", "role", "body", "status", "word"), BAD,
                         ids=[f"{b[0]} {b[1][:40]} {b[4]} {b[5]}" for b in BAD])
def test_bad_input(client, auth, db_path, method, path, role, body, status, word) -> None:
    before = _snapshot(db_path)
    headers = auth(role) if role else {}
    if isinstance(body, bytes):
        r = client.request(method, path, content=body,
                           headers={**headers, "Content-Type": "application/json"})
    else:
        r = client.request(method, path, json=body, headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    payload = r.json()
    assert payload["status"] == status
    assert word.lower() in json.dumps(payload, ensure_ascii=False).lower()
    assert _snapshot(db_path) == before


def _snapshot(db_path) -> dict[str, int]:
    store = open_store(str(db_path))
    try:
        return {layer: store.count(layer) for layer in ("inspections", "grid_history", "plans",
                                                          "leader_assignments", "units")}
    finally:
        store.close()


def test_invalid_geometry_reports_is_valid_reason(client, auth) -> None:
    bow = [[11.5, 49.9], [11.51, 49.91], [11.51, 49.9], [11.5, 49.91], [11.5, 49.9]]
    r = client.post("/grids/edits/redraw/preview", headers=auth("admin"),
                    json={"grid_id": "G1", "geometry": {"type": "Polygon", "coordinates": [bow]}})
    assert r.status_code == 422 and r.json()["is_valid_reason"].startswith("Self-intersection")


def test_far_check_in_gives_distance(client, auth) -> None:
    r = client.post("/visits", headers=auth("inspector"),
                    json={"site_id": "M2", "position": PT})
    assert r.status_code == 422
    assert r.json()["distance_m"] > r.json()["max_distance_m"] == 300


def test_body_over_limit_is_413(client, auth) -> None:
    big = {"grid_id": "G1", "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
           "reason": "x" * 100_000}
    r = client.post("/grids/edits/redraw", headers=auth("admin"), json=big)
    assert r.status_code == 413 and "limit" in r.json()["detail"]

    def chunks():
        for _ in range(20):
            yield b"x" * 10_000

    r = client.post("/visits", headers={**auth("inspector"), "Content-Type": "application/json"},
                    content=chunks())
    assert r.status_code == 413


def test_expired_and_forged_tokens(client) -> None:
    from apidata import SECRET, USERS

    from api.auth import create_token

    expired = create_token(USERS["admin"], secret=SECRET, minutes=-1)
    forged = create_token(USERS["admin"], secret="another secret " * 4, minutes=5)
    for tok in (expired, forged, "garbage"):
        r = client.get("/collections", headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
