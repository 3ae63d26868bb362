"""Grid edits: ETag on reads, 428 without If-Match, 412 when stale, no lost update, revert."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

MOVE = {"unit_ids": ["U2"], "target_grid_id": "G2"}


def _etag(client, headers, village="V1"):
    r = client.get(f"/grids/villages/{village}", headers=headers)
    assert r.status_code == 200
    assert r.headers["etag"] == r.json()["etag"]
    return r.headers["etag"]


def test_commit_needs_if_match_and_refuses_stale(client, auth) -> None:
    h = auth("planner")
    tag = _etag(client, h)
    assert client.post("/grids/edits/move", headers=h, json=MOVE).status_code == 428
    ok = client.post("/grids/edits/move", headers={**h, "If-Match": tag}, json=MOVE)
    assert ok.status_code == 200, ok.text
    assert ok.json()["committed"] and ok.headers["etag"] != tag
    assert ok.json()["grids"]["type"] == "FeatureCollection"
    stale = client.post("/grids/edits/move", headers={**h, "If-Match": tag},
                        json={"unit_ids": ["U1"], "target_grid_id": "G2"})
    assert stale.status_code == 412, stale.text
    units = client.get("/collections/units/items", headers=h).json()["features"]
    assert {f["id"]: f["properties"]["grid_id"] for f in units}["U1"] == "G1"  # not written
    other = client.post("/grids/edits/move", headers={**h, "If-Match": '"V2:1"'}, json=MOVE)
    assert other.status_code == 412


def test_racing_commits_one_wins(client, auth) -> None:
    h = auth("admin")
    tag = _etag(client, h)
    bodies = [MOVE, {"unit_ids": ["U3"], "target_grid_id": "G1"}] * 2
    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda b: client.post(
            "/grids/edits/move", headers={**h, "If-Match": tag}, json=b).status_code, bodies))
    assert sorted(codes) == [200, 412, 412, 412]
    hist = client.get("/grids/villages/V1/history", headers=h).json()
    assert [e["version"] for e in hist] == [2, 1]


def test_preview_writes_nothing_and_revert(client, auth) -> None:
    h = auth("planner")
    tag = _etag(client, h)
    prev = client.post("/grids/edits/move/preview", headers=h, json=MOVE)
    assert prev.status_code == 200 and not prev.json()["committed"]
    assert prev.json()["after"]["G1"]["units"] == 1
    assert _etag(client, h) == tag
    client.post("/grids/edits/move", headers={**h, "If-Match": tag}, json=MOVE)
    tag2 = _etag(client, h)
    r = client.post("/grids/villages/V1/revert", headers={**h, "If-Match": tag2},
                    json={"version": 1})
    assert r.status_code == 200, r.text
    units = client.get("/collections/units/items", headers=h).json()["features"]
    assert {f["id"]: f["properties"]["grid_id"] for f in units}["U2"] == "G1"
    log = client.get("/grids/villages/V1/history", headers=h).json()
    assert [e["version"] for e in log] == [3, 2, 1]


def test_edit_refusal_is_422_and_unknown_grid_404(client, auth) -> None:
    h = auth("admin")
    tag = _etag(client, h)
    empty = client.post("/grids/edits/move", headers={**h, "If-Match": tag},
                        json={"unit_ids": ["U1", "U2"], "target_grid_id": "G2"})
    assert empty.status_code == 422, empty.text  # G1 would be left empty
    assert client.post("/grids/edits/merge/preview", headers=h,
                       json={"grid_id": "G1", "other_grid_id": "nope"}).status_code == 404
    assert _etag(client, h) == tag
