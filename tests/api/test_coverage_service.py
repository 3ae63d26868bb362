"""Coverage from a real store (GeoPackage and PostGIS): values per target kind and per duty."""

from __future__ import annotations

import logging
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from coverage_data import corrupt_time, seed_coverage

from api.services.coverage import ROW_FIELDS, coverage
from api.services.leaders import assign
from layers.store import Store, open_store

NOW = pd.Timestamp("2025-04-10T04:00:00Z")  # Thursday, 12:00 in Beijing


@pytest.fixture(params=["gpkg", "postgis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    url = (str(tmp_path / "cov.gpkg") if request.param == "gpkg"
           else request.getfixturevalue("postgis_url"))
    seed_coverage(url, NOW)
    opened = open_store(url)
    yield opened
    opened.close()


def _by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in rows}


def _figures(row: dict) -> tuple:
    return (row["visits_total"], row["visits_this_month"], row["visits_this_week"],
            row["days_since_last_visit"])


def test_values_per_kind(store: Store) -> None:
    grids = _by_id(coverage(store, by="grid", now=NOW))
    assert _figures(grids["G1"]) == (1, 1, 1, 1)     # the visit at M1
    assert _figures(grids["G2"]) == (1, 1, 1, 3)     # named, three days ago (Monday 7 April)
    assert _figures(grids["G3"]) == (1, 0, 0, 40)    # the checkpoint visit stands in G3
    mines = _by_id(coverage(store, by="mine", now=NOW))
    assert _figures(mines["M1"]) == (1, 1, 1, 1)
    assert mines["M2"]["visits_total"] == 0 and mines["M2"]["last_visit"] is None  # future
    zones = _by_id(coverage(store, by="fire_zone", now=NOW))
    assert _figures(zones["F1"]) == (2, 1, 1, 3)      # v-g2 inside, v-cp by its checkpoint
    assert zones["F1"]["last_visit"] == (NOW - pd.Timedelta(days=3)).isoformat()
    towns = _by_id(coverage(store, by="township", now=NOW))
    assert _figures(towns["T1"]) == (2, 2, 2, 1) and _figures(towns["T2"]) == (1, 0, 0, 40)
    villages = _by_id(coverage(store, by="village", now=NOW))
    assert villages["V1"]["visits_total"] == 2 and villages["V2"]["township"] == "西镇"


def test_rows_are_named_placed_and_worst_first(store: Store) -> None:
    rows = coverage(store, by="mine", now=NOW)
    assert all(list(r) == list(ROW_FIELDS) for r in rows)
    assert [r["id"] for r in rows] == ["M2", "M3", "M1"]   # never visited first (then by name)
    m3 = _by_id(rows)["M3"]
    assert m3["name"] == "煤矿（一村附近）" and m3["village"] == "一村"
    assert m3["township"] == "东镇" and m3["leader"] == "leader2"
    assert _by_id(coverage(store, by="mine", now=NOW, lang="en"))["M3"]["name"] == \
        "Coal mine near 一村"
    grid = _by_id(coverage(store, by="grid", now=NOW))["G2"]
    assert (grid["name"], grid["village"], grid["township"]) == ("一村网格002", "一村", "东镇")
    assert grid["leaders"] == ["leader1"]   # 包联 township T1 reaches its grids


def test_leader_rows(store: Store) -> None:
    assign(store, leader="leader1", kind="mine", target_id="M2", by="admin")
    rows = coverage(store, by="leader", now=NOW)
    got = {(r["leader"], r["kind"], r["target_id"]): r for r in rows}
    assert set(got) == {("leader1", "township", "T1"), ("leader1", "mine", "M1"),
                        ("leader1", "mine", "M2"), ("leader2", "mine", "M3")}
    assert _figures(got["leader1", "township", "T1"]) == (2, 2, 2, 1)
    assert got["leader1", "township", "T1"]["name"] == "东镇"
    assert _figures(got["leader1", "mine", "M1"]) == (1, 1, 1, 1)
    assert got["leader1", "mine", "M2"]["visits_total"] == 0
    assert got["leader2", "mine", "M3"]["name"] == "煤矿（一村附近）"  # 挂牌 in mine_sites only
    assert [r["target_id"] for r in rows][:2] == ["M2", "M3"] or \
        [r["target_id"] for r in rows][:2] == ["M3", "M2"]     # never visited first
    own = coverage(store, by="leader", now=NOW, leader="leader2")
    assert [r["target_id"] for r in own] == ["M3"]
    scoped = coverage(store, by="grid", now=NOW, leader="leader1")
    assert {r["id"] for r in scoped} == {"G1", "G2"}   # T1's grids only


def test_an_unreadable_time_is_skipped_and_logged(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "bad.gpkg"
    seed_coverage(str(path), NOW)
    corrupt_time(path, "v-m1", "1-01-01T00:00:00.000Z")   # issue 12: an unpadded year
    caplog.set_level(logging.WARNING)
    with closing(open_store(path)) as s:
        mines = _by_id(coverage(s, by="mine", now=NOW))
        grids = _by_id(coverage(s, by="grid", now=NOW))
    assert mines["M1"]["visits_total"] == 0 and grids["G2"]["visits_total"] == 1
    assert "v-m1" in caplog.text and "cannot be read" in caplog.text
