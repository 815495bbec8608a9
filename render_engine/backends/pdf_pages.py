"""Several layouts as one multi-page PDF/X-4 (a folded card's outside and inside, a book's interior).

Each page is drawn by the one-page writer (:func:`~render_engine.backends.pdf.build_pdf`: its own MediaBox,
BleedBox and TrimBox, CMYK only) and saved to a scratch file at once, so memory holds one page's pixels at a
time whatever the page count; the pages are then gathered into one document (qpdf copies each page's objects
and streams their data from the scratch files while writing) with one OutputIntent, Info and XMP packet
(:func:`~render_engine.backends.pdf.finish_pdfx`). Bytes are deterministic: no dates but the design's,
``/ID`` and the XMP document id derived from the page contents.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Dictionary

from .pdf import DEFAULT_CREATED, PRODUCER, PdfOptions, build_pdf, finish_pdfx, label_outline, save_pdf
from .writers import write_atomic

if TYPE_CHECKING:
    from ..engine import Engine
    from ..layout.prepared import Prepared
    from ..model.outputs import StepTimer


def write_pdf_pages(
    pages: Sequence[Prepared],
    engine: Engine,
    out: Path,
    *,
    timer: StepTimer,
    options: PdfOptions | None = None,
    title: str | None = None,
) -> Path:
    """Draw every prepared layout as one page, in order, into one PDF/X-4 written atomically to ``out``.
    The pages share one output profile (the template's parts check it), taken from the first page."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    options = options or PdfOptions()
    first = pages[0].layout.template
    profile = engine.icc.cmyk_profile(first.output.icc_profile)
    conv = engine.icc.converter(profile.id, options.colors)
    meta = pages[0].design.meta
    created = meta.created or DEFAULT_CREATED
    title = title or meta.title or first.name + (f" - order {meta.order_id}" if meta.order_id else "")
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="render-engine-pages-")))
        files: list[Path] = []
        for i, prep in enumerate(pages):
            with timer.step("draw"):
                label = label_outline(prep, engine, options, f"p{i + 1}/{len(pages)}") if options.marks else None
                page_pdf = build_pdf(prep.layout, conv, options, label)
            with timer.step("write"):
                files.append(scratch / f"{i:05d}.pdf")
                save_pdf(page_pdf, files[-1])
                page_pdf.close()
        with timer.step("write"):
            doc = stack.enter_context(pikepdf.new())
            for f in files:
                src = stack.enter_context(pikepdf.open(f))
                doc.pages.append(src.pages[0])
            ocgs = [
                v
                for page in doc.pages
                for v in (page.obj.get("/Resources", Dictionary()).get("/Properties", Dictionary())).values()
            ]
            if ocgs:
                arr = Array(ocgs)
                doc.Root.OCProperties = Dictionary(
                    OCGs=arr, D=Dictionary(Order=arr, ON=arr, Name=pikepdf.String("Layers"))
                )
            finish_pdfx(doc, profile, title, created, PRODUCER)
            write_atomic(out, lambda tmp: save_pdf(doc, tmp))
    return out
