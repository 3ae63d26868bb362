"""Display geometry: coverage simplification keeps shared edges; 6 decimals; JSON-safe values."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from gis.crs import metric_crs
from maps.geometry import feature_collection, json_value, simplify


def _wiggly_coverage() -> gpd.GeoDataFrame:
    """Two neighbours sharing a wiggly edge (many vertices ~1 m off a straight line)."""
    ys = np.linspace(37.80, 37.81, 200)
    xs = 112.505 + 0.00001 * np.sin(np.arange(200))
    edge = list(zip(xs, ys, strict=True))
    left = Polygon([(112.50, 37.80), *edge, (112.50, 37.81)])
    right = Polygon([*edge, (112.51, 37.81), (112.51, 37.80)][::-1])
    return gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[left, right.normalize()], crs=4326)


def test_coverage_simplify_keeps_shared_edges() -> None:
    frame = _wiggly_coverage()
    assert shapely.coverage_is_valid(frame.geometry.values)
    out = simplify(np.asarray(frame.geometry.values), 5.0, metric_crs(frame))
    assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates(
        np.asarray(frame.geometry.values)).sum() / 2
    assert shapely.coverage_is_valid(out, gap_width=0.0)
    assert out[0].intersection(out[1]).length > 0.009  # still one shared edge


def test_feature_collection_rounds_to_six_decimals() -> None:
    frame = _wiggly_coverage()
    fc = feature_collection(frame, columns=["id"], tolerance_m=0)
    coords = np.array(fc["features"][0]["geometry"]["coordinates"][0])
    assert np.allclose(coords, np.round(coords, 6), atol=0, rtol=0)
    assert [f["properties"]["id"] for f in fc["features"]] == ["a", "b"]


def test_json_values() -> None:
    assert json_value(np.int64(3)) == 3 and json_value(np.float64(math.nan)) is None
    assert json_value(pd.NaT) is None and json_value(None) is None
    assert json_value(pd.Timestamp("2025-04-01T08:00Z")) == "2025-04-01T08:00:00+00:00"
    assert json_value(["a"]) == ["a"] and json_value(np.bool_(True)) is True


def test_empty_frames_give_empty_collections() -> None:
    empty = gpd.GeoDataFrame({"id": []}, geometry=[], crs=4326)
    assert feature_collection(empty, columns=["id"])["features"] == []
    assert feature_collection(None, columns=[])["features"] == []  # type: ignore[arg-type]
