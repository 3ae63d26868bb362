"""GeoJSON per RFC 7946, both ways.

Out: lon/lat (the store is EPSG:4326), polygons wound right-hand (exterior counter-clockwise,
``shapely.orient_polygons``), coordinates rounded to 6 decimals (~0.1 m), served as
``application/geo+json``.  In: a geometry object is parsed by pydantic (:mod:`api.schemas`),
then checked here with shapely: coordinate ranges, vertex count and validity (422 with
``is_valid_reason``; never repaired silently).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import shapely
from fastapi.responses import Response

from api.errors import BadInputError

MEDIA_TYPE = "application/geo+json"
DECIMALS = 6


class GeoJSONResponse(Response):
    """A response already encoded as GeoJSON text."""

    media_type = MEDIA_TYPE


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    return value


def geometry_texts(geoms: Iterable[Any]) -> list[str]:
    """RFC 7946 geometry JSON texts (right-hand rings, 6 decimals; ``null`` for missing)."""
    arr = np.asarray(list(geoms), dtype=object)
    if not len(arr):
        return []
    missing = shapely.is_missing(arr) | shapely.is_empty(np.where(shapely.is_missing(arr),
                                                                   None, arr))
    arr = np.where(missing, None, arr)
    arr = shapely.orient_polygons(arr)
    arr = shapely.transform(arr, lambda c: np.round(c, DECIMALS))
    texts = shapely.to_geojson(arr)
    return ["null" if t is None else t for t in texts]


def feature_texts(frame: pd.DataFrame, *, id_field: str,
                  drop: Iterable[str] = ()) -> list[str]:
    """One GeoJSON Feature text per row (``id`` = the layer's id field)."""
    dropped = {"geometry", *drop}
    cols = [c for c in frame.columns if c not in dropped]
    geoms = geometry_texts(frame["geometry"]) if "geometry" in frame else ["null"] * len(frame)
    out = []
    for geom, rec in zip(geoms, frame[cols].to_dict("records"), strict=True):
        props = {k: _plain(v) for k, v in rec.items()}
        fid = json.dumps(str(props.get(id_field)), ensure_ascii=False)
        out.append(f'{{"type":"Feature","id":{fid},"geometry":{geom},'
                   f'"properties":{json.dumps(props, ensure_ascii=False)}}}')
    return out


def collection_text(features: list[str], **members: Any) -> str:
    """A FeatureCollection text with extra top-level *members* (numberMatched, links …)."""
    extra = "".join(f',{json.dumps(k)}:{json.dumps(_plain(v), ensure_ascii=False)}'
                    for k, v in members.items())
    return f'{{"type":"FeatureCollection","features":[{",".join(features)}]{extra}}}'


# -- input ----------------------------------------------------------------------------
def to_shape(geometry: dict[str, Any], *, max_vertices: int, what: str = "geometry"
             ) -> shapely.Geometry:
    """A shapely geometry from a parsed GeoJSON geometry, checked; 422 otherwise.

    Raises
    ------
    BadInputError
        Unparseable, out-of-range coordinates (lon in [-180, 180], lat in [-90, 90]), more
        than *max_vertices* vertices, empty, or invalid (with ``is_valid_reason``).
    """
    try:
        geom = shapely.from_geojson(json.dumps(geometry))
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise BadInputError(f"{what} is not valid GeoJSON: {exc}") from None
    coords = shapely.get_coordinates(geom)
    if len(coords) > max_vertices:
        raise BadInputError(f"{what} has {len(coords)} vertices, over the limit of "
                            f"{max_vertices}: simplify it first")
    if geom.is_empty:
        raise BadInputError(f"{what} is empty")
    if not np.isfinite(coords).all() or (np.abs(coords[:, 0]) > 180).any() or \
            (np.abs(coords[:, 1]) > 90).any():
        raise BadInputError(f"{what} has coordinates out of range: give longitude in "
                            "[-180, 180] then latitude in [-90, 90] (WGS 84 degrees)")
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise BadInputError(f"{what} is invalid ({reason}); fix it in the editor, it is not "
                            "repaired automatically", is_valid_reason=reason)
    return geom
