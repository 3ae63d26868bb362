"""Vendored Leaflet and plugins: rewrite folium's CDN links to local copies, or inline them.

folium lists every JS/CSS file an element needs in ``default_js`` / ``default_css`` as
``(name, url)`` pairs pointing at CDNs.  :func:`localize` walks a map's element tree and gives
every element instance its own lists pointing at files under ``maps/static/`` (no folium class
is changed: nothing global).  A name with no local copy raises
:class:`~maps.errors.ExternalAssetError`, so a folium upgrade that adds a CDN file fails the
tests instead of shipping a page that needs the internet.

:func:`render_html` then renders the page in one of two ways:

* ``asset_base=None`` (self-contained): every script and stylesheet is inlined, and the images
  and fonts CSS refers to become ``data:`` URIs — one file for e-mailing;
* ``asset_base="static/"`` or ``"/static/maps/"``: links under that prefix, for a page served
  next to a copy of ``maps/static`` (see :func:`copy_static`) or by the web service.
"""

from __future__ import annotations

import base64
import mimetypes
import re
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import folium
from branca.element import Element
from folium.elements import JSCSSMixin

from maps.bundle import BUNDLE_NAME, BUNDLES, bundle
from maps.errors import ExternalAssetError

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Placeholder scheme written into links before the final rendering step.
_SCHEME = "gridpatrol-asset:"

#: folium asset name -> path under ``maps/static/``.
LOCAL_ASSETS: dict[str, str] = {
    "leaflet": "vendor/leaflet/dist/leaflet.js",
    "leaflet_css": "vendor/leaflet/dist/leaflet.css",
    "jquery": "vendor/jquery/dist/jquery.min.js",
    "bootstrap": "vendor/bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap_css": "vendor/bootstrap/dist/css/bootstrap.min.css",
    "awesome_markers_font_css": "vendor/@fortawesome/fontawesome-free/css/all.min.css",
    "leaflet_draw_js": "vendor/leaflet-draw/dist/leaflet.draw.js",
    "leaflet_draw_css": "vendor/leaflet-draw/dist/leaflet.draw.css",
    "markerclusterjs": "vendor/leaflet.markercluster/dist/leaflet.markercluster.js",
    "markerclustercss": "vendor/leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "vendor/leaflet.markercluster/dist/MarkerCluster.Default.css",
    "leaflet-heat.js": "vendor/leaflet.heat/dist/leaflet-heat.js",
    "Leaflet.Search.js": "vendor/leaflet-search/dist/leaflet-search.min.js",
    "Leaflet.Search.css": "vendor/leaflet-search/dist/leaflet-search.min.css",
    "gridpatrol_js": BUNDLE_NAME,
    "gridpatrol_css": "gridpatrol/gridpatrol.css",
}

#: folium.Map's own extras that none of our maps uses (Bootstrap 3 glyphicons, awesome-markers,
#: and jQuery/Bootstrap/Font Awesome which only folium.Icon and a few plugins need): dropped from
#: the page so that it stays small.  Elements that need them list them again and get local ones.
MAP_DROPPED: frozenset[str] = frozenset(
    {
        "jquery",
        "bootstrap",
        "bootstrap_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "glyphicons_css",
        "awesome_rotate_css",
    }
)

_SCRIPT_RE = re.compile(r'<script src="' + re.escape(_SCHEME) + r'([^"]+)"></script>')
_LINK_RE = re.compile(r'<link rel="stylesheet" href="' + re.escape(_SCHEME) + r'([^"]+)"\s*/?>')
_CSS_URL_RE = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_EXTERNAL_RE = re.compile(
    r"""(?:<script[^>]*\ssrc|<link[^>]*\shref|<img[^>]*\ssrc)\s*=\s*["']?(?:https?:)?//"""
    r"""|url\(\s*['"]?(?:https?:)?//|@import\s+['"]?(?:url\()?\s*['"]?(?:https?:)?//""",
    re.IGNORECASE,
)


class PageAssets(JSCSSMixin):
    """Our own script (the modules of ``maps/static/gridpatrol/`` joined by
    :mod:`maps.bundle`) and stylesheet, as a folium element."""

    default_js = [("gridpatrol_js", _SCHEME + LOCAL_ASSETS["gridpatrol_js"])]
    default_css = [("gridpatrol_css", _SCHEME + LOCAL_ASSETS["gridpatrol_css"])]


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _local(pairs: list[tuple[str, str]], owner: str, drop: frozenset[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, url in pairs:
        if name in drop:
            continue
        if url.startswith(_SCHEME):
            out.append((name, url))
            continue
        if name not in LOCAL_ASSETS:
            msg = (
                f"{owner} needs {name!r} from {url}, which has no local copy: vendor the file "
                "under maps/static/vendor/ (npm pack) and add it to maps.assets.LOCAL_ASSETS"
            )
            raise ExternalAssetError(msg)
        out.append((name, _SCHEME + LOCAL_ASSETS[name]))
    return out


def localize(m: folium.Map) -> folium.Map:
    """Point every asset link of *m* (and its children) at a vendored copy; returns *m*.

    Raises
    ------
    ExternalAssetError
        An element needs a CDN file we have not vendored.
    """
    for element in _walk(m.get_root()):
        if not isinstance(element, JSCSSMixin):
            continue
        drop = MAP_DROPPED if isinstance(element, folium.Map) else frozenset()
        owner = type(element).__name__
        element.default_js = _local(list(element.default_js), owner, drop)
        element.default_css = _local(list(element.default_css), owner, drop)
    return m


@cache
def _read_text(rel: str) -> str:
    if rel == BUNDLE_NAME:  # made from the modules, not a file
        return bundle()
    return (STATIC_DIR / rel).read_text(encoding="utf-8")


@cache
def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".woff2":
        mime = "font/woff2"
    elif path.suffix == ".ttf":
        mime = "font/ttf"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{mime};base64,{data}"


def _inline_css(rel: str) -> str:
    """The stylesheet *rel* with its relative ``url()`` references made ``data:`` URIs."""
    css = _read_text(rel)
    folder = (STATIC_DIR / rel).parent

    def replace(match: re.Match[str]) -> str:
        target = match.group(2).split("?")[0].split("#")[0]
        if not target or match.group(2).startswith(("data:", "#")):
            return match.group(0)
        path = (folder / target).resolve()
        if path.suffix == ".ttf" or not path.is_file():
            # woff2 comes first in every @font-face we ship; a missing file stays a dead
            # relative link (never a request to the internet).
            return "url(data:,)"
        return f"url({_data_uri(path)})"

    return _CSS_URL_RE.sub(replace, css)


def _script(body: str) -> str:
    return "<script>" + body.replace("</script", "<\\/script") + "</script>"


def render_html(m: folium.Map, *, asset_base: str | None = None, lang: str = "zh-CN") -> str:
    """Render *m* to a full HTML page with local assets.

    Parameters
    ----------
    m
        The map (its assets are localized first).
    asset_base
        ``None`` to inline everything (a single self-contained file); else the URL prefix
        under which ``maps/static/`` is reachable (``"static/"`` beside a written file,
        ``"/static/maps/"`` when served).
    lang
        The ``<html lang>`` attribute (``zh-CN`` or ``en``).
    """
    localize(m)
    stable_ids(m)
    html = m.get_root().render()
    if asset_base is None:
        html = _SCRIPT_RE.sub(lambda mt: _script(_read_text(mt.group(1))), html)
        html = _LINK_RE.sub(lambda mt: "<style>" + _inline_css(mt.group(1)) + "</style>", html)
    else:
        base = asset_base if asset_base.endswith("/") else asset_base + "/"
        html = html.replace(_SCHEME, base)
    if _SCHEME in html:
        msg = "an asset link was left unresolved in the rendered page (maps.assets bug)"
        raise ExternalAssetError(msg)
    return html.replace("<html>", f'<html lang="{lang}">', 1)


def stable_ids(m: folium.Map) -> folium.Map:
    """Number the elements' ids in tree order (folium draws random ones), so that the same
    map renders to the same bytes: a served page's ETag then means something (304)."""
    for i, element in enumerate(_walk(m.get_root())):
        if element is not m:
            element._id = f"{i:05d}"
    return m


def external_asset_urls(html: str) -> list[str]:
    """Snippets of *html* that load a script, stylesheet, image or font from another host."""
    return [html[mt.start() : mt.end() + 60] for mt in _EXTERNAL_RE.finditer(html)]


def used_assets(html: str, asset_base: str) -> list[str]:
    """Paths under ``maps/static/`` that a page rendered with *asset_base* links to."""
    base = re.escape(asset_base if asset_base.endswith("/") else asset_base + "/")
    return sorted(set(re.findall(r'(?:src|href)="' + base + r'([^"]+)"', html)))


def copy_static(dest: Path) -> Path:
    """Copy ``maps/static`` to *dest* (for pages written with ``asset_base="static/"``).

    Returns *dest*.  Existing files are overwritten; nothing else in *dest* is touched.
    """
    shutil.copytree(STATIC_DIR, dest, dirs_exist_ok=True)
    for name, entry in BUNDLES.items():
        (dest / name).write_text(bundle(entry), encoding="utf-8")
    return dest


class DrawAssets(JSCSSMixin):
    """Leaflet.draw, for the planner's edit mode (the control itself is made by our script)."""

    default_js = [("leaflet_draw_js", _SCHEME + LOCAL_ASSETS["leaflet_draw_js"])]
    default_css = [("leaflet_draw_css", _SCHEME + LOCAL_ASSETS["leaflet_draw_css"])]
