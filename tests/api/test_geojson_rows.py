"""The lean GeoJSON encoder (rows + WKB → bytes) against RFC 7946 and the frame encoder."""

from __future__ import annotations

import json

import pandas as pd
import shapely

from api.geojson import (
    GeometryCache,
    collection_text,
    feature_texts,
    geometry_bytes,
    page_bytes,
)
from layers.rows import RowPage


def _wkb(geoms: list) -> list[bytes | None]:
    return [None if g is None else shapely.to_wkb(g) for g in geoms]


def test_rings_right_hand_six_decimals_and_nulls() -> None:
    clockwise = shapely.Polygon([(11, 50), (11, 50.1234567891), (11.1, 50.1), (11.1, 50)],
                                holes=[[(11.02, 50.02), (11.05, 50.02), (11.05, 50.05)]])
    multi = shapely.MultiPolygon([clockwise])
    texts = geometry_bytes(_wkb([multi, None, shapely.MultiPolygon()]))
    geom = json.loads(texts[0])
    assert geom["type"] == "MultiPolygon" and texts[1:] == [b"null", b"null"]
    shell, hole = geom["coordinates"][0]
    assert shapely.LinearRing(shell).is_ccw and not shapely.LinearRing(hole).is_ccw
    assert [11, 50.123457] in shell and shell[0] == shell[-1]
    assert all(len(repr(v).split(".")[-1]) <= 6 for c in shell + hole for v in c)


def test_points_lines_and_mixed_pages() -> None:
    pts = geometry_bytes(_wkb([shapely.Point(11.1234564, 50), shapely.Point(-1, -2)]))
    assert [json.loads(t) for t in pts] == [{"type": "Point", "coordinates": [11.123456, 50]},
                                            {"type": "Point", "coordinates": [-1, -2]}]
    mixed = geometry_bytes(_wkb([shapely.LineString([(0, 0), (1, 1)]), shapely.Point(3, 4)]))
    assert [json.loads(t)["type"] for t in mixed] == ["LineString", "Point"]


def test_page_equals_the_frame_encoder() -> None:
    geoms = [shapely.MultiPolygon([shapely.box(11, 50, 11.01, 50.01, ccw=False)]),
             shapely.MultiPolygon([shapely.box(11.02, 50, 11.03, 50.011)])]
    rows = [("u1", 3, 1.5, True, None, {"a": [1, 2]}),
            ("u2", None, None, False, pd.Timestamp("2026-04-02T02:00:00Z").to_pydatetime(),
             None)]
    fields = ("unit_id", "n", "x", "ok", "when", "doc")
    page = RowPage("units", fields, rows, _wkb(geoms), matched=7)
    links = [{"href": "http://x/items", "rel": "self", "type": "application/geo+json"}]
    frame = pd.DataFrame(rows, columns=list(fields)).assign(geometry=geoms)
    old = collection_text(feature_texts(frame, id_field="unit_id"), numberMatched=7,
                          numberReturned=2, links=links)
    assert json.loads(page_bytes(page, id_field="unit_id", links=links)) == json.loads(old)


def test_geometry_cache_gives_the_same_texts_and_stays_bounded() -> None:
    wkb = _wkb([shapely.Point(i / 7, 50) for i in range(50)] + [None])
    cache = GeometryCache(max_bytes=2000)
    first = cache.encode(wkb)
    assert first == geometry_bytes(wkb) == cache.encode(wkb)
    moved = _wkb([shapely.Point(1.5, 50)])  # an edited geometry is a new key
    assert json.loads(cache.encode(moved)[0])["coordinates"] == [1.5, 50]
    assert cache._size <= 2000 + 100
