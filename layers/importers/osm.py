"""Import an OpenStreetMap extract (.osm, .osm.gz, .osm.bz2, .osm.pbf) into the store.

GDAL's OSM driver (through pyogrio) reads the file locally — no network, ever.  Tags that
GDAL does not give a column of its own are parsed from ``other_tags`` (an hstore string).

What becomes what:

============================  ===============================================================
layer                         OSM features
============================  ===============================================================
``roads``                     ways with a drivable ``highway`` (motorway … residential,
                              service, track, road and the ``*_link`` classes), not
                              ``access=no/private``; ``oneway=-1`` ways are reversed
``admin_areas``               ``boundary=administrative``; ``admin_level`` 4–7 → county,
                              8 → township (乡镇/街道), 9–10 → village (村/社区)
``places``                    ``place`` = city, town, village, suburb, quarter,
                              neighbourhood, hamlet, isolated_dwelling
``residential_areas``         ``landuse=residential``
``buildings``                 every ``building``; ``residential`` when the tag is a dwelling
                              type, or ``yes`` inside residential land or a farmyard
``fire_zones``                ``landuse=forest`` and ``natural=wood`` of at least 1 ha
``mine_sites``                ``landuse=quarry`` (quarry), ``man_made=mineshaft|adit`` and
                              ``industrial=mine`` (coal_mine when ``resource=coal``, else
                              other_mine), ``landuse=industrial`` (enterprise); polygons
                              become their representative point with ``area_m2``
``fire_stations``             ``amenity=fire_station``
``offices``                   ``amenity=townhall``, ``office=government``
``barriers``                  ``waterway=river|canal``, ``highway=motorway|trunk``,
                              ``railway=rail``
``waterways``                 ``waterway=river|canal|stream|ditch|drain`` (for the basemap)
``water_areas``               ``natural=water``, ``landuse=reservoir|basin``,
                              ``waterway=riverbank``, ``natural=wetland`` (for the basemap)
============================  ===============================================================

Names: ``name`` as tagged, and ``name_zh`` from ``name:zh`` (else ``name:zh-Hans``) on roads,
places, waterways and water areas, so that maps can label in Chinese where the data allows.

Invalid OSM polygons (rare, from broken multipolygon relations) are repaired with
``make_valid`` and each repair is logged with its OSM id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from tqdm import tqdm

from gis.crs import metric_crs
from gis.validate import repair
from layers.errors import InputFileError
from layers.importers.sources import osm_readable, require_file
from layers.store import Store

log = logging.getLogger(__name__)

DRIVABLE = frozenset({
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "living_street", "service", "track", "road", "motorway_link", "trunk_link",
    "primary_link", "secondary_link", "tertiary_link",
})
DWELLINGS = frozenset({
    "house", "residential", "apartments", "detached", "semidetached_house", "terrace", "farm",
    "dormitory", "bungalow", "cabin", "static_caravan",
})
PLACES = ("city", "town", "village", "suburb", "quarter", "neighbourhood", "hamlet",
          "isolated_dwelling")
ADMIN_LEVELS = {4: "county", 5: "county", 6: "county", 7: "county", 8: "township",
                9: "village", 10: "village"}
MIN_FOREST_M2 = 10_000.0
_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
_SPEEDS = {"none": None, "walk": 5.0, "de:urban": 50.0, "de:rural": 100.0, "cn:urban": 50.0,
           "cn:rural": 70.0, "de:motorway": None, "de:living_street": 7.0}


def parse_tags(other: object) -> dict[str, str]:
    """The tags in a GDAL ``other_tags`` hstore string."""
    if not isinstance(other, str):
        return {}
    return {k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _HSTORE.findall(other)}


def parse_maxspeed(value: object) -> float | None:
    """``maxspeed`` in km/h (``"50"``, ``"30 mph"``, ``"DE:urban"``), else ``None``."""
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip().lower()
    if v in _SPEEDS:
        return _SPEEDS[v]
    m = re.match(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?", v)
    if not m:
        return None
    speed = float(m.group(1))
    return speed * 1.609344 if m.group(2) == "mph" else speed


def _read(path: str, layer: str) -> gpd.GeoDataFrame:
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # pyogrio raises DataSourceError / DataLayerError / GDAL errors
        msg = (f"{path.replace('/vsigzip/', '')}: cannot read OSM layer {layer!r} ({exc}); the "
               "file is truncated, corrupt or not OpenStreetMap data — download it again")
        raise InputFileError(msg) from exc
    frame["tags"] = [parse_tags(t) for t in frame.get("other_tags", pd.Series(dtype=object))]
    return frame


def _tag(frame: pd.DataFrame, key: str) -> pd.Series:
    """A tag as a column, from GDAL's own column when it has one, else from other_tags."""
    own = frame[key] if key in frame.columns else pd.Series([None] * len(frame),
                                                            index=frame.index)
    parsed = pd.Series([t.get(key) for t in frame["tags"]], index=frame.index, dtype=object)
    return own.where(own.notna(), parsed)


def _name_zh(frame: pd.DataFrame) -> pd.Series:
    """``name:zh`` (else ``name:zh-Hans``) of each feature, or ``None``."""
    return _tag(frame, "name:zh").where(lambda s: s.notna(), _tag(frame, "name:zh-Hans"))


def _osm_id(frame: pd.DataFrame, prefix: str) -> pd.Series:
    if "osm_way_id" in frame.columns:
        way = frame["osm_way_id"]
        rel = frame["osm_id"]
        return pd.Series(np.where(way.notna(), "w" + way.astype(str), "r" + rel.astype(str)),
                         index=frame.index)
    return prefix + frame["osm_id"].astype(str)


def _points(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return frame.geometry.representative_point()


def _repaired(frame: gpd.GeoDataFrame, ids: pd.Series, what: str) -> gpd.GeoDataFrame:
    bad = ~frame.geometry.is_valid
    for i in np.flatnonzero(bad.to_numpy()):
        log.warning("OSM %s %s: invalid polygon (%s) repaired with make_valid", what,
                    ids.iloc[i], shapely.is_valid_reason(frame.geometry.iloc[i]))
    if bad.any():
        frame = frame.copy()
        frame.loc[bad, "geometry"] = [repair(g, "MultiPolygon") for g in frame.geometry[bad]]
    return frame


def extract_roads(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drivable ways: class, name, ref, oneway, maxspeed (km/h)."""
    access = _tag(lines, "access").fillna("")
    keep = lines["highway"].isin(DRIVABLE) & ~access.isin(["no", "private"])
    roads = lines[keep].copy()
    oneway = _tag(roads, "oneway").fillna("").str.lower()
    geoms = roads.geometry.values.copy()
    reverse = (oneway == "-1").to_numpy()
    geoms[reverse] = shapely.reverse(geoms[reverse])
    motorway = roads["highway"].isin(["motorway", "motorway_link"]).to_numpy()
    junction = _tag(roads, "junction").fillna("").isin(["roundabout"]).to_numpy()
    return gpd.GeoDataFrame({
        "road_id": "w" + roads["osm_id"].astype(str),
        "highway": roads["highway"],
        "name": roads["name"],
        "name_zh": _name_zh(roads),
        "ref": _tag(roads, "ref"),
        "oneway": oneway.isin(["yes", "true", "1", "-1"]).to_numpy() | motorway | junction,
        "maxspeed_kmh": [parse_maxspeed(v) for v in _tag(roads, "maxspeed")],
        "source": "osm",
    }, geometry=geoms, crs=4326).reset_index(drop=True)


def extract_barriers(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rivers, canals, motorways, trunk roads and railways: lines a grid may not cross."""
    kind = pd.Series([None] * len(lines), index=lines.index, dtype=object)
    kind[lines["waterway"].isin(["river", "canal"])] = "river"
    kind[lines["highway"].isin(["motorway", "trunk"])] = "motorway"
    kind[lines["railway"].isin(["rail"])] = "rail"
    sel = lines[kind.notna()]
    return gpd.GeoDataFrame({
        "barrier_id": "w" + sel["osm_id"].astype(str), "kind": kind[kind.notna()],
        "name": sel["name"], "source": "osm",
    }, geometry=sel.geometry.values, crs=4326).reset_index(drop=True)


WATERWAYS = ("river", "canal", "stream", "ditch", "drain")


def extract_waterways(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rivers, canals, streams, ditches and drains, for the basemap."""
    sel = lines[lines["waterway"].isin(WATERWAYS)]
    return gpd.GeoDataFrame({
        "waterway_id": "w" + sel["osm_id"].astype(str), "kind": sel["waterway"],
        "name": sel["name"], "name_zh": _name_zh(sel), "source": "osm",
    }, geometry=sel.geometry.values, crs=4326).reset_index(drop=True)


def extract_water(polys: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lakes, reservoirs, river areas, basins and wetlands, for the basemap."""
    natural = _tag(polys, "natural").fillna("")
    landuse = _tag(polys, "landuse").fillna("")
    waterway = _tag(polys, "waterway").fillna("")
    water = _tag(polys, "water").fillna("")
    kind = pd.Series([None] * len(polys), index=polys.index, dtype=object)
    kind[natural == "wetland"] = "wetland"
    kind[landuse == "basin"] = "basin"
    kind[(natural == "water") | (landuse == "reservoir")] = "lake"
    kind[(landuse == "reservoir") | (water == "reservoir")] = "reservoir"
    kind[(waterway == "riverbank") | water.isin(["river", "canal"])] = "river"
    sel = polys[kind.notna()]
    ids = _osm_id(sel, "r")
    sel = _repaired(sel, ids, "water area")
    return gpd.GeoDataFrame({
        "water_id": ids, "kind": kind[sel.index], "name": sel["name"],
        "name_zh": _name_zh(sel), "source": "osm",
    }, geometry=sel.geometry.values, crs=4326).reset_index(drop=True)


def extract_admin(polys: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Administrative boundaries mapped to county / township / village by ``admin_level``."""
    level = pd.to_numeric(polys["admin_level"], errors="coerce")
    sel = polys[(polys["boundary"] == "administrative") & level.isin(list(ADMIN_LEVELS))].copy()
    sel["level_n"] = level[sel.index].astype(int)
    ids = _osm_id(sel, "r")
    sel = _repaired(sel, ids, "boundary")
    ref = _tag(sel, "ref:CN") if len(sel) else pd.Series(dtype=object)
    return gpd.GeoDataFrame({
        "area_id": "osm-" + ids,
        "name": sel["name"].fillna("(" + ids + ")"),
        "level": sel["level_n"].map(ADMIN_LEVELS),
        "parent_id": None,
        "code": ref,
        "derived": False,
        "source": "osm",
    }, geometry=sel.geometry.values, crs=4326).reset_index(drop=True)


def extract_places(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Named settlements."""
    sel = points[points["place"].isin(PLACES)]
    pop = pd.to_numeric(_tag(sel, "population"), errors="coerce")
    return gpd.GeoDataFrame({
        "place_id": "n" + sel["osm_id"].astype(str), "name": sel["name"],
        "name_zh": _name_zh(sel), "place": sel["place"], "population": pop.astype("Int64"),
        "source": "osm",
    }, geometry=sel.geometry.values, crs=4326).reset_index(drop=True)


def extract_residential(polys: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Residential land use."""
    sel = polys[polys["landuse"] == "residential"]
    ids = _osm_id(sel, "r")
    sel = _repaired(sel, ids, "residential area")
    return gpd.GeoDataFrame({"area_id": ids, "name": sel["name"], "source": "osm"},
                            geometry=sel.geometry.values, crs=4326).reset_index(drop=True)


def extract_buildings(polys: gpd.GeoDataFrame, settled: gpd.GeoSeries) -> gpd.GeoDataFrame:
    """Buildings, with ``residential`` from the tag or (for ``yes``) the land they stand on."""
    sel = polys[polys["building"].notna()]
    ids = _osm_id(sel, "r")
    sel = _repaired(sel, ids, "building")
    tag = sel["building"].astype(str)
    points = sel.geometry.representative_point()
    in_settled = np.zeros(len(sel), dtype=bool)
    if len(settled) and len(sel):
        hit, _ = settled.sindex.query(points.values, predicate="within")
        in_settled[np.unique(hit)] = True
    levels = pd.to_numeric(_tag(sel, "building:levels"), errors="coerce").round()
    return gpd.GeoDataFrame({
        "building_id": ids, "building": tag, "levels": levels.astype("Int64"),
        "residential": tag.isin(DWELLINGS).to_numpy() | ((tag == "yes").to_numpy() & in_settled),
        "source": "osm",
    }, geometry=sel.geometry.values, crs=4326).reset_index(drop=True)


def extract_forests(polys: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Forests and woods of at least 1 ha: the fire zones (risk is set by ``units build``)."""
    sel = polys[(polys["landuse"] == "forest") | (polys["natural"] == "wood")]
    ids = _osm_id(sel, "r")
    sel = _repaired(sel, ids, "forest")
    area = sel.geometry.to_crs(metric_crs(sel)).area if len(sel) else pd.Series(dtype=float)
    keep = (area >= MIN_FOREST_M2).to_numpy()
    sel, area, ids = sel[keep], area[keep], ids[keep]
    return gpd.GeoDataFrame({
        "zone_id": "fz-" + ids, "name": sel["name"], "area_m2": area.to_numpy(),
        "risk_class": None, "risk_score": None, "source": "osm",
    }, geometry=sel.geometry.values, crs=4326).reset_index(drop=True)


def _mine_kind(frame: pd.DataFrame) -> pd.Series:
    man_made = _tag(frame, "man_made").fillna("")
    industrial = _tag(frame, "industrial").fillna("")
    resource = _tag(frame, "resource").fillna("").str.lower()
    landuse = _tag(frame, "landuse").fillna("")
    kind = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    kind[landuse == "industrial"] = "enterprise"
    kind[landuse == "quarry"] = "quarry"
    mine = man_made.isin(["mineshaft", "adit"]) | (industrial == "mine")
    kind[mine] = "other_mine"
    kind[(mine | (landuse == "quarry")) & resource.str.contains("coal")] = "coal_mine"
    return kind


def _status(frame: pd.DataFrame) -> pd.Series:
    dead = pd.Series(False, index=frame.index)
    for key in ("disused", "abandoned", "disused:man_made", "abandoned:man_made"):
        dead |= _tag(frame, key).notna()
    return pd.Series(np.where(dead, "abandoned", "producing"), index=frame.index)


def extract_mines(points: gpd.GeoDataFrame, polys: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Quarries, mines, mineshafts and industrial sites as points with a ``kind``."""
    parts = []
    for frame, prefix in ((polys, "r"), (points, "n")):
        kind = _mine_kind(frame)
        sel = frame[kind.notna()]
        if sel.empty:
            continue
        ids = _osm_id(sel, prefix)
        polygonal = sel.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
        area = sel.geometry.to_crs(metric_crs(sel)).area.where(polygonal)
        parts.append(gpd.GeoDataFrame({
            "site_id": "osm-" + ids, "name": sel["name"], "kind": kind[sel.index],
            "status": _status(sel), "area_m2": area.to_numpy(), "source": "osm",
            "source_id": ids,
        }, geometry=_points(sel).values, crs=4326))
    if not parts:
        return gpd.GeoDataFrame({"site_id": [], "kind": []}, geometry=[], crs=4326)
    return pd.concat(parts, ignore_index=True)


def _amenity_points(points: gpd.GeoDataFrame, polys: gpd.GeoDataFrame,
                    test: Callable[[pd.DataFrame], pd.Series], id_field: str,
                    extra: Callable[[pd.DataFrame], dict] | None = None) -> gpd.GeoDataFrame:
    parts = []
    for frame, prefix in ((points, "n"), (polys, "r")):
        sel = frame[test(frame).to_numpy()]
        if sel.empty:
            continue
        cols = {id_field: "osm-" + _osm_id(sel, prefix), "name": sel["name"], "source": "osm"}
        cols.update(extra(sel) if extra else {})
        parts.append(gpd.GeoDataFrame(cols, geometry=_points(sel).values, crs=4326))
    if not parts:
        return gpd.GeoDataFrame({id_field: []}, geometry=[], crs=4326)
    return pd.concat(parts, ignore_index=True)


def extract_fire_stations(points: gpd.GeoDataFrame, polys: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fire stations (points; polygons become their representative point)."""
    return _amenity_points(points, polys, lambda f: _tag(f, "amenity") == "fire_station",
                           "station_id")


def extract_offices(points: gpd.GeoDataFrame, polys: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Town halls and government offices: candidate depots for inspection routes."""
    def test(f: pd.DataFrame) -> pd.Series:
        return (_tag(f, "amenity") == "townhall") | (_tag(f, "office") == "government")

    def kind(f: pd.DataFrame) -> dict:
        return {"kind": np.where(_tag(f, "amenity") == "townhall", "townhall", "government")}

    return _amenity_points(points, polys, test, "office_id", kind)


def read_osm(path: str | Path, *, progress: bool = True) -> dict[str, gpd.GeoDataFrame]:
    """Every GridPatrol layer found in an OSM extract, in EPSG:4326 (nothing is written)."""
    p = require_file(path)
    steps = tqdm(total=5, desc=f"reading {p.name}", disable=not progress, unit="step")
    with osm_readable(p) as src:
        points = _read(src, "points")
        steps.update()
        lines = _read(src, "lines")
        steps.update()
        polys = _read(src, "multipolygons")
        steps.update()
    if points.empty and lines.empty and polys.empty:
        msg = f"{p}: the file holds no OpenStreetMap features; is it the right extract?"
        raise InputFileError(msg)
    settled = polys[polys["landuse"].isin(["residential", "farmyard"])].geometry
    layers = {
        "roads": extract_roads(lines), "barriers": extract_barriers(lines),
        "waterways": extract_waterways(lines), "water_areas": extract_water(polys),
        "admin_areas": extract_admin(polys), "places": extract_places(points),
        "residential_areas": extract_residential(polys),
        "buildings": extract_buildings(polys, settled.reset_index(drop=True)),
        "fire_zones": extract_forests(polys), "mine_sites": extract_mines(points, polys),
        "fire_stations": extract_fire_stations(points, polys),
        "offices": extract_offices(points, polys),
    }
    steps.update()
    if layers["roads"].empty:
        msg = f"{p}: no drivable roads in the extract; GridPatrol needs the road network"
        raise InputFileError(msg)
    steps.update()
    steps.close()
    return layers


def import_osm(store: Store, path: str | Path, *, progress: bool = True) -> dict[str, int]:
    """Read an OSM extract and replace its layers in *store*, all in one transaction.

    Returns the number of features written per layer.  On any error nothing is written.
    """
    layers = read_osm(path, progress=progress)
    counts = {}
    with store.transaction() as tx:
        for name, frame in tqdm(layers.items(), desc="writing layers", disable=not progress,
                                unit="layer"):
            counts[name] = tx.replace(name, frame)
    return counts
