"""A design ready to draw: the output of the pipeline's resolve and layout steps
(:func:`render_engine.pipeline.prepare`), which every backend, preflight and the mockup read."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.design import Design
from .plan import Layout
from .resolve import Resources


@dataclass(frozen=True)
class Prepared:
    design: Design
    resources: Resources
    layout: Layout
