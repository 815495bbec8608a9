"""Several layouts as one multi-page PDF/X-4 (a folded card's outside and inside, a book's interior).

Each page is drawn by the one-page writer (:func:`~render_engine.backends.pdf.build_pdf`: its own MediaBox,
BleedBox and TrimBox, CMYK only), two at a time, and saved to a scratch file at once; the pages are then copied
object by object into the output in reading order (:mod:`.pdf_stream`: pikepdf would copy every appended
page's streams into memory, so a 100-page photo book peaked at 829 MB; streamed it stays at ~225 MB, flat in
the page count), with one OutputIntent, Info and XMP packet (:func:`~render_engine.backends.pdf.finish_pdfx`).
Bytes are deterministic: no dates but the design's, ``/ID`` and the XMP document id derived from the page
contents, the same whatever the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .pdf import DEFAULT_CREATED, PdfOptions, label_outline
from .pdf_stream import DEFAULT_WORKERS, write_layout_pages

if TYPE_CHECKING:
    from ..engine import Engine
    from ..layout.plan import Layout
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
    workers: int = DEFAULT_WORKERS,
) -> Path:
    """Draw every prepared layout as one page, in order, into one PDF/X-4 written atomically to ``out``.
    The pages share one output profile (the template's parts check it), taken from the first page. Pages are
    drawn ``workers`` at a time and streamed into the file (:func:`~.pdf_stream.write_layout_pages`)."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    options = options or PdfOptions()
    first = pages[0].layout.template
    meta = pages[0].design.meta
    title = title or meta.title or first.name + (f" - order {meta.order_id}" if meta.order_id else "")
    labels = None
    if options.marks:
        labels = [label_outline(prep, engine, options, f"p{i + 1}/{len(pages)}") for i, prep in enumerate(pages)]
    with timer.step("draw"):  # drawing and writing overlap (pages stream into the file as they are drawn)
        write_layout_pages(
            [_layout_of(prep) for prep in pages],
            engine,
            out,
            icc_profile=first.output.icc_profile,
            title=title,
            created=meta.created or DEFAULT_CREATED,
            options=options,
            workers=workers,
            labels=labels,
            right_to_left=first.book is not None and first.book.direction == "rtl",
        )
    return out


def _layout_of(prep: Prepared) -> Callable[[], Layout]:
    return lambda: prep.layout
