"""HTML of the three maps as the service serves them (live data, edit mode for planners).

Uses the maps engineer's :mod:`api.services.maps` when it offers ``planner_html`` /
``leader_html`` / ``inspector_html``; otherwise builds the maps with :mod:`maps` directly.
The page gets the caller's token (the cookie is HttpOnly, so the page's script cannot read
it) and the service as ``api_base``; the response is ``no-store``.
"""

from __future__ import annotations

import importlib
from typing import Any

import pandas as pd

from api.services.users import User
from layers.store import Reader


def _svc(name: str) -> Any:
    try:
        module = importlib.import_module("api.services.maps")
    except ModuleNotFoundError:
        return None
    return getattr(module, name, None)


def _options(token: str | None, *, live: tuple[str, ...] = ()) -> Any:
    from maps.page import MapOptions

    return MapOptions(api_base="/", token=token, live_layers=live,
                      edit_endpoints={"move": "grids/edits/move",
                                      "redraw": "grids/edits/redraw"})


def _html(m: Any) -> str:
    return str(m.get_root().render())


def planner_html(store: Reader, user: User, token: str | None) -> str:
    """The planner's map; edit mode posts to ``/grids/edits/…`` with the token."""
    svc = _svc("planner_html")
    if svc is not None:
        return str(svc(store, options=_options(token, live=("units",))))
    from maps.planner import planner_map

    where = None
    m = planner_map(grids=store.read("grids", where=where), units=store.read("units"),
                    admin_areas=store.read("admin_areas"), mine_sites=store.read("mine_sites"),
                    fire_zones=store.read("fire_zones"), options=_options(token))
    return _html(m)


def inspector_html(store: Reader, plan: pd.Series, token: str | None = None) -> str:
    """The inspector's map of one plan (already read through the caller's scope)."""
    svc = _svc("inspector_html")
    if svc is not None:
        return str(svc(store, plan, options=_options(token)))
    from maps.inspector import inspector_map

    from api.services.plans_api import stop_points

    stops = [dict(s) for s in plan["stops"] or []]
    points = stop_points(store, stops)
    if len(points) == len(stops):
        for s, (lon, lat, _) in zip(stops, points, strict=True):
            s.setdefault("lon", lon)
            s.setdefault("lat", lat)
    m = inspector_map(stops=stops, path=plan.get("geometry"), team=str(plan["team"]),
                      date=str(plan["date"]), drive_s=plan.get("drive_s"),
                      options=_options(token))
    return _html(m)


def _with_coverage(frame: pd.DataFrame, id_field: str, rows: list[dict[str, Any]],
                   leaders: dict[str, list[str]]) -> pd.DataFrame:
    by_id = {r["id"]: r for r in rows}
    out = frame.copy()
    ids = out[id_field].astype(str)
    out["last_visit"] = [by_id.get(i, {}).get("last_visit") for i in ids]
    out["visits"] = [by_id.get(i, {}).get("visits_total", 0) for i in ids]
    out["leaders"] = [leaders.get(i, []) for i in ids]
    return out


def leader_html(store: Reader, user: User, token: str | None, coverage: dict[str, Any]) -> str:
    """The leader's coverage map (their assignments when the caller is a leader)."""
    svc = _svc("leader_html")
    if svc is not None:
        return str(svc(store, coverage=coverage, options=_options(token)))
    import datetime as dt

    from maps.leader import leader_map

    assigned = store.read("leader_assignments", where={"leader": user.username}
                          if user.role == "leader" else None)
    mine_leaders: dict[str, list[str]] = {}
    for a in assigned.itertuples():
        if a.kind == "mine":
            mine_leaders.setdefault(str(a.target_id), []).append(str(a.leader))
    grids = _with_coverage(store.read("grids"), "grid_id", coverage["grid"], {})
    mines = _with_coverage(store.read("mine_sites"), "site_id", coverage["mine"], mine_leaders)
    zones = _with_coverage(store.read("fire_zones"), "zone_id", coverage["fire_zone"], {})
    m = leader_map(today=dt.datetime.now(dt.UTC).date(), grids=grids, mine_sites=mines,
                   fire_zones=zones, admin_areas=store.read("admin_areas"),
                   visits=store.read("inspections"),
                   leaders=sorted(set(assigned["leader"].astype(str))), options=_options(token))
    return _html(m)
