"""The deadline table and overdue cases."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from gis.cases import CaseError
from gis.deadlines import days_overdue, due_at, end_of_day, overdue, parse_table

ROWS = [{"topic": "*", "severity": s, "days": d, "recheck_days": 10}
        for s, d in (("general", 7), ("serious", 15), ("major", 30))]


def test_the_topic_row_wins_over_the_default() -> None:
    table = parse_table([*ROWS, {"topic": "epidemic", "severity": "general", "days": "0",
                                 "recheck_days": ""}], source="t.csv")
    assert table.days_for("epidemic", "general") == 0
    assert table.recheck_days_for("epidemic", "general") == 10
    assert table.days_for("forest_fire", "major") == 30


def test_a_deadline_is_the_end_of_a_local_day() -> None:
    # 20:00 UTC on 3 March is 04:00 on 4 March in Beijing: 7 days → end of 11 March, CST
    start = dt.datetime(2026, 3, 3, 20, tzinfo=dt.UTC)
    assert end_of_day(start, 7) == dt.datetime(2026, 3, 11, 15, 59, 59, tzinfo=dt.UTC)
    assert end_of_day(start, 0) == dt.datetime(2026, 3, 4, 15, 59, 59, tzinfo=dt.UTC)


def test_every_bad_cell_is_named_file_row_column() -> None:
    rows = [*ROWS[:2], {"topic": "fishing", "severity": "major", "days": "x"},
            {"topic": "*", "severity": "general", "days": 3}]
    with pytest.raises(CaseError) as err:
        parse_table(rows, source="d.csv")
    assert err.value.problems == [
        "d.csv:4:topic: 'fishing' is not one of epidemic, forest_fire, work_safety, "
        "illegal_mining, weak_branches, environment, service_visits, party_building or *",
        "d.csv:4:days: 'x' is not a number of days",
        "d.csv:5: topic * and severity general twice",
        "d.csv: no default row for severity 'major' (topic *): add one"]


def test_overdue_by_state() -> None:
    now = pd.Timestamp("2026-03-10T08:00Z")
    past, future = now - pd.Timedelta(days=2, hours=1), now + pd.Timedelta(days=1)
    cases = pd.DataFrame({
        "state": ["open", "rectifying", "recheck_requested", "recheck_requested", "closed",
                  "parked", "parked"],
        "deadline": [past, future, past, past, past, past, past],
        "recheck_due": [None, None, future, past, None, None, None],
        "review_date": [None, None, None, None, None, "2026-03-09", "2026-03-10"]})
    assert overdue(cases, now).tolist() == [True, False, False, True, False, True, False]
    assert days_overdue(cases, now).tolist() == [3, 0, 0, 3, 0, 1, 0]
    assert due_at(cases).isna().tolist() == [False] * 4 + [True, False, False]
