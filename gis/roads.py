"""The drivable road graph: roads layer → osmnx MultiDiGraph with travel times.

The roads layer holds one LineString per way (columns ``road_id, highway, name, ref,
oneway, maxspeed_kmh``), in WGS 84 (EPSG:4326).  Ways are split at every vertex they
share with another way (and at their ends), and nodes are identified **by coordinates**
(rounded to 1e-7°, about 1 cm), so a user's own road file without node ids works too.
The graph is built with :func:`osmnx.graph_from_gdfs` and cut to its largest strongly
connected component.

Travel times use the per-class speeds in :data:`DEFAULT_SPEEDS_KMH` (documented defaults
for Chinese rural roads) unless the road carries a posted ``maxspeed_kmh``; pass
``speeds=`` to override any class.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from pyproj import Transformer
from scipy import sparse
from scipy.sparse.csgraph import reverse_cuthill_mckee
from scipy.spatial import cKDTree

from gis.crs import metric_crs_for_bounds
from gis.errors import GisError

log = logging.getLogger(__name__)

#: Default speeds (km/h) per OSM highway class, for Chinese county roads.
#: 高速公路 motorway 90; 国道 trunk 70; 国/省道 primary 60; 省道 secondary 50;
#: 县道 tertiary 40; 乡道 unclassified 30; 村道 residential 25; 机耕路/便道 track 15.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 90.0,
    "motorway_link": 50.0,
    "trunk": 70.0,
    "trunk_link": 40.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "road": 30.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "track": 15.0,
}
#: Highway classes a patrol car may drive on.
DRIVABLE: frozenset[str] = frozenset(DEFAULT_SPEEDS_KMH)
#: Classes that are one-way unless tagged otherwise (OSM convention).
_IMPLIED_ONEWAY = frozenset({"motorway", "motorway_link"})
_COORD_DECIMALS = 7
ROAD_COLUMNS = ("road_id", "highway", "name", "ref", "oneway", "maxspeed_kmh")


class RoadGraphError(GisError, ValueError):
    """The roads cannot make a usable graph (no drivable roads, nothing connected)."""


def _tag(tags: object, key: str) -> str | None:
    if not isinstance(tags, str):
        return None
    m = re.search(rf'"{re.escape(key)}"=>"((?:[^"\\]|\\.)*)"', tags)
    return m.group(1) if m else None


def _speed(value: str | None) -> float:
    if not value:
        return float("nan")
    m = re.match(r"\s*(\d+(?:\.\d+)?)\s*(mph)?", value)
    if not m:
        return float("nan")
    kmh = float(m.group(1))
    return kmh * 1.609344 if m.group(2) else kmh


def roads_from_osm_lines(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The roads layer (columns :data:`ROAD_COLUMNS`) from GDAL's OSM ``lines`` layer.

    Parameters
    ----------
    lines
        Frame with ``osm_id, name, highway, other_tags`` and LineString geometry in
        EPSG:4326, as ``pyogrio.read_dataframe(path, layer="lines")`` returns it.

    Returns
    -------
    Drivable ways only; ``oneway=-1`` ways are reversed so ``oneway`` is a plain bool.
    """
    ways = lines[lines["highway"].isin(DRIVABLE)].copy()
    tags = ways.get("other_tags", pd.Series(None, index=ways.index))
    ow = tags.map(lambda t: _tag(t, "oneway"))
    reverse = (ow == "-1").to_numpy()
    oneway = ow.isin(["yes", "true", "1", "-1"]) | (
        ways["highway"].isin(_IMPLIED_ONEWAY) & ~ow.isin(["no", "false", "0"])
    )
    geom = ways.geometry.to_numpy()
    geom[reverse] = shapely.reverse(geom[reverse])
    out = gpd.GeoDataFrame(
        {
            "road_id": "osm:" + ways["osm_id"].astype(str),
            "highway": ways["highway"].astype(str),
            "name": ways["name"],
            "ref": tags.map(lambda t: _tag(t, "ref")),
            "oneway": oneway.astype(bool),
            "maxspeed_kmh": tags.map(lambda t: _speed(_tag(t, "maxspeed"))).astype(float),
        },
        geometry=geom,
        crs="EPSG:4326",
    )
    return out.reset_index(drop=True)


def _edge_speeds(roads: pd.DataFrame, speeds: Mapping[str, float]) -> np.ndarray:
    default = roads["highway"].map(lambda h: speeds.get(str(h), speeds.get("road", 30.0)))
    posted = pd.to_numeric(roads.get("maxspeed_kmh"), errors="coerce") if (
        "maxspeed_kmh" in roads) else pd.Series(np.nan, index=roads.index)
    kmh = np.where(posted.to_numpy(float) > 0, posted.to_numpy(float), default.to_numpy(float))
    return np.minimum(kmh, default.to_numpy(float) * 1.5)


def _split_ways(roads: gpd.GeoDataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Split ways at shared vertices: (edge table, node lon/lat, node key per vertex)."""
    coords, way = shapely.get_coordinates(roads.geometry.to_numpy(), return_index=True)
    keys = np.round(coords, _COORD_DECIMALS)
    uniq, inv, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    first = np.r_[True, way[1:] != way[:-1]]
    last = np.r_[way[1:] != way[:-1], True]
    is_node = first | last | (counts[inv] >= 2)
    bounds = tuple(np.r_[coords.min(axis=0), coords.max(axis=0)])
    tr = Transformer.from_crs(4326, metric_crs_for_bounds(bounds), always_xy=True)  # type: ignore[arg-type]
    mx, my = tr.transform(coords[:, 0], coords[:, 1])
    seg = np.r_[0.0, np.hypot(np.diff(mx), np.diff(my))]
    seg[first] = 0.0
    cum = np.cumsum(seg)
    pos = np.flatnonzero(is_node)
    nxt = pos[1:]
    cur = pos[:-1]
    same = way[cur] == way[nxt]
    start, stop = cur[same], nxt[same]
    edges = pd.DataFrame(
        {
            "way": way[start],
            "start": start,
            "stop": stop,
            "u": inv[start],
            "v": inv[stop],
            "length": cum[stop] - cum[start],
        }
    )
    return edges, uniq, coords


def road_graph(
    roads: gpd.GeoDataFrame,
    *,
    speeds: Mapping[str, float] | None = None,
    largest: bool = True,
) -> nx.MultiDiGraph:
    """The drivable graph of *roads* with ``length`` (m) and ``travel_time`` (s) per edge.

    Parameters
    ----------
    roads
        The roads layer (EPSG:4326), see :data:`ROAD_COLUMNS`; other classes than
        :data:`DRIVABLE` (and those absent from *speeds*) are ignored.
    speeds
        km/h per highway class, merged over :data:`DEFAULT_SPEEDS_KMH`.
    largest
        Keep only the largest strongly connected component.

    Returns
    -------
    An osmnx MultiDiGraph (``crs`` EPSG:4326); node ids are integers, nodes have ``x``
    (lon) and ``y`` (lat); edges carry ``road_id, highway, name, ref, length,
    speed_kph, travel_time, geometry`` (a LineString in lon/lat).
    """
    table = {**DEFAULT_SPEEDS_KMH, **dict(speeds or {})}
    roads = roads[roads["highway"].isin(table) & roads.geometry.notna()]
    roads = roads[~roads.geometry.is_empty].reset_index(drop=True)
    if roads.empty:
        msg = ("no drivable roads: the roads layer has no feature whose highway class is one "
               f"of {sorted(table)}; import roads first (gridpatrol import/demo)")
        raise RoadGraphError(msg)
    if "oneway" not in roads:
        roads = roads.assign(oneway=False)
    edges, nodes_xy, coords = _split_ways(roads)
    kmh = _edge_speeds(roads, table)[edges["way"].to_numpy()]
    edges["speed_kph"] = kmh
    edges["travel_time"] = np.round(edges["length"].to_numpy() / (kmh / 3.6), 3)
    edges["length"] = np.round(edges["length"], 3)
    parts = np.repeat(np.arange(len(edges)), edges["stop"] - edges["start"] + 1)
    idx = np.concatenate([np.arange(a, b + 1) for a, b in zip(edges["start"], edges["stop"],
                                                                strict=True)])
    geoms = shapely.linestrings(coords[idx], indices=parts)
    w = edges["way"].to_numpy()
    for col in ("road_id", "highway", "name", "ref"):
        vals = roads[col].to_numpy(object) if col in roads else np.full(len(roads), None)
        edges[col] = [None if (isinstance(x, float) and np.isnan(x)) else x for x in vals[w]]
    edges["geometry"] = geoms
    oneway = roads["oneway"].fillna(False).astype(bool).to_numpy()[w]
    back = edges.loc[~oneway].copy()
    back[["u", "v"]] = back[["v", "u"]].to_numpy()
    back["geometry"] = shapely.reverse(back["geometry"].to_numpy())
    alle = pd.concat([edges, back], ignore_index=True)
    alle = alle[alle["u"] != alle["v"]].drop(columns=["way", "start", "stop"])
    alle["key"] = alle.groupby(["u", "v"]).cumcount()
    used = np.unique(np.r_[alle["u"].to_numpy(), alle["v"].to_numpy()])
    gnodes = gpd.GeoDataFrame(
        {"x": nodes_xy[used, 0], "y": nodes_xy[used, 1]},
        geometry=shapely.points(nodes_xy[used]),
        index=pd.Index(used.astype(np.int64), name="osmid"),
        crs="EPSG:4326",
    )
    gedges = gpd.GeoDataFrame(alle.set_index(["u", "v", "key"]), geometry="geometry",
                              crs="EPSG:4326")
    graph = ox.graph_from_gdfs(gnodes, gedges, graph_attrs={"crs": "EPSG:4326"})
    if largest:
        graph = ox.truncate.largest_component(graph, strongly=True)
    if graph.number_of_nodes() < 2:
        msg = "the roads make no connected network (fewer than 2 nodes remain)"
        raise RoadGraphError(msg)
    log.debug("road graph: %d nodes, %d edges", graph.number_of_nodes(), graph.number_of_edges())
    return graph


def graph_to_csr(
    graph: nx.MultiDiGraph, *, weight: str = "travel_time"
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The graph as a CSR matrix of *weight* (min over parallel edges) and its node ids.

    Row/column ``i`` is node ``nodes[i]``.  A zero weight (which CSR would drop as "no
    edge") is stored as the smallest positive float instead.
    """
    nodes = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    pos = {n: i for i, n in enumerate(nodes.tolist())}
    rows, cols, vals = [], [], []
    for u, v, d in graph.edges(data=weight):
        rows.append(pos[u])
        cols.append(pos[v])
        vals.append(float(d))
    frame = pd.DataFrame({"r": rows, "c": cols, "w": vals}).groupby(["r", "c"])["w"].min()
    r = frame.index.get_level_values(0).to_numpy()
    c = frame.index.get_level_values(1).to_numpy()
    w = frame.to_numpy()
    if np.any(w <= 0):
        w = np.where(w <= 0, np.finfo(float).tiny, w)
    n = len(nodes)
    csr = sparse.csr_matrix((w, (r, c)), shape=(n, n))
    # Reverse Cuthill-McKee order: neighbours get nearby rows, which roughly halves
    # Dijkstra's time on large graphs (memory locality); distances are unchanged.
    perm = reverse_cuthill_mckee(csr, symmetric_mode=False)
    return csr[perm][:, perm].tocsr(), nodes[perm]


def node_coords(graph: nx.MultiDiGraph) -> tuple[np.ndarray, np.ndarray]:
    """Node ids and their ``(lon, lat)`` in degrees."""
    ids = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in ids.tolist()])
    return ids, xy.reshape(-1, 2)


class NodeIndex:
    """Road nodes in a local metric CRS (UTM): the nearest node to points, the nodes inside
    or nearest to polygons.  Distances are in metres; input geometries in lon/lat."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.ids, xy = node_coords(graph)
        self.lonlat = xy
        bounds = tuple(np.r_[xy.min(axis=0), xy.max(axis=0)])
        self._tr = Transformer.from_crs(4326, metric_crs_for_bounds(bounds),  # type: ignore[arg-type]
                                        always_xy=True)
        mx, my = self._tr.transform(xy[:, 0], xy[:, 1])
        self.xy = np.c_[mx, my]
        self._tree = cKDTree(self.xy)
        self._points = shapely.STRtree(shapely.points(self.xy))

    def nearest(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(node ids, distance m)`` for each point."""
        mx, my = self._tr.transform(np.asarray(lon, float), np.asarray(lat, float))
        dist, i = self._tree.query(np.c_[np.atleast_1d(mx), np.atleast_1d(my)])
        return self.ids[i], dist

    def to_metric(self, geoms: np.ndarray) -> np.ndarray:
        """Lon/lat geometries in this index's metric CRS."""
        return shapely.transform(np.asarray(geoms, dtype=object),
                                 lambda c: np.c_[self._tr.transform(c[:, 0], c[:, 1])])

    def inside(self, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(geometry index, node position)`` pairs: the nodes in or on each geometry
        (*geoms* in the metric CRS, see :meth:`to_metric`)."""
        pairs = self._points.query(geoms, predicate="intersects")
        return pairs[0], pairs[1]

    def nearest_to(self, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(node position, distance m)`` of the node nearest to each metric geometry."""
        pairs, dist = self._points.query_nearest(geoms, return_distance=True, all_matches=False)
        pos = np.empty(len(geoms), np.int64)
        out = np.full(len(geoms), np.inf)
        pos[pairs[0]] = pairs[1]
        out[pairs[0]] = dist
        return pos, out
