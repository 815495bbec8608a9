"""A storefront posts ``{design_template, product, values, photos}`` straight to ``/v1/previews``,
``/v1/preflight`` and ``/v1/jobs`` (issue #19), through FastAPI's TestClient with the embedded render thread:
the same answers as filling first and posting the design, slot problems named by slot in one 422, the job
recording the template and its values, and the door's approval check applying to template jobs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_api import wait_ready
from tests.toolkit import PRINT_UNIT, SMALL_LIMITS, STOREFRONT, S, api_client, upload_asset

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

ROOT = Path(__file__).resolve().parents[2]
SF, PU = STOREFRONT, PRINT_UNIT
J = {**S, "Accept": "application/json"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    keys = f"storefront:{SF},print-unit:{PU}"
    with api_client(tmp_path_factory.mktemp("tpl"), engine, api_keys=keys, require_approval=True, **SMALL_LIMITS) as c:
        yield c


@pytest.fixture(scope="module")
def photo_id(client: Any) -> str:
    return upload_asset(client, ROOT / "examples/assets/portrait.jpg")


def birthday(photo_id: str, name: str = "Asha") -> dict[str, Any]:
    return {"design_template": "birthday-balloons", "product": "mug-11oz",
            "values": {"name": name, "date": "2026-12-24"}, "photos": {"photo": {"asset_id": photo_id}}}  # fmt: skip


def test_preflight_and_preview_of_a_template_equal_those_of_the_filled_design(client: Any, photo_id: str) -> None:
    body = birthday(photo_id)
    filled = client.post("/v1/design-templates/birthday-balloons/fill", json={k: body[k] for k in
                         ("product", "values", "photos")}, headers=S)  # fmt: skip
    assert filled.status_code == 200, filled.text
    design = filled.json()["design"]
    direct = client.post("/v1/preflight", json=body, headers=S)
    via_design = client.post("/v1/preflight", json={"design": design}, headers=S)
    assert direct.status_code == 200, direct.text
    assert direct.json() == via_design.json()
    assert [t["text"] for t in direct.json()["texts"]] == ["Happy Birthday", "Asha", "24 December 2026"]

    a = client.post("/v1/previews", json={**body, "width": 300}, headers={**S, "Accept": "image/png"})
    b = client.post("/v1/previews", json={"design": design, "width": 300}, headers={**S, "Accept": "image/png"})
    assert a.status_code == b.status_code == 200, a.text
    assert hashlib.sha256(a.content).digest() == hashlib.sha256(b.content).digest()  # the same pixels
    assert a.headers["x-preflight"] == b.headers["x-preflight"]
    other = client.post("/v1/previews", json={**birthday(photo_id, "Ravi"), "width": 300}, headers=J).json()
    assert other["image"]["sha256"] != a.headers["etag"].strip('"')


def test_every_slot_problem_in_one_4xx_on_each_route(client: Any) -> None:
    body = {"design_template": "birthday-balloons", "product": "mug-11oz",
            "values": {"name": "Asha the magnificent one", "age": "1234", "nope": "x"},
            "photos": {"photo": {"asset_id": "0" * 64}}}  # fmt: skip
    for path in ("/v1/preflight", "/v1/previews", "/v1/jobs"):
        r = client.post(path, json=body, headers=J)
        assert r.status_code == 422, (path, r.text)
        problems = {p["field"]: p["message"] for p in r.json()["problems"]}
        assert problems["slots.name"] == "at most 18 characters (it has 24)", path
        assert problems["slots.age"] == "at most 3 characters (it has 4)"
        assert problems["slots.nope"].startswith("unknown slot")
        assert "photos.photo" in problems
    r = client.post("/v1/preflight", json={**body, "product": "poster-24x36"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "product"
    r = client.post("/v1/preflight", json={"design_template": "birthday-balloon", "product": "mug-11oz"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "design_template"
    assert "birthday-balloons" in r.json()["message"]  # did you mean
    r = client.post("/v1/preflight", json={"design_template": "birthday-balloons"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "product"
    r = client.post("/v1/preflight", json={"design": {"version": 1}, "design_template": "birthday-balloons"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "design_template"
    r = client.post("/v1/preflight", json={"values": {"name": "A"}}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "values"
    r = client.post("/v1/jobs", json={}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "design"
    r = client.post("/v1/preflight", json={**birthday("0"), "dialect": "fabric"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "dialect"


def test_a_template_job_records_its_template_and_values_and_passes_the_approval_gate(
    client: Any, photo_id: str
) -> None:
    body = birthday(photo_id, "Meera")
    r = client.post("/v1/jobs", json=body, headers=S)  # require_approval: a design with text needs the text hash
    assert r.status_code == 422 and r.json()["code"] == "approval_required", r.text
    report = client.post("/v1/preflight", json=body, headers=S).json()
    seen = client.post("/v1/previews", json={**body, "width": 240}, headers=J).json()
    approval = {"text_hash": report["text_hash"], "preview": {"etag": seen["image"]["sha256"], "width": 240}}

    changed = birthday(photo_id, "Meena")  # the customer confirmed "Meera"
    r = client.post("/v1/jobs", json={**changed, "approval": approval}, headers=S)
    assert r.status_code == 409 and r.json()["stale"] == ["approval.text_hash", "approval.preview.etag"], r.text

    r = client.post("/v1/jobs", json={**body, "approval": approval}, headers={**S, "Idempotency-Key": "tpl-1"})
    assert r.status_code == 202, r.text
    again = client.post("/v1/jobs", json={**body, "approval": approval}, headers={**S, "Idempotency-Key": "tpl-1"})
    assert again.status_code == 200 and again.json()["job_id"] == r.json()["job_id"]
    job = wait_ready(client, r.json()["job_id"], timeout=60)
    assert job["state"] == "ready", job
    assert job["personalization"] == {"design_template": "birthday-balloons", "product": "mug-11oz",
                                      "values": {"name": "Meera", "date": "2026-12-24"},
                                      "photos": {"photo": {"asset_id": photo_id}}}  # fmt: skip
    assert job["template"] == "mug-11oz" and job["approval"]["text_hash"] == report["text_hash"]
    assert job["approval"]["preview_etag"] == seen["image"]["sha256"]
    assert {a["name"] for a in job["artifacts"]} >= {"print.pdf", "preflight.json"}
    pdf = client.get(f"/v1/jobs/{job['id']}/files/print.pdf", headers=S)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_batch_in_a_shop_requiring_approval_names_who_approved_the_rows(client: Any, photo_id: str) -> None:
    body = {"design_template": "birthday-balloons", "product": "mug-11oz", "photos": {"photo": {"asset_id": photo_id}},
            "rows": [{"name": "Asha"}, {"name": "Ravi"}], "outputs": {"formats": ["png"], "dpi": 60}}  # fmt: skip
    r = client.post("/v1/batches", json=body, headers=S)  # no per-row text hash is possible: who approved the list
    assert r.status_code == 422 and r.json()["code"] == "approval_required", r.text
    assert r.json()["field"] == "approval.approved_by"
    approval = {"approved_by": "acme-hr-ticket-991", "approved_at": "2026-12-07T05:00:00Z"}
    r = client.post("/v1/batches", json={**body, "approval": approval}, headers=S)
    assert r.status_code == 202, r.text
    rows = client.get(f"/v1/batches/{r.json()['batch_id']}", headers=S).json()["jobs"]
    for row in rows:
        job = client.get(f"/v1/jobs/{row['job_id']}", headers=S).json()
        assert job["approval"]["approved_by"] == "acme-hr-ticket-991" and job["approval"]["batch"] is True
        assert job["approval"]["verified_by"] == "storefront-0"
