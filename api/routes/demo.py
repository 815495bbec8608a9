"""``/demo``: the storefront reference page (static files in ``api/demo/``, docs/demo.md).

The page is an ordinary API client: it calls ``/v1`` with a **demo key** that has the ``storefront`` scope
only, handed to it in a ``<meta name="render-engine-key">`` tag. The key is ``RENDER_ENGINE_DEMO_KEY`` when
set; otherwise, when no API keys are configured at all (a newcomer's ``render-engine serve``), a random key
made per process. With API keys configured and no demo key, ``/demo`` answers 404 with a page saying so and
how to turn it on (:func:`build_disabled_router`). Anyone who can open the page
can read the key, so it grants nothing a storefront key does not, and the API's auth and limits apply as usual.
"""

from __future__ import annotations

import html
import logging
import secrets
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from render_engine.farm.settings import ApiKey, ServiceSettings

from ..errors import NotFound

log = logging.getLogger(__name__)

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
DEMO_KEY_NAME = "demo"
KEY_PLACEHOLDER = "__RENDER_ENGINE_DEMO_KEY__"

# The page loads only its own files and talks only to this origin; previews and downloads are blob: URLs.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
        "connect-src 'self' blob:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
ASSETS = {"demo.js": "text/javascript; charset=utf-8", "demo.css": "text/css; charset=utf-8"}


def demo_api_key(settings: ServiceSettings) -> ApiKey | None:
    """The storefront-only key the page uses, or None when the demo is off (keys configured, no demo key)."""
    if settings.demo_key:
        key = settings.demo_key
    elif not settings.keys():
        key = secrets.token_urlsafe(24)
        log.warning("no API keys configured: /demo uses a random storefront-only demo key for this process")
    else:
        return None
    return ApiKey(DEMO_KEY_NAME, key, frozenset({"storefront"}))


def build_router(key: ApiKey) -> APIRouter:
    """Routes for the page and its two static files; the key is injected into the HTML once, escaped."""
    router = APIRouter(tags=["demo"], include_in_schema=False)
    page = (DEMO_DIR / "index.html").read_text("utf-8").replace(KEY_PLACEHOLDER, html.escape(key.key, quote=True))
    files = {name: (DEMO_DIR / name).read_bytes() for name in ASSETS}

    @router.get("/demo", response_class=HTMLResponse)
    def demo_page() -> HTMLResponse:
        return HTMLResponse(page, headers={**HEADERS, "Cache-Control": "no-store"})

    @router.get("/demo/{name}")
    def demo_file(name: str) -> Response:
        if name not in files:
            raise NotFound("no such file", field="name")
        return Response(files[name], media_type=ASSETS[name], headers={**HEADERS, "Cache-Control": "no-cache"})

    return router


DISABLED = (
    "The /demo page is off on this server: API keys are configured (RENDER_ENGINE_API_KEYS) and no demo key is.\n"
    "The page embeds a storefront key that anyone who opens it can read, so it never reuses a configured key.\n"
    "To turn it on, set RENDER_ENGINE_DEMO_KEY to a separate key of 16+ characters (storefront scope only) and\n"
    "restart - on a private machine only. See docs/demo.md.\n"
)


def build_disabled_router() -> APIRouter:
    """``/demo`` when the demo is off: 404 with the reason and the setting that turns it on."""
    router = APIRouter(tags=["demo"], include_in_schema=False)

    @router.get("/demo")
    def demo_off() -> PlainTextResponse:
        return PlainTextResponse(DISABLED, status_code=404, headers={"X-Content-Type-Options": "nosniff"})

    return router
