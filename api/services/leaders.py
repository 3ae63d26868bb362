"""Leaders' standing responsibilities: townships (包联) and coal mines (挂牌检查)."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from api.errors import NotFoundError
from api.services import audit
from layers.errors import ValidationError
from layers.store import Reader, Store


def assignment_id(leader: str, kind: str, target_id: str) -> str:
    """The stable id of a duty (the same duty assigned twice is one row)."""
    return hashlib.sha1(f"{leader}\0{kind}\0{target_id}".encode()).hexdigest()[:16]


def _target_exists(store: Reader, kind: str, target_id: str) -> bool:
    if kind == "township":
        return not store.read("admin_areas", ids=[target_id],
                              where={"level": "township"}).empty
    return not store.read("mine_sites", ids=[target_id]).empty


def assign(store: Store, *, leader: str, kind: str, target_id: str, by: str) -> dict[str, Any]:
    """Give *leader* the township or mine *target_id* (idempotent; audited).

    Raises :class:`ValidationError` when the leader is not a user with role ``leader``, the
    kind is unknown, or the target does not exist.
    """
    problems = []
    users = store.read("users", ids=[leader])
    if users.empty or users["role"].iloc[0] != "leader":
        problems.append(f"{leader!r} is not a user with role leader: "
                        "add them with `gridpatrol users add NAME --role leader`")
    if kind not in ("township", "mine"):
        problems.append(f"kind {kind!r}: use township or mine")
    elif not _target_exists(store, kind, target_id):
        layer = "admin_areas (level township)" if kind == "township" else "mine_sites"
        problems.append(f"no {kind} {target_id!r} in {layer}")
    if problems:
        raise ValidationError("cannot assign: " + "; ".join(problems), problems)
    aid = assignment_id(leader, kind, target_id)
    row = {"assignment_id": aid, "leader": leader, "kind": kind, "target_id": target_id}
    with store.transaction() as tx:
        tx.upsert("leader_assignments", pd.DataFrame([row]))
        audit.record(tx, user=by, action="leader.assign", obj=aid, detail=row)
    return row


def unassign(store: Store, assignment_id: str, *, by: str) -> None:
    """Remove one assignment (404 when absent; audited)."""
    with store.transaction() as tx:
        if not tx.delete("leader_assignments", [assignment_id]):
            raise NotFoundError(f"no leader assignment {assignment_id!r}")
        audit.record(tx, user=by, action="leader.unassign", obj=assignment_id)


def assignments(store: Reader, *, leader: str | None = None) -> list[dict[str, Any]]:
    """Every assignment (of *leader* when given)."""
    frame = store.read("leader_assignments", where={"leader": leader} if leader else None)
    return [{k: str(v) for k, v in r.items()} for r in frame.to_dict("records")]


def duties(store: Reader, leader: str | None = None) -> pd.DataFrame:
    """Every duty (of *leader* when given): ``assignment_id, leader, kind, target_id``.

    The ``leader_assignments`` rows (包联 townships and villages, 挂牌 mines), plus the 挂牌
    mines named only in ``mine_sites.leader`` (each with the id :func:`assign` would give it).
    """
    rows = store.read("leader_assignments", where={"leader": leader} if leader else None)
    out = rows[["assignment_id", "leader", "kind", "target_id"]].astype(str)
    mines = store.read("mine_sites", where={"leader": leader} if leader else None)
    mines = mines[mines["leader"].notna() & (mines["leader"].astype(str).str.strip() != "")]
    have = set(zip(out["leader"], out["kind"], out["target_id"], strict=True))
    extra = [(assignment_id(str(n), "mine", str(s)), str(n), "mine", str(s))
             for n, s in zip(mines["leader"], mines["site_id"], strict=True)
             if (str(n), "mine", str(s)) not in have]
    return pd.concat([out, pd.DataFrame(extra, columns=out.columns)], ignore_index=True)
