"""A storefront preview: the design on its product's mockup scene (one surface) and the review of the whole
design (every surface), from one prepared design — what ``POST /v1/previews`` caches and a job's approval
compares against."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..checks.report import PreflightReport
from ..engine import Engine
from ..layout.prepared import Prepared
from ..model.errors import DesignError
from ..model.outputs import StepTimer
from ..model.templates import Template
from .review import Reviewed, review

PreviewFormat = Literal["jpeg", "webp", "png"]


@dataclass(frozen=True)
class PreviewSpec:
    """How the preview is drawn: scene ``view`` and ``variant`` (None: the template's defaults), ``width`` in
    pixels, image format."""

    view: str | None = None
    variant: str | None = None
    width: int = 800
    fmt: PreviewFormat = "jpeg"


@dataclass(frozen=True)
class Preview:
    """The encoded mockup image and the review report of the whole design."""

    image: bytes
    report: PreflightReport


def preview(subject: Reviewed, shown: Prepared, engine: Engine, spec: PreviewSpec, timer: StepTimer) -> Preview:
    """The mockup of ``shown`` (the surface the customer looks at) and :func:`~.review.review` of
    ``subject`` (the whole design), timed into ``timer`` (the mockup's steps, then ``preflight``)."""
    from ..mockup import render_mockup

    img = render_mockup(
        shown, engine, view=spec.view, variant=spec.variant, width=spec.width, fmt=spec.fmt, timer=timer
    )
    with timer.step("preflight"):  # the whole design: every surface of a multi-surface one
        report = review(subject, engine)
    return Preview(img, report)


def shows_open_book(engine: Engine, template: Template, view: str | None, shown: Prepared) -> bool:
    """Whether a preview of ``shown`` (a surface of ``template``) is the book open at a spread: ``view="open"``
    asked for (a product without that scene: a :class:`DesignError` naming ``view``), or no view asked for and
    ``shown`` is an interior page, which has no scene of its own (a page of a book answered "has no mockup
    scene" before)."""
    from ..mockup.spread import OPEN_VIEW, has_spread

    if view == OPEN_VIEW:
        if not has_spread(engine, template):
            raise DesignError(f"product {template.id} has no '{OPEN_VIEW}' view (a book open at a spread)",
                              field="view")  # fmt: skip
        return True
    return view is None and not shown.layout.template.mockup and has_spread(engine, template)


def preview_spread(
    subject: Reviewed,
    page_of: Callable[[int], Prepared],
    template: Template,
    pages: int,
    page: int,
    engine: Engine,
    spec: PreviewSpec,
    timer: StepTimer,
    *,
    rtl: bool = False,
) -> Preview:
    """:func:`preview` of a book open at the spread holding ``page`` (1-based, of ``pages``): the two facing
    pages (``page_of(n)``: page n prepared) on the product's open-book scene, as ``render-engine mockup --view
    open`` draws it, and the review of the whole design."""
    from ..mockup.spread import render_spread, spread_pages

    left, right = spread_pages(pages, page, rtl=rtl)
    img = render_spread(template, page_of(left) if left else None, page_of(right) if right else None, engine,
                        width=spec.width, fmt=spec.fmt, timer=timer)  # fmt: skip
    with timer.step("preflight"):
        report = review(subject, engine)
    return Preview(img, report)
