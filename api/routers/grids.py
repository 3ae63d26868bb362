"""Grid editing: read with ETag, preview, commit with If-Match, history, revert.

Every edit (move, split, merge, redraw, rebalance) has ``POST /grids/edits/{kind}/preview``
(never writes; returns the figures and a ``token``).  ``POST /grids/edits/commit`` with that
token and ``If-Match`` writes exactly what the preview showed (the edit is not run again).
``POST /grids/edits/{kind}`` previews and commits in one request (``If-Match`` required).
Planners and admins only; a township-scoped planner gets 404 outside the township.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response

from api.deps import CurrentUser, PlannerUser, SettingsDep, StoreDep
from api.errors import NotFoundError
from api.geojson import feature_texts, to_shape
from api.schemas import (
    CommitPreview,
    EditResult,
    HistoryEntry,
    MergeEdit,
    MoveEdit,
    RebalanceEdit,
    RedrawEdit,
    Revert,
    SplitEdit,
)
from api.services import grid_api
from api.services.partition_writer import current_versions
from api.services.users import User
from layers.store import Store

router = APIRouter(tags=["grids"])
Id = Annotated[str, Path(max_length=200)]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=300,
                                       description='the ETag read: "<village>:<version>"')]
_412_428 = {412: {"description": "If-Match is stale"}, 428: {"description": "If-Match missing"}}


def _params(kind: str, body: Any, settings: Any) -> tuple[list[str], dict[str, Any]]:
    """(grid ids that fix the village, params for grid_edits) of a body."""
    if kind == "move":
        return [body.target_grid_id], {"units": body.unit_ids, "to_grid": body.target_grid_id}
    if kind == "split":
        return [body.grid_id], {"grid": body.grid_id, "seed": body.seed}
    if kind == "merge":
        return [body.grid_id, body.other_grid_id], {"grid": body.grid_id,
                                                    "other": body.other_grid_id}
    if kind == "redraw":
        poly = to_shape(body.geometry.model_dump(), max_vertices=settings.max_vertices,
                        what="the drawn polygon")
        return [body.grid_id], {"polygon": poly, "to_grid": body.grid_id}
    return list(body.grid_ids), {"grids": body.grid_ids, "seed": body.seed}


def _result(res: dict[str, Any], *, committed: bool, grids: dict[str, Any] | None
            ) -> EditResult:
    return EditResult(village=res["village"], version=int(res["version"]), kind=res["kind"],
                      touched=list(res["grids"]), before=res["before"], after=res["after"],
                      moved=list(res["moved"]), committed=committed,
                      etag=grid_api.etag(res["village"], int(res["version"])), grids=grids,
                      token=res.get("token"), safety_limit=res.get("safety_limit"))


def _routes(kind: str, model: type) -> None:
    def preview(body: Any, user: PlannerUser, store: StoreDep, settings: SettingsDep,
                response: Response) -> EditResult:
        from api.services.grid_edits import preview_edit

        grid_ids, params = _params(kind, body, settings)
        grid_api.scoped_village(store, user, grid_ids)
        res = preview_edit(store, kind=kind, params=params)  # type: ignore[arg-type]
        response.headers["ETag"] = grid_api.etag(res["village"], int(res["version"]))
        return _result(res, committed=False, grids=None)

    def commit(body: Any, user: PlannerUser, store: StoreDep, settings: SettingsDep,
               response: Response, if_match: IfMatch = None) -> EditResult:
        grid_ids, params = _params(kind, body, settings)
        village = grid_api.scoped_village(store, user, grid_ids)
        expected = grid_api.parse_if_match(if_match, village)
        res = grid_api.commit(store, user, kind=kind, params=params, village=village,
                              expected=expected, reason=body.reason)
        response.headers["ETag"] = grid_api.etag(village, int(res["version"]))
        return _result(res, committed=True, grids=grid_api.village_grids(store, village))

    for fn, name in ((preview, "preview"), (commit, "commit")):
        fn.__annotations__["body"] = model
        fn.__doc__ = f"{name.capitalize()} a {kind} edit. {model.__doc__}"
    router.add_api_route(f"/grids/edits/{kind}/preview", preview, methods=["POST"],
                         response_model=EditResult, summary=f"Preview: {kind}",
                         name=f"preview_{kind}")
    router.add_api_route(f"/grids/edits/{kind}", commit, methods=["POST"],
                         response_model=EditResult, summary=f"Commit: {kind}",
                         name=f"commit_{kind}", responses=_412_428)  # type: ignore[arg-type]


@router.post("/grids/edits/commit", response_model=EditResult, summary="Commit a preview",
             responses=_412_428)  # type: ignore[arg-type]
def commit_preview(body: CommitPreview, user: PlannerUser, store: StoreDep, response: Response,
                   if_match: IfMatch = None) -> EditResult:
    """Write exactly what a preview showed: send its ``token`` and its ETag in If-Match.

    The edit is not run again.  412 when the village changed since the preview, 422 when the
    token is damaged or the result would break a constraint (the reasons are listed).
    """
    village = grid_api.scoped_village_id(store, user, grid_api.token_village(body.token))
    expected = grid_api.parse_if_match(if_match, village)
    res = grid_api.commit_token(store, user, token=body.token, expected=expected,
                                reason=body.reason)
    response.headers["ETag"] = grid_api.etag(village, int(res["version"]))
    return _result(res, committed=True, grids=grid_api.village_grids(store, village))


for _kind, _model in (("move", MoveEdit), ("split", SplitEdit), ("merge", MergeEdit),
                      ("redraw", RedrawEdit), ("rebalance", RebalanceEdit)):
    _routes(_kind, _model)


@router.get("/grids/villages/{village_id}", summary="A village's grids and version (ETag)",
            response_model=dict[str, Any])
def village(village_id: Id, user: CurrentUser, store: StoreDep,
            response: Response) -> dict[str, Any]:
    """The village's grids (GeoJSON) and its partition version; the ETag goes to If-Match."""
    grid_api.scoped_village_id(store, user, village_id)
    version = current_versions(store, [village_id])[village_id]
    response.headers["ETag"] = grid_api.etag(village_id, version)
    return {"village": village_id, "version": version,
            "etag": grid_api.etag(village_id, version),
            "grids": grid_api.village_grids(store, village_id)}


@router.get("/grids/villages/{village_id}/history", response_model=list[HistoryEntry],
            summary="Committed versions of a village")
def history(village_id: Id, user: PlannerUser, store: StoreDep) -> list[HistoryEntry]:
    """Every committed version, newest first."""
    from api.services.grid_edits import history as hist

    grid_api.scoped_village_id(store, user, village_id)
    return [HistoryEntry(**{k: (None if v is None else (str(v) if k in ("author", "time",
                         "reason") else v)) for k, v in h.items()})
            for h in hist(store, village=village_id)]


@router.post("/grids/villages/{village_id}/revert", response_model=dict[str, Any],
             summary="Restore an earlier version", responses=_412_428)  # type: ignore[arg-type]
def revert(village_id: Id, body: Revert, user: PlannerUser, store: StoreDep,
           response: Response, if_match: IfMatch = None) -> dict[str, Any]:
    """Write the assignment of ``version`` as a new version (If-Match required)."""
    from api.services import audit
    from api.services.grid_edits import revert as do_revert

    grid_api.scoped_village_id(store, user, village_id)
    expected = grid_api.parse_if_match(if_match, village_id)
    grid_api.check_current(store, village_id, expected)
    def audit_it(tx: Any, result: dict[str, Any]) -> None:  # lands with the revert
        audit.record(tx, user=user.username, action="grid.revert", obj=village_id,
                     detail={"to": body.version, "version": result["version"]})

    res = do_revert(store, village=village_id, version=body.version, expected_version=expected,
                    author=user.username, reason=body.reason, after=audit_it)
    response.headers["ETag"] = grid_api.etag(village_id, int(res["version"]))
    return {"village": village_id, "version": int(res["version"]),
            "reverted_to": int(body.version), "etag": grid_api.etag(village_id,
                                                                    int(res["version"]))}


@router.get("/grids/{grid_id}", summary="One grid (GeoJSON Feature) with its ETag",
            response_model=dict[str, Any])
def grid(grid_id: Id, user: CurrentUser, store: StoreDep, response: Response) -> dict[str, Any]:
    """The grid; its ETag is its village's partition version."""
    frame = store.read("grids", ids=[grid_id])
    if frame.empty:
        raise NotFoundError(f"no grid {grid_id!r}")
    village_id = str(frame["village_id"].iloc[0])
    version = current_versions(store, [village_id])[village_id]
    response.headers["ETag"] = grid_api.etag(village_id, version)
    return json.loads(feature_texts(frame, id_field="grid_id")[0])


__all__ = ["router", "Callable", "Store", "User"]
