"""``POST /v1/batches`` / ``GET /v1/batches/{id}`` through FastAPI's TestClient with the embedded render thread
(issue #19): every row validated first (one 422 naming ``rows[n].slots.x``), ``skip_invalid`` recording the
rows it leaves out, JSON rows and CSV text, shared values and photos, idempotent re-posts, the per-row
manifest (files and SHA-256 read back through the API), the print queue filtered by batch. The same batch
through real Redis and worker processes, one SIGKILLed: tests/farm/test_worker.py."""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from render_engine.farm.settings import ServiceSettings
from tests.toolkit import PRINT_UNIT, STOREFRONT, STOREFRONT_2, app_client, upload_asset

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

SF, SF2, PU = STOREFRONT, STOREFRONT_2, PRINT_UNIT
S = {"X-API-Key": SF}
P = {"X-API-Key": PU}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    settings = ServiceSettings(
        storage_root=tmp_path_factory.mktemp("batches"), redis_url=None,
        api_keys=f"storefront:{SF},storefront:{SF2},print-unit:{PU}", max_asset_bytes=4_000_000,
    )  # fmt: skip
    with app_client(settings, engine) as c:
        yield c


def logo_png() -> bytes:
    """A 600 px square logo (a ring and a bar): 254 dpi in the corporate template's 60 mm box."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 600), "white")
    d = ImageDraw.Draw(img)
    d.ellipse((60, 60, 540, 540), outline=(11, 57, 84), width=60)
    d.rectangle((270, 150, 330, 450), fill=(231, 111, 81))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def logo(client: Any) -> str:
    return upload_asset(client, logo_png())


def batch(logo: str, rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"design_template": "corporate-logo-name", "product": "card-5x7", "rows": rows,
            "values": {"company": "Acme Tiles"}, "photos": {"logo": {"asset_id": logo}},
            "outputs": {"formats": ["png"], "proof": False}, **extra}  # fmt: skip


ROWS = [
    {"name": "Asha Rao", "title": "Chief Engineer"},
    {"name": "Ravi Shankar Subramanian Iyer the Third", "title": "Sales"},  # too long (max 28)
    {"name": "Mei Lin", "title": "Designer", "company": "Acme Studio"},  # its own company over the shared one
    {"name": "Tom", "nickname": "T"},  # no such slot
    {"name": "Zoë Müller"},
]


def jobs_count(client: Any) -> int:
    return sum(client.app.state.render.services.store.counts().values())


def wait_batch(client: Any, batch_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        out: dict[str, Any] = client.get(f"/v1/batches/{batch_id}", headers=S).json()
        if out["state"] not in ("rendering", "held") or time.monotonic() > deadline:
            return out
        time.sleep(0.1)


def test_every_row_is_validated_first_and_every_problem_reported_at_once(client: Any, logo: str) -> None:
    before = jobs_count(client)
    r = client.post("/v1/batches", json=batch(logo, ROWS), headers=S)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid_rows" and body["rows_invalid"] == 2
    assert body["field"] == "rows[2].slots.name"
    problems = {p["field"]: p["message"] for p in body["problems"]}
    assert problems["rows[2].slots.name"] == "at most 28 characters (it has 39)"
    assert problems["rows[4].slots.nickname"].startswith("unknown slot")
    assert set(problems) == {"rows[2].slots.name", "rows[4].slots.nickname"}
    assert jobs_count(client) == before  # nothing was accepted

    r = client.post("/v1/batches", json={**batch(logo, ROWS), "product": "poster-24x36"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "product"
    r = client.post("/v1/batches", json={**batch(logo, ROWS), "design_template": "corporate"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "design_template"
    r = client.post("/v1/batches", json={**batch(logo, ROWS), "csv": "name\nA\n"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "rows"
    r = client.post("/v1/batches", json=batch(logo, []), headers=S)
    assert r.status_code == 422 and r.json()["field"] == "rows"
    unknown = {"logo": {"asset_id": "0" * 64}}
    r = client.post("/v1/batches", json={**batch(logo, ROWS[:1]), "photos": unknown}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "rows[1].photos.logo"


def test_skip_invalid_prints_the_rest_and_the_batch_reports_every_row(client: Any, logo: str) -> None:
    r = client.post("/v1/batches", json=batch(logo, ROWS, skip_invalid=True), headers=S)
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert (accepted["rows"], accepted["jobs"], accepted["skipped"]) == (5, 3, 2)
    out = wait_batch(client, accepted["batch_id"])
    assert out["state"] == "ready", out
    assert out["counts"] == {"ready": 3, "skipped": 2} and out["rows"] == 5
    assert [j["row"] for j in out["jobs"]] == [1, 3, 5]
    assert [(s["row"], [p["field"] for p in s["problems"]]) for s in out["skipped"]] == [
        (2, ["rows[2].slots.name"]), (4, ["rows[4].slots.nickname"])
    ]  # fmt: skip
    shas = set()
    for row in out["jobs"]:  # the manifest: each row's files, their SHA-256 as downloaded
        art = next(a for a in row["artifacts"] if a["name"] == "print.png")
        got = client.get(art["url"], headers=S)
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == art["sha256"]
        shas.add(art["sha256"])
        job = client.get(f"/v1/jobs/{row['job_id']}", headers=S).json()
        assert job["batch"] == {"id": accepted["batch_id"], "row": row["row"]}
        assert job["personalization"]["design_template"] == "corporate-logo-name"
        assert job["personalization"]["photos"] == {"logo": {"asset_id": logo}}
        assert job["timeline"][0]["data"]["batch"] == {"id": accepted["batch_id"], "row": row["row"]}
    assert len(shas) == 3  # three names, three different print files
    mei = client.get(f"/v1/jobs/{out['jobs'][1]['job_id']}", headers=S).json()["personalization"]["values"]
    assert mei == {"company": "Acme Studio", "name": "Mei Lin", "title": "Designer"}

    queue = client.get("/v1/print-queue", params={"batch": accepted["batch_id"]}, headers=P).json()["jobs"]
    assert sorted(j["batch"]["row"] for j in queue) == [1, 3, 5]
    assert client.get(f"/v1/batches/{accepted['batch_id']}", headers=P).status_code == 200  # print units see it
    assert client.get(f"/v1/batches/{accepted['batch_id']}", headers={"X-API-Key": SF2}).status_code == 404
    assert client.get("/v1/batches/" + "0" * 32, headers=S).status_code == 404


def test_csv_rows_and_idempotent_reposts(client: Any, logo: str) -> None:
    csv_text = "name,title\nAsha Rao,Chief Engineer\n\"Lin, Mei\",Designer\nOmar,\n"
    body = {**batch(logo, []), "rows": None, "csv": csv_text}
    h = {**S, "Idempotency-Key": "corp-order-77"}
    r = client.post("/v1/batches", json=body, headers=h)
    assert r.status_code == 202, r.text
    first = r.json()
    assert (first["rows"], first["jobs"], first["skipped"]) == (3, 3, 0)
    n = jobs_count(client)
    again = client.post("/v1/batches", json=body, headers=h)
    assert again.status_code == 200 and again.json()["batch_id"] == first["batch_id"]
    assert jobs_count(client) == n  # no second set of jobs
    other = client.post("/v1/batches", json={**body, "csv": csv_text + "Extra,\n"}, headers=h)
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    out = wait_batch(client, first["batch_id"])
    assert out["state"] == "ready" and out["counts"] == {"ready": 3, "skipped": 0}
    values = [client.get(f"/v1/jobs/{j['job_id']}", headers=S).json()["personalization"]["values"] for j in out["jobs"]]
    assert [v["name"] for v in values] == ["Asha Rao", "Lin, Mei", "Omar"] and "title" not in values[2]
    r = client.post("/v1/batches", json={**body, "csv": "name\n" + "x" * 40 + "\n"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "rows[1].slots.name"


def test_a_csv_file_upload_is_the_same_batch(client: Any, logo: str) -> None:
    options = {k: v for k, v in batch(logo, []).items() if k != "rows"}
    csv_text = "name,title\nAsha Rao,Chief Engineer\nOmar Haddad,\n"
    h = {**S, "Idempotency-Key": "corp-upload-1"}
    files = {"file": ("staff.csv", csv_text.encode("utf-8-sig"), "text/csv"), "options": (None, json.dumps(options))}
    r = client.post("/v1/batches/upload", files=files, headers=h)
    assert r.status_code == 202, r.text
    # the same key with the JSON form of the same batch is a replay: one body, two spellings
    again = client.post("/v1/batches", json={**options, "csv": csv_text}, headers=h)
    assert again.status_code == 200 and again.json()["batch_id"] == r.json()["batch_id"]
    out = wait_batch(client, r.json()["batch_id"])
    assert out["state"] == "ready" and [j["row"] for j in out["jobs"]] == [1, 2]

    def upload(data: bytes, opts: str) -> Any:
        return client.post("/v1/batches/upload", files={"file": ("s.csv", data, "text/csv"), "options": (None, opts)},
                           headers=S)  # fmt: skip

    r = upload(b"name\n" + b"x" * 40 + b"\n", json.dumps(options))
    assert r.status_code == 422 and r.json()["field"] == "rows[1].slots.name"
    r = upload(b"name\nA\n", "{")
    assert r.status_code == 422 and r.json()["field"] == "options"
    r = upload(b"name\nA\n", json.dumps({**options, "product": 7}))
    assert r.status_code == 422 and r.json()["field"] == "options.product"
    r = upload(b"name\nA\n", json.dumps({**options, "rows": []}))
    assert r.status_code == 422 and r.json()["field"] == "options.rows"
    r = upload(b"\xff\xfe", json.dumps(options))
    assert r.status_code == 422 and r.json()["field"] == "file"
    r = client.post("/v1/batches/upload", json=options, headers=S)
    assert r.status_code == 415
