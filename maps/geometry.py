"""Display geometry: simplified as a coverage, shifted to the basemap, rounded, as GeoJSON.

Polygon layers that tile the area (grids, units, villages) are simplified together with
:func:`shapely.coverage_simplify`, so that neighbours keep their shared edges (per-feature
simplification opens gaps); layers whose polygons overlap fall back to per-feature
topology-preserving simplification.  Coordinates are rounded to 6 decimals (~0.1 m).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from gis.crs import STORAGE_CRS, is_storage_crs, metric_crs
from maps.basemaps import to_display

PRECISION = 6


def in_storage_crs(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """*frame* in EPSG:4326 (CGCS2000 accepted as equal); a frame with no CRS is assumed so."""
    if frame.crs is None:
        return frame.set_crs(STORAGE_CRS)
    if is_storage_crs(frame.crs):
        return frame
    return frame.to_crs(STORAGE_CRS)


def simplify(geoms: np.ndarray, tolerance_m: float, crs: Any) -> np.ndarray:
    """Simplify polygons in metres, together when they form a valid coverage.

    Parameters
    ----------
    geoms
        Polygons in EPSG:4326.
    tolerance_m
        Tolerance in metres (0 keeps the geometry).
    crs
        The metric CRS to simplify in.
    """
    if tolerance_m <= 0 or len(geoms) == 0:
        return geoms
    series = gpd.GeoSeries(geoms, crs=STORAGE_CRS).to_crs(crs)
    values = np.asarray(series.values)
    polygonal = shapely.get_type_id(values) >= 3
    if polygonal.all() and bool(shapely.coverage_is_valid(values)):
        out = shapely.coverage_simplify(values, tolerance_m)
    else:
        out = shapely.simplify(values, tolerance_m, preserve_topology=True)
    return np.asarray(gpd.GeoSeries(out, crs=crs).to_crs(STORAGE_CRS).values)


def round_coords(geoms: np.ndarray, precision: int = PRECISION) -> np.ndarray:
    """Geometries with every coordinate rounded to *precision* decimals."""
    return shapely.transform(np.asarray(geoms), lambda xy: np.round(xy, precision))


def json_value(value: Any) -> Any:
    """A pandas/numpy cell as a JSON-safe Python value (NaN and NaT become ``None``)."""
    if isinstance(value, (list, tuple, dict)):
        return value
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return round(f, 4) if math.isfinite(f) else None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    return value if isinstance(value, (int, str)) else str(value)


def feature_collection(
    frame: gpd.GeoDataFrame,
    *,
    columns: Sequence[str],
    basemap: str = "none",
    tolerance_m: float = 0.0,
    id_field: str | None = None,
) -> dict[str, Any]:
    """*frame* as a GeoJSON FeatureCollection ready to draw.

    Parameters
    ----------
    frame
        Features in EPSG:4326 (others are reprojected).
    columns
        Properties to keep (those absent from the frame are skipped).
    basemap
        The basemap the map is drawn on (Gaode shifts to GCJ-02).
    tolerance_m
        Simplification tolerance in metres for polygons (0 = none).
    id_field
        Column copied to each feature's ``id``.
    """
    if frame is None or frame.empty:
        return {"type": "FeatureCollection", "features": []}
    frame = in_storage_crs(frame)
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if frame.empty:
        return {"type": "FeatureCollection", "features": []}
    geoms = np.asarray(frame.geometry.values)
    geoms = simplify(geoms, tolerance_m, metric_crs(frame))
    shown = to_display(gpd.GeoDataFrame(geometry=geoms, crs=STORAGE_CRS), basemap)
    geoms = round_coords(np.asarray(shown.geometry.values))
    keep = [c for c in columns if c in frame.columns]
    records = frame[keep].to_dict("records") if keep else [{} for _ in range(len(frame))]
    features = []
    for geom, record in zip(geoms, records, strict=True):
        if geom is None or geom.is_empty:
            continue
        feature: dict[str, Any] = {
            "type": "Feature",
            "properties": {k: json_value(v) for k, v in record.items()},
            "geometry": mapping(geom),
        }
        if id_field and id_field in record:
            feature["id"] = json_value(record[id_field])
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}
