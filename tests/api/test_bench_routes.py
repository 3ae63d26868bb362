"""Smoke test of ``gridpatrol bench routes``' matrix part on a small grid: serial against
serial, parallel against parallel, networkx on a plain DiGraph, the same values."""

from __future__ import annotations

import networkx as nx

from api.bench.routes import bench_matrix, grid_graph, plain_digraph


def test_matrix_rows_compare_like_with_like() -> None:
    out = bench_matrix(quick=True, sites=12, side=30)
    assert out["max_abs_diff_s"] == 0.0
    assert out["serial"]["processes"] == 1 and out["parallel"]["processes"] >= 1
    for row in (out["serial"], out["parallel"]):
        assert row["ours_s"] > 0 and row["networkx_s"] > 0 and row["speedup"] > 0


def test_parallel_edges_collapse_to_the_fastest() -> None:
    g = grid_graph(5, drop=0.0)
    u, v, w = next(iter(g.edges(data="travel_time")))
    g.add_edge(u, v, travel_time=w / 2)
    plain = plain_digraph(g)
    assert isinstance(plain, nx.DiGraph) and not plain.is_multigraph()
    assert plain[u][v]["travel_time"] == w / 2
    assert plain.number_of_edges() == len({(a, b) for a, b, _ in g.edges(keys=True)})
