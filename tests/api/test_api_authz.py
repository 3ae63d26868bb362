"""The role × endpoint authorisation matrix (table-driven), including out-of-scope → 404."""

from __future__ import annotations

import pytest
from apidata import DISPATCHED_A, DISPATCHED_B, DRAFT

ROLES = ("anon", "admin", "planner", "inspector", "inspector_b", "leader")
MOVE = {"unit_ids": ["U2"], "target_grid_id": "G2"}
MOVE_T2 = {"unit_ids": ["U5"], "target_grid_id": "G3"}
VISIT = {"site_id": "M1", "position": {"type": "Point", "coordinates": [11.505, 49.905]}}
ASSIGN = {"leader": "leader1", "kind": "mine", "target_id": "M2"}

#: (method, path, body, {role: expected status}); "anon" sends no token.
MATRIX = [
    ("GET", "/collections", None, dict(admin=200, planner=200, inspector=200,
                                        inspector_b=200, leader=200)),
    ("GET", "/collections/grids/items", None, dict(admin=200, planner=200, inspector=200,
                                                    inspector_b=200, leader=200)),
    ("GET", "/collections/grids/items/G1", None, dict(admin=200, planner=200, inspector=200,
                                                       inspector_b=200, leader=200)),
    ("GET", "/collections/plans/items", None, dict(admin=404, planner=404, inspector=404,
                                                    inspector_b=404, leader=404)),
    ("GET", "/collections/users/items", None, dict(admin=404, planner=404, inspector=404,
                                                    inspector_b=404, leader=404)),
    ("GET", "/collections/member_residences/items/R1", None, dict(
        admin=200, planner=200, inspector=404, inspector_b=404, leader=404)),
    ("GET", "/grids/G1", None, dict(admin=200, planner=200, inspector=200, inspector_b=200,
                                    leader=200)),
    ("POST", "/grids/edits/move/preview", MOVE, dict(admin=200, planner=200, inspector=403,
                                                     inspector_b=403, leader=403)),
    ("POST", "/grids/edits/move/preview", MOVE_T2, dict(admin=200, planner=404,
                                                        inspector=403, inspector_b=403,
                                                        leader=403)),
    ("POST", "/grids/edits/move", MOVE, dict(admin=428, planner=428, inspector=403,
                                             inspector_b=403, leader=403)),
    ("GET", "/grids/villages/V1/history", None, dict(admin=200, planner=200, inspector=403,
                                                     inspector_b=403, leader=403)),
    ("GET", "/grids/villages/V2/history", None, dict(admin=200, planner=404, inspector=403,
                                                     inspector_b=403, leader=403)),
    ("GET", "/plans", None, dict(admin=200, planner=200, inspector=200, inspector_b=200,
                                 leader=200)),
    ("GET", f"/plans/{DRAFT}", None, dict(admin=200, planner=404, inspector=404,
                                          inspector_b=404, leader=404)),
    ("GET", f"/plans/{DISPATCHED_A}", None, dict(admin=200, planner=200, inspector=200,
                                                 inspector_b=404, leader=200)),
    ("GET", f"/plans/{DISPATCHED_B}/gpx", None, dict(admin=200, planner=200, inspector=404,
                                                     inspector_b=200, leader=200)),
    ("POST", f"/plans/{DRAFT}/dispatch", None, dict(admin=200, planner=404, inspector=403,
                                                    inspector_b=403, leader=403)),
    ("POST", "/plans", {"date": "2025-04-02", "team": "A", "iterations": 300}, dict(
        inspector=403, inspector_b=403, leader=403)),
    ("POST", "/visits", VISIT, dict(admin=201, planner=403, inspector=201, inspector_b=201,
                                    leader=403)),
    ("POST", "/visits", {**VISIT, "plan_id": DISPATCHED_A}, dict(
        admin=201, planner=403, inspector=201, inspector_b=404, leader=403)),
    ("GET", "/coverage?by=grid", None, dict(admin=200, planner=200, inspector=403,
                                            inspector_b=403, leader=200)),
    ("GET", "/coverage?by=leader", None, dict(admin=200, planner=200, inspector=403,
                                              inspector_b=403, leader=200)),
    ("GET", "/leaders/assignments", None, dict(admin=200, planner=403, inspector=403,
                                               inspector_b=403, leader=200)),
    ("POST", "/leaders/assignments", ASSIGN, dict(admin=201, planner=403, inspector=403,
                                                  inspector_b=403, leader=403)),
    ("DELETE", "/leaders/assignments/LA2", None, dict(admin=204, planner=403, inspector=403,
                                                      inspector_b=403, leader=403)),
    ("GET", "/planner", None, dict(admin=200, planner=200, inspector=403, inspector_b=403,
                                   leader=403)),
    ("GET", "/leader", None, dict(admin=200, planner=200, inspector=403, inspector_b=403,
                                  leader=200)),
    ("GET", f"/inspector?plan={DRAFT}", None, dict(admin=200, planner=404, inspector=404,
                                                   inspector_b=404, leader=404)),
    ("GET", "/inspector", None, dict(inspector=200, inspector_b=200)),
]
CASES = [(m, p, b, role, exp.get(role))
         for m, p, b, exp in MATRIX for role in ROLES
         if role in exp or role == "anon"]


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), CASES,
                         ids=[f"{c[0]} {c[1]} {c[3]}" for c in CASES])
def test_matrix(client, auth, method, path, body, role, expected) -> None:
    headers = {} if role == "anon" else auth(role)
    r = client.request(method, path, json=body, headers=headers, follow_redirects=False)
    if role == "anon":  # pages send browsers to the login form; the API answers 401
        want = 303 if path.split("?")[0] in ("/planner", "/leader", "/inspector") else 401
        assert r.status_code == want, r.text
        return
    assert r.status_code == expected, r.text
    if r.status_code >= 400:
        assert r.json()["status"] == r.status_code
        assert r.json()["detail"]


def test_residences_counts_only_for_other_roles(client, auth) -> None:
    exact = client.get("/collections/member_residences/items", headers=auth("planner")).json()
    assert {f["id"] for f in exact["features"]} == {"R1", "R2"}
    assert {f["geometry"]["type"] for f in exact["features"]} == {"Point"}
    counted = client.get("/collections/member_residences/items", headers=auth("leader")).json()
    assert {f["id"] for f in counted["features"]} == {"G1", "G2", "G3"}
    assert all(set(f["properties"]) == {"grid_id", "village_id", "code", "members"}
               for f in counted["features"])
