"""Glue from the grid routes to :mod:`api.services.grid_edits`: scope, versions, audit.

Versions are per village (``grid_history``).  The ETag of a grid or a village is
``"<village_id>:<version>"``; a commit must send it back in ``If-Match`` (428 without it, 412
when the village moved on).  The balancing engineer's ``commit_edit`` re-checks the version
inside its write transaction, so two racing commits cannot both land.  A planner with a
township sees and edits only that township's villages (404 outside it).
"""

from __future__ import annotations

import json
from typing import Any

from api.errors import NotFoundError, PreconditionRequiredError, StaleVersionError
from api.geojson import collection_text, feature_texts
from api.services import audit
from api.services.users import User
from layers.errors import StoreError
from layers.store import Reader, Store


def etag(village: str, version: int) -> str:
    """The strong ETag of a village's partition at *version*."""
    return f'"{village}:{version}"'


def villages_in_scope(store: Reader, user: User) -> list[str] | None:
    """Village ids a scoped planner may touch (``None``: every village)."""
    if user.role == "planner" and user.township_id:
        areas = store.read("admin_areas", where={"parent_id": user.township_id,
                                                 "level": "village"})
        return [str(a) for a in areas["area_id"]]
    return None


def scoped_village(store: Reader, user: User, grid_ids: list[str]) -> str:
    """The one village of *grid_ids*, read through the caller's scope (404 otherwise)."""
    scope = villages_in_scope(store, user)
    where = None if scope is None else {"village_id": scope}
    found = store.read("grids", ids=grid_ids, where=where)
    if len(set(found["grid_id"].astype(str))) != len(set(grid_ids)):
        missing = sorted(set(grid_ids) - set(found["grid_id"].astype(str)))
        raise NotFoundError(f"no grid(s) {missing[:10]} that you may edit")
    villages = sorted(set(found["village_id"].astype(str)))
    if len(villages) != 1:
        raise NotFoundError(f"grids {grid_ids[:10]} are not all in one village you may edit")
    return villages[0]


def scoped_village_id(store: Reader, user: User, village: str) -> str:
    """*village* when it exists and is in the caller's scope (404 otherwise)."""
    scope = villages_in_scope(store, user)
    if scope is not None and village not in scope:
        raise NotFoundError(f"no village {village!r} that you may edit")
    if store.read("grid_history", where={"village_id": village}, limit=1).empty and \
            store.read("grids", where={"village_id": village}, limit=1).empty:
        raise NotFoundError(f"no village {village!r} with grids")
    return village


def parse_if_match(header: str | None, village: str) -> int:
    """The version an ``If-Match`` header names for *village* (428 / 412 otherwise)."""
    if header is None or not header.strip():
        msg = (f"a commit needs If-Match: send the ETag you read (e.g. If-Match: "
               f"{etag(village, 1)}) from GET /grids/villages/{village}")
        raise PreconditionRequiredError(msg)
    tag = header.strip()
    if tag == "*":
        raise PreconditionRequiredError("If-Match: * is not accepted: send the version's ETag")
    tag = tag.removeprefix("W/").strip('"')
    name, _, ver = tag.rpartition(":")
    if (name and name != village) or not ver.isdigit():
        raise StaleVersionError(f"If-Match {header!r} does not name a version of village "
                                f"{village!r}: read it again")
    return int(ver)


def check_current(store: Reader, village: str, expected: int) -> None:
    """412 early when *village* is no longer at *expected* (the write re-checks atomically)."""
    from api.services.partition_writer import current_versions

    now = current_versions(store, [village])[village]
    if now != expected:
        raise StaleVersionError(f"village {village} is at version {now}, not {expected}: read "
                                f"it again (GET /grids/villages/{village}) and redo the edit")


def village_grids(store: Reader, village: str) -> dict[str, Any]:
    """The village's grids as a GeoJSON FeatureCollection (dict)."""
    frame = store.read("grids", where={"village_id": village})
    return json.loads(collection_text(feature_texts(frame, id_field="grid_id")))


def _audited(user: User, kind: str, village: str) -> Any:
    def audit_it(tx: Any, result: dict[str, Any]) -> None:
        audit.record(tx, user=user.username, action=f"grid.{kind}", obj=village,
                     detail={"version": result["version"], "grids": list(result["grids"]),
                             "moved": len(result["moved"])})
    return audit_it


def _racing(village: str, run: Any) -> dict[str, Any]:
    try:
        return run()
    except StoreError as exc:  # PostGIS: a racing commit took the version first
        if any(w in str(exc) for w in ("UniqueViolation", "unique", "Deadlock", "deadlock")):
            raise StaleVersionError(f"village {village} changed while committing: read it "
                                    "again and redo the edit") from exc
        raise


def commit(store: Store, user: User, *, kind: str, params: dict[str, Any], village: str,
           expected: int, reason: str) -> dict[str, Any]:
    """Preview and commit in one call through :func:`api.services.grid_edits.commit_edit`;
    the audit event is written in the same transaction as the edit."""
    from api.services.grid_edits import commit_edit

    check_current(store, village, expected)
    return _racing(village, lambda: commit_edit(
        store, kind=kind, params=params, expected_version=expected,  # type: ignore[arg-type]
        author=user.username, reason=reason, after=_audited(user, kind, village)))


def token_village(token: str) -> str:
    """The village a preview token belongs to (422 when the token is damaged)."""
    from api.services.preview_tokens import PreviewToken

    return PreviewToken.decode(token).village


def commit_token(store: Store, user: User, *, token: str, expected: int,
                 reason: str) -> dict[str, Any]:
    """Commit exactly what a preview showed (:func:`api.services.grid_edits.commit_preview`),
    with its audit event in the same transaction."""
    from api.services.grid_edits import commit_preview
    from api.services.preview_tokens import PreviewToken

    tok = PreviewToken.decode(token)
    check_current(store, tok.village, expected)
    if expected != tok.version:
        raise StaleVersionError(f"the preview was made on version {tok.version} of village "
                                f"{tok.village}, If-Match names {expected}: preview again")
    return _racing(tok.village, lambda: commit_preview(
        store, token=token, author=user.username, reason=reason, expected_version=expected,
        after=_audited(user, tok.kind, tok.village)))
