"""Completion webhooks: when a job becomes ``ready`` or ``failed``, POST a signed JSON summary to the URL
the storefront gave with the job.

* Signature: ``X-Render-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` with the configured
  ``webhook_secret``, and ``X-Render-Timestamp`` (seconds), so a receiver can reject forgeries and replays.
* Delivery: up to ``webhook_attempts`` tries with exponential backoff, each with a short timeout; a 2xx ends
  it. Failures are logged; they never change the job's state (the print files are ready regardless).
* SSRF: the URL's host is resolved and refused when any address is loopback, private, link-local, multicast
  or reserved (unless ``webhook_allow_private`` — for tests and closed networks); redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from .settings import ServiceSettings

log = logging.getLogger(__name__)


class WebhookRefused(ValueError):
    """The URL may not be called (scheme, host, or an address inside the private network)."""


def check_url(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("webhook_url must be an http(s) URL with a host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        raise WebhookRefused("webhook_url host does not resolve") from None
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if not addr.is_global:
            raise WebhookRefused("webhook_url resolves to a private, loopback or reserved address")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer, not an instruction: it could point inside the network


def deliver(settings: ServiceSettings, url: str, payload: dict[str, Any]) -> bool:
    """POST ``payload`` to ``url`` with retries; True when the receiver answered 2xx."""
    if not settings.webhook_secret:
        log.warning("webhook skipped: no webhook_secret configured", extra={"job_id": payload.get("job_id")})
        return False
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    delay = settings.webhook_backoff
    for attempt in range(1, settings.webhook_attempts + 1):
        try:
            check_url(url, settings.webhook_allow_private)  # again: DNS may have changed since the job came in
            ts = int(time.time())
            req = urllib.request.Request(url, data=body, method="POST")
            req.add_header("Content-Type", "application/json")
            req.add_header("X-Render-Timestamp", str(ts))
            req.add_header("X-Render-Signature", sign(settings.webhook_secret, ts, body))
            with opener.open(req, timeout=settings.webhook_timeout) as resp:
                if 200 <= resp.status < 300:
                    return True
                status: object = resp.status
        except WebhookRefused as exc:
            log.warning("webhook refused: %s", exc, extra={"job_id": payload.get("job_id")})
            return False
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError) as exc:
            status = type(exc).__name__
        log.info("webhook attempt %d failed (%s)", attempt, status, extra={"job_id": payload.get("job_id")})
        if attempt < settings.webhook_attempts:
            time.sleep(delay)
            delay *= 2
    return False
