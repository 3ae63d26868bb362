"""Glue from ``POST /plans`` to the routing engineer's day planner (:mod:`api.services.routes`).

The plan is stored as a sealed draft with an unguessable id (128 random bits); its seed comes
from the request or from the OS, and is shown to admins and the author only.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import geopandas as gpd
import pandas as pd

from api.schemas import PlanCreate
from api.services import audit
from api.services.users import User
from layers.store import Store

log = logging.getLogger("gridpatrol.api")


def new_plan_id() -> str:
    """An unguessable plan id (22 url-safe characters, 128 bits)."""
    return secrets.token_urlsafe(16)


def build_plan(store: Store, user: User, body: PlanCreate) -> pd.Series:
    """Plan the day for ``body.team`` with :func:`api.services.routes.plan_day` and store it as
    a sealed draft, with its audit event in the same transaction."""
    from api.services.routes import plan_day

    seed = body.seed if body.seed is not None else secrets.randbelow(2**31 - 1)

    def audit_it(tx: Any, plans: gpd.GeoDataFrame) -> None:
        audit.record(tx, user=user.username, action="plan.create",
                     obj=str(plans["plan_id"].iloc[0]),
                     detail={"stops": len(plans["stops"].iloc[0] or [])})

    result = plan_day(store, date=body.date, teams=1, hours=body.hours, must=body.must,
                      seed=seed, depot=body.depot, seconds=body.seconds,
                      created_by=user.username, team_names=[body.team], after=audit_it)
    row = store.get("plans", result.plan_ids[0])
    log.debug("plan stored as a draft")
    return row
