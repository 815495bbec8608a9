"""What many test files need, written once: the API keys tests use, an API client (over a fresh storage root,
or of any settings), the small coaster design, an uploaded asset's id, and a local webhook receiver.

    from tests.toolkit import STOREFRONT, S, api_client, app_client, coaster, run_cli, text_layer, upload_asset

Each helper runs the real thing (FastAPI's TestClient over ``create_app``, a real HTTP server on 127.0.0.1):
nothing here fakes a reader, a queue or a network.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]  # the repository
STOREFRONT = "storefront-key-for-tests-0001"
STOREFRONT_2 = "storefront-key-for-tests-0002"
PRINT_UNIT = "print-unit-key-for-tests-0001"
S = {"X-API-Key": STOREFRONT}  # a storefront's request headers
P = {"X-API-Key": PRINT_UNIT}  # a print unit's
SMALL_LIMITS = {"max_body_bytes": 5_000_000, "max_asset_bytes": 4_000_000}  # test-sized request limits


COASTER = "coaster-95-round"  # the small round product most API tests print on


def text_layer(text: str = "Hi", **kw: Any) -> dict[str, Any]:
    """A text layer in the coaster's middle (Noto Sans 20 pt, dark teal); ``kw`` overrides or adds members."""
    return {"type": "text", "text": text, "font": {"family": "noto-sans"}, "size": 20, "color": "#264653",
            "box": {"x": 10, "y": 30, "width": 75, "height": 30}, **kw}  # fmt: skip


def coaster(*layers: dict[str, Any]) -> dict[str, Any]:
    """A native v1 design on the 95 mm round coaster with ``layers``."""
    return {"version": 1, "template": COASTER, "layers": list(layers)}


@contextmanager
def app_client(settings: Any, engine: Any = None) -> Iterator[Any]:
    """A started TestClient of ``create_app(settings)`` (lifespan run: embedded workers, reconciler), with the
    tests' shared warm ``engine`` when given."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


@contextmanager
def api_client(
    root: Path, engine: Any, *, api_keys: str = f"storefront:{STOREFRONT}", **settings: Any
) -> Iterator[Any]:
    """A TestClient of the app over ``root`` (no Redis: the embedded render thread), with ``api_keys`` and
    any other :class:`~render_engine.farm.settings.ServiceSettings` field (``**SMALL_LIMITS``: test-sized
    request limits)."""
    from render_engine.farm.settings import ServiceSettings

    config = ServiceSettings(storage_root=root, redis_url=None, api_keys=api_keys, **settings)
    with app_client(config, engine) as c:
        yield c


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m render_engine.cli ARGS`` in a process of its own, as a user runs it (from the repository
    root unless ``cwd``; ``env`` on top of this one's), its output captured as text; 300 s at most."""
    return subprocess.run([sys.executable, "-m", "render_engine.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300, env={**os.environ, **(env or {})})  # fmt: skip


def upload_asset(client: Any, data: bytes | Path, headers: dict[str, str] | None = None) -> str:
    """``POST /v1/assets`` (a storefront's key by default); the asset id, or the test fails with the answer."""
    body = data.read_bytes() if isinstance(data, Path) else data
    r = client.post("/v1/assets", content=body, headers=headers or S)
    assert r.status_code == 201, r.text
    return str(r.json()["asset_id"])


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 recording every POST (headers, body) in ``calls``; it answers 204, or
    503 to the first ``fail_first`` calls. ``url`` is where to send them."""

    def __init__(self, path: str = "/hook", fail_first: int = 0) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            server_version: ClassVar[str] = "test-receiver"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                self.send_response(503 if len(receiver.calls) <= receiver.fail_first else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}{path}"

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def cmyk_layout(layout: Any) -> Any:
    """``layout`` on a CMYK (FOGRA39L) twin of its template, so a Fabric canvas's preview can be soft-proofed and
    its print file read back as CMYK."""
    import dataclasses

    t = layout.template
    out = t.output.model_copy(update={"color": "cmyk", "icc_profile": "fogra39l-coated"})
    return dataclasses.replace(layout, template=t.model_copy(update={"output": out}))


def write_pdfx(layout: Any, engine: Any, path: Path, name: str) -> Path:
    """``layout`` as a PDF/X print file at ``path`` (FOGRA39L output intent, fixed date), as a job writes it."""
    from render_engine.backends.pdf import PdfOptions, build_pdf, finish_pdfx, save_pdf

    profile = engine.icc.cmyk_profile("fogra39l-coated")
    pdf = build_pdf(layout, engine.icc.converter(profile.id), PdfOptions())
    finish_pdfx(pdf, profile, name, "2000-01-01T00:00:00Z", "test")
    save_pdf(pdf, path)
    return path
