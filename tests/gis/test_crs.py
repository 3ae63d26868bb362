"""CRS handling and the Chinese offset systems, against prcoords on known points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import prcoords
import pytest
import shapely
from pyproj import Geod

from gis.crs import (
    bd09_to_wgs84,
    gcj02_to_wgs84,
    metric_crs,
    parse_crs,
    shift_geometries,
    to_storage,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gis.errors import CRSError

# (lat, lon): Tiananmen, the Bund, Canton Tower, Chengdu, Ürümqi, Datong (coal), Harbin
KNOWN = [(39.908, 116.397), (31.2397, 121.4998), (23.1066, 113.3245), (30.67, 104.06),
         (43.8, 87.6), (40.0768, 113.3001), (45.75, 126.65)]
GEOD = Geod(ellps="WGS84")


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.abs(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_gcj02_forward_matches_prcoords_to_half_a_metre():
    lat, lon = np.array(KNOWN).T
    glon, glat = wgs84_to_gcj02(lon, lat)
    ref = [prcoords.wgs_gcj((a, o)) for a, o in KNOWN]
    assert metres(glon, glat, [r.lon for r in ref], [r.lat for r in ref]).max() < 0.5
    assert metres(lon, lat, glon, glat).min() > 100  # the offset is real: hundreds of metres


def test_gcj02_inverse_matches_prcoords_exact_inverse():
    gcj = [prcoords.wgs_gcj((a, o)) for a, o in KNOWN]
    wlon, wlat = gcj02_to_wgs84([g.lon for g in gcj], [g.lat for g in gcj])
    ref = [prcoords.gcj_wgs_bored(g) for g in gcj]
    assert metres(wlon, wlat, [r.lon for r in ref], [r.lat for r in ref]).max() < 0.5
    lat, lon = np.array(KNOWN).T
    assert metres(wlon, wlat, lon, lat).max() < 0.01


def test_bd09_both_ways_match_prcoords():
    lat, lon = np.array(KNOWN).T
    blon, blat = wgs84_to_bd09(lon, lat)
    ref = [prcoords.wgs_bd((a, o)) for a, o in KNOWN]
    assert metres(blon, blat, [r.lon for r in ref], [r.lat for r in ref]).max() < 0.5
    wlon, wlat = bd09_to_wgs84(blon, blat)
    assert metres(wlon, wlat, lon, lat).max() < 0.01


def test_outside_china_is_unshifted():
    lon, lat = wgs84_to_gcj02([11.5], [50.0])
    assert lon[0] == 11.5 and lat[0] == 50.0


def test_shift_geometries_round_trip():
    poly = shapely.box(116.39, 39.90, 116.40, 39.91)
    there = shift_geometries([poly], source="wgs84", target="gcj02")[0]
    back = shift_geometries([there], source="gcj02", target="wgs84")[0]
    assert not there.equals_exact(poly, 1e-4) and back.equals_exact(poly, 1e-9)
    with pytest.raises(CRSError, match="unknown offset system"):
        shift_geometries([poly], source="mars", target="wgs84")


def test_to_storage_rules():
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(500000, 4000000)], crs=None)
    with pytest.raises(CRSError, match="has no coordinate reference system: give one with --crs"):
        to_storage(pts, what="pts.csv")
    utm = to_storage(pts, assume="EPSG:32650")
    assert utm.crs.to_epsg() == 4326 and utm.geometry.x.iloc[0] == pytest.approx(117.0, abs=0.01)
    cgcs = to_storage(gpd.GeoDataFrame(geometry=[shapely.Point(112, 37)], crs=4490))
    assert cgcs.crs.to_epsg() == 4326 and cgcs.geometry.x.iloc[0] == 112
    with pytest.raises(CRSError, match="unknown CRS 'EPSG:99999'"):
        parse_crs("EPSG:99999")


def test_metric_crs_is_the_local_utm_zone():
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(112.5, 37.8)], crs=4326)
    assert metric_crs(frame).to_epsg() == 32649
