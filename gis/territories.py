"""Townships and villages where the data has none, nested in the real ones.

The rule (documented in the README):

1. The study area is split along every real boundary (:func:`gis.nesting.finest_cover`):
   each connected cell belongs to the finest real area over it — a real village, township or
   county — or to nobody.  Derived areas never cross a real boundary.
2. Village seeds are the settlement points ``place`` = city, town, village, suburb, quarter,
   neighbourhood (hamlets and isolated dwellings are natural villages *inside* a village).
3. In each cell that is not a real village, each seed gets its Voronoi cell clipped to the
   cell: the village territory.  A Voronoi cell that the clip cuts into pieces keeps the piece
   holding its seed; stray pieces join the neighbouring village they share most boundary
   with.  A cell with no seed is one village, named after the most important place inside it
   (else after its real area, "<name> 飞地 N" for a real area's further parts).
4. Villages without a real township over them are grouped into derived townships of about
   ten villages by k-means on their centres (seeded, so reproducible), separately inside each
   real county and in the free rest.

Codes: :func:`gis.divisions.number_areas` (real codes kept, the rest numbered west→east).
"""

from __future__ import annotations

from collections import defaultdict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.cluster.vq import kmeans2
from shapely.geometry.base import BaseGeometry

from gis.divisions import number_areas
from gis.errors import UnitsError
from gis.nesting import Cell, finest_cover, polygon_parts, real_parents

VILLAGE_PLACES = ("city", "town", "village", "suburb", "quarter", "neighbourhood")
#: Place kinds by importance, for naming a village that has no seed.
PLACE_RANK = (*VILLAGE_PLACES, "hamlet", "isolated_dwelling", "locality")
VILLAGES_PER_TOWNSHIP = 10
REMAINDER = "Remainder"


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
        parts = polygon_parts(cell)
        home = next((p for p in parts if p.intersects(seed)), None) or parts[0]
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


def place_name(region: BaseGeometry, places: gpd.GeoDataFrame) -> str | None:
    """The name of the most important named place inside *region* (``None`` if none)."""
    named = places[places["name"].notna() & places["place"].isin(PLACE_RANK)]
    inside = named[named.geometry.within(region)]
    if inside.empty:
        return None
    rank = inside["place"].map({p: i for i, p in enumerate(PLACE_RANK)})
    return str(inside["name"].loc[rank.idxmin()])


def _cell_villages(cells: list[Cell], seeds: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
                   base: str) -> list[tuple[str, BaseGeometry]]:
    """``(name, polygon)`` of the villages derived in one real area's cells (or the rest)."""
    out: list[tuple[str, BaseGeometry]] = []
    seedless: list[BaseGeometry] = []
    for cell in cells:
        inside = seeds[seeds.geometry.within(cell.geometry)]
        if inside.empty:
            seedless.append(cell.geometry)
            continue
        names = [str(n) if isinstance(n, str) else f"Village {i + 1}"
                 for i, n in enumerate(inside["name"])]
        out += list(zip(names, voronoi_cells(inside.geometry.values, cell.geometry),
                        strict=True))
    owned = bool(cells) and cells[0].owner is not None
    seeded = bool(out)
    unnamed = 0
    for k, geom in enumerate(seedless):
        name = place_name(geom, places)
        if name is None and k == 0 and not seeded:
            name = base
        elif name is None:
            unnamed += 1
            name = f"{base} 飞地 {unnamed}" if owned else f"{base} {unnamed + 1}"
        out.append((name, geom))
    return out


def derive_villages(real: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
                    area: BaseGeometry, *, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Real areas and the townships and villages derived to fill *area*, nested in them.

    Parameters
    ----------
    real
        ``area_id``, ``name``, ``level`` (county | township | village), ``code`` and geometry
        of the real admin areas (may be empty).
    places
        ``name``, ``place``, geometry: settlement points.
    area
        The study area polygon.
    rng
        Seeds the k-means grouping of derived townships.

    Returns admin areas with ``area_id``, ``name``, ``level``, ``parent_id``, ``code``,
    ``derived`` and ``cover`` (the finest real area holding the area, for the contiguity
    pass), all in the input (metric) CRS.
    """
    real = real.reset_index(drop=True)
    parents = real_parents(real)
    level_of = dict(zip(real["area_id"], real["level"], strict=True))
    name_of = dict(zip(real["area_id"], real["name"], strict=True))
    seeds = places[places["place"].isin(VILLAGE_PLACES)]
    seeds = _dedupe_seeds(seeds[seeds.geometry.within(area)])
    by_owner: dict[str | None, list[Cell]] = defaultdict(list)
    for cell in finest_cover(real, area):
        by_owner[cell.owner].append(cell)
    rows: list[dict] = []
    for owner, cells in by_owner.items():
        if owner is not None and level_of[owner] == "village":
            continue
        base = str(name_of[owner]) if owner is not None else REMAINDER
        for name, geom in _cell_villages(cells, seeds, places, base):
            rows.append({"area_id": None, "name": name, "level": "village", "derived": True,
                         "parent_id": owner if _is_township(owner, level_of) else None,
                         "cover": owner, "geometry": geom})
    rows += _real_rows(real, by_owner, parents, level_of)
    if not any(r["level"] == "village" for r in rows):
        msg = "no township or settlement lies in the study area: import an OSM extract first"
        raise UnitsError(msg)
    admin = gpd.GeoDataFrame(rows, geometry="geometry", crs=places.crs)
    admin = _derive_townships(admin, rng)
    return number_areas(admin)


def _is_township(owner: str | None, level_of: dict[str, str]) -> bool:
    return owner is not None and level_of[owner] == "township"


def _real_rows(real: gpd.GeoDataFrame, by_owner: dict[str | None, list[Cell]],
               parents: dict[str, str | None], level_of: dict[str, str]) -> list[dict]:
    """Real areas as rows: villages clipped to their cells, the rest as they are."""
    rows = []
    for rec in real.to_dict("records"):
        aid = rec["area_id"]
        parent = parents.get(aid)
        row = {**rec, "derived": False, "parent_id": parent, "cover": aid}
        if rec["level"] == "village":
            cells = by_owner.get(aid, [])
            if not cells:
                continue
            row["geometry"] = shapely.union_all([c.geometry for c in cells])
            row["cover"] = parent
            row["parent_id"] = parent if _is_township(parent, level_of) else None
        rows.append(row)
    return rows


def _derive_townships(admin: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Group villages without a township into derived townships, per real county (or the
    free rest), about :data:`VILLAGES_PER_TOWNSHIP` villages each."""
    loose = admin[(admin["level"] == "village") & admin["parent_id"].isna()]
    rows = []
    for cover, group in loose.groupby(loose["cover"].fillna(""), sort=False):
        pts = group.geometry.representative_point()
        xy = np.column_stack([pts.x, pts.y])
        k = max(1, round(len(group) / VILLAGES_PER_TOWNSHIP))
        labels = np.zeros(len(group), dtype=int) if k == 1 else \
            kmeans2(xy, k, minit="++", seed=rng)[1]
        for lab in np.unique(labels):
            members = group.index[labels == lab]
            tid = f"derived-township-{len(rows) + 1}"
            admin.loc[members, "parent_id"] = tid
            biggest = admin.loc[members].geometry.area.idxmax()
            rows.append({"area_id": tid, "name": f"{admin.loc[biggest, 'name']} (derived)",
                         "level": "township", "derived": True, "parent_id": cover or None,
                         "cover": cover or None,
                         "geometry": shapely.union_all(admin.loc[members].geometry.values)})
    if not rows:
        return admin
    return pd.concat([admin, gpd.GeoDataFrame(rows, geometry="geometry", crs=admin.crs)],
                     ignore_index=True)
