"""A Fabric canvas per surface / page of a multi-surface product (issue #18, docs/fabric.md "One canvas per
surface"): the Python API, the CLI and the HTTP routes render it like the native multi-surface design it
becomes; every problem of every canvas names the canvas (``surfaces.back.objects[3]…``). Print files are read
back with pikepdf (boxes in mm, page count) and poppler (which colour lands where on each page)."""

from __future__ import annotations

import base64
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image

from render_engine import render_design
from render_engine.cli import main
from render_engine.engine import Engine
from render_engine.fabric import is_fabric, load_fabric_json
from render_engine.model.errors import DesignError
from render_engine.model.templates import cover_template
from tests.toolkit import STOREFRONT, app_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
MM = 72 / 25.4
S = {"X-API-Key": STOREFRONT}


def _rect(left: float, top: float, w: float, h: float, fill: str, **extra: Any) -> dict[str, Any]:
    return {"type": "Rect", "left": left, "top": top, "width": w, "height": h, "fill": fill, "strokeWidth": 0,
            **extra}  # fmt: skip


def _canvas(*objects: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"version": "6.9.1", "objects": list(objects), **extra}


def invitation() -> dict[str, Any]:
    """Front: red top half; back: blue bottom half (the invitation is 127 x 177.8 mm: a 500 x 700 px canvas)."""
    return {
        "template": "invitation-5x7",
        "canvas": {"width": 500, "height": 700},
        "surfaces": {
            "front": _canvas(_rect(0, 0, 500, 350, "#d02040"), background="#ffffff"),
            "back": _canvas(_rect(0, 350, 500, 350, "#2040d0"), background="#ffffff"),
        },
    }


def _pages_rgb(pdf: Path, tmp: Path) -> list[np.ndarray]:
    subprocess.run(["pdftoppm", "-r", "20", "-cropbox", "-png", str(pdf), str(tmp / "pg")], check=True)
    return [np.asarray(Image.open(p).convert("RGB")).astype(int) for p in sorted(tmp.glob("pg-*.png"))]


def _is(px: np.ndarray, rgb: tuple[int, int, int], tol: int = 60) -> bool:
    return bool(np.abs(px - np.array(rgb)).max() <= tol)


def test_detection_tells_canvases_per_surface_from_native_designs() -> None:
    assert is_fabric(invitation())
    assert is_fabric({"template": "photo-book-8x8-hardcover", "pages": [_canvas()]})
    native = {"version": 1, "template": "invitation-5x7", "surfaces": {"front": {"layers": []}}}
    assert not is_fabric(native)
    assert not is_fabric({"surfaces": {"front": {"layers": []}}})


def test_two_sided_invitation_renders_one_two_page_pdf(engine: Engine, tmp_path: Path) -> None:
    r = render_design(invitation(), tmp_path / "out")
    (part,) = r.parts
    assert (part.part, part.pages, part.format) == ("invitation", 2, "pdf")
    with pikepdf.open(part.path) as pdf:
        assert len(pdf.pages) == 2
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.TrimBox)
            assert abs((x1 - x0) / MM - 127.0) < 0.05 and abs((y1 - y0) / MM - 177.8) < 0.05
            bx0, _, bx1, _ = (float(v) for v in page.BleedBox)
            assert abs((bx1 - bx0 - (x1 - x0)) / MM - 2 * 3.175) < 0.05  # the product's bleed on each side
    front, back = _pages_rgb(part.path, tmp_path)
    h, w, _ = front.shape
    red, blue, white = (208, 32, 64), (32, 64, 208), (255, 255, 255)
    assert _is(front[h // 4, w // 2], red) and _is(front[3 * h // 4, w // 2], white)
    assert _is(back[h // 4, w // 2], white) and _is(back[3 * h // 4, w // 2], blue)


def test_every_problem_of_every_canvas_names_its_surface(engine: Engine, tmp_path: Path) -> None:
    doc = invitation()
    doc["surfaces"]["back"]["objects"] += [_rect(0, 0, 5, 5, "#000")] * 2 + [
        _rect(0, 0, 5, 5, "#000", globalCompositeOperation="plus-darker")
    ]
    # (an unknown fontFamily is no longer a problem for render_design: it prints in the default sans face)
    doc["surfaces"]["front"]["objects"].append(_rect(0, 0, 5, 5, "#000", globalCompositeOperation="plus-darker"))
    with pytest.raises(DesignError) as err:
        render_design(doc, tmp_path / "o")
    fields = {p.field for p in err.value.problems}
    assert fields == {"surfaces.back.objects[3].globalCompositeOperation",
                      "surfaces.front.objects[1].globalCompositeOperation"}
    # a surface the product does not have, named as written; a canvas that is not one
    doc = invitation()
    doc["surfaces"]["bak"] = doc["surfaces"].pop("back")
    with pytest.raises(DesignError, match="did you mean back") as err:
        render_design(doc, tmp_path / "o")
    assert err.value.field == "surfaces.bak"
    doc = invitation()
    doc["surfaces"]["back"] = {"objects": "no"}
    with pytest.raises(DesignError) as err:
        render_design(doc, tmp_path / "o")
    assert err.value.field == "surfaces.back"
    with pytest.raises(DesignError) as err:  # several canvases need the product
        render_design({k: v for k, v in invitation().items() if k != "template"}, tmp_path / "o")
    assert err.value.field == "template"


def test_cli_renders_the_parts_and_reports_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "inv.json", tmp_path / "bad.json"
    good.write_text(json.dumps(invitation()))
    doc = invitation()
    doc["surfaces"]["back"]["objects"] += [_rect(0, 0, 5, 5, "#000")] * 2 + [
        _rect(0, 0, 5, 5, "#000", globalCompositeOperation="plus-darker")
    ]
    bad.write_text(json.dumps(doc))
    assert main(["render", str(good), "--out", str(tmp_path / "out")]) == 0
    with pikepdf.open(tmp_path / "out" / "inv" / "invitation.pdf") as pdf:
        assert len(pdf.pages) == 2
    assert main(["render", str(bad), "--out", str(tmp_path / "out")]) != 0
    err = capsys.readouterr().err
    assert "FAILED" in err and "surfaces.back.objects[3].globalCompositeOperation" in err
    assert "Traceback" not in err


def test_tshirt_front_and_back_canvases_of_their_own_size(engine: Engine, tmp_path: Path) -> None:
    """The sleeve is smaller than the front (101.6 x 76.2 mm): each canvas gives its own size."""
    doc = {
        "template": "tshirt-dtg",
        "surfaces": {
            "front": _canvas(_rect(0, 0, 300, 200, "#ff0000"), width=300, height=400),
            "sleeve-left": {"canvas": {"width": 400, "height": 300}, "fabric": _canvas(_rect(0, 0, 400, 300, "#00f"))},
        },
    }
    r = render_design(doc, tmp_path / "out", dpi=20)
    parts = [(p.part, p.format, p.pixels) for p in r.parts]
    assert parts == [("front", "png", (240, 320)), ("sleeve-left", "png", (80, 60))]
    front = np.asarray(Image.open(r.parts[0].path).convert("RGBA"))
    assert front[40, 120, 3] == 255 and front[300, 120, 3] == 0  # red top half, transparent below
    doc["surfaces"]["sleeve-left"]["canvas"] = {"width": 400, "height": 400}  # not the sleeve's aspect
    with pytest.raises(DesignError) as err:
        render_design(doc, tmp_path / "o", dpi=20)
    assert err.value.field == "surfaces.sleeve-left.canvas"


def test_book_pages_and_a_cover_sized_from_the_page_count(engine: Engine, tmp_path: Path) -> None:
    cover_t, _ = cover_template(engine.templates.get("photo-book-8x8-hardcover"), 20)
    cw = 1000.0
    ch = cw * cover_t.trim_h / cover_t.trim_w
    doc = {
        "template": "photo-book-8x8-hardcover",
        "surfaces": {"cover": _canvas(_rect(0, 0, cw, ch, "#336699"), width=cw, height=ch)},
        "pages": [_canvas(_rect(0, 0, 800, 800, f"#{i:02x}8040"), width=800, height=800) for i in range(20)],
    }
    imported = load_fabric_json(doc, engine, tmp_path)
    design = imported.design
    assert design.is_multi and len(design.pages) == 20 and set(design.surfaces) == {"cover"}
    (rect,) = design.surfaces["cover"].layers
    assert abs(rect.box.width - cover_t.trim_w) < 0.01 and abs(rect.box.height - cover_t.trim_h) < 0.01
    assert imported.surface_sources["pages[19]."] == ("pages[19].objects[0]",)
    assert imported.source_of("pages[19].layers[0].box.width") == "pages[19].objects[0]"
    doc["pages"] = doc["pages"][:3]  # a page count the book does not take, named before any canvas is read
    with pytest.raises(DesignError) as err:
        load_fabric_json(doc, engine, tmp_path)
    assert err.value.field == "pages"


# ------------------------------------------------------------------------------------------------ HTTP


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Any:
    from render_engine.farm.settings import ServiceSettings

    settings = ServiceSettings(
        storage_root=tmp_path_factory.mktemp("api"), redis_url=None, api_keys=f"storefront:{S['X-API-Key']}",
        max_body_bytes=5_000_000, max_asset_bytes=4_000_000,
    )  # fmt: skip
    with app_client(settings, engine) as c:
        yield c


def _png_url(colour: tuple[int, int, int]) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _tee() -> dict[str, Any]:
    image = {"type": "Image", "left": 0, "top": 0, "width": 40, "height": 40, "scaleX": 7.5, "scaleY": 5,
             "src": _png_url((0, 200, 0))}  # fmt: skip
    return {
        "template": "tshirt-dtg",
        "canvas": {"width": 300, "height": 400},
        "surfaces": {"front": _canvas(_rect(0, 0, 300, 100, "#ff0000")), "back": _canvas(image)},
    }


def test_api_preflight_preview_and_job_of_canvases_per_surface(client: Any) -> None:
    from tests.api.test_api import wait_ready

    r = client.post("/v1/preflight", json={"design": _tee(), "dialect": "fabric"}, headers=S)
    assert r.status_code == 200, r.text
    report = r.json()
    assert [s["surface"] for s in report["surfaces"]] == ["front", "back"]
    assert report["source"]["surface_sources"] == {
        "surfaces.front": ["surfaces.front.objects[0]"], "surfaces.back": ["surfaces.back.objects[0]"]
    }  # fmt: skip
    pv = client.post("/v1/previews", json={"design": _tee(), "dialect": "fabric", "width": 120, "surface": "back"},
                     headers=S)  # fmt: skip
    assert pv.status_code in (200, 501), pv.text
    if pv.status_code == 200:
        img = np.asarray(Image.open(io.BytesIO(pv.content)).convert("RGBA"))
        assert _is(img[img.shape[0] // 4, img.shape[1] // 2, :3], (0, 200, 0))  # the back's green image
    body = {"design": _tee(), "dialect": "fabric", "outputs": {"dpi": 20},
            "accept": [{"code": "image.resolution_too_low", "reason": "test: a 40 px image"}]}  # fmt: skip
    created = client.post("/v1/jobs", json=body, headers=S)
    assert created.status_code == 202, created.text
    job = wait_ready(client, created.json()["job_id"], timeout=60)
    assert job["state"] == "ready", job
    files = {a["name"]: a for a in job["artifacts"]}
    assert (files["front.png"]["part"], files["back.png"]["part"]) == ("front", "back")
    rec = client.app.state.render.services.store.get(job["id"])
    design = rec.request["design"]
    assert "data:" not in json.dumps(design)  # the back's data-URL image became an asset of the store
    assert design["surfaces"]["back"]["layers"][0]["asset_id"]
    back = client.get(f"/v1/jobs/{job['id']}/files/back.png", headers=S)
    img = np.asarray(Image.open(io.BytesIO(back.content)).convert("RGBA"))
    assert img.shape[:2] == (320, 240) and _is(img[100, 120, :3], (0, 200, 0))


def test_api_errors_name_the_canvas_of_the_surface(client: Any) -> None:
    doc = _tee()
    doc["surfaces"]["back"]["objects"] += [_rect(0, 0, 5, 5, "#000")] * 2 + [
        _rect(0, 0, 5, 5, "#000", globalCompositeOperation="plus-darker")
    ]
    r = client.post("/v1/preflight", json={"design": doc, "dialect": "fabric"}, headers=S)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "design.surfaces.back.objects[3].globalCompositeOperation"
    r = client.post("/v1/jobs", json={"design": doc}, headers=S)  # native dialect: told to send "fabric"
    assert r.status_code == 422 and r.json()["field"] == "dialect", r.text
