"""Units: the blocks that tile each village, and their figures.

Blocks (documented rule): the village boundaries, the roads of class ``unclassified`` and up
(plus ``residential``, ``living_street``, ``service`` and ``track`` — field tracks split
the open country into units; paths and footways do not bound blocks), rivers and railways
are noded together and polygonized once for the whole area, so neighbouring units share
exactly the same edges (a clean coverage).  Each face
belongs to the village holding its representative point.  Faces under
:data:`MIN_UNIT_M2` are merged into the neighbour of the same village they share the longest
edge with, until none is left (or it has no neighbour).  All work is in a metric CRS.
"""

from __future__ import annotations

import heapq

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.cluster.vq import kmeans2
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from gis.errors import UnitsError

MIN_UNIT_M2 = 8_000.0
#: Linework is snapped to this grid (metres) so no two vertices lie nanometres apart.
GRID_M = 0.01
BLOCK_ROADS = frozenset({
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "living_street", "service", "road", "track", "motorway_link", "trunk_link", "primary_link",
    "secondary_link", "tertiary_link",
})


def _faces(lines: list[BaseGeometry], villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    boundary = [shapely.boundary(g) for g in villages.geometry]
    area = shapely.union_all(villages.geometry.values)
    clipped = [shapely.intersection(ln, area) for ln in lines]
    snapped = shapely.set_precision(np.asarray([*clipped, *boundary], dtype=object), GRID_M)
    # union_all nodes the lines and dissolves repeated segments (two villages' shared edge)
    noded = shapely.union_all(snapped[~shapely.is_empty(snapped)], grid_size=GRID_M)
    faces = list(shapely.polygonize(list(getattr(noded, "geoms", [noded]))).geoms)
    frame = gpd.GeoDataFrame(geometry=faces, crs=villages.crs)
    pts = frame.geometry.representative_point()
    hit_pt, hit_v = villages.sindex.query(pts.values, predicate="within")
    owner = np.full(len(frame), -1)
    owner[hit_pt] = hit_v
    frame["village_id"] = [villages["area_id"].iloc[o] if o >= 0 else None for o in owner]
    return frame[owner >= 0].reset_index(drop=True)


def shared_edges(geoms: np.ndarray) -> pd.DataFrame:
    """Pairs ``(a, b)``, a < b, of polygons sharing an edge, with its length (CRS units)."""
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    length = shapely.length(shapely.intersection(shapely.boundary(geoms[a]),
                                                 shapely.boundary(geoms[b])))
    rook = length > 1e-6
    return pd.DataFrame({"a": a[rook], "b": b[rook], "length": length[rook]})


def _merge_small(frame: gpd.GeoDataFrame, min_area: float) -> np.ndarray:
    """Group labels after merging faces under *min_area* into their best neighbour."""
    edges = shared_edges(np.asarray(frame.geometry.values))
    same = frame["village_id"].to_numpy()
    edges = edges[same[edges["a"]] == same[edges["b"]]]
    n = len(frame)
    parent = np.arange(n)
    area = frame.geometry.area.to_numpy().copy()
    nbrs: list[dict[int, float]] = [{} for _ in range(n)]
    for a, b, ln in edges.itertuples(index=False):
        nbrs[a][b] = nbrs[a].get(b, 0.0) + ln
        nbrs[b][a] = nbrs[b].get(a, 0.0) + ln
    heap = [(area[i], i) for i in range(n)]
    heapq.heapify(heap)
    while heap:
        a_i, r = heapq.heappop(heap)
        if parent[r] != r or a_i != area[r] or a_i >= min_area:
            if a_i >= min_area and parent[r] == r and a_i == area[r]:
                break
            continue
        if not nbrs[r]:
            continue
        best = max(nbrs[r], key=nbrs[r].__getitem__)
        parent[r] = best
        area[best] += area[r]
        for m, ln in nbrs[r].items():
            nbrs[m].pop(r, None)
            if m != best:
                nbrs[m][best] = nbrs[m].get(best, 0.0) + ln
                nbrs[best][m] = nbrs[best].get(m, 0.0) + ln
        nbrs[r] = {}
        heapq.heappush(heap, (area[best], best))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    return np.array([root(i) for i in range(n)])


def _dissolve(geoms: np.ndarray) -> BaseGeometry:
    if len(geoms) == 1:
        return geoms[0]
    try:
        return shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:  # faces that touch at near-coincident nodes
        return shapely.union_all(geoms)


def split_lines(units: gpd.GeoDataFrame, loads: np.ndarray, points: gpd.GeoSeries,
                weights: np.ndarray, *, cap: float, rng: np.random.Generator
                ) -> list[BaseGeometry]:
    """Cut lines that split each unit whose load exceeds *cap* into about load/cap parts.

    The parts are the Voronoi cells of k-means centres of the unit's weighted points (e.g.
    households at buildings), so each part holds a similar load.  Feed the lines back to
    :func:`build_blocks` (``extra_lines``) so the split units stay a clean coverage.
    """
    owner = np.full(len(points), -1)
    if len(points):
        p, u = units.sindex.query(points.values, predicate="within")
        owner[p] = u
    xy = shapely.get_coordinates(points.values)
    cuts: list[BaseGeometry] = []
    for i in np.flatnonzero(loads > cap):
        mine = (owner == i) & (weights > 0)
        k = min(int(np.ceil(loads[i] / cap)), int(mine.sum()))
        if k < 2:
            continue
        reps = np.maximum(1, np.round(np.asarray(weights[mine], dtype=float))).astype(int)
        pts = np.repeat(xy[mine], reps, axis=0)
        centres, _ = kmeans2(pts + rng.normal(0, 1e-3, pts.shape), k, minit="++", seed=rng)
        centres = np.unique(centres.round(2), axis=0)
        if len(centres) < 2:
            continue
        unit = units.geometry.iloc[i]
        cells = shapely.voronoi_polygons(shapely.MultiPoint(centres), extend_to=unit)
        rings = shapely.boundary(np.asarray(cells.geoms, dtype=object))
        edges = shapely.intersection(shapely.union_all(rings), unit)
        cuts.append(edges)
    return cuts


def attach_islands(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge each group of units that shares no edge with the rest of its village into a unit
    of the village's main part that it touches (at a point, e.g. a sliver between two roads),
    so every village's units form one rook-connected graph.  Groups that touch nothing stay
    (the balancer then names them as islands)."""
    edges = shared_edges(np.asarray(units.geometry.values))
    village = units["village_id"].to_numpy()
    edges = edges[village[edges["a"]] == village[edges["b"]]]
    n = len(units)
    graph = coo_matrix((np.ones(len(edges)), (edges["a"], edges["b"])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    area = units.geometry.area.to_numpy()
    target = np.arange(n)
    tree = shapely.STRtree(np.asarray(units.geometry.values))
    for vid in np.unique(village):
        rows = np.flatnonzero(village == vid)
        sizes = pd.Series(area[rows]).groupby(comp[rows]).sum()
        main = sizes.idxmax()
        for c in sizes.index.drop(main):
            members = rows[comp[rows] == c]
            near = tree.query(units.geometry.values[members], predicate="intersects")[1]
            hosts = [j for j in near if village[j] == vid and comp[j] == main]
            if hosts:
                target[members] = hosts[0]
    if (target == np.arange(n)).all():
        return units
    groups = units.groupby(target, sort=False)
    merged = [_dissolve(g.geometry.values) for _, g in groups]
    return gpd.GeoDataFrame({"village_id": [g["village_id"].iloc[0] for _, g in groups]},
                            geometry=[shapely.MultiPolygon(list(getattr(m, "geoms", [m])))
                                      for m in merged], crs=units.crs)


def build_blocks(villages: gpd.GeoDataFrame, roads: gpd.GeoDataFrame,
                 barriers: gpd.GeoDataFrame | None = None, *,
                 min_area_m2: float = MIN_UNIT_M2,
                 extra_lines: list[BaseGeometry] | None = None) -> gpd.GeoDataFrame:
    """Units tiling every village (input and output in one metric CRS).

    Returns ``unit_id`` (``<village code or id>-u<n>``), ``village_id``, ``kind`` = block,
    geometry (MultiPolygon).
    """
    if villages.empty:
        msg = "no villages to build units in: import admin areas or an OSM extract first"
        raise UnitsError(msg)
    lines = list(roads.loc[roads["highway"].isin(BLOCK_ROADS)].geometry.values)
    if barriers is not None and not barriers.empty:
        lines += list(barriers.loc[barriers["kind"].isin(["river", "rail"])].geometry.values)
    lines += list(extra_lines or [])
    faces = _faces(lines, villages)
    labels = _merge_small(faces, min_area_m2)
    faces["group"] = labels
    merged = [(vid, _dissolve(g.geometry.values))
              for (vid, _), g in faces.groupby(["village_id", "group"], sort=False)]
    units = gpd.GeoDataFrame({"village_id": [v for v, _ in merged]},
                             geometry=[shapely.MultiPolygon(list(getattr(g, "geoms", [g])))
                                       if g.geom_type in ("Polygon", "MultiPolygon") else g
                                       for _, g in merged], crs=villages.crs)
    units = attach_islands(units)
    missing = set(villages["area_id"]) - set(units["village_id"])
    for vid in missing:  # a village no face landed in: the village itself is one unit
        geom = villages.loc[villages["area_id"] == vid].geometry.iloc[0]
        units.loc[len(units)] = {"village_id": vid, "geometry": geom}
    units["kind"] = "block"
    return number_units(units, villages)[["unit_id", "village_id", "kind", "geometry"]]


def number_units(units: gpd.GeoDataFrame, villages: pd.DataFrame) -> gpd.GeoDataFrame:
    """Units ordered by village, then west→east, north→south, with ``unit_id`` =
    ``<village code or id>-u<n>`` (n from 0001 in each village)."""
    pts = units.geometry.representative_point()
    order = np.lexsort((-pts.y.to_numpy(), pts.x.to_numpy(), units["village_id"].to_numpy()))
    units = units.iloc[order].reset_index(drop=True)
    code = dict(zip(villages["area_id"], villages.get("code", villages["area_id"]), strict=True))
    seq = units.groupby("village_id").cumcount() + 1
    units["unit_id"] = [f"{code.get(v) or v}-u{n:04d}" for v, n in zip(units["village_id"], seq,
                                                                       strict=True)]
    return units
