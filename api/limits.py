"""Request body limits as pure ASGI middleware: size (``Content-Length`` is checked up front and the
streamed bytes are counted: a chunked upload cannot slip past by not declaring its length), no
``Content-Encoding`` (415), JSON nesting depth, and strict JSON (:mod:`render_engine.model.json_input`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from render_engine.model.json_input import JsonRefused, check_json, nesting_exceeds

from .errors import BodyStalled, BodyTooLarge, error_body


class BodyLimitMiddleware:
    """Body size limits, and an idle bound while the body streams in: a client that stops sending (a chunked
    body cut off, a ``Content-Length`` larger than what it sends) gets ``408`` after ``idle_timeout`` seconds
    without a piece instead of holding the request open forever. Once the body is complete, ``receive`` is
    passed through unbounded (a long download listens on it for the client's disconnect)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int], idle_timeout: float = 15.0) -> None:
        self.app = app
        self.limit_for = limit_for
        self.idle_timeout = idle_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        for name, value in scope.get("headers", ()):
            if name == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
                # compressed bodies are refused, not inflated: a few KB of gzip can inflate past every byte
                # limit (a bomb), and bodies are small JSON or already-compressed images anyway
                await _send_json(send, 415, error_body(
                    "unsupported_content_encoding",
                    "Content-Encoding is not accepted: send the body uncompressed (identity)",
                    "Content-Encoding",
                ))  # fmt: skip
                return
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    await self._reject(send, limit, 413 if declared > 0 else 400)
                    return
        seen = 0
        complete = False

        async def counted() -> Message:
            nonlocal seen, complete
            if complete:
                return await receive()
            try:
                msg = await asyncio.wait_for(receive(), self.idle_timeout)
            except TimeoutError:
                raise BodyStalled(self.idle_timeout) from None
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
                complete = not msg.get("more_body", False)
            else:
                complete = True
            return msg

        await self.app(scope, counted, send)

    async def _reject(self, send: Send, limit: int, status: int) -> None:
        body = (
            error_body("limit_exceeded", f"request body over the {limit} byte limit", "body")
            if status == 413
            else error_body("bad_request", "invalid Content-Length", "Content-Length")
        )
        await _send_json(send, status, body)


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the JSON body ``raw`` nests deeper than ``limit`` (:func:`~render_engine.model.json_input.
    nesting_exceeds`: linear, no parsing)."""
    return nesting_exceeds(raw, limit)


class JsonDepthMiddleware:
    """Refuse JSON bodies nested deeper than ``max_depth`` with ``413`` before anything parses them.

    Sits inside :class:`BodyLimitMiddleware`, so the body it buffers is already bounded in size.
    """

    def __init__(self, app: ASGIApp, max_depth: int) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        ctype = next((v for k, v in scope.get("headers", ()) if k == b"content-type"), b"")
        if b"json" not in ctype.lower():
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        try:
            while True:
                msg = await receive()
                if msg["type"] != "http.request":  # client went away
                    await self.app(scope, _replay([msg], receive), send)
                    return
                chunks.append(msg.get("body", b""))
                if not msg.get("more_body", False):
                    break
        except BodyTooLarge as exc:  # raised by the size limit around us while we read
            await _send_json(send, 413, error_body("limit_exceeded", str(exc.detail), "body"))
            return
        except BodyStalled as exc:  # the client stopped sending
            await _send_json(send, 408, error_body("request_timeout", str(exc.detail), "body"))
            return
        body = b"".join(chunks)
        # off the event loop: a 2 MB body costs up to ~0.5 s of parsing (more under load), which would stall
        # every other request, health checks included, if it ran here
        refusal = await anyio.to_thread.run_sync(self._refusal, body)
        if refusal is not None:
            await _send_json(send, *refusal)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)

    def _refusal(self, body: bytes) -> tuple[int, dict[str, object]] | None:
        """(status, error body) when ``body`` is not UTF-8, too deep or not strict JSON, else None (bytes
        that are not text are refused as such first: a font or an image sent as JSON is not "nested too deep")."""
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            try:
                check_json(body)  # the typed not-UTF-8 error with its position (a BOM'd UTF-8 body passes)
            except JsonRefused as exc:
                return exc.http_status, error_body(exc.code, exc.message, "body")
        if json_depth_exceeds(body, self.max_depth):
            return 413, error_body("limit_exceeded", f"JSON nested deeper than {self.max_depth} levels", "body")
        try:
            check_json(body)  # strict JSON, typed errors with the position (render_engine/model/json_input.py)
        except JsonRefused as exc:
            return exc.http_status, error_body(exc.code, exc.message, "body")
        return None


async def _send_json(send: Send, status: int, body: dict[str, object]) -> None:
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": raw})


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """The buffered body first, then the real channel (a disconnect arrives as usual)."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
