"""Multi-surface and multi-page products: a design's surfaces laid out one by one, its parts written
(issue #18, docs/products.md).

    plan (model.surface_plan) -> prepare each surface -> draw + write each part

One pipeline renders them (:mod:`render_engine.pipeline`, whose steps are in :mod:`render_engine.steps`):
``parse`` plans the parts, every surface and page goes through resolve and layout exactly as a v1 design does
(against its derived single-surface template), so the raster and PDF backends, preflight, proofs and mockups
work on it unchanged; a PDF part is one page per surface (:mod:`.backends.pdf_pages`), a PNG part the one
surface's PNG. This module keeps the names callers import (``prepare_parts``, ``render_parts``, …) and
:func:`prepare_surface` (one surface of a product, for a preview).

Errors of a surface name it: ``surfaces.back.layers[2].box.width``, ``pages[3].layers[0].asset``; every
surface is prepared before one error lists every problem.
"""

from __future__ import annotations

from pathlib import Path

from .engine import Engine
from .inputs.assets import AssetLoader
from .layout.prepared import Prepared, PreparedPart, PreparedParts, PreparedSurface
from .model.design import Design
from .model.errors import DesignError, RenderError
from .model.outputs import StepTimer
from .model.surface_plan import plan_parts, require_parts, select_surface
from .pipeline import prepare, prepare_parts, render_design_parts, render_parts
from .pipeline import render_design_file as render_file
from .steps import is_multi, prefixed

__all__ = [
    "PreparedPart",
    "PreparedParts",
    "PreparedSurface",
    "is_multi",
    "prepare_parts",
    "prepare_surface",
    "render_design_parts",
    "render_file",
    "render_parts",
]


def prepare_surface(
    design: Design,
    engine: Engine,
    base_dir: Path,
    timer: StepTimer | None = None,
    asset_loader: AssetLoader | None = None,
    *,
    surface: str | None = None,
    page: int | None = None,
) -> Prepared:
    """One surface ready to draw (a preview, a mockup): the surface by name or the page by number of a
    multi-surface design (by default the first it gives; only that surface is resolved and laid out), or a
    v1 design's only one (a ``surface`` / ``page`` asked of it is a :class:`DesignError` naming it)."""
    if not is_multi(design, engine):
        if surface is not None or page is not None:
            raise DesignError("this product has one surface", field="surface" if surface is not None else "page")
        return prepare(design, engine, base_dir, timer, asset_loader)
    plans = require_parts(plan_parts(design, engine.templates.get(design.template)), design)
    ref = select_surface(plans, surface, page)
    try:
        return prepare(ref.design, engine, base_dir, timer, asset_loader, ref.template)
    except RenderError as exc:
        raise prefixed(exc, ref.field) from None
