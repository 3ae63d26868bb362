"""Layer builders shared by the three maps: boundaries, grids, mines, fire zones, labels.

Each feature carries its fill colour in the ``_c`` property (computed in Python from
:mod:`maps.style`); one small JavaScript style function reads it, so the page holds no
per-feature style table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from folium.utilities import JsCode

from maps.geometry import feature_collection
from maps.i18n import t
from maps.page import MapOptions
from maps.style import mine_colour, mine_status_key, risk_colour

#: Polygon style: fill from ``_c``; ``_never`` features get a thick dashed outline.
POLYGON_STYLE = JsCode(
    "function(f){var p=f.properties||{};var never=p._never===true;return {fillColor:p._c||"
    "'#bdbdbd',color:never?'#7b3294':(p._stroke||'#333'),weight:never?3:1.5,dashArray:never?"
    "'6 4':null,fillOpacity:never?0.65:0.55,opacity:0.9};}"
)
MARKER_STYLE = JsCode(
    "function(f){var p=f.properties||{};var never=p._never===true;return {fillColor:p._c||"
    "'#3182bd',color:never?'#7b3294':'#222',weight:never?4:2,radius:never?9:7,"
    "fillOpacity:0.9,opacity:1};}"
)
FIRE_STYLE = JsCode(
    "function(f){var c=f.properties._c||'#fd8d3c';return {fillColor:c,color:c,weight:2,"
    "fillOpacity:0.35,opacity:1};}"
)
#: Hover highlight (in gridpatrol.js), cheaper than folium's per-feature highlight table.
HOVER = JsCode("GP.hover")


def empty(frame: pd.DataFrame | None) -> bool:
    """Whether *frame* is missing or has no rows."""
    return frame is None or len(frame) == 0


def bounds_of(frames: Sequence[gpd.GeoDataFrame | None]) -> tuple[float, ...] | None:
    """Total bounds ``(minx, miny, maxx, maxy)`` of the non-empty frames, in EPSG:4326."""
    boxes = [f.to_crs(4326).total_bounds if f.crs else f.total_bounds
             for f in frames if not empty(f)]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


#: Property name -> label key, for the fields whose name is not itself a label key.
FIELD_LABELS = {
    "status_label": "status",
    "risk_label": "risk_class",
    "last_visit_day": "last_visit",
    "deviation_pct": "deviation",
    "mines": "mine_count",
}


def tooltip(fields: Sequence[str], lang: str, labels: dict[str, str] | None = None
            ) -> folium.GeoJsonTooltip:
    """A tooltip table of *fields*, labelled in *lang* (``labels`` maps field -> label key)."""
    labels = {**FIELD_LABELS, **(labels or {})}
    aliases = [t(labels.get(f, f), lang) for f in fields]
    return folium.GeoJsonTooltip(fields=list(fields), aliases=aliases, sticky=True,
                                 localize=True)


def geojson_layer(
    data: dict[str, Any],
    *,
    name: str,
    fields: Sequence[str] = (),
    lang: str = "zh",
    labels: dict[str, str] | None = None,
    style: JsCode = POLYGON_STYLE,
    show: bool = True,
    interactive: bool = True,
    marker: folium.CircleMarker | None = None,
    popup_fields: Sequence[str] = (),
) -> folium.GeoJson:
    """A folium GeoJson layer with our style function and a tooltip on *fields*."""
    kwargs: dict[str, Any] = {"style": style}
    if not interactive:
        kwargs["interactive"] = False
    popup = None
    if popup_fields:
        popup = folium.GeoJsonPopup(
            fields=list(popup_fields),
            aliases=[t((labels or {}).get(f, f), lang) for f in popup_fields],
            localize=True,
        )
    return folium.GeoJson(
        data,
        name=name,
        show=show,
        tooltip=tooltip(fields, lang, labels) if fields and interactive else None,
        popup=popup,
        on_each_feature=HOVER if interactive else None,
        marker=marker,
        **kwargs,
    )


def boundary_layers(admin: gpd.GeoDataFrame | None, options: MapOptions) -> list[folium.GeoJson]:
    """Township (thick) and village (dashed) outlines, not interactive."""
    if empty(admin):
        return []
    out = []
    for level, key, style in (
        ("village", "villages", "{color:'#444',weight:1.2,dashArray:'4 3',fill:false}"),
        ("township", "townships", "{color:'#222',weight:2.6,fill:false}"),
    ):
        part = admin[admin["level"] == level] if "level" in admin.columns else admin.iloc[:0]
        if part.empty:
            continue
        data = feature_collection(part, columns=["name"], basemap=options.basemap,
                                  tolerance_m=options.tolerance_m)
        out.append(geojson_layer(data, name=t(key, options.lang),
                                 style=JsCode(f"function(f){{return {style};}}"),
                                 interactive=False))
    return out


def with_colour(frame: gpd.GeoDataFrame, colours: Sequence[str], **extra: Any
                ) -> gpd.GeoDataFrame:
    """A copy of *frame* with the ``_c`` colour column (and any *extra* columns)."""
    out = frame.copy()
    out["_c"] = list(colours)
    for k, v in extra.items():
        out[k] = v
    return out


def mine_points(mines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Mine sites as points (polygons are drawn at a representative point)."""
    out = mines.copy()
    geom = out.geometry
    out[out.geometry.name] = geom.where(geom.geom_type == "Point", geom.representative_point())
    return out


def mines_layer(mines: gpd.GeoDataFrame | None, options: MapOptions, *,
                colours: Sequence[str] | None = None, extra_fields: Sequence[str] = (),
                extra: dict[str, Any] | None = None) -> folium.GeoJson | None:
    """Mine sites as circle markers, coloured by status unless *colours* is given."""
    if empty(mines):
        return None
    lang = options.lang
    status = mines["status"] if "status" in mines.columns else pd.Series([None] * len(mines))
    frame = mine_points(mines)
    frame["status_label"] = [t(mine_status_key(s), lang) for s in status]
    fill = colours if colours is not None else [mine_colour(s) for s in status]
    frame = with_colour(frame, fill, **(extra or {}))
    fields = [f for f in ("name", "status_label", "leader", *extra_fields) if f in frame.columns]
    data = feature_collection(frame, columns=["site_id", "_c", "_never", "leaders", *fields],
                              basemap=options.basemap, id_field="site_id")
    marker = folium.CircleMarker(radius=7, weight=2, color="#222", fill=True, fill_opacity=0.9)
    return geojson_layer(data, name=t("mines", lang), fields=fields, lang=lang,
                         labels={"status_label": "status"}, marker=marker, style=MARKER_STYLE)


def fire_zones_layer(zones: gpd.GeoDataFrame | None, options: MapOptions, *,
                     colours: Sequence[str] | None = None, extra_fields: Sequence[str] = (),
                     extra: dict[str, Any] | None = None,
                     style: JsCode = FIRE_STYLE) -> folium.GeoJson | None:
    """Fire zones, coloured by risk class unless *colours* is given."""
    if empty(zones):
        return None
    frame = zones.copy()
    risk = frame["risk_class"] if "risk_class" in frame.columns else [None] * len(frame)
    frame["risk_label"] = [
        t(f"risk_{int(r)}", options.lang)
        if r is not None and not pd.isna(r) and int(r) in (1, 2, 3) else ""
        for r in risk
    ]
    if "area_m2" in frame.columns:
        frame["area_ha"] = (frame["area_m2"].astype(float) / 10_000).round(1)
    fill = colours if colours is not None else [
        risk_colour(None if r is None or pd.isna(r) else int(r)) for r in risk]
    frame = with_colour(frame, fill, **(extra or {}))
    fields = [f for f in ("name", "risk_label", "area_ha", *extra_fields) if f in frame.columns]
    data = feature_collection(frame, columns=["zone_id", "_c", "_never", "leaders", *fields],
                              basemap=options.basemap, tolerance_m=options.tolerance_m,
                              id_field="zone_id")
    return geojson_layer(data, name=t("fire_zones", options.lang), fields=fields,
                         lang=options.lang, labels={"risk_label": "risk_class"}, style=style)
