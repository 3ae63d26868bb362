"""``GET /coverage``: days since the last visit and visits this month, per object."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import CoverageUser, StoreDep
from api.schemas import Coverage, CoverageRow
from api.services.coverage import coverage

router = APIRouter(tags=["coverage"])


@router.get("/coverage", response_model=Coverage, summary="Coverage per grid, mine, zone, leader")
def read(user: CoverageUser, store: StoreDep,
         by: Annotated[Literal["grid", "mine", "fire_zone", "leader"], Query()] = "grid",
         ) -> Coverage:
    """Visits per object; with ``by=leader`` a leader sees only their own assignments."""
    now = datetime.now(UTC)
    leader = user.username if user.role == "leader" else None
    rows = coverage(store, by=by, now=now, leader=leader)
    return Coverage(by=by, as_of=now.isoformat(), rows=[CoverageRow(**r) for r in rows])
