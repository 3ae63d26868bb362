"""Sign-in: ``POST /auth/token`` (OAuth2 password flow), the login page and its cookie."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import COOKIE, create_token
from api.deps import CurrentUser, SettingsDep, StoreDep
from api.errors import NotAuthenticatedError
from api.schemas import Token
from api.services.users import User, authenticate

router = APIRouter(tags=["auth"])

_PAGES = ("/planner", "/inspector", "/leader")


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


_LOGIN_HTML = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<title>GridPatrol 登录</title><meta name="viewport" content="width=device-width">
<style>body{{font-family:sans-serif;max-width:22em;margin:4em auto}}input,button{{width:100%;
margin:.3em 0;padding:.5em}}.err{{color:#b00}}</style></head><body>
<h1>网格巡查 GridPatrol</h1><p class="err">{error}</p>
<form method="post" action="/auth/login"><input type="hidden" name="next" value="{next}">
<label>用户名 Username<input name="username" autocomplete="username" required></label>
<label>密码 Password<input name="password" type="password" autocomplete="current-password"
required></label><button type="submit">登录 Sign in</button></form></body></html>"""


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(next: str = "/planner", error: str = "") -> HTMLResponse:  # noqa: A002
    """The sign-in form for the map pages."""
    target = next if next in _PAGES else "/planner"
    return HTMLResponse(_LOGIN_HTML.format(error=html.escape(error[:200]),
                                           next=html.escape(target)))


@router.post("/auth/login", include_in_schema=False)
def login_form(request: Request, store: StoreDep, settings: SettingsDep,
               username: Annotated[str, Form(max_length=200)],
               password: Annotated[str, Form(max_length=1000)],
               next: Annotated[str, Form(max_length=200)] = "/planner",  # noqa: A002
               ) -> RedirectResponse:
    """Sign in from the form: sets the HttpOnly, SameSite=Strict token cookie."""
    target = next if next in _PAGES else "/planner"
    try:
        _, tok = _login(request, store, settings, username, password)
    except NotAuthenticatedError:
        return RedirectResponse(f"/login?next={target}&error=wrong+username+or+password",
                                status_code=303)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, tok, max_age=settings.token_minutes * 60, httponly=True,
                        samesite="strict", secure=settings.cookie_secure, path="/")
    return response


@router.post("/auth/logout", include_in_schema=False)
def logout() -> RedirectResponse:
    """Forget the cookie."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
