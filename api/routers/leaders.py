"""Leaders' assignments: admins edit them; a leader reads their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from api.deps import AdminUser, StoreDep, roles
from api.schemas import AssignmentCreate, AssignmentOut
from api.services import leaders
from api.services.users import User

router = APIRouter(tags=["leaders"])
Reader = Annotated[User, Depends(roles("admin", "leader"))]


@router.get("/leaders/assignments", response_model=list[AssignmentOut],
            summary="Leaders' townships and mines")
def index(user: Reader, store: StoreDep) -> list[AssignmentOut]:
    """All assignments (admin) or your own (leader)."""
    leader = user.username if user.role == "leader" else None
    return [AssignmentOut(**a) for a in leaders.assignments(store, leader=leader)]


@router.post("/leaders/assignments", response_model=AssignmentOut, status_code=201,
             summary="Assign a township or a mine to a leader")
def create(body: AssignmentCreate, user: AdminUser, store: StoreDep) -> AssignmentOut:
    """Store a 包联 township or 挂牌 mine for a leader (idempotent)."""
    return AssignmentOut(**leaders.assign(store, leader=body.leader, kind=body.kind,
                                          target_id=body.target_id, by=user.username))


@router.delete("/leaders/assignments/{assignment_id}", status_code=204,
               summary="Remove an assignment")
def delete(assignment_id: Annotated[str, Path(max_length=200)], user: AdminUser,
           store: StoreDep) -> None:
    """Remove one assignment."""
    leaders.unassign(store, assignment_id, by=user.username)
