"""The API tests' tiny hand-made store: layers, users, plans (used by conftest and tests).

Two townships (T1, T2), one village each (V1 ⊂ T1, V2 ⊂ T2), four units in V1 forming two
grids and two units in V2 forming one grid, two mines, a fire zone, two member residences,
an office, three plans (a draft and a dispatched plan for team A, a dispatched plan for team
B), six users and two leader assignments.  The store is built once per session and copied
for each test; tokens are minted directly (no argon2 work per test).
"""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, MultiPolygon, Point, box

from api.services.users import User, add_user
from layers.store import open_store

SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery"
USERS = {
    "admin": User("admin", "admin"),
    "planner": User("planner", "planner", township_id="T1"),
    "inspector": User("insp_a", "inspector", team="A"),
    "inspector_b": User("insp_b", "inspector", team="B"),
    "leader": User("leader1", "leader"),
}
DRAFT, DISPATCHED_A, DISPATCHED_B = "plan-draft-a-7f3c", "plan-sent-a-91d2", "plan-sent-b-44e0"


def _mp(*bounds: float) -> MultiPolygon:
    return MultiPolygon([box(*bounds)])


def _gdf(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def seed_store(url: str) -> None:
    """Write the tiny layers and users into the store at *url*."""
    store = open_store(url)
    x0, y0, d = 11.50, 49.90, 0.01
    now = datetime(2025, 4, 1, 8, tzinfo=UTC)
    store.replace("admin_areas", _gdf([
        {"area_id": "T1", "name": "东镇", "level": "township", "code": "370000001000",
         "geometry": _mp(x0, y0, x0 + 2 * d, y0 + 2 * d)},
        {"area_id": "T2", "name": "西镇", "level": "township", "code": "370000002000",
         "geometry": _mp(x0 + 2 * d, y0, x0 + 4 * d, y0 + 2 * d)},
        {"area_id": "V1", "name": "一村", "level": "village", "parent_id": "T1",
         "code": "370000001001", "geometry": _mp(x0, y0, x0 + 2 * d, y0 + 2 * d)},
        {"area_id": "V2", "name": "二村", "level": "village", "parent_id": "T2",
         "code": "370000002001", "geometry": _mp(x0 + 2 * d, y0, x0 + 4 * d, y0 + 2 * d)},
    ]))
    units = []
    cells = [("U1", "V1", 0, 0, "G1"), ("U2", "V1", 1, 0, "G1"), ("U3", "V1", 0, 1, "G2"),
             ("U4", "V1", 1, 1, "G2"), ("U5", "V2", 2, 0, "G3"), ("U6", "V2", 3, 1, "G3")]
    for uid, vid, i, j, gid in cells:
        h = 1 if uid != "U6" else 2
        units.append({"unit_id": uid, "village_id": vid, "kind": "block", "households": 50,
                      "population": 120, "members": 3, "mines": 0, "fire_area_m2": 0.0,
                      "workload": 50.0, "grid_id": gid, "pinned": False,
                      "geometry": _mp(x0 + i * d, y0 + j * d, x0 + (i + 1) * d,
                                      y0 + (j + h) * d if uid != "U6" else y0 + (j + 1) * d)})
    units[5]["geometry"] = _mp(x0 + 2 * d, y0 + d, x0 + 4 * d, y0 + 2 * d)
    units[4]["geometry"] = _mp(x0 + 2 * d, y0, x0 + 4 * d, y0 + d)
    store.replace("units", _gdf(units))
    grids = []
    for gid, vid, b, seq in (("G1", "V1", (x0, y0, x0 + 2 * d, y0 + d), 1),
                             ("G2", "V1", (x0, y0 + d, x0 + 2 * d, y0 + 2 * d), 2),
                             ("G3", "V2", (x0 + 2 * d, y0, x0 + 4 * d, y0 + 2 * d), 1)):
        grids.append({"grid_id": gid, "village_id": vid, "code": f"370000001001{seq:03d}",
                      "version": 1, "households": 100, "members": 6, "mines": 0,
                      "fire_area_m2": 0.0, "workload": 100.0, "deviation": 0.0,
                      "worker": "张三", "pinned": False, "geometry": _mp(*b)})
    store.replace("grids", _gdf(grids))
    store.replace("grid_history", pd.DataFrame([
        {"history_id": f"{v}-1", "village_id": v, "version": 1, "author": "seed", "time": now,
         "reason": "initial", "assignment": {u["unit_id"]: u["grid_id"] for u in units
                                              if u["village_id"] == v}} for v in ("V1", "V2")]))
    store.replace("mine_sites", _gdf([
        {"site_id": "M1", "name": "一号煤矿", "kind": "coal_mine", "status": "producing",
         "leader": "leader1", "geometry": Point(x0 + 0.005, y0 + 0.005)},
        {"site_id": "M2", "name": "废弃矿", "kind": "coal_mine", "status": "abandoned",
         "geometry": Point(x0 + 0.035, y0 + 0.015)},
    ]))
    store.replace("fire_zones", _gdf([
        {"zone_id": "F1", "name": "北林", "area_m2": 1.0e6, "risk_class": 3,
         "geometry": _mp(x0 + d, y0 + d, x0 + 3 * d, y0 + 2 * d)}]))
    store.replace("member_residences", _gdf([
        {"member_id": "R1", "synthetic": True, "geometry": Point(x0 + 0.002, y0 + 0.002)},
        {"member_id": "R2", "synthetic": True, "geometry": Point(x0 + 0.032, y0 + 0.012)}]))
    store.replace("offices", _gdf([
        {"office_id": "O1", "name": "镇政府", "kind": "townhall",
         "geometry": Point(x0 + 0.001, y0 + 0.001)}]))
    path = LineString([(x0 + 0.001, y0 + 0.001), (x0 + 0.005, y0 + 0.005),
                       (x0 + 0.035, y0 + 0.015)])
    plans = []
    for pid, team, status in ((DRAFT, "A", "draft"), (DISPATCHED_A, "A", "dispatched"),
                              (DISPATCHED_B, "B", "dispatched")):
        plans.append({"plan_id": pid, "date": "2025-04-02", "team": team, "status": status,
                      "stops": [{"site_id": "M1", "kind": "mine", "arrival_s": 3600},
                                {"site_id": "M2", "kind": "mine", "arrival_s": 7200}],
                      "drive_s": 1800.0, "seed": 4242, "created_by": "admin",
                      "created_at": now,
                      "dispatched_at": now if status == "dispatched" else None,
                      "geometry": path})
    store.replace("plans", _gdf(plans))
    store.replace("leader_assignments", pd.DataFrame([
        {"assignment_id": "LA1", "leader": "leader1", "kind": "township", "target_id": "T1"},
        {"assignment_id": "LA2", "leader": "leader1", "kind": "mine", "target_id": "M1"}]))
    for u in USERS.values():
        add_user(store, username=u.username, role=u.role, password=PASSWORD, team=u.team,
                 township_id=u.township_id)
    store.close()


