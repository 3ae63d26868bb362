"""Rectification cases (隐患整改): list, open, read with ETag, act with If-Match, deadlines.

Inspectors and leaders open cases; the responsible unit (role ``unit``) reports progress;
inspectors and leaders re-check on site and close or send back; leaders park and extend;
admins configure the deadline table.  Every action names the case's version in ``If-Match``
(428 without it, 412 when someone acted meanwhile).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response

from api.deps import AdminUser, PageDep, SettingsDep, StoreDep, roles
from api.schemas_cases import (
    Action,
    CaseAction,
    CaseCreate,
    CaseDetail,
    CaseList,
    DeadlineRow,
    DeadlineTableIn,
    Severity,
    State,
    Topic,
)
from api.services import case_config, cases
from api.services.case_scope import READERS
from api.services.case_views import CaseFilters, list_cases
from api.services.users import User
from gis.deadlines import end_of_day, parse_table

router = APIRouter(tags=["cases"])
CaseReader = Annotated[User, Depends(roles(*READERS))]
CaseOpener = Annotated[User, Depends(roles(*cases.OPENERS))]
CaseId = Annotated[str, Path(max_length=200, pattern=r"^[^\x00-\x1f/]+$")]
Ident = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f]+$")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=300,
                                       description='the ETag read: "<case_id>:<version>"')]
_ACT_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"description": "the action does not apply to the case's state"},
    412: {"description": "If-Match is stale: someone acted on the case meanwhile"},
    428: {"description": "If-Match missing"}}


def _day_end(day: date | None) -> datetime | None:
    """The last instant of a local day (a deadline given as a date)."""
    if day is None:
        return None
    return end_of_day(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), 0)


def filters(
    state: Annotated[list[State] | None, Query(description="any of these states")] = None,
    topic: Annotated[list[Topic] | None, Query()] = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    township: Ident = None, village: Ident = None, grid: Ident = None, site: Ident = None,
    unit: Annotated[str | None, Query(max_length=200)] = None, leader: Ident = None,
    overdue: Annotated[bool | None, Query(description="only overdue (true) or not")] = None,
    q: Annotated[str | None, Query(max_length=200, description="text, site, code, unit")]
    = None,
    opened_from: date | None = None, opened_to: date | None = None,
) -> CaseFilters:
    """The list filters from the query string."""
    return CaseFilters(tuple(state or ()), tuple(topic or ()), tuple(severity or ()), township,
                       village, grid, site, unit, leader, overdue, q, opened_from, opened_to)


Filters = Annotated[CaseFilters, Depends(filters)]


@router.get("/cases", response_model=CaseList, summary="Cases, overdue first")
def index(user: CaseReader, store: StoreDep, page: PageDep, f: Filters) -> dict[str, Any]:
    """The caller's cases (a leader: their townships and mines; a unit: its own), overdue
    first, then by due time."""
    return list_cases(store, user, filters=f, now=datetime.now(UTC), limit=page.limit,
                      offset=page.offset)


@router.post("/cases", response_model=CaseDetail, status_code=201, summary="Open a case",
             responses={403: {"description": "the site is outside a leader's townships"}})
def create(body: CaseCreate, user: CaseOpener, store: StoreDep, response: Response
           ) -> dict[str, Any]:
    """Open a case at a site (a finding id opens one case only: sent again, the case)."""
    fields = {**body.model_dump(), "deadline": _day_end(body.deadline)}
    out = cases.open_case(store, user, fields)
    response.headers["ETag"] = out["etag"]
    return out


@router.get("/cases/deadlines", response_model=list[DeadlineRow],
            summary="The deadline table in force")
def deadlines(user: CaseReader, store: StoreDep) -> list[dict[str, Any]]:
    """Days to rectify and to re-check, by topic and severity (topic ``*``: the default)."""
    return case_config.deadline_table(store).rows()


@router.put("/cases/deadlines", response_model=list[DeadlineRow],
            summary="Set the county's deadline table")
def set_deadlines(body: DeadlineTableIn, user: AdminUser, store: StoreDep
                  ) -> list[dict[str, Any]]:
    """Replace the deadline table (applies to cases assigned from now on)."""
    table = parse_table([r.model_dump() for r in body.rows], source=body.source, first_row=1)
    case_config.load_deadlines(store, table, by=user.username)
    return table.rows()


@router.get("/cases/{case_id}", response_model=CaseDetail, summary="A case with its history")
def read(case_id: CaseId, user: CaseReader, store: StoreDep, response: Response
         ) -> dict[str, Any]:
    """The case, its history (who, when, evidence, photos) and the actions open to you; the
    ETag to send back in ``If-Match``."""
    out = cases.get_case(store, user, case_id)
    response.headers["ETag"] = out["etag"]
    return out


@router.post("/cases/{case_id}/{action}", response_model=CaseDetail, summary="Act on a case",
             responses=_ACT_ERRORS)
def act(case_id: CaseId, action: Action, body: CaseAction, user: CaseReader,
        store: StoreDep, settings: SettingsDep, response: Response,
        if_match: IfMatch = None) -> dict[str, Any]:
    """Take an action (assign, start, progress, plan, request_recheck, close, send_back,
    park, resume, extend, supervise) on the version named in ``If-Match``."""
    expected = cases.parse_if_match(if_match, case_id)
    payload = body.model_dump(exclude_none=True)
    if body.plan is not None:
        payload["plan"] = body.plan.model_dump(mode="json", exclude_none=True)
    payload["deadline"] = _day_end(body.deadline)
    out = cases.act(store, user, case_id, action, payload, expected=expected,
                    radius_m=settings.checkin_radius_m)
    response.headers["ETag"] = out["etag"]
    return out
