"""Multi-surface products through the HTTP API (issue #18): previews per surface, preflight over every
surface, jobs that produce one file per part, and job records / the print queue showing pages and parts."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pikepdf
import pytest
from PIL import Image

from render_engine.farm.settings import ServiceSettings
from tests.toolkit import PRINT_UNIT, STOREFRONT, app_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

SF, PU = STOREFRONT, PRINT_UNIT
S, P = {"X-API-Key": SF}, {"X-API-Key": PU}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    settings = ServiceSettings(
        storage_root=tmp_path_factory.mktemp("api"), redis_url=None, api_keys=f"storefront:{SF},print-unit:{PU}"
    )
    with app_client(settings, engine) as c:
        yield c


def _text(text: str, x: float, y: float, size: float = 40) -> dict[str, Any]:
    return {
        "type": "text",
        "text": text,
        "font": {"family": "noto-sans", "weight": 700},
        "size": size,
        "color": "#e63946",
        "box": {"x": x, "y": y, "width": 250, "height": 60},
        "align": "center",
    }


def tshirt() -> dict[str, Any]:
    return {
        "version": 1,
        "template": "tshirt-dtg",
        "surfaces": {
            "front": {"layers": [_text("FRONT", 20, 40)]},
            "back": {"layers": [_text("BACK 07", 20, 120, 60)]},
            "sleeve-left": {"layers": [_text("S", 0, 5, 20) | {"box": {"x": 5, "y": 5, "width": 90, "height": 60}}]},
        },
    }


def card() -> dict[str, Any]:
    return {
        "version": 1,
        "template": "card-folded-5x7",
        "surfaces": {
            "outside": {"layers": [{"type": "background", "color": "#a8dadc"}, _text("Front", 130, 60, 24)]},
            "inside": {"layers": [_text("Inside", 130, 60, 24)]},
        },
    }


def wait_ready(client: Any, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=S).json()
        if job["state"] in ("ready", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_previews_take_a_surface_or_page(client: Any) -> None:
    front = client.post("/v1/previews", json={"design": tshirt(), "width": 300}, headers={**S, "Accept": "image/png"})
    back = client.post(
        "/v1/previews", json={"design": tshirt(), "width": 300, "surface": "back"}, headers={**S, "Accept": "image/png"}
    )
    assert front.status_code == back.status_code == 200, back.text
    assert front.content != back.content and Image.open(io.BytesIO(back.content)).size[0] == 300
    summary = json.loads(back.headers["x-preflight"])
    assert summary["ok"] is True
    inside = client.post(
        "/v1/previews", json={"design": card(), "width": 300, "page": 2}, headers={**S, "Accept": "image/png"}
    )
    assert inside.status_code == 422 and inside.json()["field"] == "page"  # a card has surfaces, no pages
    inside = client.post(
        "/v1/previews", json={"design": card(), "width": 300, "surface": "inside"}, headers={**S, "Accept": "image/png"}
    )
    assert inside.status_code == 200
    bad = client.post("/v1/previews", json={"design": tshirt(), "surface": "bakc"}, headers=S)
    assert bad.status_code == 422 and bad.json()["field"] == "surface" and "back" in bad.json()["message"]


def test_errors_of_surfaces_are_422_naming_the_request_field(client: Any) -> None:
    d = tshirt()
    d["surfaces"]["back"]["layers"][0]["box"]["width"] = -1
    d["surfaces"]["bakc"] = {"layers": []}
    r = client.post("/v1/preflight", json={"design": d}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "design.surfaces.back.layers[0].box.width", r.json()
    d = tshirt()
    d["surfaces"]["bakc"] = d["surfaces"].pop("back")
    d["surfaces"]["front"]["layers"].append(
        {"type": "image", "asset_id": "0" * 64, "box": {"x": 0, "y": 0, "width": 10, "height": 10}}
    )
    r = client.post("/v1/jobs", json={"design": d}, headers=S)
    assert r.status_code == 422, r.text
    fields = {p["field"] for p in r.json().get("problems", [r.json()])}
    assert fields >= {"design.surfaces.front.layers[1].asset_id"} or fields >= {"design.surfaces.bakc"}, r.json()


def test_preflight_reports_every_surface(client: Any) -> None:
    d = card()
    d["surfaces"]["inside"]["layers"].append(_text("on the fold", 2, 120, 14))
    r = client.post("/v1/preflight", json={"design": d}, headers=S).json()
    assert [s["surface"] for s in r["surfaces"]] == ["outside", "inside"]
    fold = [f for f in r["findings"] if f["code"] == "layout.text_on_fold"]
    assert [(f["surface"], f["part"], f["page"]) for f in fold] == [("inside", "card", 2)]


def test_jobs_produce_files_by_part_and_the_queue_shows_pages_and_parts(client: Any) -> None:
    tee = client.post("/v1/jobs", json={"design": tshirt()}, headers=S).json()["job_id"]
    folded = client.post("/v1/jobs", json={"design": card(), "outputs": {"mockup": True}}, headers=S).json()["job_id"]
    job = wait_ready(client, tee)
    assert job["state"] == "ready", job
    assert job["pages"] == 3 and [p["name"] for p in job["parts"]] == ["front", "back", "sleeve-left"]
    files = {a["name"]: a for a in job["artifacts"]}
    assert {"front.png", "back.png", "sleeve-left.png", "preflight.json", "proof.png", "proof-back.png"} <= set(files)
    assert files["back.png"]["part"] == "back" and files["back.png"]["pages"] == 1
    png = client.get(files["sleeve-left.png"]["url"], headers=P)
    assert Image.open(io.BytesIO(png.content)).size == (1200, 900)  # 4 x 3 in at 300 DPI
    job = wait_ready(client, folded)
    assert job["state"] == "ready", job
    files = {a["name"]: a for a in job["artifacts"]}
    assert files["card.pdf"]["part"] == "card" and files["card.pdf"]["pages"] == 2 and "mockup.jpg" in files
    with pikepdf.open(io.BytesIO(client.get(files["card.pdf"]["url"], headers=P).content)) as pdf:
        assert len(pdf.pages) == 2
    report = client.get(files["preflight.json"]["url"], headers=P).json()
    assert [s["surface"] for s in report["surfaces"]] == ["outside", "inside"]
    queue = {j["id"]: j for j in client.get("/v1/print-queue", headers=P).json()["jobs"]}
    assert queue[folded]["pages"] == 2 and queue[folded]["parts"] == [
        {"name": "card", "format": "pdf", "pages": 2, "surfaces": ["outside", "inside"]}
    ]
    assert queue[tee]["pages"] == 3
