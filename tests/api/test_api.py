"""The HTTP API through FastAPI's TestClient, embedded mode (in-process render thread, no Redis).

The RQ path is exercised end to end in tests/farm/test_worker.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.farm.settings import ServiceSettings, parse_api_keys
from tests import toolkit
from tests.toolkit import PRINT_UNIT, STOREFRONT, app_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

ROOT = Path(__file__).resolve().parents[2]
SF, PU = STOREFRONT, PRINT_UNIT
S = {"X-API-Key": SF}
P = {"X-API-Key": PU}
PHOTO = (ROOT / "examples/assets/landscape.jpg").read_bytes()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    settings = ServiceSettings(
        storage_root=tmp_path_factory.mktemp("api"),
        redis_url=None,
        api_keys=f"storefront:{SF},print-unit:{PU}",
        max_body_bytes=5_000_000,
        max_asset_bytes=4_000_000,
        max_design_bytes=200_000,
    )
    with app_client(settings, engine) as c:
        yield c


@pytest.fixture(scope="module")
def asset_id(client: Any) -> str:
    r = client.post("/v1/assets", content=PHOTO, headers=S)
    assert r.status_code == 201, r.text
    return str(r.json()["asset_id"])


def coaster(text: str = "Hi") -> dict[str, Any]:
    """The toolkit's coaster: an orange background and ``text`` centred, bold."""
    return toolkit.coaster({"type": "background", "color": "#f4a261"},
                           toolkit.text_layer(text, font={"family": "noto-sans", "weight": 700}, align="center"))


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
    assert {"code", "message", "field"} <= set(r.json()) <= {"code", "message", "field", "problems"}
    assert "ud800" not in r.text and "udfff" not in r.text and "NaN" not in r.text


def test_idempotency_replay_and_conflict(client: Any) -> None:
    body = {"design": coaster("Idem"), "outputs": {"formats": ["png"]}}
    h = {**S, "Idempotency-Key": "order-42"}
    first = client.post("/v1/jobs", json=body, headers=h)
    assert first.status_code == 202
    again = client.post("/v1/jobs", json=body, headers=h)
    assert again.status_code == 200 and again.json()["job_id"] == first.json()["job_id"]
    other = client.post("/v1/jobs", json={**body, "priority": "express"}, headers=h)
    assert other.status_code == 409 and other.json() == {
        "code": "idempotency_conflict",
        "message": "Idempotency-Key used with a different body",
        "field": "Idempotency-Key",
    }
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
    past = client.get(png["url"], headers={**P, "Range": f"bytes={png['bytes']}-"})  # JSON like every error
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{png['bytes']}"
    assert past.json()["code"] == "range_not_satisfiable" and past.json()["field"] == "Range"
    assert client.get(png["url"], headers={**P, "If-None-Match": f'"{png["sha256"]}"'}).status_code == 304
    assert client.get(f"/v1/jobs/{jid}/files/../jobs.sqlite3", headers=P).status_code == 404
    assert client.get(f"/v1/jobs/{jid}/files/print.tiff", headers=P).status_code == 404

    queue = client.get("/v1/print-queue", headers=P).json()["jobs"]
    ids = [j["id"] for j in queue]
    assert jid in ids and jid2 in ids
    order = [(j["priority"] != "express", j["finished_at"]) for j in queue]
    assert order == sorted(order)  # express first, then oldest first (no due dates here)
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
    assert ready.status_code == 200 and ready.json()["checks"] == {"queue": True, "storage": True, "job_store": True}
    m = client.get("/metrics")
    assert m.status_code == 200 and "render_http_requests_total" in m.text and 'render_jobs{state="ready"}' in m.text
    assert client.get("/v1/nope").json()["code"] == "not_found"


def test_committed_openapi_matches_app(client: Any) -> None:
    committed = json.loads((ROOT / "docs/openapi.json").read_text(encoding="utf-8"))
    assert committed == client.app.openapi(), "regenerate with: python -m api.openapi > docs/openapi.json"


def test_webhook_urls_need_a_secret_and_a_public_host(client: Any) -> None:
    r = client.post("/v1/jobs", json={"design": coaster(), "webhook_url": "https://shop.example/hook"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "webhook_url"  # this app has no webhook secret


# --- proof images, JSON previews, the render cache ---------------------------------------------------------


def test_preflight_proof_is_the_workers_proof_png(client: Any) -> None:
    """?proof=true: the report plus a cache URL of the proof, made by the same function as a job's proof.png
    (so the bytes are identical), served with an ETag to storefront keys only; a repeat is a cache hit."""
    design = coaster("Proof")
    jid = client.post("/v1/jobs", json={"design": design, "outputs": {"formats": ["png"]}}, headers=S).json()["job_id"]
    r = client.post("/v1/preflight", params={"proof": "true"}, json={"design": design}, headers=S)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["template"] == "coaster-95-round" and "findings" in body
    proof = body["proof"]
    assert proof["content_type"] == "image/png" and proof["url"] == f"/v1/previews/{proof['url'][13:]}"
    assert (proof["width"], proof["height"]) == (398, 398)  # bleed box 101 mm at 100 dpi
    img = client.get(proof["url"], headers=S)
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    assert hashlib.sha256(img.content).hexdigest() == proof["sha256"] and len(img.content) == proof["bytes"]
    assert img.headers["etag"] == f'"{proof["sha256"]}"'
    assert client.get(proof["url"], headers={**S, "If-None-Match": img.headers["etag"]}).status_code == 304
    assert client.get(proof["url"], headers=P).status_code == 403
    job = wait_ready(client, jid)
    assert job["state"] == "ready", job
    worker_proof = next(a for a in job["artifacts"] if a["name"] == "proof.png")
    assert worker_proof["sha256"] == proof["sha256"]  # one proof function, deterministic bytes

    renders = _step_count(client, "preflight", "proof")
    again = client.post("/v1/preflight", params={"proof": "true"}, json={"design": design}, headers=S).json()
    assert again == body and _step_count(client, "preflight", "proof") == renders  # served from the cache


def _step_count(client: Any, pipeline: str, step: str, text: str | None = None) -> int:
    """The histogram's count in ``text`` (one /metrics answer), else in a fresh /metrics answer."""
    text = client.get("/metrics").text if text is None else text
    line = f'render_step_duration_seconds_count{{pipeline="{pipeline}",step="{step}"}} '
    return next((int(x[len(line):]) for x in text.splitlines() if x.startswith(line)), 0)


def test_preview_json_variant_points_at_the_cached_image(client: Any) -> None:
    req = {"design": coaster("Json"), "width": 300}
    js = client.post("/v1/previews", json=req, headers={**S, "Accept": "application/json"})
    if js.status_code == 501:
        pytest.skip("mockups not available: " + js.json()["message"])
    assert js.status_code == 200 and js.headers["content-type"] == "application/json", js.text
    out = js.json()
    assert set(out) == {"preflight", "image", "source"} and out["source"] is None
    assert set(out["preflight"]) == {"ok", "counts", "codes", "text_hash"} and out["preflight"]["ok"] is True
    image = out["image"]
    assert image["url"].endswith(".jpg") and image["content_type"] == "image/jpeg" and image["width"] == 300
    got = client.get(image["url"], headers=S)
    assert got.status_code == 200 and got.content.startswith(b"\xff\xd8")
    assert hashlib.sha256(got.content).hexdigest() == image["sha256"] and got.headers["etag"] == f'"{image["sha256"]}"'
    # the image variant of the same request is the same cache entry
    raw = client.post("/v1/previews", json=req, headers={**S, "Accept": "image/jpeg"})
    assert raw.content == got.content and raw.headers["content-location"] == image["url"]
    assert json.loads(raw.headers["x-preflight"]) == out["preflight"] and raw.headers["etag"] == got.headers["etag"]
    # ?format= picks the image format of the JSON variant; q-values are honoured
    png = client.post("/v1/previews", params={"format": "png"}, json=req,
                      headers={**S, "Accept": "image/jpeg;q=0.5, application/json"}).json()
    assert png["image"]["url"].endswith(".png") and png["image"]["content_type"] == "image/png"
    assert client.get(png["image"]["url"], headers=S).content.startswith(b"\x89PNG")
    assert client.post("/v1/previews", json=req, headers={**S, "Accept": "application/json;q=0.1, image/webp"}
                       ).headers["content-type"] == "image/webp"
    # unknown, malformed or traversing names are a 404 naming the field, never a file outside the cache
    for name in ("f" * 64 + ".png", "..%2Fjobs.sqlite3", "x.png", image["url"].rsplit("/", 1)[1] + ".json"):
        r = client.get(f"/v1/previews/{name}", headers=S)
        assert r.status_code == 404 and r.json()["field"] in ("name", None), (name, r.text)
    bad = client.post("/v1/previews", params={"format": "gif"}, json=req, headers=S)
    assert bad.status_code == 422 and bad.json()["field"] == "format"


def test_render_cache_prunes_least_recently_used(tmp_path: Path) -> None:
    from api.render_cache import RenderCache

    cache = RenderCache(tmp_path, max_entries=3)
    entries = [cache.put_bytes(f"{n:064x}", "png", b"\x89PNG" + bytes([n]), {"content_type": "image/png"})
               for n in range(5)]
    time.sleep(0.01)
    assert cache.lookup(entries[0].name) is not None  # used: younger than 1 and 2 now
    time.sleep(0.01)
    for e in entries[3:]:
        cache.lookup(e.name)
    assert cache.prune() == 2
    kept = (entries[0], *entries[3:])
    names = [e.name for e in kept]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names + [f"{n}.json" for n in names])
    assert cache.lookup(entries[1].name) is None and cache.lookup(entries[2].name) is None
    assert all(e.meta["sha256"] == hashlib.sha256(e.path.read_bytes()).hexdigest() for e in kept)


def test_render_cache_never_serves_an_entry_a_crash_cut_short(tmp_path: Path) -> None:
    """Entries are not fsynced (they can be rendered again): an image whose data did not reach the disk
    (empty or short after a crash) is a miss, never served."""
    from api.render_cache import RenderCache

    cache = RenderCache(tmp_path)
    whole = cache.put_bytes("a" * 64, "jpg", b"\xff\xd8" + b"x" * 1000, {"content_type": "image/jpeg"})
    assert cache.read(whole) is not None and whole.meta["bytes"] == 1002
    whole.path.write_bytes(b"")  # what a power cut after the rename may leave
    assert cache.lookup(whole.name) is None and cache.read(whole) is None
    whole.path.write_bytes(b"\xff\xd8" + b"x" * 500)
    assert cache.lookup(whole.name) is None


# --- print-queue filters ---------------------------------------------------------------------------------


def test_print_queue_filters_by_output_profile_and_print_unit(client: Any) -> None:
    dtg = {"version": 1, "template": "tshirt-front-dtg", "layers": [
        {"type": "text", "text": "DTG", "font": {"family": "noto-sans"}, "size": 40, "color": "#222222",
         "box": {"x": 20, "y": 20, "width": 200, "height": 40}}]}
    a = client.post("/v1/jobs", json={"design": coaster("UnitA"), "print_unit": "unit-a"}, headers=S).json()["job_id"]
    b = client.post("/v1/jobs", json={"design": dtg, "outputs": {"formats": ["png"], "dpi": 30},
                                      "print_unit": "unit-b"}, headers=S).json()["job_id"]
    ja, jb = wait_ready(client, a), wait_ready(client, b)
    assert ja["state"] == jb["state"] == "ready", (ja, jb)
    assert (ja["output_profile"], ja["print_unit"]) == ("fogra39l-coated", "unit-a")
    assert (jb["output_profile"], jb["print_unit"]) == ("srgb", "unit-b")

    def ids(**params: str) -> list[str]:
        r = client.get("/v1/print-queue", params=params, headers=P)
        assert r.status_code == 200, r.text
        return [j["id"] for j in r.json()["jobs"]]

    assert ids(output_profile="srgb") == [b]
    assert a in ids(output_profile="fogra39l-coated") and b not in ids(output_profile="fogra39l-coated")
    assert ids(print_unit="unit-a") == [a] and ids(print_unit="unit-b", output_profile="srgb") == [b]
    assert ids(print_unit="unit-a", output_profile="srgb") == [] and ids(print_unit="unit-z") == []
    assert {a, b} <= set(ids())  # no filter: every ready job, routed or not
    for param in ("output_profile", "print_unit"):
        r = client.get("/v1/print-queue", params={param: "../x"}, headers=P)
        assert r.status_code == 422 and r.json()["field"] == param
    r = client.post("/v1/jobs", json={"design": coaster(), "print_unit": "no spaces"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "print_unit"
    for jid in (a, b):  # leave the queue as the other tests expect it
        client.post(f"/v1/jobs/{jid}/ack", headers=P)


def test_idempotency_hash_ignores_new_optional_fields(client: Any) -> None:
    """A body without dialect/print_unit hashes as it did before those fields existed (a retry across the
    upgrade is still a replay); sending the default explicitly is the same body."""
    from api.door import request_for_hash
    from api.schemas import JobRequest

    plain = JobRequest(design=coaster())
    assert request_for_hash(plain) == {"design": coaster(), "outputs": plain.outputs.model_dump(mode="json"),
                                       "priority": "standard", "webhook_url": None}
    assert request_for_hash(JobRequest(design=coaster(), dialect="native")) == request_for_hash(plain)
    h = {**S, "Idempotency-Key": "order-dialect"}
    first = client.post("/v1/jobs", json={"design": coaster("D")}, headers=h).json()["job_id"]
    again = client.post("/v1/jobs", json={"design": coaster("D"), "dialect": "native"}, headers=h)
    assert again.status_code == 200 and again.json()["job_id"] == first
    other = client.post("/v1/jobs", json={"design": coaster("D"), "print_unit": "unit-a"}, headers=h)
    assert other.status_code == 409


# --- /metrics: render step durations --------------------------------------------------------------------


def test_metrics_render_steps_of_previews_preflights_and_embedded_jobs(client: Any) -> None:
    client.post("/v1/preflight", json={"design": coaster("Steps")}, headers=S)
    r = client.post("/v1/previews", json={"design": coaster("Steps"), "width": 200}, headers=S)
    jid = client.post("/v1/jobs", json={"design": coaster("Steps"), "outputs": {"formats": ["pdf", "png"]}},
                      headers=S).json()["job_id"]
    assert wait_ready(client, jid)["state"] == "ready"
    deadline = time.monotonic() + 5  # the worker reports its steps right after marking the job ready
    while _step_count(client, "job_review", "proof") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    text = client.get("/metrics").text
    assert "# TYPE render_step_duration_seconds histogram" in text
    expected = [("preflight", s) for s in ("parse", "resolve", "layout", "preflight")]
    expected += [("job_pdf", s) for s in ("draw", "write")]
    expected += [("job_prepare", s) for s in ("resolve", "layout")]  # once per job, for all its artifacts
    expected += [("job_png", s) for s in ("draw", "write")]
    expected += [("job_review", s) for s in ("preflight", "proof")]
    if r.status_code == 200:
        expected += [("preview", s) for s in ("parse", "resolve", "layout", "scene", "draw", "warp", "encode")]
    for pipeline, step in expected:
        assert _step_count(client, pipeline, step) >= 1, (pipeline, step)
    lab = 'pipeline="job_png",step="draw"'
    buckets = [ln for ln in text.splitlines() if ln.startswith(f"render_step_duration_seconds_bucket{{{lab}")]
    counts = [int(ln.rsplit(" ", 1)[1]) for ln in buckets]
    # the same answer: other tests' jobs (this client is shared by the module) may add steps meanwhile
    assert counts == sorted(counts) and buckets[-1].endswith(f' {_step_count(client, "job_png", "draw", text)}')


# --- Fabric.js canvas JSON -------------------------------------------------------------------------------


TINY_PHOTO = [{"code": "image.resolution_too_low", "reason": "test: a 40x30 px photo keeps renders fast"}]


def _png_data_url(w: int = 40, h: int = 30) -> str:
    import base64

    import pyvips

    img = pyvips.Image.black(w, h, bands=3).draw_rect([200, 40, 40], 0, 0, w // 2, h, fill=True)
    return "data:image/png;base64," + base64.b64encode(img.pngsave_buffer()).decode()


def fabric_coaster(*objects: dict[str, Any]) -> dict[str, Any]:
    """The docs/fabric.md wrapper: a 400 x 400 px editor canvas on the coaster's trim box."""
    return {"canvas": {"width": 400, "height": 400}, "canvas_covers": "trim", "template": "coaster-95-round",
            "fabric": {"version": "6.9.1", "background": "#f4a261", "objects": list(objects)}}


def fabric_text(text: str = "Hi", **kw: Any) -> dict[str, Any]:
    return {"type": "Textbox", "text": text, "left": 80, "top": 150, "width": 240, "fontSize": 40,
            "fontFamily": "Noto Sans", "textAlign": "center", "fill": "#264653", **kw}


def fabric_image(src: str, **kw: Any) -> dict[str, Any]:
    return {"type": "Image", "src": src, "left": 120, "top": 60, "width": 40, "height": 30, "scaleX": 4,
            "scaleY": 2, **kw}


def _stored_files(root: Path, sub: str) -> set[str]:
    return {str(p.relative_to(root)) for p in (root / sub).rglob("*") if p.is_file()}


def test_fabric_preflight_preview_and_job(client: Any, asset_id: str) -> None:
    root = Path(client.app.state.render.services.settings.storage_root)
    data_url = _png_data_url()
    doc = fabric_coaster(fabric_image(data_url), fabric_image(f"asset:{asset_id}", top=260, scaleY=1),
                         fabric_text("Fabric"))
    before_tmp = _stored_files(root, "tmp")
    r = client.post("/v1/preflight", json={"design": doc, "dialect": "fabric"}, headers=S)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["template"] == "coaster-95-round"
    assert [t["text"] for t in report["texts"]] == ["Fabric"]
    src = report["source"]
    assert src["dialect"] == "fabric" and src["notes"] == []
    assert src["layer_sources"] == ["fabric.background", "fabric.objects[0]", "fabric.objects[1]",
                                    "fabric.objects[2]"]
    # the data URL became a content-addressed asset; nothing stays in tmp or in the shared base folder
    import base64

    png = base64.b64decode(data_url.split(",", 1)[1])
    assert (root / "assets" / hashlib.sha256(png).hexdigest()[:2] / hashlib.sha256(png).hexdigest()).is_file()
    assert _stored_files(root, "tmp") == before_tmp
    assert not any((root / "empty").iterdir())

    pv = client.post("/v1/previews", json={"design": doc, "dialect": "fabric", "width": 200},
                     headers={**S, "Accept": "application/json"})
    if pv.status_code != 501:
        assert pv.status_code == 200, pv.text
        assert pv.json()["source"]["layer_sources"] == src["layer_sources"]

    body = {"design": doc, "dialect": "fabric", "outputs": {"formats": ["png"], "dpi": 100}, "accept": TINY_PHOTO}
    h = {**S, "Idempotency-Key": "fabric-1"}
    created = client.post("/v1/jobs", json=body, headers=h)
    assert created.status_code == 202, created.text
    assert client.post("/v1/jobs", json=body, headers=h).json()["job_id"] == created.json()["job_id"]
    job = wait_ready(client, created.json()["job_id"])
    assert job["state"] == "ready", job
    assert job["template"] == "coaster-95-round" and job["source"]["layer_sources"] == src["layer_sources"]
    rec = client.app.state.render.services.store.get(job["id"])
    assert "data:" not in json.dumps(rec.request)  # the stored design is native, images by asset_id
    assert [la.get("asset_id") for la in rec.request["design"]["layers"] if la["type"] == "image"] == [
        hashlib.sha256(png).hexdigest(), asset_id]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        # an unsupported Fabric property names the object
        ({"dialect": "fabric", "design": fabric_coaster(fabric_text(globalCompositeOperation="plus-darker"))},
         422, "invalid_design", "design.fabric.objects[0].globalCompositeOperation"),
        # asset:<id> must be in this API's asset store
        ({"dialect": "fabric", "design": fabric_coaster(fabric_image("asset:" + "e" * 64))},
         422, "invalid_asset", "design.fabric.objects[0].src"),
        ({"dialect": "fabric", "design": fabric_coaster(fabric_image("asset:../../jobs.sqlite3"))},
         422, "invalid_design", "design.fabric.objects[0]"),
        # data URLs: not base64, not an image, a truncated PNG; URLs are never fetched
        ({"dialect": "fabric", "design": fabric_coaster(fabric_image("data:image/png;base64,!!!"))},
         422, "invalid_design", "design.fabric.objects[0].src"),
        ({"dialect": "fabric", "design": fabric_coaster(fabric_image("data:image/png;base64,aGVsbG8="))},
         422, "invalid_design", "design.fabric.objects[0].src"),
        ({"dialect": "fabric", "design": fabric_coaster(fabric_image(
            "data:image/bmp;base64,Qk0eAAAAAAAAABoAAAAMAAAAAQABAAEAGAAAAP8A", width=1, height=1))},
         422, "invalid_asset|invalid_design", "design.fabric.objects[0].src"),  # BMP: not an upload format
        ({"dialect": "fabric", "design": fabric_coaster(fabric_image("http://169.254.169.254/x.png"))},
         422, "invalid_design", "design.fabric.objects[0].src"),
        # canvas, template, fonts
        ({"dialect": "fabric", "design": {**fabric_coaster(), "canvas": {"width": 400, "height": 100}}},
         422, "invalid_design", "design.canvas"),
        ({"dialect": "fabric", "design": {**fabric_coaster(), "template": "nope"}},
         422, "invalid_template", "design.template"),
        ({"dialect": "fabric", "design": fabric_coaster(fabric_text(fontFamily="Comic Sans MS"))},
         422, "font_error", "design.fabric.objects[0].fontFamily"),
        ({"dialect": "fabric", "design": fabric_coaster(fabric_text()), "fabric_options": {"font_fallback": "nope"}},
         422, "font_error", "fabric_options.font_fallback"),
        ({"dialect": "fabric", "design": fabric_coaster(fabric_text()), "fabric_options": {"other": 1}},
         422, "invalid_request", "fabric_options.other"),
        ({"dialect": "fabric", "design": {"version": 1, "template": "coaster-95-round", "layers": []}},
         422, "invalid_design", "design.canvas"),
        # dialect mix-ups
        ({"design": fabric_coaster(fabric_text())}, 422, "invalid_design", "dialect"),
        ({"design": coaster(), "fabric_options": {"font_fallback": "noto-sans"}},
         422, "invalid_design", "fabric_options"),
        ({"design": coaster(), "dialect": "svg"}, 422, "invalid_request", "dialect"),
        # a font coverage error (the importer's or the layout's after translation) names the Fabric object
        ({"dialect": "fabric", "design": fabric_coaster(fabric_text("\U00013000" * 3))},
         422, "font_error", "design.fabric.objects[0]"),
        ({"dialect": "fabric", "design": fabric_coaster(fabric_text(), fabric_text("\U00013000" * 3))},
         422, "font_error", "design.fabric.objects[1]"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/preflight", "/v1/jobs"])
def test_fabric_errors_are_4xx_naming_the_field(
    client: Any, path: str, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    r = client.post(path, json=body, headers=S)
    assert r.status_code == status and set(r.json()) == {"code", "message", "field"}, r.text
    got = r.json()
    assert got["code"] in code.split("|") and (got["field"] == field or got["field"].startswith(field + ".")), got


def test_fabric_canvas_without_template_is_checked_at_its_own_size(client: Any) -> None:
    """No template: the canvas as it is (template canvas-<w>x<h>), as the CLI and the Python API render it."""
    doc = {"version": "7.4.0", "width": 400, "height": 300, "background": "#ffffff",
           "objects": [fabric_text("Hello", originX="left", originY="top")]}
    r = client.post("/v1/preflight", json={"design": doc, "dialect": "fabric"}, headers=S)
    assert r.status_code == 200, r.text
    assert r.json()["template"] == "canvas-400x300"
    mm = 25.4 / 96
    assert r.json()["trim"] == {"x": 0.0, "y": 0.0, "width": round(400 * mm, 3), "height": round(300 * mm, 3)}


def test_fabric_problems_all_in_one_422_or_approximated_as_warnings(client: Any) -> None:
    doc = fabric_coaster(fabric_text(globalCompositeOperation="plus-darker", direction="sideways"), {"type": "Sprite"})
    r = client.post("/v1/preflight", json={"design": doc, "dialect": "fabric"}, headers=S)
    assert r.status_code == 422, r.text
    fields = {p["field"] for p in r.json()["problems"]}
    assert fields == {"design.fabric.objects[0].globalCompositeOperation", "design.fabric.objects[0].direction",
                      "design.fabric.objects[1].type"}, r.json()
    body = {"design": doc, "dialect": "fabric", "fabric_options": {"unsupported": "approximate"}}
    r = client.post("/v1/preflight", json=body, headers=S)
    assert r.status_code == 200, r.text
    warned = [f["extra"]["field"] for f in r.json()["findings"] if f["code"] == "fabric.approximated"]
    assert set(warned) == fields and all(
        f["severity"] == "warning" for f in r.json()["findings"] if f["code"] == "fabric.approximated")
    assert {a["field"] for a in r.json()["source"]["approximations"]} == fields


def test_errors_after_translation_name_the_fabric_object() -> None:
    from api.intake import Source, source_field

    src = Source("fabric", (), ("fabric.background", "fabric.objects[0].objects[1]"))
    assert source_field("layers[1].box.width", src) == "design.fabric.objects[0].objects[1]"
    assert source_field("layers[7]", src) == "design.layers[7]"  # out of range: left as it is
    assert source_field("template", src) == "design.template" and source_field(None, src) == "design"
    assert source_field("layers[1].font", None) == "design.layers[1].font"


def test_fabric_font_fallback_is_reported(client: Any) -> None:
    body = {"dialect": "fabric", "design": fabric_coaster(fabric_text(fontFamily="Comic Sans MS")),
            "fabric_options": {"font_fallback": "noto-sans"}}
    r = client.post("/v1/preflight", json=body, headers=S)
    assert r.status_code == 200, r.text
    (note,) = r.json()["source"]["notes"]
    assert note.startswith("fabric.objects[0].fontFamily (Textbox): ") and "noto-sans" in note  # its object named


# --- the RQ farm: real Redis, a real worker process ------------------------------------------------------


@pytest.mark.parametrize("fork", [True, False], ids=["forked-horse", "no-fork"])
def test_rq_worker_renders_fabric_job_records_filters_and_logs_steps(tmp_path: Path, fork: bool) -> None:
    """With REDIS_URL the API only enqueues: a real ``render-engine worker --burst`` process renders a Fabric
    job (its data-URL image reached the worker through the asset store), the print queue filters on what the
    API recorded, and the worker's step timings are in its log and, through Redis, in the API's /metrics.
    By default the job renders in a forked work horse; with ``--no-fork`` in the worker process itself."""
    import os
    import subprocess
    import sys

    from tests.redis_support import delete_keys, new_prefix, redis_server

    with redis_server() as url:
        prefix = new_prefix()
        root = tmp_path / "storage"
        settings = ServiceSettings(storage_root=root, redis_url=url, queue_prefix=prefix,
                                   api_keys=f"storefront:{SF},print-unit:{PU}")
        try:
            with app_client(settings) as c:
                doc = fabric_coaster(fabric_image(_png_data_url()), fabric_text("Farm"))
                body = {"design": doc, "dialect": "fabric", "outputs": {"formats": ["png"], "dpi": 100},
                        "print_unit": "unit-rq", "accept": TINY_PHOTO}
                r = c.post("/v1/jobs", json=body, headers=S)
                assert r.status_code == 202, r.text
                jid = r.json()["job_id"]
                env = {**os.environ, "REDIS_URL": url, "RENDER_ENGINE_STORAGE_ROOT": str(root),
                       "RENDER_ENGINE_QUEUE_PREFIX": prefix, "PYTHONPATH": str(ROOT)}
                log = tmp_path / "worker.log"
                with open(log, "wb") as err:
                    proc = subprocess.Popen(
                        [sys.executable, "-m", "render_engine.cli", "worker", "--burst", "--name", "w1",
                         "--log-level", "INFO", *([] if fork else ["--no-fork"])],
                        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
                    )
                    returncode = proc.wait(timeout=180)
                text = log.read_text(encoding="utf-8", errors="replace")
                assert returncode == 0, text[-3000:]
                pids = {int(p) for p in re.findall(r"render steps job_\w+ .* pid=(\d+)", text)}
                assert len(pids) == 1, text[-3000:]
                assert (pids != {proc.pid}) == fork, (pids, proc.pid)  # a horse of its own, or the worker itself
                job = c.get(f"/v1/jobs/{jid}", headers=P).json()
                assert job["state"] == "ready", (job, text[-3000:])
                assert job["print_unit"] == "unit-rq" and job["output_profile"] == "fogra39l-coated"
                assert job["source"]["layer_sources"][1] == "fabric.objects[0]"
                q = c.get("/v1/print-queue", params={"print_unit": "unit-rq", "output_profile": "fogra39l-coated"},
                          headers=P).json()["jobs"]
                assert [j["id"] for j in q] == [jid]
                assert c.get("/v1/print-queue", params={"output_profile": "srgb"}, headers=P).json()["jobs"] == []
                png = next(a for a in job["artifacts"] if a["name"] == "print.png")
                assert hashlib.sha256(c.get(png["url"], headers=P).content).hexdigest() == png["sha256"]
                assert "render steps job_prepare resolve=" in text, text[-3000:]
                for pipeline in ("job_png", "job_review"):
                    assert f"render steps {pipeline} " in text, text[-3000:]
                assert "write=" in text and "proof=" in text
                # rendered in another process: its step timings reach this API's /metrics through Redis
                metrics = c.get("/metrics").text
                for pipeline, step in (("job_prepare", "layout"), ("job_png", "draw"), ("job_review", "proof")):
                    assert f'render_step_duration_seconds_count{{pipeline="{pipeline}",step="{step}"}} 1' in metrics
                assert 'render_step_duration_seconds_bucket{pipeline="job_png",step="write",le="+Inf"} 1' in metrics
        finally:
            delete_keys(url, prefix)
