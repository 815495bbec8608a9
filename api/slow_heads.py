"""The HTTP server's guard against slow request heads ("slowloris").

uvicorn times a connection out only between two requests (``timeout_keep_alive``, restarted by every byte),
and the app's ``body_idle_timeout`` starts with the body: a client that opened a connection and sent its
request line and headers a byte at a time held it for ever (measured: still open after 40 s and counting;
~20 000 such connections, the process's file limit, and the server accepts no one). :class:`HeadTimeoutH11`
gives each request head at most ``head_timeout`` seconds in total, however the bytes trickle in — counted
from the connection's start for its first request, from the first byte of each later one (an idle keep-alive
connection is uvicorn's, closed silently after ``timeout_keep_alive``, so a request sent just then never
reads a 408 meant for idleness); then the client gets a JSON ``408 request_timeout`` (field ``headers``)
and the connection is closed. Bodies stay the app's business (:mod:`api.limits`). ``render-engine serve``
runs uvicorn with it (:func:`protocol`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class HeadTimeoutH11(H11Protocol):
    head_timeout: float = 15.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_task: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_task = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        task = getattr(self, "_head_task", None)
        if task is not None:
            task.cancel()
            self._head_task = None

    def data_received(self, data: bytes) -> None:
        if self._head_task is None and self.conn.their_state is h11.IDLE:  # the next request's first bytes
            self._arm()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the head is complete (its body, if any, is the app's)
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _head_timed_out(self) -> None:
        self._head_task = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        message = f"the request line and headers did not arrive within {self.head_timeout:g} s"
        body = json.dumps({"code": "request_timeout", "message": message, "field": "headers"}).encode()
        head = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
                b"x-content-type-options: nosniff\r\ncontent-length: %d\r\n\r\n" % len(body))  # fmt: skip
        self.transport.write(head + body)
        self.transport.close()


def protocol(head_timeout: float) -> Any:
    """The protocol class ``uvicorn.run(http=...)`` takes, with this head bound."""
    return type("HeadTimeoutH11", (HeadTimeoutH11,), {"head_timeout": head_timeout})
