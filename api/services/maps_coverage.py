"""The leader map's layers: grids, mines and fire zones with their coverage, from the store.

The figures come from :func:`api.services.coverage.covered`, the same function behind
``GET /coverage``, so the map and the API never disagree.  Member counts stay counts:
residences are counted per grid only when the grid has no ``members`` figure, and no residence
point leaves this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd

from api.services.coverage import covered, read_visits
from api.services.coverage_targets import geo, read_places
from layers.store import Reader


def _member_counts(grids: gpd.GeoDataFrame, store: Reader) -> gpd.GeoDataFrame:
    if "members" in grids.columns and grids["members"].notna().any():
        return grids
    residences = store.read("member_residences")
    out = grids.copy()
    out["members"] = 0
    if residences.empty:
        return out
    joined = gpd.sjoin(geo(residences)[["geometry"]], out[["grid_id", "geometry"]],
                       predicate="within", how="inner")
    counts = joined["grid_id"].astype(str).value_counts()
    out["members"] = out["grid_id"].astype(str).map(counts).fillna(0).astype(int)
    return out


def _or_none(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    return None if frame.empty else frame


def leader_layers(store: Reader, *, now: datetime | pd.Timestamp, leader: str | None = None,
                  lang: str = "zh") -> dict[str, Any]:
    """Keyword arguments for :func:`maps.leader.leader_map`, read and computed from *store*.

    Grids, mines and fire zones carry the coverage figures as of *now* (``visits_total``,
    ``last_visit``, ``days_since_last_visit`` …) and ``leaders``; ``visits`` are the visits
    that count (for the heat map).  With *leader*, only what that leader answers for is kept.
    """
    visits = read_visits(store, now=now)
    places = read_places(store)
    kw = {"now": now, "visits": visits, "places": places, "lang": lang}
    grids = _member_counts(covered(store, "grid", **kw), store)
    mines = covered(store, "mine", **kw)
    zones = covered(store, "fire_zone", **kw)
    frames = [_or_none(f) for f in (grids, mines, zones)]
    names = sorted({n for f in frames if f is not None for ls in f["leaders"] for n in ls})
    if leader is not None:
        frames = [None if f is None else f[[leader in ls for ls in f["leaders"]]]
                  for f in frames]
        names = [leader]
    admin = store.read("admin_areas")
    return {"admin_areas": None if admin.empty else geo(admin),
            "visits": None if visits.empty else geo(visits), "grids": frames[0],
            "mine_sites": frames[1], "fire_zones": frames[2], "leaders": names}
