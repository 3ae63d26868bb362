"""Travel-time matrices: exactly networkx's values, cached by graph and site set."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gis import matrix as gm
from gis.roads import graph_to_csr


def random_graph(seed: int, n: int = 40, m: int = 120) -> nx.MultiDiGraph:
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    for _ in range(m):
        a, b = (int(x) for x in rng.integers(0, n, 2))
        if a != b:
            g.add_edge(a, b, travel_time=float(np.round(rng.uniform(1, 100), 3)))
    return g


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_matrix_equals_networkx_exactly(seed: int) -> None:
    g = random_graph(seed)
    csr, nodes = graph_to_csr(g)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(nodes), 12, replace=False)
    ours = gm.travel_time_matrix(csr, rows)
    ref = gm.networkx_matrix(g, nodes[rows].tolist())
    assert np.array_equal(np.isinf(ours), np.isinf(ref))
    fin = np.isfinite(ref)
    assert np.abs(ours[fin] - ref[fin]).max(initial=0.0) <= 1e-9


def test_repeated_sites_and_unreachable() -> None:
    g = nx.MultiDiGraph()
    g.add_edge(0, 1, travel_time=5.0)
    g.add_edge(1, 0, travel_time=7.0)
    g.add_node(2)
    csr, nodes = graph_to_csr(g)
    row = {int(n): i for i, n in enumerate(nodes)}
    m = gm.travel_time_matrix(csr, [row[0], row[1], row[0], row[2]])
    assert m[0, 1] == 5.0 and m[1, 2] == 7.0 and m[0, 2] == 0.0
    assert np.isinf(m[0, 3]) and np.isinf(m[3, 0])
    with pytest.raises(gm.UnreachableError, match="site-c"):
        gm.check_reachable(m[np.ix_([0, 1, 3], [0, 1, 3])], ["depot", "site-b", "site-c"])


class CountingCache(dict):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def __setitem__(self, key: str, value: np.ndarray) -> None:
        self.writes += 1
        super().__setitem__(key, value)


def test_cache_is_keyed_by_graph_and_sites() -> None:
    g = random_graph(1)
    csr, _ = graph_to_csr(g)
    cache = CountingCache()
    a = gm.travel_time_matrix(csr, [0, 1, 2], cache=cache)
    b = gm.travel_time_matrix(csr, [0, 1, 2], cache=cache)
    assert cache.writes == 1 and np.array_equal(a, b)
    gm.travel_time_matrix(csr, [0, 2, 1], cache=cache)
    assert cache.writes == 2
    u, v, k = next(iter(g.edges(keys=True)))
    g[u][v][k]["travel_time"] += 1.0
    csr2, _ = graph_to_csr(g)
    assert gm.matrix_key(csr2, [0, 1, 2]) != gm.matrix_key(csr, [0, 1, 2])


def test_path_geometry_and_turn_list() -> None:
    from shapely.geometry import LineString

    g = nx.MultiDiGraph()
    for n, x in ((0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0)):
        g.add_node(n, x=x, y=0.0)
    names = ("甲路", "甲路", "乙路")
    for (a, b), name in zip(((0, 1), (1, 2), (2, 3)), names, strict=True):
        g.add_edge(a, b, travel_time=10.0, length=100.0, name=name, highway="tertiary",
                   geometry=LineString([(float(a), 0.0), (float(b), 0.0)]))
    csr, nodes = graph_to_csr(g)
    row = {int(n): i for i, n in enumerate(nodes)}
    path = [int(nodes[i]) for i in gm.shortest_path(csr, row[0], row[3])]
    assert path == [0, 1, 2, 3]
    assert list(gm.path_geometry(g, path).coords) == [(0, 0), (1, 0), (2, 0), (3, 0)]
    turns = gm.turn_list(g, path)
    assert [(t["road"], t["length_m"]) for t in turns] == [("甲路", 200.0), ("乙路", 100.0)]


def test_parallel_workers_give_the_same_matrix(monkeypatch) -> None:  # noqa: ANN001
    g = random_graph(7, n=200, m=700)
    csr, nodes = graph_to_csr(g)
    rows = np.random.default_rng(7).choice(len(nodes), 30, replace=False)
    monkeypatch.setattr(gm, "PARALLEL_MIN_WORK", 0)  # force the forked path on a tiny graph
    parallel = gm.travel_time_matrix(csr, rows, workers=2)
    serial = gm.travel_time_matrix(csr, rows)
    assert np.array_equal(parallel, serial)
    ref = gm.networkx_matrix(g, nodes[rows].tolist())
    fin = np.isfinite(ref)
    assert np.array_equal(np.isinf(parallel), np.isinf(ref))
    assert np.abs(parallel[fin] - ref[fin]).max(initial=0.0) <= 1e-9
