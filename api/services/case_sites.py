"""Where a case lies: its site's kind, name and point, and the grid, village and township.

A case is placed at its site (a mine's point, a polygon's representative point) and carries
the grid, village and township that hold that point (the nearest when none does), so that
lists filter by place and leaders' scopes apply without a spatial query per read.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from api.errors import NotFoundError
from gis.coverage import locate
from layers.store import Reader

#: ``layer → (id field, site kind when the layer has no kind column)``.
SITE_LAYERS = {"mine_sites": ("site_id", None), "fire_zones": ("zone_id", "fire_zone"),
               "checkpoints": ("checkpoint_id", "checkpoint"), "grids": ("grid_id", "grid"),
               "admin_areas": ("area_id", None), "offices": ("office_id", "office"),
               "places": ("place_id", "place")}


def find_site(store: Reader, site_id: str) -> tuple[str, pd.Series]:
    """``(layer, row)`` of *site_id*; 404 naming the site kinds when it is unknown."""
    for layer in SITE_LAYERS:
        frame = store.read(layer, ids=[site_id])
        if not frame.empty:
            return layer, frame.iloc[0]
    msg = (f"no site {site_id!r}: give the id of a mine, fire zone, checkpoint, grid or "
           "village")
    raise NotFoundError(msg)


def _covering(store: Reader, layer: str, point: shapely.Point, id_field: str,
              where: dict[str, Any] | None = None) -> str | None:
    box = (point.x, point.y, point.x, point.y)
    frame = store.read(layer, bbox=box, where=where)
    hit = frame[frame.geometry.covers(point)] if len(frame) else frame
    if len(hit):
        return str(hit[id_field].iloc[0])
    every = store.read(layer, where=where)
    if every.empty:
        return None
    here = gpd.GeoDataFrame(geometry=[point], crs=4326)
    found = locate(here, gpd.GeoDataFrame(every, geometry="geometry", crs=4326),
                   area_field=id_field)
    return None if found.iloc[0] is None else str(found.iloc[0])


def place_of(store: Reader, site_id: str) -> dict[str, Any]:
    """The case fields that place a case at *site_id*: ``site_kind``, ``site_name``,
    ``grid_id``, ``village_id``, ``township_id`` and ``geometry`` (a point, EPSG:4326)."""
    layer, row = find_site(store, site_id)
    geom = row.geometry
    point = geom if geom.geom_type == "Point" else geom.representative_point()
    id_field, kind = SITE_LAYERS[layer]
    kind = kind or str(row.get("kind") or row.get("level") or layer)
    name = row.get("name") if layer != "grids" else row.get("code")
    out: dict[str, Any] = {"site_id": site_id, "site_kind": kind,
                           "site_name": None if pd.isna(name) else str(name),
                           "geometry": point, "grid_id": None, "village_id": None,
                           "township_id": None}
    if layer == "admin_areas" and kind == "township":
        out["township_id"] = site_id
        return out
    if layer == "admin_areas":
        out["village_id"] = site_id
    elif layer == "grids":
        out["grid_id"], out["village_id"] = site_id, str(row["village_id"])
    else:
        out["grid_id"] = _covering(store, "grids", point, "grid_id")
        out["village_id"] = _covering(store, "admin_areas", point, "area_id",
                                      {"level": "village"})
    if out["village_id"] is not None:
        parent = store.read("admin_areas", ids=[out["village_id"]])
        if len(parent) and isinstance(parent["parent_id"].iloc[0], str):
            out["township_id"] = str(parent["parent_id"].iloc[0])
    if out["township_id"] is None:
        out["township_id"] = _covering(store, "admin_areas", point, "area_id",
                                       {"level": "township"})
    return out
