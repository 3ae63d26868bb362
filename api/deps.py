"""Typed dependencies: store, network cache, settings, signed-in user, role gates, bbox, paging.

Route modules use the ``Annotated`` aliases (``StoreDep``, ``CurrentUser`` …) and never check
roles or parse parameters by hand.  These dependencies only parse and look up (no I/O), so
they are ``async def``: FastAPI runs a sync dependency in the thread pool, one hand-off per
dependency per request, which cost more than the work (the routes stay sync ``def``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer

from api.auth import COOKIE, decode_token
from api.errors import BadInputError, ForbiddenError, NotAuthenticatedError
from api.services.network import NetworkCache
from api.services.users import User
from api.settings import Settings
from layers.bbox import parse_bbox
from layers.store import BBox, Store

#: The hard cap on ``limit`` (documented in the OpenAPI; settings.page_max may lower it).
LIMIT_MAX = 10_000

_oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


async def get_store(request: Request) -> Store:
    """The store opened in the lifespan."""
    return request.app.state.store  # type: ignore[no-any-return]


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_networks(request: Request) -> NetworkCache:
    """The road-network cache opened in the lifespan (one per worker process)."""
    return request.app.state.networks  # type: ignore[no-any-return]


StoreDep = Annotated[Store, Depends(get_store)]
NetworksDep = Annotated[NetworkCache, Depends(get_networks)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def current_user(request: Request, token: Annotated[str | None, Depends(_oauth2)]) -> User:
    """The user named by the bearer token (or the pages' cookie); 401 without one."""
    token = token or request.cookies.get(COOKIE)
    if not token:
        msg = "no token: sign in at POST /auth/token and send 'Authorization: Bearer <token>'"
        raise NotAuthenticatedError(msg)
    user = decode_token(token, secret=request.app.state.secret)
    request.state.user = user.username  # for the access log
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def roles(*allowed: str) -> Callable[[User], User]:
    """A dependency that admits only *allowed* roles (403 for the others)."""

    async def gate(user: CurrentUser) -> User:
        if user.role not in allowed:
            msg = f"role {user.role!r} may not use this endpoint (allowed: {', '.join(allowed)})"
            raise ForbiddenError(msg)
        return user

    return gate


AdminUser = Annotated[User, Depends(roles("admin"))]
PlannerUser = Annotated[User, Depends(roles("admin", "planner"))]
InspectorUser = Annotated[User, Depends(roles("admin", "inspector"))]
CoverageUser = Annotated[User, Depends(roles("admin", "planner", "leader"))]


async def bbox_query(
    bbox: Annotated[str | None, Query(
        max_length=200, description="minx,miny,maxx,maxy in degrees (WGS 84 lon/lat)",
        examples=["11.5,49.9,11.7,50.0"])] = None,
) -> BBox | None:
    """``bbox=minx,miny,maxx,maxy`` → a tuple in degrees (:func:`layers.bbox.parse_bbox`;
    422 with the reason otherwise)."""
    return None if bbox is None else parse_bbox(bbox)


BBoxDep = Annotated[BBox | None, Depends(bbox_query)]


@dataclass(frozen=True)
class Page:
    """``limit`` and ``offset`` after the caps."""

    limit: int
    offset: int


async def paging(
    settings: SettingsDep,
    limit: Annotated[int | None, Query(ge=1, le=LIMIT_MAX, description="items per page")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")] = 0,
) -> Page:
    """The page asked for; over ``settings.page_max``: 422."""
    cap = min(settings.page_max, LIMIT_MAX)
    if limit is not None and limit > cap:
        raise BadInputError(f"limit {limit} is over the cap of {cap}: page with offset")
    return Page(limit or min(settings.page_default, cap), offset)


PageDep = Annotated[Page, Depends(paging)]
