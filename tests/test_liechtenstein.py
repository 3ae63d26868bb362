"""A second real region end to end: Liechtenstein (OpenStreetMap, 2013), as a new user runs it.

Eleven real municipalities (admin_level 8, townships here) with exclaves up the Alpine
valleys, few mapped buildings, and a household register kept as offices keep them
(``tests/real/``: GBK CSV and .xlsx, built by ``tests/real/make_liechtenstein_register.py``).
The path runs through the command line, as the README shows: ``import osm`` → ``import
mines`` → ``units build`` → ``import register`` → ``balance`` → a one-week ``campaign`` for two
teams.
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
from layers.importers.register import read_register
from layers.store import open_store
from tests.conftest import GEM_CSV, OSM_LIECHTENSTEIN

REAL = Path(__file__).resolve().parent / "real"
REGISTER_XLSX = REAL / "liechtenstein-register.xlsx"
REGISTER_CSV = REAL / "liechtenstein-register-gbk.csv"


def gridpatrol(db: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    """Run ``gridpatrol ARGS --db DB`` in a subprocess; fail the test on another exit code."""
    done = subprocess.run([sys.executable, "-m", "api.cli", *args, "--db", str(db)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == code, done.stderr
    return done


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The store after import osm → import mines → units build, and what the build printed."""
    db = tmp_path_factory.mktemp("liechtenstein") / "county.gpkg"
    gridpatrol(db, "import", "osm", str(OSM_LIECHTENSTEIN), "-q")
    gridpatrol(db, "import", "mines", str(GEM_CSV), "--bbox", "9.4,47.0,9.7,47.3")
    built = gridpatrol(db, "units", "build", "-q")
    before = open_store(db).read("units")["households"].sum()
    xlsx = gridpatrol(db, "import", "register", str(REGISTER_XLSX))
    csv = gridpatrol(db, "import", "register", str(REGISTER_CSV))
    balanced = gridpatrol(db, "balance", "--target", "300", "--pin-oversize")
    week = gridpatrol(db, "campaign", "--teams", "2", "--weeks", "1", "--start", "2026-04-06",
                      "--seed", "7", "--seconds-per-day", "1",
                      "--out", str(db.parent / "campaign"))
    return {"db": db, "units_out": built.stdout, "households_before": int(before),
            "xlsx_out": xlsx.stdout, "csv_out": csv.stdout, "balance_out": balanced.stdout,
            "campaign_out": week.stdout}


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


def test_the_register_matches_names_as_offices_spell_them(county):
    out = str(county["xlsx_out"])
    assert "matched             16  (11 by name, 5 by normalised)" in out
    assert "matched             16  (16 by code)" in str(county["csv_out"])  # codes now set


def test_register_totals_per_village_equal_the_register_exactly(county):
    store = open_store(county["db"])
    rows = read_register(REGISTER_CSV).rows
    units = store.read("units")
    admin = store.read("admin_areas").set_index("area_id")
    sums = units.groupby("village_id")[["households", "population", "members"]].sum()
    by_code = {str(admin.loc[v, "code"]): sums.loc[v] for v in sums.index}
    for row in rows.itertuples():
        got = by_code[row.code]
        assert (got["households"], got["population"], got["members"]) == (
            row.households, row.population, row.members), row.name
    assert units["households"].sum() > 3 * county["households_before"]


def test_bad_register_exits_2_and_leaves_the_store(county, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(REGISTER_CSV.read_bytes().replace(b"990100004001", b"99010000400"))
    before = open_store(county["db"]).read("units")["households"].to_numpy()
    done = gridpatrol(county["db"], "import", "register", str(bad), code=2)
    assert "bad.csv:17:D (统计用区划代码): village code '99010000400' has 11 digits" in done.stderr
    assert (open_store(county["db"]).read("units")["households"].to_numpy() == before).all()


def test_balance_and_a_week_of_campaign_run_on_the_register(county):
    store = open_store(county["db"])
    grids = store.read("grids")
    assert len(grids) > 40 and grids["code"].str.len().eq(15).all()
    vaduz = grids[grids["code"].str.startswith("990100004001")]
    assert len(vaduz) >= 5  # the register's households make Vaduz several grids
    assert store.count("plans") >= 2 * 5
