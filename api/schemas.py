"""Request and response models; request models forbid unknown fields (``extra="forbid"``)."""

from __future__ import annotations

from datetime import date as Date  # noqa: N812
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Position = tuple[Lon, Lat]
Ring = Annotated[list[Position], Field(min_length=4, max_length=100_000)]
Ident = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]


class Strict(BaseModel):
    """Base of request bodies: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


# -- GeoJSON in --------------------------------------------------------------------------
class PointGeometry(Strict):
    """A GeoJSON Point in WGS 84 lon/lat."""

    type: Literal["Point"]
    coordinates: Position


class PolygonGeometry(Strict):
    """A GeoJSON Polygon (closed rings, lon/lat)."""

    type: Literal["Polygon"]
    coordinates: Annotated[list[Ring], Field(min_length=1, max_length=1000)]


class MultiPolygonGeometry(Strict):
    """A GeoJSON MultiPolygon (lon/lat)."""

    type: Literal["MultiPolygon"]
    coordinates: Annotated[list[Annotated[list[Ring], Field(min_length=1, max_length=1000)]],
                           Field(min_length=1, max_length=1000)]


AreaGeometry = Annotated[PolygonGeometry | MultiPolygonGeometry, Field(discriminator="type")]


# -- responses ----------------------------------------------------------------------------
class Token(BaseModel):
    """OAuth2 token response."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds")


class Link(BaseModel):
    """An OGC API link."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class CollectionInfo(BaseModel):
    """One collection (layer) as OGC API Features describes it."""

    id: str
    title: str
    description: str
    itemType: Literal["feature"] = "feature"  # noqa: N815
    crs: list[str]
    links: list[Link]


class Collections(BaseModel):
    """``GET /collections``."""

    collections: list[CollectionInfo]
    links: list[Link]


class Feature(BaseModel):
    """A GeoJSON Feature (RFC 7946)."""

    type: Literal["Feature"]
    id: str | int | None = None
    geometry: dict[str, Any] | None
    properties: dict[str, Any] | None


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection page (OGC API Features)."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
    numberMatched: int | None = None  # noqa: N815
    numberReturned: int | None = None  # noqa: N815
    timeStamp: str | None = None  # noqa: N815
    links: list[Link] | None = None


# -- plans, visits, leaders, coverage -------------------------------------------------------
class PlanCreate(Strict):
    """``POST /plans``: a sealed draft for one team and day."""

    date: Date
    team: Ident
    hours: Annotated[float, Field(gt=0, le=24)] = 8.0
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    iterations: Annotated[int, Field(ge=1, le=100_000, description="route-search budget (the "
                                     "same seed gives the same plan)")] = 4000
    seconds: Annotated[float, Field(gt=0, le=60, description="wall-clock safety limit of the "
                                    "search")] = 30.0
    depot: Position | None = Field(None, description="start and end, lon/lat (default: the "
                                   "first office)")
    must: Annotated[list[Ident], Field(max_length=50)] = Field(
        default_factory=list, description="site ids that must be visited")


class SkippedSiteOut(BaseModel):
    """A site left out of the day: too far from any road, or cut off from the depot."""

    site_id: str
    name: str
    kind: str
    distance_m: float | None = Field(None, description="metres from its access point to the "
                                     "nearest road node")
    reason: str


class PlanOut(BaseModel):
    """A plan as its reader may see it (the seed only for admins and its author)."""

    plan_id: str
    date: str
    team: str
    status: Literal["draft", "dispatched"]
    stops: list[dict[str, Any]]
    drive_s: float | None = None
    created_by: str | None = None
    created_at: str | None = None
    dispatched_at: str | None = None
    seed: int | None = None
    path: dict[str, Any] | None = Field(None, description="GeoJSON LineString (lon/lat)")
    skipped: list[SkippedSiteOut] = Field(default_factory=list, description="sites left out "
                                          "of the day (off the road network), with the reason")


class PlanSummary(BaseModel):
    """A row of ``GET /plans``."""

    plan_id: str
    date: str
    team: str
    status: str
    stops: int
    dispatched_at: str | None = None


class Dispatch(Strict):
    """``POST /plans/{id}/dispatch`` (optional: hand it to another team)."""

    team: Ident | None = None


class VisitCreate(Strict):
    """``POST /visits``: a check-in at a site."""

    site_id: Ident
    position: PointGeometry
    plan_id: Ident | None = None
    time: datetime | None = Field(None, description="default: now (UTC)")
    findings: Annotated[str, Field(max_length=5000)] = ""


class VisitOut(BaseModel):
    """A recorded visit."""

    visit_id: str
    site_id: str
    site_kind: str | None
    plan_id: str | None
    inspector: str
    time: str
    distance_m: float
    has_findings: bool


class AssignmentCreate(Strict):
    """``POST /leaders/assignments``."""

    leader: Ident
    kind: Literal["township", "mine"]
    target_id: Ident


class AssignmentOut(BaseModel):
    """A leader's standing responsibility."""

    assignment_id: str
    leader: str
    kind: str
    target_id: str


class CoverageRow(BaseModel):
    """Coverage of one object (grid, mine, fire zone, township, village) or leader duty.

    Every row has every key (``null`` where it does not apply).  Counts cover visits up to
    ``as_of``; month, week and days are counted in China Standard Time (UTC+8).
    """

    id: str = Field(description="object id; for by=leader the assignment id")
    name: str = Field(description="name; an unnamed object is called by its kind and the "
                      "nearest village, e.g. 采石场（东关村附近）")
    kind: str | None = Field(None, description="grid, fire_zone, township, village, the mine's "
                             "kind (coal_mine, quarry …), or the duty's kind (township, mine)")
    township: str | None = Field(None, description="name of the township it lies in")
    village: str | None = Field(None, description="name of the village it lies in (nearest)")
    code: str | None = Field(None, description="grid code or administrative division code")
    status: str | None = Field(None, description="a mine's status (producing, closed …)")
    leader: str | None = Field(None, description="by=leader: the leader; a mine: its 挂牌 "
                               "leaders joined by 、")
    leaders: list[str] = Field(default_factory=list, description="every leader who answers "
                               "for it (包联 townships and villages, 挂牌 mines)")
    target_id: str | None = Field(None, description="by=leader: the township, village or mine")
    visits_total: int = Field(description="visits up to as_of")
    visits_this_month: int = Field(description="visits since the first of as_of's month")
    visits_this_week: int = Field(description="visits since the Monday of as_of's week")
    last_visit: str | None = Field(None, description="time of the latest visit (ISO 8601, UTC)")
    days_since_last_visit: int | None = Field(
        None, description="whole calendar days from the latest visit to as_of; null: never")


class Coverage(BaseModel):
    """``GET /coverage``: rows worst covered first (never visited, then most days since)."""

    by: str
    as_of: str
    rows: list[CoverageRow]


# -- grid edits ------------------------------------------------------------------------------
Reason = Annotated[str, Field(max_length=500)]


class MoveEdit(Strict):
    """Move units to another grid of the same village."""

    unit_ids: Annotated[list[Ident], Field(min_length=1, max_length=5000)]
    target_grid_id: Ident
    village_id: Ident | None = None
    reason: Reason = ""


class SplitEdit(Strict):
    """Split a grid in two balanced, connected halves."""

    grid_id: Ident
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    reason: Reason = ""


class MergeEdit(Strict):
    """Merge two neighbouring grids of one village."""

    grid_id: Ident
    other_grid_id: Ident
    reason: Reason = ""


class RedrawEdit(Strict):
    """Give a grid the units a drawn polygon covers (majority of each unit's area)."""

    grid_id: Ident
    geometry: AreaGeometry
    reason: Reason = ""


class RebalanceEdit(Strict):
    """Rebalance a few neighbouring grids locally."""

    grid_ids: Annotated[list[Ident], Field(min_length=1, max_length=50)]
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    reason: Reason = ""


class CommitPreview(Strict):
    """Commit exactly what a preview showed: the ``token`` of its :class:`EditResult`."""

    token: Annotated[str, Field(min_length=1, max_length=900_000, pattern=r"^[A-Za-z0-9_-]+$",
                                description="the token a preview returned, unchanged")]
    reason: Reason = ""


class Revert(Strict):
    """Restore an earlier version of a village's partition as a new version."""

    version: Annotated[int, Field(ge=0, le=10**9)]
    reason: Reason = ""


class EditResult(BaseModel):
    """A preview or a committed edit."""

    village: str
    version: int
    kind: str
    touched: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    moved: list[str]
    committed: bool
    etag: str
    grids: dict[str, Any] | None = Field(None, description="the village's grids after a commit "
                                         "(GeoJSON FeatureCollection)")
    token: str | None = Field(None, description="a preview's outcome: POST it to "
                              "/grids/edits/commit (with If-Match) to write exactly this "
                              "preview; the edit is not run again")
    safety_limit: dict[str, Any] | None = Field(
        None, description="a preview's wall-clock guard: {seconds, hit, events}; hit=true "
        "means a search was cut short by the clock (the result is valid, not reproducible)")


class HistoryEntry(BaseModel):
    """One committed version of a village's partition."""

    model_config = ConfigDict(extra="allow")

    version: int
    author: str | None = None
    time: str | None = None
    reason: str | None = None
