"""Seeds: a contiguous, roughly balanced k-way partition from METIS, repaired if needed."""

from __future__ import annotations

import logging

import numpy as np
import pymetis
from numpy.typing import NDArray

from gis.adjacency import UnitGraph

log = logging.getLogger(__name__)


def seed(graph: UnitGraph, weights: NDArray[np.float64], k: int, *,
         rng: np.random.Generator) -> NDArray[np.int64]:
    """A contiguous, roughly balanced k-way partition of a connected graph (pymetis)."""
    if k <= 1 or graph.n <= 1:
        return np.zeros(graph.n, dtype=np.int64)
    scale = 1000.0 / max(float(weights.max()), 1e-9)
    vw = np.maximum(1, np.rint(weights * scale)).astype(int)
    ew = np.maximum(1, np.rint(graph.shared)).astype(int)
    opts = pymetis.Options(seed=int(rng.integers(1 << 30)), contig=1, ufactor=30)
    try:
        adjacency = pymetis.CSRAdjacency(graph.indptr.tolist(), graph.indices.tolist())
        _, parts = pymetis.part_graph(k, adjacency, vweights=vw.tolist(), eweights=ew.tolist(),
                                      options=opts)
        parts = np.asarray(parts, dtype=np.int64)
    except Exception:  # METIS refuses some tiny graphs: fall back to a sweep by position
        log.debug("pymetis failed on %d nodes; seeding by position", graph.n)
        parts = (np.argsort(np.argsort(graph.x)) * k // graph.n).astype(np.int64)
    return repair(graph, parts, k)


def repair(graph: UnitGraph, parts: NDArray[np.int64], k: int) -> NDArray[np.int64]:
    """Make every part non-empty and connected (stray pieces join a neighbouring part)."""
    parts = parts.copy()
    for _ in range(4 * k + graph.n):
        changed = False
        for p in range(k):
            nodes = np.flatnonzero(parts == p)
            comps = graph.components(nodes) if len(nodes) else []
            for piece in comps[1:]:
                nb = [parts[j] for i in piece for j in graph.neighbors(i) if parts[j] != p]
                if nb:
                    parts[piece] = np.bincount(nb).argmax()
                    changed = True
        sizes = np.bincount(parts, minlength=k)
        for p in np.flatnonzero(sizes == 0):
            donor = int(np.argmax(np.bincount(parts, minlength=k)))
            nodes = np.flatnonzero(parts == donor)
            for i in nodes:
                rest = nodes[nodes != i]
                if len(graph.components(rest)) == 1:
                    parts[i] = p
                    changed = True
                    break
        if not changed:
            break
    return parts
