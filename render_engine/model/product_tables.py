"""Product tables: one data file that expands into a template per row (``templates_print/tables/*.json``).

A family of products that differ only in a few numbers — phone cases, one per phone model — is one table:
the family's shared settings once, then a row per model (its size, corner radius, camera opening, public
spec source and mockup scene). :func:`expand_table` turns each row into an ordinary
:class:`~.templates.Template` with id ``<family>-<model>``; the catalog lists them beside the single-file
templates, so every reader (CLI, API, renderer, mockups) sees plain templates.

Family ``phone-case`` (a snap case printed on its back): the case outline is the phone body plus the case
wall on every side, its corners the case's radius; the camera opening is a rounded rectangle in case mm
(from the outline's top-left). The opening is cut out of the print area (even-odd) and is a named mask, the
outline is the die-cut line — the shape of the single-file ``phone-case-iphone15`` template.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import TemplateError

MODEL_ID = r"^[a-z0-9][a-z0-9-]{0,40}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Opening(_Model):
    """A rounded-rectangle opening in case mm (origin: the case outline's top-left)."""

    x: Annotated[float, Field(ge=0)]
    y: Annotated[float, Field(ge=0)]
    width_mm: Annotated[float, Field(gt=0, le=200)]
    height_mm: Annotated[float, Field(gt=0, le=200)]
    radius_mm: Annotated[float, Field(ge=0, le=100)] = 0.0


class PhoneModel(_Model):
    name: Annotated[str, Field(min_length=1)]
    body_mm: tuple[Annotated[float, Field(gt=30, le=250)], Annotated[float, Field(gt=60, le=300)]] = Field(
        description="Phone body width, height (the manufacturer's published tech specs)."
    )
    corner_radius_mm: Annotated[float, Field(ge=0, le=30)] = Field(description="Case outline corner radius.")
    camera: Opening
    source: Annotated[str, Field(min_length=10)] = Field(description="The public page the body size is from.")
    lenses: list[tuple[float, float, float]] = Field(
        default_factory=list, description="Lens x, y, radius in case mm (the mockup scene draws them)."
    )
    mockup: dict[str, Any] = Field(default_factory=dict, description="Written by scripts/make_mockup_scenes.py.")


class CaseSettings(_Model):
    wall_mm: Annotated[float, Field(ge=0, le=10)] = Field(description="Case wall added to the body per side.")
    bleed_mm: Annotated[float, Field(ge=0, le=20)]
    safe_margin_mm: Annotated[float, Field(ge=0, le=50)]
    dpi: dict[str, Any] = Field(default_factory=dict, description="As a template's 'dpi' (validated there).")
    product_color: str = Field("#ffffff", pattern=r"^#[0-9a-fA-F]{6}$")
    output: dict[str, Any] = Field(description="As a template's 'output' (validated there).")


class PhoneCaseTable(_Model):
    family: Literal["phone-case"]
    name: Annotated[str, Field(min_length=1)] = Field(description="'{model}' is replaced by the row's name.")
    spec_source: Annotated[str, Field(min_length=10)] = Field(
        description="Shared part of every row's spec_source; the row's own source is put in front of it."
    )
    case: CaseSettings
    models: dict[Annotated[str, Field(pattern=MODEL_ID)], PhoneModel] = Field(min_length=1)


def _f(v: float) -> str:
    return f"{round(v, 3):g}"


def rounded_rect_d(x: float, y: float, w: float, h: float, r: float) -> str:
    r = max(0.0, min(r, w / 2, h / 2))
    x1, y1 = x + w, y + h
    if r == 0:
        return f"M{_f(x)} {_f(y)}H{_f(x1)}V{_f(y1)}H{_f(x)}Z"
    return (
        f"M{_f(x + r)} {_f(y)}H{_f(x1 - r)}A{_f(r)} {_f(r)} 0 0 1 {_f(x1)} {_f(y + r)}V{_f(y1 - r)}"
        f"A{_f(r)} {_f(r)} 0 0 1 {_f(x1 - r)} {_f(y1)}H{_f(x + r)}A{_f(r)} {_f(r)} 0 0 1 {_f(x)} {_f(y1 - r)}"
        f"V{_f(y + r)}A{_f(r)} {_f(r)} 0 0 1 {_f(x + r)} {_f(y)}Z"
    )


def phone_case_template(table: PhoneCaseTable, model_id: str) -> dict[str, Any]:
    """The template data of one row (validated by the caller as a Template): trim = body + 2 x wall, outline
    and camera opening as path data."""
    row = table.models[model_id]
    c = table.case
    w, h = row.body_mm[0] + 2 * c.wall_mm, row.body_mm[1] + 2 * c.wall_mm
    cam = row.camera
    if cam.x + cam.width_mm > w or cam.y + cam.height_mm > h:
        raise TemplateError(
            f"phone-case table: models.{model_id}.camera lies outside the {w:g} x {h:g} mm case",
            field=f"models.{model_id}.camera",
        )
    outline = rounded_rect_d(0, 0, w, h, row.corner_radius_mm)
    hole = rounded_rect_d(cam.x, cam.y, cam.width_mm, cam.height_mm, cam.radius_mm)
    tid = f"{table.family}-{model_id}"
    return {
        "id": tid,
        "name": table.name.replace("{model}", row.name),
        "kind": "phone-case",
        "spec_source": f"{row.name} body {_f(row.body_mm[0])} x {_f(row.body_mm[1])} mm ({row.source}) + "
        f"{_f(c.wall_mm)} mm case wall per side = {_f(w)} x {_f(h)} mm outline; {table.spec_source}",
        "trim": {"width_mm": round(w, 3), "height_mm": round(h, 3)},
        "bleed_mm": c.bleed_mm,
        "safe_margin_mm": c.safe_margin_mm,
        "dpi": c.dpi,
        "print_area": {"d": outline + hole, "description": "case outline minus the camera opening (even-odd)"},
        "cut_path": {"d": outline, "offset_mm": 0.0, "description": "outer die-cut line"},
        "masks": {"camera": {"d": hole, "description": "camera opening: nothing prints here"}},
        "product_color": c.product_color,
        "output": c.output,
        "mockup": row.mockup,
    }


def load_table(path: Path) -> PhoneCaseTable:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TemplateError(
            f"{path.name}: cannot read product table ({type(exc).__name__})", field="template"
        ) from None
    try:
        return PhoneCaseTable.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_input=False, include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise TemplateError(f"{path.name}: {loc}: {err['msg']}", field=loc) from None


def expand_table(path: Path) -> list[dict[str, Any]]:
    """Every row of a product table as template data (rows in file order)."""
    table = load_table(path)
    return [phone_case_template(table, model_id) for model_id in table.models]
