"""Orders through the API, against both job stores (SQLite, and a real PostgreSQL: tests/pg_support.py):
approval at the door (refused blockers, accepted codes with reasons, the customer's text and preview
approval, a changed design refused), held jobs reviewed (audited), production states reported by print
units with reprints, timelines, webhooks on each event and the order figures in /metrics.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.farm.orders import text_echo_hash
from render_engine.farm.settings import ServiceSettings
from tests.api.test_api import PHOTO, PU, SF, P, S, coaster, wait_ready
from tests.toolkit import WebhookReceiver, app_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

SECRET = "orders-webhook-secret-0123456789"
HELD = "text.too_small"  # a warning this shop reviews by hand


@pytest.fixture(scope="module")
def hooks() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as r:
        yield r


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.pg_support import postgres_server, private_schema

    def settings(url: str | None) -> ServiceSettings:
        return ServiceSettings(
            storage_root=tmp_path_factory.mktemp(f"orders-{request.param}"), redis_url=None, job_store_url=url,
            api_keys=f"storefront:{SF},print-unit:{PU}", hold_codes=(HELD,), webhook_secret=SECRET,
            webhook_allow_private=True, webhook_backoff=0.01,
        )  # fmt: skip

    if request.param == "sqlite":
        with app_client(settings(None), engine) as c:
            yield c
        return
    with postgres_server() as server, private_schema(server) as url:
        app = create_app(settings(url), engine=engine)
        with TestClient(app) as c:
            yield c
        app.state.render.services.store.close()


def tiny_photo_design(client: Any, text: str = "Blurry") -> dict[str, Any]:
    """A coaster whose 40x30 px photo prints at ~27 DPI: the preflight blocker image.resolution_too_low."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 90, 40)).save(buf, "PNG")
    asset = client.post("/v1/assets", content=buf.getvalue(), headers=S).json()["asset_id"]
    d = coaster(text)
    d["layers"].insert(1, {"type": "image", "asset_id": asset, "box": {"x": 28, "y": 14, "width": 38, "height": 14}})
    return d


def test_blocker_refuses_the_job_with_the_report_unless_accepted_with_a_reason(client: Any) -> None:
    d = tiny_photo_design(client)
    before = client.get("/v1/print-queue", headers=P).json()["jobs"]
    r = client.post("/v1/jobs", json={"design": d}, headers=S)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "preflight_blocked" and body["field"] == "design"
    assert "image.resolution_too_low" in body["message"]
    report = body["preflight"]  # the whole report, as POST /v1/preflight gives it
    assert report["ok"] is False and report["counts"]["blocker"] == 1
    blocker = next(f for f in report["findings"] if f["severity"] == "blocker")
    assert blocker["code"] == "image.resolution_too_low" and blocker["measured"] < 150 == blocker["required"]
    assert report["text_hash"] == client.post("/v1/preflight", json={"design": d}, headers=S).json()["text_hash"]
    assert client.get("/v1/print-queue", headers=P).json()["jobs"] == before  # nothing was created

    # accepting another code does not help; a reason is required
    other = [{"code": "image.upscaled", "reason": "the shop likes soft photos"}]
    assert client.post("/v1/jobs", json={"design": d, "accept": other}, headers=S).status_code == 422
    r = client.post("/v1/jobs", json={"design": d, "accept": [{"code": "image.resolution_too_low"}]}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "accept[0].reason"

    why = "customer insisted on the scanned 1950s photo (ticket 4411)"
    accepted = [{"code": "image.resolution_too_low", "reason": why}]
    r = client.post("/v1/jobs", json={"design": d, "accept": accepted}, headers=S)
    assert r.status_code == 202, r.text
    job = wait_ready(client, r.json()["job_id"])
    assert job["state"] == "ready", job
    verdict = job["preflight"]
    assert verdict["ok"] is False and verdict["accepted"] == [{"code": "image.resolution_too_low", "reason": why}]
    assert "image.resolution_too_low" in verdict["codes"] and verdict["held_for"] == []
    created = job["timeline"][0]
    assert created["kind"] == "queued" and created["actor"] == "storefront-0"
    assert created["data"]["preflight"]["accepted"][0]["reason"] == why
    in_queue = next(j for j in client.get("/v1/print-queue", headers=P).json()["jobs"] if j["id"] == job["id"])
    assert in_queue["preflight"]["accepted"][0]["code"] == "image.resolution_too_low"  # print units see it too


def _preview(client: Any, design: dict[str, Any], **params: Any) -> dict[str, Any]:
    r = client.post("/v1/previews", json={"design": design, **params}, headers={**S, "Accept": "application/json"})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_the_customers_approval_is_verified_and_recorded(client: Any) -> None:
    d = coaster("Grandma Rose")
    report = client.post("/v1/preflight", json={"design": d}, headers=S).json()
    assert [t["text"] for t in report["texts"]] == ["Grandma Rose"]
    assert report["text_hash"] == text_echo_hash(report["texts"])  # the function the door uses
    seen = _preview(client, d, width=300)
    assert seen["preflight"]["text_hash"] == report["text_hash"]
    approval = {"text_hash": report["text_hash"], "approved_by": "cust-881",
                "preview": {"etag": seen["image"]["sha256"], "width": 300}}  # fmt: skip
    r = client.post("/v1/jobs", json={"design": d, "approval": approval}, headers=S)
    assert r.status_code == 202, r.text
    job = client.get(f"/v1/jobs/{r.json()['job_id']}", headers=S).json()
    rec = job["approval"]
    assert rec["text_hash"] == report["text_hash"] and rec["preview_etag"] == seen["image"]["sha256"]
    assert rec["preview"] == {"width": 300, "view": None, "variant": None, "format": "jpeg"}
    assert rec["approved_by"] == "cust-881" and rec["verified_by"] == "storefront-0"
    assert job["timeline"][0]["data"]["approval"] is True


def test_a_changed_design_is_refused_against_the_approval(client: Any) -> None:
    d = coaster("Grandpa Joe")
    report = client.post("/v1/preflight", json={"design": d}, headers=S).json()
    seen = _preview(client, d, width=240)
    approval = {"text_hash": report["text_hash"], "preview": {"etag": f'"{seen["image"]["sha256"]}"', "width": 240}}

    misspelt = coaster("Grandpa Jeo")  # the text changed after the customer confirmed it
    r = client.post("/v1/jobs", json={"design": misspelt, "approval": approval}, headers=S)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["code"] == "approval_mismatch" and body["field"] == "approval.text_hash"
    assert body["stale"] == ["approval.text_hash", "approval.preview.etag"]  # every problem at once
    assert body["text_hash"] != report["text_hash"]

    recoloured = coaster("Grandpa Joe")
    recoloured["layers"][0]["color"] = "#2a9d8f"  # same text, another preview
    r = client.post("/v1/jobs", json={"design": recoloured, "approval": approval}, headers=S)
    assert r.status_code == 409 and r.json()["field"] == "approval.preview.etag", r.text
    assert "preview the customer approved" in r.json()["message"]

    # the unchanged design is accepted even after the render cache lost the preview: rendered again, same bytes
    cache = client.app.state.render.cache
    for f in Path(cache.root).rglob("*"):
        if f.is_file():
            f.unlink()
    assert client.get(seen["image"]["url"], headers=S).status_code == 404
    r = client.post("/v1/jobs", json={"design": d, "approval": approval}, headers=S)
    assert r.status_code == 202, r.text


def test_held_job_waits_for_an_audited_review(client: Any, hooks: WebhookReceiver) -> None:
    d = coaster("tiny print")
    d["layers"][1]["size"] = 4  # below the template's minimum text size: warning text.too_small
    report = client.post("/v1/preflight", json={"design": d}, headers=S).json()
    assert HELD in [f["code"] for f in report["findings"]] and report["ok"] is True
    hooks.calls.clear()
    r = client.post("/v1/jobs", json={"design": d, "webhook_url": hooks.url}, headers=S)
    assert r.status_code == 202 and r.json()["state"] == "held", r.text
    jid = r.json()["job_id"]
    time.sleep(0.3)  # the render thread would have taken a queued job by now
    job = client.get(f"/v1/jobs/{jid}", headers=S).json()
    assert job["state"] == "held" and job["preflight"]["held_for"] == [HELD] and job["started_at"] is None
    assert jid not in [j["id"] for j in client.get("/v1/print-queue", headers=P).json()["jobs"]]
    review = client.get("/v1/review-queue", headers=S).json()
    assert jid in [j["id"] for j in review] and all(j["state"] == "held" for j in review)
    assert client.get("/v1/review-queue", headers=P).status_code == 403

    # only its owner reviews it; a print unit cannot; production states wait for a ready job
    assert client.post(f"/v1/jobs/{jid}/approve", json={"reason": "ok"}, headers=P).status_code == 403
    assert client.post(f"/v1/jobs/{jid}/production", json={"state": "accepted"}, headers=P).status_code == 409
    r = client.post(f"/v1/jobs/{jid}/approve", json={"reason": "4 pt is the brand's fine print", "reviewer": "ana"},
                    headers=S)  # fmt: skip
    assert r.status_code == 200 and r.json()["state"] in ("queued", "rendering", "ready"), r.text
    again = client.post(f"/v1/jobs/{jid}/approve", json={"reason": "twice"}, headers=S)
    assert again.status_code == 409 and again.json()["code"] == "not_held"
    assert again.json()["field"] == "job_id" and again.json()["message"].endswith("only held jobs can be reviewed")
    job = wait_ready(client, jid)
    assert job["state"] == "ready", job
    kinds = [e["kind"] for e in job["timeline"]]
    assert kinds == ["held", "approved", "taken", "rendering", "ready"]
    review = job["timeline"][1]
    assert review["actor"] == "storefront-0/ana" and review["data"] == {"reason": "4 pt is the brand's fine print"}
    assert review["at"] >= job["timeline"][0]["at"]

    # the same warning accepted up front is not held; a rejected job is never rendered
    accepted = [{"code": HELD, "reason": "fine print on purpose"}]
    assert client.post("/v1/jobs", json={"design": d, "accept": accepted}, headers=S).json()["state"] == "queued"
    other = client.post("/v1/jobs", json={"design": d}, headers=S).json()["job_id"]
    r = client.post(f"/v1/jobs/{other}/reject", json={"reason": "unreadable at 4 pt"}, headers=S)
    assert r.status_code == 200 and r.json()["state"] == "failed"
    assert r.json()["error"]["code"] == "rejected_in_review" and r.json()["artifacts"] == []
    rejected = client.get(f"/v1/jobs/{other}", headers=S).json()
    assert [e["kind"] for e in rejected["timeline"]] == ["held", "rejected"]

    deadline = time.monotonic() + 10
    while len(hooks.calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    events = [json.loads(b) for _, b in hooks.calls]
    approved = next(e for e in events if e.get("event", {}).get("kind") == "approved")
    assert approved["job_id"] == jid and approved["event"]["actor"] == "storefront-0/ana"
    assert any(e["state"] == "ready" and e["job_id"] == jid for e in events)  # the worker's own webhook


def _report(client: Any, jid: str, state: str, **kw: Any) -> Any:
    return client.post(f"/v1/jobs/{jid}/production", json={"state": state, **kw}, headers=P)


def test_production_states_reprints_timeline_webhooks_and_metrics(client: Any, hooks: WebhookReceiver) -> None:
    jid = client.post("/v1/jobs", json={"design": coaster("Press"), "webhook_url": hooks.url}, headers=S).json()[
        "job_id"]
    assert wait_ready(client, jid)["state"] == "ready"
    hooks.calls.clear()
    queue = lambda: [j["id"] for j in client.get("/v1/print-queue", headers=P).json()["jobs"]]  # noqa: E731
    assert jid in queue()

    r = _report(client, jid, "printed")  # not accepted yet: the store's Conflict, mapped by the one error handler
    message = "a job that is waiting in the queue cannot become printed"
    assert r.status_code == 409 and r.json() == {"code": "invalid_transition", "message": message, "field": "state"}
    assert _report(client, jid, "accepted", operator="li").json()["production"] == "accepted"
    assert jid not in queue()  # taken
    assert _report(client, jid, "accepted").status_code == 409
    assert _report(client, jid, "qc_failed").status_code == 422  # a reason code is required
    photo = client.post("/v1/assets", content=PHOTO, headers=S).json()["asset_id"]
    assert _report(client, jid, "printed", photo_asset_id=photo).status_code == 422  # photos belong to qc_failed
    assert _report(client, jid, "printed").status_code == 200
    r = _report(client, jid, "qc_failed", reason="colour_off", note="cyan cast", photo_asset_id=photo)
    assert r.status_code == 200 and r.json()["production"] == "qc_failed" and r.json()["reprints"] == 1
    first_files = {a["name"]: a["sha256"] for a in r.json()["artifacts"]}
    assert jid in queue()  # the reprint is back in the print queue, with the same files
    assert _report(client, jid, "shipped").status_code == 409
    for state in ("accepted", "printed", "shipped"):
        assert _report(client, jid, state).status_code == 200, state
    assert _report(client, jid, "qc_failed", reason="misprint").status_code == 409  # shipped is final
    bad = _report(client, jid, "qc_failed", reason="not-a-reason")
    assert bad.status_code == 422 and bad.json()["field"] == "reason"

    job = client.get(f"/v1/jobs/{jid}", headers=S).json()
    assert job["production"] == "shipped" and job["reprints"] == 1
    assert {a["name"]: a["sha256"] for a in job["artifacts"]} == first_files
    kinds = [e["kind"] for e in job["timeline"]]
    assert kinds == ["queued", "taken", "rendering", "ready", "accepted", "printed", "qc_failed", "accepted",
                     "printed", "shipped"]  # fmt: skip
    qc = job["timeline"][6]
    assert qc["data"] == {"reason": "colour_off", "note": "cyan cast", "photo_asset_id": photo, "reprint": 1}
    assert job["timeline"][4]["actor"] == "print-unit-1/li"

    def order_events() -> list[tuple[dict[str, str], dict[str, Any]]]:  # the worker's "ready" one may come late
        calls = [(h, json.loads(b)) for h, b in hooks.calls]
        return [(h, g) for h, g in calls if "event" in g and g["job_id"] == jid]

    deadline = time.monotonic() + 10
    while len(order_events()) < 7 and time.monotonic() < deadline:
        time.sleep(0.05)
    got = [g for _, g in order_events()]
    assert [g["event"]["kind"] for g in got] == kinds[4:]  # one webhook per production state, in order
    headers, _ = order_events()[-1]
    body = next(b for h, b in hooks.calls if h is headers)
    mac = hmac.new(SECRET.encode(), f"{headers['X-Render-Timestamp']}.".encode() + body, hashlib.sha256)
    assert headers["X-Render-Signature"] == "sha256=" + mac.hexdigest()
    assert got[2]["reprints"] == 1 and got[-1]["production"] == "shipped"

    metrics = client.get("/metrics").text
    assert 'render_reprints_total{reason="colour_off"}' in metrics
    n = next(float(line.split()[-1]) for line in metrics.splitlines()
             if line.startswith('render_reprints_total{reason="colour_off"}'))  # fmt: skip
    assert n >= 1


def test_print_queue_orders_by_priority_then_due_date_then_age(client: Any) -> None:
    now = time.time()
    iso = lambda h: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + h * 3600))  # noqa: E731
    specs = [("standard", None), ("standard", 50), ("express", 30), ("standard", 10), ("express", None)]
    ids = []
    for n, (priority, due) in enumerate(specs):
        body: dict[str, Any] = {"design": coaster(f"Q{n}"), "priority": priority, "print_unit": "queue-test"}
        if due is not None:
            body["due_by"] = iso(due)
        ids.append(client.post("/v1/jobs", json=body, headers=S).json()["job_id"])
    for jid in ids:
        assert wait_ready(client, jid)["state"] == "ready"
    listed = client.get("/v1/print-queue", params={"print_unit": "queue-test"}, headers=P).json()["jobs"]
    got = [j["id"] for j in listed]
    assert got == [ids[2], ids[4], ids[3], ids[1], ids[0]]
    pages: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"print_unit": "queue-test", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/print-queue", params=params, headers=P).json()
        pages += [j["id"] for j in page["jobs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == got
    job = client.get(f"/v1/jobs/{ids[1]}", headers=S).json()
    assert abs(_ts(job["due_by"]) - (now + 50 * 3600)) < 2


def _ts(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_qc_failed_with_a_rerender_renders_again_then_queues_the_reprint(client: Any) -> None:
    jid = client.post("/v1/jobs", json={"design": coaster("Again"), "print_unit": "rerender-unit"}, headers=S).json()[
        "job_id"]
    first = wait_ready(client, jid)
    assert _report(client, jid, "accepted").status_code == 200
    r = _report(client, jid, "qc_failed", reason="colour_off", files="rerender")
    assert r.status_code == 200 and r.json()["state"] in ("queued", "rendering", "ready"), r.text
    again = wait_ready(client, jid)
    assert again["state"] == "ready" and again["reprints"] == 1 and again["production"] == "qc_failed"
    assert again["attempts"] == first["attempts"] + 1 and again["finished_at"] > first["finished_at"]
    files = lambda job: {a["name"]: a["sha256"] for a in job["artifacts"]}  # noqa: E731
    assert files(again) == files(first)  # deterministic: the same design renders the same bytes
    queue = client.get("/v1/print-queue", params={"print_unit": "rerender-unit"}, headers=P).json()["jobs"]
    assert [j["id"] for j in queue] == [jid]  # back in the queue once rendered
    qc = next(e for e in again["timeline"] if e["kind"] == "qc_failed")
    assert qc["data"] == {"reason": "colour_off", "files": "rerender", "reprint": 1}
    assert _report(client, jid, "printed", files="same").status_code == 422
    assert _report(client, jid, "accepted").status_code == 200


def test_hold_codes_are_per_storefront(tmp_path: Any, engine: Any) -> None:
    """The deployment's hold_codes are every storefront's default; a storefront key's own "hold_codes" replace
    them for that shop only (one shop reviews fine print by hand, another prints it, a third holds spelling)."""

    keys = [
        {"name": "shop-default", "key": "shop-default-key-0123456789", "scopes": ["storefront"]},
        {"name": "shop-prints", "key": "shop-prints-key-0123456789", "scopes": ["storefront"], "hold_codes": []},
        {"name": "shop-spells", "key": "shop-spells-key-0123456789", "scopes": ["storefront"],
         "hold_codes": ["text.spelling"]},
    ]  # fmt: skip
    settings = ServiceSettings(storage_root=tmp_path, redis_url=None, api_keys=json.dumps(keys), hold_codes=(HELD,))
    d = coaster("tiny print")
    d["layers"][1]["size"] = 4  # warning text.too_small
    with app_client(settings, engine) as c:
        states = {}
        for k in keys:
            r = c.post("/v1/jobs", json={"design": d}, headers={"X-API-Key": str(k["key"])})
            assert r.status_code == 202, r.text
            states[k["name"]] = (r.json()["state"], c.get(f"/v1/jobs/{r.json()['job_id']}",
                                                          headers={"X-API-Key": str(k["key"])}).json())  # fmt: skip
    assert states["shop-default"][0] == "held" and states["shop-default"][1]["preflight"]["held_for"] == [HELD]
    assert states["shop-prints"][0] == "queued" and states["shop-spells"][0] == "queued"
    with pytest.raises(ValueError, match="'shop-x': hold_codes must be a list of preflight codes"):
        ServiceSettings(storage_root=tmp_path, redis_url=None, api_keys=json.dumps(
            [{"name": "shop-x", "key": "shop-x-key-0123456789", "scopes": ["storefront"], "hold_codes": "text"}]))
    with pytest.raises(ValueError, match="hold_codes are for storefront keys"):
        ServiceSettings(storage_root=tmp_path, redis_url=None, api_keys=json.dumps(
            [{"name": "unit", "key": "unit-key-0123456789xx", "scopes": ["print-unit"], "hold_codes": []}]))
