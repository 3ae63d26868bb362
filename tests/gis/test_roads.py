"""Road graph: splitting ways at shared vertices, one-way roads, speeds, largest SCC."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from gis.roads import (
    DEFAULT_SPEEDS_KMH,
    NodeIndex,
    RoadGraphError,
    graph_to_csr,
    road_graph,
    roads_from_osm_lines,
)

# ~0.001° lon at 50°N ≈ 71.7 m; 0.001° lat ≈ 111.2 m.


def roads(rows: list[dict]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    for col, val in (("name", None), ("ref", None), ("oneway", False), ("maxspeed_kmh", np.nan)):
        if col not in frame:
            frame[col] = val
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def cross() -> gpd.GeoDataFrame:
    """Two ways crossing at a shared middle vertex (11.001, 50.0)."""
    return roads([
        {"road_id": "a", "highway": "tertiary", "name": "A路",
         "geometry": LineString([(11.0, 50.0), (11.001, 50.0), (11.002, 50.0)])},
        {"road_id": "b", "highway": "residential", "name": "B路",
         "geometry": LineString([(11.001, 49.999), (11.001, 50.0), (11.001, 50.001)])},
    ])


def test_ways_split_at_shared_vertices() -> None:
    g = road_graph(cross())
    assert g.number_of_nodes() == 5
    assert g.number_of_edges() == 8  # 4 segments, both directions
    centre = [n for n, d in g.nodes(data=True) if np.isclose(d["x"], 11.001)
              and np.isclose(d["y"], 50.0)]
    assert len(centre) == 1 and g.out_degree(centre[0]) == 4


def test_travel_time_from_class_speed() -> None:
    g = road_graph(cross())
    for _, _, d in g.edges(data=True):
        kmh = DEFAULT_SPEEDS_KMH[d["highway"]]
        assert d["speed_kph"] == kmh
        assert d["travel_time"] == pytest.approx(d["length"] / (kmh / 3.6), abs=1e-3)
    lengths = sorted({round(d["length"]) for *_, d in g.edges(data=True)})
    assert lengths == [72, 111]


def test_speed_override_and_posted_maxspeed() -> None:
    r = cross()
    r.loc[0, "maxspeed_kmh"] = 20.0
    g = road_graph(r, speeds={"residential": 50.0})
    speeds = {d["highway"]: d["speed_kph"] for *_, d in g.edges(data=True)}
    assert speeds == {"tertiary": 20.0, "residential": 50.0}


def test_oneway_and_largest_strong_component() -> None:
    r = cross()
    extra = roads([
        {"road_id": "c", "highway": "tertiary", "oneway": True,
         "geometry": LineString([(11.002, 50.0), (11.003, 50.0)])},
        {"road_id": "far", "highway": "track",
         "geometry": LineString([(11.1, 50.1), (11.101, 50.1)])},
    ])
    both = pd.concat([r, extra], ignore_index=True)
    full = road_graph(both, largest=False)
    assert full.number_of_nodes() == 8
    oneway = [(u, v) for u, v, d in full.edges(data=True) if d["road_id"] == "c"]
    assert len(oneway) == 1
    g = road_graph(both)
    assert g.number_of_nodes() == 5  # dead-end one-way and the far track are cut off


def test_no_drivable_roads_is_an_error() -> None:
    r = cross().assign(highway="footway")
    with pytest.raises(RoadGraphError, match="no drivable roads"):
        road_graph(r)


def test_csr_takes_min_of_parallel_edges() -> None:
    r = roads([
        {"road_id": "slow", "highway": "track",
         "geometry": LineString([(11.0, 50.0), (11.0005, 50.0005), (11.001, 50.0)])},
        {"road_id": "fast", "highway": "primary",
         "geometry": LineString([(11.0, 50.0), (11.001, 50.0)])},
    ])
    g = road_graph(r)
    csr, nodes = graph_to_csr(g)
    u, v = list(g.nodes)
    best = min(d["travel_time"] for d in g[u][v].values())
    i, j = list(nodes).index(u), list(nodes).index(v)
    assert csr[i, j] == best and g.number_of_edges() == 4


def test_nearest_node_distance_in_metres() -> None:
    g = road_graph(cross())
    node, dist = NodeIndex(g).nearest(np.array([11.0]), np.array([50.001]))
    assert (g.nodes[node[0]]["x"], g.nodes[node[0]]["y"]) == pytest.approx((11.001, 50.001))
    assert dist[0] == pytest.approx(71.7, abs=1.0)  # closer than (11.0, 50.0) at 111 m


def test_roads_from_osm_lines_parses_tags() -> None:
    lines = gpd.GeoDataFrame({
        "osm_id": ["1", "2", "3"], "name": ["X", None, None],
        "highway": ["primary", "motorway", "footway"],
        "other_tags": ['"maxspeed"=>"70","ref"=>"G102","oneway"=>"-1"', None, None],
    }, geometry=[LineString([(0, 0), (1, 0)]), LineString([(0, 1), (1, 1)]),
                 LineString([(0, 2), (1, 2)])], crs="EPSG:4326")
    r = roads_from_osm_lines(lines)
    assert list(r["road_id"]) == ["osm:1", "osm:2"]
    assert r.loc[0, "ref"] == "G102" and r.loc[0, "maxspeed_kmh"] == 70.0
    assert bool(r.loc[0, "oneway"]) and r.geometry[0].coords[0] == (1.0, 0.0)
    assert bool(r.loc[1, "oneway"])  # motorways are one-way unless tagged otherwise
