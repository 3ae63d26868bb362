"""The GeoPackage file itself: valid for GDAL/QGIS, spatial indexes, and not-a-GeoPackage."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.errors import StoreError
from layers.gpkg import GeoPackageStore, blob_wkb, encode_blob
from layers.store import open_store


def test_gdal_reads_every_layer_with_crs_and_spatial_index(gpkg_path):
    store = open_store(gpkg_path)
    store.replace("mine_sites", gpd.GeoDataFrame(
        {"site_id": ["m1", "m2"], "kind": ["coal_mine", "quarry"], "name": ["一号矿", None]},
        geometry=[shapely.Point(112.5, 37.8), shapely.Point(112.6, 37.9)], crs=4326))
    store.close()
    con = sqlite3.connect(gpkg_path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    assert con.execute("SELECT extension_name FROM gpkg_extensions WHERE table_name="
                       "'mine_sites'").fetchone()[0] == "gpkg_rtree_index"
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    info = pyogrio.read_info(gpkg_path, layer="mine_sites")
    assert info["crs"] == "EPSG:4326"
    assert info["capabilities"]["fast_spatial_filter"]
    frame = pyogrio.read_dataframe(gpkg_path, layer="mine_sites", bbox=(112.55, 37.85, 113, 38))
    assert list(frame["site_id"]) == ["m2"]
    assert pyogrio.read_dataframe(gpkg_path, layer="mine_sites")["name"][0] == "一号矿"


def test_rtree_follows_updates_and_deletes(gpkg_path):
    store = open_store(gpkg_path)
    pts = gpd.GeoDataFrame({"site_id": ["a", "b"], "kind": ["quarry"] * 2},
                           geometry=[shapely.Point(1, 1), shapely.Point(2, 2)], crs=4326)
    store.replace("mine_sites", pts)
    store.upsert("mine_sites", pts.iloc[[0]].set_geometry([shapely.Point(5, 5)]))
    store.delete("mine_sites", ["b"])
    assert store.count("mine_sites", bbox=(0, 0, 3, 3)) == 0
    assert store.count("mine_sites", bbox=(4, 4, 6, 6)) == 1


def test_blob_roundtrip():
    g = shapely.Polygon([(0, 0), (2, 0), (2, 1), (0, 0)])
    blob = encode_blob(shapely.to_wkb(g))
    assert blob[:2] == b"GP" and shapely.from_wkb(blob_wkb(blob)).equals(g)


def test_a_file_that_is_not_a_geopackage_is_refused(tmp_path):
    text = tmp_path / "notes.gpkg"
    text.write_text("hello")
    with pytest.raises(StoreError, match="not a GeoPackage"):
        GeoPackageStore(text)
    plain = tmp_path / "plain.gpkg"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError, match="not a GeoPackage"):
        GeoPackageStore(plain)


def test_open_without_create_needs_the_file(tmp_path):
    with pytest.raises(StoreError, match="no store at"):
        open_store(tmp_path / "missing.gpkg", create=False)
