"""Sealed plans: create (draft), dispatch, read by the team's inspector, GPX, inspector map."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Body, Path
from fastapi.responses import HTMLResponse, Response

from api.deps import CurrentUser, NetworksDep, PageDep, PlannerUser, StoreDep
from api.schemas import Dispatch, PlanCreate, PlanOut, PlanSummary
from api.services import plans_api
from api.services.plans_build import build_plan

log = logging.getLogger("gridpatrol.api")
router = APIRouter(tags=["plans"])
PlanId = Annotated[str, Path(max_length=200, description="the plan's unguessable id")]


@router.post("/plans", response_model=PlanOut, status_code=201,
             summary="Plan a day for a team (a sealed draft)")
def create(body: PlanCreate, user: PlannerUser, store: StoreDep,
           networks: NetworksDep) -> PlanOut:
    """Build and store a sealed draft; nobody outside admins and its author sees it.  Sites
    off the road network are left out and listed in ``skipped`` with the reason."""
    row = build_plan(store, user, body, cache=networks)
    log.info("plan created by %s", user.username)  # never the id, team or stops of a draft
    return PlanOut(**plans_api.plan_view(row, user))


@router.get("/plans", response_model=list[PlanSummary], summary="Plans you may read")
def index(user: CurrentUser, store: StoreDep, page: PageDep) -> list[PlanSummary]:
    """Summaries of the plans in your scope (inspectors: your team's dispatched plans)."""
    rows = plans_api.list_plans(store, user, limit=page.limit, offset=page.offset)
    return [PlanSummary(**r) for r in rows]


@router.post("/plans/{plan_id}/dispatch", response_model=PlanOut,
             summary="Hand a plan to its team")
def dispatch(plan_id: PlanId, user: PlannerUser, store: StoreDep,
             body: Annotated[Dispatch | None, Body()] = None) -> PlanOut:
    """Dispatch a draft (admins: any; planners: their own); audited."""
    row = plans_api.dispatch(store, user, plan_id, team=body.team if body else None)
    return PlanOut(**plans_api.plan_view(row, user))


@router.get("/plans/{plan_id}", response_model=PlanOut, summary="One plan")
def read(plan_id: PlanId, user: CurrentUser, store: StoreDep) -> PlanOut:
    """A plan in your scope: stops, times and the road path (GeoJSON, lon/lat); audited."""
    row = plans_api.audited_read(store, user, plan_id)
    return PlanOut(**plans_api.plan_view(row, user))


@router.get("/plans/{plan_id}/gpx", response_class=Response, summary="The plan as GPX",
            responses={200: {"content": {"application/gpx+xml": {"schema": {"type": "string"}}}}})
def gpx(plan_id: PlanId, user: CurrentUser, store: StoreDep) -> Response:
    """Waypoints for the stops and the road path as a track; audited."""
    row = plans_api.audited_read(store, user, plan_id, action="plan.gpx")
    return Response(plans_api.gpx(store, row), media_type="application/gpx+xml", headers={
        "Content-Disposition": f'attachment; filename="plan-{row["date"]}.gpx"'})


@router.get("/plans/{plan_id}/map", response_class=HTMLResponse, summary="The inspector map",
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}})
def inspector_map(plan_id: PlanId, user: CurrentUser, store: StoreDep) -> HTMLResponse:
    """The inspector's map of this plan (HTML, works offline); audited."""
    from api.services.pages import inspector_html

    row = plans_api.audited_read(store, user, plan_id, action="plan.map")
    return HTMLResponse(inspector_html(store, row))
