"""Fixtures for the map tests: the tiny layers of :mod:`map_frames`, a test-output folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import map_frames as mf
import pandas as pd
import pytest
from shapely.geometry import LineString

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "maps"


@pytest.fixture
def admin_areas() -> gpd.GeoDataFrame:
    return mf.admin_areas()


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    return mf.units()


@pytest.fixture
def grids(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return mf.grids(units)


@pytest.fixture
def mine_sites() -> gpd.GeoDataFrame:
    return mf.mine_sites()


@pytest.fixture
def fire_zones() -> gpd.GeoDataFrame:
    return mf.fire_zones()


@pytest.fixture
def today() -> dt.date:
    return mf.today()


@pytest.fixture
def visits() -> gpd.GeoDataFrame:
    return mf.visits()


@pytest.fixture
def assignments() -> pd.DataFrame:
    return mf.assignments()


@pytest.fixture
def plan_stops() -> list[dict]:
    return mf.plan_stops()


@pytest.fixture
def plan_path(plan_stops: list[dict]) -> LineString:
    return mf.plan_path(plan_stops)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """``test-output/maps`` (gitignored): screenshots and pages a person can look at."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
