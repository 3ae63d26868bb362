"""Basemaps and offsets: Tianditu and OSM unshifted, Gaode in GCJ-02 both ways (vs prcoords)."""

from __future__ import annotations

import helpers
import map_frames as mf
import numpy as np
import prcoords
import pytest
from shapely.geometry import Polygon, mapping

from maps.assets import external_asset_urls, render_html
from maps.basemaps import (
    BasemapSettings,
    check_basemap,
    geometry_to_storage,
    offset_for,
    shift_points,
    to_display,
)
from maps.errors import MapInputError
from maps.page import MapOptions

#: Known points (lon, lat) in WGS 84: Beijing, Taiyuan, Shenzhen, Ürümqi, and the fixture.
KNOWN = [(116.397128, 39.916527), (112.549248, 37.857014), (114.057868, 22.543099),
         (87.617733, 43.792818), (mf.X0, mf.Y0)]


def test_offsets() -> None:
    assert [offset_for(b) for b in ("none", "osm", "tianditu", "gaode")] == [
        "wgs84", "wgs84", "wgs84", "gcj02"]
    with pytest.raises(MapInputError, match="none, osm, tianditu, gaode"):
        check_basemap("baidu")


def test_gaode_display_matches_prcoords() -> None:
    shifted = shift_points(KNOWN, "gaode")
    for (lon, lat), (glon, glat) in zip(KNOWN, shifted, strict=True):
        ref = prcoords.wgs_gcj(prcoords.Coords(lat, lon))
        assert abs(glat - ref.lat) < 1e-9 and abs(glon - ref.lon) < 1e-9
        assert abs(glon - lon) + abs(glat - lat) > 1e-4  # a real shift, hundreds of metres


def test_edits_come_back_to_wgs84_against_prcoords() -> None:
    gcj = [prcoords.wgs_gcj(prcoords.Coords(lat, lon)) for lon, lat in KNOWN[:4]]
    ring = Polygon([(c.lon, c.lat) for c in gcj])
    back = geometry_to_storage(mapping(ring), "gaode")
    for (lon, lat), c in zip(back["coordinates"][0], gcj, strict=False):
        ref = prcoords.gcj_wgs_bored(c)
        assert abs(lon - ref.lon) < 1e-7 and abs(lat - ref.lat) < 1e-7
    original = np.array(KNOWN[:4])
    assert np.abs(np.array(back["coordinates"][0][:4]) - original).max() < 1e-7


@pytest.mark.parametrize("basemap", ["none", "osm", "tianditu"])
def test_unshifted_basemaps_keep_coordinates(basemap: str) -> None:
    units = mf.units()
    assert to_display(units, basemap) is units
    assert geometry_to_storage({"type": "Point", "coordinates": [1.0, 2.0]}, basemap)[
        "coordinates"] == (1.0, 2.0)


def test_gaode_map_draws_only_shifted_coordinates() -> None:
    html = render_html(helpers.planner(MapOptions(basemap="gaode")), asset_base="static/")
    numbers = helpers.coordinates(html)
    assert numbers, "no GeoJSON in the page"
    assert str(mf.X0) not in numbers and "112.51" not in numbers  # no WGS 84 vertex left
    (glon, glat), = shift_points([(mf.X0, mf.Y0)], "gaode")
    assert f"{round(glon, 6)}" in numbers and f"{round(glat, 6)}" in numbers
    assert "autonavi.com" in html and "tianditu.gov" not in html and "openstreetmap" not in html
    assert helpers.settings_block(html)["offset"] == "gcj02"


def test_tianditu_needs_a_key_and_uses_it() -> None:
    with pytest.raises(MapInputError, match="GRIDPATROL_TIANDITU_KEY"):
        helpers.planner(MapOptions(basemap="tianditu"))
    opts = MapOptions(basemap="tianditu", basemap_settings=BasemapSettings(tianditu_key="k123"))
    html = render_html(helpers.planner(opts))
    assert "tk=k123" in html and "vec_w" in html and "cva_w" in html
    assert str(mf.X0) in helpers.coordinates(html)  # CGCS2000: no shift
    assert external_asset_urls(html) == []  # tiles are not assets


def test_english_tianditu_annotations_and_intranet_tiles() -> None:
    opts = MapOptions(basemap="tianditu", lang="en",
                      basemap_settings=BasemapSettings(tianditu_key="k"))
    assert "eva_w" in render_html(helpers.planner(opts))
    opts = MapOptions(basemap="osm",
                      basemap_settings=BasemapSettings(tile_url="http://tiles.local/{z}/{x}/{y}"))
    html = render_html(helpers.planner(opts))
    assert "tiles.local" in html and "tile.openstreetmap.org" not in html


def test_offline_basemap_has_no_tiles_and_a_light_background() -> None:
    html = render_html(helpers.planner(), asset_base="static/")  # the page script linked
    assert "L.tileLayer" not in html
    assert "background:#f4f3ee" in html
