"""Gang sheets, read back: a real PDF built from real job PDFs (pikepdf reads positions, marks, spot colours,
layers and the output intent back; poppler rasterises the sheet and OpenCV decodes every QR code to its job
id), and the job store's claim that never imposes a job twice — against SQLite and a real PostgreSQL."""

from __future__ import annotations

import io
import json
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pikepdf
import pytest

from render_engine.farm.settings import ServiceSettings
from render_engine.farm.sheets import MARK_LENGTH_MM, QR_MODULE_MM, job_qr, plan_mixed_sheet, plan_sheet
from render_engine.model.units import mm_to_pt
from tests.api.test_api import PU, SF, coaster, wait_ready

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
S, P = {"X-API-Key": SF}, {"X-API-Key": PU}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.pg_support import postgres_server, private_schema

    def app(url: str | None) -> Any:
        return create_app(ServiceSettings(storage_root=tmp_path_factory.mktemp("sheets"), redis_url=None,
                                          job_store_url=url, api_keys=f"storefront:{SF},print-unit:{PU}"),
                          engine=engine)  # fmt: skip

    if request.param == "sqlite":
        with TestClient(app(None)) as c:
            yield c
        return
    with postgres_server() as server, private_schema(server) as url:
        a = app(url)
        with TestClient(a) as c:
            yield c
        a.state.render.services.store.close()


def test_plan_fills_a_grid_of_cells_that_never_overlap() -> None:
    ids = [f"{n:032x}" for n in range(10)]
    plan = plan_sheet(320, 450, (95, 95), 3, ids, 10, 2)
    assert plan.capacity == 6 and len(plan.items) == 6  # 2 x 3 cells of 111 x 123.2 mm on SRA3
    assert plan.utilisation == pytest.approx(6 * 95 * 95 / (320 * 450), abs=1e-4)
    boxes = [p.bleed for p in plan.items] + [(q[0], q[1], q[2], q[2]) for q in (p.qr for p in plan.items)]
    for i, a in enumerate(boxes):
        assert a[0] >= 10 and a[1] >= 10 and a[0] + a[2] <= 310 and a[1] + a[3] <= 440  # inside the margins
        for b in boxes[i + 1:]:
            assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
    qr = job_qr(ids[0]).dark
    assert len(qr) * QR_MODULE_MM == pytest.approx(plan.items[0].qr[2])
    assert all(not any(row) for row in qr[:4]) and any(qr[4])  # a 4-module quiet zone


def test_plan_turns_items_when_that_fits_more() -> None:
    ids = [f"{n:032x}" for n in range(10)]
    upright = plan_sheet(200, 450, (75.6, 151.6), 3, ids, 10, 2, rotate=False)
    turned = plan_sheet(200, 450, (75.6, 151.6), 3, ids, 10, 2)
    assert (upright.capacity, turned.capacity) == (2, 4)  # one column upright; four rows turned
    assert not any(p.rotated for p in upright.items) and all(p.rotated for p in turned.items)
    assert turned.items[0].trim[2:] == (151.6, 75.6)
    assert turned.utilisation == pytest.approx(2 * upright.utilisation)
    boxes = [p.bleed for p in turned.items] + [(q[0], q[1], q[2], q[2]) for q in (p.qr for p in turned.items)]
    for i, a in enumerate(boxes):
        assert a[0] >= 10 and a[1] >= 10 and a[0] + a[2] <= 190 and a[1] + a[3] <= 440
        for b in boxes[i + 1:]:
            assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
    square = plan_sheet(320, 450, (95, 95), 3, ids, 10, 2)
    assert not any(p.rotated for p in square.items)  # nothing to gain


def test_turned_items_land_on_their_boxes(client: Any) -> None:
    design = {"version": 1, "template": "phone-case-iphone15", "layers": [{"type": "background", "color": "#2a9d8f"}]}
    ids = [client.post("/v1/jobs", json={"design": design, "outputs": {"formats": ["pdf"]}, "print_unit": "turn"},
                       headers=S).json()["job_id"] for _ in range(4)]  # fmt: skip
    for jid in ids:
        assert wait_ready(client, jid)["state"] == "ready"
    body = {"template": "phone-case-iphone15", "print_unit": "turn", "sheet": {"width_mm": 200, "height_mm": 450}}
    r = client.post("/v1/sheets", json=body, headers=P)
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert [i["job_id"] for i in items] == ids and all(i["rotated"] for i in items)
    pdf = pikepdf.open(io.BytesIO(client.get(r.json()["files"]["sheet.pdf"], headers=P).content))
    page, H = pdf.pages[0], mm_to_pt(450)
    ops = _ops(page)
    cms = {str(operands[0]): [float(v) for v in ops[n - 1][0]] for n, (operands, op) in enumerate(ops) if op == "Do"}
    for n, item in enumerate(items):
        src = pikepdf.open(io.BytesIO(client.get(f"/v1/jobs/{item['job_id']}/files/print.pdf", headers=P).content))
        x0, y0, x1, y1 = (float(v) for v in src.pages[0].trimbox)
        a, b, c, d, e, f = cms[f"/Item{n}"]
        assert (a, b, c, d) == (0, 1, -1, 0)  # a quarter turn, no scaling
        corners = [(a * px + c * py + e, b * px + d * py + f) for px, py in ((x0, y0), (x1, y1))]
        xs, ys = sorted(p[0] for p in corners), sorted(p[1] for p in corners)
        x, y, w, h = item["trim_mm"]
        assert xs == pytest.approx([mm_to_pt(x), mm_to_pt(x + w)], abs=0.01)
        assert ys == pytest.approx([H - mm_to_pt(y + h), H - mm_to_pt(y)], abs=0.01)
    r = client.post("/v1/sheets", json={**body, "allow_rotation": False}, headers=P)
    assert r.status_code == 409  # all four are on the first sheet


def test_products_printed_alike_share_a_sheet(client: Any) -> None:
    def job(template: str) -> str:
        design = {"version": 1, "template": template, "layers": [{"type": "background", "color": "#e9c46a"}]}
        body = {"design": design, "outputs": {"formats": ["pdf"]}, "print_unit": "mixed"}
        return str(client.post("/v1/jobs", json=body, headers=S).json()["job_id"])

    ids = [job("coaster-95-round"), job("coaster-95-round"), job("phone-case-iphone15"), job("phone-case-iphone15"),
           job("mug-11oz")]  # fmt: skip
    for jid in ids:
        assert wait_ready(client, jid)["state"] == "ready"
    body = {"template": "coaster-95-round", "print_unit": "mixed", "mix_products": True}
    r = client.post("/v1/sheets", json=body, headers=P)
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    # the mug's output matches but its bleed (2 mm, not 3) does not: it waits for a mug sheet
    assert [(i["job_id"], i["template"]) for i in items] == [
        (ids[0], "coaster-95-round"), (ids[1], "coaster-95-round"),
        (ids[2], "phone-case-iphone15"), (ids[3], "phone-case-iphone15"),
    ]  # fmt: skip
    assert [i["trim_mm"][2:] for i in items] == [[95, 95], [95, 95], [75.6, 151.6], [75.6, 151.6]]
    boxes = [i["bleed_mm"] for i in items] + [[q[0], q[1], q[2], q[2]] for q in (i["qr_mm"] for i in items)]
    for n, a in enumerate(boxes):
        assert a[0] >= 10 and a[1] >= 10 and a[0] + a[2] <= 310 and a[1] + a[3] <= 440
        for b in boxes[n + 1:]:
            assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
    pdf = pikepdf.open(io.BytesIO(client.get(r.json()["files"]["sheet.pdf"], headers=P).content))
    page, H = pdf.pages[0], mm_to_pt(450)
    ops = _ops(page)
    cms = {str(operands[0]): [float(v) for v in ops[n - 1][0]] for n, (operands, op) in enumerate(ops) if op == "Do"}
    for n, item in enumerate(items):
        src = pikepdf.open(io.BytesIO(client.get(f"/v1/jobs/{item['job_id']}/files/print.pdf", headers=P).content))
        x0, y0, x1, y1 = (float(v) for v in src.pages[0].trimbox)
        x, y, w, h = item["trim_mm"]
        assert cms[f"/Item{n}"][:4] == [1, 0, 0, 1]
        assert cms[f"/Item{n}"][4] + x0 == pytest.approx(mm_to_pt(x), abs=0.01)
        assert cms[f"/Item{n}"][5] + y0 == pytest.approx(H - mm_to_pt(y + h), abs=0.01)
        assert (x1 - x0, y1 - y0) == pytest.approx((mm_to_pt(w), mm_to_pt(h)), abs=0.01)
    lines = [op for _, op in ops if op == "S"]
    assert len(lines) == 8 * 4  # crop marks at every item's corners
    # the label in the bottom margin is real text: pdftotext reads it back, in an embedded subset of Noto Sans,
    # filled 100 % K; on poppler's raster its ink spans the text's width as FreeType (Pillow) measures it
    label = r.json()["label"]
    assert label.startswith(f"sheet {r.json()['sheet_id']} | unit mixed | ")
    assert label.endswith("4 items: coaster-95-round x2, phone-case-iphone15 x2")
    sheet_pdf = client.get(r.json()["files"]["sheet.pdf"], headers=P).content
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=sheet_pdf, capture_output=True, check=True)
    assert label in text.stdout.decode()
    (font,) = page.Resources.Font.values()
    assert font.Subtype == "/TrueType" and str(font.BaseFont).endswith("+NotoSans-Regular")
    assert len(str(font.BaseFont).lstrip("/").split("+")[0]) == 6  # a subset's tag
    assert len(font.FontDescriptor.FontFile2.read_bytes()) < 40_000  # the label's glyphs only
    bt = [op for _, op in ops].index("BT")
    label_ops = [(operands, op) for operands, op in ops[bt:] if op in ("k", "Tf", "Tj", "ET")]
    assert [op for _, op in label_ops] == ["Tf", "k", "Tj", "ET"]
    assert [float(v) for v in label_ops[1][0]] == [0, 0, 0, 1]  # 100 % K
    assert bytes(label_ops[2][0][0]).decode() == label
    pdffonts = subprocess.run(["pdffonts", "-"], input=sheet_pdf, capture_output=True, check=True).stdout.decode()
    assert "TrueType" in pdffonts.splitlines()[2] and " yes yes " in pdffonts.splitlines()[2]  # emb, sub
    dpi = 300
    png = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-"], input=sheet_pdf,
                         capture_output=True, check=True).stdout  # fmt: skip
    import cv2
    from PIL import ImageFont

    from render_engine.farm.sheet_label import LABEL_PT

    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    px = dpi / 25.4
    band = img[int((450 - 10) * px) + 2 :, :]  # the bottom margin
    cols = np.nonzero((band < 128).any(axis=0))[0]
    face = client.app.state.render.services.engine.fonts.face_for("noto-sans", 400, "normal")
    font = ImageFont.truetype(str(face.path), 1000)
    expected = font.getlength(label) / 1000 * LABEL_PT / 72 * dpi
    assert cols[0] == pytest.approx(10 * px, abs=3)  # starts at the left margin
    assert cols[-1] - cols[0] == pytest.approx(expected, rel=0.02)
    queue = client.get("/v1/print-queue", params={"print_unit": "mixed"}, headers=P).json()["jobs"]
    assert [j["id"] for j in queue] == [ids[4]]


def test_mixed_sheets_turn_items_when_that_fits_more(client: Any) -> None:
    """3 phone inserts and a coaster on a 200 x 560 mm sheet: never turned, 3 fit (the third phone waits); as
    designed with turning when needed, 3; laid flat, all 4 — the turned phones' trim boxes read back from the
    PDF's matrices."""

    def job(template: str) -> str:
        design = {"version": 1, "template": template, "layers": [{"type": "background", "color": "#e76f51"}]}
        body = {"design": design, "outputs": {"formats": ["pdf"]}, "print_unit": "mixturn"}
        return str(client.post("/v1/jobs", json=body, headers=S).json()["job_id"])

    ids = [job("phone-case-iphone15"), job("phone-case-iphone15"), job("phone-case-iphone15"), job("coaster-95-round")]
    for jid in ids:
        assert wait_ready(client, jid)["state"] == "ready"
    body = {"template": "coaster-95-round", "print_unit": "mixturn", "mix_products": True,
            "sheet": {"width_mm": 200, "height_mm": 560}}  # fmt: skip
    upright = plan_mixed_sheet(200, 560, [(j, 75.6, 151.6, 3) for j in ids[:3]] + [(ids[3], 95, 95, 3)], 10, 2,
                               rotate=False)  # fmt: skip
    assert [p.job_id for p in upright.items] == [ids[0], ids[1], ids[3]]  # never turned: the third phone waits
    r = client.post("/v1/sheets", json=body, headers=P)
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert [(i["job_id"], i["rotated"]) for i in items] == [(ids[0], True), (ids[1], True), (ids[2], True),
                                                            (ids[3], False)]  # fmt: skip
    assert [i["trim_mm"][2:] for i in items] == [[151.6, 75.6]] * 3 + [[95, 95]]
    assert r.json()["label"].endswith("4 items: phone-case-iphone15 x3, coaster-95-round x1")
    pdf = pikepdf.open(io.BytesIO(client.get(r.json()["files"]["sheet.pdf"], headers=P).content))
    ops, H = _ops(pdf.pages[0]), mm_to_pt(560)
    cms = {str(operands[0]): [float(v) for v in ops[n - 1][0]] for n, (operands, op) in enumerate(ops) if op == "Do"}
    for n, item in enumerate(items):
        src = pikepdf.open(io.BytesIO(client.get(f"/v1/jobs/{item['job_id']}/files/print.pdf", headers=P).content))
        x0, y0, x1, y1 = (float(v) for v in src.pages[0].trimbox)
        a, b, c, d, e, f = cms[f"/Item{n}"]
        assert (a, b, c, d) == ((0, 1, -1, 0) if item["rotated"] else (1, 0, 0, 1))
        corners = [(a * px + c * py + e, b * px + d * py + f) for px, py in ((x0, y0), (x1, y1))]
        xs, ys = sorted(p[0] for p in corners), sorted(p[1] for p in corners)
        x, y, w, h = item["trim_mm"]
        assert xs == pytest.approx([mm_to_pt(x), mm_to_pt(x + w)], abs=0.01)
        assert ys == pytest.approx([H - mm_to_pt(y + h), H - mm_to_pt(y)], abs=0.01)
    boxes = [i["bleed_mm"] for i in items]
    for n, a_ in enumerate(boxes):
        assert a_[0] >= 10 and a_[1] >= 10 and a_[0] + a_[2] <= 190 and a_[1] + a_[3] <= 550
        for b_ in boxes[n + 1:]:
            assert a_[0] + a_[2] <= b_[0] or b_[0] + b_[2] <= a_[0] or a_[1] + a_[3] <= b_[1] or b_[1] + b_[3] <= a_[1]


def test_retention_deletes_sheet_files_like_job_files(client: Any) -> None:
    from render_engine.farm.maintenance import purge_expired

    svc = client.app.state.render.services
    jid = client.post("/v1/jobs", json={"design": coaster("Old"), "outputs": {"formats": ["pdf"]},
                                        "print_unit": "retain"}, headers=S).json()["job_id"]  # fmt: skip
    assert wait_ready(client, jid)["state"] == "ready"
    r = client.post("/v1/sheets", json={"template": "coaster-95-round", "print_unit": "retain"}, headers=P)
    assert r.status_code == 201
    files = r.json()["files"]
    assert client.get(files["sheet.pdf"], headers=P).status_code == 200
    days = svc.settings.retention_days
    assert purge_expired(svc, now=time.time() + days * 86400 - 3600) >= 0  # not yet: kept
    assert client.get(files["sheet.pdf"], headers=P).status_code == 200
    purge_expired(svc, now=time.time() + days * 86400 + 60)
    assert client.get(files["sheet.pdf"], headers=P).status_code == 404
    assert client.get(files["manifest.json"], headers=P).status_code == 404
    assert r.json()["sheet_id"] not in svc.store.expired_sheets(time.time() + 10 * days * 86400, 10_000)
    assert client.get(f"/v1/jobs/{jid}", headers=S).status_code == 404  # its (acknowledged) job went too


def _ops(page: pikepdf.Page) -> list[tuple[list[Any], str]]:
    return [(list(operands), str(op)) for operands, op in pikepdf.parse_content_stream(page)]


def test_sheet_imposes_ready_jobs_once_with_marks_cutcontour_and_qr_codes(client: Any) -> None:
    ids = [client.post("/v1/jobs", json={"design": coaster(f"Sheet {n}"), "outputs": {"formats": ["pdf"]},
                                         "print_unit": "sheet-unit"}, headers=S).json()["job_id"]
           for n in range(7)]  # fmt: skip
    for jid in ids:
        assert wait_ready(client, jid)["state"] == "ready"
    body = {"template": "coaster-95-round", "print_unit": "sheet-unit"}
    r = client.post("/v1/sheets", json=body, headers=P)
    assert r.status_code == 201, r.text
    manifest = r.json()
    items = manifest["items"]
    assert [i["job_id"] for i in items] == ids[:6]  # the oldest six, in print-queue order; SRA3 holds six
    assert manifest["utilisation"] == pytest.approx(6 * 95 * 95 / (320 * 450), abs=1e-3)
    pdf_bytes = client.get(manifest["files"]["sheet.pdf"], headers=P).content
    assert json.loads(client.get(manifest["files"]["manifest.json"], headers=P).content)["items"] == items

    # the jobs are on that sheet: out of the print queue, an "imposed" event each; never imposed again
    queue = client.get("/v1/print-queue", params={"print_unit": "sheet-unit"}, headers=P).json()["jobs"]
    assert [j["id"] for j in queue] == [ids[6]]
    event = client.get(f"/v1/jobs/{ids[0]}", headers=S).json()["timeline"][-1]
    assert event["kind"] == "imposed" and event["data"] == {"sheet_id": manifest["sheet_id"]}
    second = client.post("/v1/sheets", json=body, headers=P).json()
    assert [i["job_id"] for i in second["items"]] == [ids[6]]
    again = client.post("/v1/sheets", json=body, headers=P)
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_impose"
    assert again.json()["field"] == "template", again.text

    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    page = pdf.pages[0]
    W, H = mm_to_pt(320), mm_to_pt(450)
    assert [float(v) for v in page.mediabox] == pytest.approx([0, 0, W, H])
    assert [float(v) for v in page.trimbox] == pytest.approx([0, 0, W, H])
    # PDF/X-4: the product's output intent and the version keys
    assert str(pdf.Root.OutputIntents[0].S) == "/GTS_PDFX"
    assert str(pdf.trailer.Info.GTS_PDFXVersion) == "PDF/X-4"
    ops = _ops(page)
    # each item: a form XObject whose TrimBox lands on the manifest's trim position (mm, from the top-left)
    placed = {}
    for n, (operands, op) in enumerate(ops):
        if op == "Do":
            cm = ops[n - 1][0]
            placed[str(operands[0])] = (float(cm[4]), float(cm[5]))
    assert len(placed) == 6
    uses = set()
    for n, item in enumerate(items):
        form = page.Resources.XObject[f"/Item{n}"]
        src = pikepdf.open(io.BytesIO(client.get(f"/v1/jobs/{item['job_id']}/files/print.pdf", headers=P).content))
        src_trim = [float(v) for v in src.pages[0].trimbox]
        dx, dy = placed[f"/Item{n}"]
        x, y, w, h = item["trim_mm"]
        assert dx + src_trim[0] == pytest.approx(mm_to_pt(x), abs=0.01)
        assert dy + src_trim[1] == pytest.approx(H - mm_to_pt(y + h), abs=0.01)
        assert (src_trim[2] - src_trim[0], src_trim[3] - src_trim[1]) == pytest.approx((mm_to_pt(w), mm_to_pt(h)))
        # the item's own content, untouched: its CutContour spot colour and layer come along
        spaces = {str(cs[1]) for cs in form.Resources.ColorSpace.values() if isinstance(cs, pikepdf.Array)}
        assert "/CutContour" in spaces
        (oc,) = form.Resources.Properties.values()
        uses.add(oc.objgen)
    layers = pdf.Root.OCProperties.OCGs
    assert [str(o.Name) for o in layers] == ["CutContour"] and uses == {layers[0].objgen}  # one layer for all
    # crop marks: registration colour, 8 strokes of MARK_LENGTH_MM per item
    assert str(page.Resources.ColorSpace.CSAll[1]) == "/All"
    lines = [(ops[n - 2][0], ops[n - 1][0]) for n, (_, op) in enumerate(ops) if op == "S"]
    assert len(lines) == 8 * 6
    for (x0, y0), (x1, y1) in lines:
        length = abs(float(x1) - float(x0)) + abs(float(y1) - float(y0))
        assert length == pytest.approx(mm_to_pt(MARK_LENGTH_MM), abs=0.01)

    # rasterised by poppler: every QR code decodes to its job id
    import cv2

    dpi = 254  # 10 px per mm
    png = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-"], input=pdf_bytes, capture_output=True,
                         check=True).stdout  # fmt: skip
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img.shape == (4500, 3200)
    # OpenCV's two detectors: each misses ~0.3-5 % of random job ids at 3.3 px a module (measured over 1 200
    # codes at 254-600 dpi); either one reading it never missed one, as a scanner that retries would
    detectors = (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco())
    for item in items:
        qx, qy, size = (round(v * 10) for v in item["qr_mm"])
        crop = img[qy - 20: qy + size + 20, qx - 20: qx + size + 20]
        texts = {d.detectAndDecode(crop)[0] for d in detectors}  # 3.3 px per 0.33 mm module
        assert item["job_id"] in texts


def test_dtf_roll_packs_transparent_pngs_on_22_inches_by_length(client: Any) -> None:
    import pyvips

    shirt = {"version": 1, "template": "tshirt-front-dtg", "layers": [
        {"type": "shape", "shape": "rect", "box": {"x": 50, "y": 50, "width": 200, "height": 100}, "fill": "#e63946"},
    ]}  # fmt: skip
    ids = [client.post("/v1/jobs", json={"design": shirt, "outputs": {"formats": ["png"], "dpi": 20, "proof": False},
                                         "print_unit": "dtf-unit"}, headers=S).json()["job_id"]
           for _ in range(3)]  # fmt: skip
    for jid in ids:
        assert wait_ready(client, jid)["state"] == "ready"
    body = {"kind": "dtf_roll", "template": "tshirt-front-dtg", "print_unit": "dtf-unit", "dpi": 20,
            "max_length_mm": 1000}  # fmt: skip
    r = client.post("/v1/sheets", json=body, headers=P)
    assert r.status_code == 201, r.text
    m = r.json()
    # one 304.8 mm item per 558.8 mm row; a third row would pass 1000 mm: two items, the third waits
    assert [i["job_id"] for i in m["items"]] == ids[:2]
    assert m["items"][1]["box_mm"] == pytest.approx([0, 408.4, 304.8, 406.4])
    assert m["roll_mm"] == pytest.approx([558.8, 814.8]) and m["pixels"] == [440, 642]
    assert m["utilisation"] == pytest.approx(2 * 304.8 * 406.4 / (558.8 * 814.8), abs=1e-3)
    roll = pyvips.Image.new_from_buffer(client.get(m["files"]["roll.png"], headers=P).content, "")
    assert (roll.width, roll.height, roll.bands) == (440, 642, 4)
    assert roll.xres * 25.4 == pytest.approx(20, abs=0.02)  # pHYs: the roll's DPI (whole pixels per metre)
    assert roll.getpoint(400, 300)[3] == 0  # beside the item: transparent film
    red = roll.getpoint(round(150 * 20 / 25.4), round((408.4 + 100) * 20 / 25.4))  # the 2nd shirt's rectangle
    assert red[3] == 255 and red[0] > 200 and red[1] < 100
    assert roll.getpoint(round(20 * 20 / 25.4), round(20 * 20 / 25.4))[3] == 0  # the shirt's own transparency
    again = client.post("/v1/sheets", json=body, headers=P).json()
    assert [i["job_id"] for i in again["items"]] == [ids[2]]  # never a job twice


def test_dtf_roll_carries_every_part_of_a_front_and_back_tshirt(client: Any) -> None:
    """Issue #18: a t-shirt printed front and back is two PNGs (front.png, back.png); both go on the roll, each
    labelled with its part in the manifest, at its own box (read back from the roll's pixels: the front's red,
    the back's blue); a job whose parts do not all fit waits whole for the next roll."""
    import pyvips

    def tee(front: str, back: str) -> dict[str, Any]:
        rect = {"type": "shape", "shape": "rect", "box": {"x": 50, "y": 50, "width": 200, "height": 100}}
        return {"version": 1, "template": "tshirt-dtg", "surfaces": {
            "front": {"layers": [{**rect, "fill": front}]}, "back": {"layers": [{**rect, "fill": back}]}}}  # fmt: skip

    ids = [client.post("/v1/jobs", json={"design": tee("#e63946", "#1d4ed8"),
                                         "outputs": {"formats": ["png"], "dpi": 20, "proof": False},
                                         "print_unit": "dtf-unit"}, headers=S).json()["job_id"]
           for _ in range(2)]  # fmt: skip
    for jid in ids:
        job = wait_ready(client, jid)
        assert job["state"] == "ready"
        assert {"front.png", "back.png"} <= {a["name"] for a in job["artifacts"]}
    # one 304.8 mm item per 558.8 mm row: the first job's front and back take 814.8 mm of the 1000; the second
    # job's front alone would still fit (to 1223.2 mm: no), so the second job waits, whole
    body = {"kind": "dtf_roll", "template": "tshirt-dtg", "print_unit": "dtf-unit", "dpi": 20, "max_length_mm": 1000}
    r = client.post("/v1/sheets", json=body, headers=P)
    assert r.status_code == 201, r.text
    m = r.json()
    assert [(i["job_id"], i["part"], i["label"]) for i in m["items"]] == [
        (ids[0], "front", "1/2 front"), (ids[0], "back", "2/2 back")]  # fmt: skip
    assert [i["box_mm"] for i in m["items"]] == [[0, 0, 304.8, 406.4], [0, 408.4, 304.8, 406.4]]
    boxes = {i["part"]: i["box_mm"] for i in m["items"]}
    roll = pyvips.Image.new_from_buffer(client.get(m["files"]["roll.png"], headers=P).content, "")
    assert roll.height == round(m["roll_mm"][1] * 20 / 25.4)
    for part, (red, blue) in {"front": (True, False), "back": (False, True)}.items():
        x, y, _, _ = boxes[part]
        px = roll.getpoint(round((x + 150) * 20 / 25.4), round((y + 100) * 20 / 25.4))  # the rectangle's middle
        assert px[3] == 255 and (px[0] > 200) == red and (px[2] > 200) == blue, (part, px)
    again = client.post("/v1/sheets", json=body, headers=P).json()
    assert [(i["job_id"], i["part"]) for i in again["items"]] == [(ids[1], "front"), (ids[1], "back")]


def test_plan_roll_keeps_a_jobs_parts_together() -> None:
    from render_engine.farm.rolls import plan_roll

    sizes = [("a", 300, 400, "front"), ("a", 300, 400, "back"), ("b", 300, 400, "front"), ("b", 300, 400, "back")]
    plan = plan_roll(sizes, 558.8, 2, 1300)  # b's front fits (to 1220 mm), its back would not: b waits whole
    assert [(i.job_id, i.part, i.label) for i in plan.items] == [("a", "front", "1/2 front"), ("a", "back", "2/2 back")]
    assert plan.length == pytest.approx(802)
    wide = plan_roll([("w", 300, 100, "front"), ("w", 600, 100, "back"), ("c", 100, 100)], 558.8, 2, 1000)
    assert [(i.job_id, i.part) for i in wide.items] == [("c", None)]  # a part wider than the roll: its job skipped
    assert wide.items[0].to_dict() == {"job_id": "c", "box_mm": [0, 0, 100, 100]}
