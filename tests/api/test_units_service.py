"""`units build` on a copy of the demo store: census override and its bad input."""

from __future__ import annotations

import logging
import shutil

import pytest

from api.cli import main
from api.services.units import build_units
from layers.errors import InputFileError
from layers.store import open_store


@pytest.fixture
def store_copy(demo_store_path, tmp_path):
    path = tmp_path / "copy.gpkg"
    shutil.copy(demo_store_path, path)
    return path


def test_census_per_village_overrides_the_estimate(store_copy, tmp_path):
    store = open_store(store_copy)
    village = store.read("admin_areas", where={"level": "village"})["area_id"].iloc[0]
    census = tmp_path / "census.csv"
    census.write_text(f"village_id,households\n{village},1234\n", encoding="gbk")
    result = build_units(store, census=census, progress=False)
    units = store.read("units")
    assert units.loc[units["village_id"] == village, "households"].sum() == pytest.approx(
        1234, abs=len(units))  # rounding per unit
    assert result.units == len(units)
    assert store.count("grids") == 0  # new units invalidate the old grids


def test_bad_census_is_refused_and_store_unchanged(store_copy, tmp_path, caplog):
    store = open_store(store_copy)
    before = store.read("units")
    census = tmp_path / "census.csv"
    census.write_text("village,households\nx,-3\n")
    with caplog.at_level(logging.ERROR, logger="gridpatrol"):
        assert main(["units", "build", "--db", str(store_copy), "--census", str(census),
                     "-q"]) == 2
    assert "needs a unit_id or village_id column" in caplog.text
    census.write_text("unit_id,households\nu1,-3\n")
    with pytest.raises(InputFileError, match="must be a number ≥ 0"):
        build_units(store, census=census, progress=False)
    assert open_store(store_copy).read("units").equals(before)


def test_units_build_needs_roads(tmp_path, caplog):
    db = tmp_path / "empty.gpkg"
    open_store(db)
    with caplog.at_level(logging.ERROR, logger="gridpatrol"):
        assert main(["units", "build", "--db", str(db), "-q"]) == 2
    assert "the store has no roads: run `gridpatrol import osm FILE` first" in caplog.text
