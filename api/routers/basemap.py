"""The offline basemap over HTTP: ``GET /basemap`` (by bbox) and ``/basemap/{hash}.json``.

``/basemap?bbox=…`` answers the basemap of an area (the field app's day package asks for a
route's surroundings) with its content hash as ETag: ``If-None-Match`` gets a 304, and the
body is the same bytes as ``/basemap/{hash}.json``, which never changes and is cached for a
year.  Any signed-in user may read it (it is the store's public OpenStreetMap data).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response

from api.deps import BBoxDep, CurrentUser, StoreDep
from api.errors import NotFoundError
from api.services.basemap import Basemap, BasemapCache

router = APIRouter(tags=["basemap"])
IMMUTABLE = "private, max-age=31536000, immutable"
_JSON = {200: {"content": {"application/json": {"schema": {"type": "object"}}},
               "description": "the basemap (maps/vector_basemap.py format)"},
         304: {"description": "not modified (If-None-Match named the current hash)"}}


def cache_of(request: Request) -> BasemapCache:
    """The app's basemap cache (made on first use)."""
    state = request.app.state
    if getattr(state, "basemaps", None) is None:
        state.basemaps = BasemapCache()
    return state.basemaps  # type: ignore[no-any-return]


def _answer(made: Basemap, cache_control: str, if_none_match: str | None) -> Response:
    etag = f'"{made.hash}"'
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(made.body, media_type="application/json", headers=headers)


@router.get("/basemap", response_class=Response, responses=_JSON,  # type: ignore[arg-type]
            summary="The offline basemap of an area")
def basemap(request: Request, user: CurrentUser, store: StoreDep, bbox: BBoxDep = None,
            if_none_match: Annotated[str | None, Header(max_length=200)] = None) -> Response:
    """Roads, water, forests, built-up areas, rail and place names inside ``bbox`` (default:
    the whole store), simplified for three zoom levels; ETag = content hash."""
    made = cache_of(request).get(store, bbox)
    return _answer(made, "private, no-cache", if_none_match)


@router.get("/basemap/{digest}.json", response_class=Response,
            responses=_JSON,  # type: ignore[arg-type]
            summary="The offline basemap by content hash (immutable)")
def basemap_by_hash(request: Request, user: CurrentUser, store: StoreDep,
                    digest: Annotated[str, Path(pattern=r"^[0-9a-f]{20}$")],
                    if_none_match: Annotated[str | None, Header(max_length=200)] = None
                    ) -> Response:
    """The basemap whose content hash is *digest* (as named by a page); cached for a year."""
    made = cache_of(request).by_hash(store, digest)
    if made is None:
        msg = f"no basemap {digest}: the store changed since; reload the page"
        raise NotFoundError(msg)
    return _answer(made, IMMUTABLE, if_none_match)
