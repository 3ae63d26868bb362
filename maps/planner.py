"""The planner's map: grids by workload deviation, units, boundaries, mines, fire zones, edits.

Edit mode (served pages only): click units to select them and move them to another grid, or
draw a new boundary; the page posts the edit, in WGS 84, to the service's grid-edit endpoints
(:attr:`maps.page.MapOptions.edit_endpoints` under ``api_base``): first ``…/preview`` (the
touched grids' units, workload and deviation before → after are shown), then, once the planner
confirms, the commit with ``If-Match: "<village_id>:<version>"`` (both from the grid features).
A commit's answer replaces that village's grids only (recoloured on the legend's scale, from
the deviation stops handed to the page); 412 reloads the village from
``grids/villages/{id}`` and tells the planner someone else changed it; 422 shows the reason.
Opened as a file the map is read-only.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
from folium.plugins import Search

from maps.assets import DrawAssets
from maps.basemaps import shift_points
from maps.geometry import feature_collection
from maps.i18n import t
from maps.layers import (
    boundary_layers,
    bounds_of,
    empty,
    fire_zones_layer,
    geojson_layer,
    mines_layer,
    with_colour,
)
from maps.page import MapOptions, add_legend, add_title, base_map, start_page
from maps.style import (
    DEVIATION_LIMIT,
    MINE_STATUS_COLOURS,
    RISK_COLOURS,
    deviation_colour,
    deviation_stops,
)

GRID_FIELDS = ("code", "village", "worker", "households", "members", "mines", "fire_area_ha",
               "workload", "deviation_pct")
_GRID_LABELS = {"mines": "mine_count", "deviation_pct": "deviation", "workload": "workload"}


def _village_names(admin: gpd.GeoDataFrame | None) -> dict[str, str]:
    if empty(admin) or "area_id" not in admin.columns:
        return {}
    return dict(zip(admin["area_id"].astype(str), admin["name"].astype(str), strict=False))


def grid_frame(grids: gpd.GeoDataFrame, admin: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Grids with their display columns: village name, fire area (ha), deviation (%), colour."""
    names = _village_names(admin)
    out = grids.copy()
    if "village_id" in out.columns:
        out["village"] = [names.get(str(v), str(v)) for v in out["village_id"]]
    if "fire_area_m2" in out.columns:
        out["fire_area_ha"] = (out["fire_area_m2"].astype(float) / 10_000).round(1)
    dev = out["deviation"] if "deviation" in out.columns else pd.Series([None] * len(out))
    dev = pd.to_numeric(dev, errors="coerce")
    out["deviation_pct"] = [None if pd.isna(d) else f"{d:+.0%}" for d in dev]
    if "workload" in out.columns:
        out["workload"] = pd.to_numeric(out["workload"], errors="coerce").round(1)
    return with_colour(out, [deviation_colour(None if pd.isna(d) else d) for d in dev])


def _legend(m: folium.Map, lang: str, has_mines: bool, has_fire: bool) -> None:
    stops = deviation_stops()
    gradient = "linear-gradient(to right," + ",".join(c for _, c in stops) + ")"
    lim = f"{DEVIATION_LIMIT:.0%}"
    sections = [(t("legend_deviation", lang), [("gradient", gradient, f"-{lim}|0|+{lim}")])]
    if has_fire:
        sections.append((t("legend_risk", lang),
                         [("fill", c, t(f"risk_{k}", lang)) for k, c in RISK_COLOURS.items()]))
    if has_mines:
        sections.append((t("legend_mines", lang),
                         [("dot", c, t(f"status_{k}", lang))
                          for k, c in MINE_STATUS_COLOURS.items()]))
    add_legend(m, sections)


def planner_map(
    *,
    grids: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    admin_areas: gpd.GeoDataFrame | None = None,
    mine_sites: gpd.GeoDataFrame | None = None,
    fire_zones: gpd.GeoDataFrame | None = None,
    options: MapOptions | None = None,
) -> folium.Map:
    """Build the planner's map (every frame in EPSG:4326; a missing or empty one is absent).

    Parameters
    ----------
    grids
        ``grids`` layer columns (:mod:`layers.schemas`); ``deviation`` colours the fill.
    units
        ``units`` layer; outlines, selectable in edit mode.  Loaded by bbox from the service
        instead when ``"units"`` is in ``options.live_layers`` and the page is served.
    admin_areas
        Township and village boundaries (``level`` = township | village).
    mine_sites, fire_zones
        Drawn by status and by risk class.
    options
        Basemap, language, serving settings.
    """
    options = options or MapOptions()
    lang = options.lang
    bounds = bounds_of([grids, units, admin_areas, mine_sites, fire_zones])
    if bounds is not None:
        (w, s), (e, n) = shift_points([bounds[:2], bounds[2:]], options.basemap)
        bounds = (w, s, e, n)
    title = t("planner_title", lang)
    m = base_map(bounds, options, kind="planner", title=title)
    add_title(m, title)
    refs: dict[str, folium.GeoJson] = {}
    if not empty(grids):
        frame = grid_frame(grids, admin_areas)
        fields = [f for f in GRID_FIELDS if f in frame.columns]
        data = feature_collection(
            frame, columns=["grid_id", "village_id", "version", "_c", *fields],
            basemap=options.basemap, tolerance_m=options.tolerance_m, id_field="grid_id")
        refs["grids"] = geojson_layer(data, name=t("grids", lang), fields=fields, lang=lang,
                                      labels=_GRID_LABELS).add_to(m)
    if not empty(units) or options.is_live("units"):
        unit_data = {"type": "FeatureCollection", "features": []}
        if not options.is_live("units") and not empty(units):
            unit_data = feature_collection(
                units, columns=["unit_id", "village_id", "grid_id", "households"],
                basemap=options.basemap, tolerance_m=options.tolerance_m, id_field="unit_id")
        line = "#fff" if "grids" in refs else "#777"
        style = folium.utilities.JsCode(
            f"function(f){{return {{color:'{line}',weight:1,opacity:0.9,fill:false}};}}")
        refs["units"] = geojson_layer(unit_data, name=t("units", lang), style=style,
                                      interactive=False).add_to(m)
    fire = fire_zones_layer(fire_zones, options)
    if fire is not None:
        refs["fire_zones"] = fire.add_to(m)
    for layer in boundary_layers(admin_areas, options):
        layer.add_to(m)
    mines = mines_layer(mine_sites, options)
    if mines is not None:
        refs["mines"] = mines.add_to(m)
    if "grids" in refs:
        Search(layer=refs["grids"], search_label="code", geom_type="Polygon",
               placeholder=t("search_grid", lang), collapsed=False,
               position="topleft", textErr=t("not_found", lang),
               textCancel=t("cancel", lang)).add_to(m)
    if options.api_base is not None:
        DrawAssets().add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    _legend(m, lang, mines is not None, fire is not None)
    # the edit mode recolours the grids a commit returns on the legend's scale
    stops = [[round(v, 6), c] for v, c in deviation_stops()]
    start_page(m, refs, {"deviation": {"stops": stops}})
    return m
