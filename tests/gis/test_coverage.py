"""The one coverage (gis.coverage) on tiny hand-built frames: which visit counts for what, when."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from gis.coverage import check_visits, days_since, locate, neglect_order, visit_figures

NOW = pd.Timestamp("2025-04-10T04:00:00Z")  # Thursday 10 April, 12:00 in Beijing


def _squares() -> gpd.GeoDataFrame:
    """Two unit squares side by side (A: x 0..1, B: x 1..2) and a far square Z."""
    return gpd.GeoDataFrame({"id": ["A", "B", "Z"]},
                            geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)],
                            crs=4326)


def _visits(rows: list[tuple[str, str, Point | None]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"visit_id": [f"v{i}" for i in range(len(rows))],
                             "site_id": [r[0] for r in rows], "site_kind": "grid",
                             "time": [r[1] for r in rows]},
                            geometry=[r[2] for r in rows], crs=4326)


def _counts(visits: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, **kw) -> dict[str, int]:
    got = visit_figures(visits, targets, id_field="id", now=NOW, **kw)
    return dict(zip(got["id"], got["visits_total"], strict=True))


def test_inside_outside_and_on_the_edge() -> None:
    when = "2025-04-09T00:00:00Z"
    visits = _visits([("x", when, Point(0.5, 0.5)),    # inside A
                      ("x", when, Point(3.0, 0.5)),    # outside every square
                      ("x", when, Point(1.0, 0.5)),    # on the edge shared by A and B
                      ("x", when, Point(2.0, 1.0))])   # on B's corner
    assert _counts(visits, _squares()) == {"A": 2, "B": 2, "Z": 0}


def test_by_site_id_alias_and_never_twice() -> None:
    when = "2025-04-09T00:00:00Z"
    visits = _visits([("Z", when, Point(0.5, 0.5)),     # names Z, stands in A: counts for both
                      ("A", when, Point(0.5, 0.5)),     # names A and stands in A: once for A
                      ("cp-7", when, None),             # a checkpoint of Z, no position
                      ("cp-9", when, Point(9, 9))])     # an unknown checkpoint, outside all
    assert _counts(visits, _squares(), aliases={"cp-7": "Z"}) == {"A": 2, "B": 0, "Z": 2}


def test_point_targets_count_by_id_only() -> None:
    mines = gpd.GeoDataFrame({"id": ["M1", "M2"]}, geometry=[Point(0, 0), Point(1, 1)],
                             crs=4326)
    visits = _visits([("M1", "2025-04-01T00:00:00Z", Point(5, 5)),
                      ("x", "2025-04-01T00:00:00Z", Point(1, 1))])  # at M2, not naming it
    assert _counts(visits, mines) == {"M1": 1, "M2": 0}


def test_time_windows_are_local_and_the_future_does_not_count() -> None:
    visits = _visits([
        ("A", "2025-03-31T23:30:00Z", None),  # 1 April 07:30 in Beijing: this month
        ("A", "2025-03-31T15:30:00Z", None),  # 31 March 23:30 in Beijing: last month
        ("A", "2025-04-06T16:30:00Z", None),  # Monday 7 April 00:30 in Beijing: this week
        ("A", "2025-04-06T15:30:00Z", None),  # Sunday 6 April 23:30 in Beijing: last week
        ("A", "2025-04-10T05:00:00Z", None),  # one hour after now: not counted
        ("A", "2030-01-01T00:00:00Z", None),  # far future: not counted
    ])
    row = visit_figures(visits, _squares(), id_field="id", now=NOW).iloc[0]
    assert (row.visits_total, row.visits_this_month, row.visits_this_week) == (4, 3, 1)
    assert row.last_visit == pd.Timestamp("2025-04-06T16:30:00Z")
    assert row.days_since_last_visit == 3  # 7 April → 10 April, calendar days in Beijing


def test_unreadable_times_are_skipped_and_reported() -> None:
    visits = _visits([("A", "1-01-01T00:00:00.000Z", None),   # unpadded year (issue 12)
                      ("A", None, None), ("A", "yesterday", None),
                      ("A", "2025-04-08T00:00:00Z", None),
                      ("A", "2099-01-01T00:00:00Z", None)])
    check = check_visits(visits, now=NOW)
    assert list(check.unreadable["visit_id"]) == ["v0", "v1", "v2"]
    assert list(check.future["visit_id"]) == ["v4"] and list(check.visits["visit_id"]) == ["v3"]
    assert _counts(visits, _squares())["A"] == 1


def test_never_visited_and_empty_inputs() -> None:
    none = _visits([])
    got = visit_figures(none, _squares(), id_field="id", now=NOW)
    assert got["visits_total"].tolist() == [0, 0, 0]
    assert got["last_visit"].isna().all() and got["days_since_last_visit"].isna().all()
    assert visit_figures(_visits([("A", "2025-04-01T00:00:00Z", None)]), _squares().iloc[:0],
                         id_field="id", now=NOW).empty


def test_days_since_counts_calendar_days_in_local_time() -> None:
    last = pd.Series([pd.Timestamp("2025-04-09T15:59:00Z"),   # 9 April 23:59 in Beijing
                      pd.Timestamp("2025-04-09T16:01:00Z"),   # 10 April 00:01 in Beijing
                      None])
    assert days_since(last, NOW).tolist() == [1, 0, pd.NA]


def test_neglect_order_puts_never_visited_first() -> None:
    visits = _visits([("A", "2025-04-09T00:00:00Z", None), ("B", "2025-03-01T00:00:00Z", None)])
    got = neglect_order(visit_figures(visits, _squares(), id_field="id", now=NOW),
                        name_field="id")
    assert got["id"].tolist() == ["Z", "B", "A"]


def test_locate_inside_else_nearest() -> None:
    things = gpd.GeoDataFrame(geometry=[Point(0.5, 0.5), Point(2.5, 0.5), box(5.2, 5.2, 5.4, 5.4)],
                              crs=4326)
    assert locate(things, _squares(), area_field="id").tolist() == ["A", "B", "Z"]
