"""Values between frames and database rows, shared by both backends.

Both backends write the same Python values (``None`` for null, ISO-8601 UTC text for
datetimes in GeoPackage, JSON text for ``json`` fields) and read back frames with the same
dtypes, so the contract tests can compare them directly.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.schemas import STORAGE_EPSG, FieldType, LayerSchema

log = logging.getLogger(__name__)


def _is_null(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def to_datetime_utc(value: Any) -> datetime:
    """Parse a timestamp; naive values are taken as UTC."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def encode_value(value: Any, type_: FieldType, *, datetime_as_text: bool) -> Any:
    """One Python value ready for a database parameter (``None`` for null)."""
    if _is_null(value):
        return None
    if type_ == "str":
        return str(value)
    if type_ == "int":
        return int(value)
    if type_ == "float":
        return float(value)
    if type_ == "bool":
        return bool(value)
    if type_ == "datetime":
        dt = to_datetime_utc(value)
        if datetime_as_text:
            return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
        return dt
    if type_ == "json":
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    msg = f"unknown field type {type_!r}"
    raise ValueError(msg)


def encode_columns(schema: LayerSchema, frame: pd.DataFrame, *, datetime_as_text: bool
                   ) -> list[list[Any]]:
    """Per-field lists of database values, in the schema's field order."""
    out = []
    for f in schema.fields:
        col = frame[f.name] if f.name in frame.columns else [None] * len(frame)
        out.append([encode_value(v, f.type, datetime_as_text=datetime_as_text) for v in col])
    return out


def _decode_json(value: Any) -> Any:
    if _is_null(value):
        return None
    return json.loads(value) if isinstance(value, str | bytes) else value


def _decode_strings(raw: list[Any]) -> pd.Series:
    """Text values (``None`` for null), without a Python call per value when all are text."""
    values = pd.Series(raw, dtype="object")
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.where(values.notna(), None)
    return pd.Series([None if _is_null(v) else str(v) for v in raw], dtype="object")


def decode_times(schema: LayerSchema, name: str, raw: Sequence[Any],
                 ids: Sequence[Any]) -> pd.Series:
    """Stored times as UTC datetimes; a value that cannot be read becomes missing and is logged.

    One bad row (e.g. a year written without its leading zeros) must not make the whole layer
    unreadable: readers that need the time skip such rows.
    """
    values = pd.Series(raw, dtype="object")
    times = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
    bad = np.flatnonzero(times.isna().to_numpy() & values.notna().to_numpy())
    if len(bad):
        shown = ", ".join(f"{ids[i] if i < len(ids) else i!s}={values.iloc[i]!r}"
                          for i in bad[:5])
        log.warning("layer %r field %r: %d value(s) are not ISO 8601 times and read as missing "
                    "(%s%s); rewrite them as YYYY-MM-DDTHH:MM:SS.sssZ", schema.name, name,
                    len(bad), shown, " …" if len(bad) > 5 else "")
    return times


def decode_frame(schema: LayerSchema, columns: dict[str, Sequence[Any]],
                 geometries: Sequence[Any] | None) -> pd.DataFrame:
    """A frame with the schema's dtypes from raw column values and shapely geometries."""
    data: dict[str, Any] = {}
    for f in schema.fields:
        raw = list(columns.get(f.name, []))
        if f.type == "int":
            data[f.name] = pd.array([None if _is_null(v) else int(v) for v in raw], dtype="Int64")
        elif f.type == "float":
            data[f.name] = pd.array([np.nan if _is_null(v) else float(v) for v in raw],
                                    dtype="float64")
        elif f.type == "bool":
            data[f.name] = pd.array([None if _is_null(v) else bool(v) for v in raw],
                                    dtype="boolean")
        elif f.type == "datetime":
            data[f.name] = decode_times(schema, f.name, raw, columns.get(schema.id_field, []))
        elif f.type == "json":
            data[f.name] = pd.Series([_decode_json(v) for v in raw], dtype="object")
        else:
            data[f.name] = _decode_strings(raw)
    frame = pd.DataFrame({k: pd.Series(v).reset_index(drop=True) for k, v in data.items()})
    if len(frame.columns) == 0:
        frame = pd.DataFrame(index=pd.RangeIndex(0))
    if not schema.is_spatial:
        return frame
    geoms = np.asarray(geometries if geometries is not None else [], dtype=object)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=STORAGE_EPSG),
                            crs=STORAGE_EPSG)


def empty_frame(schema: LayerSchema) -> pd.DataFrame:
    """An empty frame with the schema's columns and dtypes."""
    return decode_frame(schema, {}, [] if schema.is_spatial else None)


def wkb_list(frame: pd.DataFrame) -> list[bytes | None]:
    """Little-endian ISO WKB of each geometry (``None`` for missing or empty)."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    wkb = shapely.to_wkb(geoms, byte_order=1, flavor="iso")
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    return [None if e else bytes(b) for b, e in zip(wkb, empty, strict=True)]
