"""Importers on the real data, and every kind of bad input the foundation issue lists.

Bad input goes through the CLI (exit code 2, one message naming file, layer, feature and
field with a fix) and must leave the store exactly as it was.
"""

from __future__ import annotations

import bz2
import gzip
import json
import logging
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from api.cli import main
from layers.importers.mines import read_gem_csv
from layers.importers.osm import parse_maxspeed, parse_tags, read_osm
from layers.store import open_store
from tests.conftest import GEM_CSV, OSM_BAYREUTH, OSM_LIECHTENSTEIN


@pytest.fixture(scope="module")
def bayreuth() -> dict[str, gpd.GeoDataFrame]:
    return read_osm(OSM_BAYREUTH, progress=False)


def test_osm_extract_gives_every_layer(bayreuth):
    counts = {k: len(v) for k, v in bayreuth.items()}
    assert counts["roads"] > 1500 and counts["buildings"] > 4000 and counts["fire_zones"] > 50
    assert set(bayreuth["roads"]["highway"]) >= {"primary", "residential", "track", "motorway"}
    assert bayreuth["roads"]["oneway"][bayreuth["roads"]["highway"] == "motorway"].all()
    assert {"quarry", "enterprise"} <= set(bayreuth["mine_sites"]["kind"])
    assert (bayreuth["places"]["place"] == "village").sum() == 22
    assert bayreuth["offices"]["kind"].eq("townhall").any()
    assert (bayreuth["fire_zones"]["area_m2"] >= 10_000).all()


def test_pbf_admin_boundaries_map_to_townships():
    layers = read_osm(OSM_LIECHTENSTEIN, progress=False)
    admin = layers["admin_areas"]
    assert (admin["level"] == "township").sum() == 11
    assert "Vaduz" in set(admin["name"])


@pytest.mark.parametrize("suffix", [".osm", ".osm.bz2"])
def test_plain_and_bzip2_osm(tmp_path, suffix):
    xml = gzip.decompress(OSM_BAYREUTH.read_bytes())
    path = tmp_path / f"extract{suffix}"
    path.write_bytes(bz2.compress(xml) if suffix.endswith("bz2") else xml)
    assert len(read_osm(path, progress=False)["roads"]) == len(read_osm(
        OSM_BAYREUTH, progress=False)["roads"])


def test_tag_parsing():
    assert parse_tags('"maxspeed"=>"70","ref"=>"B 85","note"=>"say \\"hi\\""') == {
        "maxspeed": "70", "ref": "B 85", "note": 'say "hi"'}
    assert parse_maxspeed("30 mph") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed("DE:rural") == 100 and parse_maxspeed("none") is None


def test_gem_registry_real_file():
    mines = read_gem_csv(GEM_CSV)
    raw = pd.read_csv(GEM_CSV, dtype=str)
    assert len(mines) == raw["id"].nunique() and mines["site_id"].is_unique
    operating = set(raw.loc[raw["status"] == "operating", "id"])
    assert set(mines.loc[mines["status"] == "producing", "source_id"]) == operating
    baode = mines.set_index("source_id").loc["M0178"]  # two operating phases: 5 + 8 Mt/yr
    assert baode["capacity_mtpa"] == 13.0 and baode["status"] == "producing"
    assert mines["site_id"].str.startswith("gem-").all() and mines["kind"].eq("coal_mine").all()
    assert mines.total_bounds[0] > 73 and mines.total_bounds[2] < 135


def test_import_mines_bbox_and_within(tmp_path):
    db = tmp_path / "s.gpkg"
    shanxi = "110.2,34.5,114.6,40.8"
    assert main(["import", "mines", str(GEM_CSV), "--db", str(db), "--bbox", shanxi]) == 0
    store = open_store(db)
    n = store.count("mine_sites")
    assert 100 < n < 2404
    store.replace("admin_areas", gpd.GeoDataFrame(
        {"area_id": ["jinzhong"], "name": ["晋中"], "level": ["county"]},
        geometry=[shapely.box(112.0, 36.5, 114.0, 38.2)], crs=4326))
    store.delete("mine_sites", list(store.read("mine_sites")["site_id"]))
    assert main(["import", "mines", str(GEM_CSV), "--db", str(db), "--within", "jinzhong"]) == 0
    inside = store.read("mine_sites")
    assert 0 < len(inside) < n
    assert inside.geometry.within(shapely.box(112.0, 36.5, 114.0, 38.2)).all()


@pytest.mark.parametrize("encoding", ["utf-16", "gbk"])
def test_chinese_encodings_are_detected(tmp_path, encoding):
    text = GEM_CSV.read_text(encoding="utf-8")
    if encoding == "gbk":
        text = text.replace("Aimin Wendu Coal Mine", "爱民温都煤矿")
        text = text.encode("gbk", errors="replace").decode("gbk")
    path = tmp_path / f"mines-{encoding}.csv"
    path.write_text(text, encoding=encoding)
    mines = read_gem_csv(path)
    assert len(mines) == len(read_gem_csv(GEM_CSV))
    if encoding == "gbk":
        assert "爱民温都煤矿" in set(mines["name"])


# -- generic files ---------------------------------------------------------------------
def residences(crs: int | None = 4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"member_id": ["p1", "p2"], "synthetic": [True, True]},
                            geometry=[shapely.Point(112.5, 37.8), shapely.Point(112.6, 37.85)],
                            crs=crs)


@pytest.mark.parametrize("driver,suffix", [("GeoJSON", ".geojson"), ("GPKG", ".gpkg"),
                                           ("FlatGeobuf", ".fgb"), ("ESRI Shapefile", ".shp")])
def test_import_layer_formats(tmp_path, driver, suffix):
    src = tmp_path / f"members{suffix}"
    residences().to_crs(4547 if driver == "GPKG" else 4326).to_file(src, driver=driver)
    db = tmp_path / "s.gpkg"
    assert main(["import", "layer", "member_residences", str(src), "--db", str(db)]) == 0
    back = open_store(db).read("member_residences").sort_values("member_id")
    assert list(back["member_id"]) == ["p1", "p2"]  # FlatGeobuf reorders by its index
    assert back.geometry.x.iloc[0] == pytest.approx(112.5, abs=1e-7)


def test_import_zipped_shapefile_with_field_mapping(tmp_path):
    shp = tmp_path / "shp" / "党员.shp"
    shp.parent.mkdir()
    residences().rename(columns={"member_id": "DYBH"}).to_file(shp, encoding="utf-8")
    archive = tmp_path / "members.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in shp.parent.iterdir():
            zf.write(f, f.name)
    db = tmp_path / "s.gpkg"
    assert main(["import", "layer", "member_residences", str(archive), "--db", str(db),
                 "--map", "member_id=DYBH"]) == 0
    assert list(open_store(db).read("member_residences")["member_id"]) == ["p1", "p2"]


def test_csv_with_crs_and_gcj02(tmp_path):
    import prcoords

    lat, lon = 39.908, 116.397
    g = prcoords.wgs_gcj((lat, lon))
    src = tmp_path / "members.csv"
    src.write_text(f"member_id,synthetic,lng,lat\np1,true,{g.lon},{g.lat}\n", encoding="utf-8")
    db = tmp_path / "s.gpkg"
    assert main(["import", "layer", "member_residences", str(src), "--db", str(db),
                 "--crs", "gcj02"]) == 0
    back = open_store(db).read("member_residences").geometry.iloc[0]
    assert back.x == pytest.approx(lon, abs=5e-6) and back.y == pytest.approx(lat, abs=5e-6)


def test_wkt_csv_with_repair_on_request(tmp_path, caplog):
    src = tmp_path / "grids.csv"
    src.write_text('unit_id,village_id,kind,households,population,members,mines,fire_area_m2,'
                   'wkt\nu1,v1,block,3,8,0,0,0,"POLYGON((0 0,1 1,1 0,0 1,0 0))"\n')
    db = tmp_path / "s.gpkg"
    with caplog.at_level(logging.WARNING):
        assert main(["import", "layer", "units", str(src), "--db", str(db), "--crs",
                     "EPSG:4326", "--repair"]) == 0
    assert "repaired invalid geometry" in caplog.text
    assert open_store(db).read("units").geometry.iloc[0].is_valid


# -- bad input: each names file/layer/feature/field, exits 2, leaves the store as it was ---
@pytest.fixture
def seeded(tmp_path) -> tuple[Path, pd.DataFrame]:
    db = tmp_path / "s.gpkg"
    open_store(db).replace("member_residences", residences())
    return db, open_store(db).read("member_residences")


def _write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _feature(fid: str, geometry: dict, **props) -> dict:
    return {"type": "Feature", "properties": {"member_id": fid, "synthetic": True, **props},
            "geometry": geometry}


POINT = {"type": "Point", "coordinates": [112.5, 37.8]}


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    half = tmp / "half.osm.pbf"
    data = OSM_LIECHTENSTEIN.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    empty = tmp / "empty.geojson"
    empty.write_text("")
    no_features = _write_geojson(tmp / "none.geojson", [])
    nocrs = tmp / "nocrs.csv"
    nocrs.write_text("member_id,synthetic,lon,lat\np9,true,112.5,37.8\n")
    far = _write_geojson(tmp / "far.geojson", [_feature("p9", {"type": "Point",
                                                                "coordinates": [512.5, 37.8]})])
    bowtie = _write_geojson(tmp / "bowtie.geojson", [{
        "type": "Feature", "properties": {"area_id": "a1", "name": "x", "level": "village"},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1],
                                                         [0, 0]]]}}])
    line = _write_geojson(tmp / "line.geojson", [_feature("p9", {
        "type": "LineString", "coordinates": [[112, 37], [113, 38]]})])
    nofield = tmp / "nofield.geojson"
    _write_geojson(nofield, [{"type": "Feature", "properties": {"member_id": "p9"},
                              "geometry": POINT}])
    dup = _write_geojson(tmp / "dup.geojson", [_feature("p9", POINT), _feature("p9", POINT)])
    notes = tmp / "members.txt"
    notes.write_text("p1 112.5 37.8")
    utf16_bad = tmp / "bad.csv"
    utf16_bad.write_bytes(b"\xff\xfe\x00\xd8" + b"\x81" * 7)
    return {
        "missing file": (["layer", "member_residences", str(tmp / "nope.geojson")],
                         "no such file"),
        "unknown format": (["layer", "member_residences", str(notes)], "unknown format '.txt'"),
        "truncated pbf": (["osm", str(half)], "truncated, corrupt"),
        "empty file": (["layer", "member_residences", str(empty)], "empty (0 bytes)"),
        "no features": (["layer", "member_residences", str(no_features)], "no features"),
        "no crs": (["layer", "member_residences", str(nocrs)], "no coordinate reference"),
        "out of range": (["layer", "member_residences", str(far)],
                         "feature 'p9': coordinate (512.5, 37.8) is outside"),
        "self-intersection": (["layer", "admin_areas", str(bowtie)],
                              "feature 'a1': invalid geometry: Self-intersection"),
        "wrong type": (["layer", "member_residences", str(line)],
                       "feature 'p9': geometry is a LineString; this layer takes Point"),
        "missing field": (["layer", "member_residences", str(nofield)],
                          "required field(s) synthetic missing"),
        "duplicate ids": (["layer", "member_residences", str(dup)],
                          "feature 'p9': id 'member_id' is duplicated"),
        "bad encoding": (["layer", "member_residences", str(utf16_bad), "--crs", "EPSG:4326"],
                         "give its encoding with --encoding"),
        "unknown layer": (["layer", "gridz", str(dup)], "unknown layer 'gridz': the layers are"),
    }


@pytest.mark.parametrize("case", [
    "missing file", "unknown format", "truncated pbf", "empty file", "no features", "no crs",
    "out of range", "self-intersection", "wrong type", "missing field", "duplicate ids",
    "bad encoding", "unknown layer"])
def test_bad_input_is_refused_clearly_and_store_unchanged(seeded, tmp_path, caplog, case):
    db, before = seeded
    args, message = _bad_inputs(tmp_path)[case]
    with caplog.at_level(logging.ERROR, logger="gridpatrol"):
        code = main(["import", *args, "--db", str(db)])
    assert code == 2
    assert message in caplog.text
    after = open_store(db)
    pd.testing.assert_frame_equal(after.read("member_residences"), before)
    assert after.layers() == ["member_residences"]


_OSM_ZH = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="37.80" lon="112.50"/><node id="2" lat="37.80" lon="112.52"/>
  <node id="3" lat="37.81" lon="112.50"/><node id="4" lat="37.81" lon="112.52"/>
  <node id="5" lat="37.805" lon="112.505"/><node id="6" lat="37.805" lon="112.51"/>
  <node id="7" lat="37.808" lon="112.51"/><node id="8" lat="37.808" lon="112.505"/>
  <node id="9" lat="37.806" lon="112.515">
    <tag k="place" v="village"/><tag k="name" v="Dongguan"/><tag k="name:zh" v="东关村"/>
  </node>
  <way id="10"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="primary"/><tag k="name" v="Yingze St"/><tag k="name:zh" v="迎泽大街"/>
  </way>
  <way id="11"><nd ref="3"/><nd ref="4"/>
    <tag k="waterway" v="river"/><tag k="name" v="Fen He"/><tag k="name:zh" v="汾河"/>
  </way>
  <way id="12"><nd ref="1"/><nd ref="3"/><tag k="waterway" v="stream"/></way>
  <way id="13"><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>
    <tag k="natural" v="water"/><tag k="water" v="reservoir"/><tag k="name:zh" v="水库"/>
  </way>
</osm>
"""


def test_osm_basemap_layers_and_chinese_names(tmp_path):
    path = tmp_path / "zh.osm"
    path.write_text(_OSM_ZH, encoding="utf-8")
    layers = read_osm(path, progress=False)
    road = layers["roads"].iloc[0]
    assert (road["name"], road["name_zh"]) == ("Yingze St", "迎泽大街")
    assert layers["places"].set_index("name").loc["Dongguan", "name_zh"] == "东关村"
    ways = layers["waterways"].set_index("kind")
    assert ways.loc["river", "name_zh"] == "汾河" and "stream" in ways.index
    lake = layers["water_areas"].iloc[0]
    assert lake["kind"] == "reservoir" and lake["name_zh"] == "水库"
    assert lake.geometry.geom_type == "MultiPolygon"


def test_bayreuth_water_layers(bayreuth):
    assert set(bayreuth["waterways"]["kind"]) == {"river", "stream", "ditch"}
    assert (bayreuth["water_areas"]["kind"] == "lake").sum() > 100
    assert bayreuth["roads"]["name_zh"].isna().all()  # a German extract has no name:zh
