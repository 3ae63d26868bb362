"""The leader's map: coverage — what was inspected and what was not.

Grids, mines and fire zones are coloured by days since their last visit (never visited: purple
with a thick dashed outline); a heat map of visits; party-member counts per grid as numbers
(never residence points: this builder takes no residences at all); a filter by leader
(包联 townships, 挂牌 mines) when features carry a ``leaders`` list.

Coverage columns are computed by the caller with :mod:`gis.coverage` (through
:mod:`api.services.coverage`, as ``GET /coverage`` does): ``last_visit``, ``visits_total`` and
``days_since_last_visit`` on each frame, and ``leaders`` (list of names).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import folium
import geopandas as gpd
import pandas as pd
from folium.plugins import HeatMap
from folium.utilities import JsCode

from gis.coverage import LOCAL_TZ, days_since
from maps.basemaps import shift_points
from maps.geometry import feature_collection, in_storage_crs
from maps.i18n import t
from maps.layers import (
    POLYGON_STYLE,
    boundary_layers,
    bounds_of,
    empty,
    fire_zones_layer,
    geojson_layer,
    mines_layer,
)
from maps.page import MapOptions, add_legend, add_title, base_map, start_page
from maps.planner import grid_frame
from maps.style import DAY_CLASSES, NEVER_COLOUR, days_class

COVERAGE_FIELDS = ("last_visit_day", "days_since", "visits")


def coverage_columns(frame: gpd.GeoDataFrame, today: dt.date, lang: str) -> gpd.GeoDataFrame:
    """*frame* with the display columns ``days_since``, ``last_visit_day``, ``visits``, ``_c``
    (colour) and ``_never``.

    The figures are the caller's (:func:`gis.coverage.visit_figures`): ``days_since_last_visit``
    and ``visits_total``.  A frame with only ``last_visit`` gets its days counted by
    :func:`gis.coverage.days_since` to the end of *today*, the same rule.
    """
    out = frame.copy()
    last = out["last_visit"] if "last_visit" in out.columns else pd.Series(
        [None] * len(out), index=out.index)
    last = pd.to_datetime(last, utc=True, errors="coerce")
    if "days_since_last_visit" in out.columns:
        figure = out["days_since_last_visit"]
    else:
        figure = days_since(last, pd.Timestamp(today).tz_localize(LOCAL_TZ) + pd.Timedelta(
            hours=23, minutes=59))
    days = [None if pd.isna(d) else int(d) for d in figure]
    out["days_since"] = [t("never", lang) if d is None else d for d in days]
    out["last_visit_day"] = [None if pd.isna(x) else x.tz_convert(LOCAL_TZ).strftime("%Y-%m-%d")
                             for x in last]
    out["_c"] = [days_class(d)[1] for d in days]
    out["_never"] = [d is None for d in days]
    count = out["visits_total"] if "visits_total" in out.columns else out.get("visits", 0)
    out["visits"] = pd.to_numeric(pd.Series(count, index=out.index), errors="coerce").fillna(
        0).astype(int)
    if "leaders" not in out.columns:
        out["leaders"] = [[] for _ in range(len(out))]
    return out


def _legend(m: folium.Map, lang: str) -> None:
    rows = [("fill", colour, t(key, lang)) for _, key, colour in DAY_CLASSES]
    rows.append(("never", NEVER_COLOUR, t("never", lang)))
    add_legend(m, [(t("legend_days", lang), rows)])


def _member_labels(grids: gpd.GeoDataFrame, options: MapOptions) -> folium.GeoJson | None:
    """Party-member counts per grid, as numbers at a point inside each grid."""
    if "members" not in grids.columns:
        return None
    frame = grids[["grid_id", "members", "leaders", "geometry"]].copy()
    frame["members"] = pd.to_numeric(frame["members"], errors="coerce").fillna(0).astype(int)
    frame["geometry"] = frame.geometry.representative_point()
    data = feature_collection(frame, columns=["grid_id", "members", "leaders"],
                              basemap=options.basemap)
    return folium.GeoJson(data, name=t("member_counts", options.lang),
                          pointToLayer=JsCode("GP.countLabel"))


def _heat(visits: gpd.GeoDataFrame | None, options: MapOptions) -> HeatMap | None:
    if empty(visits):
        return None
    pts = in_storage_crs(visits).geometry
    pts = pts[pts.notna() & ~pts.is_empty].representative_point()
    lonlat = shift_points([(p.x, p.y) for p in pts], options.basemap)
    if not lonlat:
        return None
    return HeatMap([[round(lat, 6), round(lon, 6)] for lon, lat in lonlat],
                   name=t("visits_heat", options.lang), radius=18, blur=14, min_opacity=0.3,
                   show=True)


def leader_map(
    *,
    today: dt.date,
    grids: gpd.GeoDataFrame | None = None,
    mine_sites: gpd.GeoDataFrame | None = None,
    fire_zones: gpd.GeoDataFrame | None = None,
    admin_areas: gpd.GeoDataFrame | None = None,
    visits: gpd.GeoDataFrame | None = None,
    leaders: Sequence[str] = (),
    options: MapOptions | None = None,
) -> folium.Map:
    """Build the coverage map (every frame in EPSG:4326; a missing or empty one is absent).

    Parameters
    ----------
    today
        The date days are counted to.
    grids, mine_sites, fire_zones
        Layers with optional coverage columns ``last_visit``, ``visits`` and ``leaders``.
    admin_areas
        Township and village boundaries.
    visits
        Visit points (the ``inspections`` layer) for the heat map.
    leaders
        Names offered by the leader filter (empty: no filter).
    """
    options = options or MapOptions()
    lang = options.lang
    bounds = bounds_of([grids, admin_areas, mine_sites, fire_zones])
    if bounds is not None:
        (w, s), (e, n) = shift_points([bounds[:2], bounds[2:]], options.basemap)
        bounds = (w, s, e, n)
    title = t("leader_title", lang)
    m = base_map(bounds, options, kind="leader", title=title)
    add_title(m, title, today.isoformat())
    refs: dict[str, folium.GeoJson] = {}
    if not empty(grids):
        frame = coverage_columns(grid_frame(grids, admin_areas), today, lang)
        fields = [f for f in ("code", "village", "worker", *COVERAGE_FIELDS, "members")
                  if f in frame.columns]
        data = feature_collection(
            frame, columns=["grid_id", "_c", "_never", "leaders", *fields],
            basemap=options.basemap, tolerance_m=options.tolerance_m, id_field="grid_id")
        refs["grids"] = geojson_layer(data, name=t("grids", lang), fields=fields, lang=lang,
                                      labels=_LABELS, style=POLYGON_STYLE).add_to(m)
    if not empty(fire_zones):
        zones = coverage_columns(fire_zones, today, lang)
        layer = fire_zones_layer(zones, options, colours=list(zones["_c"]),
                                 extra_fields=COVERAGE_FIELDS, style=POLYGON_STYLE)
        refs["fire_zones"] = layer.add_to(m)
    for layer in boundary_layers(admin_areas, options):
        layer.add_to(m)
    heat = _heat(visits, options)
    if heat is not None:
        heat.add_to(m)
    if not empty(grids):
        labels = _member_labels(coverage_columns(grids, today, lang), options)
        if labels is not None:
            refs["members"] = labels.add_to(m)
    if not empty(mine_sites):
        mines = coverage_columns(mine_sites, today, lang)
        layer = mines_layer(mines, options, colours=list(mines["_c"]),
                            extra_fields=COVERAGE_FIELDS)
        refs["mines"] = layer.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    _legend(m, lang)
    start_page(m, refs, {"leaders": sorted(set(leaders))})
    return m


_LABELS = {"last_visit_day": "last_visit", "days_since": "days_since", "visits": "visits",
           "members": "members"}
