"""``POST /visits``: an inspector checks in at a site."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import InspectorUser, SettingsDep, StoreDep
from api.geojson import to_shape
from api.schemas import VisitCreate, VisitOut
from api.services.visits import check_in

router = APIRouter(tags=["visits"])


@router.post("/visits", response_model=VisitOut, status_code=201, summary="Check in at a site")
def create(body: VisitCreate, user: InspectorUser, store: StoreDep,
           settings: SettingsDep) -> VisitOut:
    """Record a visit (time, position, findings); refused with the distance when too far."""
    point = to_shape(body.position.model_dump(), max_vertices=1, what="position")
    visit = check_in(store, user, site_id=body.site_id, position=point, plan_id=body.plan_id,
                     time=body.time, findings=body.findings,
                     max_distance_m=settings.checkin_radius_m)
    return VisitOut(**visit)
