"""Offline first: vendored assets, local links only, self-contained pages."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import folium
import folium.plugins
import helpers
import pytest

from maps.assets import (
    LOCAL_ASSETS,
    MAP_DROPPED,
    STATIC_DIR,
    DrawAssets,
    external_asset_urls,
    localize,
    render_html,
    used_assets,
)
from maps.bundle import BUNDLE_NAME
from maps.errors import ExternalAssetError

VENDOR = STATIC_DIR / "vendor"
PINNED = {
    "leaflet": "1.9.4", "leaflet-draw": "1.0.4", "leaflet.markercluster": "1.5.3",
    "leaflet.heat": "0.2.0", "leaflet-search": "2.9.7", "@fortawesome/fontawesome-free": "6.2.0",
    "jquery": "3.7.1", "bootstrap": "5.2.2",
}
#: Every folium element class our maps use, and their assets.
USED = [folium.Map, folium.GeoJson, folium.plugins.Search, folium.plugins.HeatMap,
        folium.plugins.MarkerCluster, folium.plugins.Draw, DrawAssets]
CDN = re.compile(r"(jsdelivr|unpkg|cdnjs|code\.jquery|bootstrapcdn|d3js\.org|googleapis)")


def test_every_local_asset_exists() -> None:
    missing = [rel for rel in LOCAL_ASSETS.values()
               if rel != BUNDLE_NAME and not (STATIC_DIR / rel).is_file()]
    assert missing == []


@pytest.mark.parametrize("package,version", sorted(PINNED.items()))
def test_vendored_package_is_pinned_and_licensed(package: str, version: str) -> None:
    folder = VENDOR / package
    meta = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    assert meta["version"] == version
    licences = [p for p in folder.iterdir() if re.match(r"(?i)(mit-)?licen[cs]e", p.name)]
    assert licences, f"{package}: no licence file"
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert f"| {package} | {version} |" in readme


def test_folium_assets_all_have_local_copies() -> None:
    """Fails when a folium upgrade adds a CDN file to an element our maps use."""
    unknown = []
    for cls in USED:
        for name, url in [*getattr(cls, "default_js", []), *getattr(cls, "default_css", [])]:
            local = name in LOCAL_ASSETS or (cls is folium.Map and name in MAP_DROPPED)
            if not local:
                unknown.append((cls.__name__, name, url))
    assert unknown == []


def test_localize_refuses_an_element_without_a_local_copy() -> None:
    m = folium.Map(tiles=None)
    folium.plugins.MiniMap().add_to(m)
    with pytest.raises(ExternalAssetError, match="MiniMap"):
        localize(m)


def test_localize_changes_no_folium_class() -> None:
    before = list(folium.Map.default_js)
    render_html(helpers.planner())
    assert folium.Map.default_js == before
    assert any("cdn" in url for _, url in folium.Map.default_js)


@pytest.mark.parametrize("build", [helpers.planner, helpers.leader, helpers.inspector])
@pytest.mark.parametrize("asset_base", [None, "static/", "/static/maps/"])
def test_pages_have_no_external_asset(build, asset_base: str | None) -> None:  # noqa: ANN001
    html = render_html(build(), asset_base=asset_base)
    assert external_asset_urls(html) == []
    assert not CDN.search(html)
    assert "gridpatrol-asset:" not in html


def test_self_contained_page_inlines_scripts_styles_and_images() -> None:
    html = render_html(helpers.planner(), asset_base=None)
    assert "<script src=" not in html
    assert '<link rel="stylesheet"' not in html
    assert "L.version" in html or "Leaflet" in html  # leaflet.js is inlined
    assert "url(data:image/png;base64," in html  # leaflet.css images
    assert "images/layers.png" not in html


def test_linked_page_uses_only_vendored_files() -> None:
    html = render_html(helpers.leader(), asset_base="static/")
    used = used_assets(html, "static/")
    assert "vendor/leaflet/dist/leaflet.js" in used
    assert "vendor/leaflet.heat/dist/leaflet-heat.js" in used
    assert BUNDLE_NAME in used  # joined from the modules (maps.bundle)
    assert all((STATIC_DIR / rel).is_file() for rel in used if rel != BUNDLE_NAME)
    assert "jquery" not in html and "bootstrap" not in html


def test_html_lang_attribute() -> None:
    assert '<html lang="zh-CN">' in render_html(helpers.planner())
    assert '<html lang="en">' in render_html(helpers.planner(), lang="en")


def test_package_data_globs_cover_static() -> None:
    root = Path(__file__).resolve().parents[2]
    conf = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = conf["tool"]["setuptools"]["package-data"]["maps"]
    pkg = root / "maps"
    matched = {p for pat in patterns for p in pkg.glob(pat) if p.is_file()}
    files = {p for p in (pkg / "static").rglob("*") if p.is_file()}
    assert files and files <= matched
