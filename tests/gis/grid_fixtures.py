"""Tiny hand-built unit lattices for the grid tests (UTM 50N metres, 100 m cells)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

CELL = 100.0


def lattice(nx: int, ny: int, village: str = "V", *, x0: float = 500_000.0,
            y0: float = 4_000_000.0, households: list[int] | None = None,
            prefix: str | None = None) -> gpd.GeoDataFrame:
    """*nx* × *ny* square units of one village, ids ``{prefix}{i}-{j}`` (column-major)."""
    rows = []
    for i in range(nx):
        for j in range(ny):
            rows.append({"unit_id": f"{prefix or village}{i}-{j}", "village_id": village,
                         "kind": "block", "households": 10, "population": 25, "members": 1,
                         "mines": 0, "fire_area_m2": 0.0, "pinned": False,
                         "geometry": shapely.box(x0 + i * CELL, y0 + j * CELL,
                                                 x0 + (i + 1) * CELL, y0 + (j + 1) * CELL)})
    frame = gpd.GeoDataFrame(rows, crs=32650)
    if households is not None:
        frame["households"] = households
    return frame


def random_households(n: int, seed: int = 0, low: int = 5, high: int = 40) -> list[int]:
    """Seeded integer households."""
    return np.random.default_rng(seed).integers(low, high, n).tolist()
