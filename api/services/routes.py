"""Inspection routes as services: plan one day, or run a campaign of weeks.

Both read ``roads``, ``mine_sites``, ``fire_zones``, ``grids`` (else village
``admin_areas``, else village/hamlet ``places``), ``offices`` and ``inspections`` from the
store, and write the sealed ``plans`` (status ``draft``) together with the ``checkpoints``
they used in ONE transaction; GPX 1.1 and printable HTML sheets go to ``out``.  Every
check runs before anything is written: on an error nothing is written.

The seed of each day is stored in ``plans.seed`` and logged; it is not on any sheet.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tempfile
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from gis import matrix as gm
from gis.patrol import DayPlan, DayProblem, PatrolError, TeamRoute, solve_day
from gis.risk import RiskConfig, open_findings, site_risk
from gis.roads import NodeIndex, build_graph, graph_to_csr
from gis.sites import (
    DEFAULT_MAX_SNAP_M,
    DEFAULT_VISIT_MIN,
    SiteError,
    area_sites,
    find_checkpoints,
    fire_zone_sites,
    mine_sites,
    snap_sites,
)
from layers.store import Store
from maps.sheet import day_sheet_html

log = logging.getLogger(__name__)


class NpyCache(MutableMapping[str, np.ndarray]):
    """A disk cache of matrices: one ``<key>.npy`` file per entry in *directory*."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)

    def _p(self, key: str) -> Path:
        return self.dir / f"{key}.npy"

    def __getitem__(self, key: str) -> np.ndarray:
        try:
            return np.load(self._p(key))
        except (FileNotFoundError, ValueError, OSError):
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._p(key).exists()

    def __setitem__(self, key: str, value: np.ndarray) -> None:
        tmp = self.dir / f".{key}.{secrets.token_hex(4)}.npy"
        np.save(tmp, value)
        tmp.replace(self._p(key))

    def __delitem__(self, key: str) -> None:
        self._p(key).unlink()

    def __iter__(self):  # noqa: ANN204
        return (p.stem for p in self.dir.glob("*.npy"))

    def __len__(self) -> int:
        return sum(1 for _ in self.dir.glob("*.npy"))


@dataclass(frozen=True)
class Network:
    """The road graph, its CSR form and a nearest-node index."""

    graph: nx.MultiDiGraph
    csr: Any
    nodes: np.ndarray
    row: dict[int, int]
    index: NodeIndex


def load_network(store: Store, *, speeds: Mapping[str, float] | None = None) -> Network:
    """Build the road network from the store's ``roads`` layer."""
    graph = build_graph(store.read("roads"), speeds=speeds)
    csr, nodes = graph_to_csr(graph)
    return Network(graph, csr, nodes, {int(n): i for i, n in enumerate(nodes.tolist())},
                   NodeIndex(graph))


def load_sites(store: Store, net: Network, *, max_snap_m: float = DEFAULT_MAX_SNAP_M
               ) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Every inspection site snapped to the network, and the fire checkpoints found."""
    zones = store.read("fire_zones")
    cps = find_checkpoints(net.graph, zones) if len(zones) else find_checkpoints(
        net.graph, zones.iloc[:0])
    parts = []
    mines = store.read("mine_sites")
    if len(mines):
        parts.append(mine_sites(mines))
    if len(zones):
        parts.append(fire_zone_sites(zones, cps))
    grids = store.read("grids")
    areas = store.read("admin_areas", where={"level": "village"})
    if len(grids):
        parts.append(area_sites(grids, id_field="grid_id", kind="grid", name_field="code"))
    elif len(areas):
        parts.append(area_sites(areas, id_field="area_id", kind="village"))
    else:
        places = store.read("places", where={"place": ["village", "hamlet", "town"]})
        if len(places):
            parts.append(area_sites(places, id_field="place_id", kind="village"))
    if not parts:
        msg = ("no inspection sites: the store has no mine_sites, fire_zones, grids or "
               "villages; import data first (gridpatrol demo / import)")
        raise SiteError(msg)
    sites = pd.concat(parts, ignore_index=True)
    sites = snap_sites(sites, net.index, max_snap_m=max_snap_m)
    return sites, cps


def resolve_depot(store: Store, net: Network, depot: tuple[float, float] | None,
                  *, max_snap_m: float = DEFAULT_MAX_SNAP_M) -> dict[str, Any]:
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


def _windows(sites: pd.DataFrame, windows: Mapping[str, tuple[str, str]] | None,
             start: str) -> np.ndarray | None:
    if not windows:
        return None
    unknown = sorted(set(windows) - set(sites["site_id"]))
    if unknown:
        msg = f"time windows for unknown site(s) {', '.join(unknown)}: use their site_id"
        raise SiteError(msg, unknown)

    def secs(hhmm: str) -> int:
        h, m = (int(x) for x in hhmm.split(":"))
        h0, m0 = (int(x) for x in start.split(":"))
        return (h * 60 + m - h0 * 60 - m0) * 60

    out = np.tile([0, 10**9], (len(sites), 1))
    for i, sid in enumerate(sites["site_id"]):
        if sid in windows:
            out[i] = [secs(windows[sid][0]), secs(windows[sid][1])]
    return out


@dataclass(frozen=True)
class DayResult:
    """What :func:`plan_day` wrote: plan ids per team, the plan, files and the seed."""

    date: str
    plan_ids: tuple[str, ...]
    plan: DayPlan
    files: tuple[str, ...]
    seed: int
    depot: dict[str, Any]
    stops: tuple[tuple[dict, ...], ...] = field(default=())


def _matrix(net: Network, nodes: Sequence[int], cache_dir: Path | None) -> np.ndarray:
    rows = [net.row[int(n)] for n in nodes]
    cache = NpyCache(cache_dir or Path(tempfile.gettempdir()) / "gridpatrol-matrix")
    return gm.travel_time_matrix(net.csr, rows, cache=cache)


def _team_outputs(net: Network, sites: pd.DataFrame, depot: dict, route: TeamRoute
                  ) -> tuple[list[dict], shapely.LineString]:
    nodes = [depot["node"]] + [int(sites.iloc[s.index]["node"]) for s in route.stops]
    nodes.append(depot["node"])
    stops, coords = [], []
    for leg, (a, b) in enumerate(zip(nodes[:-1], nodes[1:], strict=True)):
        path = [int(net.nodes[i]) for i in gm.shortest_path(net.csr, net.row[a], net.row[b])]
        part = list(gm.path_geometry(net.graph, path).coords)
        coords.extend(part if not coords else part[1:])
        if leg < len(route.stops):
            s, row = route.stops[leg], sites.iloc[route.stops[leg].index]
            stops.append({"seq": leg + 1, "site_id": s.site_id, "name": str(row["name"]),
                          "kind": str(row["kind"]), "lon": float(row["lon"]),
                          "lat": float(row["lat"]), "node": int(row["node"]),
                          "arrival_s": s.arrival_s, "start_s": s.start_s,
                          "departure_s": s.departure_s,
                          "roads": [t["road"] for t in gm.turn_list(net.graph, path)]})
    if len(coords) < 2:
        coords = [(depot["lon"], depot["lat"])] * 2
    return stops, shapely.LineString(coords)


def _parse_date(date: str | dt.date) -> dt.date:
    if isinstance(date, dt.date):
        return date
    try:
        return dt.date.fromisoformat(str(date))
    except ValueError:
        msg = f"date {date!r} is not an ISO date: give YYYY-MM-DD"
        raise PatrolError(msg) from None


def _check_basic(teams: int, hours: float) -> None:
    if teams <= 0:
        msg = f"teams must be at least 1 (got {teams}): give --teams K with K >= 1"
        raise PatrolError(msg)
    if not hours > 0:
        msg = f"hours must be positive (got {hours}): give the working day, e.g. --hours 8"
        raise PatrolError(msg)


def _check_ids(ids: Sequence[str], sites: pd.DataFrame, what: str) -> None:
    dup = sorted({s for s in ids if list(ids).count(s) > 1})
    if dup:
        msg = f"{what} lists site(s) more than once: {', '.join(dup)}; give each once"
        raise SiteError(msg, dup)
    unknown = sorted(set(ids) - set(sites["site_id"]))
    if unknown:
        msg = (f"{what}: unknown site id(s) {', '.join(unknown[:20])}; use the site_id of a "
               "mine, fire zone, grid or village")
        raise SiteError(msg, unknown)


def _service_s(sites: pd.DataFrame, visit_minutes: Mapping[str, float] | None) -> np.ndarray:
    table = {**DEFAULT_VISIT_MIN, **dict(visit_minutes or {})}
    return sites["kind"].map(lambda k: table.get(str(k), 30.0)).to_numpy(float) * 60.0


@dataclass
class _Context:
    net: Network
    sites: pd.DataFrame
    checkpoints: gpd.GeoDataFrame
    depot: dict[str, Any]
    matrix: np.ndarray
    service: np.ndarray


def _context(store: Store, *, depot: tuple[float, float] | None, max_snap_m: float,
             speeds: Mapping[str, float] | None, visit_minutes: Mapping[str, float] | None,
             cache_dir: Path | None) -> _Context:
    net = load_network(store, speeds=speeds)
    sites, cps = load_sites(store, net, max_snap_m=max_snap_m)
    dep = resolve_depot(store, net, depot, max_snap_m=max_snap_m)
    mat = _matrix(net, [dep["node"], *sites["node"].tolist()], cache_dir)
    reach = np.isfinite(mat[0, 1:]) & np.isfinite(mat[1:, 0])
    if not reach.all():
        bad = sites.loc[~reach, "site_id"].tolist()
        msg = (f"{len(bad)} site(s) cannot be reached from the depot {dep['name']} and back: "
               f"{', '.join(bad[:20])}")
        raise PatrolError(msg, bad)
    return _Context(net, sites, cps, dep, mat, _service_s(sites, visit_minutes))


def _plan_rows(ctx: _Context, plan: DayPlan, *, date: str, teams: int, seed: int,
               created_by: str, start: str, team_names: Sequence[str] | None = None
               ) -> tuple[gpd.GeoDataFrame, list[list[dict]]]:
    rows, all_stops = [], []
    now = dt.datetime.now(dt.UTC)
    by_team = {r.team: r for r in plan.routes}
    for team in range(teams):
        route = by_team.get(team, TeamRoute(team, (), 0, 0))
        stops, geom = _team_outputs(ctx.net, ctx.sites, ctx.depot, route)
        for s in stops:
            s["arrival"] = _clock(start, s["arrival_s"])
            s["departure"] = _clock(start, s["departure_s"])
        all_stops.append(stops)
        rows.append({"plan_id": secrets.token_urlsafe(16), "date": date,
                     "team": team_names[team] if team_names else f"team-{team + 1}",
                     "status": "draft", "stops": stops,
                     "drive_s": float(route.drive_s), "seed": int(seed),
                     "created_by": created_by, "created_at": now, "geometry": geom,
                     "end_s": route.end_s})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    return frame, all_stops


def _clock(start: str, seconds: float) -> str:
    h, m = (int(x) for x in start.split(":"))
    total = h * 60 + m + int(round(seconds / 60))
    return f"{(total // 60) % 24:02d}:{total % 60:02d}"


def _write_files(out: Path, frame: gpd.GeoDataFrame, start: str, lang: str) -> list[str]:
    from gis.gpx import route_gpx

    files = []
    for row in frame.itertuples():
        folder = out / str(row.date)
        folder.mkdir(parents=True, exist_ok=True)
        h, m = (int(x) for x in start.split(":"))
        t0 = dt.datetime.combine(dt.date.fromisoformat(row.date), dt.time(h, m),
                                 tzinfo=dt.timezone(dt.timedelta(hours=8)))
        gpx = route_gpx(f"{row.date} {row.team}", list(row.geometry.coords), row.stops,
                        start=t0)
        html = day_sheet_html(date=row.date, team=row.team, stops=row.stops,
                              drive_s=row.drive_s, end_s=row.end_s, start=start, lang=lang)
        for ext, text in (("gpx", gpx), ("html", html)):
            path = folder / f"{row.team}.{ext}"
            path.write_text(text, encoding="utf-8")
            files.append(str(path))
    return files


def _store_plans(store: Store, ctx: _Context, frames: Sequence[gpd.GeoDataFrame],
                 after: Callable[[Any, gpd.GeoDataFrame], None] | None = None) -> None:
    cps = ctx.checkpoints.drop(columns=["rank"], errors="ignore")
    plans = pd.concat(frames, ignore_index=True).drop(columns=["end_s"])
    plans = gpd.GeoDataFrame(plans, geometry="geometry", crs="EPSG:4326")
    with store.transaction() as tx:
        tx.replace("checkpoints", cps)
        tx.append("plans", plans)
        if after is not None:
            after(tx, plans)


def plan_day(
    store: Store,
    *,
    date: str | dt.date,
    teams: int,
    hours: float,
    must: Sequence[str] = (),
    seed: int | None = None,
    depot: tuple[float, float] | None = None,
    out: str | Path | None = None,
    seconds: float = 5.0,
    start: str = "08:00",
    windows: Mapping[str, tuple[str, str]] | None = None,
    visit_minutes: Mapping[str, float] | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    speeds: Mapping[str, float] | None = None,
    risk_config: RiskConfig | None = None,
    created_by: str = "gridpatrol",
    cache_dir: Path | None = None,
    lang: str = "zh",
    team_names: Sequence[str] | None = None,
    after: Callable[[Any, gpd.GeoDataFrame], None] | None = None,
    workers: int = 1,
) -> DayResult:
    """Plan one day for *teams* teams and write it (plans + checkpoints, GPX/HTML to *out*).

    *team_names* name the teams (default ``team-1`` …); *after(tx, plans)* runs inside the
    transaction that stores the plans (the web service writes its audit event there);
    *workers* > 1 runs that many PyVRP searches at once in forked processes (command line
    only: the web service, being multi-threaded, plans with one).

    Parameters
    ----------
    date
        ISO date of the day (drives seasonal risk).
    teams, hours
        Number of teams (≥ 1) and the working day in hours (> 0), depot to depot.
    must
        Site ids that must be visited.
    seed
        Solver seed (drawn with :mod:`secrets` when None); stored in ``plans.seed``.
    depot
        ``(lon, lat)`` of the start/end office; default: the office nearest the area centre.
    out
        Folder for ``<date>/team-<k>.gpx`` and ``.html``; None writes no files.
    seconds
        PyVRP time limit.
    windows
        ``{site_id: ("HH:MM", "HH:MM")}`` visit-start windows.
    visit_minutes
        Visit duration per site kind, over :data:`gis.sites.DEFAULT_VISIT_MIN`.

    Raises
    ------
    PatrolError, SiteError
        Bad input (teams ≤ 0, hours ≤ 0, unknown/duplicate/unreachable sites, a depot off
        the network, must-visit sites that do not fit); nothing is written.
    """
    _check_basic(teams, hours)
    day = _parse_date(date)
    seed = secrets.randbelow(2**31 - 1) if seed is None else int(seed)
    ctx = _context(store, depot=depot, max_snap_m=max_snap_m, speeds=speeds,
                   visit_minutes=visit_minutes, cache_dir=cache_dir)
    _check_ids(list(must), ctx.sites, "--must")
    risk = site_risk(ctx.sites, day, findings=open_findings(store.read("inspections")),
                     config=risk_config)
    problem = DayProblem(ctx.matrix, tuple(ctx.sites["site_id"]), ctx.service, risk, teams,
                         float(hours), required=ctx.sites["site_id"].isin(list(must)).to_numpy(),
                         windows=_windows(ctx.sites, windows, start))
    plan = solve_day(problem, seconds=seconds, seed=seed, workers=workers)
    if team_names is not None and len(team_names) != teams:
        msg = f"team_names has {len(team_names)} name(s) for {teams} team(s)"
        raise PatrolError(msg)
    frame, stops = _plan_rows(ctx, plan, date=day.isoformat(), teams=teams, seed=seed,
                              created_by=created_by, start=start, team_names=team_names)
    _store_plans(store, ctx, [frame], after=after)
    files = _write_files(Path(out), frame, start, lang) if out else []
    log.info("planned %s: %d team(s), %d stop(s), prize %.2f, seed %d", day, teams,
             sum(len(s) for s in stops), plan.prize, seed)
    return DayResult(day.isoformat(), tuple(frame["plan_id"]), plan, tuple(files), seed,
                     ctx.depot, tuple(tuple(s) for s in stops))
