"""Surfaces, pages and parts of a product template (issue #18): the data a multi-surface product declares.

A product prints on one or more **surfaces** (a t-shirt's front, back and left sleeve; a folded card's
outside and inside spreads) and/or on a run of **pages** (a book's interior, a calendar's months). Each
surface overrides what differs from the template's top-level geometry (trim, bleed, safe margin, masks,
output, DPI, mockup scene); what it leaves out it inherits. **Parts** say which surfaces and pages go into
which print file: a card is one two-page PDF ``card.pdf``, a t-shirt one PNG per surface.

A v1 template (none of these) is exactly one implicit surface: nothing about it changes. Every surface and
page is laid out as today's single-surface layout against a derived single-surface template
(:meth:`render_engine.model.templates.Template.surface_template`), so backends, preflight, proofs and mockups
work per surface unchanged.

Geometry is in mm in the surface's own trim coordinates (origin at its trim's top-left corner).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from .fast_validate import DefaultsModel, construct

SURFACE_NAME = r"^[a-z][a-z0-9-]{0,31}$"
#: the token a part lists to take the template's pages (in reading order)
PAGES = "pages"


class _Model(DefaultsModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)


class Fold(_Model):
    """A line the finished product bends along (a card's fold, a book's gutter or spine edge).

    Preflight warns when text or a face sits within ``clear_mm`` of it (``layout.on_fold``). The PDF drawing of
    fold lines as a spot colour belongs to the dieline work (gift box); here the line is geometry."""

    axis: Literal["vertical", "horizontal"] = Field(
        description="vertical: a line x = at_mm from top to bottom of the trim; horizontal: y = at_mm."
    )
    at_mm: Annotated[float, Field(ge=0, le=5000)] = Field(description="Position in the surface's trim mm.")
    kind: Literal["fold", "gutter", "spine", "hinge", "binding"] = Field(
        "fold", description="'binding': a punched wire-O or spiral edge (a wall calendar's top), kept clear."
    )
    clear_mm: Annotated[float, Field(ge=0, le=100)] = Field(
        3.0, description="Keep text and faces at least this far from the line (each side)."
    )
    label: str = ""


class SurfaceSpec(_Model):
    """One printable surface; every field left out is the template's top-level value.

    Typed loosely here (plain JSON values) and validated when the derived template is built, so this module
    does not import the template model (:meth:`Template.surface_template` checks every override)."""

    label: str = Field("", description="Shown in proofs and the print queue ('Back', 'Inside spread').")
    trim: dict[str, Any] | None = None
    bleed_mm: Annotated[float, Field(ge=0, le=50)] | None = None
    safe_margin_mm: Annotated[float, Field(ge=0, le=200)] | None = None
    dpi: dict[str, Any] | None = None
    print_area: dict[str, Any] | None = None
    cut_path: dict[str, Any] | None = None
    masks: dict[str, Any] | None = None
    regions: dict[str, Any] | None = None
    product_color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    output: dict[str, Any] | None = None
    folds: Annotated[list[Fold], Field(max_length=16)] | None = None
    dielines: list[dict[str, Any]] | None = Field(
        None, description="This surface's dielines (model/dielines.py), replacing the top level's."
    )
    mockup: dict[str, Any] | None = Field(
        None,
        description="This surface's mockup scene (a t-shirt's back view); default: none, except the first "
        "surface, which shows on the template's own scene.",
    )


class PageCount(_Model):
    min: Annotated[int, Field(ge=1, le=1000)]
    max: Annotated[int, Field(ge=1, le=1000)]
    step: Annotated[int, Field(ge=1, le=100)] = 1

    @model_validator(mode="after")
    def _order(self) -> PageCount:
        if self.max < self.min:
            raise ValueError("count.max must not be below count.min")
        return self

    def allows(self, n: int) -> bool:
        return self.min <= n <= self.max and (n - self.min) % self.step == 0

    def describe(self) -> str:
        step = f" in steps of {self.step}" if self.step > 1 else ""
        return f"{self.min} to {self.max} pages{step}"


class PagesSpec(_Model):
    """A run of like pages (a book interior, a calendar's months): one page template, a range of counts."""

    page: SurfaceSpec = construct(SurfaceSpec)
    count: PageCount


class PartSpec(_Model):
    """One print file: the surfaces (by name, or ``pages``) it holds, in order. A PDF part holds any number
    of them (one page each); a PNG part exactly one surface."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")]
    surfaces: Annotated[list[str], Field(min_length=1, max_length=64)]
    label: str = ""
