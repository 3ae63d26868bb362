"""Coverage: how recently and how often each grid, mine, fire zone and leader's charge was visited.

Visits are the ``inspections`` layer.  A visit counts for a grid, fire zone or township when
its recorded position lies inside the polygon, and for a mine when it names the mine's id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import geopandas as gpd
import pandas as pd

from layers.store import Reader

By = Literal["grid", "mine", "fire_zone", "leader"]
_LAYER = {"grid": ("grids", "grid_id", "code"), "mine": ("mine_sites", "site_id", "name"),
          "fire_zone": ("fire_zones", "zone_id", "name")}


def _summary(times: pd.Series, now: pd.Timestamp) -> dict[str, Any]:
    month = now.normalize().replace(day=1)
    if times.empty:
        return {"visits_total": 0, "visits_this_month": 0, "last_visit": None,
                "days_since_last_visit": None}
    last = times.max()
    return {"visits_total": int(len(times)), "visits_this_month": int((times >= month).sum()),
            "last_visit": last.isoformat(),
            "days_since_last_visit": round((now - last).total_seconds() / 86400, 2)}


def _inside(visits: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, id_field: str) -> pd.Series:
    """``id → times`` of the visits inside each polygon (as a grouped Series)."""
    if visits.empty or polygons.empty:
        return pd.Series(dtype="datetime64[ns, UTC]")
    joined = gpd.sjoin(visits[["time", "geometry"]], polygons[[id_field, "geometry"]],
                       predicate="within", how="inner")
    return joined.set_index(id_field)["time"]


def coverage(store: Reader, *, by: By, now: datetime | None = None,
             leader: str | None = None) -> list[dict[str, Any]]:
    """One row per grid, mine, fire zone, or leader assignment (*leader*: only theirs)."""
    now_ts = pd.Timestamp(now or datetime.now(UTC))
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts.tz_convert("UTC")
    visits = store.read("inspections")
    visits = visits[pd.to_datetime(visits["time"], utc=True) <= now_ts] if len(visits) else visits
    if by == "leader":
        return _by_leader(store, visits, now_ts, leader)
    layer, id_field, name_field = _LAYER[by]
    objects = store.read(layer)
    if by == "mine":
        times = visits.set_index("site_id")["time"] if len(visits) else pd.Series(dtype=object)
    else:
        times = _inside(visits, objects, id_field)
    rows = []
    for oid, name in zip(objects[id_field], objects[name_field], strict=True):
        sel = times[times.index == oid] if len(times) else times
        rows.append({"id": str(oid), "name": None if pd.isna(name) else str(name),
                     **_summary(pd.to_datetime(sel, utc=True), now_ts)})
    return rows


def _by_leader(store: Reader, visits: gpd.GeoDataFrame, now: pd.Timestamp,
               leader: str | None) -> list[dict[str, Any]]:
    assignments = store.read("leader_assignments",
                             where={"leader": leader} if leader is not None else None)
    rows = []
    for a in assignments.itertuples():
        if a.kind == "mine":
            sel = visits[visits["site_id"] == a.target_id]["time"] if len(visits) else []
            names = store.read("mine_sites", ids=[a.target_id])["name"]
        else:
            areas = store.read("admin_areas", ids=[a.target_id])
            sel = _inside(visits, areas, "area_id")
            names = areas["name"]
        name = None if names.empty or pd.isna(names.iloc[0]) else str(names.iloc[0])
        rows.append({"id": str(a.assignment_id), "name": name, "leader": str(a.leader),
                     "kind": str(a.kind), "target_id": str(a.target_id),
                     **_summary(pd.to_datetime(pd.Series(sel), utc=True), now)})
    return rows
