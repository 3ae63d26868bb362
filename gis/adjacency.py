"""Rook adjacency of units: the graph that grids are drawn on.

Units are the nodes; two units of the *same village* are neighbours when their boundaries
share a line of positive length (rook contiguity; a shared corner is not enough).  The graph is
stored as CSR integer arrays (``indptr``/``indices``) with the shared boundary length (metres)
on every arc, and each unit's perimeter and area in metres, so that a grid's perimeter is the
sum of its units' perimeters minus twice the boundary they share with each other.

Edges across a village boundary are left out on purpose: a grid never crosses a village.
Optional barriers (rivers, expressways) cut the edges whose shared boundary runs along them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from gis.crs import is_storage_crs, metric_crs
from gis.errors import GisError

log = logging.getLogger(__name__)

#: Shared boundaries shorter than this (metres) are corners or slivers, not rook contacts.
MIN_SHARED_M = 0.05


class AdjacencyError(GisError, ValueError):
    """Units cannot form a graph (duplicate ids, missing village, disconnected village)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True, eq=False)
class UnitGraph:
    """Rook adjacency of units, as CSR arrays.

    Attributes
    ----------
    ids
        Unit ids, in node order.
    village
        The village id of every node.
    indptr, indices
        CSR adjacency: the neighbours of node ``i`` are ``indices[indptr[i]:indptr[i+1]]``.
    shared
        Shared boundary length (m) of every arc, aligned with ``indices``.
    perimeter, area
        Each unit's perimeter (m) and area (m²), in the local UTM zone.
    x, y
        Unit centroids in the local UTM zone (m), for ordering and seeding.
    """

    ids: NDArray[np.object_]
    village: NDArray[np.object_]
    indptr: NDArray[np.int64]
    indices: NDArray[np.int64]
    shared: NDArray[np.float64]
    perimeter: NDArray[np.float64]
    area: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.ids)

    def neighbors(self, i: int) -> NDArray[np.int64]:
        """Neighbour nodes of node *i*."""
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def index_of(self) -> dict[str, int]:
        """``{unit_id: node}``."""
        return {str(u): i for i, u in enumerate(self.ids)}

    def edges(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """Undirected edges ``(i, j, shared_m)`` with ``i < j``."""
        src = np.repeat(np.arange(self.n), np.diff(self.indptr))
        keep = src < self.indices
        return src[keep], self.indices[keep], self.shared[keep]

    def subgraph(self, nodes: NDArray[np.int64]) -> UnitGraph:
        """The graph induced by *nodes* (renumbered in the given order)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        local = np.full(self.n, -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        i, j, s = self.edges()
        keep = (local[i] >= 0) & (local[j] >= 0)
        return _from_edges(
            local[i[keep]], local[j[keep]], s[keep], len(nodes),
            ids=self.ids[nodes], village=self.village[nodes], perimeter=self.perimeter[nodes],
            area=self.area[nodes], x=self.x[nodes], y=self.y[nodes],
        )

    def components(self, nodes: NDArray[np.int64] | None = None) -> list[NDArray[np.int64]]:
        """Connected components (node arrays, largest first) of the graph induced by *nodes*."""
        nodes = np.arange(self.n) if nodes is None else np.asarray(nodes, dtype=np.int64)
        if len(nodes) == 0:
            return []
        sub = self.subgraph(nodes)
        mat = csr_matrix((np.ones(len(sub.indices)), sub.indices, sub.indptr),
                         shape=(sub.n, sub.n))
        count, labels = connected_components(mat, directed=False)
        comps = [nodes[labels == c] for c in range(count)]
        return sorted(comps, key=lambda c: (-len(c), int(c.min())))


def _from_edges(i: NDArray[np.int64], j: NDArray[np.int64], s: NDArray[np.float64], n: int,
                **attrs: NDArray) -> UnitGraph:
    src = np.concatenate([i, j])
    dst = np.concatenate([j, i])
    sh = np.concatenate([s, s])
    order = np.lexsort((dst, src))
    src, dst, sh = src[order], dst[order], sh[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    return UnitGraph(indptr=np.cumsum(indptr), indices=dst.astype(np.int64),
                     shared=sh.astype(np.float64), **attrs)


def to_metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """*frame* in its local UTM zone (unchanged if it is already projected in metres)."""
    if frame.crs is None:
        msg = "units have no CRS: set one (EPSG:4326 for lon/lat) before building the graph"
        raise AdjacencyError(msg)
    if is_storage_crs(frame.crs) or frame.crs.is_geographic:
        return frame.to_crs(metric_crs(frame))
    return frame


def build_graph(
    units: gpd.GeoDataFrame,
    *,
    id_field: str = "unit_id",
    village_field: str = "village_id",
    barriers: gpd.GeoDataFrame | None = None,
    min_shared_m: float = MIN_SHARED_M,
) -> UnitGraph:
    """Build the rook adjacency of *units* within each village.

    Parameters
    ----------
    units
        Unit polygons with a CRS (any; lengths are computed in the local UTM zone), an id
        field and a village field.  They should form a clean coverage per village (shapely
        ``coverage_is_valid``); problems are logged.
    barriers
        Optional lines (rivers, expressways) a grid may not cross: an edge whose shared
        boundary lies more than half along a barrier (within 1 m) is dropped.
    min_shared_m
        Shared boundaries shorter than this (m) do not make neighbours.
    """
    missing = [c for c in (id_field, village_field) if c not in units.columns]
    if missing:
        msg = f"units lack the column(s) {missing}: the units layer needs {id_field}, " \
              f"{village_field}"
        raise AdjacencyError(msg)
    ids = units[id_field].astype(str).to_numpy(dtype=object)
    dup = sorted(set(ids[units[id_field].astype(str).duplicated().to_numpy()]))
    if dup:
        msg = f"units layer: duplicate unit_id(s) {dup[:10]}: every unit needs its own id"
        raise AdjacencyError(msg, [f"duplicate unit_id {d}" for d in dup])
    metric = to_metric(units)
    geoms = np.asarray(metric.geometry.values)
    village = units[village_field].astype(str).to_numpy(dtype=object)
    _log_coverage(geoms, village, ids)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = (left < right) & (village[left] == village[right])
    left, right = left[keep], right[keep]
    bounds = shapely.boundary(geoms)
    common = shapely.intersection(bounds[left], bounds[right])
    length = shapely.length(common)
    ok = length > min_shared_m
    left, right, length, common = left[ok], right[ok], length[ok], common[ok]
    if barriers is not None and len(barriers) and len(left):
        lines = barriers.to_crs(metric.crs).geometry.values
        zone = shapely.buffer(shapely.union_all(np.asarray(lines)), 1.0)
        along = shapely.length(shapely.intersection(common, zone))
        cross = along > 0.5 * length
        left, right, length = left[~cross], right[~cross], length[~cross]
    cent = shapely.centroid(geoms)
    return _from_edges(
        left.astype(np.int64), right.astype(np.int64), length, len(ids), ids=ids,
        village=village, perimeter=shapely.length(geoms), area=shapely.area(geoms),
        x=shapely.get_x(cent), y=shapely.get_y(cent),
    )


def _log_coverage(geoms: NDArray, village: NDArray, ids: NDArray) -> None:
    for v in np.unique(village):
        sel = village == v
        if sel.sum() < 2:
            continue
        try:
            valid = shapely.coverage_is_valid(geoms[sel])
        except shapely.errors.GEOSException:  # pragma: no cover - defensive
            valid = False
        if not valid:
            log.warning("village %s: units do not form a clean coverage (overlaps or "
                        "mismatched edges); adjacency uses shared boundaries only", v)


def check_connected(graph: UnitGraph, nodes: NDArray[np.int64] | None = None) -> list[str]:
    """Problems for every village whose units are not one connected piece.

    Each problem names the village and the unit ids of every piece but the largest
    (the islands), so that a planner can fix or join them.
    """
    problems: list[str] = []
    nodes = np.arange(graph.n) if nodes is None else np.asarray(nodes)
    for v in sorted(set(graph.village[nodes])):
        vn = nodes[graph.village[nodes] == v]
        comps = graph.components(vn)
        if len(comps) > 1:
            islands = [str(u) for c in comps[1:] for u in graph.ids[c]]
            shown = ", ".join(islands[:20]) + (" …" if len(islands) > 20 else "")
            problems.append(
                f"village {v}: units are not connected ({len(comps)} pieces); island unit(s) "
                f"{shown} touch no other unit of the village — join them to a neighbouring "
                "unit, move them to the village they touch, or fix the coverage"
            )
    return problems
