"""Visits, checkpoints and duties added to a store for the coverage tests (both backends)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
from apidata import seed_store
from shapely.geometry import Point

from layers.store import Store, open_store

X0, Y0 = 11.50, 49.90  # apidata's origin: T1/V1 is x 0..0.02, T2/V2 x 0.02..0.04 (degrees)


def visit_rows(now: pd.Timestamp) -> gpd.GeoDataFrame:
    """Four visits around *now* over the apidata store.

    * ``v-m1``: names M1 and stands at it (in G1, V1, T1), one day ago;
    * ``v-g2``: names G2 and stands in it, inside the fire zone F1 too, three days ago;
    * ``v-cp``: at checkpoint ``F1:cp1`` of F1 (outside F1, in G3, V2, T2), 40 days ago;
    * ``v-future``: names M2, two days after *now*: never counted.
    """
    rows = [("v-m1", "M1", "mine", now - pd.Timedelta(days=1), Point(X0 + .005, Y0 + .005)),
            ("v-g2", "G2", "grid", now - pd.Timedelta(days=3), Point(X0 + .015, Y0 + .015)),
            ("v-cp", "F1:cp1", "checkpoint", now - pd.Timedelta(days=40),
             Point(X0 + .035, Y0 + .005)),
            ("v-future", "M2", "mine", now + pd.Timedelta(days=2), Point(X0 + .035, Y0 + .015))]
    return gpd.GeoDataFrame(
        {"visit_id": [r[0] for r in rows], "site_id": [r[1] for r in rows],
         "site_kind": [r[2] for r in rows], "inspector": "insp_a",
         "time": [r[3] for r in rows], "findings": "", "has_findings": False},
        geometry=[r[4] for r in rows], crs=4326)


def add_coverage_data(store: Store, now: pd.Timestamp) -> None:
    """The visits of :func:`visit_rows`, F1's checkpoint, an unnamed mine with a 挂牌 leader."""
    store.replace("inspections", visit_rows(now))
    store.replace("checkpoints", gpd.GeoDataFrame(
        {"checkpoint_id": ["F1:cp1"], "zone_id": ["F1"], "road_name": ["林道"]},
        geometry=[Point(X0 + .035, Y0 + .005)], crs=4326))
    mines = store.read("mine_sites")
    extra = gpd.GeoDataFrame({"site_id": ["M3"], "name": [None], "kind": ["coal_mine"],
                              "status": ["closed"], "leader": ["leader2"]},
                             geometry=[Point(X0 + .011, Y0 + .002)], crs=4326)
    store.replace("mine_sites", pd.concat([mines, extra], ignore_index=True))


def corrupt_time(path: Path, visit_id: str, text: str) -> None:
    """Write *text* as the stored time of one visit, bypassing the store (a bad row on disk)."""
    con = sqlite3.connect(path)
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
        con.create_function(name, 1, lambda _blob: 0)  # the R-tree triggers need them
    with con:
        con.execute('UPDATE inspections SET "time" = ? WHERE visit_id = ?', (text, visit_id))
    con.close()


def seed_coverage(url: str, now: pd.Timestamp) -> None:
    """The apidata store at *url* with :func:`add_coverage_data` around *now*."""
    seed_store(url)
    store = open_store(url)
    add_coverage_data(store, now)
    store.close()
