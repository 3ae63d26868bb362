"""The store contract: the same tests on GeoPackage and PostGIS (``any_store``)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from layers.errors import FeatureNotFoundError, UnknownLayerError, ValidationError
from layers.schemas import SCHEMAS


def roads(n: int = 3, prefix: str = "r") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "road_id": [f"{prefix}{i}" for i in range(n)],
        "highway": ["primary", "track", "residential"][:n] + ["track"] * max(0, n - 3),
        "name": ["B 85", None, "Hauptstraße"][:n] + [None] * max(0, n - 3),
        "oneway": [True, False, None][:n] + [None] * max(0, n - 3),
        "maxspeed_kmh": [100.0, None, 50.0][:n] + [None] * max(0, n - 3),
    }, geometry=[shapely.LineString([(11 + i * 0.1, 50), (11.05 + i * 0.1, 50.05)])
                 for i in range(n)], crs=4326)


def units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "unit_id": ["u1", "u2"], "village_id": ["v1", "v1"], "kind": ["block", "mine"],
        "households": [12, 0], "population": [31, 0], "members": [2, 0], "mines": [0, 1],
        "fire_area_m2": [0.0, 1500.5], "grid_id": [None, "g1"], "pinned": [False, True],
    }, geometry=[shapely.box(11, 50, 11.01, 50.01), shapely.box(11.01, 50, 11.02, 50.01)],
        crs=4326)


def test_roundtrip_keeps_values_and_types(any_store):
    written = roads()
    assert any_store.replace("roads", written) == 3
    back = any_store.read("roads")
    assert list(back["road_id"]) == ["r0", "r1", "r2"]
    assert list(back["oneway"].astype(object)) == [True, False, pd.NA]
    assert back["maxspeed_kmh"].iloc[0] == 100.0 and pd.isna(back["maxspeed_kmh"].iloc[1])
    assert back.crs.to_epsg() == 4326
    assert shapely.equals(back.geometry.values, written.geometry.values).all()


def test_polygons_promoted_and_attributes_kept(any_store):
    any_store.replace("units", units())
    back = any_store.read("units")
    assert set(back.geom_type) == {"MultiPolygon"}
    assert back.set_index("unit_id").loc["u2", "pinned"]
    assert back.set_index("unit_id").loc["u1", "households"] == 12


def test_reads_by_bbox_ids_where_and_pages(any_store):
    any_store.replace("roads", roads(5))
    assert list(any_store.read("roads", bbox=(11.09, 49.9, 11.16, 50.1))["road_id"]) == ["r1"]
    assert any_store.count("roads", bbox=(10, 49, 11.12, 51)) == 2
    assert list(any_store.read("roads", ids=["r3", "r0"])["road_id"]) == ["r0", "r3"]
    assert list(any_store.read("roads", where={"highway": "track"})["road_id"]) == [
        "r1", "r3", "r4"]
    assert list(any_store.read("roads", limit=2, offset=1)["road_id"]) == ["r1", "r2"]
    assert any_store.get("roads", "r2")["name"] == "Hauptstraße"
    with pytest.raises(FeatureNotFoundError, match="r9"):
        any_store.get("roads", "r9")


def test_missing_layer_reads_empty_with_schema_columns(any_store):
    frame = any_store.read("grids")
    assert frame.empty and list(frame.columns[:-1]) == list(SCHEMAS["grids"].field_names)
    assert any_store.count("grids") == 0
    with pytest.raises(UnknownLayerError, match="unknown layer 'gridz'"):
        any_store.read("gridz")


def test_non_spatial_tables_with_json_and_datetime(any_store):
    any_store.append("audit_log", pd.DataFrame({
        "event_id": ["e1"], "time": ["2026-04-01T08:30:00+08:00"], "user": ["li"],
        "action": ["dispatch"], "object": ["plan-1"], "detail": [{"team": "A", "n": 3}]}))
    back = any_store.read("audit_log")
    assert back["detail"].iloc[0] == {"team": "A", "n": 3}
    assert back["time"].iloc[0] == pd.Timestamp("2026-04-01T00:30:00Z")


def test_upsert_updates_and_delete_removes(any_store):
    any_store.replace("roads", roads())
    changed = roads().iloc[[1]].assign(name="Feldweg")
    any_store.upsert("roads", changed)
    assert any_store.get("roads", "r1")["name"] == "Feldweg"
    assert any_store.count("roads") == 3
    assert any_store.delete("roads", ["r0", "r2", "nope"]) == 2
    assert list(any_store.read("roads")["road_id"]) == ["r1"]


def test_append_refuses_duplicate_ids_and_writes_nothing(any_store):
    any_store.replace("roads", roads())
    with pytest.raises(ValidationError, match="already in the store: r1"):
        any_store.append("roads", roads(2, prefix="x").assign(road_id=["x9", "r1"]))
    assert any_store.count("roads") == 3


def test_transaction_is_atomic_across_layers(any_store):
    any_store.replace("roads", roads())
    before = any_store.read("roads")
    with pytest.raises(ValidationError):
        with any_store.transaction() as tx:
            tx.replace("roads", roads(1))
            tx.replace("units", units())
            tx.replace("grids", gpd.GeoDataFrame({"grid_id": ["g1"]}, geometry=[
                shapely.box(0, 0, 1, 1)], crs=4326))  # village_id missing
    assert_geodataframe_equal(any_store.read("roads"), before)
    assert "units" not in any_store.layers()


def test_write_failing_midway_leaves_store_as_before(any_store, monkeypatch):
    """A write that dies after half its rows are in the database rolls back entirely."""
    any_store.replace("roads", roads())
    before = any_store.read("roads")
    tx_type = type(any_store._reader())
    real_insert = tx_type._insert

    def half_then_fail(self, schema, frame):
        real_insert(self, schema, frame.iloc[: len(frame) // 2])
        assert self._count(schema, bbox=None) == len(frame) // 2  # rows really landed
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(tx_type, "_insert", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        any_store.replace("roads", roads(6, prefix="n"))
    monkeypatch.undo()
    assert_geodataframe_equal(any_store.read("roads"), before)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), "Self-intersection"),
        (shapely.LineString([(0, 0), (1, 1)]), "LineString; this layer takes MultiPolygon"),
        (shapely.box(500000, 4000000, 500100, 4000100), "outside lon"),
        (shapely.Polygon(), "missing or empty"),
    ],
)
def test_bad_geometry_names_the_feature_and_writes_nothing(any_store, geometry, message):
    bad = units()
    bad.loc[1, "geometry"] = geometry
    with pytest.raises(ValidationError, match=message) as info:
        any_store.replace("units", bad)
    assert "feature 'u2'" in str(info.value)
    assert any_store.count("units") == 0


def test_missing_required_field_and_bad_values(any_store):
    with pytest.raises(ValidationError, match="required field.*households"):
        any_store.replace("units", units().drop(columns="households"))
    bad = units().astype({"households": object})
    bad.loc[0, "households"] = "many"
    with pytest.raises(ValidationError, match="feature 'u1': field 'households' = 'many'"):
        any_store.replace("units", bad)
    with pytest.raises(ValidationError, match="id 'unit_id' is duplicated"):
        any_store.replace("units", units().assign(unit_id=["u1", "u1"]))


# -- read_rows: the lean read path of the web service ----------------------------------------
def _frame_rows(frame: pd.DataFrame, fields: tuple[str, ...]) -> list[tuple]:
    """The frame's values as read_rows promises them (None for null, datetimes as UTC)."""
    out = []
    for rec in frame[list(fields)].astype(object).itertuples(index=False):
        out.append(tuple(None if v is None or v is pd.NA or v is pd.NaT or (
            isinstance(v, float) and v != v) else v.to_pydatetime() if isinstance(
            v, pd.Timestamp) else v for v in rec))
    return out


def test_read_rows_matches_read_values_geometry_and_order(any_store):
    any_store.replace("roads", roads(5))
    any_store.replace("units", units())
    for layer in ("roads", "units"):
        page = any_store.read_rows(layer)
        frame = any_store.read(layer)
        assert page.fields == SCHEMAS[layer].field_names
        assert page.rows == _frame_rows(frame, page.fields)
        assert page.matched == len(frame)
        assert shapely.equals(shapely.from_wkb(page.wkb), frame.geometry.values).all()
    assert [type(v) for v in any_store.read_rows("units").rows[1]] == [
        str, str, str, int, int, int, int, float, type(None), str, bool, type(None)]


def test_read_rows_filters_pages_and_counts_like_read(any_store):
    any_store.replace("roads", roads(5))
    bbox = (10, 49, 11.32, 51)  # r0 … r3
    assert [r[0] for r in any_store.read_rows("roads", bbox=bbox).rows] == list(
        any_store.read("roads", bbox=bbox)["road_id"])
    full = any_store.read_rows("roads", bbox=bbox, limit=2, offset=1)
    assert [r[0] for r in full.rows] == ["r1", "r2"] and full.matched == 4
    short = any_store.read_rows("roads", bbox=bbox, limit=10, offset=3)
    assert [r[0] for r in short.rows] == ["r3"] and short.matched == 4
    past = any_store.read_rows("roads", bbox=bbox, limit=10, offset=9)
    assert past.rows == [] and past.matched == 4
    tracks = any_store.read_rows("roads", where={"highway": "track"}, limit=2)
    assert [r[0] for r in tracks.rows] == ["r1", "r3"] and tracks.matched == 3
    named = any_store.read_rows("roads", columns=["road_id", "name"], limit=1)
    assert named.fields == ("road_id", "name") and named.rows == [("r0", "B 85")]
    with pytest.raises(ValueError, match="nope"):
        any_store.read_rows("roads", columns=["road_id", "nope"])


def test_read_rows_datetimes_json_missing_tables(any_store):
    assert any_store.read_rows("grid_history").rows == []
    assert any_store.read_rows("roads").matched == 0
    history = pd.DataFrame({"history_id": ["h1"], "village_id": ["v1"], "version": [1],
                            "author": ["a"], "time": [pd.Timestamp("2026-04-02 10:00:01.5",
                                                                   tz="Asia/Shanghai")],
                            "reason": [None], "assignment": [{"u1": "g1", "u2": None}]})
    any_store.append("grid_history", history)
    page = any_store.read_rows("grid_history")
    assert page.wkb is None
    assert page.rows == _frame_rows(any_store.read("grid_history"), page.fields)
    when = page.rows[0][4]
    assert when.utcoffset().total_seconds() == 0 and when.isoformat() == (
        "2026-04-02T02:00:01.500000+00:00")
    assert page.rows[0][6] == {"u1": "g1", "u2": None}


def test_lock_serialises_read_check_write(any_store):
    """Two writers that read a version and write version + 1 never both succeed on it."""
    import threading

    any_store.replace("audit_log", pd.DataFrame({
        "event_id": ["v0"], "time": ["2026-01-01"], "user": ["x"], "action": ["init"]}))
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def writer(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            with any_store.transaction() as tx:
                tx.lock("village:V1")
                n = tx.count("audit_log")
                tx.append("audit_log", pd.DataFrame({
                    "event_id": [f"v{n}"], "time": ["2026-01-01"], "user": [name],
                    "action": ["edit"]}))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(any_store.read("audit_log")["event_id"]) == ["v0", "v1", "v2"]


def test_a_table_from_an_older_schema_gains_the_new_columns(any_store, monkeypatch):
    import dataclasses

    import layers.schemas as schemas

    full = schemas.SCHEMAS["roads"]
    old = dataclasses.replace(full, fields=tuple(f for f in full.fields if f.name != "ref"))
    monkeypatch.setitem(schemas.SCHEMAS, "roads", old)
    any_store.replace("roads", roads().drop(columns=["ref"], errors="ignore"))
    monkeypatch.setitem(schemas.SCHEMAS, "roads", full)
    any_store.upsert("roads", roads(1).assign(ref="B 85"))
    assert any_store.get("roads", "r0")["ref"] == "B 85"
    assert any_store.count("roads") == 3
