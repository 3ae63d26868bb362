"""Sign-in: ``POST /auth/token`` (OAuth2 password flow), the login page and its cookie."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import COOKIE, create_token
from api.deps import CurrentUser, SettingsDep, StoreDep
from api.errors import NotAuthenticatedError, RateLimitedError
from api.page_http import county_label, html_page, page_lang, safe_next
from api.schemas import Token
from api.services.pages import asset_base
from api.services.users import User, authenticate
from maps.shell import login_html

router = APIRouter(tags=["auth"])


def _login(request: Request, store: StoreDep, settings: SettingsDep, username: str,
           password: str) -> tuple[User, str]:
    address = request.client.host if request.client else "?"
    limiter = request.app.state.limiter
    limiter.check(username, address)
    user = authenticate(store, username=username, password=password)
    if user is None:
        limiter.failed(username, address)
        raise NotAuthenticatedError("wrong username or password")
    limiter.succeeded(username, address)
    token = create_token(user, secret=request.app.state.secret, minutes=settings.token_minutes)
    return user, token


@router.post("/auth/token", response_model=Token, summary="Sign in (OAuth2 password flow)")
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
          store: StoreDep, settings: SettingsDep) -> Token:
    """Exchange ``username`` and ``password`` (form fields) for a bearer token."""
    _, tok = _login(request, store, settings, form.username, form.password)
    return Token(access_token=tok, expires_in=settings.token_minutes * 60)


@router.get("/auth/me", summary="Who am I")
def me(user: CurrentUser) -> dict[str, str | None]:
    """The signed-in user's name, role, team and township scope."""
    return {"username": user.username, "role": user.role, "team": user.team,
            "township_id": user.township_id}


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, store: StoreDep, next: str = "/",  # noqa: A002
               error: str = "", wait: int | None = None) -> Response:
    """The sign-in page, in the user's language; *error* is a code (see maps.shell)."""
    lang = page_lang(request)
    body = login_html(lang=lang, next_path=safe_next(next), error=error[:40],
                      asset_base=asset_base(), county=county_label(store), wait_s=wait)
    return html_page(request, body)


@router.post("/auth/login", include_in_schema=False)
def login_form(request: Request, store: StoreDep, settings: SettingsDep,
               username: Annotated[str, Form(max_length=200)],
               password: Annotated[str, Form(max_length=1000)],
               next: Annotated[str, Form(max_length=200)] = "/",  # noqa: A002
               ) -> RedirectResponse:
    """Sign in from the form: sets the HttpOnly, SameSite=Strict token cookie, then goes to
    *next* (a page of this service) or, by default, the role's own page."""
    target = safe_next(next)
    back = f"/login?next={quote(target)}"
    try:
        _, tok = _login(request, store, settings, username, password)
    except NotAuthenticatedError:
        return RedirectResponse(back + "&error=credentials", status_code=303)
    except RateLimitedError as exc:
        wait = (exc.extra.get("headers") or {}).get("Retry-After", "60")
        return RedirectResponse(back + f"&error=throttled&wait={wait}", status_code=303)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, tok, max_age=settings.token_minutes * 60, httponly=True,
                        samesite="strict", secure=settings.cookie_secure, path="/")
    return response


@router.post("/auth/logout", include_in_schema=False)
def logout() -> RedirectResponse:
    """Forget the cookie."""
    response = RedirectResponse("/login?error=signed_out", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
