"""Rectification cases in the store: open, act (with If-Match), the re-check's evidence.

The rules are :mod:`gis.cases` (pure); this module reads what they need, and writes the case
row (``cases``: the current state, version + 1), its event (``case_events``, append-only) and
the audit event in ONE transaction, under the case's write lock, after checking that the
version the caller read (``If-Match``) is still current: two people acting on one case at
once never lose an action — the second gets 412 and re-reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd

from api.errors import (
    BadInputError,
    ForbiddenError,
    PreconditionRequiredError,
    StaleVersionError,
)
from api.services import audit
from api.services.case_config import deadline_table
from api.services.case_scope import Scope, check_readable, check_site, scope_of
from api.services.case_sites import find_site, place_of
from api.services.case_views import actor_of, case_view, raise_missing, rule_case, ts
from api.services.users import User
from api.services.visits import distance_m
from gis import cases as gc
from gis.coverage import LOCAL_TZ
from layers.schemas import SCHEMAS
from layers.store import Reader, Store, Transaction

OPENERS = ("admin", "inspector", "leader")


def etag(case_id: str, version: int) -> str:
    """The strong ETag of a case at *version*."""
    return f'"{case_id}:{version}"'


def parse_if_match(header: str | None, case_id: str) -> int:
    """The version an ``If-Match`` header names (428 without one, 412 for another case)."""
    if header is None or not header.strip():
        msg = (f"an action needs If-Match: send the ETag you read from GET /cases/{case_id} "
               f"(e.g. If-Match: {etag(case_id, 1)})")
        raise PreconditionRequiredError(msg)
    tag = header.strip().removeprefix("W/").strip('"')
    name, _, ver = tag.rpartition(":")
    if (name and name != case_id) or not ver.isdigit():
        raise StaleVersionError(f"If-Match {header!r} does not name a version of case "
                                f"{case_id!r}: read it again")
    return int(ver)


def check_new(fields: Mapping[str, Any]) -> None:
    """422 naming every field a new case lacks or gets wrong."""
    problems = []
    if fields.get("topic") not in gc.TOPICS:
        problems.append(f"topic {fields.get('topic')!r}: one of {', '.join(gc.TOPICS)}")
    if fields.get("severity") not in gc.SEVERITIES:
        problems.append(f"severity {fields.get('severity')!r}: one of "
                        f"{', '.join(gc.SEVERITIES)}")
    if not str(fields.get("text") or "").strip():
        problems.append("text: describe the hazard")
    if problems:
        raise BadInputError("cannot open the case: " + "; ".join(problems), errors=problems)


def _code(tx: Transaction, day: str, taken: int) -> str:
    """The next 案件编号 of local day *day* (``AJYYYYMMDD-NNNN``), under the codes' lock."""
    count = len(tx.read("cases", where={"opened_day": day}))
    return f"AJ{day.replace('-', '')}-{count + taken + 1:04d}"


def new_row(store: Reader, fields: Mapping[str, Any], *, by: str, now: datetime,
            source: str) -> dict[str, Any]:
    """A ``cases`` row (state open, version 1) for *fields*, placed at its site."""
    check_new(fields)
    place = place_of(store, str(fields["site_id"]))
    case_id = str(fields.get("finding_id") or fields.get("case_id") or uuid.uuid4().hex)
    return {**place, "case_id": case_id, "state": "open", "version": 1, "source": source,
            "finding_id": fields.get("finding_id"), "checkin_id": fields.get("checkin_id"),
            "external_id": fields.get("external_id"), "topic": fields["topic"],
            "severity": fields["severity"], "text": str(fields["text"]).strip(),
            "photo_ids": list(fields.get("photo_ids") or []), "rectifiers": [],
            "opened_by": by, "opened_at": now, "updated_by": by, "updated_at": now,
            "opened_day": pd.Timestamp(now).tz_convert(LOCAL_TZ).strftime("%Y-%m-%d")}


def _event(case_id: str, version: int, event: Mapping[str, Any]) -> dict[str, Any]:
    return {"event_id": uuid.uuid4().hex, "case_id": case_id, "version": version, **event}


def _frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def insert_cases(tx: Transaction, rows: list[dict[str, Any]], *, role: str) -> list[str]:
    """Write new case rows and their ``open`` events inside *tx*; ids already present (a
    finding synced twice) are left alone.  Returns the ids written."""
    ids = [r["case_id"] for r in rows]
    tx.lock("cases:codes", *(f"case:{i}" for i in ids))
    have = set(tx.read("cases", ids=ids)["case_id"].astype(str)) if ids else set()
    fresh = [r for r in rows if r["case_id"] not in have]
    taken: dict[str, int] = {}
    for r in fresh:
        r["code"] = _code(tx, r["opened_day"], taken.get(r["opened_day"], 0))
        taken[r["opened_day"]] = taken.get(r["opened_day"], 0) + 1
    if fresh:
        tx.append("cases", _frame(fresh))
        tx.append("case_events", pd.DataFrame([_event(r["case_id"], 1, {
            "action": "open", "from_state": None, "to_state": "open", "user": r["opened_by"],
            "role": role, "time": r["opened_at"], "note": r["text"],
            "photo_ids": r["photo_ids"], "evidence": {"source": r["source"],
                                                      "finding_id": r.get("finding_id")}})
            for r in fresh]))
    return [r["case_id"] for r in fresh]


def open_case(store: Store, user: User, fields: Mapping[str, Any], *,
              now: datetime | None = None, source: str = "api") -> dict[str, Any]:
    """Open a case (inspector, leader in their own townships and mines, admin); with a
    ``unit`` it is assigned at once.  Returns the case (see :func:`case_view`)."""
    if user.role not in OPENERS:
        raise ForbiddenError(f"role {user.role!r} may not open cases (allowed: "
                             f"{', '.join(OPENERS)})")
    now = now or datetime.now(UTC)
    row = new_row(store, fields, by=user.username, now=now, source=source)
    check_site(scope_of(store, user), user, row)
    with store.transaction() as tx:
        written = insert_cases(tx, [row], role=user.role)
        if written:
            audit.record(tx, user=user.username, action="case.open", obj=row["case_id"],
                         detail={"site_id": row["site_id"], "topic": row["topic"],
                                 "severity": row["severity"], "source": source})
    if not written:  # the same finding again: its case, unchanged
        return get_case(store, user, row["case_id"])
    if fields.get("unit"):
        return act(store, user, row["case_id"], "assign", fields, expected=1, now=now)
    return get_case(store, user, row["case_id"])


def _photos(reader: Reader, ids: list[str]) -> pd.DataFrame:
    if "photos" not in SCHEMAS or not ids:
        return pd.DataFrame(columns=["photo_id", "record_id"])
    return reader.read("photos", ids=ids)


def check_photos(reader: Reader, ids: list[str]) -> None:
    """422 for a photo id the store has not received."""
    missing = sorted(set(ids) - set(_photos(reader, ids)["photo_id"].astype(str)))
    if missing:
        msg = (f"photo(s) {', '.join(missing[:10])} have not been received: upload them "
               "first (the field app sends photos with its records)")
        raise BadInputError(msg)


def recheck_of(reader: Reader, case: Mapping[str, Any], checkin_id: str, *,
               radius_m: float, photo_ids: list[str]) -> gc.Recheck | None:
    """The on-site re-check evidence of *checkin_id* (``None`` when there is no such
    check-in): its site (a fire-zone checkpoint counts for its zone), who, when, distance and
    radius (as recorded, else measured now), and the photos taken with it or sent along."""
    visits = reader.read("inspections", ids=[checkin_id])
    if visits.empty:
        return None
    v = visits.iloc[0]
    site = str(v["site_id"])
    if site != str(case["site_id"]):
        cps = reader.read("checkpoints", ids=[site])
        if len(cps) and str(cps["zone_id"].iloc[0]) == str(case["site_id"]):
            site = str(case["site_id"])
    dist = v.get("distance_m")
    if dist is None or pd.isna(dist):
        _, srow = find_site(reader, str(case["site_id"]))
        dist = distance_m(srow.geometry, v.geometry) if v.geometry is not None else 1e12
    radius = v.get("radius_m")
    radius = radius_m if radius is None or pd.isna(radius) else float(radius)
    photos = 0
    if "photos" in SCHEMAS:
        photos = len(reader.read("photos", where={"record_id": checkin_id}))
        photos += len(_photos(reader, photo_ids))
    return gc.Recheck(checkin_id, site, str(v["inspector"]), ts(v["time"]) or datetime.min,
                      float(dist), float(radius), photos)


def _payload(store: Reader, row: Mapping[str, Any], action: str,
             body: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    payload = dict(body)
    table = deadline_table(store)
    if action == "assign" and payload.get("deadline") is None and pd.isna(row.get("deadline")):
        payload["deadline"] = table.due(str(row["topic"]), str(row["severity"]),
                                        ts(row["opened_at"]) or now)
    return payload


def act(store: Store, user: User, case_id: str, action: str, body: Mapping[str, Any], *,
        expected: int, now: datetime | None = None, radius_m: float = 300.0
        ) -> dict[str, Any]:
    """Take *action* on the case as *user*, if the case is still at version *expected*.

    Raises 404 outside the caller's scope, 412 when the case moved on, 403/409/422 from the
    rules (:func:`gis.cases.apply`).  Returns the case after the action.
    """
    now = now or datetime.now(UTC)
    scope = scope_of(store, user)
    photo_ids = [str(p) for p in body.get("photo_ids") or []]
    check_photos(store, photo_ids)
    with store.transaction() as tx:
        tx.lock(f"case:{case_id}")
        row = _current(tx, scope, case_id, expected)
        recheck = None
        if action == "close" and body.get("checkin_id"):
            recheck = recheck_of(tx, row, str(body["checkin_id"]), radius_m=radius_m,
                                 photo_ids=photo_ids)
        payload = _payload(tx, row, action, body, now)
        step = gc.apply(rule_case(row), action, actor_of(user), payload, now=now,
                        recheck=recheck)
        _write(tx, row, step, user=user, now=now, payload=payload)
    return get_case(store, user, case_id)


def _current(tx: Transaction, scope: Scope, case_id: str, expected: int) -> dict[str, Any]:
    frame = tx.read("cases", ids=[case_id])
    if frame.empty:
        raise_missing(case_id)
    row = frame.iloc[0]
    check_readable(scope, row, case_id)
    if int(row["version"]) != expected:
        raise StaleVersionError(
            f"case {case_id} is at version {int(row['version'])}, not {expected}: someone "
            f"acted on it meanwhile; read it again (GET /cases/{case_id}) and redo the action")
    return row.to_dict()


def _write(tx: Transaction, row: dict[str, Any], step: gc.Step, *, user: User, now: datetime,
           payload: Mapping[str, Any]) -> None:
    table = deadline_table(tx)
    new = {**row, **step.changes, "version": int(row["version"]) + 1,
           "updated_by": user.username, "updated_at": now}
    if step.changes.get("rectifiers") is not None:
        new["rectifiers"] = list(step.changes["rectifiers"])
    if step.event["action"] == "request_recheck":
        new["recheck_due"] = table.recheck_due(str(row["topic"]), str(row["severity"]), now)
    if new.get("review_date") is not None and not isinstance(new["review_date"], str):
        new["review_date"] = new["review_date"].isoformat()
    tx.upsert("cases", _frame([new]))
    tx.append("case_events", pd.DataFrame([_event(str(row["case_id"]), new["version"],
                                                   step.event)]))
    audit.record(tx, user=user.username, action=f"case.{step.event['action']}",
                 obj=str(row["case_id"]), detail={"from": step.event["from_state"],
                                                  "to": step.state, "version": new["version"]})


def get_case(store: Reader, user: User, case_id: str) -> dict[str, Any]:
    """The case with its history and the actions the caller may take (404 out of scope)."""
    return case_view(store, user, case_id)
