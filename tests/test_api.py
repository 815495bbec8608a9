"""The HTTP API through FastAPI's TestClient, embedded mode (in-process render thread, no Redis).

The RQ path is exercised end to end in tests/test_worker.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.jobs.settings import ServiceSettings, parse_api_keys

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

ROOT = Path(__file__).resolve().parent.parent
SF, PU = "storefront-key-for-tests-0001", "print-unit-key-for-tests-0001"
S = {"X-API-Key": SF}
P = {"X-API-Key": PU}
PHOTO = (ROOT / "examples/assets/landscape.jpg").read_bytes()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app

    settings = ServiceSettings(
        storage_root=tmp_path_factory.mktemp("api"),
        redis_url=None,
        api_keys=f"storefront:{SF},print-unit:{PU}",
        max_body_bytes=5_000_000,
        max_asset_bytes=4_000_000,
        max_design_bytes=200_000,
    )
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


@pytest.fixture(scope="module")
def asset_id(client: Any) -> str:
    r = client.post("/v1/assets", content=PHOTO, headers=S)
    assert r.status_code == 201, r.text
    return str(r.json()["asset_id"])


def coaster(text: str = "Hi") -> dict[str, Any]:
    return {
        "version": 1,
        "template": "coaster-95-round",
        "layers": [
            {"type": "background", "color": "#f4a261"},
            {"type": "text", "text": text, "font": {"family": "noto-sans", "weight": 700}, "size": 20,
             "color": "#264653", "box": {"x": 10, "y": 30, "width": 75, "height": 30}, "align": "center"},
        ],
    }


def wait_ready(client: Any, job_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=S).json()
        if job["state"] in ("ready", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


# --- auth ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("post", "/v1/jobs", {}, 401),
        ("post", "/v1/jobs", {"X-API-Key": "not-a-configured-key-0000"}, 401),
        ("post", "/v1/jobs", P, 403),
        ("post", "/v1/assets", P, 403),
        ("get", "/v1/templates", P, 403),
        ("get", "/v1/print-queue", S, 403),
        ("get", "/v1/print-queue", {}, 401),
        ("post", "/v1/jobs/0123456789abcdef0123456789abcdef/ack", S, 403),
        ("get", "/v1/jobs/0123456789abcdef0123456789abcdef/files/print.pdf", S, 403),
    ],
)
def test_scopes(client: Any, method: str, path: str, headers: dict[str, str], status: int) -> None:
    r = getattr(client, method)(path, headers=headers, **({"json": {"design": coaster()}} if method == "post" else {}))
    assert r.status_code == status
    body = r.json()
    assert set(body) == {"code", "message", "field"}
    assert body["code"] == ("unauthorized" if status == 401 else "forbidden")


def test_api_keys_parse_and_refuse_weak_or_unknown() -> None:
    keys = parse_api_keys(f"storefront:{SF}, print-unit:{PU}")
    assert [sorted(k.scopes) for k in keys] == [["storefront"], ["print-unit"]]
    js = parse_api_keys(json.dumps([{"name": "both", "key": SF, "scopes": ["storefront", "print-unit"]}]))
    assert js[0].scopes == {"storefront", "print-unit"}
    for bad in ("storefront:short", "admin:" + SF, "nocolon"):
        with pytest.raises(ValueError):
            parse_api_keys(bad)


# --- assets ----------------------------------------------------------------------------------------------


def test_asset_upload_raw_and_multipart_same_id(client: Any, asset_id: str) -> None:
    assert asset_id == hashlib.sha256(PHOTO).hexdigest()
    r = client.post("/v1/assets", files={"file": ("whatever.txt", io.BytesIO(PHOTO), "text/plain")}, headers=S)
    assert r.status_code == 201 and r.json()["asset_id"] == asset_id
    assert r.json()["format"] == "jpeg" and r.json()["width"] == 3600


def test_asset_sniffed_not_trusted(client: Any) -> None:
    r = client.post("/v1/assets", content=b"GIF89a" + b"\0" * 100, headers={**S, "Content-Type": "image/jpeg"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_asset"
    truncated = PHOTO[: len(PHOTO) // 2]
    r = client.post("/v1/assets", content=truncated, headers=S)
    assert r.status_code == 422 and "truncated" in r.json()["message"]


def test_oversized_bodies_are_413(client: Any) -> None:
    r = client.post("/v1/assets", content=b"\xff\xd8\xff" + b"\0" * 4_500_000, headers=S)  # asset limit
    assert r.status_code == 413 and r.json()["code"] == "limit_exceeded"
    r = client.post("/v1/assets", content=b"\0" * 5_100_000, headers=S)  # Content-Length over body limit
    assert r.status_code == 413 and r.json()["code"] == "limit_exceeded"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the streamed bytes are counted
        for _ in range(30):
            yield b" " * 10_000

    r = client.post("/v1/jobs", content=chunks(), headers={**S, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "limit_exceeded"


# --- jobs ------------------------------------------------------------------------------------------------


def test_bad_design_is_422_with_field_path(client: Any) -> None:
    d = coaster()
    d["layers"][1]["box"]["width"] = -5
    r = client.post("/v1/jobs", json={"design": d}, headers=S)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_design" and r.json()["field"] == "design.layers[1].box.width"
    d = coaster()
    d["layers"].append({"type": "image", "asset_id": "f" * 64, "box": {"x": 0, "y": 0, "width": 1, "height": 1}})
    r = client.post("/v1/jobs", json={"design": d}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "design.layers[2].asset_id"
    r = client.post("/v1/jobs", json={"design": coaster(), "outputs": {"formats": ["tiff"]}}, headers=S)
    assert r.status_code == 422 and r.json()["field"].startswith("outputs.formats")


@pytest.mark.parametrize(
    "raw",
    [
        '{"design": {"version": 1, "template": "\\ud800", "layers": []}}',
        '{"design": {"version": 1, "template": "coaster-95-round", "layers": [{"type": "text", "text": "\\udfff"}]}}',
        '{"design": {"version": NaN, "template": "x", "layers": []}}',
        '{"design": {"version": 1, "template": "coaster-95-round", "layers": []}, "outputs": {"dpi": NaN}}',
        '{"design": {"version": 1, "template": "coaster-95-round", "layers": []}, "\\ud800": 1}',
        '{"design": ',
        "[]",
    ],
)
def test_hostile_json_is_422_never_500_never_echoed(client: Any, raw: str) -> None:
    r = client.post("/v1/jobs", content=raw.encode(), headers={**S, "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert set(r.json()) == {"code", "message", "field"}
    assert "ud800" not in r.text and "udfff" not in r.text and "NaN" not in r.text


def test_idempotency_replay_and_conflict(client: Any) -> None:
    body = {"design": coaster("Idem"), "outputs": {"formats": ["png"]}}
    h = {**S, "Idempotency-Key": "order-42"}
    first = client.post("/v1/jobs", json=body, headers=h)
    assert first.status_code == 202
    again = client.post("/v1/jobs", json=body, headers=h)
    assert again.status_code == 200 and again.json()["job_id"] == first.json()["job_id"]
    other = client.post("/v1/jobs", json={**body, "priority": "express"}, headers=h)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    fresh = client.post("/v1/jobs", json=body, headers={**S, "Idempotency-Key": "order-43"})
    assert fresh.status_code == 202 and fresh.json()["job_id"] != first.json()["job_id"]


def test_job_download_range_print_queue_and_ack(client: Any, asset_id: str) -> None:
    d = coaster("Queue")
    d["layers"].insert(1, {"type": "image", "asset_id": asset_id,
                           "box": {"x": 20, "y": 10, "width": 55, "height": 30}, "fit": "cover"})
    jid = client.post("/v1/jobs", json={"design": d, "outputs": {"formats": ["pdf", "png"]}}, headers=S).json()[
        "job_id"]
    jid2 = client.post("/v1/jobs", json={"design": coaster("Second"), "priority": "express"}, headers=S).json()[
        "job_id"]
    job = wait_ready(client, jid)
    assert job["state"] == "ready", job
    assert wait_ready(client, jid2)["state"] == "ready"
    names = [a["name"] for a in job["artifacts"]]
    assert names == ["print.pdf", "print.png", "preflight.json", "proof.png"]
    pf = next(a for a in job["artifacts"] if a["name"] == "preflight.json")
    report = client.get(pf["url"], headers=P).json()  # the checks the order passed, stored with it
    assert report["template"] == "coaster-95-round" and report["ok"] is True
    assert [t["text"] for t in report["texts"]] == ["Queue"]
    png = next(a for a in job["artifacts"] if a["name"] == "print.png")

    full = client.get(png["url"], headers=P)
    assert full.status_code == 200 and hashlib.sha256(full.content).hexdigest() == png["sha256"]
    assert full.headers["etag"] == f'"{png["sha256"]}"' and int(full.headers["content-length"]) == png["bytes"]
    part = client.get(png["url"], headers={**P, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == full.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{png['bytes']}"
    assert client.get(png["url"], headers={**P, "If-None-Match": f'"{png["sha256"]}"'}).status_code == 304
    assert client.get(f"/v1/jobs/{jid}/files/../jobs.sqlite3", headers=P).status_code == 404
    assert client.get(f"/v1/jobs/{jid}/files/print.tiff", headers=P).status_code == 404

    queue = client.get("/v1/print-queue", headers=P).json()["jobs"]
    ids = [j["id"] for j in queue]
    assert jid in ids and jid2 in ids
    assert [j["finished_at"] for j in queue] == sorted(j["finished_at"] for j in queue)  # oldest first
    page1 = client.get("/v1/print-queue", params={"limit": 1}, headers=P).json()
    page2 = client.get("/v1/print-queue", params={"limit": 1, "cursor": page1["next_cursor"]}, headers=P).json()
    assert page1["jobs"][0]["id"] == ids[0] and page2["jobs"][0]["id"] == ids[1]
    assert client.get("/v1/print-queue", params={"template": "mug-11oz"}, headers=P).json()["jobs"] == []

    a1 = client.post(f"/v1/jobs/{jid}/ack", headers=P)
    a2 = client.post(f"/v1/jobs/{jid}/ack", headers=P)
    assert a1.status_code == a2.status_code == 200 and a1.json()["acked_at"] == a2.json()["acked_at"]
    assert jid not in [j["id"] for j in client.get("/v1/print-queue", headers=P).json()["jobs"]]
    assert client.post("/v1/jobs/ffffffffffffffffffffffffffffffff/ack", headers=P).status_code == 404


# --- catalog, previews, preflight, ops -------------------------------------------------------------------


def test_catalog(client: Any) -> None:
    ts = client.get("/v1/templates", headers=S).json()["templates"]
    assert "mug-11oz" in {t["id"] for t in ts}
    assert client.get("/v1/templates/mug-11oz", headers=S).json()["id"] == "mug-11oz"
    assert client.get("/v1/templates/nope", headers=S).status_code == 404
    assert any(f["id"] == "noto-sans" for f in client.get("/v1/fonts", headers=S).json()["fonts"])


def test_preflight_and_preview(client: Any) -> None:
    r = client.post("/v1/preflight", json={"design": coaster()}, headers=S)
    assert r.status_code == 200 and r.json()["template"] == "coaster-95-round" and "findings" in r.json()
    r = client.post("/v1/previews", json={"design": coaster(), "width": 300}, headers={**S, "Accept": "image/png"})
    if r.status_code == 501:
        pytest.skip("mockups not available: " + r.json()["message"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png" and r.content.startswith(b"\x89PNG")
    assert "ok" in json.loads(r.headers["x-preflight"])
    again = client.post("/v1/previews", json={"design": coaster(), "width": 300}, headers={**S, "Accept": "image/png"})
    assert again.headers["etag"] == r.headers["etag"] and again.content == r.content


def test_ops_endpoints(client: Any) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"queue": True, "storage": True}
    m = client.get("/metrics")
    assert m.status_code == 200 and "render_http_requests_total" in m.text and 'render_jobs{state="ready"}' in m.text
    assert client.get("/v1/nope").json()["code"] == "not_found"


def test_committed_openapi_matches_app(client: Any) -> None:
    committed = json.loads((ROOT / "docs/openapi.json").read_text(encoding="utf-8"))
    assert committed == client.app.openapi(), "regenerate with: python -m api.openapi > docs/openapi.json"


def test_webhook_urls_need_a_secret_and_a_public_host(client: Any) -> None:
    r = client.post("/v1/jobs", json={"design": coaster(), "webhook_url": "https://shop.example/hook"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "webhook_url"  # this app has no webhook secret
