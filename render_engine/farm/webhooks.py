"""Completion webhooks: when a job becomes ``ready`` or ``failed``, POST a signed JSON summary to the URL
the storefront gave with the job.

* Signature: ``X-Render-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` with the configured
  ``webhook_secret``, and ``X-Render-Timestamp`` (seconds), so a receiver can reject forgeries and replays.
* Delivery: up to ``webhook_attempts`` tries with exponential backoff, each with a short timeout; a 2xx ends
  it. Failures are logged; they never change the job's state (the print files are ready regardless).
* SSRF: the URL's host is resolved and refused when any address is loopback, private, link-local, multicast
  or reserved (unless ``webhook_allow_private`` — for tests and closed networks); redirects are not followed.
  The delivery connects to exactly the address that was checked (``http.client`` with a pinned address:
  ``Host`` and TLS SNI / certificate name stay the URL's host), so DNS rebinding between the check and the
  connection is impossible, and no ``HTTP(S)_PROXY`` from the environment is used.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from ..model.errors import RenderError
from .settings import ServiceSettings

log = logging.getLogger(__name__)


class WebhookRefused(RenderError, ValueError):
    """The URL may not be called (scheme, host, or an address inside the private network)."""

    code = "invalid_request"
    http_status = 422


def check_url(url: str, allow_private: bool) -> str:
    """Refuse what may not be called; returns the one address the delivery connects to (the first the host
    resolves to, all of which were checked). Called again before every attempt: DNS may have changed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("webhook_url must be an http(s) URL with a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookRefused("webhook_url has an invalid port") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise WebhookRefused("webhook_url host does not resolve") from None
    if not infos:
        raise WebhookRefused("webhook_url host does not resolve")
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not allow_private and not addr.is_global:
            raise WebhookRefused("webhook_url resolves to a private, loopback or reserved address")
    return str(infos[0][4][0])


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to ``address`` (checked), never resolving ``host`` again; ``Host`` is still the URL's host.
    No proxy: nothing here reads ``HTTP(S)_PROXY`` (urllib's opener did, sending the body to whatever the
    environment named)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked ``address`` with SNI and certificate verification for the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address
        self.tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def post_pinned(
    url: str, address: str, body: bytes, headers: dict[str, str], timeout: float, context: ssl.SSLContext | None = None
) -> int:
    """POST ``body`` to ``url`` over a connection to ``address``; the response status (redirects are answers,
    never followed)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = _PinnedHTTPS(host, parts.port or 443, address, timeout, context or ssl.create_default_context())
    else:
        conn = _PinnedHTTP(host, parts.port or 80, address, timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read(65536)  # a little of the answer, never all of it
        return resp.status
    finally:
        conn.close()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def deliver(settings: ServiceSettings, url: str, payload: dict[str, Any]) -> bool:
    """POST ``payload`` to ``url`` with retries; True when the receiver answered 2xx."""
    if not settings.webhook_secret:
        log.warning("webhook skipped: no webhook_secret configured", extra={"job_id": payload.get("job_id")})
        return False
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    delay = settings.webhook_backoff
    for attempt in range(1, settings.webhook_attempts + 1):
        status: object
        try:
            # again before every attempt (DNS may have changed since the job came in), and the connection goes
            # to exactly the address checked: no second resolution, so no rebinding window between the two
            address = check_url(url, settings.webhook_allow_private)
            ts = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "X-Render-Timestamp": str(ts),
                "X-Render-Signature": sign(settings.webhook_secret, ts, body),
            }
            status = post_pinned(url, address, body, headers, settings.webhook_timeout)
            if 200 <= int(status) < 300:
                return True
        except WebhookRefused as exc:
            log.warning("webhook refused: %s", exc, extra={"job_id": payload.get("job_id")})
            return False
        except (OSError, ValueError, http.client.HTTPException) as exc:
            status = type(exc).__name__
        log.info("webhook attempt %d failed (%s)", attempt, status, extra={"job_id": payload.get("job_id")})
        if attempt < settings.webhook_attempts:
            time.sleep(delay)
            delay *= 2
    return False
