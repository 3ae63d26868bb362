"""A tiny county in China for register and import tests: one township, two villages.

Lon/lat near Wuhan (inside the GCJ-02 offset zone): a road grid every 0.002°, a row of houses
in each village.  :func:`seed_county` writes it and builds the units, on either backend.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from api.services.units import build_units
from layers.store import Store

X0, Y0, STEP = 114.300, 30.600, 0.002


def roads() -> gpd.GeoDataFrame:
    """A 7 × 4 grid of residential streets (~190 m × 220 m blocks)."""
    lines = [shapely.LineString([(X0 + i * STEP, Y0), (X0 + i * STEP, Y0 + 3 * STEP)])
             for i in range(7)]
    lines += [shapely.LineString([(X0, Y0 + j * STEP), (X0 + 6 * STEP, Y0 + j * STEP)])
              for j in range(4)]
    return gpd.GeoDataFrame({"road_id": [f"r{i}" for i in range(len(lines))],
                             "highway": "residential", "source": "test"},
                            geometry=lines, crs=4326)


def admin() -> gpd.GeoDataFrame:
    """A real township with two real villages (the west and east halves)."""
    west = shapely.box(X0, Y0, X0 + 3 * STEP, Y0 + 3 * STEP)
    east = shapely.box(X0 + 3 * STEP, Y0, X0 + 6 * STEP, Y0 + 3 * STEP)
    return gpd.GeoDataFrame([
        {"area_id": "t1", "name": "东风镇", "level": "township", "code": "420102001000",
         "derived": False, "geometry": shapely.union(west, east)},
        {"area_id": "v1", "name": "东风村", "level": "village", "code": None, "derived": False,
         "geometry": west},
        {"area_id": "v2", "name": "新河社区", "level": "village", "code": None,
         "derived": False, "geometry": east}], crs=4326)


def buildings() -> gpd.GeoDataFrame:
    """Houses (~20 m × 20 m) in a row through both villages."""
    xs = X0 + STEP / 2 + np.arange(12) * STEP / 2
    geoms = [shapely.box(x, Y0 + STEP * 1.4, x + 0.0002, Y0 + STEP * 1.4 + 0.00018) for x in xs]
    return gpd.GeoDataFrame({"building_id": [f"b{i}" for i in range(len(geoms))],
                             "building": "house", "levels": 2, "residential": True,
                             "source": "test"}, geometry=geoms, crs=4326)


def seed_county(store: Store) -> None:
    """Write the layers and build units (no grids yet)."""
    with store.transaction() as tx:
        tx.replace("roads", roads())
        tx.replace("admin_areas", admin())
        tx.replace("buildings", buildings())
    build_units(store, progress=False)
