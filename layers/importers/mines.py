"""Import the Global Energy Monitor Global Coal Mine Tracker (GCMT) CSV as mine sites.

Columns kept (GCMT name → ``mine_sites`` field): ``id`` → ``source_id`` (and ``site_id`` as
``gem-<id>``), ``project`` → ``name``, ``status`` → ``status``, ``owner``, ``capacity`` (Mt/yr)
→ ``capacity_mtpa``, ``mine-type`` → ``mine_type``, ``coal_type``, ``coalfield``; ``lat``/``lng``
(WGS 84) → geometry.  GEM statuses map to GridPatrol's: operating → producing, mothballed →
suspended, retired → closed, proposed/shelved/cancelled → proposed.  Every site is a
``coal_mine``.  Rows sharing an id (a mine's phases) become one site
(:func:`merge_phases`).  Data: Global Energy Monitor, Global Coal Mine Tracker, CC BY 4.0.
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from layers.errors import InputFileError, ValidationError
from layers.importers.sources import detect_encoding, require_file
from layers.store import BBox, Store

STATUS = {"operating": "producing", "mothballed": "suspended", "retired": "closed",
          "proposed": "proposed", "shelved": "proposed", "cancelled": "proposed"}
REQUIRED = ("id", "project", "status", "lat", "lng")
_RANK = {"producing": 0, "suspended": 1, "proposed": 2, "closed": 3, "unknown": 4}


def merge_phases(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One site per GEM id: the tracker lists a mine's phases (expansions, units) as rows with
    the same id.  Keep the phase with the most active status (producing > suspended >
    proposed > closed), sum the capacity of the phases in that status, and join mine types.
    """
    rank = sites["status"].map(_RANK).fillna(9)
    ordered = sites.assign(_rank=rank).sort_values(["source_id", "_rank"], kind="stable")
    first = ordered.groupby("source_id", sort=False).head(1).set_index("source_id")
    same = ordered[ordered["_rank"] == ordered["source_id"].map(first["_rank"])]
    capacity = same.groupby("source_id")["capacity_mtpa"].sum(min_count=1)
    types = ordered.groupby("source_id")["mine_type"].agg(
        lambda v: "; ".join(sorted({str(t) for t in v if isinstance(t, str)})) or None)
    out = first.assign(capacity_mtpa=capacity, mine_type=types).drop(columns="_rank")
    out = out.reset_index().loc[lambda f: f["site_id"].isin(sites["site_id"])]
    order = {sid: i for i, sid in enumerate(dict.fromkeys(sites["source_id"]))}
    out = out.sort_values("source_id", key=lambda c: c.map(order)).reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=sites.crs)


def read_gem_csv(path: str | Path, *, encoding: str | None = None) -> gpd.GeoDataFrame:
    """The tracker's rows as ``mine_sites`` features (EPSG:4326)."""
    p = require_file(path)
    enc = detect_encoding(p, declared=encoding)
    try:
        raw = pd.read_csv(io.StringIO(p.read_bytes().decode(enc)), dtype=str)
    except pd.errors.ParserError as exc:
        msg = f"{p}: not a readable CSV ({exc}); export it again as CSV"
        raise InputFileError(msg) from exc
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        msg = (f"{p}: not a GEM coal-mine tracker CSV: column(s) {', '.join(missing)} missing "
               f"(found: {', '.join(raw.columns[:12])}); use `gridpatrol import layer "
               "mine_sites FILE --map …` for other mine lists")
        raise InputFileError(msg)
    lat = pd.to_numeric(raw["lat"], errors="coerce")
    lng = pd.to_numeric(raw["lng"], errors="coerce")
    bad = lat.isna() | lng.isna() | ~lat.between(-90, 90) | ~lng.between(-180, 180)
    if bad.any():
        rows = ", ".join(f"{raw['id'][i]} (lat={raw['lat'][i]!r}, lng={raw['lng'][i]!r})"
                         for i in raw.index[bad][:10])
        msg = f"{p}, layer 'mine_sites': bad coordinates in field lat/lng: {rows}; fix them"
        raise ValidationError(msg, [f"feature {raw['id'][i]!r}: lat/lng" for i in raw.index[bad]])
    return merge_phases(gpd.GeoDataFrame({
        "site_id": "gem-" + raw["id"],
        "name": raw["project"],
        "kind": "coal_mine",
        "status": raw["status"].str.lower().map(STATUS).fillna("unknown"),
        "owner": raw.get("owner"),
        "capacity_mtpa": pd.to_numeric(raw.get("capacity"), errors="coerce"),
        "mine_type": raw.get("mine-type"),
        "coal_type": raw.get("coal_type"),
        "coalfield": raw.get("coalfield"),
        "source": "gem-gcmt",
        "source_id": raw["id"],
    }, geometry=shapely.points(lng.to_numpy(), lat.to_numpy()), crs=4326))


def select_mines(mines: gpd.GeoDataFrame, *, bbox: BBox | None = None,
                 within: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """The mines inside *bbox* (degrees) and/or the polygon *within*."""
    keep = pd.Series(True, index=mines.index)
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        x, y = mines.geometry.x, mines.geometry.y
        keep &= x.between(minx, maxx) & y.between(miny, maxy)
    if within is not None:
        keep &= mines.geometry.within(within)
    return mines[keep].reset_index(drop=True)


def import_mines(store: Store, path: str | Path, *, bbox: BBox | None = None,
                 within: str | None = None, encoding: str | None = None) -> int:
    """Upsert the tracker's mines into ``mine_sites`` (optionally only inside an area).

    Parameters
    ----------
    within
        An ``area_id`` of ``admin_areas`` in the store: keep the mines inside it.
    """
    mines = read_gem_csv(path, encoding=encoding)
    area = None
    if within is not None:
        area = store.get("admin_areas", within).geometry
    mines = select_mines(mines, bbox=bbox, within=area)
    with store.transaction() as tx:
        return tx.upsert("mine_sites", mines)
