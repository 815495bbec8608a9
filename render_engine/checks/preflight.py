"""Preflight: check a prepared design for what makes print orders come back, and return a report.

Preflight works on the already computed :class:`~render_engine.layout.plan.Layout` (pure mm geometry), so it
costs a fraction of a preview: no pixels are drawn except for the optional colour checks, which look at a
small thumbnail (≤ 256 px) of each placed photo.

Every :class:`Finding` has a stable ``code`` (the table in ``docs/preflight.md``), a ``severity``
(``blocker`` stops the order, ``warning`` asks the customer to confirm, ``info`` is for operators), a
message a customer understands, an operator ``detail``, the ``layer`` index and ``region`` (mm, trim
coordinates) it concerns, and the ``measured`` and ``required`` values. Preflight never raises for a
design that :func:`~render_engine.pipeline.prepare` accepted; only hard safety limits raise (in prepare).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..layout.plan import TextItem
from ..model.deadline import check as check_deadline
from ..model.design import TextLayer
from .bleed import check_bleed
from .book import check_book
from .dielines import check_dielines
from .emoji import check_emoji
from .faces import check_faces
from .folds import check_folds
from .images import check_images
from .ink import check_color
from .print_area import check_print_area
from .report import SEVERITIES, CheckContext, Finding, PreflightReport, Severity, TextEcho, summary_lines
from .resolution import check_resolution
from .safe_zone import check_safe_zone
from .spelling import check_spelling
from .strokes import check_strokes
from .text_legibility import check_text, contrast_ratio, space_problems

if TYPE_CHECKING:
    from ..engine import Engine
    from ..layout.prepared import Prepared

__all__ = [
    "CHECKS",
    "SEVERITIES",
    "CheckContext",
    "Finding",
    "PreflightReport",
    "Severity",
    "TextEcho",
    "contrast_ratio",
    "preflight",
    "summary_lines",
]

Check = Callable[[CheckContext], list[Finding]]

CHECKS: tuple[Check, ...] = (
    check_resolution,
    check_safe_zone,
    check_dielines,
    check_faces,
    check_folds,
    check_bleed,
    check_print_area,
    check_book,
    check_images,
    check_text,
    check_emoji,
    check_spelling,
    check_strokes,
    check_color,
)
"""The checks in the order they run (and their findings appear): each reads a :class:`CheckContext` and
returns its findings. A new check is a module with one such function, added here."""


def preflight(prepared: Prepared, engine: Engine, *, color: bool = True, spelling: bool = True) -> PreflightReport:
    """Run every check over the prepared layout. ``color=False`` skips the (pixel-reading) colour checks,
    ``spelling=False`` the spelling check (which loads a dictionary once per process)."""
    ctx = CheckContext(prepared, engine, color, spelling)
    layout = prepared.layout
    findings: list[Finding] = []
    for check in CHECKS:
        check_deadline()
        findings += check(ctx)
    texts = tuple(
        TextEcho(
            it.layer,
            text := _layer_text(prepared, it.layer),
            tuple(ln.text for ln in it.block.lines),
            tuple(space_problems(text)),
        )
        for it in layout.items
        if isinstance(it, TextItem)
    )
    return PreflightReport(layout.template.id, tuple(findings), texts, layout.trim, layout.bleed, layout.safe)


def _layer_text(prepared: Prepared, layer: int) -> str:
    lay = prepared.design.layers[layer]
    return lay.text if isinstance(lay, TextLayer) else ""
