"""Townships and villages where the data has no village boundaries.

The rule (documented in the README):

1. Township polygons are the ``township`` admin areas, clipped to the study area.  The part
   of the study area outside every township (if larger than 1 km²) is split into *derived*
   townships at the end (step 4).
2. Village seeds are the settlement points ``place`` = city, town, village, suburb, quarter,
   neighbourhood (hamlets and isolated dwellings are natural villages *inside* a village).
3. Within each township (or the remainder), each seed gets its Voronoi cell clipped to the
   township: the village territory.  A cell that the clip cuts into pieces keeps the piece
   holding its seed; stray pieces join the neighbouring village they share most boundary with,
   so every village is one contiguous polygon.  A township with no seed is one village.
4. Villages of the remainder are grouped into derived townships of about ten villages by
   k-means on their centres (seeded, so reproducible).

Division codes follow the 12-digit pattern (6-digit county + 3-digit township + 3-digit
village), numbered west→east; the demo's county code ``990000`` is not a real county.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.cluster.vq import kmeans2
from shapely.geometry.base import BaseGeometry

from gis.errors import UnitsError

VILLAGE_PLACES = ("city", "town", "village", "suburb", "quarter", "neighbourhood")
MIN_REMAINDER_M2 = 1_000_000.0
VILLAGES_PER_TOWNSHIP = 10


def _largest_part(geom: BaseGeometry) -> BaseGeometry:
    parts = list(getattr(geom, "geoms", [geom]))
    return max(parts, key=lambda p: p.area)


def voronoi_cells(seeds: np.ndarray, region: BaseGeometry) -> list[BaseGeometry]:
    """Voronoi cells of *seeds* (shapely points) clipped to *region*, one contiguous polygon
    each (stray pieces go to the neighbour sharing the longest boundary)."""
    if len(seeds) == 1:
        return [region]
    cells_gc = shapely.voronoi_polygons(shapely.MultiPoint(list(seeds)), extend_to=region)
    raw = list(cells_gc.geoms)
    order = [int(np.flatnonzero(shapely.contains(raw, s) | shapely.touches(raw, s))[0])
             for s in seeds]
    clipped = [shapely.intersection(raw[j], region) for j in order]
    kept, strays = [], []
    for seed, cell in zip(seeds, clipped, strict=True):
        parts = list(getattr(cell, "geoms", [cell]))
        parts = [p for p in parts if p.geom_type == "Polygon" and p.area > 0]
        home = next((p for p in parts if p.intersects(seed)), None) or max(parts, key=lambda
                                                                            p: p.area)
        kept.append(home)
        strays.extend(p for p in parts if p is not home)
    for piece in sorted(strays, key=lambda p: -p.area):
        shared = [shapely.intersection(piece.boundary, k.boundary).length for k in kept]
        best = int(np.argmax(shared))
        kept[best] = shapely.union(kept[best], piece)
    return kept


def _dedupe_seeds(places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    xy = np.round(shapely.get_coordinates(places.geometry.values), 1)
    keep = ~pd.DataFrame(xy).duplicated().to_numpy()
    return places[keep]


def _code_order(geoms: gpd.GeoSeries) -> np.ndarray:
    """Positions sorted west→east, north→south by representative point (for numbering)."""
    pts = geoms.representative_point()
    return np.lexsort((-pts.y.to_numpy().round(-3), pts.x.to_numpy()))


def _regions(townships: gpd.GeoDataFrame, area: BaseGeometry) -> list[tuple[str | None,
                                                                              BaseGeometry]]:
    regions: list[tuple[str | None, BaseGeometry]] = []
    for tid, geom in zip(townships["area_id"], townships.geometry, strict=True):
        clipped = shapely.intersection(geom, area)
        if not clipped.is_empty:
            regions.append((tid, clipped))
    covered = shapely.union_all([g for _, g in regions]) if regions else shapely.Polygon()
    rest = shapely.difference(area, covered)
    for part in getattr(rest, "geoms", [rest]):
        if part.geom_type == "Polygon" and part.area >= MIN_REMAINDER_M2:
            regions.append((None, part))
    return regions


def derive_villages(townships: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
                    area: BaseGeometry, *, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Townships and villages tiling *area* (all frames in the same metric CRS).

    Parameters
    ----------
    townships
        ``area_id``, ``name``, geometry: the township polygons known (may be empty).
    places
        ``name``, ``place``, geometry: settlement points.
    area
        The study area polygon.
    rng
        Seeds the k-means grouping of derived townships.

    Returns admin areas with ``area_id``, ``name``, ``level`` (township | village),
    ``parent_id`` and ``derived``, in the input CRS.
    """
    seeds_all = places[places["place"].isin(VILLAGE_PLACES)]
    seeds_all = _dedupe_seeds(seeds_all[seeds_all.geometry.within(area)])
    rows: list[dict] = []
    loose: list[int] = []  # village rows without a township
    for tid, region in _regions(townships, area):
        inside = seeds_all[seeds_all.geometry.within(region)]
        if inside.empty:
            name = townships.set_index("area_id")["name"].get(tid, "Remainder") if tid else \
                "Remainder"
            cells, names = [region], [str(name)]
        else:
            cells = voronoi_cells(inside.geometry.values, region)
            names = [str(n) if isinstance(n, str) else f"Village {i + 1}"
                     for i, n in enumerate(inside["name"])]
        for name, cell in zip(names, cells, strict=True):
            if tid is None:
                loose.append(len(rows))
            rows.append({"name": name, "level": "village", "parent_id": tid, "derived": True,
                         "geometry": cell})
    if not rows:
        msg = "no township or settlement lies in the study area: import an OSM extract first"
        raise UnitsError(msg)
    villages = gpd.GeoDataFrame(rows, crs=places.crs)
    derived = _derive_townships(villages, loose, rng)
    tships = townships.assign(level="township", derived=False, parent_id=None)
    return _number(pd.concat([tships, derived], ignore_index=True), villages)


def _derive_townships(villages: gpd.GeoDataFrame, loose: list[int],
                      rng: np.random.Generator) -> gpd.GeoDataFrame:
    if not loose:
        return gpd.GeoDataFrame({"area_id": [], "name": []}, geometry=[], crs=villages.crs)
    pts = villages.geometry.iloc[loose].representative_point()
    xy = np.column_stack([pts.x, pts.y])
    k = max(1, round(len(loose) / VILLAGES_PER_TOWNSHIP))
    if k == 1:
        labels = np.zeros(len(loose), dtype=int)
    else:
        _, labels = kmeans2(xy, k, minit="++", seed=rng)
    rows = []
    for lab in np.unique(labels):
        members = [loose[i] for i in np.flatnonzero(labels == lab)]
        tid = f"derived-township-{lab + 1}"
        villages.loc[members, "parent_id"] = tid
        biggest = villages.loc[members].geometry.area.idxmax()
        rows.append({"area_id": tid, "name": f"{villages.loc[biggest, 'name']} (derived)",
                     "geometry": shapely.union_all(villages.loc[members].geometry.values)})
    return gpd.GeoDataFrame(rows, crs=villages.crs).assign(level="township", derived=True,
                                                            parent_id=None)


def _number(townships: gpd.GeoDataFrame, villages: gpd.GeoDataFrame,
            county: str = "990000") -> gpd.GeoDataFrame:
    townships = townships.iloc[_code_order(townships.geometry)].reset_index(drop=True)
    townships["code"] = [f"{county}{i + 1:03d}" for i in range(len(townships))]
    code_of = dict(zip(townships["area_id"], townships["code"], strict=True))
    out = [townships]
    for tid, group in villages.groupby("parent_id", sort=False):
        group = group.iloc[_code_order(group.geometry)].reset_index(drop=True)
        group["code"] = [f"{code_of[tid]}{i + 1:03d}" for i in range(len(group))]
        group["area_id"] = "v" + group["code"]
        out.append(group)
    return pd.concat(out, ignore_index=True)
