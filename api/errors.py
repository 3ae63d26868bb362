"""One table from domain exception to HTTP status, and the JSON error body.

Every error the service answers with has the same shape (:class:`ErrorBody`): a sentence that
says what was wrong and how to fix it, the status, and, where useful, the list of problems,
the geometry's ``is_valid_reason`` or the distance that refused a check-in.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from gis.cases import CaseRoleError, CaseStateError
from gis.edits import EditRefused, UnknownIdError
from gis.errors import CRSError, GisError, InvalidGeometryError, UnitsError
from layers.errors import (
    ConflictError,
    FeatureNotFoundError,
    InputFileError,
    LayerError,
    StoreError,
    UnknownLayerError,
    ValidationError,
)

log = logging.getLogger("gridpatrol.api")


class ApiError(Exception):
    """Base of the errors raised by the service layer itself; ``status`` is in the table."""

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.extra = extra


class NotAuthenticatedError(ApiError):
    """No token, a bad token or an expired one (401)."""


class ForbiddenError(ApiError):
    """The role may not use this endpoint at all (403)."""


class NotFoundError(ApiError, LookupError):
    """The object does not exist *or is outside the caller's scope* (404, never 403)."""


class PreconditionRequiredError(ApiError):
    """A commit came without ``If-Match`` (428)."""


class StaleVersionError(ApiError):
    """``If-Match`` names a version that is no longer current (412)."""


class RateLimitedError(ApiError):
    """Too many failed logins from this user and address (429)."""


class PayloadTooLargeError(ApiError):
    """The body is over the size limit (413)."""


class BadInputError(ApiError, ValueError):
    """A value the schema could not catch: bbox, geometry, coordinates, vertex count (422)."""


class CheckInRefusedError(ApiError):
    """The inspector is too far from the site to check in (422, with ``distance_m``)."""


#: THE table: the first class in an exception's MRO that appears here gives the status.
STATUS: dict[type[BaseException], int] = {
    NotAuthenticatedError: 401,
    ForbiddenError: 403,
    CaseRoleError: 403,
    CaseStateError: 409,
    NotFoundError: 404,
    UnknownLayerError: 404,
    FeatureNotFoundError: 404,
    UnknownIdError: 404,
    EditRefused: 422,
    StaleVersionError: 412,
    ConflictError: 412,
    PayloadTooLargeError: 413,
    ValidationError: 422,
    InvalidGeometryError: 422,
    CRSError: 422,
    UnitsError: 422,
    InputFileError: 422,
    BadInputError: 422,
    CheckInRefusedError: 422,
    PreconditionRequiredError: 428,
    RateLimitedError: 429,
    StoreError: 503,
    GisError: 422,
    LayerError: 422,
    ValueError: 422,
    LookupError: 404,
}


def status_for(exc: BaseException) -> int | None:
    """The HTTP status of *exc* from :data:`STATUS`, or ``None`` when it is not listed."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return None


class ErrorBody(BaseModel):
    """The JSON body of every error response."""

    detail: str
    status: int
    errors: list[Any] | None = None
    is_valid_reason: str | None = None
    distance_m: float | None = None
    max_distance_m: float | None = None


def error_response(status: int, detail: str, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    """A JSON error response with :class:`ErrorBody`'s shape (``no-store``)."""
    body = {"detail": detail, "status": status}
    body.update({k: v for k, v in extra.items() if v is not None})
    hdrs = {"Cache-Control": "no-store", **(headers or {})}
    if status == 401:
        hdrs.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=status, headers=hdrs)


#: Documented on every operation (so clients and schemathesis know the error shape).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (400, "the body cannot be decoded (not UTF-8 JSON)"),
        (401, "no token, or a bad or expired one"),
        (403, "the role may not use this endpoint"),
        (404, "unknown id, or outside the caller's scope"),
        (413, "body over the size limit"),
        (422, "invalid input: the detail says what and how to fix it"),
        (429, "too many attempts"),
        (503, "the store is unavailable"),
    )
}


def _answer(request: Request, status: int, detail: str, headers: dict[str, str] | None = None,
            **extra: Any) -> Response:
    """The JSON error body, or for a browser the app's error page (``app.state.html_error``,
    set by the composition root: :func:`api.page_http.error_page`)."""
    from api.negotiate import wants_html

    page = getattr(request.app.state, "html_error", None)
    if page is not None and wants_html(request):
        return page(request, status, detail, extra, headers)  # type: ignore[no-any-return]
    return error_response(status, detail, headers, **extra)


def _known_error(request: Request, exc: Exception) -> Response:
    status = status_for(exc)
    if status is None:  # not in the table: a bug, logged with its trace; no details leak
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _answer(request, 500, "internal error; the service log has the details")
    if status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc)
    extra = dict(getattr(exc, "extra", {}) or {})
    problems = getattr(exc, "problems", None)
    if problems:
        extra.setdefault("errors", list(problems)[:100])
    headers = extra.pop("headers", None)
    return _answer(request, status, str(exc) or type(exc).__name__, headers, **extra)


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5])
    return _answer(request, 422, f"invalid request: {where}", errors=errors)


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    return _answer(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))


def install(app: FastAPI) -> None:
    """Register the handlers: the table, request validation, HTTP errors, the last resort."""
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    for cls in (ApiError, *STATUS):  # handled in ExceptionMiddleware, never re-raised
        app.add_exception_handler(cls, _known_error)
    app.add_exception_handler(Exception, _known_error)  # the last resort: logged 500
