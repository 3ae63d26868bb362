"""Glue from ``POST /plans`` to the routing engineer's day planner (:mod:`api.services.routes`).

The plan is stored as a sealed draft with an unguessable id (128 random bits); its seed comes
from the request or from the OS, and is shown to admins and the author only.
"""

from __future__ import annotations

import logging
import secrets

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


def build_plan(store: Store, user: User, body: PlanCreate) -> pd.Series:
    """Plan the day for ``body.team`` with :func:`api.services.routes.plan_day`; store a draft.

    ``plan_day`` writes its plan (named ``team-1``) as a draft; the row is then given the
    requested team and an audit event in one transaction.
    """
    try:
        from api.services.routes import plan_day
    except ModuleNotFoundError as exc:
        msg = "day planning is not available in this build (api.services.routes missing)"
        raise UnavailableError(msg) from exc
    seed = body.seed if body.seed is not None else secrets.randbelow(2**31 - 1)
    result = plan_day(store, date=body.date, teams=1, hours=body.hours, must=body.must,
                      seed=seed, depot=body.depot, seconds=body.seconds,
                      created_by=user.username)
    plan_id = result.plan_ids[0]
    with store.transaction() as tx:
        row = tx.get("plans", plan_id).copy()
        row["team"] = body.team
        row["status"] = "draft"
        tx.upsert("plans", gpd.GeoDataFrame([row.to_dict()], geometry="geometry", crs=4326))
        audit.record(tx, user=user.username, action="plan.create", obj=plan_id,
                     detail={"stops": len(row["stops"] or [])})
    log.debug("plan stored as a draft")
    return row
