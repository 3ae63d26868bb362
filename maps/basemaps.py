"""Basemaps: none (offline), OpenStreetMap, Tianditu (天地图) and Gaode (高德, GCJ-02).

A map is drawn in ONE coordinate system, the basemap's: WGS 84 / CGCS2000 for none, OSM and
Tianditu (CGCS2000 equals WGS 84 to within a metre: no shift), GCJ-02 for Gaode.  For Gaode
every geometry is shifted to GCJ-02 before it is drawn (:func:`to_display`), and what comes
back from the page (drawn boundaries, clicked points) is shifted back to WGS 84
(:func:`geometry_to_storage`; the page's own script does the same before it posts an edit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import folium
import geopandas as gpd
import shapely
from shapely.geometry import mapping, shape

from gis.crs import shift_geometries
from maps.errors import MapInputError

Basemap = Literal["none", "osm", "tianditu", "gaode"]
BASEMAPS: tuple[str, ...] = ("none", "osm", "tianditu", "gaode")
Offset = Literal["wgs84", "gcj02"]

_OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk={key}"
)
_GAODE = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1&style=8"
    "&x={x}&y={y}&z={z}"
)
#: Background of the offline basemap (no tiles): light, so that colours read well.
OFFLINE_BACKGROUND = "#f4f3ee"
MAX_ZOOM = 19


@dataclass(frozen=True)
class BasemapSettings:
    """Settings a basemap may need.

    Parameters
    ----------
    tianditu_key
        The Tianditu token (``tk``), from ``GRIDPATROL_TIANDITU_KEY``; required for Tianditu.
    tile_url
        An XYZ template (``{z}/{x}/{y}``) that replaces the public tile server of the chosen
        basemap, e.g. an intranet mirror; its tiles must be in that basemap's system.
    """

    tianditu_key: str | None = None
    tile_url: str | None = None


def check_basemap(basemap: str) -> Basemap:
    """Return *basemap* if known, else raise :class:`MapInputError` listing the choices."""
    if basemap not in BASEMAPS:
        msg = f"unknown basemap {basemap!r}: use one of {', '.join(BASEMAPS)}"
        raise MapInputError(msg)
    return basemap  # type: ignore[return-value]


def offset_for(basemap: str) -> Offset:
    """The coordinate system the map is drawn in: ``gcj02`` for Gaode, else ``wgs84``."""
    return "gcj02" if check_basemap(basemap) == "gaode" else "wgs84"


def to_display(frame: gpd.GeoDataFrame, basemap: str) -> gpd.GeoDataFrame:
    """*frame* (EPSG:4326) in the basemap's system: shifted to GCJ-02 for Gaode, else as is."""
    if offset_for(basemap) == "wgs84" or frame.empty:
        return frame
    out = frame.copy()
    out[out.geometry.name] = shift_geometries(
        frame.geometry.values, source="wgs84", target="gcj02"
    )
    return out


def shift_points(lonlat: list[tuple[float, float]], basemap: str) -> list[tuple[float, float]]:
    """Points ``(lon, lat)`` in WGS 84 moved into the basemap's system."""
    if offset_for(basemap) == "wgs84" or not lonlat:
        return list(lonlat)
    geoms = shift_geometries(shapely.points(lonlat), source="wgs84", target="gcj02")
    return [(float(p.x), float(p.y)) for p in geoms]


def geometry_to_storage(geometry: dict[str, Any], basemap: str) -> dict[str, Any]:
    """A GeoJSON geometry drawn on *basemap* moved back to WGS 84 (for edits coming back)."""
    geom = shape(geometry)
    if offset_for(basemap) == "gcj02":
        geom = shift_geometries([geom], source="gcj02", target="wgs84")[0]
    return dict(mapping(geom))


def _tile_url(basemap: Basemap, lang: str, settings: BasemapSettings) -> list[tuple[str, str]]:
    """``(url, attribution)`` per tile layer of *basemap* (the base first)."""
    if basemap == "osm":
        return [(settings.tile_url or _OSM, "© OpenStreetMap contributors")]
    if basemap == "gaode":
        gaode = _GAODE.replace("{lang}", "en" if lang == "en" else "zh_cn")
        return [(settings.tile_url or gaode, "© 高德地图 AutoNavi")]
    if settings.tile_url:
        return [(settings.tile_url, "© 天地图 Tianditu")]
    if not settings.tianditu_key:
        msg = (
            "the Tianditu basemap needs a key: set GRIDPATROL_TIANDITU_KEY (or pass "
            "BasemapSettings(tianditu_key=...)), or use --basemap none|osm|gaode"
        )
        raise MapInputError(msg)
    key = settings.tianditu_key
    notes = "eva" if lang == "en" else "cva"
    return [
        (_TIANDITU.replace("{layer}", "vec").replace("{key}", key), "© 天地图 Tianditu"),
        (_TIANDITU.replace("{layer}", notes).replace("{key}", key), ""),
    ]


def add_basemap(
    m: folium.Map, basemap: str, *, lang: str = "zh", settings: BasemapSettings | None = None
) -> None:
    """Add the tile layers of *basemap* to *m* (nothing for ``none``: a light background)."""
    kind = check_basemap(basemap)
    if kind == "none":
        return
    subdomains = {"tianditu": "01234567", "gaode": "1234"}.get(kind, "abc")
    for i, (url, attribution) in enumerate(_tile_url(kind, lang, settings or BasemapSettings())):
        folium.TileLayer(
            tiles=url,
            attr=attribution or " ",
            name=f"basemap-{kind}-{i}",
            subdomains=subdomains,
            max_zoom=MAX_ZOOM,
            max_native_zoom=18,
            control=False,
            overlay=i > 0,
        ).add_to(m)
