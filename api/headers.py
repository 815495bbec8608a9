"""Response headers every answer carries: ``X-Content-Type-Options: nosniff`` (a browser never guesses a
type other than the one sent: an uploaded "image" is never run as HTML or script), and on anything a
browser could render as a document (HTML, SVG, XML) under ``/v1/`` (artifacts, previews, assets, errors) a
restrictive ``Content-Security-Policy`` with ``sandbox``: no script, no plugin, no request to anywhere, no
same-origin access — unless the route set its own policy. Pages outside ``/v1/`` (``/demo`` with its own
policy, FastAPI's ``/docs``) keep theirs; they are ours, not customer content."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCUMENT_CSP = b"default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
_DOCUMENT_TYPES = (b"text/html", b"image/svg", b"application/xml", b"text/xml", b"application/xhtml", b"text/xsl")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        customer = scope.get("path", "").startswith("/v1/")

        async def send_with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = [(k, v) for k, v in msg.get("headers", []) if k.lower() != b"x-content-type-options"]
                headers.append((b"x-content-type-options", b"nosniff"))
                ctype = next((v.lower() for k, v in headers if k.lower() == b"content-type"), b"")
                has_csp = any(k.lower() == b"content-security-policy" for k, _ in headers)
                if customer and not has_csp and ctype.startswith(_DOCUMENT_TYPES):
                    headers.append((b"content-security-policy", DOCUMENT_CSP))
                msg = {**msg, "headers": headers}
            await send(msg)

        await self.app(scope, receive, send_with_headers)
