"""Coordinate reference systems: the storage CRS, metric CRSs, and China's offset systems.

GCJ-02 (the "Mars" offset used by Gaode/AutoNavi and Tencent) and BD-09 (Baidu) are not
in PROJ, so they are implemented here, vectorised with NumPy.  The forward formula is the
public one (also in ``prcoords`` and ``eviltransform``); the inverse is a fixed-point
iteration that converges to < 1e-9° in a few steps.  Outside mainland China GCJ-02 equals
WGS 84, as in every implementation of it.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS

from gis.errors import CRSError

STORAGE_CRS = CRS.from_epsg(4326)
_EQUIVALENT = {4326, 4490}
OffsetSystem = Literal["gcj02", "bd09"]
OFFSET_SYSTEMS: tuple[str, ...] = ("gcj02", "bd09")

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def _out_of_china(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    x, y = lon - 105.0, lat - 35.0
    sx = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx
    dlat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx
    dlon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = ~_out_of_china(lon, lat)
    return dlon * inside, dlat * inside


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    """Shift WGS 84 longitudes/latitudes (degrees) to GCJ-02."""
    lo, la = _arrays(lon, lat)
    dlon, dlat = _delta(lo, la)
    return lo + dlon, la + dlat


def _invert(forward, lon: ArrayLike, lat: ArrayLike, tol: float = 1e-11  # noqa: ANN001
            ) -> tuple[NDArray, NDArray]:
    """Invert a near-identity shift *forward* by fixed-point iteration."""
    tlo, tla = _arrays(lon, lat)
    wlo, wla = tlo.copy(), tla.copy()
    for _ in range(30):
        flo, fla = forward(wlo, wla)
        elo, ela = flo - tlo, fla - tla
        wlo, wla = wlo - elo, wla - ela
        if np.all(np.abs(elo) < tol) and np.all(np.abs(ela) < tol):
            break
    return wlo, wla


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration (error < 1e-10°)."""
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    """Shift GCJ-02 coordinates to Baidu's BD-09."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    """Invert :func:`gcj02_to_bd09` by fixed-point iteration (error < 1e-10°)."""
    return _invert(gcj02_to_bd09, lon, lat)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    """BD-09 → WGS 84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    """WGS 84 → BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


_TO_WGS = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def _apply(geoms: ArrayLike, func) -> NDArray:  # noqa: ANN001
    def transform(xy: NDArray) -> NDArray:
        x, y = func(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms), transform)


def shift_geometries(geoms: ArrayLike, *, source: str, target: str) -> NDArray:
    """Move shapely geometries between ``wgs84``, ``gcj02`` and ``bd09``.

    Parameters
    ----------
    geoms
        Geometries in degrees (lon, lat) of *source*.
    source, target
        One of ``"wgs84"``, ``"gcj02"``, ``"bd09"``.
    """
    for name in (source, target):
        if name not in ("wgs84", *OFFSET_SYSTEMS):
            msg = f"unknown offset system {name!r}: use wgs84, gcj02 or bd09"
            raise CRSError(msg)
    out = np.asarray(geoms)
    if source != "wgs84":
        out = _apply(out, _TO_WGS[source])
    if target != "wgs84":
        out = _apply(out, _FROM_WGS[target])
    return out


def is_storage_crs(crs: CRS | None) -> bool:
    """Whether *crs* is WGS 84 or CGCS2000 geographic (accepted as equal)."""
    if crs is None:
        return False
    epsg = crs.to_epsg()
    return epsg in _EQUIVALENT


def parse_crs(value: str) -> CRS | str:
    """Parse a user's ``--crs``: ``gcj02``/``bd09`` stay names, anything else becomes a CRS."""
    v = value.strip().lower()
    if v in OFFSET_SYSTEMS:
        return v
    try:
        return CRS.from_user_input(value)
    except Exception as exc:  # pyproj raises its own CRSError
        msg = (
            f"unknown CRS {value!r}: give an EPSG code (e.g. EPSG:4326, EPSG:4490, EPSG:4547), "
            "a PROJ/WKT definition, or gcj02 / bd09"
        )
        raise CRSError(msg) from exc


def to_storage(frame: gpd.GeoDataFrame, *, assume: str | None = None, what: str = "the input"
               ) -> gpd.GeoDataFrame:
    """Return *frame* in the storage CRS (EPSG:4326).

    Parameters
    ----------
    frame
        Input features; their ``crs`` wins unless *assume* is given.
    assume
        The user's ``--crs``: used when the frame has no CRS, or to override it
        (``gcj02`` / ``bd09`` declare Chinese offset coordinates in degrees).
    what
        Names the source in error messages (file and layer).
    """
    if assume is not None:
        parsed = parse_crs(assume)
        if isinstance(parsed, str):
            out = frame.set_crs(None, allow_override=True) if frame.crs else frame.copy()
            out = out.set_geometry(shift_geometries(out.geometry.values, source=parsed,
                                                    target="wgs84"))
            return out.set_crs(STORAGE_CRS, allow_override=True)
        frame = frame.set_crs(parsed, allow_override=True)
    if frame.crs is None:
        msg = (
            f"{what} has no coordinate reference system: give one with --crs "
            "(e.g. --crs EPSG:4326 for lon/lat, --crs EPSG:4490 for CGCS2000, --crs gcj02 for "
            "Gaode coordinates)"
        )
        raise CRSError(msg)
    if is_storage_crs(frame.crs):
        return frame.set_crs(STORAGE_CRS, allow_override=True)
    return frame.to_crs(STORAGE_CRS)


def metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """The UTM zone (WGS 84) of the frame's centre, for lengths (m) and areas (m²)."""
    geo = frame.to_crs(STORAGE_CRS) if frame.crs is not None and not is_storage_crs(
        frame.crs) else frame
    bounds = tuple(geo.total_bounds)
    if not np.all(np.isfinite(bounds)):
        bounds = (0.0, 0.0, 0.0, 0.0)
    return metric_crs_for_bounds(bounds)  # type: ignore[arg-type]


def metric_crs_for_bounds(bounds: tuple[float, float, float, float]) -> CRS:
    """The UTM zone of the centre of ``(minx, miny, maxx, maxy)`` in degrees."""
    minx, miny, maxx, maxy = bounds
    lon, lat = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)
