"""Travel-time matrices between sites on a CSR road graph, and road paths between them.

The graph is converted once to a ``scipy.sparse`` CSR matrix (:func:`gis.roads.graph_to_csr`);
:func:`travel_time_matrix` then runs :func:`scipy.sparse.csgraph.dijkstra` from all the
sources in one call (C loops, no Python per edge).  The values equal networkx's
``single_source_dijkstra_path_length`` on the same graph (both take the minimum over
parallel edges and add edge weights along the path in order).

A cache is any ``MutableMapping[str, ndarray]`` (the service passes a disk-backed one);
its key hashes the CSR arrays and the site node list, so a changed graph or site set never
reads a stale matrix.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import MutableMapping, Sequence
from concurrent.futures import ProcessPoolExecutor

import networkx as nx
import numpy as np
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from gis.errors import GisError

#: Rows per Dijkstra call: bounds memory at ``chunk × nodes × 8`` bytes.
CHUNK = 8
#: Sources × nodes below which forking workers costs more than it saves.
PARALLEL_MIN_WORK = 2_000_000


class UnreachableError(GisError, ValueError):
    """A site cannot be reached from another (or back) on the road network."""


def csr_fingerprint(csr: sparse.csr_matrix) -> str:
    """A SHA-256 of the CSR structure and weights (identifies the graph)."""
    h = hashlib.sha256()
    for arr in (csr.indptr, csr.indices, csr.data):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(str(csr.shape).encode())
    return h.hexdigest()


def matrix_key(csr: sparse.csr_matrix, rows: Sequence[int] | np.ndarray) -> str:
    """Cache key of the matrix between CSR row indices *rows* on graph *csr*."""
    h = hashlib.sha256(csr_fingerprint(csr).encode())
    h.update(np.asarray(rows, dtype=np.int64).tobytes())
    return h.hexdigest()[:32]


def _rows(csr: sparse.csr_matrix, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    out = np.empty((len(sources), len(targets)))
    for a in range(0, len(sources), CHUNK):
        out[a:a + CHUNK] = dijkstra(csr, directed=True, indices=sources[a:a + CHUNK])[:, targets]
    return out


def _parallel_rows(csr: sparse.csr_matrix, uniq: np.ndarray, workers: int) -> np.ndarray:
    parts = [p for p in np.array_split(uniq, workers) if len(p)]
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(parts), mp_context=ctx) as pool:
        blocks = list(pool.map(_rows, [csr] * len(parts), parts, [uniq] * len(parts)))
    return np.vstack(blocks)


def travel_time_matrix(
    csr: sparse.csr_matrix,
    rows: Sequence[int] | np.ndarray,
    *,
    cache: MutableMapping[str, np.ndarray] | None = None,
    workers: int = 1,
) -> np.ndarray:
    """Shortest travel times (s) between every ordered pair of CSR rows *rows*.

    SciPy's Dijkstra holds the GIL, so with ``workers > 1`` (and a large enough problem)
    the sources are split over that many forked processes; the values are identical.

    Parameters
    ----------
    csr
        Directed graph, weights in seconds.
    rows
        CSR row index of each site (repeats allowed).
    cache
        Optional mapping to read and store the result under :func:`matrix_key`.
    workers
        Processes to use (e.g. ``os.cpu_count()``); 1 runs in this process.

    Returns
    -------
    ``(n, n)`` float array; ``inf`` where a site cannot be reached.
    """
    idx = np.asarray(rows, dtype=np.int64)
    key = matrix_key(csr, idx) if cache is not None else ""
    if cache is not None and key in cache:
        return np.asarray(cache[key])
    uniq, inv = np.unique(idx, return_inverse=True)
    if workers > 1 and len(uniq) * csr.shape[0] >= PARALLEL_MIN_WORK:
        out = _parallel_rows(csr, uniq, workers)
    else:
        out = _rows(csr, uniq, uniq)
    result = out[np.ix_(inv, inv)]
    if cache is not None:
        cache[key] = result
    return result


def reachable(matrix: np.ndarray) -> np.ndarray:
    """Which of sites ``1..n`` can be reached from site 0 (the depot) and back: a mask of
    length n.  The one answer to "is this site cut off?" (planning skips, solvers refuse)."""
    m = np.asarray(matrix)
    return np.isfinite(m[0, 1:]) & np.isfinite(m[1:, 0])


def check_reachable(matrix: np.ndarray, names: Sequence[str]) -> None:
    """Raise :class:`UnreachableError` naming every site cut off from site 0 (the depot)."""
    bad = [names[i + 1] for i in np.flatnonzero(~reachable(matrix))]
    if bad:
        msg = (f"{len(bad)} site(s) cannot be reached from the depot and back on the road "
               f"network: {', '.join(bad[:20])}; check their road connection or remove them")
        raise UnreachableError(msg)


def networkx_matrix(graph: nx.DiGraph | nx.MultiDiGraph, sources: Sequence[int],
                    targets: Sequence[int] | None = None, *, weight: str = "travel_time"
                    ) -> np.ndarray:
    """The same matrix with networkx single-source Dijkstra from each source (the reference
    for tests and benchmarks; slow).  *targets* default to the sources."""
    targets = sources if targets is None else targets
    out = np.full((len(sources), len(targets)), np.inf)
    for i, s in enumerate(sources):
        dist = nx.single_source_dijkstra_path_length(graph, s, weight=weight)
        out[i] = [dist.get(t, np.inf) for t in targets]
    return out


def shortest_path(csr: sparse.csr_matrix, source: int, target: int) -> list[int]:
    """CSR row indices along the fastest path from *source* to *target* (inclusive)."""
    if source == target:
        return [source]
    _, pred = dijkstra(csr, directed=True, indices=source, return_predecessors=True)
    if pred[target] < 0:
        msg = f"no road path from node index {source} to {target}"
        raise UnreachableError(msg)
    path = [target]
    while path[-1] != source:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def path_edges(graph: nx.MultiDiGraph, node_path: Sequence[int],
               *, weight: str = "travel_time") -> list[dict]:
    """The fastest parallel edge's attributes for each consecutive node pair."""
    out = []
    for u, v in zip(node_path[:-1], node_path[1:], strict=True):
        data = min(graph[u][v].values(), key=lambda d: d[weight])
        out.append(data)
    return out


def path_geometry(graph: nx.MultiDiGraph, node_path: Sequence[int]) -> shapely.LineString:
    """The road geometry (lon/lat) along a node path; a point-like line if it is one node."""
    if len(node_path) < 2:
        n = graph.nodes[node_path[0]]
        return shapely.LineString([(n["x"], n["y"]), (n["x"], n["y"])])
    coords: list[tuple[float, float]] = []
    for d in path_edges(graph, node_path):
        part = list(d["geometry"].coords) if "geometry" in d else []
        coords.extend(part if not coords else part[1:])
    return shapely.LineString(coords)


def turn_list(graph: nx.MultiDiGraph, node_path: Sequence[int]) -> list[dict]:
    """Road names in driving order: ``[{"road": name, "length_m": m, "time_s": s}, …]``.

    Consecutive edges with the same name (or ref) are merged; unnamed roads are called
    by their class (e.g. ``track``).
    """
    out: list[dict] = []
    for d in path_edges(graph, node_path):
        name = d.get("name") or d.get("ref") or f"({d.get('highway', 'road')})"
        if isinstance(name, list):
            name = name[0]
        if out and out[-1]["road"] == name:
            out[-1]["length_m"] += float(d["length"])
            out[-1]["time_s"] += float(d["travel_time"])
        else:
            out.append({"road": str(name), "length_m": float(d["length"]),
                        "time_s": float(d["travel_time"])})
    for leg in out:
        leg["length_m"] = round(leg["length_m"], 1)
        leg["time_s"] = round(leg["time_s"], 1)
    return out
