"""Unit figures as ``units build`` estimates them, before any census or register."""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from gis.figures import HOUSEHOLD_SIZE, count_in, estimate_households
from layers.store import Reader


def estimated_counts(store: Reader, units: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """Households (from buildings), population (× 2.62) and members (residences) per unit
    (*units* in a metric CRS)."""
    buildings = store.read("buildings").to_crs(units.crs)
    points = buildings.geometry.representative_point()
    hh = count_in(units, points, estimate_households(buildings)).round().astype(int)
    members = store.read("member_residences").to_crs(units.crs)
    return {"households": hh, "population": np.round(hh * HOUSEHOLD_SIZE).astype(int),
            "members": count_in(units, members.geometry).astype(int)}
