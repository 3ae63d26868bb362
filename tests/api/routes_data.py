"""A tiny county for the route services: a 5 × 5 street grid (~3.4 × 4.4 km) near Beijing,
three mines, a fire zone crossed by streets, the town hall and two villages."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import LineString, MultiPolygon, Point, box

from layers.store import Store

X0, Y0, STEP = 116.40, 39.90, 0.01  # ~850 m east-west, ~1.1 km north-south


def roads() -> gpd.GeoDataFrame:
    """The street grid (two-way; tertiary in the middle, residential elsewhere)."""
    rows = []
    for i in range(5):
        x = X0 + i * STEP
        rows.append(("ns", i, LineString([(x, Y0 + j * STEP) for j in range(5)])))
        y = Y0 + i * STEP
        rows.append(("ew", i, LineString([(X0 + j * STEP, y) for j in range(5)])))
    return gpd.GeoDataFrame({
        "road_id": [f"{d}{i}" for d, i, _ in rows],
        "highway": ["tertiary" if i == 2 else "residential" for _, i, _ in rows],
        "name": [f"{'南北' if d == 'ns' else '东西'}{i}路" for d, i, _ in rows],
        "ref": None, "oneway": False, "maxspeed_kmh": float("nan"),
    }, geometry=[g for *_, g in rows], crs="EPSG:4326")


def fill(s: Store) -> Store:
    """Roads, three mines, a fire zone, the town hall and two villages."""
    mp = MultiPolygon
    with s.transaction() as tx:
        tx.replace("roads", roads())
        tx.replace("mine_sites", gpd.GeoDataFrame({
            "site_id": ["coal-1", "coal-2", "quarry-1"], "name": ["一号煤矿", "二号煤矿", "采石场"],
            "kind": ["coal_mine", "coal_mine", "quarry"],
            "status": ["producing", "closed", "producing"]},
            geometry=[Point(X0 + 0.031, Y0 + 0.011), Point(X0 + 0.002, Y0 + 0.039),
                      Point(X0 + 0.019, Y0 + 0.021)], crs="EPSG:4326"))
        tx.replace("fire_zones", gpd.GeoDataFrame({
            "zone_id": ["fz-1"], "name": ["北山林区"], "area_m2": [1.0e6], "risk_class": [3]},
            geometry=[mp([box(X0 + 0.025, Y0 + 0.025, X0 + 0.045, Y0 + 0.045)])],
            crs="EPSG:4326"))
        tx.replace("offices", gpd.GeoDataFrame({
            "office_id": ["o1"], "name": ["镇政府"], "kind": ["townhall"]},
            geometry=[Point(X0 + 0.0201, Y0 + 0.0199)], crs="EPSG:4326"))
        tx.replace("admin_areas", gpd.GeoDataFrame({
            "area_id": ["v1", "v2"], "name": ["东村", "西村"], "level": ["village", "village"]},
            geometry=[mp([box(X0, Y0, X0 + 0.02, Y0 + 0.04)]),
                      mp([box(X0 + 0.02, Y0, X0 + 0.04, Y0 + 0.04)])], crs="EPSG:4326"))
    return s
