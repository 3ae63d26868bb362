"""The offline basemap: the store's own OpenStreetMap layers drawn under every map, no tiles.

Roads by class, rivers and streams, lakes and reservoirs, forests, built-up areas, railways and
place names (Chinese where the data has ``name:zh``), simplified for three levels of detail so
that a county stays light:

=====  =========  ===========  ===============================================================
level  zooms      tolerance    what
=====  =========  ===========  ===============================================================
0      ≤ 11       40 m         motorways, trunk, primary, secondary and tertiary roads, rivers,
                               rail, lakes ≥ 10 ha, forests ≥ 25 ha, merged settlements, towns
                               and villages
1      12–13      8 m          + minor roads, streams, lakes ≥ 0.5 ha, forests ≥ 2 ha, suburbs
2      ≥ 14       2 m          + service roads and tracks, ditches, everything, hamlets
=====  =========  ===========  ===============================================================

:func:`build_basemap` is pure (frames in, a JSON-able dict out) and deterministic, so the
same layers give the same bytes and the same :func:`content_hash`: the web service serves it
at a URL named by that hash (cached for good), the saved maps embed it, and the field app
stores the basemap of a route's surroundings in its day package.

The format is compact: per level, each drawing class is a list of geometries whose
coordinates are integers (degrees × ``scale``) delta-encoded from an ``origin``; a polygon is a
list of rings (outer first), a line one flat list ``[x0, y0, dx1, dy1, …]``.  The page's
``basemap.js`` decodes it.  Coordinates are WGS 84 (EPSG:4326); a Gaode page shifts them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS, metric_crs_for_bounds

FORMAT_VERSION = 1
#: The store layers the basemap is drawn from.
LAYERS: tuple[str, ...] = ("roads", "waterways", "water_areas", "fire_zones",
                           "residential_areas", "barriers", "places")
BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Level:
    """One level of detail: the zooms it serves, its tolerance (m) and quantisation."""

    min_zoom: int
    max_zoom: int
    tolerance_m: float
    scale: int


LEVELS: tuple[Level, ...] = (Level(0, 11, 40.0, 10_000), Level(12, 13, 8.0, 100_000),
                             Level(14, 22, 2.0, 100_000))
#: Drawing classes, bottom to top (the page draws them in this order).
POLYGON_CLASSES = ("built", "forest", "water")
LINE_CLASSES = ("ditch", "stream", "river", "rail", "track", "minor", "tertiary", "major",
                "motorway")
#: OSM highway → (line class, first level).
ROAD_CLASSES: dict[str, tuple[str, int]] = {
    "motorway": ("motorway", 0), "trunk": ("motorway", 0), "motorway_link": ("motorway", 1),
    "trunk_link": ("motorway", 1), "primary": ("major", 0), "secondary": ("major", 0),
    "primary_link": ("major", 1), "secondary_link": ("major", 1), "tertiary": ("tertiary", 0),
    "tertiary_link": ("tertiary", 1), "unclassified": ("minor", 1),
    "residential": ("minor", 1), "living_street": ("minor", 1), "road": ("minor", 1),
    "service": ("track", 2), "track": ("track", 2),
}
WATERWAY_CLASSES: dict[str, tuple[str, int]] = {
    "river": ("river", 0), "canal": ("river", 0), "stream": ("stream", 1),
    "ditch": ("ditch", 2), "drain": ("ditch", 2),
}
#: Smallest polygon kept per level, m² (water, forest, built-up).
MIN_AREA: dict[str, tuple[float, float, float]] = {
    "water": (100_000.0, 5_000.0, 0.0), "forest": (250_000.0, 20_000.0, 0.0),
    "built": (50_000.0, 2_000.0, 0.0)}
#: OSM place → (label rank, first level): rank 0 is placed first.
PLACE_RANKS: dict[str, tuple[int, int]] = {
    "city": (0, 0), "town": (0, 0), "village": (1, 0), "suburb": (2, 1), "quarter": (3, 2),
    "neighbourhood": (3, 2), "hamlet": (3, 2), "isolated_dwelling": (4, 2),
}
#: Settlements merge into blobs at level 0 when closer than twice this, metres.
_MERGE_M = 60.0


def _frame(layers: Mapping[str, pd.DataFrame | None], name: str) -> gpd.GeoDataFrame | None:
    frame = layers.get(name)
    if frame is None or len(frame) == 0 or "geometry" not in frame.columns:
        return None
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=getattr(frame, "crs", None) or 4326)
    out = out if out.crs is None or out.crs.to_epsg() == 4326 else out.to_crs(STORAGE_CRS)
    return out[~(out.geometry.isna() | out.geometry.is_empty)]


def bounds_of(layers: Mapping[str, pd.DataFrame | None]) -> BBox | None:
    """The extent ``(minx, miny, maxx, maxy)`` of the basemap layers in *layers*, degrees."""
    boxes = [f.total_bounds for n in LAYERS if (f := _frame(layers, n)) is not None]
    if not boxes:
        return None
    arr = np.array(boxes)
    return (float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()),
            float(arr[:, 3].max()))


class _Projector:
    """Clip to the bbox, then to and from the local metric CRS."""

    def __init__(self, bbox: BBox) -> None:
        self.bbox = bbox
        self.crs = metric_crs_for_bounds(bbox)

    def metric(self, geoms: np.ndarray) -> np.ndarray:
        clipped = shapely.clip_by_rect(geoms, *self.bbox)
        clipped = clipped[~shapely.is_empty(clipped)]
        return np.asarray(gpd.GeoSeries(clipped, crs=STORAGE_CRS).to_crs(self.crs).values)

    def degrees(self, geoms: np.ndarray) -> np.ndarray:
        return np.asarray(gpd.GeoSeries(geoms, crs=self.crs).to_crs(STORAGE_CRS).values)


def _lines_by_class(layers: Mapping[str, pd.DataFrame | None]
                    ) -> dict[str, list[tuple[int, np.ndarray]]]:
    """``{class: [(first level, geometries)]}`` of the line layers."""
    out: dict[str, list[tuple[int, np.ndarray]]] = {c: [] for c in LINE_CLASSES}
    for layer, column, table in (("roads", "highway", ROAD_CLASSES),
                                 ("waterways", "kind", WATERWAY_CLASSES)):
        frame = _frame(layers, layer)
        if frame is None or column not in frame.columns:
            continue
        for value, (cls, first) in table.items():
            sel = frame.geometry[frame[column].astype(str) == value]
            if len(sel):
                out[cls].append((first, np.asarray(sel.values)))
    rail = _frame(layers, "barriers")
    if rail is not None and "kind" in rail.columns:
        out["rail"].append((0, np.asarray(rail.geometry[rail["kind"] == "rail"].values)))
    return out


def _polygon_sources(layers: Mapping[str, pd.DataFrame | None]) -> dict[str, np.ndarray]:
    names = {"water": "water_areas", "forest": "fire_zones", "built": "residential_areas"}
    out = {}
    for cls, layer in names.items():
        frame = _frame(layers, layer)
        if frame is not None:
            geoms = np.asarray(frame.geometry.values)
            out[cls] = geoms[shapely.get_type_id(geoms) >= 3]
    return out


def _simplify_polygons(geoms: np.ndarray, cls: str, level: int, tol: float) -> np.ndarray:
    """Polygons (metric) of *cls* kept at *level*: merged, filtered by area, simplified."""
    if len(geoms) == 0:
        return geoms
    if cls == "built" and level == 0:
        merged = shapely.union_all(shapely.buffer(geoms, _MERGE_M, quad_segs=2))
        geoms = np.asarray(shapely.get_parts(shapely.buffer(merged, -_MERGE_M, quad_segs=2)))
    geoms = geoms[shapely.area(geoms) >= MIN_AREA[cls][level]]
    out = shapely.simplify(geoms, tol, preserve_topology=True)
    out = shapely.make_valid(out) if not shapely.is_valid(out).all() else out
    return out[shapely.area(out) >= max(tol * tol, 1.0)]


def _quantised_parts(geom: Any, scale: int) -> list[np.ndarray]:
    """The rings or lines of *geom* as ``(n, 2)`` int arrays (consecutive repeats dropped)."""
    parts = []
    for g in shapely.get_parts(geom):
        rings = ([g.exterior, *g.interiors] if g.geom_type == "Polygon" else [g])
        for ring in rings:
            xy = np.round(np.asarray(ring.coords)[:, :2] * scale).astype(np.int64)
            keep = np.ones(len(xy), dtype=bool)
            keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
            xy = xy[keep]
            if len(xy) >= (4 if g.geom_type == "Polygon" else 2):
                parts.append(xy)
    return parts


def _delta(xy: np.ndarray, origin: np.ndarray) -> list[int]:
    """``[x0 - ox, y0 - oy, dx1, dy1, …]``."""
    d = np.diff(xy, axis=0, prepend=origin[None, :])
    return [int(v) for v in d.ravel()]


def _encode_polygons(geoms: np.ndarray, scale: int, origin: np.ndarray) -> list[list[list[int]]]:
    out = []
    for geom in geoms:
        for poly in shapely.get_parts(geom):
            if poly.geom_type != "Polygon":
                continue
            rings = _quantised_parts(poly, scale)
            if rings:
                out.append([_delta(r, origin) for r in rings])
    return out


def _encode_lines(geoms: np.ndarray, scale: int, origin: np.ndarray) -> list[list[int]]:
    return [_delta(xy, origin) for g in geoms for xy in _quantised_parts(g, scale)]


def _level(index: int, level: Level, proj: _Projector,
           polys: dict[str, np.ndarray], lines: dict[str, list[tuple[int, np.ndarray]]]
           ) -> dict[str, Any]:
    origin = np.floor(np.array(proj.bbox[:2]) * level.scale).astype(np.int64)
    out_p: dict[str, Any] = {}
    for cls in POLYGON_CLASSES:
        geoms = _simplify_polygons(polys.get(cls, np.empty(0, dtype=object)), cls, index,
                                   level.tolerance_m)
        enc = _encode_polygons(proj.degrees(geoms), level.scale, origin) if len(geoms) else []
        if enc:
            out_p[cls] = enc
    out_l: dict[str, Any] = {}
    for cls in LINE_CLASSES:
        parts = [g for first, g in lines[cls] if first <= index]
        geoms = np.concatenate(parts) if parts else np.empty(0, dtype=object)
        if len(geoms):
            geoms = shapely.simplify(geoms, level.tolerance_m)
            geoms = geoms[~shapely.is_empty(geoms)]
        enc = _encode_lines(proj.degrees(geoms), level.scale, origin) if len(geoms) else []
        if enc:
            out_l[cls] = enc
    return {"zoom": [level.min_zoom, level.max_zoom], "scale": level.scale,
            "origin": [int(origin[0]), int(origin[1])], "polygons": out_p, "lines": out_l}


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _labels(layers: Mapping[str, pd.DataFrame | None], bbox: BBox) -> list[list[Any]]:
    """``[lon, lat, name, name_zh, rank, first level]`` per named place inside *bbox*."""
    places = _frame(layers, "places")
    if places is None or "place" not in places.columns:
        return []
    out = []
    for row in places.itertuples(index=False):
        rank = PLACE_RANKS.get(str(row.place))
        name, name_zh = _text(getattr(row, "name", None)), _text(getattr(row, "name_zh", None))
        p = row.geometry
        if rank is None or not (name or name_zh) or p is None or p.geom_type != "Point":
            continue
        if not (bbox[0] <= p.x <= bbox[2] and bbox[1] <= p.y <= bbox[3]):
            continue
        out.append([round(p.x, 5), round(p.y, 5), name, name_zh, rank[0], rank[1]])
    out.sort(key=lambda r: (r[4], r[2] or r[3] or ""))
    return out


def build_basemap(layers: Mapping[str, pd.DataFrame | None], *, bbox: BBox | None = None,
                  margin_m: float = 500.0) -> dict[str, Any]:
    """The offline basemap of *layers* inside *bbox*, as a JSON-able dict.

    Parameters
    ----------
    layers
        Frames in EPSG:4326 by store layer name (:data:`LAYERS`; missing ones are skipped):
        ``roads`` (``highway``), ``waterways`` (``kind``), ``water_areas``, ``fire_zones``
        (forests), ``residential_areas``, ``barriers`` (``kind`` = rail) and ``places``
        (``place``, ``name``, ``name_zh``).
    bbox
        ``(minx, miny, maxx, maxy)`` in degrees; default: the extent of the layers.
    margin_m
        Kept around *bbox*, metres (so that panning a little still shows the land).

    Returns ``{"version", "bbox", "levels": [...], "labels": [...], "hash"}``; an empty basemap
    (no levels' content) when the layers hold nothing inside *bbox*.
    """
    box = bbox or bounds_of(layers) or (0.0, 0.0, 0.0, 0.0)
    pad_y = margin_m / 111_320.0
    pad_x = pad_y / max(np.cos(np.radians((box[1] + box[3]) / 2)), 0.05)
    box = (box[0] - pad_x, box[1] - pad_y, box[2] + pad_x, box[3] + pad_y)
    proj = _Projector(box)
    polys = {c: proj.metric(g) for c, g in _polygon_sources(layers).items()}
    lines = {c: [(f, proj.metric(g)) for f, g in parts]
             for c, parts in _lines_by_class(layers).items()}
    data: dict[str, Any] = {
        "version": FORMAT_VERSION, "bbox": [round(float(v), 6) for v in box],
        "levels": [_level(i, lv, proj, polys, lines) for i, lv in enumerate(LEVELS)],
        "labels": _labels(layers, box)}
    data["hash"] = content_hash(data)
    return data


def content_hash(data: Mapping[str, Any]) -> str:
    """The first 20 hex digits of the SHA-256 of *data*'s canonical JSON (``hash`` left out)."""
    body = {k: v for k, v in data.items() if k != "hash"}
    return hashlib.sha256(to_json(body)).hexdigest()[:20]


def to_json(data: Mapping[str, Any]) -> bytes:
    """*data* as compact, canonical UTF-8 JSON (the bytes that are hashed and served)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode("utf-8")
