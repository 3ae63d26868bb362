"""Request and response models of the cases API (隐患整改案件)."""

from __future__ import annotations

from datetime import date as Date  # noqa: N812
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from api.schemas import Ident, Strict

Topic = Literal["epidemic", "forest_fire", "work_safety", "illegal_mining", "weak_branches",
                "environment", "service_visits", "party_building"]
Severity = Literal["general", "serious", "major"]
State = Literal["open", "assigned", "rectifying", "recheck_requested", "closed", "parked"]
Action = Literal["assign", "start", "progress", "plan", "request_recheck", "close", "send_back",
                 "park", "resume", "extend", "supervise"]
Text = Annotated[str, Field(max_length=5000)]
Name = Annotated[str, Field(max_length=200)]
PhotoIds = Annotated[list[Ident], Field(max_length=20)]


class FivePlan(Strict):
    """The five-in-place plan of a major hazard (五落实)."""

    measures: Text | None = Field(None, description="整改措施")
    money: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = Field(
        None, description="整改资金 (yuan)")
    deadline: Date | None = Field(None, description="整改时限")
    person: Name | None = Field(None, description="责任人")
    contingency: Text | None = Field(None, description="应急预案")


class CaseCreate(Strict):
    """``POST /cases``: a hazard found; with ``unit`` it is assigned at once."""

    site_id: Ident
    topic: Topic
    severity: Severity
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    photo_ids: PhotoIds = []
    finding_id: Ident | None = Field(None, description="the finding's id: one case each "
                                                       "(sending it again returns the case)")
    checkin_id: Ident | None = None
    unit: Name | None = Field(None, description="责任单位")
    person: Name | None = Field(None, description="责任人")
    deadline: Date | None = Field(None, description="default: from the deadline table")


class CaseAction(Strict):
    """The body of ``POST /cases/{id}/{action}`` (each action reads what it needs)."""

    note: Text | None = None
    unit: Name | None = None
    person: Name | None = None
    deadline: Date | None = Field(None, description="assign / extend: due at the end of "
                                                    "this local day")
    plan: FivePlan | None = None
    checkin_id: Ident | None = Field(None, description="close: the re-checker's on-site "
                                                       "check-in")
    photo_ids: PhotoIds = []
    reason: Text | None = Field(None, description="park / extend: the written reason")
    review_date: Date | None = Field(None, description="park: when it is reviewed")


class CaseEvent(BaseModel):
    """One action in a case's history."""

    event_id: str
    version: int
    action: str
    from_state: str | None = None
    to_state: str
    user: str
    role: str | None = None
    time: str
    note: str | None = None
    photo_ids: list[str] | None = None
    evidence: dict[str, Any] | None = None


class CaseOut(BaseModel):
    """A case: its current state, where, what, who, and when it falls due."""

    case_id: str
    code: str
    state: str
    version: int
    source: str
    site_id: str
    topic: str
    severity: str
    text: str
    opened_by: str
    opened_at: str
    overdue: bool
    days_overdue: int
    finding_id: str | None = None
    checkin_id: str | None = None
    external_id: str | None = None
    site_kind: str | None = None
    site_name: str | None = None
    grid_id: str | None = None
    grid_code: str | None = None
    village_id: str | None = None
    village: str | None = None
    township_id: str | None = None
    township: str | None = None
    photo_ids: list[str] | None = None
    unit: str | None = None
    person: str | None = None
    deadline: str | None = None
    recheck_due: str | None = None
    due_at: str | None = None
    plan: dict[str, Any] | None = None
    rectifiers: list[str] | None = None
    updated_by: str | None = None
    updated_at: str | None = None
    recheck_requested_at: str | None = None
    closed_at: str | None = None
    closed_by: str | None = None
    closed_on_time: bool | None = None
    parked_reason: str | None = None
    review_date: str | None = None
    lon: float | None = None
    lat: float | None = None


class CaseDetail(CaseOut):
    """A case with its history and what the caller may do next."""

    events: list[CaseEvent]
    etag: str
    actions: list[str]


class CaseList(BaseModel):
    """A page of cases, overdue first."""

    total: int
    overdue: int = Field(description="overdue cases among the total")
    items: list[CaseOut]


class DeadlineRow(Strict):
    """One row of the deadline table (topic ``*``: every topic not listed)."""

    topic: Topic | Literal["*"]
    severity: Severity
    days: Annotated[int, Field(ge=0, le=3650)]
    recheck_days: Annotated[int, Field(ge=0, le=3650)] = 10


class DeadlineTableIn(Strict):
    """``PUT /cases/deadlines``: the county's whole table."""

    rows: Annotated[list[DeadlineRow], Field(min_length=1, max_length=1000)]
    source: Name = "api"
