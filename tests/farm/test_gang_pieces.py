"""Gang sheets of multi-part jobs (issue #18): every page of a two-sided keychain's ``keychain.pdf`` is a piece
on the press sheet, placed like a one-page job, labelled with its part, page and surface beside the job's QR
code, and a job's pieces are all on one sheet or wait together. Read back: pikepdf (where each page's TrimBox
lands, which source page each form is), poppler (the colour printed in each piece's trim box, the labels'
text) — the keychain's front is red, its back blue, so a swapped or missing page shows."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image

from render_engine.farm.pieces import Piece, plan_pieces
from render_engine.model.units import mm_to_pt
from tests.api.test_api import PU, SF, wait_ready
from tests.toolkit import api_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
S, P = {"X-API-Key": SF}, {"X-API-Key": PU}
RED, BLUE = (230, 30, 40), (20, 60, 200)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    with api_client(tmp_path_factory.mktemp("pieces"), engine, api_keys=f"storefront:{SF},print-unit:{PU}") as c:
        yield c


def keychain(name: str) -> dict[str, Any]:
    text = {"type": "text", "text": name, "font": {"family": "noto-sans", "weight": 700}, "size": 9,
            "color": "#ffffff", "box": {"x": 5, "y": 48, "width": 40, "height": 8}, "align": "center"}  # fmt: skip
    return {
        "version": 1,
        "template": "keychain-acrylic-50x60",
        "surfaces": {
            "front": {"layers": [{"type": "background", "color": "#e61e28"}, text]},
            "back": {"layers": [{"type": "background", "color": "#143cc8"}]},
        },
    }


def _piece(job: str, page: int, w: float, h: float) -> Piece:
    return Piece(job, "card.pdf", page, 2, f"card {page + 1}/2", (w, h), 3.0)


def test_a_jobs_pieces_are_placed_together_or_wait_together() -> None:
    # one size: a grid of 4 cells (two rows of two): jobs a and b whole, c waits
    pieces = [_piece(j, n, 100, 150) for j in "abc" for n in range(2)]
    plan = plan_pieces(320, 450, pieces, 10, 2, rotate=False)
    assert plan.capacity == 4 and [(i.job_id, i.page) for i in plan.items] == [("a", 0), ("a", 1), ("b", 0), ("b", 1)]
    # three cells on the sheet and two-piece jobs: never a job's front without its back
    plan = plan_pieces(320, 200, pieces, 10, 2, rotate=False)
    assert [(i.job_id, i.page) for i in plan.items] == [("a", 0), ("a", 1)]
    # sizes differ: packed in rows; a job cut short waits with every job after it
    mixed = [_piece("a", 0, 100, 150), _piece("a", 1, 100, 150), _piece("b", 0, 200, 150), _piece("b", 1, 200, 150)]
    plan = plan_pieces(320, 450, mixed, 10, 2)
    assert [(i.job_id, i.page) for i in plan.items] == [("a", 0), ("a", 1)]
    for item in plan.items:  # the piece's own trim
        assert item.trim[2:] == (100, 150) and item.file == "card.pdf" and item.label == f"card {item.page + 1}/2"


def _raster(pdf: bytes, dpi: int) -> np.ndarray:
    png = subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-"], input=pdf, capture_output=True, check=True).stdout
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_two_sided_keychains_impose_each_page_placed_and_labelled(client: Any) -> None:
    ids = []
    for n in range(9):
        r = client.post("/v1/jobs", json={"design": keychain(f"K{n}"), "outputs": {"formats": ["pdf"]},
                                          "print_unit": "keys"}, headers=S)  # fmt: skip
        assert r.status_code == 202, r.text
        ids.append(r.json()["job_id"])
    for jid in ids:
        job = wait_ready(client, jid, timeout=120)
        assert job["state"] == "ready", job
        assert [(a["name"], a.get("pages")) for a in job["artifacts"] if a["name"].endswith(".pdf")] == [
            ("keychain.pdf", 2)]
    body = {"template": "keychain-acrylic-50x60", "print_unit": "keys"}
    r = client.post("/v1/sheets", json=body, headers=P)
    assert r.status_code == 201, r.text
    manifest = r.json()
    items = manifest["items"]
    # SRA3 holds 16 keychain pieces: the oldest eight jobs, front then back of each; the ninth waits
    assert [(i["job_id"], i["page"]) for i in items] == [(j, p) for j in ids[:8] for p in (1, 2)]
    assert {i["file"] for i in items} == {"keychain.pdf"}
    assert [i["label"] for i in items[:2]] == ["keychain 1/2 front", "keychain 2/2 back"]
    assert "16 items of 8 jobs" in manifest["label"]
    assert manifest["utilisation"] == pytest.approx(16 * 50 * 60 / (320 * 450), abs=1e-3)
    queue = client.get("/v1/print-queue", params={"print_unit": "keys"}, headers=P).json()["jobs"]
    assert [j["id"] for j in queue] == [ids[8]]
    pdf_bytes = client.get(manifest["files"]["sheet.pdf"], headers=P).content

    # each form is its source page, its TrimBox on the manifest's trim position (pikepdf)
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    page = pdf.pages[0]
    H = mm_to_pt(450)
    ops = [(list(o), str(op)) for o, op in pikepdf.parse_content_stream(page)]
    placed = {str(ops[n][0][0]): ops[n - 1][0] for n, (_, op) in enumerate(ops) if op == "Do"}
    assert len(placed) == 16
    sources: dict[str, pikepdf.Pdf] = {}
    for n, item in enumerate(items):
        jid = item["job_id"]
        if jid not in sources:
            got = client.get(f"/v1/jobs/{jid}/files/keychain.pdf", headers=P).content
            sources[jid] = pikepdf.open(io.BytesIO(got))
        src_page = sources[jid].pages[item["page"] - 1]
        form = page.Resources.XObject[f"/Item{n}"]
        assert form.read_bytes() == src_page.as_form_xobject().read_bytes()
        tx0, ty0, tx1, ty1 = (float(v) for v in src_page.trimbox)
        cm = placed[f"/Item{n}"]
        x, y, w, h = item["trim_mm"]
        assert float(cm[4]) + tx0 == pytest.approx(mm_to_pt(x), abs=0.01)
        assert float(cm[5]) + ty0 == pytest.approx(H - mm_to_pt(y + h), abs=0.01)
        assert (tx1 - tx0, ty1 - ty0) == pytest.approx((mm_to_pt(50), mm_to_pt(60)), abs=0.01)

    # printed: red inside every front's trim box, blue inside every back's (poppler, 4 px per mm)
    img = _raster(pdf_bytes, 102)
    k = img.shape[1] / 320
    for item in items:
        x, y, w, h = item["trim_mm"]
        centre = img[int((y + h * 0.3) * k), int((x + w / 2) * k)]
        want = RED if item["page"] == 1 else BLUE
        assert np.abs(centre - np.array(want)).max() < 60, (item, centre)
    # one label per piece: marked content with its ActualText, and black ink right of the piece's QR code
    actual = [str(o[1].ActualText) for o, op in ops if op == "BDC" and "/ActualText" in o[1]]
    assert actual.count("keychain 1/2 front") == 8 and actual.count("keychain 2/2 back") == 8
    for item in items:
        qx, qy, qs = item["qr_mm"]
        right = img[int(qy * k) : int((qy + qs) * k), int((qx + qs + 1) * k) : int((item["bleed_mm"][0] + 57) * k)]
        assert (right.max(axis=2) < 128).sum() > 20, item  # real text in 100 % K (antialiased at 4 px per mm)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf_bytes, capture_output=True, check=True).stdout.decode()
    assert text.count("keychain 1/2 front") == 8 and text.count("keychain 2/2 back") == 8  # readable text

    # the ninth job on the next sheet; then nothing is left
    second = client.post("/v1/sheets", json=body, headers=P).json()
    assert [(i["job_id"], i["page"]) for i in second["items"]] == [(ids[8], 1), (ids[8], 2)]
    again = client.post("/v1/sheets", json=body, headers=P)
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_impose"
    assert json.loads(client.get(second["files"]["manifest.json"], headers=P).content)["items"] == second["items"]
