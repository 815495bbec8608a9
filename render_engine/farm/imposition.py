"""Gang sheets and DTF rolls made from ready jobs: claim, impose, publish (``POST /v1/sheets`` calls
:func:`make_sheet`; the route only checks the key and streams the files).

The jobs are claimed in the job store first (each at most once, ever: a second request gets other jobs or
none), then imposed (:mod:`.sheets`: n-up of one product or of products printed alike; :mod:`.pieces`: every
page of a multi-surface job's part PDFs; :mod:`.rolls`: transparent PNGs packed on a 22 in roll); if the sheet
cannot be made they go back to the print queue (``release_sheet``). The sheet's files (``sheet.pdf`` or
``roll.png``, and ``manifest.json``) are published under the sheet id like a job's.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..model.errors import RenderError
from .pieces import Piece, imposable_files, plan_pieces, read_pieces
from .rolls import ROLL_WIDTH_MM, build_roll, plan_roll, png_size_mm, roll_files
from .services import Services
from .sheet_label import label_text
from .sheets import SheetPlan, item_counts, plan_mixed_sheet, plan_sheet, printed_alike, write_sheet
from .storage import sha256_file

log = logging.getLogger(__name__)


class NothingFits(RenderError):
    """422: not one item of the product fits on the sheet asked for."""

    code = "invalid_request"
    http_status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message, field="sheet")


class NothingToImpose(RenderError):
    """409 ``nothing_to_impose``: no ready, untaken job of the product to put on a sheet."""

    code = "nothing_to_impose"
    http_status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message, field="template")


class LostPrintFile(RenderError):
    """409 ``not_ready``: a claimed job's print file is gone from storage."""

    code = "not_ready"
    http_status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message, field="template")


class StorageFault(Exception):
    """Writing or publishing the sheet's files failed (``error``: the ``OSError``); the jobs went back."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class SheetOrder:
    """What a print unit asks for (``POST /v1/sheets``; the fields are documented on its schema)."""

    template: str
    kind: Literal["press_sheet", "dtf_roll"] = "press_sheet"
    width_mm: float = 320.0
    height_mm: float = 450.0
    max_items: int = 50
    margin_mm: float = 10.0
    gap_mm: float = 2.0
    mix_products: bool = False
    allow_rotation: bool = True
    dpi: float | None = None
    max_length_mm: float = 5000.0


def make_sheet(svc: Services, order: SheetOrder, unit: str | None, actor: str) -> dict[str, Any]:
    """Impose the oldest waiting jobs (print-queue order) of ``order.template`` routed to ``unit`` (None: any)
    and publish the sheet; its manifest. ``actor``: the key's name (the claim's and a release's author)."""
    template = svc.engine.templates.get(order.template)
    if order.kind == "dtf_roll":
        return _roll(svc, order, unit, actor, template)
    if order.mix_products:
        return _mixed(svc, order, unit, actor, template)
    if template.is_multi:  # a part file of several pages per job: each page a piece of its own (issue #18)
        return _pieces(svc, order, unit, actor, template)
    trim = (template.trim.width_mm, template.trim.height_mm)
    fits = plan_sheet(order.width_mm, order.height_mm, trim, template.bleed_mm, [], order.margin_mm, order.gap_mm,
                      rotate=order.allow_rotation)  # fmt: skip
    room = min(fits.capacity, order.max_items)
    if room == 0:
        raise NothingFits("not one item of this product fits on the sheet")
    waiting = svc.store.print_queue(room * 2, None, template=order.template, print_unit=unit)
    ids = [r.id for r in waiting if any(a["name"] == "print.pdf" for a in r.artifacts)][:room]
    sheet_id = uuid.uuid4().hex
    claimed = svc.store.claim_for_sheet(sheet_id, ids, actor) if ids else []
    if not claimed:
        raise NothingToImpose("no ready, untaken job of this product with a print.pdf")
    try:
        return _impose(svc, order, unit, sheet_id, claimed, template)
    except BaseException:
        svc.store.release_sheet(sheet_id, actor, "sheet could not be made")
        raise


def _mixed(svc: Services, order: SheetOrder, unit: str | None, actor: str, template: Any) -> dict[str, Any]:
    """Jobs of every product printed like ``template`` (same output spec and bleed), packed by size."""
    like = printed_alike(svc.engine.templates.templates, template)
    waiting = svc.store.print_queue(order.max_items * 4, None, output_profile=template.output.icc_profile,
                                    print_unit=unit)  # fmt: skip
    jobs = {r.id: like[t] for r in waiting if (t := (r.request.get("design") or {}).get("template")) in like
            and any(a["name"] == "print.pdf" for a in r.artifacts)}  # fmt: skip
    sizes = [(j, t.trim.width_mm, t.trim.height_mm, t.bleed_mm) for j, t in jobs.items()]
    plan = plan_mixed_sheet(order.width_mm, order.height_mm, sizes, order.margin_mm, order.gap_mm,
                            rotate=order.allow_rotation)  # fmt: skip
    ids = [p.job_id for p in plan.items][: order.max_items]
    sheet_id = uuid.uuid4().hex
    claimed = svc.store.claim_for_sheet(sheet_id, ids, actor) if ids else []
    if not claimed:
        raise NothingToImpose("no ready, untaken job printed like this product with a print.pdf")
    try:
        return _impose(svc, order, unit, sheet_id, claimed, template, {j: jobs[j] for j in claimed})
    except BaseException:
        svc.store.release_sheet(sheet_id, actor, "sheet could not be made")
        raise


def _impose(
    svc: Services, order: SheetOrder, unit: str | None, sheet_id: str, claimed: list[str], template: Any,
    mixed: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    trim = (template.trim.width_mm, template.trim.height_mm)
    if mixed is not None:  # the claimed jobs' own sizes, packed again (a job lost to a race leaves a gap)
        sizes = [(j, mixed[j].trim.width_mm, mixed[j].trim.height_mm, mixed[j].bleed_mm) for j in claimed]
        plan = plan_mixed_sheet(order.width_mm, order.height_mm, sizes, order.margin_mm, order.gap_mm,
                                rotate=order.allow_rotation)  # fmt: skip
    else:
        plan = plan_sheet(order.width_mm, order.height_mm, trim, template.bleed_mm, claimed,
                          order.margin_mm, order.gap_mm, rotate=order.allow_rotation)  # fmt: skip
    pdfs: dict[str, bytes] = {}
    for job_id in claimed:
        stored = svc.storage.open_artifact(job_id, "print.pdf")
        if stored is None:
            raise LostPrintFile(f"job {job_id} lost its print.pdf")
        pdfs[job_id] = b"".join(stored.iter_range())
    return _publish(svc, order, unit, sheet_id, plan, pdfs, template, mixed)


def _pieces(svc: Services, order: SheetOrder, unit: str | None, actor: str, template: Any) -> dict[str, Any]:
    """Jobs of a multi-surface product (:mod:`.pieces`): every page of each job's part PDFs is a piece on the
    sheet, labelled with its part, page and surface; a job's pieces all on this sheet or none."""
    waiting = svc.store.print_queue(order.max_items * 2, None, template=order.template, print_unit=unit)
    found = [(r.id, f) for r in waiting if (f := imposable_files(r.artifacts, r.request.get("parts")))]
    files: dict[str, bytes] = {}
    pieces: list[Piece] = []
    for job_id, names in found[: order.max_items]:
        data = {n: svc.storage.open_artifact(job_id, n) for n in names}
        if any(v is None for v in data.values()):
            continue  # lost its files: not imposable (the print queue still shows it)
        got = {n: b"".join(v.iter_range()) for n, v in data.items() if v is not None}
        files.update((f"{job_id}/{n}", b) for n, b in got.items())
        pieces += read_pieces(job_id, got, names)
    args = (order.width_mm, order.height_mm)
    plan = plan_pieces(*args, pieces, order.margin_mm, order.gap_mm, rotate=order.allow_rotation)
    if pieces and not plan.items:
        raise NothingFits("not one job of this product fits on the sheet")
    ids = list(dict.fromkeys(i.job_id for i in plan.items))
    sheet_id = uuid.uuid4().hex
    claimed = svc.store.claim_for_sheet(sheet_id, ids, actor) if ids else []
    if not claimed:
        raise NothingToImpose("no ready, untaken job of this product with a PDF print file")
    try:  # the claimed jobs' pieces placed again (a job lost to a race leaves no gap)
        plan = plan_pieces(*args, [p for p in pieces if p.job_id in claimed], order.margin_mm, order.gap_mm,
                           rotate=order.allow_rotation)  # fmt: skip
        return _publish(svc, order, unit, sheet_id, plan, files, template)
    except BaseException:
        svc.store.release_sheet(sheet_id, actor, "sheet could not be made")
        raise


def _publish(
    svc: Services, order: SheetOrder, unit: str | None, sheet_id: str, plan: SheetPlan, pdfs: dict[str, bytes],
    template: Any, mixed: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The sheet PDF and its manifest written and published under ``sheet_id``."""
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    manifest = {
        "sheet_id": sheet_id, "template": order.template, "print_unit": unit, "created": created,
        "sheet_mm": [order.width_mm, order.height_mm], "capacity": plan.capacity,
        "utilisation": plan.utilisation,
        "items": [{**p.to_dict(), **({"template": mixed[p.job_id].id} if mixed else {})} for p in plan.items],
    }  # fmt: skip
    counts = item_counts(plan, {p.job_id: mixed[p.job_id].id if mixed else order.template for p in plan.items})
    jobs = len({p.job_id for p in plan.items})
    label = label_text(sheet_id, unit, created, counts, jobs=jobs)
    manifest["label"] = label
    profile = svc.engine.icc.cmyk_profile(template.output.icc_profile)
    # recorded before its files exist: retention deletes them like a job's (a record without files is harmless)
    svc.store.record_sheet(sheet_id, "press_sheet", unit, len(plan.items))
    try:
        with svc.storage.tmp_dir() as tmp:
            files = {"sheet.pdf": tmp / "sheet.pdf", "manifest.json": tmp / "manifest.json"}
            write_sheet(files["sheet.pdf"], plan, pdfs, template.bleed_mm, profile, f"gang sheet {sheet_id}", created,
                        label=(label, _label_font(svc), order.margin_mm))  # fmt: skip
            manifest["sheet_sha256"] = sha256_file(files["sheet.pdf"])
            files["manifest.json"].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            svc.storage.stage(files)
            svc.storage.publish(sheet_id, files)
    except OSError as exc:
        raise StorageFault(exc) from None
    log.info("gang sheet with %d jobs", jobs, extra={"sheet_id": sheet_id})
    return manifest


def _label_font(svc: Services) -> Path:
    """The sheet label's font: the bundled Noto Sans (a subset embedded as real text: :mod:`.sheet_label`)."""
    return Path(svc.engine.fonts.face_for("noto-sans", 400, "normal").path)


def _roll(svc: Services, order: SheetOrder, unit: str | None, actor: str, template: Any) -> dict[str, Any]:
    """A DTF roll (:mod:`.rolls`): waiting jobs with transparent PNGs (``print.png``, or one per part of a
    multi-part job: a t-shirt's front and back), packed in rows; a job's parts all on the roll or none."""
    dpi = order.dpi or float(template.dpi.target)
    waiting = svc.store.print_queue(order.max_items * 2, None, template=order.template, print_unit=unit)
    found = [(r, f) for r in waiting if (f := roll_files(r.artifacts, r.request.get("parts")))][: order.max_items]
    sheet_id = uuid.uuid4().hex
    try:
        with svc.storage.tmp_dir() as tmp:
            pngs: dict[str, tuple[Path, float]] = {}
            sizes: list[tuple[str, float, float, str | None]] = []
            for rec, names in found:
                item_dpi = float((rec.request.get("outputs") or {}).get("dpi") or template.dpi.target)
                stored = [(part, svc.storage.open_artifact(rec.id, name)) for part, name in names]
                for n, (part, data) in enumerate(stored):
                    if data is None:
                        break  # lost a file: not on a roll (the print queue still shows it)
                    key = rec.id if part is None else f"{rec.id}/{part}"
                    path = tmp / f"{rec.id}-{n}.png"
                    path.write_bytes(b"".join(data.iter_range()))
                    pngs[key] = (path, item_dpi)
                else:
                    sizes += [(rec.id, *png_size_mm(pngs[rec.id if p is None else f"{rec.id}/{p}"][0], item_dpi), p)
                              for p, _ in stored]  # fmt: skip
            planned = plan_roll(sizes, ROLL_WIDTH_MM, order.gap_mm, order.max_length_mm)
            ids = list(dict.fromkeys(i.job_id for i in planned.items))
            claimed = svc.store.claim_for_sheet(sheet_id, ids, actor) if ids else []
            if not claimed:
                raise NothingToImpose("no ready, untaken job of this product with a PNG print file")
            try:
                plan = plan_roll([s for s in sizes if s[0] in claimed], ROLL_WIDTH_MM, order.gap_mm,
                                 order.max_length_mm)  # fmt: skip
                files = {"roll.png": tmp / "roll.png", "manifest.json": tmp / "manifest.json"}
                w, h = build_roll(plan, pngs, dpi, files["roll.png"], svc.engine.icc.srgb_profile_data())
                manifest = {
                    "sheet_id": sheet_id, "kind": "dtf_roll", "template": order.template, "print_unit": unit,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "dpi": dpi,
                    "roll_mm": [plan.width, round(plan.length, 3)], "pixels": [w, h],
                    "utilisation": plan.utilisation, "items": [i.to_dict() for i in plan.items],
                    "roll_sha256": sha256_file(files["roll.png"]),
                }  # fmt: skip
                files["manifest.json"].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
                svc.store.record_sheet(sheet_id, "dtf_roll", unit, len(plan.items))
                svc.storage.stage(files)
                svc.storage.publish(sheet_id, files)
            except BaseException:
                svc.store.release_sheet(sheet_id, actor, "roll could not be made")
                raise
    except OSError as exc:
        raise StorageFault(exc) from None
    return manifest
