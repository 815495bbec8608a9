"""Completion webhooks: a real HTTP receiver on loopback gets a signed summary, retried until it answers 2xx;
URLs inside the private network are refused (SSRF)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from render_engine.farm.settings import ServiceSettings
from render_engine.farm.webhooks import WebhookRefused, check_url
from render_engine.farm.worker import Services, render_job

SECRET = "test-webhook-secret-0123456789"


class _Receiver(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    fail_first: ClassVar[int] = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((dict(self.headers), body))
        ok = len(type(self).calls) > type(self).fail_first
        self.send_response(200 if ok else 503)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def receiver() -> Iterator[str]:
    _Receiver.calls = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def _svc(tmp_path: Path, engine: Any, **kw: Any) -> Services:
    settings = ServiceSettings(storage_root=tmp_path / "s", api_keys="", webhook_secret=SECRET,
                               webhook_allow_private=True, webhook_backoff=0.05, **kw)
    return Services.build(settings, engine)


def _job(svc: Services, url: str, template: str = "coaster-95-round") -> str:
    req = {"design": {"version": 1, "template": template, "layers": []}, "outputs": {"formats": ["png"]},
           "webhook_url": url}
    rec, _ = svc.store.create(req, "standard", "t", "h", None)
    return rec.id


def test_ready_job_calls_its_webhook_with_a_valid_signature(tmp_path: Path, engine: Any, receiver: str) -> None:
    svc = _svc(tmp_path, engine)
    job_id = _job(svc, receiver)
    assert render_job(svc, job_id) == "ready"
    ((headers, body),) = _Receiver.calls
    payload = json.loads(body)
    assert payload["job_id"] == job_id and payload["state"] == "ready"
    assert {a["name"] for a in payload["artifacts"]} >= {"print.png", "preflight.json"}
    ts = headers["X-Render-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-Render-Signature"] == f"sha256={expected}"


def test_failed_job_is_reported_and_delivery_is_retried(tmp_path: Path, engine: Any, receiver: str) -> None:
    _Receiver.fail_first = 2  # the receiver answers 503 twice, then 200
    try:
        svc = _svc(tmp_path, engine)
        job_id = _job(svc, receiver, template="no-such-product")
        assert render_job(svc, job_id) == "failed"
    finally:
        _Receiver.fail_first = 0
    assert len(_Receiver.calls) == 3
    payload = json.loads(_Receiver.calls[-1][1])
    assert payload["state"] == "failed" and payload["error"]["code"] == "invalid_template"


@pytest.mark.parametrize("url", ["http://127.0.0.1/x", "http://10.1.2.3/x", "http://169.254.169.254/latest",
                                 "http://[::1]/x", "ftp://example.com/x", "http:///nohost"])
def test_private_and_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(WebhookRefused):
        check_url(url, allow_private=False)
