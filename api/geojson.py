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
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import orjson
import pandas as pd
import shapely
from fastapi.responses import Response

from api.errors import BadInputError
from layers.rows import RowPage

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


# -- the lean path: rows (layers.rows) → GeoJSON bytes, no frames -------------------------
_ORJSON = orjson.OPT_NON_STR_KEYS

#: shapely type ids that ``to_ragged_array`` encodes, with their GeoJSON names.
_RAGGED = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
           6: "MultiPolygon"}


def _nest(parts: list[bytes], offsets: tuple[np.ndarray, ...]) -> list[bytes]:
    """Group JSON array texts into arrays of them by ragged *offsets* (innermost first)."""
    for off in offsets:
        bounds = off.tolist()
        parts = [b"[" + b",".join(parts[a:b]) + b"]"
                 for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return parts


def _coordinate_texts(coords: np.ndarray, offsets: tuple[np.ndarray, ...]) -> list[bytes]:
    """Per geometry, its GeoJSON ``coordinates`` text (numpy → orjson, no Python floats)."""
    coords = np.ascontiguousarray(np.round(coords, DECIMALS))
    if not offsets:  # points: one [x, y] each
        text = orjson.dumps(coords, option=orjson.OPT_SERIALIZE_NUMPY)
        return [b"[" + p + b"]" for p in text[2:-2].split(b"],[")] if len(coords) else []
    inner = offsets[0].tolist()
    parts = [orjson.dumps(coords[a:b], option=orjson.OPT_SERIALIZE_NUMPY)
             for a, b in zip(inner[:-1], inner[1:], strict=True)]
    return _nest(parts, offsets[1:])


def geometry_bytes(wkb: Sequence[bytes | None]) -> list[bytes]:
    """RFC 7946 geometry texts from WKB (right-hand rings, 6 decimals; ``null`` if missing).

    Vectorised: one ``to_ragged_array`` for the page, coordinates rounded in numpy and
    written by orjson; a page mixing geometry types falls back to :func:`geometry_texts`.
    """
    out = [b"null"] * len(wkb)
    if not len(wkb):
        return out
    geoms = shapely.from_wkb(np.array(wkb, dtype=object))
    keep = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not len(keep):
        return out
    geoms = shapely.orient_polygons(geoms[keep])
    types = np.unique(shapely.get_type_id(geoms))
    if len(types) > 1 or int(types[0]) not in _RAGGED:
        for i, text in zip(keep.tolist(), geometry_texts(geoms), strict=True):
            out[i] = text.encode()
        return out
    _, coords, offsets = shapely.to_ragged_array(geoms)
    head = b'{"type":"' + _RAGGED[int(types[0])].encode() + b'","coordinates":'
    for i, c in zip(keep.tolist(), _coordinate_texts(coords, offsets), strict=True):
        out[i] = head + c + b"}"
    return out


class GeometryCache:
    """Encoded geometries by their WKB, bounded in size; safe to share between threads.

    A map client asks for the same features over and over as users pan (the same units,
    grids and zones in overlapping viewports), and encoding a geometry costs more than
    reading it.  The key is the WKB itself, so an edited geometry is a new key: nothing to
    invalidate.  Over *max_bytes* (keys + texts) the cache is emptied and refills.
    """

    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._texts: dict[bytes, bytes] = {}
        self._size = 0
        self._lock = threading.Lock()

    def encode(self, wkb: Sequence[bytes | None]) -> list[bytes]:
        """:func:`geometry_bytes` of *wkb*, from the cache where possible."""
        texts = self._texts
        out = [b"null" if w is None else texts.get(w) for w in wkb]
        miss = [i for i, t in enumerate(out) if t is None]
        if not miss:
            return out  # type: ignore[return-value]
        fresh = geometry_bytes([wkb[i] for i in miss])
        with self._lock:
            if self._size > self.max_bytes:
                texts.clear()
                self._size = 0
            for i, text in zip(miss, fresh, strict=True):
                out[i] = texts[wkb[i]] = text  # type: ignore[index]
                self._size += len(text) + len(wkb[i])  # type: ignore[arg-type]
        return out  # type: ignore[return-value]


def page_bytes(page: RowPage, *, id_field: str, links: list[dict[str, str]],
               cache: GeometryCache | None = None) -> bytes:
    """A FeatureCollection page (OGC API Features members) as UTF-8 GeoJSON bytes.

    ``numberMatched`` is ``page.matched``; feature ``id`` is the layer's id field as text.
    """
    if page.wkb is None:
        geoms = [b"null"] * len(page.rows)
    else:
        geoms = cache.encode(page.wkb) if cache is not None else geometry_bytes(page.wkb)
    fields = page.fields
    at = fields.index(id_field) if id_field in fields else None
    dumps = orjson.dumps
    features = [b'{"type":"Feature","id":' + dumps(str(row[at] if at is not None else None))
                + b',"geometry":' + geom + b',"properties":'
                + dumps(dict(zip(fields, row, strict=True)), option=_ORJSON) + b"}"
                for row, geom in zip(page.rows, geoms, strict=True)]
    tail = dumps({"numberMatched": page.matched, "numberReturned": len(features),
                  "links": links})
    return b'{"type":"FeatureCollection","features":[' + b",".join(features) + b"]," + tail[1:]


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
