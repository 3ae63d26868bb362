"""Plans as records and files: the rows of the ``plans`` layer, their writing, GPX and sheets.

A day's routes (:class:`gis.patrol.DayPlan`) become one ``plans`` row per team: the stops
with their clock times and the roads driven, the road path, the seed, the day's start and
the sites skipped that day.  :func:`store_plans` writes the rows in one transaction, with
the fire checkpoints when they changed; :func:`write_files` writes each row's GPX
(:func:`plan_gpx`, the same bytes ``GET /plans/{id}/gpx`` answers) and printable sheet.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from api.services.network import Network
from api.services.planning import PlanningContext, PlanOptions
from gis import matrix as gm
from gis.gpx import day_gpx
from gis.patrol import DayPlan, TeamRoute
from layers.store import Store, Transaction
from maps.sheet import clock, day_sheet_html

#: ``after(tx, plans)``: runs inside the transaction that stores the plans.
AfterHook = Callable[[Transaction, gpd.GeoDataFrame], None]


def new_plan_id() -> str:
    """An unguessable plan id (22 url-safe characters, 128 bits)."""
    return secrets.token_urlsafe(16)


def team_outputs(net: Network, sites: pd.DataFrame, depot: Mapping[str, Any],
                 route: TeamRoute, day_start: str) -> tuple[list[dict], shapely.LineString]:
    """One team's stops (with clock times and the roads driven to each) and road path."""
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
                          "access": str(row["access"]),
                          "arrival_s": s.arrival_s, "start_s": s.start_s,
                          "departure_s": s.departure_s,
                          "arrival": clock(day_start, s.arrival_s),
                          "departure": clock(day_start, s.departure_s),
                          "roads": [t["road"] for t in gm.turn_list(net.graph, path)]})
    if len(set(coords)) < 2:  # the team never leaves the depot's road node
        coords = _stub(depot)
    return stops, shapely.LineString(coords)


def _stub(depot: Mapping[str, Any]) -> list[tuple[float, float]]:
    """A valid path for a team that does not drive: ~0.1 m east of the depot (a line needs
    two distinct points; the sheets show the drive time, 0)."""
    lon, lat = float(depot["lon"]), float(depot["lat"])
    return [(lon, lat), (lon + 1e-6, lat)]


def plan_rows(ctx: PlanningContext, plan: DayPlan, options: PlanOptions, *, date: str,
              seed: int, team_names: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """The ``plans`` rows of one day (one per team, ``end_s`` kept for the sheets)."""
    rows = []
    now = dt.datetime.now(dt.UTC)
    by_team = {r.team: r for r in plan.routes}
    skipped = [s.as_dict() for s in ctx.skipped]
    for team in range(options.teams):
        route = by_team.get(team, TeamRoute(team, (), 0, 0))
        stops, geom = team_outputs(ctx.net, ctx.sites, ctx.depot, route, options.day_start)
        rows.append({"plan_id": new_plan_id(), "date": date,
                     "team": team_names[team] if team_names else f"team-{team + 1}",
                     "status": "draft", "stops": stops, "drive_s": float(route.drive_s),
                     "seed": int(seed), "start": options.day_start, "skipped": skipped,
                     "created_by": options.created_by, "created_at": now, "geometry": geom,
                     "end_s": route.end_s})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _same_checkpoints(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    cols = ["checkpoint_id", "zone_id", "road_name", "node"]
    if len(old) != len(new):
        return False
    a = old[cols].astype(str).sort_values("checkpoint_id").reset_index(drop=True)
    b = new[cols].astype(str).sort_values("checkpoint_id").reset_index(drop=True)
    return bool(a.equals(b))


def store_plans(store: Store, ctx: PlanningContext, frames: Sequence[gpd.GeoDataFrame],
                after: AfterHook | None = None) -> None:
    """Append the plans in one transaction, and the fire checkpoints if they changed."""
    cps = ctx.checkpoints.drop(columns=["rank"], errors="ignore")
    plans = pd.concat(frames, ignore_index=True).drop(columns=["end_s"])
    plans = gpd.GeoDataFrame(plans, geometry="geometry", crs="EPSG:4326")
    with store.transaction() as tx:
        if not _same_checkpoints(tx.read("checkpoints"), cps):
            tx.replace("checkpoints", cps)
        tx.append("plans", plans)
        if after is not None:
            after(tx, plans)


def plan_gpx(plan: Mapping[str, Any]) -> str:
    """The GPX of a ``plans`` row (waypoints for the stops, the road path as a track)."""
    geom = plan.get("geometry")
    path = [] if geom is None or shapely.is_empty(geom) else [
        (float(x), float(y)) for x, y in shapely.get_coordinates(geom)]
    start = plan.get("start")
    return day_gpx(date=str(plan["date"]), team=str(plan["team"]),
                   day_start=start if isinstance(start, str) and start else None,
                   path=path, stops=list(plan["stops"] or []))


def write_files(out: Path, frame: gpd.GeoDataFrame, lang: str) -> list[str]:
    """``<out>/<date>/<team>.gpx`` and ``.html`` for every row; the paths written."""
    files = []
    for _, row in frame.iterrows():
        folder = out / str(row["date"])
        folder.mkdir(parents=True, exist_ok=True)
        html = day_sheet_html(date=row["date"], team=row["team"], stops=row["stops"],
                              drive_s=row["drive_s"], end_s=row["end_s"], start=row["start"],
                              lang=lang)
        for ext, text in (("gpx", plan_gpx(row)), ("html", html)):
            path = folder / f"{row['team']}.{ext}"
            path.write_text(text, encoding="utf-8")
            files.append(str(path))
    return files
