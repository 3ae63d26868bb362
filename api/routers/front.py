"""The front door: ``/`` lands each role on its page; the API's documentation pages.

``GET /`` negotiates: a browser (``Accept: text/html``) signed in is sent to its role's page
(admin → ``/admin``, planner → ``/planner``, leader → ``/leader``, inspector → the field app
``/app/`` when it is served, else ``/inspector``), and to the sign-in page otherwise; a client
asking for JSON gets the landing document (links to the collections, the OpenAPI document
and its documentation).  ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) load only vendored
files: they work with no internet.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.negotiate import wants_html
from api.page_http import html_page, page_lang, page_user
from api.services.pages import asset_base
from maps.shell import home_of, page_html

router = APIRouter()


def has_field_app(request: Request) -> bool:
    """Whether the field app is served (``/app/``)."""
    return any(getattr(r, "path", "").startswith("/app") for r in request.app.routes)


def landing(request: Request) -> dict[str, Any]:
    """The landing document (OGC API style) for JSON clients."""
    base = str(request.base_url).rstrip("/")
    links = [("self", "/", "application/json", "this document"),
             ("service-desc", "/openapi.json", "application/vnd.oai.openapi+json;version=3.1",
              "the API definition"),
             ("service-doc", "/docs", "text/html", "the API documentation"),
             ("data", "/collections", "application/json", "the published layers")]
    return {"title": request.app.title, "description": request.app.summary,
            "links": [{"rel": r, "href": base + h, "type": ty, "title": ti}
                      for r, h, ty, ti in links]}


@router.get("/", include_in_schema=False, response_model=None)
def front(request: Request) -> Response:
    """Browsers: the role's page, or sign in.  JSON clients: the landing document."""
    if not wants_html(request):
        return JSONResponse(landing(request))
    user = page_user(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_of(user.role, field_app=has_field_app(request)),
                            status_code=303)


def _docs(request: Request, *, title: str, body: str, script: str) -> Response:
    lang = page_lang(request)
    html = page_html(title=title, body=body, lang=lang, asset_base=asset_base(),
                     script=script, body_class="gp-docs")
    css = f'<link rel="stylesheet" href="{asset_base()}vendor/swagger-ui-dist/swagger-ui.css">'
    if "swagger" in script:
        html = html.replace("</title>", "</title>" + css, 1)
    return html_page(request, html)


@router.get("/docs", include_in_schema=False, response_model=None)
def docs(request: Request) -> Response:
    """Swagger UI over ``/openapi.json``, from vendored files."""
    return _docs(request, title=f"{request.app.title} API", body='<div id="swagger-ui"></div>',
                 script="gridpatrol/docs-swagger.js")


@router.get("/redoc", include_in_schema=False, response_model=None)
def redoc(request: Request) -> Response:
    """ReDoc over ``/openapi.json``, from vendored files."""
    return _docs(request, title=f"{request.app.title} API",
                 body='<redoc spec-url="/openapi.json"></redoc>',
                 script="vendor/redoc/bundles/redoc.standalone.js")


@router.get("/favicon.ico", include_in_schema=False, response_model=None)
def favicon() -> Response:
    """The product's icon (browsers ask for it on every site)."""
    from maps.bundle import STATIC_DIR

    body = (STATIC_DIR / "gridpatrol" / "icon.svg").read_bytes()
    return Response(body, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})
