"""Rectification deadlines by topic and severity, and which cases are overdue (pure).

The county's table (shipped as ``data/case_deadlines.csv``; an admin loads another) gives,
per topic (``*`` for every topic not listed) and severity, the **days** a responsible unit
has to rectify (0: on the spot, by the end of the day) and the **recheck_days** the
inspectors have to re-check on site once asked (Hubei's rule: 10 days).  A deadline falls at
the end of the local day (China Standard Time): a case opened on 3 March with 7 days is due
at 23:59:59 on 10 March.

A case is **overdue** when it still waits for someone past its time: open, assigned or
rectifying past its deadline; re-check requested past its re-check deadline; parked (挂账)
past its review date.  A closed case is never overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gis.cases import SEVERITIES, TOPICS, CaseError
from gis.coverage import LOCAL_TZ

ANY_TOPIC = "*"
COLUMNS = ("topic", "severity", "days", "recheck_days")
_MAX_DAYS = 3650


@dataclass(frozen=True)
class DeadlineTable:
    """Days to rectify and to re-check, by ``(topic, severity)`` (topic ``*``: the default)."""

    days: Mapping[tuple[str, str], int]
    recheck_days: Mapping[tuple[str, str], int]
    source: str = ""

    def _look(self, table: Mapping[tuple[str, str], int], topic: str, severity: str) -> int:
        for key in ((topic, severity), (ANY_TOPIC, severity)):
            if key in table:
                return int(table[key])
        msg = (f"the deadline table {self.source} has no row for topic {topic!r} and severity "
               f"{severity!r}, nor a default row (topic *): add one")
        raise CaseError(msg)

    def days_for(self, topic: str, severity: str) -> int:
        """Days the unit has to rectify a *severity* hazard of *topic*."""
        return self._look(self.days, topic, severity)

    def recheck_days_for(self, topic: str, severity: str) -> int:
        """Days the inspectors have to re-check once asked."""
        return self._look(self.recheck_days, topic, severity)

    def due(self, topic: str, severity: str, start: dt.datetime) -> dt.datetime:
        """The rectification deadline of a case opened at *start* (UTC)."""
        return end_of_day(start, self.days_for(topic, severity))

    def recheck_due(self, topic: str, severity: str, asked: dt.datetime) -> dt.datetime:
        """The re-check deadline of a case whose re-check was asked at *asked* (UTC)."""
        return end_of_day(asked, self.recheck_days_for(topic, severity))

    def rows(self) -> list[dict[str, object]]:
        """The table as rows (topic, severity, days, recheck_days), for display and export."""
        keys = sorted(set(self.days) | set(self.recheck_days),
                      key=lambda k: (k[0] != ANY_TOPIC, k[0], SEVERITIES.index(k[1])))
        return [{"topic": t, "severity": s, "days": self.days.get((t, s)),
                 "recheck_days": self.recheck_days.get((t, s))} for t, s in keys]


def end_of_day(start: dt.datetime, days: int, tz: str = LOCAL_TZ) -> dt.datetime:
    """The last instant of the local day *days* after *start*'s local day, in UTC."""
    local = pd.Timestamp(start).tz_convert(tz) if pd.Timestamp(start).tzinfo else \
        pd.Timestamp(start).tz_localize("UTC").tz_convert(tz)
    end = (local.normalize() + pd.Timedelta(days=days + 1) - pd.Timedelta(seconds=1))
    return end.tz_convert("UTC").to_pydatetime()


def _int(value: object, where: str, problems: list[str]) -> int | None:
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else \
        str(value).strip()
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        problems.append(f"{where}: {text!r} is not a number of days")
        return None
    if number != int(number) or not 0 <= number <= _MAX_DAYS:
        problems.append(f"{where}: {text!r} must be whole days from 0 to {_MAX_DAYS}")
        return None
    return int(number)


def parse_table(rows: Iterable[Mapping[str, object]], *, source: str,
                first_row: int = 2) -> DeadlineTable:
    """A :class:`DeadlineTable` from rows with the columns :data:`COLUMNS`.

    Every problem is collected and raised once as :class:`~gis.cases.CaseError`, each named
    ``source:row:column`` (*first_row* is the file row of the first data row).  The table
    needs a default row (topic ``*``) for every severity.
    """
    problems: list[str] = []
    days: dict[tuple[str, str], int] = {}
    recheck: dict[tuple[str, str], int] = {}
    for n, row in enumerate(rows, start=first_row):
        topic = str(row.get("topic") or "").strip()
        severity = str(row.get("severity") or "").strip()
        if topic not in (*TOPICS, ANY_TOPIC):
            problems.append(f"{source}:{n}:topic: {topic!r} is not one of {', '.join(TOPICS)} "
                            "or *")
        if severity not in SEVERITIES:
            problems.append(f"{source}:{n}:severity: {severity!r} is not one of "
                            f"{', '.join(SEVERITIES)}")
        if (topic, severity) in days:
            problems.append(f"{source}:{n}: topic {topic} and severity {severity} twice")
        d = _int(row.get("days"), f"{source}:{n}:days", problems)
        r = _int(row.get("recheck_days"), f"{source}:{n}:recheck_days", problems)
        if d is None and str(row.get("days") or "").strip() in ("", "nan"):
            problems.append(f"{source}:{n}:days: missing (days to rectify; 0 = on the spot)")
        if d is not None:
            days[(topic, severity)] = d
        recheck[(topic, severity)] = 10 if r is None else r
    problems += [f"{source}: no default row for severity {s!r} (topic *): add one"
                 for s in SEVERITIES if (ANY_TOPIC, s) not in days]
    if problems:
        msg = f"{source}: {len(problems)} problem(s) in the deadline table: " + \
            "; ".join(problems[:20])
        raise CaseError(msg, problems)
    return DeadlineTable(days, recheck, source)


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, errors="coerce")


def due_at(cases: pd.DataFrame) -> pd.Series:
    """When each case next falls due (UTC): its deadline while open, assigned or rectifying;
    its re-check deadline once the re-check is asked; the review date when parked; NaT once
    closed."""
    state = cases["state"].astype(str)
    out = _utc(cases["deadline"])
    if "recheck_due" in cases:
        out = out.where(state != "recheck_requested", _utc(cases["recheck_due"]))
    if "review_date" in cases:
        review = pd.to_datetime(cases["review_date"], errors="coerce")
        review = (review.dt.tz_localize(LOCAL_TZ) if review.dt.tz is None else review) \
            + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
        out = out.where(state != "parked", review.dt.tz_convert("UTC"))
    return out.where(state != "closed")


def overdue(cases: pd.DataFrame, now: dt.datetime | pd.Timestamp) -> np.ndarray:
    """Whether each case is overdue at *now* (see the module docstring)."""
    if cases.empty:
        return np.zeros(0, dtype=bool)
    due = due_at(cases)
    return (due.notna() & (due < pd.Timestamp(now))).to_numpy()


def days_overdue(cases: pd.DataFrame, now: dt.datetime | pd.Timestamp) -> np.ndarray:
    """Whole days each case is past due at *now* (0 when not overdue)."""
    if cases.empty:
        return np.zeros(0, dtype=int)
    late = (pd.Timestamp(now) - due_at(cases)).dt.total_seconds() / 86400.0
    return np.ceil(late.fillna(0).clip(lower=0).to_numpy()).astype(int)
