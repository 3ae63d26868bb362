"""Sites onto the road network: each site's access point, or the reason it is skipped.

:func:`locate_sites` takes the sites and their candidate access points
(:mod:`gis.sites`) and gives each site the first candidate, in a local's order, that lies
within ``max_snap_m`` of a road node.  A site with a polygon (fire zone, village, grid) and
no such candidate is reached by :func:`polygon_access`: the road node inside it nearest to
its centre, else the road node nearest to its edge.  A site that is still farther than
``max_snap_m`` from every road node is **skipped**, with its distance and the reason
(:class:`SkippedSite`): a planner is told, and the day goes on without it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from gis.roads import NodeIndex
from gis.sites import SITE_COLUMNS, check_duplicates

#: How each access point was chosen, in words for the planner.
ACCESS_WORDS = {
    "given": "its given access point",
    "gate": "its position",
    "office": "its village office",
    "place": "its place node",
    "households": "its largest household cluster",
    "road_inside": "the road inside it",
    "road_edge": "its edge",
}


@dataclass(frozen=True)
class SkippedSite:
    """A site left out of planning: where it is, how far from a road, and why."""

    site_id: str
    name: str
    kind: str
    distance_m: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able record (kept in the plan)."""
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.site_id} ({self.name}, {self.kind}): {self.reason}"


def polygon_access(index: NodeIndex, polygons: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The road node by which each polygon (lon/lat) is entered.

    The node inside (or on) the polygon nearest to its centre, at distance 0; where no node
    lies inside, the node nearest to the polygon's edge, at that distance (m).

    Returns
    -------
    ``(node ids, distance m, access)`` with access ``"road_inside"`` or ``"road_edge"``.
    """
    metric = index.to_metric(polygons)
    n = len(metric)
    pos = np.full(n, -1, np.int64)
    dist = np.zeros(n)
    access = np.full(n, "road_inside", dtype=object)
    which, node = index.inside(metric)
    if len(which):
        centre = shapely.centroid(metric)
        d = np.hypot(index.xy[node, 0] - shapely.get_x(centre)[which],
                     index.xy[node, 1] - shapely.get_y(centre)[which])
        best = pd.DataFrame({"g": which, "n": node, "d": d}).sort_values(["g", "d", "n"])
        best = best.drop_duplicates("g")
        pos[best["g"].to_numpy()] = best["n"].to_numpy()
    outside = np.flatnonzero(pos < 0)
    if len(outside):
        near, far = index.nearest_to(metric[outside])
        pos[outside] = near
        dist[outside] = far
        access[outside] = "road_edge"
    return pos, dist, access


def _best_points(candidates: pd.DataFrame, index: NodeIndex, max_snap_m: float
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per site: the first candidate within the limit (``ok``), and the nearest one overall
    (``near``, for the message when none is within)."""
    c = candidates.copy()
    if c.empty:
        empty = pd.DataFrame(columns=["node", "snap_m", "lon", "lat", "access"])
        return empty, empty
    node, dist = index.nearest(c["lon"].to_numpy(float), c["lat"].to_numpy(float))
    c["node"], c["snap_m"] = node.astype(np.int64), np.round(dist, 1)
    c = c.sort_values(["site_id", "rank"], kind="stable")
    ok = c[c["snap_m"] <= max_snap_m].drop_duplicates("site_id").set_index("site_id")
    near = c.sort_values(["site_id", "snap_m"], kind="stable").drop_duplicates("site_id")
    return ok, near.set_index("site_id")


def locate_sites(sites: pd.DataFrame, candidates: pd.DataFrame, polygons: pd.Series,
                 index: NodeIndex, *, max_snap_m: float
                 ) -> tuple[pd.DataFrame, list[SkippedSite]]:
    """Each site's access point on the network (columns :data:`gis.sites.SITE_COLUMNS`).

    Parameters
    ----------
    sites
        ``site_id, name, kind, status`` (ids unique).
    candidates
        Candidate access points ``site_id, rank, lon, lat, access`` (rank 0 tried first).
    polygons
        Lon/lat polygons by site id, for the sites that have one (fire zones, villages,
        grids): the fallback when no candidate point is near a road.
    max_snap_m
        The farthest an access point may lie from its road node (m).

    Returns
    -------
    The located sites (``lon, lat`` = the access point, ``node`` = its road node,
    ``snap_m`` = metres between them, ``access`` = how it was chosen) and the skipped ones.
    """
    check_duplicates(sites["site_id"].tolist())
    out = sites.reset_index(drop=True).copy()
    ids = out["site_id"].astype(str)
    ok, near = _best_points(candidates, index, max_snap_m)
    for col in ("lon", "lat", "node", "snap_m", "access"):
        out[col] = ids.map(ok[col]).astype(object)
    todo = np.flatnonzero((out["node"].isna() & ids.isin(polygons.index)).to_numpy())
    if len(todo):
        pos, dist, how = polygon_access(index, polygons.loc[ids[todo]].to_numpy())
        fits = dist <= max_snap_m
        rows = todo[fits]
        out.loc[rows, "lon"] = index.lonlat[pos[fits], 0]
        out.loc[rows, "lat"] = index.lonlat[pos[fits], 1]
        out.loc[rows, "node"] = index.ids[pos[fits]]
        out.loc[rows, "snap_m"] = np.round(dist[fits], 1)
        out.loc[rows, "access"] = how[fits]
        far = pd.DataFrame({"snap_m": np.round(dist[~fits], 1), "access": how[~fits]},
                           index=ids[todo[~fits]].to_numpy())
        near = pd.concat([near[["snap_m", "access"]], far]).sort_values(
            "snap_m", kind="stable").groupby(level=0).first()
    missing = out["node"].isna()
    skipped = [_skipped(row, near, max_snap_m) for row in out[missing].itertuples()]
    located = out[~missing].reset_index(drop=True)
    located["node"] = located["node"].astype(np.int64)
    for col in ("lon", "lat", "snap_m"):
        located[col] = located[col].astype(float)
    located["access"] = located["access"].astype(str)
    return located[list(SITE_COLUMNS)], skipped


def _skipped(row: Any, near: pd.DataFrame, max_snap_m: float) -> SkippedSite:
    if row.site_id in near.index:
        best = near.loc[row.site_id]
        dist, how = float(best["snap_m"]), ACCESS_WORDS.get(str(best["access"]), "it")
        reason = (f"{how} is {dist:.0f} m from the nearest road node (limit "
                  f"{max_snap_m:.0f} m): give it an access point, import the roads near it, "
                  "or raise the snap limit")
    else:
        dist = float("inf")
        reason = "it has no position to reach (no geometry, office, place or households)"
    return SkippedSite(str(row.site_id), str(row.name), str(row.kind), round(dist, 1), reason)
