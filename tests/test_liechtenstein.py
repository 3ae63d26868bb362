"""A second real region end to end: Liechtenstein (OpenStreetMap, 2013), as a new user runs it.

Eleven real municipalities (admin_level 8, townships here) with exclaves up the Alpine
valleys, few mapped buildings.  The path runs through the command line, as the README shows:
``import osm`` → ``import mines`` → ``units build``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gis.adjacency import build_graph
from gis.crs import metric_crs
from gis.nesting import crossings
from layers.store import open_store
from tests.conftest import GEM_CSV, OSM_LIECHTENSTEIN


def gridpatrol(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``gridpatrol ARGS --db DB`` in a subprocess; fail the test on a non-zero exit."""
    done = subprocess.run([sys.executable, "-m", "api.cli", *args, "--db", str(db)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The store after import osm → import mines → units build, and what the build printed."""
    db = tmp_path_factory.mktemp("liechtenstein") / "county.gpkg"
    gridpatrol(db, "import", "osm", str(OSM_LIECHTENSTEIN), "-q")
    gridpatrol(db, "import", "mines", str(GEM_CSV), "--bbox", "9.4,47.0,9.7,47.3")
    built = gridpatrol(db, "units", "build", "-q")
    return {"db": db, "units_out": built.stdout}


def test_units_build_reports_real_and_derived_areas_per_level(county):
    out = str(county["units_out"])
    assert "township          11 real, 1 derived" in out  # the free rest outside the country
    assert "village            0 real" in out
    assert "crossing           0 derived areas crossing a real boundary" in out


def test_derived_villages_nest_in_the_real_municipalities(county):
    admin = open_store(county["db"]).read("admin_areas")
    admin = admin.to_crs(metric_crs(admin))
    derived = admin["derived"].astype(bool)
    assert crossings(admin[derived], admin[~derived]) == []
    municipal = admin[(admin["level"] == "township") & ~derived]
    assert len(municipal) == 11
    villages = admin[admin["level"] == "village"]
    assert set(municipal["area_id"]) <= set(villages["parent_id"])
    # the exclaves of Vaduz, Schaan, Planken … are villages of their own municipality
    assert villages["name"].str.contains("飞地").sum() >= 10
    assert "Malbun" in set(villages["name"])  # an exclave named after its place node


def test_every_village_is_one_piece(county):
    units = open_store(county["db"]).read("units")
    graph = build_graph(units)
    pieces = {v: len(graph.components(np.flatnonzero(graph.village == v)))
              for v in set(graph.village)}
    assert set(pieces.values()) == {1}
    assert units["households"].sum() > 1000
