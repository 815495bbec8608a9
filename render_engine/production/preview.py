"""A storefront preview: the design on its product's mockup scene (one surface) and the review of the whole
design (every surface), from one prepared design — what ``POST /v1/previews`` caches and a job's approval
compares against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..checks.report import PreflightReport
from ..engine import Engine
from ..layout.prepared import Prepared
from ..model.outputs import StepTimer
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
