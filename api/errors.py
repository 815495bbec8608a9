"""One error shape for every failure: JSON ``{code, message, field}`` with the error's own HTTP status.

:class:`~render_engine.errors.RenderError` (and :class:`ApiError`, its API-only subclass) carry their
code, status and field path; one handler reads those attributes. Validation errors name the field and
never echo the raw input (a lone surrogate or NaN in a body must stay a 422, not become a 500).
"""

from __future__ import annotations

import errno
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from render_engine.design import _field_path, _message
from render_engine.errors import RenderError

log = logging.getLogger(__name__)


class ApiError(RenderError):
    """An API-level error (auth, not found, conflict...) with an explicit status and code."""

    def __init__(
        self, status: int, code: str, message: str, *, field: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.http_status = status
        self.code = code
        self.headers = headers


def storage_error(exc: OSError, what: str = "asset storage") -> ApiError:
    """Storage faults are the server's, not the client's: 507 when full, else 503; never a bare 500."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ApiError(507, "storage_full", f"{what} is full; retry later", headers={"Retry-After": "60"})
    return ApiError(503, "storage_unavailable", f"{what} is not writable; retry later", headers={"Retry-After": "60"})


class BodyTooLarge(StarletteHTTPException):
    """Raised while the body streams in; an HTTPException so FastAPI's body parsing re-raises it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the {limit} byte limit")


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"description": d, "content": {"application/json": {"example": error_body(c, d)}}}
    for s, c, d in (
        (401, "unauthorized", "missing or unknown API key"),
        (403, "forbidden", "the API key lacks the scope"),
        (413, "limit_exceeded", "body or asset over a limit"),
        (422, "invalid_design", "invalid request or design, with the field path"),
    )
}


async def render_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RenderError)
    if exc.http_status >= 500:
        log.error("server error %s: %s", exc.code, exc.message, extra={"path": request.url.path})
    headers = getattr(exc, "headers", None)
    body = error_body(exc.code, exc.message, exc.field)
    if exc.problems:  # several problems at once (a Fabric canvas): every one, each with its field
        body["problems"] = exc.to_dict()["problems"]
    return JSONResponse(body, status_code=exc.http_status, headers=headers)


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first: dict[str, Any] = dict(errors[0]) if errors else {}
    loc = tuple(first.get("loc", ()))
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    code = "invalid_json" if first.get("type") == "json_invalid" else "invalid_request"
    field = _field_path(loc) if loc else None
    return JSONResponse(error_body(code, _message(first) + more, field), status_code=422)


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "limit_exceeded", 401: "unauthorized"}
    code = codes.get(exc.status_code, f"http_{exc.status_code}")
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def unhandled_error_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return JSONResponse(error_body("internal_error", f"internal error ({type(exc).__name__})"), status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RenderError, render_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unhandled_error_handler)
