"""The three map pages, behind login (bearer token or the login page's cookie).

Without a token a browser is redirected to ``/login``; an API client gets 401.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.auth import COOKIE, decode_token
from api.errors import ForbiddenError, NotFoundError
from api.routers.basemap import cache_of
from api.services import pages, plans_api
from api.services.basemap import Basemap
from api.services.users import User
from layers.store import Store

router = APIRouter(tags=["pages"])
_HTML = {200: {"content": {"text/html": {"schema": {"type": "string"}}}},
         303: {"description": "to the login page"}}


def _who(request: Request, allowed: tuple[str, ...]) -> tuple[User, str] | None:
    auth = request.headers.get("authorization", "")
    token = auth[7:] if auth.lower().startswith("bearer ") else request.cookies.get(COOKIE)
    if not token:
        return None
    user = decode_token(token, secret=request.app.state.secret)
    if user.role not in allowed:
        raise ForbiddenError(f"role {user.role!r} may not open this page")
    return user, token


def _basemap(request: Request, store: Store) -> Basemap | None:
    made = cache_of(request).get(store)
    return made if any(lv["polygons"] or lv["lines"] for lv in made.data["levels"]) else None


def _login(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={path}", status_code=303)


@router.get("/planner", response_class=HTMLResponse, response_model=None, responses=_HTML,
            summary="Planner map")
def planner(request: Request) -> HTMLResponse | RedirectResponse:
    """The grid planner's map with the edit mode."""
    who = _who(request, ("admin", "planner"))
    if who is None:
        return _login("/planner")
    store: Store = request.app.state.store
    return HTMLResponse(pages.planner_html(store, who[0], _basemap(request, store)))


@router.get("/inspector", response_class=HTMLResponse, response_model=None, responses=_HTML,
            summary="Inspector map (the latest plan dispatched to your team)")
def inspector(request: Request, plan: Annotated[str | None, Query(max_length=200)] = None
              ) -> HTMLResponse | RedirectResponse:
    """The team's plan on a map; ``?plan=ID`` for another plan in scope."""
    who = _who(request, ("admin", "inspector", "planner", "leader"))
    if who is None:
        return _login("/inspector")
    user, token = who
    store: Store = request.app.state.store
    if plan is None:
        latest = plans_api.list_plans(store, user, limit=50, offset=0)
        latest = [p for p in latest if p["status"] == "dispatched"] or latest
        if not latest:
            raise NotFoundError("no plan has been dispatched to you yet")
        plan = str(latest[0]["plan_id"])
    row = plans_api.audited_read(store, user, plan, action="plan.map")
    return HTMLResponse(pages.inspector_html(store, row, _basemap(request, store)))


@router.get("/leader", response_class=HTMLResponse, response_model=None, responses=_HTML,
            summary="Leader map")
def leader(request: Request) -> HTMLResponse | RedirectResponse:
    """Coverage per grid, mine, fire zone and leader."""
    who = _who(request, ("admin", "leader", "planner"))
    if who is None:
        return _login("/leader")
    user, token = who
    store: Store = request.app.state.store
    return HTMLResponse(pages.leader_html(store, user, _basemap(request, store)))
