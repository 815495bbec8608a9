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

from render_engine.farm.jobs import render_job
from render_engine.farm.services import Services
from render_engine.farm.settings import ServiceSettings
from render_engine.farm.webhooks import WebhookRefused, check_url

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


def test_localhost_names_are_refused_in_production_mode() -> None:
    with pytest.raises(WebhookRefused, match="private, loopback"):
        check_url("http://localhost:8080/hook", allow_private=False)


def test_delivery_connects_to_the_checked_address_with_one_resolution_and_no_proxy(
    tmp_path: Path, receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name resolves to the receiver once, then to somewhere else. The delivery reaches the
    receiver (the address it checked) with ``Host`` naming the URL's host, resolves once per attempt, and
    ignores ``HTTP_PROXY`` (a proxy on a closed port: urllib would have sent the body there and failed)."""
    import socket

    from render_engine.farm.webhooks import deliver

    port = int(receiver.rsplit(":", 1)[1].split("/")[0])
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host: Any, *a: Any, **k: Any) -> Any:
        if host == "hooks.example":
            lookups.append(host)
            target = "127.0.0.1" if len(lookups) == 1 else "10.9.9.9"  # the second answer points elsewhere
            return real(target, *a, **k)
        return real(host, *a, **k)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    settings = ServiceSettings(storage_root=tmp_path / "s", api_keys="", webhook_secret=SECRET,
                               webhook_allow_private=True, webhook_backoff=0.05, webhook_timeout=3)
    assert deliver(settings, f"http://hooks.example:{port}/hook?x=1", {"job_id": "j1", "state": "ready"})
    assert lookups == ["hooks.example"], lookups  # one resolution: the connection used its answer
    (headers, body), = _Receiver.calls
    assert headers["Host"] == f"hooks.example:{port}" and json.loads(body)["job_id"] == "j1"


def test_https_delivery_keeps_sni_and_verifies_the_hosts_certificate(tmp_path: Path) -> None:
    """TLS to the pinned address: SNI and the certificate check use the URL's host name, not the address."""
    import ssl
    import subprocess

    from render_engine.farm.webhooks import post_pinned

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=hooks.example", "-addext", "subjectAltName=DNS:hooks.example"],
        check=True, capture_output=True,
    )  # fmt: skip
    seen: list[str | None] = []
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    server_ctx.sni_callback = lambda sock, name, ctx: seen.append(name)  # type: ignore[assignment,misc,return-value]
    _Receiver.calls = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    server.socket = server_ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client_ctx = ssl.create_default_context(cafile=str(cert))
        url = f"https://hooks.example:{server.server_port}/hook"
        assert post_pinned(url, "127.0.0.1", b"{}", {"Content-Type": "application/json"}, 5, client_ctx) == 200
        assert seen == ["hooks.example"] and _Receiver.calls[0][0]["Host"] == f"hooks.example:{server.server_port}"
        with pytest.raises(ssl.SSLCertVerificationError):  # a certificate for another name is refused
            post_pinned(f"https://other.example:{server.server_port}/hook", "127.0.0.1", b"{}", {}, 5, client_ctx)
    finally:
        server.shutdown()
