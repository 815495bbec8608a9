"""A batch's outputs as one download, its completion webhook and its retention (#19), through FastAPI's
TestClient with the embedded render thread: ``GET /v1/batches/{id}/files.zip`` read back with ``zipfile`` (every
ready row's files, byte-identical to the per-job downloads by SHA-256, a manifest, the same bytes twice); the
batch's ``webhook_url`` called once, signed, when the last row is final; a batch record deleted with its last
job by retention."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.test_batches_api import logo_png
from tests.toolkit import PRINT_UNIT, STOREFRONT, STOREFRONT_2, S, WebhookReceiver, api_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

SF, SF2, PU = STOREFRONT, STOREFRONT_2, PRINT_UNIT
SECRET = "batch-webhook-secret-0123456789"


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver("/batch-done") as r:
        yield r


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    with api_client(
        tmp_path_factory.mktemp("batchfiles"), engine, retention_days=30, max_asset_bytes=4_000_000,
        api_keys=f"storefront:{SF},storefront:{SF2},print-unit:{PU}",
        webhook_secret=SECRET, webhook_allow_private=True, webhook_backoff=0.05,
    ) as c:  # fmt: skip
        yield c


@pytest.fixture(scope="module")
def done(client: Any, receiver: WebhookReceiver) -> dict[str, Any]:
    """A 3-row batch (one row skipped as invalid) with a webhook, rendered."""
    r = client.post("/v1/assets", content=logo_png(), headers=S)
    logo = r.json()["asset_id"]
    body = {"design_template": "corporate-logo-name", "product": "card-5x7", "values": {"company": "Acme Tiles"},
            "photos": {"logo": {"asset_id": logo}}, "outputs": {"formats": ["png", "pdf"], "proof": False},
            "rows": [{"name": "Asha Rao"}, {"name": "x" * 40}, {"name": "Mei Lin", "title": "Designer"},
                     {"name": "Omar Haddad"}],
            "skip_invalid": True, "webhook_url": receiver.url}  # fmt: skip
    r = client.post("/v1/batches", json=body, headers=S)
    assert r.status_code == 202, r.text
    batch_id = r.json()["batch_id"]
    deadline = time.monotonic() + 180
    while True:
        out: dict[str, Any] = client.get(f"/v1/batches/{batch_id}", headers=S).json()
        if out["state"] not in ("rendering", "held") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    while not receiver.calls and time.monotonic() < deadline:
        time.sleep(0.05)
    return out


def test_the_zip_holds_every_rows_files_and_a_manifest(client: Any, done: dict[str, Any]) -> None:
    assert done["state"] == "ready" and done["files_url"] == f"/v1/batches/{done['id']}/files.zip"
    r = client.get(done["files_url"], headers=S)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    assert zf.testzip() is None
    expected = {f"row-{j['row']:04d}/{a['name']}": a["sha256"] for j in done["jobs"] for a in j["artifacts"]}
    assert {j["row"] for j in done["jobs"]} == {1, 3, 4}
    assert set(zf.namelist()) == {*expected, "manifest.json"}
    assert {n.split("/")[1] for n in expected} >= {"print.png", "print.pdf"}
    for name, sha in expected.items():  # the bytes the per-job download serves
        assert hashlib.sha256(zf.read(name)).hexdigest() == sha
    manifest = json.loads(zf.read("manifest.json"))
    assert [(m["row"], m["state"]) for m in manifest["rows"]] == [(1, "ready"), (3, "ready"), (4, "ready")]
    assert {f["name"]: f["sha256"] for m in manifest["rows"] for f in m["files"]} == expected
    assert [s["row"] for s in manifest["skipped"]] == [2]
    assert client.get(done["files_url"], headers=S).content == r.content  # deterministic
    assert client.get(done["files_url"], headers={"X-API-Key": SF2}).status_code == 404
    assert client.get(done["files_url"], headers={"X-API-Key": PU}).status_code == 200
    assert client.get("/v1/batches/" + "0" * 32 + "/files.zip", headers=S).status_code == 404


def test_the_webhook_is_called_once_signed_when_the_last_row_is_final(
    done: dict[str, Any], receiver: WebhookReceiver
) -> None:
    time.sleep(0.5)  # a second delivery would have arrived by now
    assert len(receiver.calls) == 1
    headers, body = receiver.calls[0]
    ts = headers["X-Render-Timestamp"]
    mac = hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-Render-Signature"] == f"sha256={mac}"
    payload = json.loads(body)
    assert payload == {"batch_id": done["id"], "state": "ready", "counts": {"ready": 3, "skipped": 1}, "rows": 4,
                       "url": f"/v1/batches/{done['id']}", "files_url": done["files_url"]}  # fmt: skip


def test_the_zip_is_built_once_and_kept(client: Any, done: dict[str, Any]) -> None:
    """The first download after the batch is final stores the zip (storage: batch-<id>/files.zip); later
    ones stream those bytes, even when a row's own file is gone meanwhile (nothing is rebuilt)."""
    svc = client.app.state.render.services
    first = client.get(done["files_url"], headers=S).content
    stored = svc.storage.open_artifact(f"batch-{done['id']}", "files.zip")
    assert stored is not None and stored.path is not None and stored.path.read_bytes() == first
    job_id = done["jobs"][0]["job_id"]
    (svc.storage.job_dir(job_id) / "print.png").unlink()  # a row's file gone: a rebuilt zip would lack it
    again = client.get(done["files_url"], headers=S)
    assert again.status_code == 200 and again.content == first
    part = client.get(done["files_url"], headers={**S, "Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == first[:4] == b"PK\x03\x04"


def test_the_batch_webhook_fires_when_the_reconciler_fails_the_last_row(
    client: Any, receiver: WebhookReceiver, done: dict[str, Any]
) -> None:
    """Both rows' workers died on every attempt (rendering, lease expired, not in any queue): the reconciler
    fails each once it is out of attempts; the second failure makes the batch final and its webhook goes,
    once (the next reconciler pass sends nothing)."""
    from render_engine.farm.dispatch import LocalDispatcher
    from render_engine.farm.maintenance import reconcile
    from render_engine.farm.store_batches import BatchJob

    svc = client.app.state.render.services
    req = {"design": {"version": 1, "template": "coaster-95-round", "layers": []}, "outputs": {"formats": ["png"]}}
    rows = [BatchJob(n, req, f"h{n}") for n in (1, 2)]
    summary = {"design_template": "corporate-logo-name", "product": "card-5x7", "rows": 2, "webhook_url": receiver.url}
    batch, _ = svc.store.create_batch(summary, rows, [], "standard", STOREFRONT, "d" * 64, None)
    for _, job_id in batch.job_ids:
        for attempt in range(svc.settings.max_attempts):
            assert svc.store.set_enqueued(job_id, f"dead-{job_id}-{attempt}", attempt)
            assert svc.store.start(job_id, lease=-1.0) is not None  # its worker dies: the lease is over at once

    class Dead(LocalDispatcher):
        def rq_status(self, rq_id: str) -> str | None:
            return None

    before = len(receiver.calls)
    assert reconcile(svc, Dead(svc, threads=0), grace=0.0)["failed"] == 2
    end = time.monotonic() + 30
    while len(receiver.calls) == before and time.monotonic() < end:
        time.sleep(0.05)
    reconcile(svc, Dead(svc, threads=0), grace=0.0)
    time.sleep(0.3)
    calls = [json.loads(b) for _, b in receiver.calls[before:]]
    assert calls == [
        {
            "batch_id": batch.id,
            "state": "failed",
            "counts": {"failed": 2, "skipped": 0},
            "rows": 2,
            "url": f"/v1/batches/{batch.id}",
            "files_url": f"/v1/batches/{batch.id}/files.zip",
        }
    ]


def test_a_bad_webhook_url_is_refused_before_any_row(client: Any) -> None:
    body = {"design_template": "corporate-logo-name", "product": "card-5x7", "rows": [{"name": "A"}],
            "webhook_url": "ftp://example.com/x"}  # fmt: skip
    r = client.post("/v1/batches", json=body, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "webhook_url"


def test_retention_deletes_the_batch_with_its_last_job(client: Any, done: dict[str, Any]) -> None:
    from render_engine.farm.maintenance import purge_expired

    svc = client.app.state.render.services
    ids = [j["job_id"] for j in done["jobs"]]
    assert purge_expired(svc, now=time.time() + 31 * 86400) >= 0  # unacknowledged ready jobs never expire
    assert svc.store.get_batch(done["id"]) is not None
    for job_id in ids:
        svc.store.ack(job_id)
    svc.store.ack(ids[0])
    later = time.time() + 31 * 86400
    assert purge_expired(svc, now=later) == len(ids) + 1  # three jobs, then the batch
    assert svc.store.get_batch(done["id"]) is None
    assert client.get(f"/v1/batches/{done['id']}", headers=S).status_code == 404
    assert client.get(done["files_url"], headers=S).status_code == 404
