"""Tiny hand-built layers: one township, two villages, 4 grids of 2 units each.

Shared (as plain builders) with tests/api/test_maps_service.py.

Placed in Shanxi (about 112.50°E, 37.80°N) so that the GCJ-02 shift is not zero.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, MultiPolygon, Point, box

X0, Y0, D = 112.50, 37.80, 0.01


def _mp(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    return MultiPolygon([box(x0, y0, x1, y1)])


def admin_areas() -> gpd.GeoDataFrame:
    rows = [
        ("T1", "城关镇", "township", None, _mp(X0, Y0, X0 + 4 * D, Y0 + 2 * D)),
        ("V1", "东关村", "village", "T1", _mp(X0, Y0, X0 + 2 * D, Y0 + 2 * D)),
        ("V2", "西关社区", "village", "T1", _mp(X0 + 2 * D, Y0, X0 + 4 * D, Y0 + 2 * D)),
    ]
    return gpd.GeoDataFrame(
        rows, columns=["area_id", "name", "level", "parent_id", "geometry"], crs=4326
    )


def units() -> gpd.GeoDataFrame:
    rows = []
    for i in range(4):  # columns of width D
        for j in range(2):  # rows of height D
            village = "V1" if i < 2 else "V2"
            grid = f"G{i + 1}"
            rows.append((f"U{i}{j}", village, "block", 50 + 10 * i + j, 150, 5 + i, 0, 0.0,
                         grid, _mp(X0 + i * D, Y0 + j * D, X0 + (i + 1) * D, Y0 + (j + 1) * D)))
    cols = ["unit_id", "village_id", "kind", "households", "population", "members", "mines",
            "fire_area_m2", "grid_id", "geometry"]
    return gpd.GeoDataFrame(rows, columns=cols, crs=4326)


def grids(units: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    units = units if units is not None else globals()["units"]()
    g = units.dissolve("grid_id", as_index=False, aggfunc={"village_id": "first",
                                                           "households": "sum",
                                                           "members": "sum"})
    g["code"] = [f"1401010010010{i:02d}" for i in range(1, 5)]
    g["version"] = 1
    g["mines"] = [1, 0, 1, 0]
    g["fire_area_m2"] = [0.0, 0.0, 120_000.0, 0.0]
    g["workload"] = [1.2, 0.9, 1.0, 0.7]
    g["deviation"] = [0.2, -0.1, 0.0, -0.3]
    g["worker"] = ["张伟", "王芳", "李娜", "刘洋"]
    g["geometry"] = [MultiPolygon([p]) if p.geom_type == "Polygon" else p for p in g.geometry]
    return gpd.GeoDataFrame(g, geometry="geometry", crs=4326)


def mine_sites() -> gpd.GeoDataFrame:
    rows = [
        ("M1", "红旗煤矿", "coal_mine", "producing", "赵市长", Point(X0 + 0.005, Y0 + 0.005)),
        ("M2", "老窑沟废弃矿", "coal_mine", "abandoned", None, Point(X0 + 0.025, Y0 + 0.015)),
    ]
    return gpd.GeoDataFrame(rows, columns=["site_id", "name", "kind", "status", "leader",
                                           "geometry"], crs=4326)


def fire_zones() -> gpd.GeoDataFrame:
    rows = [("F1", "南山林区", 1_200_000.0, 3, 0.9,
             _mp(X0 + 0.022, Y0 + 0.002, X0 + 0.035, Y0 + 0.009))]
    return gpd.GeoDataFrame(rows, columns=["zone_id", "name", "area_m2", "risk_class",
                                           "risk_score", "geometry"], crs=4326)


def today() -> dt.date:
    return dt.date(2025, 4, 10)


def visits() -> gpd.GeoDataFrame:
    t0 = pd.Timestamp("2025-04-08T09:30:00Z")
    rows = [
        ("V-1", "M1", "coal_mine", "甲组", t0, Point(X0 + 0.005, Y0 + 0.005)),
        ("V-2", "G2", "grid", "甲组", t0 - pd.Timedelta(days=40), Point(X0 + 0.015, Y0 + 0.015)),
        ("V-3", "F1", "fire_zone", "乙组", t0 - pd.Timedelta(days=100),
         Point(X0 + 0.03, Y0 + 0.005)),
    ]
    return gpd.GeoDataFrame(rows, columns=["visit_id", "site_id", "site_kind", "inspector",
                                           "time", "geometry"], crs=4326)


def assignments() -> pd.DataFrame:
    return pd.DataFrame(
        [("A1", "赵市长", "township", "T1"), ("A2", "赵市长", "mine", "M1"),
         ("A3", "钱副市长", "mine", "M2")],
        columns=["assignment_id", "leader", "kind", "target_id"],
    )


def plan_stops() -> list[dict]:
    return [
        {"site_id": "depot", "name": "城关镇政府", "kind": "depot", "lon": X0 + 0.001,
         "lat": Y0 + 0.001, "departure": "08:00"},
        {"site_id": "M1", "name": "红旗煤矿", "kind": "coal_mine", "status": "producing",
         "lon": X0 + 0.005, "lat": Y0 + 0.005, "arrival": "08:20", "departure": "09:20"},
        {"site_id": "F1", "name": "南山林区卡口", "kind": "fire_zone", "risk_class": 3,
         "lon": X0 + 0.03, "lat": Y0 + 0.005, "arrival": "09:45", "departure": "10:15"},
        {"site_id": "M2", "name": "老窑沟废弃矿", "kind": "coal_mine", "status": "abandoned",
         "lon": X0 + 0.025, "lat": Y0 + 0.015, "arrival": "10:35", "departure": "11:05"},
        {"site_id": "depot", "name": "城关镇政府", "kind": "depot", "lon": X0 + 0.001,
         "lat": Y0 + 0.001, "arrival": "11:40"},
    ]


def plan_path(plan_stops: list[dict] | None = None) -> LineString:
    stops = plan_stops if plan_stops is not None else globals()["plan_stops"]()
    return LineString([(s["lon"], s["lat"]) for s in stops])


def basemap_layers() -> dict[str, gpd.GeoDataFrame]:
    """The basemap's OSM layers over the township: one road of each class, a river, a stream,
    a ditch, a lake of 1.6 ha and a pond of 0.1 ha, a big and a small forest, a settlement,
    rail, and three places (one with a Chinese name, one without, one hamlet)."""
    def line(*pts: tuple[float, float]) -> LineString:
        return LineString([(X0 + x * D, Y0 + y * D) for x, y in pts])

    classes = ["motorway", "primary", "tertiary", "residential", "track", "footway"]
    roads = gpd.GeoDataFrame({
        "road_id": [f"r{i}" for i in range(len(classes))], "highway": classes,
        "name": [f"road {c}" for c in classes],
    }, geometry=[line((0, 0.2 + 0.3 * i), (4, 0.25 + 0.3 * i)) for i in range(len(classes))],
        crs=4326)
    waterways = gpd.GeoDataFrame({
        "waterway_id": ["w1", "w2", "w3"], "kind": ["river", "stream", "ditch"],
        "name": ["Fen He", None, None], "name_zh": ["汾河", None, None],
    }, geometry=[line((0.1, 0), (0.1, 2)), line((1.5, 0), (1.6, 2)), line((2.5, 0), (2.5, 1))],
        crs=4326)
    water = gpd.GeoDataFrame({"water_id": ["lake", "pond"], "kind": ["lake", "lake"]},
                             geometry=[box(X0 + 0.2 * D, Y0 + 0.2 * D, X0 + 0.35 * D,
                                           Y0 + 0.32 * D),
                                       box(X0 + 3 * D, Y0 + 1.5 * D, X0 + 3.04 * D,
                                           Y0 + 1.53 * D)], crs=4326)
    forests = gpd.GeoDataFrame({"zone_id": ["big", "small"], "area_m2": [0.0, 0.0]},
                               geometry=[box(X0 + 2 * D, Y0, X0 + 3.9 * D, Y0 + 1.9 * D),
                                         box(X0 + 0.5 * D, Y0 + 1.5 * D, X0 + 0.7 * D,
                                             Y0 + 1.65 * D)], crs=4326)
    built = gpd.GeoDataFrame({"area_id": ["a", "b"]},
                             geometry=[box(X0 + 1.0 * D, Y0 + 0.9 * D, X0 + 1.4 * D,
                                           Y0 + 1.2 * D),
                                       box(X0 + 1.42 * D, Y0 + 0.9 * D, X0 + 1.7 * D,
                                           Y0 + 1.2 * D)], crs=4326)
    rail = gpd.GeoDataFrame({"barrier_id": ["rail", "river"], "kind": ["rail", "river"]},
                            geometry=[line((0, 1.9), (4, 1.9)), line((0.1, 0), (0.1, 2))],
                            crs=4326)
    places = gpd.GeoDataFrame({
        "place_id": ["p1", "p2", "p3"], "name": ["Chengguan", "Dongguan", "Xiaozhuang"],
        "name_zh": ["城关镇", None, None], "place": ["town", "village", "hamlet"],
    }, geometry=[Point(X0 + 1.2 * D, Y0 + 1.0 * D), Point(X0 + 0.5 * D, Y0 + 0.5 * D),
                 Point(X0 + 3.5 * D, Y0 + 0.5 * D)], crs=4326)
    return {"roads": roads, "waterways": waterways, "water_areas": water,
            "fire_zones": forests, "residential_areas": built, "barriers": rail,
            "places": places}
