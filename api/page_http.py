"""What every served page shares over HTTP: its language, its viewer, caching, error pages.

* Language: ``?lang=zh|en`` (remembered in the ``gp_lang`` cookie for a year), else that
  cookie, else Chinese — the default whatever the browser says.
* Viewer: the signed-in user from the HttpOnly login cookie (or a bearer token), ``None``
  when there is none or it no longer works.
* Caching: a page answers with an ETag of its bytes (``If-None-Match`` → 304) and
  ``private, no-cache``; only a page that holds a secret (a sealed plan) is ``no-store``.
* Errors: a browser (``Accept: text/html``) gets an error page in its language that says what
  happened and what to do (:func:`error_page`); API clients keep the JSON body.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.auth import COOKIE, decode_token
from api.errors import ApiError
from api.services.pages import asset_base
from api.services.users import User
from layers.store import Reader
from maps.i18n import LANGS, explain, t
from maps.shell import Viewer, error_html, header_html

log = logging.getLogger("gridpatrol.api")
LANG_COOKIE = "gp_lang"


def page_lang(request: Request) -> str:
    """The page language: ``?lang=``, else the ``gp_lang`` cookie, else ``zh``."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return str(asked)
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGS else "zh"


def remember_lang(request: Request, response: Response) -> Response:
    """Keep a ``?lang=`` choice in the (non-secret) language cookie; returns *response*."""
    asked = request.query_params.get("lang")
    if asked in LANGS and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, str(asked), max_age=365 * 86400, samesite="lax",
                            path="/", secure=request.url.scheme == "https")
    return response


def page_user(request: Request) -> User | None:
    """The signed-in user (login cookie or bearer token), or ``None``."""
    auth = request.headers.get("authorization", "")
    token = auth[7:] if auth.lower().startswith("bearer ") else request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return decode_token(token, secret=request.app.state.secret)
    except ApiError:
        return None


def county_label(store: Reader) -> str:
    """The store's county (its ``county`` admin area), else its first township, else ''."""
    for level in ("county", "township"):
        areas = store.read("admin_areas", where={"level": level}, limit=1)
        if len(areas):
            return str(areas["name"].iloc[0])
    return ""


def viewer(request: Request, user: User) -> Viewer:
    """The header's viewer for *user* on this service."""
    store = request.app.state.store
    return Viewer(username=user.username, role=user.role, county=county_label(store))


def header(request: Request, user: User | None, lang: str) -> str:
    """The page header for *user* (bare without one)."""
    if user is None:
        return header_html(None, lang=lang, path=request.url.path,
                           county=county_label(request.app.state.store))
    return header_html(viewer(request, user), lang=lang, path=request.url.path)


def html_page(request: Request, body: str, *, sensitive: bool = False,
              status: int = 200) -> Response:
    """*body* as an HTML answer: ETag, 304 on a match, ``private, no-cache`` (``no-store``
    when *sensitive*), the language cookie when ``?lang=`` chose one."""
    data = body.encode("utf-8")
    headers = {"Cache-Control": "no-store" if sensitive else "private, no-cache",
               "Vary": "Cookie"}
    if not sensitive and status == 200:
        tag = '"' + hashlib.sha256(data).hexdigest()[:24] + '"'
        headers["ETag"] = tag
        if tag in (request.headers.get("if-none-match") or ""):
            return remember_lang(request, Response(status_code=304, headers=headers))
    return remember_lang(request, HTMLResponse(data, status_code=status, headers=headers))


#: Where a sign-in may send the browser afterwards (paths of this service only).
NEXT_PAGES = ("/", "/planner", "/leader", "/inspector", "/admin", "/app/", "/docs", "/redoc")


def safe_next(path: str) -> str:
    """*path* when it is one of our pages (its query kept), else ``/`` (lands by role)."""
    base = path.split("?", 1)[0]
    if base in NEXT_PAGES and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def to_login(request: Request, *, error: str = "") -> RedirectResponse:
    """303 to the sign-in page, coming back to this page afterwards."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/login?next={quote(back)}" + (f"&error={error}" if error else "")
    return RedirectResponse(url, status_code=303)


def _message(status: int, detail: str, extra: dict[str, Any], lang: str,
             user: User | None) -> str:
    why = explain(detail, lang) + explain("; ".join(map(str, extra.get("errors") or [])), lang)
    if status == 403:
        return (t("err_page_403", lang).replace("{role}", t("role_" + user.role, lang))
                if user is not None and user.role in ("admin", "planner", "leader", "inspector")
                else t("err_page_403_anon", lang))
    if status == 404 and why:
        return t("list_sep", lang).join(why) + t("sentence_end", lang)
    if status == 422:
        reasons = (t("list_sep", lang).join(why) + t("sentence_end", lang)) if why else ""
        return t("err_page_422", lang).replace("{why}", reasons)
    key = f"err_page_{status}" if status < 500 else "err_page_5xx"
    return t(key, lang) if key in _KNOWN else t("err_page_5xx", lang)


_KNOWN = {f"err_page_{s}" for s in (401, 404, 405, 412, 413, 428, 429)}


def error_page(request: Request, status: int, detail: str, extra: dict[str, Any],
               headers: dict[str, str] | None = None) -> Response:
    """The error page a browser gets for *status* (its language, what to do, no JSON)."""
    lang = page_lang(request)
    user = page_user(request)
    title_key = f"err_title_{status}"
    title = t(title_key, lang) if status in _TITLES else t(
        "err_title_500" if status >= 500 else "err_title_400", lang)
    actions = [("/", t("go_home", lang))]
    if status in (401, 403) and user is None:
        actions.insert(0, (f"/login?next={quote(request.url.path)}", t("go_login", lang)))
    body = error_html(status=status, title=title, message=_message(status, detail, extra, lang,
                                                                   user),
                      lang=lang, asset_base=asset_base(), actions=actions,
                      header=header(request, user, lang))
    response = HTMLResponse(body, status_code=status, headers={
        **(headers or {}), "Cache-Control": "no-store"})
    return response


_TITLES = {400, 401, 403, 404, 405, 412, 413, 422, 428, 429, 500, 503}
