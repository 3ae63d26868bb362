"""Check-ins: an inspector records a visit at a site, refused when too far from it.

The distance is measured in the local UTM zone (metres) from the reported position to the
site's geometry (0 inside a polygon).  A visit under a plan must belong to a plan dispatched to
the inspector's team and name one of its stops.  The visit and its audit event land in one
transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from api.errors import CheckInRefusedError, NotFoundError
from api.services import audit
from api.services.plans_api import read_plan, site_kind
from api.services.users import User
from gis.crs import metric_crs_for_bounds
from layers.store import Store

_KINDS = {"mine_sites": "mine", "checkpoints": "checkpoint", "offices": "office",
          "fire_zones": "fire_zone", "grids": "grid", "admin_areas": "area", "places": "place"}


def distance_m(site: shapely.Geometry, position: shapely.Point) -> float:
    """Metres from *position* to *site* (both EPSG:4326), in the local UTM zone."""
    both = gpd.GeoSeries([site, position], crs=4326)
    crs = metric_crs_for_bounds(tuple(both.total_bounds))
    site_m, pos_m = both.to_crs(crs)
    return float(site_m.distance(pos_m))


def check_in(store: Store, user: User, *, site_id: str, position: shapely.Point,
             plan_id: str | None, time: datetime | None, findings: str,
             max_distance_m: float) -> dict[str, Any]:
    """Record a visit; returns the stored visit (with the distance).

    Raises
    ------
    NotFoundError
        Unknown site, or a plan not dispatched to the inspector's team.
    CheckInRefusedError
        The position is farther than *max_distance_m* from the site (the error carries
        ``distance_m``), or the site is not a stop of the plan.
    """
    found = site_kind(store, site_id)
    if found is None:
        raise NotFoundError(f"no site {site_id!r}: give a mine, checkpoint, fire zone or grid id")
    layer, geom = found
    if plan_id is not None:
        plan = read_plan(store, user, plan_id)
        if site_id not in {str(s.get("site_id")) for s in plan["stops"] or []}:
            msg = f"site {site_id!r} is not a stop of plan {plan_id!r}: check in without a plan"
            raise CheckInRefusedError(msg)
    dist = distance_m(geom, position)
    if dist > max_distance_m:
        msg = (f"check-in refused: you are {dist:.0f} m from site {site_id!r}, more than "
               f"{max_distance_m:.0f} m; check in at the site")
        raise CheckInRefusedError(msg, distance_m=round(dist, 1), max_distance_m=max_distance_m)
    when = pd.Timestamp(time or datetime.now(UTC))
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    visit = {"visit_id": uuid.uuid4().hex, "plan_id": plan_id, "site_id": site_id,
             "site_kind": _KINDS.get(layer, layer), "inspector": user.username, "time": when,
             "findings": findings, "has_findings": bool(findings.strip())}
    frame = gpd.GeoDataFrame([{**visit, "geometry": position}], geometry="geometry", crs=4326)
    with store.transaction() as tx:
        tx.append("inspections", frame)
        audit.record(tx, user=user.username, action="visit.create", obj=visit["visit_id"],
                     detail={"site_id": site_id, "plan_id": plan_id})
    return {**visit, "time": when.isoformat(), "distance_m": round(dist, 1)}
