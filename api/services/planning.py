"""What every plan starts from: the options, and the planning context read from the store.

:class:`PlanOptions` holds how plans are made (teams, hours, seed, search time, snapping,
outputs); :func:`api.services.routes.plan_day` and
:func:`api.services.campaign.plan_campaign` take the same one.  :func:`planning_context`
reads what a plan needs from the store — the road network (cached,
:mod:`api.services.network`), the sites with their access points (:mod:`gis.access`), the
depot, the visit history (open findings), the travel times — and checks it, so that every
error is raised before anything is written.

Sites that cannot be reached (no access point within the snap limit, or no road path from
the depot and back) are **skipped**: listed with their reason in the context, the plans'
records and the answer; planning fails only when no site at all is reachable.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from api.services.network import Network, NetworkCache
from gis import matrix as gm
from gis.access import SkippedSite, locate_sites
from gis.patrol import PatrolError
from gis.risk import RiskConfig, open_findings
from gis.sites import (
    DEFAULT_MAX_SNAP_M,
    DEFAULT_VISIT_MIN,
    SiteError,
    area_sites,
    find_checkpoints,
    fire_zone_sites,
    mine_sites,
    no_candidates,
    place_sites,
)
from layers.store import Store

log = logging.getLogger(__name__)
#: Route-search iterations for one day (~5 s of one idle core at 60–200 sites) and for each
#: day of a campaign (~1 s).
DAY_ITERATIONS = 4000
CAMPAIGN_DAY_ITERATIONS = 800
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class PlanOptions:
    """How plans are made; shared by a day and a campaign.

    Attributes
    ----------
    teams, hours
        Number of teams (≥ 1) and the working day in hours (> 0), depot to depot.
    seed
        Solver seed (drawn with :mod:`secrets` when None); stored in ``plans.seed``.
    depot
        ``(lon, lat)`` of the start/end office; default: the office nearest the area centre.
    iterations
        PyVRP iterations per day: the search budget (the same seed then gives the same plan
        on any machine; about 850 a second on one core).  None: search for *seconds*.
    seconds
        Wall-clock safety limit per day (s); when it stops a search first, the plan says so.
    day_start
        Local clock time the day starts (``HH:MM``).
    visit_minutes
        Visit duration per site kind, over :data:`gis.sites.DEFAULT_VISIT_MIN`.
    max_snap_m
        The farthest a site's access point may lie from a road node (m); farther: skipped.
    speeds
        km/h per road class, over :data:`gis.roads.DEFAULT_SPEEDS_KMH`.
    out
        Folder for ``<date>/<team>.gpx`` and ``.html``; None writes no files.
    lang
        Language of the printed sheets (``zh`` or ``en``).
    workers
        Parallel PyVRP searches (forked processes; the web service uses one).
    cache
        The network cache (default: one over the private per-user cache directory).
    """

    teams: int = 1
    hours: float = 8.0
    seed: int | None = None
    depot: tuple[float, float] | None = None
    iterations: int | None = DAY_ITERATIONS
    seconds: float = 60.0
    day_start: str = "08:00"
    visit_minutes: Mapping[str, float] | None = None
    max_snap_m: float = DEFAULT_MAX_SNAP_M
    speeds: Mapping[str, float] | None = None
    risk_config: RiskConfig | None = None
    created_by: str = "gridpatrol"
    out: Path | None = None
    lang: str = "zh"
    workers: int = 1
    cache: NetworkCache | None = None

    def check(self) -> None:
        """Raise :class:`PatrolError` for options no plan can have."""
        if self.teams <= 0:
            msg = f"teams must be at least 1 (got {self.teams}): give --teams K with K >= 1"
            raise PatrolError(msg)
        if not self.hours > 0:
            msg = f"hours must be positive (got {self.hours}): give the working day, e.g. 8"
            raise PatrolError(msg)
        if not _CLOCK.match(self.day_start):
            msg = f"day start {self.day_start!r} is not a clock time: give HH:MM, e.g. 08:00"
            raise PatrolError(msg)


@dataclass(frozen=True)
class PlanningContext:
    """What a plan is made from: the network, the reachable sites (in matrix order 1..n),
    the skipped ones, the fire checkpoints, the depot, open findings, travel times (s, row
    0 = the depot) and visit durations (s)."""

    net: Network
    sites: pd.DataFrame
    skipped: tuple[SkippedSite, ...]
    checkpoints: gpd.GeoDataFrame
    depot: dict[str, Any]
    findings: set[str]
    matrix: np.ndarray
    service: np.ndarray


def parse_date(date: str | dt.date) -> dt.date:
    """An ISO date, or :class:`PatrolError` saying how to write one."""
    if isinstance(date, dt.date):
        return date
    try:
        return dt.date.fromisoformat(str(date))
    except ValueError:
        msg = f"date {date!r} is not an ISO date: give YYYY-MM-DD"
        raise PatrolError(msg) from None


def check_ids(ids: Sequence[str], ctx: PlanningContext, what: str) -> None:
    """Every id in *ids* once, each a site that can be planned (skipped ones named)."""
    dup = sorted({s for s in ids if list(ids).count(s) > 1})
    if dup:
        msg = f"{what} lists site(s) more than once: {', '.join(dup)}; give each once"
        raise SiteError(msg, dup)
    skipped = {s.site_id: s for s in ctx.skipped}
    off = [str(skipped[s]) for s in ids if s in skipped]
    if off:
        msg = f"{what}: site(s) that cannot be reached: {'; '.join(off)}"
        raise SiteError(msg, off)
    unknown = sorted(set(ids) - set(ctx.sites["site_id"]))
    if unknown:
        msg = (f"{what}: unknown site id(s) {', '.join(unknown[:20])}; use the site_id of a "
               "mine, fire zone, grid or village")
        raise SiteError(msg, unknown)


def load_sites(store: Store, net: Network, *, max_snap_m: float
               ) -> tuple[pd.DataFrame, list[SkippedSite]]:
    """Every inspection site with its access point on the network, and those skipped."""
    parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    polygons: list[gpd.GeoSeries] = []
    mines = store.read("mine_sites")
    if len(mines):
        parts.append(mine_sites(mines))
    zones = store.read("fire_zones")
    if len(zones):
        parts.append((fire_zone_sites(zones), no_candidates()))
        polygons.append(zones.set_index(zones["zone_id"].astype(str)).geometry)
    parts.append(_area_sites(store, polygons))
    parts = [p for p in parts if len(p[0])]
    if not parts:
        msg = ("no inspection sites: the store has no mine_sites, fire_zones, grids or "
               "villages; import data first (gridpatrol demo / import)")
        raise SiteError(msg)
    sites = pd.concat([s for s, _ in parts], ignore_index=True)
    cands = pd.concat([no_candidates(), *(c for _, c in parts if len(c))], ignore_index=True)
    shapes = pd.concat(polygons) if polygons else pd.Series(dtype=object)
    return locate_sites(sites, cands, shapes, net.index, max_snap_m=max_snap_m)


def _area_sites(store: Store, polygons: list[gpd.GeoSeries]
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grids if there are any, else village areas, else village place nodes."""
    offices, units = store.read("offices"), store.read("units")
    grids = store.read("grids")
    if len(grids):
        polygons.append(grids.set_index(grids["grid_id"].astype(str)).geometry)
        return area_sites(grids, id_field="grid_id", kind="grid", name_field="code",
                          offices=offices, units=units)
    places = store.read("places")
    areas = store.read("admin_areas", where={"level": "village"})
    if len(areas):
        polygons.append(areas.set_index(areas["area_id"].astype(str)).geometry)
        return area_sites(areas, id_field="area_id", kind="village", offices=offices,
                          places=places, units=units)
    villages = places[places["place"].isin(["village", "hamlet", "town"])]
    return place_sites(villages) if len(villages) else (pd.DataFrame(), no_candidates())


def resolve_depot(store: Store, net: Network, depot: tuple[float, float] | None,
                  *, max_snap_m: float) -> dict[str, Any]:
    """The depot: *depot* (lon, lat), else the office nearest the area's centre, else the
    road node nearest the centre.  Off the network (farther than *max_snap_m*) is an error."""
    if depot is None:
        areas = store.read("admin_areas")
        geo = areas if len(areas) else store.read("roads")
        c = shapely.box(*geo.total_bounds).centroid
        offices = store.read("offices")
        if len(offices):
            x, y = offices.geometry.x.to_numpy(), offices.geometry.y.to_numpy()
            d = np.hypot((x - c.x) * np.cos(np.radians(c.y)), y - c.y)
            o = offices.iloc[int(np.argmin(d))]
            lon, lat, label = o.geometry.x, o.geometry.y, str(o.get("name") or o["office_id"])
        else:
            lon, lat, label = c.x, c.y, "centre"
    else:
        lon, lat = depot
        label = f"{lon:.5f},{lat:.5f}"
    node, dist = net.index.nearest(np.array([lon]), np.array([lat]))
    if dist[0] > max_snap_m:
        msg = (f"depot {label} ({lon:.5f}, {lat:.5f}) is {dist[0]:.0f} m from the nearest "
               f"road node (limit {max_snap_m:.0f} m): give --depot lon,lat on the road network")
        raise PatrolError(msg)
    return {"node": int(node[0]), "lon": float(lon), "lat": float(lat), "name": label}


def service_seconds(sites: pd.DataFrame, visit_minutes: Mapping[str, float] | None
                    ) -> np.ndarray:
    """Visit duration (s) of each site, by kind."""
    table = {**DEFAULT_VISIT_MIN, **dict(visit_minutes or {})}
    return sites["kind"].map(lambda k: table.get(str(k), 30.0)).to_numpy(float) * 60.0


def planning_context(store: Store, options: PlanOptions) -> PlanningContext:
    """Read and check everything a plan needs (nothing is written)."""
    options.check()
    cache = options.cache or NetworkCache()
    net = cache.network(store.read("roads"), speeds=options.speeds)
    sites, skipped = load_sites(store, net, max_snap_m=options.max_snap_m)
    depot = resolve_depot(store, net, options.depot, max_snap_m=options.max_snap_m)
    matrix = net.matrix([depot["node"], *sites["node"].tolist()], cache.matrices)
    reach = gm.reachable(matrix)
    if not reach.all():
        skipped += [SkippedSite(r.site_id, str(r.name), str(r.kind), float(r.snap_m),
                                f"no road path from the depot {depot['name']} and back")
                    for r in sites[~reach].itertuples()]
        keep = np.r_[0, np.flatnonzero(reach) + 1]
        sites, matrix = sites[reach].reset_index(drop=True), matrix[np.ix_(keep, keep)]
    if skipped:
        log.warning("%d site(s) skipped: %s", len(skipped), "; ".join(map(str, skipped[:20])))
    if sites.empty:
        msg = (f"no site can be reached: all {len(skipped)} are off the road network: "
               f"{'; '.join(map(str, skipped[:10]))}")
        raise SiteError(msg, [str(s) for s in skipped])
    zones = store.read("fire_zones")
    cps = find_checkpoints(net.graph, zones)
    findings = open_findings(store.read("inspections"))
    return PlanningContext(net, sites, tuple(skipped), cps, depot, findings, matrix,
                           service_seconds(sites, options.visit_minutes))


def windows_s(sites: pd.DataFrame, windows: Mapping[str, tuple[str, str]] | None,
              day_start: str) -> np.ndarray | None:
    """Visit-start windows ``{site_id: ("HH:MM", "HH:MM")}`` as seconds after the start."""
    if not windows:
        return None
    unknown = sorted(set(windows) - set(sites["site_id"]))
    if unknown:
        msg = f"time windows for unknown site(s) {', '.join(unknown)}: use their site_id"
        raise SiteError(msg, unknown)
    h0, m0 = (int(x) for x in day_start.split(":"))

    def secs(hhmm: str) -> int:
        h, m = (int(x) for x in hhmm.split(":"))
        return (h * 60 + m - h0 * 60 - m0) * 60

    out = np.tile([0, 10**9], (len(sites), 1))
    for i, sid in enumerate(sites["site_id"]):
        if sid in windows:
            out[i] = [secs(windows[sid][0]), secs(windows[sid][1])]
    return out
