"""``GET /coverage``: visits per object or leader duty, worst covered first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import CoverageUser, StoreDep
from api.schemas import Coverage, CoverageRow
from api.services.coverage import coverage

router = APIRouter(tags=["coverage"])

ByParam = Literal["grid", "mine", "fire_zone", "leader", "township", "village"]
LeaderParam = Annotated[str | None, Query(min_length=1, max_length=200,
                                          pattern=r"^[^\x00-\x1f]+$",
                                          description="only what this leader answers for")]


@router.get("/coverage", response_model=Coverage, summary="Coverage per object or leader duty")
def read(user: CoverageUser, store: StoreDep,
         by: Annotated[ByParam, Query(description="what to count visits for")] = "grid",
         leader: LeaderParam = None,
         lang: Annotated[Literal["zh", "en"], Query(description="language of made-up names "
                                                    "for unnamed objects")] = "zh",
         ) -> Coverage:
    """Visits per object (the same figures as the leader map), worst covered first.

    A visit counts for an object by its site id, by a checkpoint of a fire zone, or by its
    position inside the object's polygon.  A leader sees only their own duties and what they
    answer for (``leader`` is then their own name).
    """
    now = datetime.now(UTC)
    if user.role == "leader":
        leader = user.username
    rows = coverage(store, by=by, now=now, leader=leader, lang=lang)
    return Coverage(by=by, as_of=now.isoformat(), rows=[CoverageRow(**r) for r in rows])
