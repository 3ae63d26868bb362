"""The offline basemap builder on tiny hand-built layers (maps/vector_basemap.py)."""

from __future__ import annotations

import json

import map_frames as mf
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Polygon

from maps.vector_basemap import LEVELS, build_basemap, content_hash, to_json


def decode(part: list[int], origin: list[int], scale: int) -> np.ndarray:
    """The page's decoding (basemap.js decodePart), in Python: (n, 2) lon/lat."""
    xy = np.cumsum(np.asarray(part, dtype=np.int64).reshape(-1, 2), axis=0) + origin
    return xy / scale


def geometries(data: dict, level: int, cls: str) -> list[shapely.Geometry]:
    lv = data["levels"][level]
    o, s = lv["origin"], lv["scale"]
    if cls in lv["polygons"]:
        return [Polygon(decode(r[0], o, s), [decode(h, o, s) for h in r[1:]])
                for r in lv["polygons"][cls]]
    return [LineString(decode(p, o, s)) for p in lv["lines"].get(cls, [])]


@pytest.fixture(scope="module")
def data() -> dict:
    return build_basemap(mf.basemap_layers())


def test_levels_carry_the_classes_of_their_zooms(data: dict) -> None:
    zooms = [lv["zoom"] for lv in data["levels"]]
    assert zooms == [[lv.min_zoom, lv.max_zoom] for lv in LEVELS] == [[0, 11], [12, 13], [14, 22]]
    l0, l1, l2 = (set(lv["lines"]) | set(lv["polygons"]) for lv in data["levels"])
    assert {"motorway", "major", "tertiary", "river", "rail", "forest"} <= l0
    assert not {"minor", "track", "stream", "ditch", "water"} & l0  # the lake is < 10 ha
    assert {"minor", "stream", "water"} <= l1 and not {"track", "ditch"} & l1
    assert {"track", "ditch"} <= l2
    for lv in data["levels"]:  # a footway is never drawn (not a road of the basemap)
        assert sum(len(v) for v in lv["lines"].values()) <= 10


def test_small_polygons_appear_only_zoomed_in(data: dict) -> None:
    assert len(geometries(data, 1, "water")) == 1  # the 1.6 ha lake; the 0.1 ha pond is not
    assert len(geometries(data, 2, "water")) == 2
    assert len(geometries(data, 0, "forest")) == 1 and len(geometries(data, 2, "forest")) == 2


def test_coordinates_decode_to_the_input_within_the_quantum(data: dict) -> None:
    river = geometries(data, 2, "river")[0]
    src = mf.basemap_layers()["waterways"].geometry.iloc[0]
    assert river.hausdorff_distance(src) < 1.5e-5  # 1e-5° quantum
    lake = geometries(data, 2, "water")[0]
    lake_src = mf.basemap_layers()["water_areas"].geometry.iloc[0]
    assert lake.symmetric_difference(lake_src).area / lake_src.area < 0.01


def test_neighbouring_settlements_merge_at_the_lowest_level(data: dict) -> None:
    assert len(geometries(data, 0, "built")) == 1  # 2 blocks 20 m apart: one settlement
    assert len(geometries(data, 2, "built")) == 2


def test_labels_prefer_nothing_but_keep_both_names(data: dict) -> None:
    rows = {r[2]: r for r in data["labels"]}
    assert rows["Chengguan"][3] == "城关镇" and rows["Chengguan"][4] == 0
    assert rows["Dongguan"][3] is None and rows["Dongguan"][5] == 0  # villages at level 0
    assert rows["Xiaozhuang"][5] == 2  # hamlets only zoomed in
    assert data["labels"][0][2] == "Chengguan"  # towns placed first


def test_same_layers_same_bytes_same_hash(data: dict) -> None:
    again = build_basemap(mf.basemap_layers())
    assert to_json(again) == to_json(data) and again["hash"] == data["hash"]
    assert content_hash(json.loads(to_json(data))) == data["hash"]
    moved = mf.basemap_layers()
    moved["places"].loc[0, "name_zh"] = "城关"
    assert build_basemap(moved)["hash"] != data["hash"]


def test_bbox_clips_what_is_outside(data: dict) -> None:
    box = (mf.X0, mf.Y0, mf.X0 + 1.0 * mf.D, mf.Y0 + 2 * mf.D)  # the west quarter
    part = build_basemap(mf.basemap_layers(), bbox=box, margin_m=0)
    assert part["bbox"] == [round(v, 6) for v in box]
    motorway = geometries(part, 2, "motorway")[0]
    assert motorway.bounds[2] <= box[2] + 1e-5
    assert len(geometries(part, 2, "forest")) == 1  # the small one; the big one is east
    assert {r[2] for r in part["labels"]} == {"Dongguan"}
    assert len(to_json(part)) < len(to_json(data))


def test_no_layers_give_an_empty_basemap() -> None:
    empty = build_basemap({})
    assert all(not lv["lines"] and not lv["polygons"] for lv in empty["levels"])
    assert empty["labels"] == [] and len(empty["hash"]) == 20
