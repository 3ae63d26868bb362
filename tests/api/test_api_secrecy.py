"""Sealed plans: no response, log line or page shows a draft or another team's plan."""

from __future__ import annotations

import logging

from apidata import DISPATCHED_A, DISPATCHED_B, DRAFT


def _server_log(caplog) -> str:
    """What the service logged (the test client's own request log is not the service's)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))


READS = ("/plans/{}", "/plans/{}/gpx", "/plans/{}/map", "/inspector?plan={}")


def test_out_of_scope_equals_nonexistent(client, auth, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    for role, hidden in (("inspector", [DRAFT]), ("inspector_b", [DRAFT, DISPATCHED_A]),
                         ("leader", [DRAFT]), ("planner", [DRAFT])):
        for template in READS:
            for plan in hidden:
                secret = client.get(template.format(plan), headers=auth(role))
                absent = client.get(template.format("no-such-plan"), headers=auth(role))
                assert secret.status_code == absent.status_code == 404
                assert secret.json() == absent.json()
                assert plan not in secret.text
    assert DRAFT not in _server_log(caplog) and DISPATCHED_A not in _server_log(caplog)


def test_lists_and_pages_hide_drafts_and_other_teams(client, auth, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    seen = {p["plan_id"] for p in client.get("/plans", headers=auth("inspector_b")).json()}
    assert seen == {DISPATCHED_B}
    assert DRAFT not in {p["plan_id"] for p in client.get("/plans",
                                                           headers=auth("leader")).json()}
    for role in ("inspector", "inspector_b", "leader", "planner"):
        for page in ("/inspector", "/leader", "/planner", "/plans", "/coverage?by=leader"):
            text = client.get(page, headers=auth(role)).text
            assert DRAFT not in text, (role, page)
    page_b = client.get("/inspector", headers=auth("inspector_b")).text
    assert DISPATCHED_A not in page_b
    assert DRAFT not in _server_log(caplog)


def test_seed_hidden_from_inspectors_and_reads_audited(client, auth, db_path) -> None:
    mine = client.get(f"/plans/{DISPATCHED_A}", headers=auth("inspector")).json()
    assert mine["seed"] is None and mine["stops"]
    assert client.get(f"/plans/{DISPATCHED_A}", headers=auth("admin")).json()["seed"] == 4242
    r = client.post(f"/plans/{DRAFT}/dispatch", headers=auth("admin"), json={"team": "B"})
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    now_b = client.get(f"/plans/{DRAFT}", headers=auth("inspector_b"))
    assert now_b.status_code == 200 and now_b.headers["cache-control"] == "no-store"
    assert client.get(f"/plans/{DRAFT}", headers=auth("inspector")).status_code == 404
    from layers.store import open_store

    log = open_store(str(db_path)).read("audit_log")
    actions = list(zip(log["user"], log["action"], log["object"], strict=True))
    assert ("insp_a", "plan.read", DISPATCHED_A) in actions
    assert ("admin", "plan.dispatch", DRAFT) in actions
    assert ("insp_b", "plan.read", DRAFT) in actions
    assert not any(u == "insp_a" and o == DRAFT for u, _, o in actions)  # refused: no event
