"""Gang sheets for print units: ``POST /v1/sheets`` imposes ready jobs of one product n-up on a press sheet
or a DTF roll (:func:`render_engine.farm.imposition.make_sheet`: claim, impose, publish; the jobs go back to
the print queue if the sheet cannot be made), ``GET /v1/sheets/{id}/files/{name}`` serves ``sheet.pdf`` /
``roll.png`` and ``manifest.json``. The routes check the key's print unit, call the farm and stream."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from render_engine.farm.imposition import SheetOrder, StorageFault
from render_engine.farm.imposition import make_sheet as impose

from ..deps import PrintUnit, State
from ..errors import ERROR_RESPONSES, Forbidden, NotFound, storage_error
from ..streaming import stored_file_response

router = APIRouter(tags=["sheets"])
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
    unit = _unit(key, body.print_unit)
    order = SheetOrder(**body.model_dump(exclude={"sheet", "print_unit"}), width_mm=body.sheet.width_mm,
                       height_mm=body.sheet.height_mm)  # fmt: skip
    try:
        manifest = impose(state.services, order, unit, key.name)  # claim, impose, publish (or release)
    except StorageFault as exc:
        raise storage_error(exc.error, "storage") from None
    names = ("roll.png", "manifest.json") if body.kind == "dtf_roll" else tuple(FILES)
    return {**manifest, "files": {n: f"/v1/sheets/{manifest['sheet_id']}/files/{n}" for n in names}}


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
