"""The stored household register applied to new units: what ``units build`` calls so that
rebuilt units get the register's codes and figures again (:mod:`api.services.register`)."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from api.services.register import apply_register, village_frame
from gis.register import Match, match_rows
from layers.importers.register import COUNTS
from layers.store import Reader

log = logging.getLogger(__name__)


def reapply(store: Reader, admin: gpd.GeoDataFrame, *, stored: pd.DataFrame | None = None
            ) -> tuple[pd.DataFrame, list[Match]]:
    """The stored register rows (or *stored*) and their matches among *admin*'s villages (for
    ``units build``); unmatched rows are logged."""
    stored = store.read("registers") if stored is None else stored
    if stored.empty:
        return stored, []
    villages = village_frame(admin)
    has_town = stored["township"].notna().any()
    matches = match_rows(list(stored["village_code"]), list(stored["village_name"]),
                         list(stored["township"]) if has_town else None, villages)
    seen: set[str] = set()
    for i, m in enumerate(matches):
        if m.village_id is None or m.village_id in seen:
            log.warning("register row %s (%s) matches no village of the new units: not applied",
                        stored["register_id"].iloc[i], stored["village_name"].iloc[i])
            matches[i] = Match(None, "unmatched")
        else:
            seen.add(m.village_id)
    rows = stored.rename(columns={"village_code": "code", "village_name": "name"})
    rows["figures"] = [f if isinstance(f, dict) else {} for f in rows["figures"]]
    for f in COUNTS:
        rows[f] = pd.to_numeric(rows[f], errors="coerce").astype(float)
    return rows, matches


def reapply_codes(admin: gpd.GeoDataFrame, rows: pd.DataFrame, matches: list[Match]
                  ) -> gpd.GeoDataFrame:
    """*admin* with the register's codes on the villages it matched."""
    if not matches:
        return admin
    codes = {m.village_id: c for m, c in zip(matches, rows["code"], strict=True)
             if m.village_id and isinstance(c, str)}
    admin = admin.copy()
    hit = admin["area_id"].isin(list(codes))
    admin.loc[hit, "code"] = admin.loc[hit, "area_id"].map(codes)
    return admin


def reapply_figures(units: gpd.GeoDataFrame, rows: pd.DataFrame, matches: list[Match],
                    points: gpd.GeoSeries, loads: np.ndarray) -> gpd.GeoDataFrame:
    """*units* (metric CRS) with the stored register's figures spread over them."""
    if not any(m.village_id for m in matches):
        return units
    return apply_register(units, rows, matches, points, loads)
