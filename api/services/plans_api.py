"""Sealed plans as the web service handles them: scope in the query, dispatch, GPX, audit.

Who may read a plan (enforced by the ``where`` passed to the store, never after reading):

========== ==================================================
admin      every plan
planner    the plans they created (drafts included) and every dispatched plan
leader     dispatched plans only (never drafts)
inspector  dispatched plans of their own team only
========== ==================================================

A plan outside the caller's scope answers exactly like a plan that does not exist (404).  The
seed is shown only to admins and the plan's author.  Reads, creation and dispatch are audited.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import shapely

from api.errors import ForbiddenError, NotFoundError
from api.services import audit
from api.services.plan_writer import plan_gpx
from api.services.users import User
from layers.store import Reader, Store

_SITE_LAYERS = (("mine_sites", "site_id"), ("checkpoints", "checkpoint_id"),
                ("offices", "office_id"), ("fire_zones", "zone_id"), ("grids", "grid_id"),
                ("admin_areas", "area_id"), ("places", "place_id"))


def scopes(user: User) -> list[dict[str, Any]]:
    """The ``where`` filters (OR-ed) that bound the plans *user* may read."""
    if user.role == "admin":
        return [{}]
    if user.role == "planner":
        return [{"created_by": user.username}, {"status": "dispatched"}]
    if user.role == "leader":
        return [{"status": "dispatched"}]
    if user.role == "inspector" and user.team:
        return [{"status": "dispatched", "team": user.team}]
    return []


def _missing(plan_id: str) -> NotFoundError:
    return NotFoundError("no plan with that id that you may read")


def read_plan(store: Reader, user: User, plan_id: str) -> pd.Series:
    """The plan, read through the caller's scope; 404 when absent or out of scope."""
    for where in scopes(user):
        frame = store.read("plans", ids=[plan_id], where=where or None)
        if not frame.empty:
            return frame.iloc[0]
    raise _missing(plan_id)


def list_plans(store: Reader, user: User, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """Summaries of one page of the plans in the caller's scope, newest dates first (the
    store filters, sorts and pages)."""
    rows = store.read("plans", where=scopes(user), order_by=("-date", "plan_id"), limit=limit,
                      offset=offset)
    return [{"plan_id": r.plan_id, "date": str(r.date), "team": r.team, "status": r.status,
             "stops": len(r.stops or []), "dispatched_at": _iso(r.dispatched_at)}
            for r in rows.itertuples()]


def _iso(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).isoformat()


def plan_view(row: pd.Series, user: User) -> dict[str, Any]:
    """The JSON-able plan for *user* (no seed for inspectors and leaders)."""
    geom = row.get("geometry")
    path = None
    if geom is not None and not shapely.is_empty(geom):
        from api.geojson import geometry_texts

        path = json.loads(geometry_texts([geom])[0])
    view = {"plan_id": str(row["plan_id"]), "date": str(row["date"]), "team": str(row["team"]),
            "status": str(row["status"]), "stops": list(row["stops"] or []),
            "drive_s": None if pd.isna(row.get("drive_s")) else float(row["drive_s"]),
            "created_by": row.get("created_by"), "created_at": _iso(row.get("created_at")),
            "dispatched_at": _iso(row.get("dispatched_at")), "path": path, "seed": None,
            "skipped": [_finite(s) for s in (row.get("skipped") or [])]}
    if user.role == "admin" or user.username == row.get("created_by"):
        seed = row.get("seed")
        view["seed"] = None if seed is None or pd.isna(seed) else int(seed)
    return view


def _finite(skipped: dict[str, Any]) -> dict[str, Any]:
    """A skipped-site record with ``distance_m`` None where it is not a finite number."""
    d = skipped.get("distance_m")
    ok = isinstance(d, int | float) and d == d and d not in (float("inf"), float("-inf"))
    return {**skipped, "distance_m": d if ok else None}


def audited_read(store: Store, user: User, plan_id: str, action: str = "plan.read"
                 ) -> pd.Series:
    """:func:`read_plan` and one audit event (only for plans the caller may read)."""
    row = read_plan(store, user, plan_id)
    audit.record(store, user=user.username, action=action, obj=plan_id,
                 detail={"team": str(row["team"]), "status": str(row["status"])})
    return row


def dispatch(store: Store, user: User, plan_id: str, *, team: str | None = None) -> pd.Series:
    """Hand a draft to its team (or *team*): status ``dispatched``, time stamped, audited.

    Admins dispatch any plan, planners their own; dispatching twice changes nothing.
    """
    if user.role not in ("admin", "planner"):
        raise ForbiddenError(f"role {user.role!r} may not dispatch plans")
    where = {} if user.role == "admin" else {"created_by": user.username}
    with store.transaction() as tx:
        frame = tx.read("plans", ids=[plan_id], where=where or None)
        if frame.empty:
            raise _missing(plan_id)
        row = frame.iloc[0].copy()
        if row["status"] != "dispatched" or (team and team != row["team"]):
            row["status"] = "dispatched"
            row["team"] = team or row["team"]
            row["dispatched_at"] = datetime.now(UTC)
            tx.upsert("plans", _frame(row))
        audit.record(tx, user=user.username, action="plan.dispatch", obj=plan_id,
                     detail={"team": str(row["team"])})
    return row


def _frame(row: pd.Series) -> pd.DataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame([row.to_dict()], geometry="geometry", crs=4326)


def site_geometry(store: Reader, site_id: str) -> Any:
    """The geometry of a site id in any of the site layers, else ``None``."""
    for layer, _ in _SITE_LAYERS:
        frame = store.read(layer, ids=[site_id])
        if not frame.empty:
            return frame.geometry.iloc[0]
    return None


def site_kind(store: Reader, site_id: str) -> tuple[str, Any] | None:
    """``(layer, geometry)`` of a site id, else ``None``."""
    for layer, _ in _SITE_LAYERS:
        frame = store.read(layer, ids=[site_id])
        if not frame.empty:
            return layer, frame.geometry.iloc[0]
    return None


def gpx(store: Reader, row: pd.Series) -> str:
    """The plan as GPX 1.1 (:func:`api.services.plan_writer.plan_gpx`: the same bytes as the
    file ``gridpatrol plan`` writes).  A stop stored without its position (a plan made by
    another tool) is placed at its site; one whose site is gone is left out."""
    stops = []
    for stop in list(row["stops"] or []):
        if stop.get("lon") is None or stop.get("lat") is None:
            geom = site_geometry(store, str(stop.get("site_id", "")))
            if geom is None:
                continue
            p = geom if geom.geom_type == "Point" else geom.representative_point()
            stop = {**stop, "lon": p.x, "lat": p.y}
        stops.append(stop)
    return plan_gpx({**row.to_dict(), "stops": stops})
