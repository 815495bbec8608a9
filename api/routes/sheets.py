"""Gang sheets for print units: ``POST /v1/sheets`` imposes ready jobs of one product n-up on a press sheet
(:mod:`render_engine.farm.sheets`), ``GET /v1/sheets/{id}/files/{name}`` serves ``sheet.pdf`` and
``manifest.json``. The jobs are claimed in the job store first (each at most once, ever: a second request
gets other jobs or none), then imposed; if the sheet cannot be made they go back to the print queue."""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from render_engine.farm.pieces import Piece, imposable_files, plan_pieces, read_pieces
from render_engine.farm.rolls import ROLL_WIDTH_MM, build_roll, plan_roll, png_size_mm
from render_engine.farm.sheet_label import label_text
from render_engine.farm.sheets import SheetPlan, item_counts, plan_mixed_sheet, plan_sheet, printed_alike, write_sheet
from render_engine.farm.storage import sha256_file

from ..deps import AppState, PrintUnit, State
from ..errors import ERROR_RESPONSES, ApiError, Forbidden, NotFound, NothingToImpose, NotReady, storage_error
from ..streaming import stored_file_response

router = APIRouter(tags=["sheets"])
log = logging.getLogger(__name__)
SheetId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
FILES = {"sheet.pdf": "application/pdf", "roll.png": "image/png", "manifest.json": "application/json"}


class SheetSize(BaseModel):
    model_config = ConfigDict(extra="forbid")
    width_mm: float = Field(320.0, ge=50, le=3000)
    height_mm: float = Field(450.0, ge=50, le=3000)


class SheetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["press_sheet", "dtf_roll"] = Field(
        "press_sheet", description="press_sheet: PDF/X-4 n-up of print.pdf; dtf_roll: 22 in transparent PNG roll."
    )
    template: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="The product of every item.")
    print_unit: str | None = Field(
        None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Only jobs routed to this unit."
    )
    sheet: SheetSize = Field(SheetSize(), description="Press sheet; default SRA3 (320 x 450 mm).")
    max_items: int = Field(50, ge=1, le=500)
    margin_mm: float = Field(10.0, ge=0, le=100, description="Unprinted edge of the sheet (gripper).")
    gap_mm: float = Field(2.0, ge=0, le=100, description="Between cells.")
    mix_products: bool = Field(
        False,
        description="press_sheet: also impose ready jobs of other products whose print settings match template's "
        "(output: profile, colour, mirror, underbase; bleed), packed in rows by size.",
    )
    allow_rotation: bool = Field(
        True, description="press_sheet: turn every item 90° when that fits more on the sheet (false: grain, nap)."
    )
    dpi: float | None = Field(None, gt=0, le=1200, description="dtf_roll: the roll's DPI (default: the product's).")
    max_length_mm: float = Field(5000.0, gt=0, le=50_000, description="dtf_roll: longest roll.")


def _unit(key: Any, asked: str | None) -> str | None:
    if key.print_unit is not None:
        if asked not in (None, key.print_unit):
            raise Forbidden("this key imposes only its own print unit's jobs", field="print_unit")
        return str(key.print_unit)
    return asked


@router.post("/sheets", status_code=201, responses={**ERROR_RESPONSES, 409: {"description": "nothing to impose"}})
def make_sheet(body: SheetIn, state: State, key: PrintUnit) -> dict[str, Any]:
    """Impose the oldest waiting jobs (print-queue order) of ``template`` n-up: PDF/X-4 with crop marks, each
    item's CutContour, a job-id QR code per item; the manifest lists item positions in mm and utilisation."""
    svc = state.services
    unit = _unit(key, body.print_unit)
    template = svc.engine.templates.get(body.template)
    if body.kind == "dtf_roll":
        return _roll(state, body, unit, key.name, template)
    if body.mix_products:
        return _mixed(state, body, unit, key.name, template)
    if template.is_multi:  # a part file of several pages per job: each page a piece of its own (issue #18)
        return _pieces(state, body, unit, key.name, template)
    trim = (template.trim.width_mm, template.trim.height_mm)
    size = body.sheet
    fits = plan_sheet(size.width_mm, size.height_mm, trim, template.bleed_mm, [], body.margin_mm, body.gap_mm,
                      rotate=body.allow_rotation)  # fmt: skip
    room = min(fits.capacity, body.max_items)
    if room == 0:
        raise ApiError(422, "invalid_request", "not one item of this product fits on the sheet", field="sheet")
    waiting = svc.store.print_queue(room * 2, None, template=body.template, print_unit=unit)
    ids = [r.id for r in waiting if any(a["name"] == "print.pdf" for a in r.artifacts)][:room]
    sheet_id = uuid.uuid4().hex
    claimed = svc.store.claim_for_sheet(sheet_id, ids, key.name) if ids else []
    if not claimed:
        raise ApiError(
            409, "nothing_to_impose", "no ready, untaken job of this product with a print.pdf", field="template"
        )
    try:
        return _impose(state, body, unit, sheet_id, claimed, template)
    except BaseException:
        svc.store.release_sheet(sheet_id, key.name, "sheet could not be made")
        raise


def _mixed(state: AppState, body: SheetIn, unit: str | None, actor: str, template: Any) -> dict[str, Any]:
    """Jobs of every product printed like ``template`` (same output spec and bleed), packed by size."""
    svc = state.services
    like = printed_alike(svc.engine.templates.templates, template)
    waiting = svc.store.print_queue(body.max_items * 4, None, output_profile=template.output.icc_profile,
                                    print_unit=unit)  # fmt: skip
    jobs = {r.id: like[t] for r in waiting if (t := (r.request.get("design") or {}).get("template")) in like
            and any(a["name"] == "print.pdf" for a in r.artifacts)}  # fmt: skip
    sizes = [(j, t.trim.width_mm, t.trim.height_mm, t.bleed_mm) for j, t in jobs.items()]
    plan = plan_mixed_sheet(body.sheet.width_mm, body.sheet.height_mm, sizes, body.margin_mm, body.gap_mm,
                            rotate=body.allow_rotation)  # fmt: skip
    ids = [p.job_id for p in plan.items][: body.max_items]
    sheet_id = uuid.uuid4().hex
    claimed = svc.store.claim_for_sheet(sheet_id, ids, actor) if ids else []
    if not claimed:
        raise NothingToImpose("no ready, untaken job printed like this product with a print.pdf")
    try:
        return _impose(state, body, unit, sheet_id, claimed, template, {j: jobs[j] for j in claimed})
    except BaseException:
        svc.store.release_sheet(sheet_id, actor, "sheet could not be made")
        raise


def _impose(
    state: AppState, body: SheetIn, unit: str | None, sheet_id: str, claimed: list[str], template: Any,
    mixed: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    svc = state.services
    trim = (template.trim.width_mm, template.trim.height_mm)
    if mixed is not None:  # the claimed jobs' own sizes, packed again (a job lost to a race leaves a gap)
        sizes = [(j, mixed[j].trim.width_mm, mixed[j].trim.height_mm, mixed[j].bleed_mm) for j in claimed]
        plan = plan_mixed_sheet(body.sheet.width_mm, body.sheet.height_mm, sizes, body.margin_mm, body.gap_mm,
                                rotate=body.allow_rotation)  # fmt: skip
    else:
        plan = plan_sheet(body.sheet.width_mm, body.sheet.height_mm, trim, template.bleed_mm, claimed,
                          body.margin_mm, body.gap_mm, rotate=body.allow_rotation)  # fmt: skip
    pdfs: dict[str, bytes] = {}
    for job_id in claimed:
        stored = svc.storage.open_artifact(job_id, "print.pdf")
        if stored is None:
            raise NotReady(f"job {job_id} lost its print.pdf", field="template")
        pdfs[job_id] = b"".join(stored.iter_range())
    return _publish(state, body, unit, sheet_id, plan, pdfs, template, mixed)


def _pieces(state: AppState, body: SheetIn, unit: str | None, actor: str, template: Any) -> dict[str, Any]:
    """Jobs of a multi-surface product (render_engine/farm/pieces.py): every page of each job's part PDFs is a
    piece on the sheet, labelled with its part, page and surface; a job's pieces all on this sheet or none."""
    svc = state.services
    size = body.sheet
    waiting = svc.store.print_queue(body.max_items * 2, None, template=body.template, print_unit=unit)
    found = [(r.id, f) for r in waiting if (f := imposable_files(r.artifacts, r.request.get("parts")))]
    files: dict[str, bytes] = {}
    pieces: list[Piece] = []
    for job_id, names in found[: body.max_items]:
        data = {n: svc.storage.open_artifact(job_id, n) for n in names}
        if any(v is None for v in data.values()):
            continue  # lost its files: not imposable (the print queue still shows it)
        got = {n: b"".join(v.iter_range()) for n, v in data.items() if v is not None}
        files.update((f"{job_id}/{n}", b) for n, b in got.items())
        pieces += read_pieces(job_id, got, names)
    args = (size.width_mm, size.height_mm)
    plan = plan_pieces(*args, pieces, body.margin_mm, body.gap_mm, rotate=body.allow_rotation)
    if pieces and not plan.items:
        raise ApiError(422, "invalid_request", "not one job of this product fits on the sheet", field="sheet")
    ids = list(dict.fromkeys(i.job_id for i in plan.items))
    sheet_id = uuid.uuid4().hex
    claimed = svc.store.claim_for_sheet(sheet_id, ids, actor) if ids else []
    if not claimed:
        raise NothingToImpose("no ready, untaken job of this product with a PDF print file")
    try:  # the claimed jobs' pieces placed again (a job lost to a race leaves no gap)
        plan = plan_pieces(*args, [p for p in pieces if p.job_id in claimed], body.margin_mm, body.gap_mm,
                           rotate=body.allow_rotation)  # fmt: skip
        return _publish(state, body, unit, sheet_id, plan, files, template)
    except BaseException:
        svc.store.release_sheet(sheet_id, actor, "sheet could not be made")
        raise


def _publish(
    state: AppState, body: SheetIn, unit: str | None, sheet_id: str, plan: SheetPlan, pdfs: dict[str, bytes],
    template: Any, mixed: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The sheet PDF and its manifest written and published under ``sheet_id``."""
    svc = state.services
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    manifest = {
        "sheet_id": sheet_id, "template": body.template, "print_unit": unit, "created": created,
        "sheet_mm": [body.sheet.width_mm, body.sheet.height_mm], "capacity": plan.capacity,
        "utilisation": plan.utilisation,
        "items": [{**p.to_dict(), **({"template": mixed[p.job_id].id} if mixed else {})} for p in plan.items],
    }  # fmt: skip
    counts = item_counts(plan, {p.job_id: mixed[p.job_id].id if mixed else body.template for p in plan.items})
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
                        label=(label, _label_font(svc), body.margin_mm))  # fmt: skip
            manifest["sheet_sha256"] = sha256_file(files["sheet.pdf"])
            files["manifest.json"].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            svc.storage.stage(files)
            svc.storage.publish(sheet_id, files)
    except OSError as exc:
        raise storage_error(exc, "storage") from None
    log.info("gang sheet with %d jobs", jobs, extra={"sheet_id": sheet_id})
    return {**manifest, "files": {n: f"/v1/sheets/{sheet_id}/files/{n}" for n in FILES}}


@router.get("/sheets/{sheet_id}/files/{name}", responses=ERROR_RESPONSES)
def sheet_file(sheet_id: SheetId, name: str, state: State, key: PrintUnit, request: Request) -> Response:
    """``sheet.pdf`` or ``manifest.json`` of a sheet (a unit's own key: its own sheets only)."""
    storage = state.services.storage
    meta = storage.open_artifact(sheet_id, "manifest.json") if name in FILES else None
    manifest = json.loads(b"".join(meta.iter_range())) if meta else None
    if manifest is None or (key.print_unit is not None and manifest.get("print_unit") != key.print_unit):
        raise NotFound("no such sheet file", field="name")
    stored = storage.open_artifact(sheet_id, name)
    if stored is None:
        raise NotFound("no such sheet file", field="name")
    return stored_file_response(
        request, stored, media_type=FILES[name], filename=f"sheet-{sheet_id}-{name}",
        headers={"Cache-Control": "private"},
    )  # fmt: skip


def _label_font(svc: Any) -> FsPath:
    """The sheet label's font: the bundled Noto Sans (a subset embedded as real text: farm/sheet_label.py)."""
    return FsPath(svc.engine.fonts.face_for("noto-sans", 400, "normal").path)


def _roll(state: AppState, body: SheetIn, unit: str | None, actor: str, template: Any) -> dict[str, Any]:
    """A DTF roll (render_engine/farm/rolls.py): waiting jobs with a transparent print.png, packed in rows."""
    svc = state.services
    dpi = body.dpi or float(template.dpi.target)
    waiting = svc.store.print_queue(body.max_items * 2, None, template=body.template, print_unit=unit)
    recs = [r for r in waiting if any(a["name"] == "print.png" for a in r.artifacts)][: body.max_items]
    job_dpi = {r.id: float((r.request.get("outputs") or {}).get("dpi") or template.dpi.target) for r in recs}
    sheet_id = uuid.uuid4().hex
    try:
        with svc.storage.tmp_dir() as tmp:
            pngs: dict[str, tuple[FsPath, float]] = {}
            for job_id, item_dpi in job_dpi.items():
                stored = svc.storage.open_artifact(job_id, "print.png")
                if stored is not None:
                    path = tmp / f"{job_id}.png"
                    path.write_bytes(b"".join(stored.iter_range()))
                    pngs[job_id] = (path, item_dpi)
            sizes = [(j, *png_size_mm(p, d)) for j, (p, d) in pngs.items()]
            planned = plan_roll(sizes, ROLL_WIDTH_MM, body.gap_mm, body.max_length_mm)
            claimed = svc.store.claim_for_sheet(sheet_id, [i.job_id for i in planned.items], actor)
            if not claimed:
                raise NothingToImpose("no ready, untaken job of this product with a print.png")
            try:
                plan = plan_roll([s for s in sizes if s[0] in claimed], ROLL_WIDTH_MM, body.gap_mm, body.max_length_mm)
                files = {"roll.png": tmp / "roll.png", "manifest.json": tmp / "manifest.json"}
                w, h = build_roll(plan, pngs, dpi, files["roll.png"], svc.engine.icc.srgb_profile_data())
                manifest = {
                    "sheet_id": sheet_id, "kind": "dtf_roll", "template": body.template, "print_unit": unit,
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
        raise storage_error(exc, "storage") from None
    return {**manifest, "files": {n: f"/v1/sheets/{sheet_id}/files/{n}" for n in ("roll.png", "manifest.json")}}
