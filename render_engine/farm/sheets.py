"""Gang sheets: ready print PDFs of small jobs imposed n-up on one press sheet (PDF/X-4).

* :func:`plan_sheet` — pure geometry in mm (origin top-left of the sheet, y down, like designs): a grid of
  cells, each holding one item's bleed box, a crop-mark zone around it and, under it, a slug with the job
  id's QR code. Items are never scaled; every item is turned 90° when that orientation fits more cells on the
  sheet (``rotated`` in the manifest). ``utilisation`` = the items' trim area / the sheet's area.
* :func:`plan_mixed_sheet` — items of different sizes (products whose print settings match) packed in
  shelves: cells left to right in print-queue order, a new row when the next does not fit; an item that
  fits nowhere any more waits for the next sheet. Items may turn 90°: the packing as designed, laid flat
  and stood up are compared and the one placing the most items kept.
* :func:`build_sheet` — each item's ``print.pdf`` page becomes a Form XObject placed so its TrimBox lands on
  the planned trim (its content is copied untouched: vector text, CMYK images, the ``CutContour`` spot line
  and its optional-content layer, which the sheet's catalog lists); crop marks in registration colour
  (``All``) at every item's trim corners; the QR code (``segno``: modules as filled rectangles, 100 % K,
  a 4-module quiet zone, modules ≥ 0.3 mm) in the slug; the output intent of the product's profile.

A label in the bottom margin names the sheet (id, unit, date, item counts): real text in a subset of a
bundled font, embedded, 100 % K (:mod:`.sheet_label`), so pdftotext and a viewer's search read it.
:func:`printed_alike` and :func:`item_counts` decide which products share a mixed sheet and what the label
counts (the API route only claims jobs and stores files).

Which jobs go on a sheet, and that none goes on two, is the job store's business (``claim_for_sheet``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from ..model.qr import QrCode, dark_runs, qr_code
from ..model.units import mm_to_pt
from .sheet_label import FONT_RESOURCE, label_font, label_ops, pdf_string, text_ops

MARK_ZONE_MM = 5.0  # around each item's bleed box: crop marks start 1 mm outside the bleed, 3.5 mm long
MARK_OFFSET_MM = 1.0
MARK_LENGTH_MM = 3.5
QR_MODULE_MM = 0.33  # ≥ 0.3 mm per module: readable by a phone or a handheld scanner off the press sheet
QR_QUIET = 4  # modules of quiet zone, as ISO/IEC 18004 asks


@dataclass(frozen=True)
class Placement:
    job_id: str
    trim: tuple[float, float, float, float]  # x, y, w, h in mm from the sheet's top-left
    bleed: tuple[float, float, float, float]
    qr: tuple[float, float, float]  # x, y, size in mm (quiet zone included)
    rotated: bool = False  # turned 90° counter-clockwise: ``trim``/``bleed`` are the turned boxes on the sheet
    # one page of a multi-part job's print file (issue #18, :mod:`.pieces`): which file and page, and the label
    # printed beside the QR code ("keychain 2/2 back"); None: the job's print.pdf, page 1, no label
    file: str | None = None
    page: int = 0  # 0-based page of ``file``
    label: str | None = None

    @property
    def source(self) -> str:
        """The key of this item's PDF in ``build_sheet``'s ``item_pdfs``: the job id, or ``<job id>/<file>``."""
        return self.job_id if self.file is None else f"{self.job_id}/{self.file}"

    def to_dict(self) -> dict[str, Any]:
        def r(v: Sequence[float]) -> list[float]:
            return [round(x, 3) for x in v]

        out = {"job_id": self.job_id, "trim_mm": r(self.trim), "bleed_mm": r(self.bleed), "qr_mm": r(self.qr),
               "rotated": self.rotated}  # fmt: skip
        if self.file is not None:
            out.update(file=self.file, page=self.page + 1, label=self.label)
        return out


@dataclass(frozen=True)
class SheetPlan:
    width: float
    height: float
    capacity: int  # cells on the sheet
    items: tuple[Placement, ...]
    utilisation: float  # trim area of the items / sheet area


def job_qr(text: str) -> QrCode:
    """The QR code of ``text`` (byte mode, error correction M), quiet zone included."""
    return qr_code(text, "m", QR_QUIET, mode="byte")


def qr_size_mm(text: str) -> float:
    return job_qr(text).size * QR_MODULE_MM


def plan_sheet(
    width: float,
    height: float,
    trim: tuple[float, float],
    bleed: float,
    job_ids: Sequence[str],
    margin: float,
    gap: float,
    *,
    rotate: bool = True,
) -> SheetPlan:
    """A grid of equal cells, filled row by row with ``job_ids`` (at most the cells there are); the items
    turned 90° when ``rotate`` and that fits more of them."""
    qr = qr_size_mm(job_ids[0] if job_ids else "0" * 32)

    def grid(tw: float, th: float) -> tuple[int, int, float, float]:
        cell_w = max(tw + 2 * bleed + 2 * MARK_ZONE_MM, qr)
        cell_h = th + 2 * bleed + 2 * MARK_ZONE_MM + qr
        cols = max(0, math.floor((width - 2 * margin + gap) / (cell_w + gap)))
        rows = max(0, math.floor((height - 2 * margin + gap) / (cell_h + gap)))
        return cols, rows, cell_w, cell_h

    tw, th = trim
    cols, rows, cell_w, cell_h = grid(tw, th)
    turned = grid(th, tw)
    rotated = rotate and tw != th and turned[0] * turned[1] > cols * rows
    if rotated:
        tw, th = th, tw
        cols, rows, cell_w, cell_h = turned
    bw, bh = tw + 2 * bleed, th + 2 * bleed
    items = []
    for n, job_id in enumerate(job_ids[: cols * rows]):
        row, col = divmod(n, cols)
        x0 = margin + col * (cell_w + gap)
        y0 = margin + row * (cell_h + gap)
        bx, by = x0 + (cell_w - bw) / 2, y0 + MARK_ZONE_MM
        items.append(
            Placement(
                job_id,
                trim=(bx + bleed, by + bleed, tw, th),
                bleed=(bx, by, bw, bh),
                qr=(x0 + (cell_w - qr) / 2, by + bh + MARK_ZONE_MM, qr),
                rotated=rotated,
            )
        )
    used = len(items) * tw * th / (width * height) if width * height else 0.0
    return SheetPlan(width, height, cols * rows, tuple(items), round(used, 4))


def _shelves(
    width: float, height: float, items: Sequence[tuple[str, float, float, float]], margin: float, gap: float,
    prefer: str,
) -> list[Placement]:
    """Shelf packing in print-queue order. ``prefer``: each item's first orientation — ``upright`` (as
    designed), ``flat`` (wider than tall) or ``tall`` — the other one tried when the first does not fit;
    ``never``: as designed only."""
    placed: list[Placement] = []
    x, y, row_h = margin, margin, 0.0
    right, bottom = width - margin, height - margin
    for job_id, tw, th, bleed in items:
        qr = qr_size_mm(job_id)
        turn_first = (prefer == "flat" and th > tw) or (prefer == "tall" and tw > th)
        turns = [turn_first, not turn_first] if tw != th and prefer != "never" else [False]

        cells = {}  # orientation -> (trim w, trim h, cell w, cell h)
        for t in turns:
            w, h = (th, tw) if t else (tw, th)
            cells[t] = (w, h, max(w + 2 * bleed + 2 * MARK_ZONE_MM, qr), h + 2 * bleed + 2 * MARK_ZONE_MM + qr)
        turned = next((t for t in turns if x + cells[t][2] <= right + 1e-9 and y + cells[t][3] <= bottom + 1e-9), None)
        if turned is None and x > margin:  # a new row
            ny = y + row_h + gap
            turned = next((t for t in turns if margin + cells[t][2] <= right + 1e-9
                           and ny + cells[t][3] <= bottom + 1e-9), None)  # fmt: skip
            if turned is not None:
                x, y, row_h = margin, ny, 0.0
        if turned is None:
            continue  # does not fit here: it waits for the next sheet
        w, h, cw, ch = cells[turned]
        bw, bh = w + 2 * bleed, h + 2 * bleed
        bx, by = x + (cw - bw) / 2, y + MARK_ZONE_MM
        placed.append(Placement(job_id, trim=(bx + bleed, by + bleed, w, h), bleed=(bx, by, bw, bh),
                                qr=(x + (cw - qr) / 2, by + bh + MARK_ZONE_MM, qr), rotated=turned))  # fmt: skip
        x, row_h = x + cw + gap, max(row_h, ch)
    return placed


def plan_mixed_sheet(
    width: float,
    height: float,
    items: Sequence[tuple[str, float, float, float]],
    margin: float,
    gap: float,
    *,
    rotate: bool = True,
) -> SheetPlan:
    """``items``: (job id, trim width, trim height, bleed) in mm, in print-queue order; each gets a cell of its
    own size (bleed box, crop-mark zone, QR code under it), packed in rows. With ``rotate``, three packings
    are tried — items as designed, laid flat, stood up (each item turned 90° when its preferred orientation
    does not fit where it would go and the other does) — and the one placing the most items is kept (then the
    most trim area; ties: as designed)."""
    prefs = ("upright", "flat", "tall") if rotate else ("never",)
    plans = [_shelves(width, height, items, margin, gap, p) for p in prefs]

    def area(ps: list[Placement]) -> float:
        return sum(p.trim[2] * p.trim[3] for p in ps)

    placed = max(plans, key=lambda ps: (len(ps), round(area(ps), 6)))  # first of equals: as designed
    used = area(placed) / (width * height) if width * height else 0.0
    return SheetPlan(width, height, len(placed), tuple(placed), round(used, 4))


def printed_alike(templates: Any, template: Any) -> dict[str, Any]:
    """Products that may share a mixed sheet with ``template``: the same output spec (profile, colour,
    mirror, underbase) and bleed. ``templates``: the engine's template catalog (id -> template)."""
    return {t.id: t for t in templates.values() if t.output == template.output and t.bleed_mm == template.bleed_mm}


def item_counts(plan: SheetPlan, template_of: Mapping[str, str]) -> dict[str, int]:
    """Items per product on the sheet, in sheet order (the label's and the manifest's counts)."""
    counts: dict[str, int] = {}
    for p in plan.items:
        counts[template_of[p.job_id]] = counts.get(template_of[p.job_id], 0) + 1
    return counts


def _n(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".")


def _registration(pdf: pikepdf.Pdf) -> Array:
    """``/Separation /All``: registration colour, printed on every plate."""
    fn = Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1)
    return Array([Name.Separation, Name.All, Name.DeviceCMYK, pdf.make_indirect(fn)])


def _qr_ops(text: str, x: float, y_top: float, page_h: float) -> list[str]:
    """The QR code as filled rectangles (horizontal runs of dark modules), 100 % K, in pt."""
    m = mm_to_pt(QR_MODULE_MM)
    ops = ["q 0 0 0 1 k"]
    for r, start, n in dark_runs(job_qr(text)):
        y = mm_to_pt(page_h - y_top) - (r + 1) * m
        ops.append(f"{_n(mm_to_pt(x) + start * m)} {_n(y)} {_n(n * m)} {_n(m)} re")
    ops += ["f", "Q"]
    return ops


ITEM_LABEL_PT = 5.0


def _item_label_ops(item: Placement, widths: list[float], page_h: float) -> list[str]:
    """A multi-part item's label (``keychain 2/2 back``) right of its QR code, in the cell's slug: real text
    in the sheet's label font, also marked with its ``/ActualText``."""
    qx, qy, qs = item.qr
    x = qx + qs + 1.0
    room = item.bleed[0] + item.bleed[2] + MARK_ZONE_MM - x
    if item.label is None or room <= 2:
        return []
    base = mm_to_pt(page_h - qy - qs / 2) - ITEM_LABEL_PT / 3  # about the QR code's middle
    ops = text_ops(item.label, widths, mm_to_pt(x), base, mm_to_pt(room), ITEM_LABEL_PT)
    return [f"/Span <</ActualText ({pdf_string(item.label)})>> BDC", *ops, "EMC"]


def _mark_ops(trim: tuple[float, float, float, float], bleed: float, page_h: float) -> list[str]:
    x, y, w, h = trim
    gap = bleed + MARK_OFFSET_MM
    ops = []
    for cx, cy, sx, sy in ((x, y, -1, -1), (x + w, y, 1, -1), (x, y + h, -1, 1), (x + w, y + h, 1, 1)):
        px, py = mm_to_pt(cx), mm_to_pt(page_h - cy)
        g, L = mm_to_pt(gap), mm_to_pt(gap + MARK_LENGTH_MM)
        ops.append(f"{_n(px + sx * g)} {_n(py)} m {_n(px + sx * L)} {_n(py)} l S")
        ops.append(f"{_n(px)} {_n(py - sy * g)} m {_n(px)} {_n(py - sy * L)} l S")
    return ops


def build_sheet(
    plan: SheetPlan, item_pdfs: dict[str, bytes], bleed: float, label: tuple[str, Path, float] | None = None
) -> tuple[pikepdf.Pdf, list[Any]]:
    """The sheet as a pikepdf document (the caller adds the output intent and saves it) and the optional
    content groups its items brought, one per layer name (listed in the catalog: the operator switches every
    item's ``CutContour`` with one layer)."""
    import io

    W, H = plan.width, plan.height
    sheet = pikepdf.new()
    sheet.add_blank_page(page_size=(mm_to_pt(W), mm_to_pt(H)))
    page = sheet.pages[0]
    box = Array([0, 0, mm_to_pt(W), mm_to_pt(H)])
    page.obj.TrimBox = box
    page.obj.BleedBox = box
    xobjects = Dictionary()
    layers: dict[str, Any] = {}  # optional content group per layer name, shared by every item
    ops = ["q /CSAll CS 1 SCN 0.25 w"]
    for item in plan.items:
        ops += _mark_ops(item.trim, item.trim[0] - item.bleed[0], H)  # each item's own bleed
    ops.append("Q")
    sources: dict[str, pikepdf.Pdf] = {}  # a multi-part job's file is opened once for all its pages
    for n, item in enumerate(plan.items):
        if item.source not in sources:
            sources[item.source] = pikepdf.open(io.BytesIO(item_pdfs[item.source]))
        src_page = sources[item.source].pages[item.page]
        tx0, ty0, _tx1, ty1 = (float(v) for v in src_page.trimbox)
        form = sheet.copy_foreign(src_page.as_form_xobject())
        props = form.get("/Resources", Dictionary()).get("/Properties", Dictionary())
        for prop, oc in list(props.items()):
            if oc.get("/Type") != Name.OCG:
                continue
            layer = str(oc.get("/Name", ""))
            if layer in layers:
                props[prop] = layers[layer]  # one "CutContour" layer for the whole sheet
            else:
                layers[layer] = oc
        name = f"/Item{n}"
        xobjects[name] = form
        x, y, _, h = item.trim
        if item.rotated:  # 90° counter-clockwise: the item's trim (tx0, ty0)-(tx1, ty1) onto the turned box
            e, f = mm_to_pt(x) + ty1, mm_to_pt(H - y - h) - tx0
            ops.append(f"q 0 1 -1 0 {_n(e)} {_n(f)} cm {name} Do Q")
        else:
            dx, dy = mm_to_pt(x) - tx0, mm_to_pt(H - y - h) - ty0
            ops.append(f"q 1 0 0 1 {_n(dx)} {_n(dy)} cm {name} Do Q")
        qx, qy, _ = item.qr
        ops += _qr_ops(item.job_id, qx, qy, H)
    resources = Dictionary(XObject=xobjects, ColorSpace=Dictionary(CSAll=_registration(sheet)))
    if label is not None:  # (text, font file, margin mm): real text in an embedded subset font
        texts = [label[0], *(item.label for item in plan.items if item.label is not None)]
        font, widths = label_font(sheet, label[1], "".join(texts))
        resources.Font = Dictionary({FONT_RESOURCE: font})
        for item in plan.items:
            ops += _item_label_ops(item, widths, H)
        ops += label_ops(label[0], widths, W, label[2])
    page.obj.Resources = resources
    page.obj.Contents = sheet.make_stream("\n".join(ops).encode())
    ocgs = list(layers.values())
    if ocgs:
        arr = Array(ocgs)
        sheet.Root.OCProperties = Dictionary(
            OCGs=arr, D=Dictionary(Order=arr, ON=arr, Name=pikepdf.String("Layers"))
        )
    return sheet, ocgs


def write_sheet(path: Path, plan: SheetPlan, item_pdfs: dict[str, bytes], bleed: float, profile: Any,
                title: str, created: str, label: tuple[str, Path, float] | None = None) -> None:
    """Build, add the PDF/X-4 document parts (output intent, XMP, Info) and save deterministically."""
    from ..backends.pdf import PRODUCER, finish_pdfx, save_pdf

    sheet, _ = build_sheet(plan, item_pdfs, bleed, label)
    finish_pdfx(sheet, profile, title, created, PRODUCER)
    save_pdf(sheet, path)
