"""`POST /plans` on a copy of the demo store (real roads): a sealed draft for the named team,
its audit event written with it, dispatch, then the team's inspector can read it."""

from __future__ import annotations

import shutil

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_token
from api.services.users import User
from api.settings import Settings
from layers.store import open_store

SECRET = "plans-real-" + "y" * 40


def test_create_dispatch_and_read_a_plan_on_real_roads(demo_store_path, tmp_path):
    db = tmp_path / "demo.gpkg"
    shutil.copy(demo_store_path, db)
    admin = User("chief", "admin")
    inspector = User("wang", "inspector", team="east")
    other = User("li", "inspector", team="west")

    def headers(user: User) -> dict[str, str]:
        return {"Authorization": "Bearer " + create_token(user, secret=SECRET, minutes=5)}

    with TestClient(create_app(Settings(db=str(db), jwt_secret=SECRET))) as client:
        made = client.post("/plans", headers=headers(admin), json={
            "date": "2026-04-03", "team": "east", "hours": 6, "seed": 7, "iterations": 500})
        assert made.status_code in (200, 201), made.text
        plan_id = made.json()["plan_id"]
        assert client.get(f"/plans/{plan_id}", headers=headers(inspector)).status_code == 404
        sent = client.post(f"/plans/{plan_id}/dispatch", headers=headers(admin))
        assert sent.status_code == 200, sent.text
        mine = client.get(f"/plans/{plan_id}", headers=headers(inspector))
        assert mine.status_code == 200 and len(mine.json()["stops"]) > 0
        assert mine.json().get("seed") is None  # the seed is never shown to inspectors
        assert client.get(f"/plans/{plan_id}", headers=headers(other)).status_code == 404
    store = open_store(db)
    row = store.get("plans", plan_id)
    assert row["team"] == "east" and row["status"] == "dispatched"
    events = store.read("audit_log", where={"object": plan_id})
    assert {"plan.create", "plan.dispatch"} <= set(events["action"])
