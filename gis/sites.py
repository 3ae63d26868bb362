"""Inspection sites and how they snap to the road network.

One site table (columns :data:`SITE_COLUMNS`) over three kinds of place:

* a **mine** (point) → its gate, the nearest road node;
* a **fire zone** → a checkpoint (卡口) where a road enters the forest: an edge from a node
  outside the zone to one inside; the checkpoint is the outside node (where a car stops
  before the forest).  The zone's site uses its checkpoint on the highest road class;
  a zone crossed by no road uses the node nearest its centre;
* a **village or grid** → the node nearest its centre (centroid).

A site whose point is farther than ``max_snap_m`` from every road node is refused by
:func:`snap_sites`, naming the site and the distance.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from gis.errors import GisError
from gis.roads import DEFAULT_SPEEDS_KMH, NodeIndex, node_coords

SITE_COLUMNS = ("site_id", "name", "kind", "status", "lon", "lat", "node", "snap_m")
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


class SiteError(GisError, ValueError):
    """Sites that cannot be used: off the network, duplicated or unknown."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def mine_sites(mines: gpd.GeoDataFrame) -> pd.DataFrame:
    """Site rows from the ``mine_sites`` layer (kind = the mine's kind)."""
    pts = mines.geometry.representative_point()
    return pd.DataFrame({
        "site_id": mines["site_id"].astype(str).to_numpy(),
        "name": mines.get("name", mines["site_id"]).fillna(mines["site_id"]).astype(str).to_numpy(),
        "kind": mines["kind"].astype(str).to_numpy(),
        "status": mines.get("status", pd.Series(None, index=mines.index)).to_numpy(),
        "lon": pts.x.to_numpy(), "lat": pts.y.to_numpy(),
    })


def area_sites(areas: gpd.GeoDataFrame, *, id_field: str, kind: str,
               name_field: str = "name") -> pd.DataFrame:
    """Site rows for villages or grids: their centroid (computed in a metric CRS)."""
    metric = areas.geometry.to_crs(areas.geometry.estimate_utm_crs())
    cent = metric.centroid.to_crs(4326)
    names = areas[name_field] if name_field in areas else areas[id_field]
    return pd.DataFrame({
        "site_id": areas[id_field].astype(str).to_numpy(),
        "name": names.fillna(areas[id_field]).astype(str).to_numpy(),
        "kind": kind, "status": None,
        "lon": cent.x.to_numpy(), "lat": cent.y.to_numpy(),
    })


def find_checkpoints(graph: nx.MultiDiGraph, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Checkpoints (卡口) where roads enter each fire zone, as ``checkpoints`` layer rows.

    Returns columns ``checkpoint_id, zone_id, road_name, node, rank`` and Point geometry
    (EPSG:4326); ``rank`` orders a zone's checkpoints by road class (0 = best road).
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


def fire_zone_sites(zones: gpd.GeoDataFrame, checkpoints: pd.DataFrame) -> pd.DataFrame:
    """Site rows for fire zones, at their best checkpoint (else the zone's centre).

    The ``status`` column holds the zone's ``risk_class`` (used by :mod:`gis.risk`).
    """
    base = area_sites(zones, id_field="zone_id", kind="fire_zone")
    base["status"] = zones.get("risk_class", pd.Series(None, index=zones.index)).to_numpy()
    base["node"] = pd.NA
    if len(checkpoints):
        best = checkpoints.sort_values("rank").groupby("zone_id").head(1).set_index("zone_id")
        hit = base["site_id"].isin(best.index)
        cp = best.loc[base.loc[hit, "site_id"]]
        base.loc[hit, "lon"] = cp.geometry.x.to_numpy()
        base.loc[hit, "lat"] = cp.geometry.y.to_numpy()
        base.loc[hit, "node"] = cp["node"].astype(np.int64).to_numpy()
    return base


def check_duplicates(site_ids: Sequence[str]) -> None:
    """Raise :class:`SiteError` listing every site id given more than once."""
    s = pd.Series(list(site_ids), dtype=object)
    dup = sorted(set(s[s.duplicated()].astype(str)))
    if dup:
        msg = f"duplicate site ids {', '.join(dup[:20])}: give each site once"
        raise SiteError(msg, dup)


def snap_sites(sites: pd.DataFrame, index: NodeIndex, *,
               max_snap_m: float = DEFAULT_MAX_SNAP_M) -> pd.DataFrame:
    """Sites with ``node`` (road node id) and ``snap_m`` (metres to it) filled in.

    Rows that already carry a ``node`` (fire-zone checkpoints) keep it, with distance 0.
    A site farther than *max_snap_m* from every node is a :class:`SiteError` that names
    each such site and its distance.
    """
    check_duplicates(sites["site_id"].tolist())
    out = sites.copy()
    if "node" not in out:
        out["node"] = pd.NA
    todo = out["node"].isna().to_numpy()
    node, dist = index.nearest(out["lon"].to_numpy(float), out["lat"].to_numpy(float))
    given = ~todo & np.isin(pd.to_numeric(out["node"], errors="coerce").fillna(-1), index.ids)
    out["node"] = np.where(given, pd.to_numeric(out["node"], errors="coerce").fillna(-1),
                           node).astype(np.int64)
    out["snap_m"] = np.where(given, 0.0, np.round(dist, 1))
    far = out[out["snap_m"] > max_snap_m]
    if len(far):
        problems = [f"{r.site_id} ({r.name}, {r.kind}): {r.snap_m:.0f} m from the nearest road"
                    for r in far.itertuples()]
        msg = (f"{len(far)} site(s) are farther than {max_snap_m:.0f} m from any road node: "
               f"{'; '.join(problems[:10])}; fix their position, import the roads near them, "
               "or raise max_snap_m")
        raise SiteError(msg, problems)
    return out
