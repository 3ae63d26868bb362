"""The composition root: :func:`create_app` builds the FastAPI app from :class:`Settings`.

Nothing is created at import: ``gridpatrol serve`` runs uvicorn with ``factory=True`` on
:func:`app_from_env`, and tests call ``create_app(Settings(db=…))``.  The store is opened in
the lifespan (one per worker process; it keeps a connection per thread).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import LoginLimiter
from api.errors import ERROR_RESPONSES, install
from api.page_http import error_page
from api.routers import (
    admin,
    assets,
    auth,
    basemap,
    cases,
    collections,
    coverage,
    front,
    grids,
    leaders,
    pages,
    plans,
    visits,
)
from api.services.network import NetworkCache
from api.services.users import signing_secret
from api.settings import Settings
from layers.store import open_store

log = logging.getLogger("gridpatrol.api")


class BodyLimitMiddleware:
    """413 for bodies over *max_bytes* (declared or streamed); ``no-store`` on API answers."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body over the limit of {self.max_bytes} "
                                     "bytes: send less (page it or simplify geometries)",
                           "status": 413}).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"cache-control", b"no-store"),
            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(send)
            return
        chunks, size, more = [], 0, True
        while more:  # buffer the body (small by construction) so nothing is half-read
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        static = scope.get("path", "").startswith("/static")

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start" and not static:
                hdrs = list(message.get("headers") or [])
                if not any(k.lower() == b"cache-control" for k, _ in hdrs):
                    hdrs.append((b"cache-control", b"no-store"))
                message = {**message, "headers": hdrs}
            await send(message)

        await self.app(scope, replay, send_no_store)


def create_app(settings: Settings) -> FastAPI:
    """The GridPatrol web service over the store named by ``settings.db``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(settings.db)
        app.state.store = store
        app.state.networks = NetworkCache(settings.cache_dir)
        app.state.secret = (settings.jwt_secret.get_secret_value() if settings.jwt_secret
                            else signing_secret(store))
        log.info("serving store %s", getattr(store, "ns", None) and "postgis" or store.url)
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="GridPatrol",
        summary="网格巡查: grids, sealed unannounced-inspection plans, visits and coverage",
        version="0.1.0",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,  # type: ignore[arg-type]
        docs_url=None,  # ours, from vendored files (api/routers/front.py)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.html_error = error_page  # browsers get error pages, clients JSON
    app.state.limiter = LoginLimiter(attempts=settings.login_attempts,
                                     window_s=settings.login_window_s)
    install(app)
    _include_routers(app)
    from fastapi.staticfiles import StaticFiles

    from maps.assets import STATIC_DIR

    app.mount("/static/maps", StaticFiles(directory=STATIC_DIR), name="map-assets")
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # pages, assets, JSON, GeoJSON
    return app


def _include_routers(app: FastAPI) -> None:
    for module in (front, auth, collections, grids, plans, visits, coverage, leaders, cases,
                   basemap, assets, pages, admin):
        app.include_router(module.router)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the GeoJSON models the geo+json responses refer to."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from api.schemas import Feature, FeatureCollection, Link

    spec = get_openapi(title=app.title, version=app.version, summary=app.summary,
                       routes=app.routes)
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    from api.errors import ErrorBody

    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path in spec.get("paths", {}).values():  # errors are JSON, whatever the 200 is
        for op in path.values():
            for code, resp in op.get("responses", {}).items():
                if code[:1] in "45":
                    resp["content"] = error
    for model in (Link, Feature, FeatureCollection, ErrorBody):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components.setdefault(model.__name__, schema)
    app.openapi_schema = spec
    return spec


def app_from_env() -> FastAPI:
    """The uvicorn factory for ``gridpatrol serve``: settings from ``GRIDPATROL_*``."""
    return create_app(Settings())
