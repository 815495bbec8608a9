"""Serving a stored artifact with ``Range`` support, wherever the storage keeps it.

A local file goes out through Starlette's ``FileResponse`` (sendfile, single and multiple ranges). An object
in S3-compatible storage is streamed from the store in 1 MiB chunks; one ``bytes=`` range gets a ``206``
(fetched from the store as that range only), an unsatisfiable one (here or on the local disk) a ``416`` with
the JSON error body every other error has (:class:`Unsatisfiable`, code ``range_not_satisfiable``), and a
header this does not serve (several ranges, another unit, malformed, or an ``If-Range`` that no longer
matches) the whole file, which RFC 9110 allows a server to do with any ``Range``. Chunks are read in a
worker thread (Starlette runs a plain iterator in its thread pool).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable

from render_engine.farm.storage import StoredFile

from .errors import ApiError

ONE_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class Unsatisfiable(ApiError):
    """416 ``range_not_satisfiable`` (field ``Range``): the one range asked for starts past the end of the file;
    ``Content-Range: bytes */<size>`` says how long it is (RFC 9110 15.5.17)."""

    def __init__(self, size: int) -> None:
        super().__init__(
            416,
            "range_not_satisfiable",
            f"the range starts past the end of the file ({size} bytes)",
            field="Range",
            headers={"Content-Range": f"bytes */{size}"},
        )


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``Range`` -> ``(start, end)`` with ``end`` exclusive; ``None``: serve the whole file.

    Raises :class:`Unsatisfiable` when the one range asked for starts past the end.
    """
    m = ONE_RANGE.match(header or "")
    if m is None:
        return None
    first, last = m.group(1), m.group(2)
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        n = int(last)
        if n == 0:
            raise Unsatisfiable(size)
        return max(size - n, 0), size
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if last and int(last) < start:
        return None  # invalid: ignored
    if start >= size:
        raise Unsatisfiable(size)
    return start, end


def local_file_response(
    request: Request, path: str | Path, size: int, *, refused: Callable[[], Any] | None = None, **kwargs: Any
) -> FileResponse:
    """Starlette's ``FileResponse`` for a file on this disk, with the ``Range`` header checked first by the
    same parser: Starlette answers a malformed one (``bytes=5-1``, ``bytes=abc``, ``items=0-1``) with a
    plain-text 400 and an unsatisfiable one among several with a bare 416, and runs no background task then
    (a batch zip's temp file stayed on disk). A malformed header is ignored (the whole file, as RFC 9110
    allows); an unsatisfiable one is the JSON 416, after ``refused()`` (the caller's clean-up)."""
    header = request.headers.get("range")
    if header is not None:
        try:
            FileResponse._parse_range_header(header, size)
        except MalformedRangeHeader:
            request.scope["headers"] = [(k, v) for k, v in request.scope["headers"] if k.lower() != b"range"]
        except RangeNotSatisfiable:
            if request.headers.get("if-range") is None:
                if refused is not None:
                    refused()
                raise Unsatisfiable(size) from None
            request.scope["headers"] = [(k, v) for k, v in request.scope["headers"] if k.lower() != b"range"]
    return FileResponse(path, **kwargs)


def stored_file_response(
    request: Request, stored: StoredFile, *, media_type: str, filename: str, headers: dict[str, str]
) -> Response:
    if stored.path is not None:
        if request.headers.get("if-range") is None:  # Starlette serves the ranges; an unsatisfiable one is ours
            parse_range(request.headers.get("range"), stored.size)
        return local_file_response(request, stored.path, stored.size, media_type=media_type, filename=filename,
                                   headers=headers)  # fmt: skip
    headers = {**headers, "Accept-Ranges": "bytes", "Content-Disposition": f'attachment; filename="{filename}"'}
    if_range = request.headers.get("if-range")
    wanted = request.headers.get("range") if if_range is None or if_range == headers.get("ETag") else None
    span = parse_range(wanted, stored.size)  # Unsatisfiable: the JSON 416 (api/errors.py's handler)
    if span is None:
        headers["Content-Length"] = str(stored.size)
        return StreamingResponse(stored.iter_range(0, stored.size), media_type=media_type, headers=headers)
    start, end = span
    headers["Content-Range"] = f"bytes {start}-{end - 1}/{stored.size}"
    headers["Content-Length"] = str(end - start)
    return StreamingResponse(stored.iter_range(start, end), status_code=206, media_type=media_type, headers=headers)
