"""The inspector's map: one team's day — road path, numbered stops with times, what to check.

Readable on a phone (the itinerary becomes a bottom sheet, markers are 36 px touch targets)
and printable (controls hidden, the itinerary printed under the map).  Never shows a plan's
seed.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
from folium.utilities import JsCode
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from maps.basemaps import shift_points
from maps.geometry import feature_collection
from maps.i18n import keys, t
from maps.layers import geojson_layer
from maps.page import MapOptions, add_body_html, add_title, base_map, start_page
from maps.style import mine_status_key

_DEPOT_KINDS = {"depot", "start", "end", "office"}
_END_MARKS = {"zh": {"start": "起", "end": "终", "both": "起终"},
              "en": {"start": "S", "end": "E", "both": "S/E"}}
_STOP_OPTIONS = {"pointToLayer": JsCode("GP.stopMarker")}


def clock(value: Any, start: str = "08:00") -> str:
    """A stop time as ``HH:MM``: from seconds after *start*, ``HH:MM`` or an ISO timestamp."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        h, m = (int(x) for x in start.split(":"))
        total = h * 60 + m + int(round(float(value) / 60))
        return f"{(total // 60) % 24:02d}:{total % 60:02d}"
    if isinstance(value, (dt.datetime, dt.time)):
        return value.strftime("%H:%M")
    text = str(value)
    if len(text) >= 16 and text[10] in "T ":
        return text[11:16]
    return text[:5]


def check_key(stop: Mapping[str, Any]) -> str:
    """The label key of what to check at a stop, from its kind and status."""
    kind = str(stop.get("kind") or stop.get("site_kind") or "")
    status = str(stop.get("status") or "")
    if kind in ("coal_mine", "other_mine", "quarry", "mine"):
        return "check_closed_mine" if status in ("closed", "abandoned") else "check_coal_mine"
    if kind in ("fire_zone", "checkpoint"):
        return "check_fire_zone"
    if kind in ("village", "grid"):
        return "check_village"
    return "check_other"


def _times(stop: Mapping[str, Any], start: str) -> tuple[str, str]:
    arrive = stop.get("arrival_s", stop.get("arrival"))
    leave = stop.get("departure_s", stop.get("departure"))
    return clock(arrive, start), clock(leave, start)


def _popup(stop: Mapping[str, Any], n: int, start: str, lang: str) -> str:
    arrive, leave = _times(stop, start)
    kind = str(stop.get("kind") or "")
    kind_label = t(f"kind_{kind}", lang) if f"kind_{kind}" in keys() else kind
    rows = [(t("kind", lang), stop.get("kind_label") or kind_label)]
    if stop.get("status"):
        rows.append((t("status", lang), t(mine_status_key(stop.get("status")), lang)))
    for key in ("risk_class", "leader", "last_visit"):
        if stop.get(key) not in (None, ""):
            rows.append((t(key, lang), stop[key]))
    rows += [(t("arrival", lang), arrive), (t("departure", lang), leave)]
    cells = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
                    for k, v in rows if v not in (None, ""))
    name = html.escape(str(stop.get("name") or stop.get("site_id") or ""))
    check = html.escape(t(check_key(stop), lang))
    return (f'<div class="gp-popup"><h3>{n}. {name}</h3><table>{cells}</table>'
            f'<div class="gp-check"><b>{html.escape(t("to_check", lang))}</b>: {check}</div></div>')


def _stop_point(stop: Mapping[str, Any]) -> Point | None:
    lon, lat = stop.get("lon"), stop.get("lat")
    if lon is None or lat is None:
        return None
    return Point(float(lon), float(lat))


Stop = Mapping[str, Any]


def split_stops(stops: Sequence[Stop]) -> tuple[Stop | None, list[Stop], Stop | None]:
    """``(start depot, site stops, end depot)``: depot entries are recognised by their kind."""
    items = list(stops)
    first = items.pop(0) if items and str(items[0].get("kind")) in _DEPOT_KINDS else None
    last = items.pop() if items and str(items[-1].get("kind")) in _DEPOT_KINDS else None
    return first, items, last


def _stop_frame(stops: Sequence[Mapping[str, Any]], depot_start: Point | None,
                depot_end: Point | None, start: str, lang: str) -> gpd.GeoDataFrame:
    rows: list[dict[str, Any]] = []
    for n, stop in enumerate(stops, 1):
        point = _stop_point(stop)
        if point is None:
            continue
        rows.append({"seq": n, "label": str(n), "role": "stop", "site_id": stop.get("site_id"),
                     "_popup": _popup(stop, n, start, lang), "geometry": point})
    same = depot_start is not None and depot_end is not None and depot_start.distance(
        depot_end) < 1e-6
    marks = _END_MARKS[lang]
    for role, point in (("start", depot_start), ("end", None if same else depot_end)):
        if point is None:
            continue
        key = "both" if same else role
        title = f"{t('start', lang)} / {t('end', lang)}" if same else t(role, lang)
        rows.append({"seq": 0 if role == "start" else len(stops) + 1, "label": marks[key],
                     "role": role, "site_id": None,
                     "_popup": f'<div class="gp-popup"><h3>{html.escape(title)}</h3></div>',
                     "geometry": point})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else gpd.GeoDataFrame(
        {"geometry": []}, geometry="geometry", crs=4326)


def _itinerary(stops: Sequence[Mapping[str, Any]], *, team: str, date: str, start: str,
               drive_s: float | None, lang: str) -> str:
    items = []
    for n, stop in enumerate(stops, 1):
        arrive, leave = _times(stop, start)
        name = html.escape(str(stop.get("name") or stop.get("site_id") or ""))
        items.append(
            f'<li data-seq="{n}"><span class="gp-n">{n}</span><div><b>{name}</b>'
            f'<div class="gp-time">{html.escape(arrive)}–{html.escape(leave)}</div>'
            f'<div class="gp-what">{html.escape(t(check_key(stop), lang))}</div></div></li>')
    meta = [f"{t('team', lang)}: {html.escape(team)}", f"{t('date', lang)}: {html.escape(date)}",
            f"{t('start', lang)}: {html.escape(start)}"]
    if drive_s:
        meta.append(f"{t('drive', lang)}: {int(drive_s // 3600)}:{int(drive_s % 3600 // 60):02d}")
    return (f'<aside class="gp-panel" id="gp-panel"><h2>{html.escape(t("itinerary", lang))}</h2>'
            f'<div class="gp-meta">{" · ".join(meta)}</div>'
            f'<button type="button" class="gp-btn" id="gp-print">{html.escape(t("print", lang))}'
            f'</button><ol id="gp-itinerary">{"".join(items)}</ol></aside>')


def inspector_map(
    *,
    stops: Sequence[Mapping[str, Any]],
    path: BaseGeometry | None = None,
    team: str = "",
    date: str = "",
    start: str = "08:00",
    depot: tuple[float, float] | None = None,
    drive_s: float | None = None,
    options: MapOptions | None = None,
) -> folium.Map:
    """Build one team's day map.

    Parameters
    ----------
    stops
        Ordered stops (as in the ``plans`` layer): ``site_id``, ``name``, ``kind``, ``lon``,
        ``lat`` (WGS 84 degrees), times as ``arrival_s``/``departure_s`` (seconds after
        *start*) or ``arrival``/``departure`` (``HH:MM`` or ISO); optional facts ``status``,
        ``risk_class``, ``leader``, ``last_visit``.  A first/last entry of kind ``depot`` is
        the start/end; otherwise *depot* or the path's ends are.
    path
        The road path (LineString, WGS 84), drawn under the stops.
    team, date, start
        Shown in the itinerary; *start* (``HH:MM``) turns ``arrival_s`` into clock times.
    depot
        ``(lon, lat)`` of the office, when the stops do not include it.
    drive_s
        Total driving time, seconds.
    """
    options = options or MapOptions()
    lang = options.lang
    first, sites, last = split_stops(stops)
    ends = _ends(path, depot, first, last)
    frame = _stop_frame(sites, *ends, start, lang)
    route = gpd.GeoDataFrame(geometry=[path] if path is not None and not path.is_empty else [],
                             crs=4326)
    both = [f for f in (frame, route) if len(f)]
    bounds = None
    if both:
        b = gpd.GeoDataFrame(geometry=[g for f in both for g in f.geometry], crs=4326).total_bounds
        (w, s), (e, n) = shift_points([(b[0], b[1]), (b[2], b[3])], options.basemap)
        bounds = (w, s, e, n)
    title = f"{t('inspector_title', lang)} · {team}" if team else t("inspector_title", lang)
    m = base_map(bounds, options, kind="inspector", title=title)
    add_title(m, title, date)
    refs: dict[str, folium.GeoJson] = {}
    if len(route):
        data = feature_collection(route, columns=[], basemap=options.basemap)
        style = JsCode("function(f){return {color:'#1f4e9c',weight:5,opacity:0.8};}")
        refs["route"] = geojson_layer(data, name=t("route", lang), style=style,
                                      interactive=False).add_to(m)
    data = feature_collection(frame, columns=["seq", "label", "role", "site_id", "_popup"],
                              basemap=options.basemap)
    stops_layer = folium.GeoJson(data, name=t("stops", lang), on_each_feature=JsCode(
        "GP.stopPopup"), **_STOP_OPTIONS)
    refs["stops"] = stops_layer.add_to(m)
    add_body_html(m, _itinerary(sites, team=team, date=date, start=start, drive_s=drive_s,
                                lang=lang), "gridpatrol_itinerary")
    folium.LayerControl(collapsed=True).add_to(m)
    start_page(m, refs, {"fit": True, "panel": True})
    return m


def _ends(path: BaseGeometry | None, depot: tuple[float, float] | None,
          first: Mapping[str, Any] | None, last: Mapping[str, Any] | None
          ) -> tuple[Point | None, Point | None]:
    start = _stop_point(first) if first else None
    end = _stop_point(last) if last else None
    if depot is not None:
        start = start or Point(depot)
        end = end or Point(depot)
    if isinstance(path, LineString) and not path.is_empty:
        start = start or Point(path.coords[0])
        end = end or Point(path.coords[-1])
    return start, end
