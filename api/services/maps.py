"""The three maps from the store: read the layers, compute coverage, call :mod:`maps`.

``write_map`` is what ``gridpatrol map …`` and ``gridpatrol demo`` call; ``planner_html``,
``inspector_html`` and ``leader_html`` are what the web service's pages call.  What the store
lacks is simply not drawn (``store.read`` gives an empty frame for a layer with no table).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
import pandas as pd

from api.services import basemap as basemap_svc
from api.services.maps_coverage import leader_layers
from gis.coverage import LOCAL_TZ
from layers.store import Reader
from maps.assets import copy_static, render_html
from maps.basemaps import BasemapSettings
from maps.errors import MapInputError
from maps.inspector import inspector_map
from maps.leader import leader_map
from maps.page import MapOptions, lang_attr
from maps.planner import planner_map

log = logging.getLogger(__name__)
MapKind = Literal["planner", "inspector", "leader"]
KINDS: tuple[str, ...] = ("planner", "inspector", "leader")
#: Layers searched for a stop's position and facts, with their id field.
#: Margin of an inspector map's basemap around its route, degrees (about 2 km).
ROUTE_MARGIN_DEG = 0.02
_SITE_LAYERS = (("mine_sites", "site_id"), ("checkpoints", "checkpoint_id"),
                ("fire_zones", "zone_id"), ("offices", "office_id"), ("grids", "grid_id"),
                ("admin_areas", "area_id"), ("places", "place_id"))


def _read(store: Reader, layer: str, **kwargs: Any) -> pd.DataFrame:
    frame = store.read(layer, **kwargs)
    return frame if len(frame) else frame.iloc[:0]


def _geo(frame: pd.DataFrame) -> gpd.GeoDataFrame | None:
    if frame is None or len(frame) == 0 or "geometry" not in frame.columns:
        return None
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=getattr(frame, "crs", None) or 4326)


# --------------------------------------------------------------------- planner


def build_planner(store: Reader, *, options: MapOptions) -> folium.Map:
    """The planner's map of every grid, unit, boundary, mine and fire zone in *store*."""
    units = None if options.is_live("units") else _geo(_read(store, "units"))
    return planner_map(grids=_geo(_read(store, "grids")), units=units,
                       admin_areas=_geo(_read(store, "admin_areas")),
                       mine_sites=_geo(_read(store, "mine_sites")),
                       fire_zones=_geo(_read(store, "fire_zones")), options=options)


# --------------------------------------------------------------------- inspector


def find_plan(store: Reader, *, team: str | None, date: str | None) -> pd.Series:
    """The plan of *team* on *date* (either may be omitted: the latest matching plan)."""
    plans = _read(store, "plans")
    match = plans
    if team is not None:
        match = match[match["team"].astype(str) == str(team)]
    if date is not None:
        match = match[match["date"].astype(str) == str(date)]
    if match.empty:
        have = ", ".join(sorted({f"{r.team}@{r.date}" for r in plans.itertuples()})[:20])
        which = " ".join(x for x in (f"for team {team}" if team else "",
                                     f"on {date}" if date else "") if x)
        msg = (f"no plan {which} in the plans layer".replace("  ", " ")
               + (f": the store has {have}" if have else ": run `gridpatrol plan` first"))
        raise MapInputError(msg)
    match = match.sort_values(["date", "team"], ascending=[False, True], kind="stable")
    return match.iloc[0]


def _site_facts(store: Reader, site_id: str) -> dict[str, Any]:
    for layer, _ in _SITE_LAYERS:
        frame = store.read(layer, ids=[site_id])
        if len(frame) == 0:
            continue
        row = frame.iloc[0]
        geom = row.get("geometry")
        facts: dict[str, Any] = {"site_layer": layer}
        if geom is not None and not geom.is_empty:
            p = geom if geom.geom_type == "Point" else geom.representative_point()
            facts.update(lon=float(p.x), lat=float(p.y))
        for key in ("name", "status", "risk_class", "leader"):
            value = row.get(key)
            if value is not None and not (not isinstance(value, str) and pd.isna(value)):
                facts[key] = value
        return facts
    return {}


def plan_stops(store: Reader, plan: pd.Series) -> list[dict[str, Any]]:
    """The plan's stops, each completed with its site's position and facts from the store."""
    out = []
    for stop in list(plan.get("stops") or []):
        stop = dict(stop)
        sid = stop.get("site_id")
        if sid is not None and str(stop.get("kind")) not in ("depot", "start", "end"):
            for key, value in _site_facts(store, str(sid)).items():
                stop.setdefault(key, value)
        out.append(stop)
    return out


def build_inspector(store: Reader, *, options: MapOptions, team: str | None = None,
                    date: str | None = None, plan: pd.Series | None = None) -> folium.Map:
    """One team's day map from the ``plans`` layer (the seed is never shown)."""
    plan = plan if plan is not None else find_plan(store, team=team, date=date)
    path = plan.get("geometry")
    drive = plan.get("drive_s")
    return inspector_map(stops=plan_stops(store, plan), path=path, team=str(plan["team"]),
                         date=str(plan["date"]),
                         drive_s=None if drive is None or pd.isna(drive) else float(drive),
                         options=options)


# --------------------------------------------------------------------- leader

def leader_now(today: dt.date | None) -> pd.Timestamp:
    """The moment a leader map counts to: the end of *today* in local time, else now."""
    if today is None:
        return pd.Timestamp.now(tz="UTC")
    end = pd.Timestamp(today).tz_localize(LOCAL_TZ) + pd.Timedelta(days=1, microseconds=-1)
    return end.tz_convert("UTC")


def build_leader(store: Reader, *, options: MapOptions, today: dt.date | None = None,
                 leader: str | None = None) -> folium.Map:
    """The coverage map as of the end of *today* (default: now); with *leader*, only that
    leader's townships and mines."""
    now = leader_now(today)
    layers = leader_layers(store, now=now, leader=leader, lang=options.lang)
    return leader_map(today=now.tz_convert(LOCAL_TZ).date(), options=options, **layers)


# --------------------------------------------------------------------- entry points


def build_map(store: Reader, kind: str, *, options: MapOptions, team: str | None = None,
              date: str | None = None, today: dt.date | None = None) -> folium.Map:
    """The folium map of *kind* (``planner``, ``inspector``, ``leader``)."""
    if kind == "planner":
        return build_planner(store, options=options)
    if kind == "inspector":
        return build_inspector(store, options=options, team=team, date=date)
    if kind == "leader":
        return build_leader(store, options=options, today=today)
    msg = f"unknown map {kind!r}: use planner, inspector or leader"
    raise MapInputError(msg)


def embedded_basemap(store: Reader, kind: str, *, team: str | None = None,
                     date: str | None = None) -> dict[str, Any] | None:
    """The offline basemap a saved map embeds: the route's surroundings for an inspector map
    (its bbox plus :data:`ROUTE_MARGIN_DEG`), else the whole store; ``None`` if it has no
    basemap layers."""
    bbox = None
    if kind == "inspector":
        plan = find_plan(store, team=team, date=date)
        path = plan.get("geometry")
        if path is not None and not path.is_empty:
            w, s, e, n = path.bounds
            m = ROUTE_MARGIN_DEG
            bbox = (w - m, s - m, e + m, n + m)
    made = basemap_svc.build(store, bbox)
    return made.data if made.data["levels"] and any(
        lv["polygons"] or lv["lines"] for lv in made.data["levels"]) else None


def write_map(
    store: Reader,
    kind: str,
    *,
    out: str | Path,
    basemap: str = "none",
    lang: str = "zh",
    team: str | None = None,
    date: str | None = None,
    self_contained: bool = False,
    tianditu_key: str | None = None,
    tile_url: str | None = None,
    today: dt.date | None = None,
    tolerance_m: float = 5.0,
) -> Path:
    """Write the map of *kind* to the HTML file *out*; returns its path.

    Parameters
    ----------
    store
        An open store (read only).
    kind
        ``planner``, ``inspector`` (needs a plan: *team* and/or *date*, else the latest) or
        ``leader``.
    out
        The HTML file.  Unless *self_contained*, the vendored assets are copied to a
        ``static/`` folder beside it (shared by every map written there).
    basemap, lang
        ``none|osm|tianditu|gaode`` and ``zh|en``.
    self_contained
        Inline every script, stylesheet, image and font, and the offline basemap: one file to
        send, which opens offline with nothing beside it (``--single-file``).
    tianditu_key, tile_url
        Basemap settings (Tianditu key; an intranet tile server template).
    today
        The leader map counts visits to the end of this day, local time (default: now).
    tolerance_m
        Display simplification, metres.
    """
    options = MapOptions(basemap=basemap, lang=lang, tolerance_m=tolerance_m,
                         basemap_settings=BasemapSettings(tianditu_key=tianditu_key,
                                                          tile_url=tile_url),
                         basemap_data=embedded_basemap(store, kind, team=team, date=date))
    m = build_map(store, kind, options=options, team=team, date=date, today=today)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    if self_contained:
        html = render_html(m, asset_base=None, lang=lang_attr(lang))
    else:
        copy_static(path.parent / "static")
        html = render_html(m, asset_base="static/", lang=lang_attr(lang))
    path.write_text(html, encoding="utf-8")
    log.info("%s map written to %s (%d bytes)", kind, path, len(html.encode()))
    return path


def _served(m: folium.Map, options: MapOptions, asset_base: str | None) -> str:
    return render_html(m, asset_base=asset_base, lang=lang_attr(options.lang))


def planner_html(store: Reader, *, options: MapOptions, asset_base: str | None = None) -> str:
    """The planner page for the web service (``options.api_base`` set: edit mode is live).

    *asset_base*: the URL where ``maps.assets.STATIC_DIR`` is mounted (e.g.
    ``"/static/maps/"``); ``None`` inlines the assets.
    """
    return _served(build_planner(store, options=options), options, asset_base)


def inspector_html(store: Reader, plan: pd.Series, *, options: MapOptions,
                   asset_base: str | None = None) -> str:
    """The inspector page for one plan the caller may read."""
    return _served(build_inspector(store, options=options, plan=plan), options, asset_base)


def leader_html(store: Reader, *, options: MapOptions, leader: str | None = None,
                coverage: dict[str, Any] | None = None, asset_base: str | None = None) -> str:
    """The leader page (only *leader*'s assignments when given; *coverage* is not needed)."""
    return _served(build_leader(store, options=options, leader=leader), options, asset_base)
