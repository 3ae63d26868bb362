"""Glue from ``POST /plans`` to the routing engineer's day planner (:mod:`api.services.routes`).

The plan is stored as a sealed draft with an unguessable id (128 random bits); its seed comes
from the request or from the OS, and is shown to admins and the author only.
"""

from __future__ import annotations

import importlib
import logging
import secrets
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd

from api.errors import UnavailableError
from api.schemas import PlanCreate
from api.services import audit
from api.services.users import User
from layers.store import Store

log = logging.getLogger("gridpatrol.api")


def new_plan_id() -> str:
    """An unguessable plan id (22 url-safe characters, 128 bits)."""
    return secrets.token_urlsafe(16)


def _planner() -> Any:
    try:
        module = importlib.import_module("api.services.routes")
    except ModuleNotFoundError:
        module = None
    fn = getattr(module, "plan_day_for_team", None) if module else None
    if fn is None:
        msg = "day planning is not available in this build (api.services.routes missing)"
        raise UnavailableError(msg)
    return fn


def build_plan(store: Store, user: User, body: PlanCreate) -> pd.Series:
    """Plan the day for ``body.team`` and store it as a draft; returns the stored row."""
    seed = body.seed if body.seed is not None else secrets.randbelow(2**31 - 1)
    result = _planner()(store, date=body.date.isoformat(), team=body.team, hours=body.hours,
                        seed=seed, seconds=body.seconds, depot=body.depot,
                        max_stops=body.max_stops)
    row = {"plan_id": new_plan_id(), "date": body.date.isoformat(), "team": body.team,
           "status": "draft", "stops": list(result["stops"]),
           "drive_s": float(result.get("drive_s") or 0.0), "seed": seed,
           "created_by": user.username, "created_at": datetime.now(UTC),
           "dispatched_at": None, "geometry": result.get("path")}
    frame = gpd.GeoDataFrame([row], geometry="geometry", crs=4326)
    with store.transaction() as tx:
        tx.append("plans", frame)
        audit.record(tx, user=user.username, action="plan.create", obj=row["plan_id"],
                     detail={"stops": len(row["stops"])})
    return frame.iloc[0]
