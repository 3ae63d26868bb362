"""Inspection sites, and the places a local would drive to in order to reach each one.

One site table (columns ``site_id, name, kind, status``) over the kinds of place, and for
each site its **candidate access points** in the order a local would try them (a frame
with columns :data:`CANDIDATE_COLUMNS`, ``rank`` 0 first):

* a **mine** → the access point the user gave (``access_lon``/``access_lat``: the gate on
  the haul road), else the mine's own point;
* a **village** → its village office (``offices`` inside it: a townhall or government
  office, the one named after the village first), its place node (the same name first,
  then by place rank), then its heaviest household clusters (its units by households);
* a **grid** → its heaviest household clusters, then an office inside it;
* a **fire zone** → no point at all: it is reached by the road node at or inside its edge
  nearest to its centre (the forest road's entrance, :mod:`gis.access`).

A village or grid none of whose candidates lies near a road falls back to the fire-zone
rule on its polygon.  A polygon's centroid is never an access point: in the mountains it
lies kilometres from any road.  :mod:`gis.access` snaps the candidates to the network.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from gis.errors import GisError
from gis.roads import DEFAULT_SPEEDS_KMH, node_coords

SITE_COLUMNS = ("site_id", "name", "kind", "status", "lon", "lat", "node", "snap_m", "access")
CANDIDATE_COLUMNS = ("site_id", "rank", "lon", "lat", "access")
#: Visit duration (minutes) per site kind.
DEFAULT_VISIT_MIN: dict[str, float] = {
    "coal_mine": 60.0,
    "quarry": 40.0,
    "other_mine": 40.0,
    "enterprise": 40.0,
    "fire_zone": 20.0,
    "village": 30.0,
    "grid": 30.0,
}
DEFAULT_MAX_SNAP_M = 2000.0
#: Household clusters (units) tried per village or grid, heaviest first.
CLUSTERS_TRIED = 3
#: Place ranks: a village's own place node before a hamlet inside it.
_PLACE_RANK = {"town": 0, "village": 1, "suburb": 2, "neighbourhood": 3, "hamlet": 4,
               "isolated_dwelling": 5}


class SiteError(GisError, ValueError):
    """Sites that cannot be used: duplicated or unknown ids, none reachable at all."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def _base(ids: pd.Series, names: pd.Series | None, kind: str | pd.Series,
          status: pd.Series | None) -> pd.DataFrame:
    ids = ids.astype(str)
    names = ids if names is None else names.where(names.notna(), ids).astype(str)
    return pd.DataFrame({"site_id": ids.to_numpy(), "name": names.to_numpy(),
                         "kind": kind if isinstance(kind, str) else kind.astype(str).to_numpy(),
                         "status": None if status is None else status.to_numpy()})


def _candidates(site_ids: Sequence[str], points: np.ndarray, access: str | Sequence[str],
                rank: Sequence[int] | int = 0) -> pd.DataFrame:
    pts = np.asarray(points, dtype=object)
    return pd.DataFrame({"site_id": np.asarray(site_ids, dtype=object),
                         "rank": np.broadcast_to(np.asarray(rank), len(pts)).astype(int),
                         "lon": shapely.get_x(pts), "lat": shapely.get_y(pts),
                         "access": np.broadcast_to(np.asarray(access, dtype=object), len(pts))})


def no_candidates() -> pd.DataFrame:
    """An empty candidates frame (a site kind that has none: fire zones)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in CANDIDATE_COLUMNS})


def mine_sites(mines: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Site rows and access candidates for the ``mine_sites`` layer (kind = the mine's kind):
    the given access point first (where ``access_lon``/``access_lat`` are set), then the
    mine's own point (a polygon's representative point)."""
    sites = _base(mines["site_id"], mines.get("name"), mines["kind"], mines.get("status"))
    own = _candidates(sites["site_id"], mines.geometry.representative_point().to_numpy(),
                      "gate", 1)
    parts = [own]
    if {"access_lon", "access_lat"} <= set(mines.columns):
        lon = pd.to_numeric(mines["access_lon"], errors="coerce").to_numpy(float)
        lat = pd.to_numeric(mines["access_lat"], errors="coerce").to_numpy(float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        parts.insert(0, _candidates(sites["site_id"][ok], shapely.points(lon[ok], lat[ok]),
                                    "given", 0))
    return sites, pd.concat(parts, ignore_index=True)


def _inside(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, id_field: str) -> pd.DataFrame:
    """``(area id, point row)`` pairs: the points inside (or on) each area."""
    if points is None or points.empty:
        return pd.DataFrame({"area": [], "row": []})
    area_i, point_i = areas.sindex.query(points.geometry.to_numpy(), predicate="intersects")[::-1]
    return pd.DataFrame({"area": areas[id_field].astype(str).to_numpy()[area_i],
                         "row": point_i})


def _named_points(points: gpd.GeoDataFrame | None, areas: gpd.GeoDataFrame, id_field: str,
                  names: dict[str, str], access: str, order: pd.Series | None,
                  rank0: int) -> pd.DataFrame:
    """Points inside each area: the one named like the area first, then by *order*."""
    pairs = _inside(points, areas, id_field)
    if pairs.empty:
        return no_candidates()
    rows = points.iloc[pairs["row"].to_numpy()]
    own = pairs["area"].map(names).to_numpy()
    label = rows["name"].astype(str).to_numpy() if "name" in rows else np.full(len(rows), "")
    pairs["named"] = [0 if n and isinstance(o, str) and (o in n or n in o) else 1
                      for n, o in zip(label, own, strict=True)]
    pairs["order"] = 0 if order is None else order.iloc[pairs["row"].to_numpy()].to_numpy()
    pairs = pairs.sort_values(["area", "named", "order", "row"], kind="stable")
    rank = rank0 + pairs.groupby("area").cumcount().to_numpy()
    return _candidates(pairs["area"], points.geometry.to_numpy()[pairs["row"].to_numpy()],
                       access, rank)


def _clusters(units: gpd.GeoDataFrame | None, key: str, rank0: int) -> pd.DataFrame:
    """The heaviest household clusters (units by households) of each area, heaviest first."""
    if units is None or units.empty or key not in units:
        return no_candidates()
    u = units[pd.to_numeric(units["households"], errors="coerce").fillna(0) > 0]
    u = u[u[key].notna()].copy()
    if u.empty:
        return no_candidates()
    u["_hh"] = pd.to_numeric(u["households"])
    u = u.sort_values([key, "_hh"], ascending=[True, False], kind="stable")
    u = u.groupby(key, sort=False).head(CLUSTERS_TRIED)
    rank = rank0 + u.groupby(key, sort=False).cumcount().to_numpy()
    return _candidates(u[key].astype(str), u.geometry.representative_point().to_numpy(),
                       "households", rank)


def area_sites(areas: gpd.GeoDataFrame, *, id_field: str, kind: str, name_field: str = "name",
               offices: gpd.GeoDataFrame | None = None,
               places: gpd.GeoDataFrame | None = None,
               units: gpd.GeoDataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Site rows and access candidates for villages (``kind="village"``) or grids.

    *units* are the area's units (with ``households`` and the area's id in *id_field* for
    a village's ``village_id`` or a grid's ``grid_id``, all in EPSG:4326).
    """
    areas = areas.reset_index(drop=True)
    sites = _base(areas[id_field], areas.get(name_field), kind, None)
    names = dict(zip(sites["site_id"], areas.get("name", areas[id_field]).astype(str),
                     strict=True))
    key = "village_id" if kind == "village" else "grid_id"
    units = None if units is None else units.rename(columns={key: "_area"})
    place_order = None if places is None or places.empty else places["place"].map(
        lambda p: _PLACE_RANK.get(str(p), 9))
    office_order = None if offices is None or offices.empty else offices.get(
        "kind", pd.Series("", index=offices.index)).map(lambda k: 0 if k == "townhall" else 1)
    if kind == "village":
        parts = [_named_points(offices, areas, id_field, names, "office", office_order, 0),
                 _named_points(places, areas, id_field, names, "place", place_order, 100),
                 _clusters(units, "_area", 200)]
    else:
        parts = [_clusters(units, "_area", 0),
                 _named_points(offices, areas, id_field, names, "office", office_order, 100)]
    parts = [p for p in parts if not p.empty]
    return sites, (pd.concat(parts, ignore_index=True) if parts else no_candidates())


def place_sites(places: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Villages known only as place nodes: each is its own (only) access candidate."""
    sites = _base(places["place_id"], places.get("name"), "village", None)
    return sites, _candidates(sites["site_id"], places.geometry.to_numpy(), "place")


def fire_zone_sites(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Site rows for fire zones (no point candidates: see :func:`gis.access.polygon_access`).

    The ``status`` column holds the zone's ``risk_class`` (used by :mod:`gis.risk`).
    """
    return _base(zones["zone_id"], zones.get("name"), "fire_zone", zones.get("risk_class"))


def find_checkpoints(graph: nx.MultiDiGraph, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Checkpoints (卡口) where roads enter each fire zone, as ``checkpoints`` layer rows.

    An edge from a node outside the zone to one inside enters it; the checkpoint is the
    outside node (where a car stops before the forest).  Returns columns ``checkpoint_id,
    zone_id, road_name, node, rank`` and Point geometry (EPSG:4326); ``rank`` orders a
    zone's checkpoints by road class (0 = best road).
    """
    ids, xy = node_coords(graph)
    pts = shapely.points(xy)
    order = {h: i for i, h in enumerate(sorted(DEFAULT_SPEEDS_KMH,
                                               key=lambda h: -DEFAULT_SPEEDS_KMH[h]))}
    rows = []
    tree = shapely.STRtree(pts)
    for zone_id, geom in zip(zones["zone_id"].astype(str), zones.geometry, strict=True):
        inside_idx = tree.query(geom, predicate="contains")
        inside = set(ids[inside_idx].tolist())
        found: dict[int, tuple[int, str]] = {}
        for v in inside:
            for u, _, d in graph.in_edges(v, data=True):
                if u in inside:
                    continue
                cls = order.get(str(d.get("highway")), len(order))
                name = d.get("name") or d.get("ref") or str(d.get("highway", ""))
                if u not in found or cls < found[u][0]:
                    found[u] = (cls, str(name))
        for rank, (u, (_, name)) in enumerate(sorted(found.items(), key=lambda kv: kv[1][0])):
            n = graph.nodes[u]
            rows.append({"checkpoint_id": f"{zone_id}:cp{rank + 1}", "zone_id": zone_id,
                         "road_name": name, "node": str(u), "rank": rank,
                         "geometry": shapely.Point(n["x"], n["y"])})
    cols = ["checkpoint_id", "zone_id", "road_name", "node", "rank", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry",
                            crs="EPSG:4326")


def check_duplicates(site_ids: Sequence[str]) -> None:
    """Raise :class:`SiteError` listing every site id given more than once."""
    s = pd.Series(list(site_ids), dtype=object)
    dup = sorted(set(s[s.duplicated()].astype(str)))
    if dup:
        msg = f"duplicate site ids {', '.join(dup[:20])}: give each site once"
        raise SiteError(msg, dup)
