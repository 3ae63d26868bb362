"""The map service over a real GeoPackage store: write_map, coverage, privacy, the CLI."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "maps"))
import map_frames as mf  # noqa: E402

from api.cli import main  # noqa: E402
from api.services.maps import find_plan, plan_stops, write_map  # noqa: E402
from api.services.maps_coverage import leader_layers  # noqa: E402
from layers.store import open_store  # noqa: E402
from maps.assets import external_asset_urls  # noqa: E402
from maps.errors import MapInputError  # noqa: E402

SECRET_POINT = (mf.X0 + 0.0123457, mf.Y0 + 0.0034567)


def _residences() -> gpd.GeoDataFrame:
    pts = [Point(SECRET_POINT), Point(mf.X0 + 0.004, mf.Y0 + 0.004)]
    return gpd.GeoDataFrame({"member_id": ["P1", "P2"], "synthetic": [True, True]},
                             geometry=pts, crs=4326)


def _plans() -> gpd.GeoDataFrame:
    stops = [{k: v for k, v in s.items() if k not in ("lon", "lat") or s["kind"] == "depot"}
             for s in mf.plan_stops()]  # the sites' positions come from their layers
    return gpd.GeoDataFrame(
        {"plan_id": ["p-7f3a"], "date": ["2025-04-10"], "team": ["甲组"],
         "status": ["dispatched"], "stops": [stops], "drive_s": [5400.0], "seed": [987654321]},
        geometry=[mf.plan_path()], crs=4326)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "gridpatrol.gpkg"
    store = open_store(path)
    units = mf.units()
    grids = mf.grids(units).drop(columns=["members"])  # counted from residences instead
    visits = mf.visits()
    visits["plan_id"] = "p-7f3a"
    with store.transaction() as tx:
        tx.replace("admin_areas", mf.admin_areas())
        tx.replace("units", units)
        tx.replace("grids", grids)
        tx.replace("mine_sites", mf.mine_sites())
        tx.replace("fire_zones", mf.fire_zones())
        tx.replace("member_residences", _residences())
        tx.replace("inspections", visits)
        tx.replace("leader_assignments", mf.assignments())
        tx.replace("plans", _plans())
    store.close()
    return path


def test_coverage_columns_from_the_store(store_path: Path) -> None:
    store = open_store(store_path)
    now = pd.Timestamp("2025-04-10T12:00Z")
    layers = leader_layers(store, now=now)
    grids = layers["grids"].set_index("grid_id")
    assert grids.loc["G2", "visits_total"] == 1
    # the fire-zone visit lies on the edge of G3 and G4: it counts for both
    assert grids.loc["G3", "visits_total"] == grids.loc["G4", "visits_total"] == 1
    assert pd.isna(grids.loc["G4", "days_since_last_visit"]) is False
    assert grids.loc["G1", "visits_total"] == 1  # the visit to mine M1 lies in G1
    assert grids.loc["G1", "days_since_last_visit"] == 2  # 8 April → 10 April
    assert grids["members"].to_dict() == {"G1": 1, "G2": 1, "G3": 0, "G4": 0}
    assert grids.loc["G1", "leaders"] == ["赵市长"]  # via the village's township
    mines = layers["mine_sites"].set_index("site_id")
    assert mines.loc["M1", "visits_total"] == 1 and mines.loc["M2", "visits_total"] == 0
    assert mines.loc["M2", "leader"] == "钱副市长" and mines.loc["M1", "leader"] == "赵市长"
    assert mines.loc["M2", "leaders"] == ["赵市长", "钱副市长"]  # in T1, and 挂牌
    zones = layers["fire_zones"].set_index("zone_id")
    assert zones.loc["F1", "visits_total"] == 1
    assert layers["leaders"] == ["赵市长", "钱副市长"]
    only = leader_layers(store, now=now, leader="钱副市长")
    assert list(only["mine_sites"]["site_id"]) == ["M2"] and only["grids"].empty
    store.close()


@pytest.mark.parametrize("kind", ["planner", "leader", "inspector"])
def test_write_map_self_contained(store_path: Path, tmp_path: Path, kind: str) -> None:
    store = open_store(store_path)
    out = write_map(store, kind, out=tmp_path / "out" / f"{kind}.html", team="甲组",
                    self_contained=True)
    html = out.read_text(encoding="utf-8")
    assert external_asset_urls(html) == [] and "<script src=" not in html
    assert not (tmp_path / "out" / "static").exists()
    assert f"{SECRET_POINT[0]:.6f}" not in html and f"{SECRET_POINT[1]:.6f}" not in html
    assert "987654321" not in html  # the plan's seed is never shown
    store.close()


def test_write_map_with_static_folder_and_gaode(store_path: Path, tmp_path: Path) -> None:
    store = open_store(store_path)
    out = write_map(store, "leader", out=tmp_path / "leader.html", basemap="gaode", lang="en",
                    today=dt.date(2025, 4, 10))
    html = out.read_text(encoding="utf-8")
    assert '<script src="static/vendor/leaflet/dist/leaflet.js">' in html
    assert (tmp_path / "static" / "vendor" / "leaflet" / "dist" / "leaflet.js").is_file()
    assert "Inspection coverage" in html and "autonavi" in html
    assert external_asset_urls(html) == []
    store.close()


def test_inspector_stops_get_positions_and_facts(store_path: Path) -> None:
    store = open_store(store_path)
    plan = find_plan(store, team="甲组", date=None)
    stops = plan_stops(store, plan)
    mine = next(s for s in stops if s.get("site_id") == "M1")
    assert mine["lon"] == pytest.approx(mf.X0 + 0.005) and mine["leader"] == "赵市长"
    with pytest.raises(MapInputError, match="乙组"):
        find_plan(store, team="乙组", date=None)
    store.close()


def test_empty_store_draws_what_exists(tmp_path: Path) -> None:
    store = open_store(tmp_path / "empty.gpkg")
    for kind in ("planner", "leader"):
        html = write_map(store, kind, out=tmp_path / f"{kind}.html",
                         self_contained=True).read_text(encoding="utf-8")
        assert "GP.init(" in html
    with pytest.raises(MapInputError, match="gridpatrol plan"):
        write_map(store, "inspector", out=tmp_path / "i.html")
    store.close()


def test_cli_map(store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.html"
    assert main(["map", "planner", "--db", str(store_path), "--out", str(out),
                 "--self-contained", "--lang", "en"]) == 0
    assert str(out) in capsys.readouterr().out and out.is_file()
    assert main(["map", "inspector", "--db", str(store_path), "--out", str(out),
                 "--team", "nobody"]) == 2
    assert main(["map", "planner", "--db", str(store_path), "--out", str(out),
                 "--basemap", "tianditu"]) == 2  # no key: a clear error, exit 2
