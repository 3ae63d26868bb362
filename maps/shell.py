"""The pages' chrome: the header and the plain pages (login, errors, admin, docs' frame).

Every page a signed-in user sees carries the same header: the product, the store's county, the
pages the role may open, the user and role, the language switch (zh-CN by default, English)
and logout.  Everything is text from the one i18n table (:mod:`maps.i18n`), escaped here; the
pages carry no inline script (the settings block is JSON data, the script a file), so they
live under a strict Content-Security-Policy.

Text that is deliberately not in the page's language is marked: the other language's name in
the switch has ``lang``; data (user names, place names, codes) has ``data-gp-data``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from maps.i18n import HTML_LANG, check_lang, t
from maps.page import json_for_script

#: The pages each role may open, its home first.
ROLE_PAGES: dict[str, tuple[str, ...]] = {
    "admin": ("/admin", "/planner", "/leader", "/inspector"),
    "planner": ("/planner", "/leader", "/inspector"),
    "leader": ("/leader", "/inspector"),
    "inspector": ("/inspector",),
}
PAGE_LABELS = {"/admin": "nav_admin", "/planner": "nav_planner", "/leader": "nav_leader",
               "/inspector": "nav_inspector", "/app/": "nav_app", "/docs": "nav_docs"}


@dataclass(frozen=True)
class Viewer:
    """Who looks at a page, for its header.

    Parameters
    ----------
    username, role
        The signed-in user.
    county
        The store's county (or the store's name), shown beside the product.
    pages
        Paths of the pages the user may open (default: :data:`ROLE_PAGES` of the role).
    """

    username: str
    role: str
    county: str = ""
    pages: tuple[str, ...] = field(default=())

    @property
    def links(self) -> tuple[str, ...]:
        """The pages in the header's menu."""
        return self.pages or ROLE_PAGES.get(self.role, ())


def home_of(role: str, *, field_app: bool = False) -> str:
    """The page a role lands on after signing in (inspectors: the field app when served)."""
    if role == "inspector" and field_app:
        return "/app/"
    return ROLE_PAGES.get(role, ("/login",))[0]


def e(text: Any) -> str:
    """*text* escaped for HTML."""
    return html.escape("" if text is None else str(text), quote=True)


def _switch(lang: str, path: str) -> str:
    other = "en" if lang == "zh" else "zh"
    name = "English" if other == "en" else "中文"
    href = f"{path}?lang={other}"
    return (f'<a class="gp-lang" href="{e(href)}" lang="{HTML_LANG[other]}" hreflang='
            f'"{HTML_LANG[other]}" title="{e(t("switch_language", lang))}">{name}</a>')


def header_html(viewer: Viewer | None, *, lang: str, path: str, county: str = "") -> str:
    """The page header (a bare one with only the language switch when nobody is signed in)."""
    county = county or (viewer.county if viewer else "")
    parts = ['<header class="gp-header" id="gp-header">',
             f'<a class="gp-brand" href="/">{e(t("product", lang))}</a>']
    if county:
        parts.append(f'<span class="gp-county" data-gp-data>{e(county)}</span>')
    if viewer is not None:
        items = "".join(
            f'<a href="{e(p)}"{" aria-current=page" if p == path else ""}>'
            f"{e(t(PAGE_LABELS.get(p, 'nav_home'), lang))}</a>" for p in viewer.links)
        parts.append(f'<nav class="gp-nav gp-wide">{items}</nav>'
                     f'<details class="gp-menu gp-narrow"><summary>{e(t("menu", lang))}'
                     f'</summary><nav class="gp-nav">{items}</nav></details>')
        parts.append(f'<span class="gp-user"><b data-gp-data>{e(viewer.username)}</b>'
                     f'<span class="gp-role">{e(t("role_" + viewer.role, lang))}</span></span>')
    parts.append(_switch(lang, path))
    if viewer is not None:
        parts.append('<form class="gp-logout" method="post" action="/auth/logout">'
                     f'<button type="submit">{e(t("logout", lang))}</button></form>')
    parts.append("</header>")
    return "".join(parts)


def page_html(*, title: str, body: str, lang: str, asset_base: str, header: str = "",
              script: str | None = None, settings: dict[str, Any] | None = None,
              body_class: str = "") -> str:
    """A plain page of ours: head with our stylesheet, the header, *body*, our script file."""
    check_lang(lang)
    base = asset_base if asset_base.endswith("/") else asset_base + "/"
    head = [f'<!doctype html><html lang="{HTML_LANG[lang]}"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{e(title)}</title>",
            f'<link rel="icon" href="{base}gridpatrol/icon.svg" type="image/svg+xml">',
            f'<link rel="stylesheet" href="{base}gridpatrol/gridpatrol.css">']
    if settings is not None:
        head.append('<script id="gridpatrol-settings" type="application/json">'
                    f"{json_for_script(settings)}</script>")
    if script:
        head.append(f'<script defer src="{base}{script}"></script>')
    cls = f' class="gp-page {e(body_class)}"' if body_class else ' class="gp-page"'
    return ("".join(head) + f"</head><body{cls}>{header}<main class=\"gp-main\" id=\"gp-main\">"
            f"{body}</main></body></html>")


#: Why a sign-in failed, as the form's redirect names it → label key.
LOGIN_ERRORS = {"credentials": "login_error_credentials", "throttled": "login_error_throttled",
                "expired": "login_error_expired", "origin": "login_error_origin",
                "signed_out": "login_signed_out"}


def login_html(*, lang: str, next_path: str, error: str, asset_base: str, county: str = "",
               wait_s: int | None = None) -> str:
    """The sign-in page (the form posts to ``/auth/login``)."""
    key = LOGIN_ERRORS.get(error)
    note = ""
    if key:
        kind = "gp-info" if error == "signed_out" else "gp-error"
        text = t(key, lang).replace("{s}", str(wait_s or 60))
        note = f'<p class="{kind}" role="alert" id="gp-login-error">{e(text)}</p>'
    body = (f'<section class="gp-card gp-login"><h1>{e(t("login_title", lang))}</h1>{note}'
            f'<form method="post" action="/auth/login">'
            f'<input type="hidden" name="next" value="{e(next_path)}">'
            f'<label>{e(t("username", lang))}<input name="username" autocomplete="username" '
            'required autofocus autocapitalize="none" spellcheck="false"></label>'
            f'<label>{e(t("password", lang))}<input name="password" type="password" '
            'autocomplete="current-password" required></label>'
            f'<button type="submit" class="gp-btn gp-btn-primary">{e(t("login", lang))}'
            "</button></form></section>")
    path = "/login" + (f"?next={quote(next_path)}" if next_path not in ("", "/") else "")
    return page_html(title=t("login_title", lang), body=body, lang=lang, asset_base=asset_base,
                     header=header_html(None, lang=lang, path=path.split("?")[0],
                                        county=county), body_class="gp-login-page")


def error_html(*, status: int, title: str, message: str, lang: str, asset_base: str,
               actions: Sequence[tuple[str, str]] = (), header: str = "") -> str:
    """An error page: what happened and what to do, with links (``(href, label)``)."""
    links = "".join(f'<a class="gp-btn" href="{e(href)}">{e(label)}</a>'
                    for href, label in actions)
    body = (f'<section class="gp-card gp-error-page" data-status="{status}">'
            f"<h1>{e(title)}</h1><p>{e(message)}</p>"
            f'<p class="gp-actions">{links}</p>'
            f'<p class="gp-code">{e(t("error_code", lang))} {status}</p></section>')
    return page_html(title=title, body=body, lang=lang, asset_base=asset_base, header=header)
