"""Reading cases: the list (filters, scope, overdue first), one case with its history.

Every reader — the API, the leader page, the reports, the xlsx exports — takes its cases from
:func:`cases_frame`, which adds what depends on the clock: ``due_at`` (the deadline in force:
rectification, re-check, or a parked case's review date), ``overdue`` and ``days_overdue``
(:mod:`gis.deadlines`), and the township, village and grid names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from api.errors import NotFoundError
from api.services.case_scope import Scope, check_readable, scope_of
from api.services.users import User
from gis import cases as gc
from gis.deadlines import days_overdue, due_at, overdue
from layers.store import Reader

#: The keys of a case in the API (a list item), in order.
CASE_FIELDS = ("case_id", "code", "state", "version", "source", "finding_id", "checkin_id",
               "external_id", "site_id", "site_kind", "site_name", "grid_id", "grid_code",
               "village_id", "village", "township_id", "township", "topic", "severity", "text",
               "photo_ids", "unit", "person", "deadline", "recheck_due", "due_at", "overdue",
               "days_overdue", "plan", "rectifiers", "opened_by", "opened_at", "updated_by",
               "updated_at", "recheck_requested_at", "closed_at", "closed_by", "closed_on_time",
               "parked_reason", "review_date", "lon", "lat")
EVENT_FIELDS = ("event_id", "version", "action", "from_state", "to_state", "user", "role",
                "time", "note", "photo_ids", "evidence")


@dataclass(frozen=True)
class CaseFilters:
    """What a case list is narrowed to (every given filter must hold)."""

    state: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    township: str | None = None
    village: str | None = None
    grid: str | None = None
    site: str | None = None
    unit: str | None = None
    leader: str | None = None
    overdue: bool | None = None
    q: str | None = None
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None

    def where(self) -> dict[str, Any]:
        """The filters the store applies itself."""
        out: dict[str, Any] = {}
        for name, column in (("state", "state"), ("topic", "topic"), ("severity", "severity")):
            if getattr(self, name):
                out[column] = list(getattr(self, name))
        for name, column in (("township", "township_id"), ("village", "village_id"),
                             ("grid", "grid_id"), ("site", "site_id"), ("unit", "unit")):
            if getattr(self, name):
                out[column] = getattr(self, name)
        return out

    def describe(self) -> dict[str, Any]:
        """The filters given, for report headers and audit."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) not in (None, ())}


def _names(store: Reader) -> tuple[dict[str, str], dict[str, str]]:
    admin = store.read("admin_areas")
    names = {str(a): str(n) for a, n in zip(admin["area_id"], admin["name"], strict=True)
             if isinstance(n, str)}
    grids = store.read("grids")
    codes = {str(g): str(c) for g, c in zip(grids["grid_id"], grids["code"], strict=True)
             if isinstance(c, str)}
    return names, codes


def with_clock(cases: pd.DataFrame, now: dt.datetime | pd.Timestamp) -> pd.DataFrame:
    """*cases* with ``due_at``, ``overdue`` and ``days_overdue`` at *now*."""
    out = cases.copy()
    out["due_at"] = due_at(out) if len(out) else pd.Series(dtype="datetime64[ns, UTC]")
    out["overdue"] = overdue(out, now)
    out["days_overdue"] = days_overdue(out, now)
    return out


def cases_frame(store: Reader, *, now: dt.datetime | pd.Timestamp, scope: Scope | None = None,
                filters: CaseFilters | None = None) -> gpd.GeoDataFrame:
    """The cases in *scope* that pass *filters*, with the clock's columns and place names,
    overdue first (most days late first), then by due time, then newest."""
    filters = filters or CaseFilters()
    frame = store.read("cases", where=filters.where() or None)
    if scope is not None:
        frame = frame[scope.admits(frame).to_numpy()]
    if filters.leader:
        frame = frame[scope_of(store, User(filters.leader, "leader")).admits(frame).to_numpy()]
    opened = pd.to_datetime(frame["opened_at"], utc=True)
    if filters.opened_from:
        frame = frame[(opened >= pd.Timestamp(filters.opened_from, tz="Asia/Shanghai")).to_numpy()]
        opened = pd.to_datetime(frame["opened_at"], utc=True)
    if filters.opened_to:
        end = pd.Timestamp(filters.opened_to, tz="Asia/Shanghai") + pd.Timedelta(days=1)
        frame = frame[(opened < end).to_numpy()]
    if filters.q:
        text = frame["text"].fillna("") + " " + frame["site_name"].fillna("") + " " + \
            frame["code"].fillna("") + " " + frame["unit"].fillna("")
        frame = frame[text.str.contains(filters.q, regex=False, case=False).to_numpy()]
    frame = with_clock(frame, now)
    if filters.overdue is not None:
        frame = frame[frame["overdue"].to_numpy() == filters.overdue]
    names, codes = _names(store)
    frame["township"] = frame["township_id"].map(names)
    frame["village"] = frame["village_id"].map(names)
    frame["grid_code"] = frame["grid_id"].map(codes)
    frame["lon"] = frame.geometry.x if len(frame) else []
    frame["lat"] = frame.geometry.y if len(frame) else []
    due = frame["due_at"]
    due_key = np.where(due.isna(), np.iinfo(np.int64).max,
                       due.astype("int64", errors="ignore") if len(due) else 0)
    opened_key = pd.to_datetime(frame["opened_at"], utc=True).astype("int64").to_numpy()
    order = np.lexsort((-opened_key, due_key, -frame["days_overdue"].to_numpy(),
                        ~frame["overdue"].to_numpy()))
    return gpd.GeoDataFrame(frame.iloc[order], geometry="geometry", crs=4326)


def ts(value: Any) -> dt.datetime | None:
    """A stored time as a UTC datetime (``None`` when missing)."""
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return None
    return pd.Timestamp(value).tz_convert("UTC").to_pydatetime()


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def rule_case(row: Mapping[str, Any]) -> gc.Case:
    """What :mod:`gis.cases` reads of a ``cases`` row."""
    return gc.Case(case_id=str(row["case_id"]), state=str(row["state"]),
                   severity=str(row["severity"]), site_id=str(row["site_id"]),
                   unit=_text(row.get("unit")),
                   rectifiers=tuple(row.get("rectifiers") or ()),
                   plan=row.get("plan") if isinstance(row.get("plan"), dict) else None,
                   deadline=ts(row.get("deadline")),
                   recheck_requested_at=ts(row.get("recheck_requested_at")),
                   parked_from=_text(row.get("parked_from")))


def actor_of(user: User) -> gc.Actor:
    """The rules' actor for a signed-in user (a unit speaks for its ``team``)."""
    return gc.Actor(user.username, user.role, user.team if user.role == "unit" else None)


def raise_missing(case_id: str) -> None:
    """404 for a case id that does not exist."""
    raise NotFoundError(f"no case {case_id!r} among the cases you may see")


def json_value(value: Any) -> Any:
    """A frame cell as JSON: timestamps as ISO 8601 (UTC), missing values as ``None``."""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return None if pd.isna(value) else pd.Timestamp(value).tz_convert("UTC").isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NaT or value is None:
        return None
    if isinstance(value, list | dict | tuple):
        return list(value) if isinstance(value, tuple) else value
    return None if not isinstance(value, str | int | float | bool) and pd.isna(value) else value


def rows_json(frame: pd.DataFrame, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows of *frame* as JSON-ready dicts with *keys* (``None`` where a column is absent)."""
    cols = {k: frame[k].tolist() if k in frame else [None] * len(frame) for k in keys}
    return [{k: json_value(cols[k][i]) for k in keys} for i in range(len(frame))]


def list_cases(store: Reader, user: User, *, filters: CaseFilters, now: dt.datetime,
               limit: int, offset: int) -> dict[str, Any]:
    """A page of the caller's cases: ``total``, ``overdue`` (of the total) and ``items``."""
    frame = cases_frame(store, now=now, scope=scope_of(store, user), filters=filters)
    page = frame.iloc[offset:offset + limit]
    return {"total": len(frame), "overdue": int(frame["overdue"].sum()),
            "items": rows_json(page, CASE_FIELDS)}


def case_view(store: Reader, user: User, case_id: str, *, now: dt.datetime | None = None
              ) -> dict[str, Any]:
    """One case (404 outside the caller's scope) with ``events`` (oldest first), ``etag`` and
    ``actions`` (what the caller may try now)."""
    frame = store.read("cases", ids=[case_id])
    if frame.empty:
        raise_missing(case_id)
    check_readable(scope_of(store, user), frame.iloc[0], case_id)
    now = now or dt.datetime.now(dt.UTC)
    framed = cases_frame(store, now=now, filters=CaseFilters(site=str(frame["site_id"].iloc[0])))
    row = framed[framed["case_id"].astype(str) == case_id]
    out = rows_json(row, CASE_FIELDS)[0]
    events = store.read("case_events", where={"case_id": case_id}).sort_values("version")
    out["events"] = rows_json(events, EVENT_FIELDS)
    out["etag"] = f'"{case_id}:{out["version"]}"'
    out["actions"] = gc.allowed_actions(rule_case(row.iloc[0].to_dict()), actor_of(user))
    return out
