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


def _forge(moves: dict[str, str], version: int = 1) -> str:
    from api.services.preview_tokens import PreviewToken, assignment_digest

    base = {"U1": "G1", "U2": "G1", "U3": "G2", "U4": "G2"}
    return PreviewToken(village="V1", version=version, kind="move", grids=("G1", "G2"),
                        base=assignment_digest(base),
                        result=assignment_digest({**base, **moves}), moves=moves).encode()


def test_commit_writes_the_previewed_token(client, auth) -> None:
    h = auth("planner")
    tag = _etag(client, h)
    prev = client.post("/grids/edits/move/preview", headers=h, json=MOVE).json()
    assert prev["token"] and prev["safety_limit"]["hit"] is False
    body = {"token": prev["token"], "reason": "as previewed"}
    assert client.post("/grids/edits/commit", headers=h, json=body).status_code == 428
    ok = client.post("/grids/edits/commit", headers={**h, "If-Match": tag}, json=body)
    assert ok.status_code == 200, ok.text
    res = ok.json()
    assert res["committed"] and res["after"] == prev["after"] and res["moved"] == ["U2"]
    assert ok.headers["etag"] == '"V1:2"'
    again = client.post("/grids/edits/commit", headers={**h, "If-Match": ok.headers["etag"]},
                        json=body)
    assert again.status_code == 412, again.text  # the preview was for version 1
    hist = client.get("/grids/villages/V1/history", headers=h).json()
    assert hist[0]["reason"] == "as previewed"


def test_commit_refuses_a_token_that_breaks_the_grids(client, auth) -> None:
    h = auth("admin")
    tag = _etag(client, h)
    broken = client.post("/grids/edits/commit", headers={**h, "If-Match": tag},
                         json={"token": _forge({"U4": "G1", "U2": "G2"})})
    assert broken.status_code == 422, broken.text
    assert any("disconnected" in e for e in broken.json()["errors"])
    across = client.post("/grids/edits/commit", headers={**h, "If-Match": tag},
                         json={"token": _forge({"U1": "G3"})})
    assert across.status_code == 422 and "village" in across.json()["detail"]
    damaged = client.post("/grids/edits/commit", headers={**h, "If-Match": tag},
                          json={"token": _forge({"U1": "G2"})[:-6] + "AAAAAA"})
    assert damaged.status_code == 422 and "damaged" in damaged.json()["detail"]
    assert _etag(client, h) == tag  # nothing was written
    fine = client.post("/grids/edits/commit", headers={**h, "If-Match": tag},
                       json={"token": _forge({"U2": "G2", "U3": "G1"})})
    assert fine.status_code == 200, fine.text


def test_commit_of_a_token_outside_the_planners_township_is_404(client, auth) -> None:
    from api.services.preview_tokens import PreviewToken, assignment_digest

    token = PreviewToken(village="V2", version=1, kind="move", grids=("G3",),
                         base=assignment_digest({}), result=assignment_digest({}),
                         moves={}).encode()
    r = client.post("/grids/edits/commit", headers={**auth("planner"), "If-Match": '"V2:1"'},
                    json={"token": token})
    assert r.status_code == 404, r.text
