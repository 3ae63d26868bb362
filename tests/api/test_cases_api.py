"""The cases API over HTTP: ETag and If-Match, the statuses of each refusal, the deadlines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from apidata import SECRET
from fastapi.testclient import TestClient

from api.auth import create_token
from api.services.users import User
from gis.deadlines import end_of_day

FOUND = {"site_id": "M1", "topic": "work_safety", "severity": "general",
         "text": "瓦斯监测仪失效"}


def unit_auth() -> dict[str, str]:
    """The responsible unit 一号煤矿's header (minted when used: tokens expire)."""
    return {"Authorization": "Bearer " + create_token(User("mine1", "unit", team="一号煤矿"),
                                                      secret=SECRET, minutes=5)}


def test_open_read_and_act_with_etags(client: TestClient,
                                      auth: Callable[[str], dict[str, str]]) -> None:
    made = client.post("/cases", json={**FOUND, "unit": "一号煤矿", "deadline": "2026-12-31"},
                       headers=auth("inspector"))
    assert made.status_code == 201, made.text
    case = made.json()
    assert case["state"] == "assigned" and case["deadline"] == "2026-12-31T15:59:59+00:00"
    cid = case["case_id"]
    UNIT = unit_auth()  # noqa: N806
    read = client.get(f"/cases/{cid}", headers=UNIT)
    assert read.headers["ETag"] == f'"{cid}:2"' and read.json()["actions"] == ["start"]
    started = client.post(f"/cases/{cid}/start", json={},
                          headers={**UNIT, "If-Match": read.headers["ETag"]})
    assert started.status_code == 200 and started.headers["ETag"] == f'"{cid}:3"'
    stale = client.post(f"/cases/{cid}/progress", json={"note": "x"},
                        headers={**UNIT, "If-Match": read.headers["ETag"]})
    assert stale.status_code == 412 and "is at version 3, not 2" in stale.json()["detail"]
    missing = client.post(f"/cases/{cid}/progress", json={"note": "x"}, headers=UNIT)
    assert missing.status_code == 428 and "needs If-Match" in missing.json()["detail"]


def test_each_refusal_has_its_status_and_says_why(client: TestClient,
                                                  auth: Callable[[str], dict[str, str]]) -> None:
    cid = client.post("/cases", json={**FOUND, "unit": "一号煤矿"},
                      headers=auth("admin")).json()["case_id"]
    tag = {"If-Match": f'"{cid}:2"'}
    wrong_state = client.post(f"/cases/{cid}/close", json={}, headers={**auth("inspector"),
                                                                      **tag})
    assert wrong_state.status_code == 409
    assert "close applies only to a case that is recheck_requested" in \
        wrong_state.json()["detail"]
    wrong_role = client.post(f"/cases/{cid}/start", json={}, headers={**auth("inspector"),
                                                                     **tag})
    assert wrong_role.status_code == 403 and "a inspector may not start" in \
        wrong_role.json()["detail"]
    lacking = client.post(f"/cases/{cid}/park", json={"reason": "资金"},
                          headers={**auth("admin"), **tag})
    assert lacking.status_code == 422 and lacking.json()["errors"] == [
        "review_date: the day the parked case is looked at again (after today)"]
    planner = client.get(f"/cases/{cid}", headers=auth("planner"))
    assert planner.status_code == 403


def test_a_leader_is_refused_outside_their_townships(
        client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    outside = client.post("/cases", json={**FOUND, "site_id": "M2"}, headers=auth("leader"))
    assert outside.status_code == 403
    assert "outside your townships and mines (东镇、一号煤矿)" in outside.json()["detail"]
    theirs = client.post("/cases", json={**FOUND, "site_id": "M2"},
                         headers=auth("inspector")).json()["case_id"]
    hidden = client.get(f"/cases/{theirs}", headers=auth("leader"))
    assert hidden.status_code == 404 and "东镇、一号煤矿" in hidden.json()["detail"]
    acting = client.post(f"/cases/{theirs}/assign", json={"unit": "x"},
                         headers={**auth("leader"), "If-Match": f'"{theirs}:1"'})
    assert acting.status_code == 404


def test_the_list_filters_and_counts(client: TestClient,
                                     auth: Callable[[str], dict[str, str]]) -> None:
    for site, topic in (("M1", "work_safety"), ("M2", "illegal_mining"), ("F1", "forest_fire")):
        client.post("/cases", json={**FOUND, "site_id": site, "topic": topic},
                    headers=auth("inspector"))
    every = client.get("/cases", headers=auth("admin")).json()
    assert every["total"] == 3 and every["overdue"] == 0
    fire = client.get("/cases", params={"topic": "forest_fire"}, headers=auth("admin")).json()
    assert [i["site_id"] for i in fire["items"]] == ["F1"]
    t2 = client.get("/cases", params={"township": "T2"}, headers=auth("admin")).json()
    assert sorted(i["site_id"] for i in t2["items"]) == ["M2"]
    mine = client.get("/cases", headers=auth("leader")).json()
    assert sorted(i["site_id"] for i in mine["items"]) == ["F1", "M1"]
    bad = client.get("/cases", params={"state": "done"}, headers=auth("admin"))
    assert bad.status_code == 422


def test_the_deadline_table_is_read_and_set(client: TestClient,
                                            auth: Callable[[str], dict[str, str]]) -> None:
    shipped = client.get("/cases/deadlines", headers=auth("inspector")).json()
    assert {"topic": "*", "severity": "major", "days": 30, "recheck_days": 10} in shipped
    rows = [{"topic": "*", "severity": s, "days": 2} for s in ("general", "serious", "major")]
    assert client.put("/cases/deadlines", json={"rows": rows},
                      headers=auth("inspector")).status_code == 403
    bad = client.put("/cases/deadlines", json={"rows": rows[:2]}, headers=auth("admin"))
    assert bad.status_code == 422 and "no default row for severity 'major'" in bad.text
    assert client.put("/cases/deadlines", json={"rows": rows},
                      headers=auth("admin")).status_code == 200
    case = client.post("/cases", json={**FOUND, "unit": "一号煤矿"}, headers=auth("admin"))
    opened = datetime.fromisoformat(case.json()["opened_at"])
    assert case.json()["deadline"] == end_of_day(opened, 2).isoformat()  # 2 days, not 3
    assert client.get("/cases/deadlines", headers=auth("admin")).json()[0]["days"] == 2
