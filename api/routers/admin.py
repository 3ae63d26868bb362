"""The administration page (``/admin``) and the reads it needs beyond the other routers.

Users and roles, leaders' assignments (``/leaders/assignments``), dispatching plans (``/plans``:
the list shows no stops, a draft stays sealed) and the imports' history.  Admins only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import AdminUser, StoreDep
from api.errors import ForbiddenError
from api.page_http import header, html_page, page_lang, page_user, to_login
from api.services import imports
from api.services.pages import asset_base
from api.services.users import list_users
from layers.store import Reader
from maps.admin_page import admin_body
from maps.i18n import ERROR_PATTERNS, t, table
from maps.shell import page_html

router = APIRouter(tags=["admin"])


def _choices(store: Reader) -> dict[str, Any]:
    """What the page's forms offer: townships, coal mines, teams and leaders."""
    towns = store.read("admin_areas", where={"level": "township"})
    mines = store.read("mine_sites")
    users = list_users(store)  # type: ignore[arg-type]
    return {
        "townships": sorted([str(r.area_id), str(r.name)] for r in towns.itertuples()),
        "mines": sorted([str(r.site_id), str(r.name if isinstance(r.name, str) else r.site_id)]
                        for r in mines.itertuples()),
        "teams": sorted({u.team for u in users if u.team}),
        "leaders": sorted(u.username for u in users if u.role == "leader"),
    }


@router.get("/admin", include_in_schema=False, response_model=None)
def admin_page(request: Request) -> Response:
    """Users, leaders' assignments, plans and imports, for admins."""
    user = page_user(request)
    if user is None:
        return to_login(request)
    if user.role != "admin":
        raise ForbiddenError(f"role {user.role!r} may not open the administration page")
    lang = page_lang(request)
    settings = {"kind": "admin", "lang": lang, "apiBase": "/", "labels": table(lang),
                "errorPatterns": [[p, k, list(n)] for p, k, n in ERROR_PATTERNS],
                **_choices(request.app.state.store)}
    body = page_html(title=t("nav_admin", lang), body=admin_body(lang), lang=lang,
                     asset_base=asset_base(), header=header(request, user, lang),
                     script="gridpatrol/admin.bundle.js", settings=settings)
    return html_page(request, body)


@router.get("/admin/users", summary="Users and their roles", response_model=list[dict[str, Any]])
def users(user: AdminUser, store: StoreDep) -> list[dict[str, Any]]:
    """Every user: name, role, team (inspectors), township (planners); never a password."""
    return [{"username": u.username, "role": u.role, "team": u.team,
             "township_id": u.township_id} for u in list_users(store)]


@router.get("/admin/imports", summary="The imports' history", response_model=list[dict[str, Any]])
def import_history(user: AdminUser, store: StoreDep) -> list[dict[str, Any]]:
    """Every import into the store, newest first: when, who, kind, file, features written."""
    return imports.history(store)
