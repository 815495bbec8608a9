"""One error shape for every failure: JSON ``{code, message, field}`` with the error's own HTTP status.

:class:`~render_engine.model.errors.RenderError` (and :class:`ApiError`, its API-only subclass) carry their
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

from render_engine.model.design import error_message, field_path
from render_engine.model.errors import RenderError

log = logging.getLogger(__name__)


class ApiError(RenderError):
    """An API-level error (auth, not found, conflict...) with an explicit status and code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.http_status = status
        self.code = code
        self.headers = headers
        self.extra = extra  # more members of the JSON body (e.g. the preflight report of a refused job)


class Unauthorized(ApiError):
    """401: no key, or an unknown one."""

    def __init__(self, message: str) -> None:
        super().__init__(401, "unauthorized", message)


class Forbidden(ApiError):
    """403: a valid key that may not do this."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(403, "forbidden", message, field=field)


class NotFound(ApiError):
    """404: no such thing (or not one this key may see)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(404, "not_found", message, field=field)


class NoSuchJob(NotFound):
    def __init__(self) -> None:
        super().__init__("no such job", field="job_id")


class NotReady(ApiError):
    """409 ``not_ready``: the job (or a file it should have) is not ready for this yet."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(409, "not_ready", message, field=field)


class NotRouted(ApiError):
    """409 ``not_routed``: the job has no print unit to act for."""

    def __init__(self) -> None:
        super().__init__(409, "not_routed", "the job is not routed to a print unit", field="job_id")


def storage_error(exc: OSError, what: str = "asset storage") -> ApiError:
    """Storage faults are the server's, not the client's: 507 when full, else 503; never a bare 500."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ApiError(507, "storage_full", f"{what} is full; retry later", headers={"Retry-After": "60"})
    return ApiError(503, "storage_unavailable", f"{what} is not writable; retry later", headers={"Retry-After": "60"})


class BodyTooLarge(StarletteHTTPException):
    """Raised while the body streams in; an HTTPException so FastAPI's body parsing re-raises it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the {limit} byte limit")


class BodyStalled(StarletteHTTPException):
    """No piece of the request body arrived for ``seconds``: the client stalled (408, never a hang)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body stalled: nothing arrived for {seconds:g} s (send the whole body)")


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
    body = {**(getattr(exc, "extra", None) or {}), **error_body(exc.code, exc.message, exc.field)}
    if exc.problems:  # several problems at once (a Fabric canvas): every one, each with its field
        body["problems"] = exc.to_dict()["problems"]
    return JSONResponse(body, status_code=exc.http_status, headers=headers)


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first: dict[str, Any] = dict(errors[0]) if errors else {}
    if first.get("type") == "json_invalid":
        return JSONResponse(error_body("invalid_json", _json_position(first, exc), None), status_code=422)
    ctype = request.headers.get("content-type", "")
    if any(tuple(e.get("loc", ())) == ("body",) for e in errors) and not is_json_media(ctype):
        # FastAPI reads a body of another media type as bytes, then says "not a dictionary": the real
        # problem is the header (a JSON body sent as text/plain or form data)
        message = f"the body must be JSON sent as Content-Type: application/json (got {_media(ctype)[:60] or 'none'!r})"
        return JSONResponse(error_body("unsupported_media_type", message, "Content-Type"), status_code=415)
    if any(tuple(e.get("loc", ())) == ("body",) and e.get("type") in ("model_attributes_type", "dict_type")
           for e in errors):  # fmt: skip
        # JSON, but an array, a string or null where the endpoint takes an object
        return JSONResponse(error_body("invalid_request", "the body must be a JSON object ({...})", "body"),
                            status_code=422)  # fmt: skip
    problems: dict[str | None, str] = {}  # every problem with its field (a union's alternatives: joined by "or")
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        where, message = field_path(loc) if loc else None, error_message(err)
        if where in problems and message not in problems[where]:  # {"asset_id": …} or a list of them
            problems[where] += " or " + message.removeprefix("Input should be ")
        else:
            problems.setdefault(where, message)
    (field, message), *more = problems.items() if problems else [(None, "invalid request")]
    body = error_body("invalid_request", message, field)
    if more:
        body["problems"] = [{"code": "invalid_request", "message": m, "field": f} for f, m in problems.items()]
    return JSONResponse(body, status_code=422)


def _media(ctype: str) -> str:
    return ctype.split(";")[0].strip().lower()


def is_json_media(ctype: str) -> bool:
    """``application/json`` or any ``+json`` type (what FastAPI parses as JSON), parameters ignored."""
    media = _media(ctype)
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _json_position(err: dict[str, Any], exc: RequestValidationError) -> str:
    """'not valid JSON at line 3 column 14 (Expecting ',' delimiter)': the decoder's reason and where, from the
    character offset FastAPI reports and the body it kept; never the body's text."""
    loc = tuple(err.get("loc", ()))
    reason = str((err.get("ctx") or {}).get("error", "")).split(":")[0]  # json's messages: "<reason>: line 1 ..."
    raw = getattr(exc, "body", None)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    where = ""
    if len(loc) > 1 and isinstance(loc[1], int):
        pos = loc[1]
        if isinstance(text, str) and 0 <= pos <= len(text):
            line, column = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
            where = f" at line {line} column {column}"
        else:
            where = f" at character {pos}"
    return f"not valid JSON{where}" + (f" ({reason})" if reason else "")


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "limit_exceeded", 401: "unauthorized",
        415: "unsupported_media_type", 408: "request_timeout",
    }  # fmt: skip
    code = codes.get(exc.status_code, f"http_{exc.status_code}")
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    # the body's own limits name it; a multipart form over its part/file limits names the form (starlette)
    named = isinstance(exc, BodyTooLarge | BodyStalled) or (exc.status_code == 400 and _multipart(request))
    field = "body" if named else None
    return JSONResponse(error_body(code, message, field), status_code=exc.status_code, headers=exc.headers)


def _multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/")


async def unhandled_error_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return JSONResponse(error_body("internal_error", f"internal error ({type(exc).__name__})"), status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RenderError, render_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unhandled_error_handler)
