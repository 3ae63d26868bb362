"""Figures per unit (households, population, members, mines, fire area) and fire-zone risk.

Rules (documented in the README):

* **Households** per residential building: single-family types (``house``, ``detached``,
  ``semidetached_house``, ``terrace``, ``farm``, ``bungalow``, ``cabin``) count 1; others
  count ``round(footprint × levels / 120 m²)``, at least 1, with ``levels`` from
  ``building:levels`` or 1; footprints under 30 m² (sheds) count 0.  A census CSV overrides
  the estimate (per unit, or per village, spread over its units in proportion to the estimate).
* **Population** = households × 2.62 (China's mean household size, 2020 census) unless the
  census gives it.
* **Members**: party-member residences inside the unit; **mines**: mine sites inside it;
  **fire_area_m2**: the unit's area inside any fire zone.
* **Pinned** (专属网格): a unit holding a producing coal mine, any mine or quarry of at least
  1 ha, or an enterprise of at least 5 ha.
* **Fire risk**: score = 0.4 × size + 0.35 × village proximity + 0.25 × road access, where
  size = min(1, log10(ha) / log10(500)), village proximity = max(0, 1 − d/2 km) to the nearest
  settlement or residential area, road access = max(0, 1 − d/1 km) to the nearest road;
  class 3 (high) at score ≥ 0.75, 2 (medium) at ≥ 0.6, else 1 (low).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

SINGLE_FAMILY = frozenset({"house", "detached", "semidetached_house", "terrace", "farm",
                           "bungalow", "cabin"})
M2_PER_HOUSEHOLD = 120.0
DEFAULT_LEVELS = 1
MIN_DWELLING_M2 = 30.0
HOUSEHOLD_SIZE = 2.62
MEMBER_SHARE = 0.07  # party members per resident (≈ 99 M of 1.41 G)


def estimate_households(buildings: gpd.GeoDataFrame) -> np.ndarray:
    """Households per building (metric CRS), by the rule in the module docstring."""
    area = buildings.geometry.area.to_numpy()
    levels = pd.to_numeric(buildings.get("levels"), errors="coerce").fillna(DEFAULT_LEVELS)
    levels = np.clip(levels.to_numpy(dtype=float), 1, 40)
    kind = buildings["building"].astype(str).to_numpy()
    flats = np.maximum(1, np.round(area * levels / M2_PER_HOUSEHOLD))
    out = np.where(np.isin(kind, list(SINGLE_FAMILY)), 1, flats)
    out = np.where(area < MIN_DWELLING_M2, 0, out)
    residential = buildings["residential"].fillna(False).to_numpy(dtype=bool)
    return np.where(residential, out, 0).astype(int)


def _owner(units: gpd.GeoDataFrame, points: gpd.GeoSeries) -> np.ndarray:
    """Position of the unit containing each point (−1 if none)."""
    owner = np.full(len(points), -1)
    if len(points) and len(units):
        p, u = units.sindex.query(points.values, predicate="within")
        owner[p] = u
    return owner


def count_in(units: gpd.GeoDataFrame, points: gpd.GeoSeries,
             weights: np.ndarray | None = None) -> np.ndarray:
    """Sum of *weights* (default 1) of the points inside each unit."""
    owner = _owner(units, points)
    w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    inside = owner >= 0
    return np.bincount(owner[inside], weights=w[inside], minlength=len(units))


def area_in(units: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> np.ndarray:
    """Area (m²) of each unit inside the union of *zones*."""
    if zones.empty:
        return np.zeros(len(units))
    merged = shapely.union_all(zones.geometry.values)
    return shapely.area(shapely.intersection(units.geometry.values, merged))


def pinned_units(units: gpd.GeoDataFrame, mines: gpd.GeoDataFrame) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    """``(pinned, kind)`` per unit: exclusive grids for big mines and enterprises."""
    pinned = np.zeros(len(units), dtype=bool)
    kind = units["kind"].to_numpy(dtype=object).copy()
    if mines.empty:
        return pinned, kind
    area = pd.to_numeric(mines.get("area_m2"), errors="coerce").fillna(0).to_numpy()
    mk = mines["kind"].to_numpy()
    producing = mines.get("status", pd.Series("", index=mines.index)).to_numpy() == "producing"
    big = ((mk == "coal_mine") & producing) | (np.isin(mk, ["coal_mine", "quarry", "other_mine"])
                                               & (area >= 10_000)) | (
        (mk == "enterprise") & (area >= 50_000))
    owner = _owner(units, mines.geometry)
    for o, k in zip(owner[big & (owner >= 0)], mk[big & (owner >= 0)], strict=True):
        pinned[o] = True
        kind[o] = "enterprise" if k == "enterprise" else "mine"
    return pinned, kind


def fire_risk(zones: gpd.GeoDataFrame, settlements: gpd.GeoSeries,
              roads: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """``(risk_score, risk_class)`` per fire zone, by the documented rule (metric CRS)."""
    if zones.empty:
        return np.zeros(0), np.zeros(0, dtype=int)
    ha = np.maximum(zones.geometry.area.to_numpy() / 10_000.0, 1.0)
    size = np.minimum(1.0, np.log10(ha) / np.log10(500.0))

    def nearest(targets: gpd.GeoSeries) -> np.ndarray:
        if targets.empty:
            return np.full(len(zones), np.inf)
        tree = shapely.STRtree(targets.values)
        _, dist = tree.query_nearest(zones.geometry.values, return_distance=True, all_matches=False)
        return dist

    village = np.maximum(0.0, 1.0 - nearest(settlements) / 2_000.0)
    road = np.maximum(0.0, 1.0 - nearest(roads) / 1_000.0)
    score = 0.4 * size + 0.35 * village + 0.25 * road
    klass = np.where(score >= 0.75, 3, np.where(score >= 0.6, 2, 1))
    return score.round(4), klass


def synthetic_members(buildings: gpd.GeoDataFrame, households: np.ndarray,
                      rng: np.random.Generator, *, share: float = MEMBER_SHARE
                      ) -> gpd.GeoDataFrame:
    """Synthetic party-member residences for the demo — never real personal data.

    Each residential building gets ``Poisson(households × 2.62 × share)`` members, placed at
    uniformly random points inside its footprint.  Reproducible from *rng*.
    """
    counts = rng.poisson(np.asarray(households, dtype=float) * HOUSEHOLD_SIZE * share)
    points = []
    for geom, n in zip(buildings.geometry.values, counts, strict=True):
        minx, miny, maxx, maxy = geom.bounds
        for _ in range(int(n)):
            for _try in range(20):
                p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
                if geom.contains(p):
                    break
            else:
                p = geom.representative_point()
            points.append(p)
    ids = [f"syn-{i + 1:05d}" for i in range(len(points))]
    return gpd.GeoDataFrame({"member_id": ids, "synthetic": True, "source": "synthetic-demo"},
                            geometry=points, crs=buildings.crs)
