"""A design ready to draw: the output of the pipeline's resolve and layout steps
(:func:`render_engine.pipeline.prepare`), which every backend, preflight and the mockup read; and the same
for a multi-surface design (:class:`PreparedParts`: every surface of every part, each a :class:`Prepared`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..model.design import Design
from ..model.surface_plan import PartPlan, SurfaceRef, select_surface
from .plan import Layout
from .resolve import Resources


@dataclass(frozen=True)
class Prepared:
    design: Design
    resources: Resources
    layout: Layout


@dataclass(frozen=True)
class PreparedSurface:
    ref: SurfaceRef
    prep: Prepared


@dataclass(frozen=True)
class PreparedPart:
    plan: PartPlan
    surfaces: tuple[PreparedSurface, ...]


@dataclass(frozen=True)
class PreparedParts:
    """A multi-surface design ready to draw: its parts, each with its prepared surfaces, in order."""

    design: Design
    parts: tuple[PreparedPart, ...]

    def surfaces(self) -> Iterator[PreparedSurface]:
        for part in self.parts:
            yield from part.surfaces

    def select(self, surface: str | None = None, page: int | None = None) -> PreparedSurface:
        """The surface by name or the page by number (1-based); by default the first one the design gives."""
        ref = select_surface([p.plan for p in self.parts], surface, page)
        return next(s for s in self.surfaces() if s.ref is ref)

    @property
    def page_count(self) -> int:
        return sum(p.plan.pages for p in self.parts)
