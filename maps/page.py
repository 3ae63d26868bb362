"""What every map page shares: options, the base map, page settings, legends, the start-up call.

The page's behaviour (basemap, edit mode, filters, live layers, coordinate shifts) lives in
the ES modules under ``maps/static/gridpatrol/`` (joined by :mod:`maps.bundle`); Python hands
them a JSON settings block (``<script id="gridpatrol-settings" type="application/json">``)
with the label table of the page's language, which a serving page may override with
``window.GRIDPATROL_SETTINGS = {...}`` before the map's script runs.  No token is ever written
into a page: served pages authenticate with the login's HttpOnly cookie.

Every map gets the offline basemap (:mod:`maps.vector_basemap`) when it is given one: embedded
in the page (``basemap_data``: saved and single-file maps) or fetched from a content-hashed URL
(``basemap_url``: served pages, cached by the browser for good).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import folium
from branca.element import Element, MacroElement
from folium.template import Template

from maps.assets import STATIC_DIR, PageAssets
from maps.basemaps import (
    MAX_ZOOM,
    OFFLINE_BACKGROUND,
    BasemapSettings,
    add_basemap,
    check_basemap,
    offset_for,
)
from maps.i18n import ERROR_PATTERNS, HTML_LANG, check_lang, table

#: Fallback view (the county is unknown): central China.
_DEFAULT_BOUNDS = ((34.0, 108.0), (36.0, 112.0))


@dataclass(frozen=True)
class MapOptions:
    """How a map is drawn and served.

    Parameters
    ----------
    basemap
        ``none`` (offline, the default), ``osm``, ``tianditu`` or ``gaode``.
    lang
        ``zh`` (default) or ``en``.
    basemap_settings
        Tianditu key, intranet tile URL.
    tolerance_m
        Display simplification tolerance, metres.
    api_base
        Base URL of the web service when the page is served by it (``"/"`` or
        ``"https://host/gridpatrol/"``); ``None`` for a file: read-only, everything embedded.
    basemap_data
        The offline basemap (:func:`maps.vector_basemap.build_basemap`), embedded in the page.
    basemap_url
        Where a served page fetches its offline basemap instead (content-hashed URL).
    raster_url
        An XYZ template of a county's own raster tiles (served from a local MBTiles file), which
        the user may turn on over the offline basemap.
    header
        The page header (:func:`maps.shell.header_html`) of a served page.
    live_layers
        Layers fetched from the service by bbox instead of embedded (only with *api_base*).
    edit_endpoints
        Paths under *api_base* the planner's edits are posted to.
    """

    basemap: str = "none"
    lang: str = "zh"
    basemap_settings: BasemapSettings = field(default_factory=BasemapSettings)
    tolerance_m: float = 5.0
    api_base: str | None = None
    basemap_data: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    basemap_url: str | None = None
    raster_url: str | None = None
    header: str = field(default="", compare=False, repr=False)
    live_layers: tuple[str, ...] = ()
    edit_endpoints: dict[str, str] = field(
        default_factory=lambda: {"move": "grids/edits/move", "redraw": "grids/edits/redraw"}
    )

    def __post_init__(self) -> None:
        check_basemap(self.basemap)
        check_lang(self.lang)

    @property
    def offset(self) -> str:
        """``gcj02`` on Gaode, else ``wgs84``."""
        return offset_for(self.basemap)

    def is_live(self, layer: str) -> bool:
        """Whether *layer* is loaded from the service by bbox rather than embedded."""
        return self.api_base is not None and layer in self.live_layers


class _Snippet(MacroElement):
    """A piece of header HTML, body HTML and/or script, rendered once."""

    def __init__(self, *, header: str = "", body: str = "", script: str = "") -> None:
        super().__init__()
        self._name = "GridPatrolSnippet"
        self.header_html, self.body_html, self.script_js = header, body, script
        self._template = Template(
            "{% macro header(this, kwargs) %}{{ this.header_html }}{% endmacro %}"
            "{% macro html(this, kwargs) %}{{ this.body_html }}{% endmacro %}"
            "{% macro script(this, kwargs) %}{{ this.script_js }}{% endmacro %}"
        )


class _Start(MacroElement):
    """``GP.init(map, {role: layer}, extra)``, with the names taken when the page renders."""

    def __init__(self, m: folium.Map, layers: dict[str, Any], extra: dict[str, Any]) -> None:
        super().__init__()
        self._name = "GridPatrolStart"
        self.map, self.layers, self.extra_json = m, layers, json_for_script(extra)
        self._template = Template(
            "{% macro script(this, kwargs) %}GP.init({{ this.map.get_name() }},{ "
            "{% for role, layer in this.layers.items() %}{{ role|tojson }}:"
            "{{ layer.get_name() }}{% if not loop.last %},{% endif %}{% endfor %}},"
            "{{ this.extra_json }});{% endmacro %}")


def json_for_script(value: Any) -> str:
    """*value* as JSON safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def base_map(bounds: tuple[float, float, float, float] | None, options: MapOptions, *,
             kind: str, title: str) -> folium.Map:
    """An empty map for *kind* (``planner``, ``inspector``, ``leader``) fitted to *bounds*.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in the basemap's system (degrees), or ``None``.
    """
    if bounds is None or not all(map(_finite, bounds)):
        (s, w), (n, e) = _DEFAULT_BOUNDS
    else:
        w, s, e, n = bounds
    m = folium.Map(
        location=[(s + n) / 2, (w + e) / 2],
        zoom_start=12,
        tiles=None,
        max_zoom=MAX_ZOOM,
        control_scale=False,  # ours: metres only, in the page's language (scale.js)
        zoom_control=True,
    )
    m._id = kind  # deterministic variable name: map_planner etc.
    m.fit_bounds([[s, w], [n, e]], padding=(12, 12))
    add_basemap(m, options.basemap, lang=options.lang, settings=options.basemap_settings)
    PageAssets().add_to(m)
    head = (
        f"<title>{html.escape(title)}</title>\n{_ICON}\n"
        '<script id="gridpatrol-settings" type="application/json">'
        f"{json_for_script(page_settings(options, kind))}</script>\n"
        f"<style>html body .leaflet-container{{background:{OFFLINE_BACKGROUND};}}</style>\n"
    )
    if options.basemap_data is not None:
        head += ('<script id="gp-basemap-data" type="application/json">'
                 f"{json_for_script(options.basemap_data)}</script>\n")
    m.get_root().header.add_child(Element(head), name="gridpatrol_head")
    if options.header:
        m.get_root().html.add_child(Element(options.header), name="gridpatrol_header")
    return m


def _finite(x: float) -> bool:
    return x == x and abs(x) != float("inf")


#: The product's icon, inline (a file map has nothing beside it).
_ICON = ('<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,' + quote(
    (STATIC_DIR / "gridpatrol" / "icon.svg").read_text(encoding="utf-8").strip()) + '">')


def page_settings(options: MapOptions, kind: str) -> dict[str, Any]:
    """The settings block the page script reads (labels: the whole table of the language)."""
    tianditu = options.basemap_settings.tianditu_key if options.basemap == "tianditu" else None
    return {
        "kind": kind,
        "lang": options.lang,
        "basemap": options.basemap,
        "offset": options.offset,
        "apiBase": options.api_base,
        "basemapUrl": options.basemap_url if options.basemap_data is None else None,
        "rasterUrl": options.raster_url,
        "tiandituKey": tianditu,
        "liveLayers": list(options.live_layers) if options.api_base else [],
        "editEndpoints": options.edit_endpoints,
        "labels": table(options.lang),
        "errorPatterns": [[p, k, list(n)] for p, k, n in ERROR_PATTERNS],
    }


def add_title(m: folium.Map, title: str, subtitle: str = "") -> None:
    """A title box at the top of the map (hidden on print only when a panel replaces it)."""
    sub = f'<div class="gp-subtitle">{html.escape(subtitle)}</div>' if subtitle else ""
    body = f'<div class="gp-title" id="gp-title"><h1>{html.escape(title)}</h1>{sub}</div>'
    m.get_root().html.add_child(Element(body), name="gridpatrol_title")


def add_legend(m: folium.Map, sections: list[tuple[str, list[tuple[str, str, str]]]]) -> None:
    """A legend control (bottom right).

    Parameters
    ----------
    sections
        ``(heading, [(swatch kind, colour, label), ...])``; swatch kinds: ``fill``, ``line``,
        ``dot``, ``never`` (dashed outline) and ``gradient`` (colour = CSS gradient, label =
        ``"low|mid|high"``).
    """
    parts = ['<div class="gp-legend" id="gp-legend">']
    for heading, rows in sections:
        parts.append(f"<h4>{html.escape(heading)}</h4>")
        for kind, colour, label in rows:
            if kind == "gradient":
                low, mid, high = (html.escape(x) for x in label.split("|"))
                parts.append(
                    f'<div class="gp-gradient" style="background:{colour}"></div>'
                    f'<div class="gp-ticks"><span>{low}</span><span>{mid}</span>'
                    f"<span>{high}</span></div>"
                )
            else:
                parts.append(
                    f'<div class="gp-row"><i class="gp-sw gp-sw-{kind}" '
                    f'style="--c:{colour}"></i>{html.escape(label)}</div>'
                )
    parts.append("</div>")
    legend = json_for_script("".join(parts))
    script = (
        "(function(){var c=L.control({position:'bottomright'});c.onAdd=function(){"
        "var d=L.DomUtil.create('div','');d.innerHTML=" + legend + ";"
        "L.DomEvent.disableClickPropagation(d);return d.firstChild;};c.addTo("
        + m.get_name() + ");})();"
    )
    _Snippet(script=script).add_to(m)


def add_body_html(m: folium.Map, body: str, name: str) -> None:
    """Raw HTML appended to the page body (panels, itineraries)."""
    m.get_root().html.add_child(Element(body), name=name)


def start_page(m: folium.Map, layers: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    """Call ``GP.init`` once the layers exist; *layers* maps roles to folium layers."""
    _Start(m, layers, extra or {}).add_to(m)


def lang_attr(lang: str) -> str:
    """The ``<html lang>`` value for *lang*."""
    return HTML_LANG[check_lang(lang)]
