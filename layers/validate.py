"""Conform a frame to its layer's schema, collecting every problem and raising once."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gis import validate as gv
from layers.codec import to_datetime_utc
from layers.errors import ValidationError
from layers.schemas import STORAGE_EPSG, Field, LayerSchema

log = logging.getLogger(__name__)
MAX_LISTED = 20


def _coerce_bool(v: Any) -> bool:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer | float) and v in (0, 1):
        return bool(v)
    s = str(v).strip().lower()
    if s in ("1", "true", "t", "yes", "y", "是"):
        return True
    if s in ("0", "false", "f", "no", "n", "否"):
        return False
    raise ValueError(v)


def _coerce_int(v: Any) -> int:
    f = float(v)
    if not f.is_integer():
        raise ValueError(v)
    return int(f)


def _coerce_json(v: Any) -> Any:
    return json.loads(v) if isinstance(v, str) else v


_COERCE: dict[str, Callable[[Any], Any]] = {
    "str": str,
    "int": _coerce_int,
    "float": float,
    "bool": _coerce_bool,
    "datetime": to_datetime_utc,
    "json": _coerce_json,
}


def _null(v: Any) -> bool:
    if isinstance(v, list | dict | tuple):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _where(source: str, layer: str) -> str:
    return f"{source}, layer {layer!r}" if source else f"layer {layer!r}"


def _label(ids: list[str], i: int) -> str:
    return f"feature {ids[i]!r}" if ids[i] not in ("", "None") else f"feature #{i + 1}"


def _coerce_field(frame: pd.DataFrame, f: Field, ids: list[str], problems: list[str]) -> list:
    values = list(frame[f.name]) if f.name in frame.columns else [None] * len(frame)
    out = []
    for i, v in enumerate(values):
        if _null(v):
            if f.required:
                problems.append(f"{_label(ids, i)}: field {f.name!r} is empty (required)")
            out.append(None)
            continue
        try:
            out.append(_COERCE[f.type](v))
        except (TypeError, ValueError, OverflowError):
            problems.append(f"{_label(ids, i)}: field {f.name!r} = {v!r} is not a valid {f.type}")
            out.append(None)
    return out


def _check_geometry(frame: pd.DataFrame, schema: LayerSchema, ids: list[str],
                    problems: list[str], repair: bool) -> np.ndarray:
    if "geometry" not in frame.columns and not isinstance(frame, gpd.GeoDataFrame):
        problems.append("there is no geometry column")
        return np.array([None] * len(frame), dtype=object)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    found = gv.check_present(geoms) + gv.check_type(geoms, schema.geometry_type)
    found += gv.check_lonlat_range(geoms)
    bad = {i for i, _ in found}
    ok = np.array([i not in bad for i in range(len(geoms))])
    geoms = gv.promote(geoms, schema.geometry_type)
    if repair:
        fixed, repaired = gv.repair_all(np.where(ok, geoms, None), schema.geometry_type)
        for i in repaired:
            log.warning("%s: repaired invalid geometry with make_valid (as asked)", _label(ids, i))
        geoms = np.where(ok, fixed, geoms)
    else:
        found += gv.check_valid(np.where(ok, geoms, None))
    found.sort()
    problems.extend(f"{_label(ids, i)}: {msg}" for i, msg in found)
    return geoms


def conform(frame: pd.DataFrame, schema: LayerSchema, *, source: str = "",
            repair: bool = False) -> pd.DataFrame:
    """Return *frame* with exactly the schema's columns, coerced types, checked geometry.

    Raises :class:`ValidationError` listing every problem (missing required fields, empty
    required values, values of the wrong type, duplicate ids, missing/wrong-type/out-of-range/
    invalid geometries).  Invalid geometries are repaired only when *repair* is true.
    """
    where = _where(source, schema.name)
    missing = [f.name for f in schema.fields if f.required and f.name not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns.drop("geometry", errors="ignore"))) or "none"
        msg = (f"{where}: required field(s) {', '.join(missing)} missing (the input has: "
               f"{have}); map them with --map {missing[0]}=<column>")
        raise ValidationError(msg, [f"field {m!r} is missing" for m in missing])
    ids = [str(v) for v in frame[schema.id_field]]
    problems: list[str] = []
    data = {f.name: _coerce_field(frame, f, ids, problems) for f in schema.fields}
    dup = pd.Series(ids)[pd.Series(ids).duplicated()].unique().tolist()
    problems.extend(f"feature {d!r}: id {schema.id_field!r} is duplicated" for d in dup)
    geoms = _check_geometry(frame, schema, ids, problems, repair) if schema.is_spatial else None
    if problems:
        listed = "; ".join(problems[:MAX_LISTED])
        more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
        fix = " Fix the features named, or pass --repair to repair invalid geometries." if any(
            "invalid geometry" in p for p in problems) else " Fix the features named and retry."
        msg = f"{where}: {len(problems)} problem(s): {listed}{more}.{fix} Nothing was written."
        raise ValidationError(msg, problems)
    out = pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in data.items()})
    if geoms is None:
        return out
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, crs=STORAGE_EPSG),
                            crs=STORAGE_EPSG)
