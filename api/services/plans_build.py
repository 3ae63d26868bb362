"""Glue from ``POST /plans`` to the day planner (:func:`api.services.routes.plan_day`).

The plan is stored as a sealed draft with an unguessable id (128 random bits); its seed comes
from the request or from the OS, and is shown to admins and the author only.  The road
network comes from the service's :class:`~api.services.network.NetworkCache`, so a request
builds it only when the roads changed.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import geopandas as gpd
import pandas as pd

from api.schemas import PlanCreate
from api.services import audit
from api.services.network import NetworkCache
from api.services.planning import PlanOptions
from api.services.routes import plan_day
from api.services.users import User
from layers.store import Store

log = logging.getLogger("gridpatrol.api")


def build_plan(store: Store, user: User, body: PlanCreate, *, cache: NetworkCache | None = None
               ) -> pd.Series:
    """Plan the day for ``body.team`` and store it as a sealed draft, with its audit event in
    the same transaction; returns the stored row (its ``skipped`` lists the sites left out)."""
    seed = body.seed if body.seed is not None else secrets.randbelow(2**31 - 1)

    def audit_it(tx: Any, plans: gpd.GeoDataFrame) -> None:
        audit.record(tx, user=user.username, action="plan.create",
                     obj=str(plans["plan_id"].iloc[0]),
                     detail={"stops": len(plans["stops"].iloc[0] or []),
                             "skipped": len(plans["skipped"].iloc[0] or [])})

    options = PlanOptions(teams=1, hours=body.hours, seed=seed, depot=body.depot,
                          iterations=body.iterations, seconds=body.seconds,
                          created_by=user.username, cache=cache)
    result = plan_day(store, options, date=body.date, must=body.must, team_names=[body.team],
                      after=audit_it)
    row = store.get("plans", result.plan_ids[0])
    log.debug("plan stored as a draft")
    return row
