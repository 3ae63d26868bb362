"""The map pages, behind login (the login page's HttpOnly cookie, or a bearer token).

Without a working login a browser is sent to ``/login`` (and back afterwards); a role that
may not open a page gets the error page in its language.  Each page carries the header
(user, role, county, language, logout) and the offline basemap; ``?lang=zh|en`` switches the
language, ``?basemap=gaode`` redraws the page in GCJ-02 on Gaode's online tiles (the user's
choice in the page's basemap control).  The token is never written into a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.errors import ForbiddenError, NotFoundError
from api.page_http import header, html_page, page_lang, page_user, to_login
from api.routers.basemap import cache_of
from api.services import pages, plans_api
from api.services.basemap import Basemap
from api.services.pages import PageContext
from api.services.users import User
from layers.store import Store

router = APIRouter(tags=["pages"])
_HTML = {200: {"content": {"text/html": {"schema": {"type": "string"}}}},
         303: {"description": "to the login page"}}
Lang = Annotated[Literal["zh", "en"] | None, Query(description="page language (remembered)")]
Online = Annotated[Literal["none", "gaode"], Query(
    description="none: the offline basemap; gaode: Gaode's online tiles (GCJ-02)")]


def _basemap(request: Request, store: Store) -> Basemap | None:
    made = cache_of(request).get(store)
    return made if any(lv["polygons"] or lv["lines"] for lv in made.data["levels"]) else None


def _serve(request: Request, allowed: tuple[str, ...], basemap: str,
           build: Callable[[Store, User, PageContext], str], *, sensitive: bool = False
           ) -> Response:
    """The page *build* makes for the signed-in user, or the way to sign in."""
    user = page_user(request)
    if user is None:
        return to_login(request)
    if user.role not in allowed:
        raise ForbiddenError(f"role {user.role!r} may not open this page")
    store: Store = request.app.state.store
    lang = page_lang(request)
    ctx = PageContext(lang=lang, header=header(request, user, lang),
                      basemap=_basemap(request, store), online=basemap)
    return html_page(request, build(store, user, ctx), sensitive=sensitive)


@router.get("/planner", response_class=HTMLResponse, response_model=None, responses=_HTML,
            summary="Planner map")
def planner(request: Request, lang: Lang = None, basemap: Online = "none") -> Response:
    """The grid planner's map with the edit mode."""
    return _serve(request, ("admin", "planner"), basemap,
                  lambda store, user, ctx: pages.planner_html(store, user, ctx))


@router.get("/inspector", response_class=HTMLResponse, response_model=None, responses=_HTML,
            summary="Inspector map (the latest plan dispatched to your team)")
def inspector(request: Request, plan: Annotated[str | None, Query(max_length=200)] = None,
              lang: Lang = None, basemap: Online = "none") -> Response:
    """The team's plan on a map; ``?plan=ID`` for another plan in scope.  A sealed plan is a
    secret: the page is never cached."""
    def build(store: Store, user: User, ctx: PageContext) -> str:
        chosen = plan
        if chosen is None:
            latest = plans_api.list_plans(store, user, limit=50, offset=0)
            latest = [p for p in latest if p["status"] == "dispatched"] or latest
            if not latest:
                raise NotFoundError("no plan has been dispatched to you yet")
            chosen = str(latest[0]["plan_id"])
        row = plans_api.audited_read(store, user, chosen, action="plan.map")
        return pages.inspector_html(store, row, ctx)

    return _serve(request, ("admin", "inspector", "planner", "leader"), basemap, build,
                  sensitive=True)


@router.get("/leader", response_class=HTMLResponse, response_model=None, responses=_HTML,
            summary="Leader map")
def leader(request: Request, lang: Lang = None, basemap: Online = "none") -> Response:
    """Coverage per grid, mine, fire zone and leader."""
    return _serve(request, ("admin", "leader", "planner"), basemap,
                  lambda store, user, ctx: pages.leader_html(store, user, ctx))
