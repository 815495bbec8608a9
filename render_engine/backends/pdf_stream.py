"""A PDF file written object by object, so a document of many pages never has to be in memory at once.

qpdf (through pikepdf) writes a document it holds entirely: pages appended from other files bring their
stream data along at once (pikepdf copies foreign objects immediately), so a 100-page photo book would hold
every page's photos until the save — memory growing with the page count. :class:`StreamingPdf` instead
takes one page at a time from a finished one-page PDF (qpdf's own output, opened with pikepdf), copies the
objects that page reaches into the output file with new numbers, and forgets them; only the cross-reference
offsets stay. The document-level objects (catalog, page tree, output intent, metadata) are serialised the
same way from a small pikepdf document. The result is an ordinary PDF 1.6 file with a classic xref table;
qpdf, Ghostscript and poppler read it (tests/engine/test_pdf_stream.py).

:func:`write_layout_pages` draws a sequence of layouts that way: each page with the one-page writer
(:func:`~render_engine.backends.pdf.build_pdf`: the same operators, colour rules and boxes as a single print
file), saved at once to a private temporary file, its pixels dropped, then copied into the output in reading
order and deleted. Pages are drawn ``workers`` at a time on threads (libvips releases the GIL for the pixel
work), at most ``workers`` ahead of the one being copied, so memory and scratch disk stay flat in the page
count (render-bench W8 measures it); each page's file depends only on its layout and pages are copied in
order, so the bytes are the same whatever the number of workers.
"""

from __future__ import annotations

import ctypes
import hashlib
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pikepdf

from .pdf import DEFAULT_CREATED, PRODUCER, PdfOptions, build_pdf, finish_pdfx, save_pdf
from .writers import write_atomic

if TYPE_CHECKING:
    from ..engine import Engine
    from ..layout.plan import Layout
    from ..model.geometry import Path as VPath

#: pages drawn at once by default: the 2-core machines this runs on (each page already uses libvips threads)
DEFAULT_WORKERS = 2
#: the largest photo that converts through the exact table when pages are drawn side by side. The table now
#: reads its source streamed (only the CMYK result is whole: 36 MB for a full-bleed 9-MP book page, where it
#: used to hold RGBX + CMYK, 72 MB), and finished pages give their freed heap back (:func:`give_back_memory`),
#: so W8's 9-MP pages use it too: CPU 14.4 -> 8.5 s for 40 pages, same bytes, peak RSS 387 -> 353-364 MB
#: (benchmarks/README.md). Was 5 MP (K2's calendar photos only), when the table cost W8 525-1009 MB.
PAGES_LUT_MAX_PIXELS = 12_000_000

Ref = tuple[int, int]


class StreamingPdf:
    """Write a PDF to ``fh``: :meth:`add_page` per page in order, then :meth:`finish`."""

    def __init__(self, fh: BinaryIO, page_count: int) -> None:
        self.fh = fh
        self.pos = 0
        self.offsets: dict[int, int] = {}
        self.next_num = 1
        self.catalog = self._reserve()
        self.pages_root = self._reserve()
        self.page_nums = [self._reserve() for _ in range(page_count)]
        self.added = 0
        self.digest = hashlib.sha256()
        self.ocgs: list[int] = []  # optional-content groups of every page (the cut-contour layers)
        self._write(b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")

    def _reserve(self) -> int:
        n = self.next_num
        self.next_num += 1
        return n

    def _write(self, data: bytes) -> None:
        self.fh.write(data)
        self.pos += len(data)

    def _object(self, num: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[num] = self.pos
        self._write(b"%d 0 obj\n" % num + body)
        if stream is not None:
            self._write(b"\nstream\n" + stream + b"\nendstream")
        self._write(b"\nendobj\n")

    def add_page(self, page: pikepdf.Page | pikepdf.Object, ocgs: tuple[pikepdf.Object, ...] = ()) -> None:
        """Copy one page (and everything it references except its parent) into the file; ``ocgs`` are its
        document's optional-content groups, listed in the output catalog."""
        obj = page.obj if isinstance(page, pikepdf.Page) else page
        number, order = self._numbering({obj.objgen: self.page_nums[self.added]})
        body = _serialise_dict(obj, number, replace={"/Parent": b"%d 0 R" % self.pages_root})
        self._object(self.page_nums[self.added], body)
        for o in ocgs:
            if (n := number(o)) not in self.ocgs:
                self.ocgs.append(n)
        self._flush(order, number)
        if "/Contents" in obj:
            self.digest.update(bytes(obj.Contents.read_bytes()))
        self.added += 1

    def _numbering(self, mapping: dict[Ref, int]) -> tuple[Callable[[pikepdf.Object], int], list[pikepdf.Object]]:
        """An object-number function over ``mapping`` (source object -> output number, pre-seeded where a number
        is already reserved) and the list of objects it numbered first, in order, for :meth:`_flush` to write."""
        order: list[pikepdf.Object] = []

        def number(o: pikepdf.Object) -> int:
            key = o.objgen
            if key not in mapping:
                mapping[key] = self._reserve()
                order.append(o)
            return mapping[key]

        return number, order

    def _flush(self, order: list[pikepdf.Object], number: Callable[[pikepdf.Object], int]) -> None:
        i = 0
        while i < len(order):  # the list grows as objects reference further objects
            o = order[i]
            num = number(o)
            if isinstance(o, pikepdf.Stream):
                raw = bytes(o.read_raw_bytes())
                body = _serialise_dict(o.stream_dict, number, replace={"/Length": b"%d" % len(raw)})
                self._object(num, body, raw)
            else:
                self._object(num, _serialise(o, number, top=True))
            i += 1

    def content_hash(self) -> str:
        """SHA-256 of the pages' content streams, in order (the document ID is derived from it)."""
        return self.digest.hexdigest()

    def finish(self, skeleton: pikepdf.Pdf) -> None:
        """Write the catalog (``skeleton.Root`` with its output intent and metadata, minus its page tree), the
        page tree, ``skeleton``'s Info, the xref table and the trailer (ID from the content hash)."""
        if self.added != len(self.page_nums):
            raise ValueError(f"{self.added} of {len(self.page_nums)} pages were added")
        number, order = self._numbering({})
        root = skeleton.Root
        replace = {"/Pages": b"%d 0 R" % self.pages_root}
        if self.ocgs:
            refs = b"[" + b" ".join(b"%d 0 R" % n for n in self.ocgs) + b"]"
            replace["/OCProperties"] = b"<< /OCGs %s /D << /Order %s /ON %s /Name (Layers) >> >>" % (refs, refs, refs)
        self._object(self.catalog, _serialise_dict(root, number, replace=replace))
        kids = b" ".join(b"%d 0 R" % n for n in self.page_nums)
        self._object(self.pages_root, b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self.page_nums), kids))
        info = number(skeleton.trailer.Info) if "/Info" in skeleton.trailer else None
        self._flush(order, number)
        xref = self.pos
        size = self.next_num
        lines = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        for n in range(1, size):
            lines.append(b"%010d 00000 n \n" % self.offsets[n])
        self._write(b"".join(lines))
        doc_id = hashlib.md5(self.content_hash().encode(), usedforsecurity=False).hexdigest().encode()
        trailer = b"trailer\n<< /Size %d /Root %d 0 R" % (size, self.catalog)
        if info is not None:
            trailer += b" /Info %d 0 R" % info
        trailer += b" /ID [ <%s> <%s> ] >>\nstartxref\n%d\n%%%%EOF\n" % (doc_id, doc_id, xref)
        self._write(trailer)


def _serialise_dict(
    d: pikepdf.Object, number: Callable[[pikepdf.Object], int], replace: dict[str, bytes] | None = None
) -> bytes:
    parts = [b"<<"]
    replace = replace or {}
    for key in sorted(d.keys()):
        parts.append(pikepdf.Name(key).unparse())
        parts.append(replace[key] if key in replace else _serialise(d[key], number))
    for key, value in replace.items():
        if key not in d:
            parts += [pikepdf.Name(key).unparse(), value]
    parts.append(b">>")
    return b" ".join(parts)


def _serialise(o: Any, number: Callable[[pikepdf.Object], int], top: bool = False) -> bytes:
    if isinstance(o, pikepdf.Object) and o.is_indirect and not top:
        return b"%d 0 R" % number(o)
    if o is None:
        return b"null"
    if isinstance(o, bool):
        return b"true" if o else b"false"
    if isinstance(o, int):
        return b"%d" % o
    if isinstance(o, Decimal | float):
        return _real(o)
    if isinstance(o, pikepdf.Dictionary):
        return _serialise_dict(o, number)
    if isinstance(o, pikepdf.Array):
        return b"[" + b" ".join(_serialise(v, number) for v in o) + b"]"
    if isinstance(o, pikepdf.Stream):
        raise ValueError("a stream must be an indirect object")
    return bytes(o.unparse())  # names, strings, booleans and numbers held as pikepdf objects


def _real(v: Decimal | float) -> bytes:
    s = format(Decimal(v).normalize(), "f") if isinstance(v, Decimal) else repr(float(v))
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return (s or "0").encode()


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None elsewhere (musl, macOS)."""
    try:
        libc = ctypes.CDLL(None)
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_TRIM = _malloc_trim()


def give_back_memory() -> None:
    """Return the heap memory freed by a finished page to the system. A page's photo passes through buffers of
    tens of MB (its CMYK, its JPEG, qpdf's copy) on the drawing, libvips and pdf-image threads; glibc keeps what
    they free in per-thread arenas (and raises its mmap threshold to the largest buffer freed, so later ones
    come from the arenas too), so the resident size crept up page by page: W8 (40 pages) peaked at 434 MB
    without this, 353-364 MB with it (benchmarks/README.md). ~1 ms a page."""
    if _TRIM is not None:
        _TRIM(0)


def write_layout_pages(
    pages: Sequence[Callable[[], Layout]],
    engine: Engine,
    out: Path,
    *,
    icc_profile: str,
    title: str,
    created: str | None = None,
    options: PdfOptions | None = None,
    workers: int = DEFAULT_WORKERS,
    labels: Sequence[VPath | None] | None = None,
    on_page: Callable[[int], None] | None = None,
    right_to_left: bool = False,
) -> Path:
    """One PDF/X-4 with a page per entry of ``pages`` (callables returning the page's layout when it is its
    turn, so layouts are not all held either), written atomically to ``out``. Every page keeps its own boxes.
    ``labels`` are the slug labels when ``options.marks``; ``on_page(i)`` runs once page ``i`` is copied.
    ``right_to_left``: a right-to-left book's pages (still in reading order), marked so for viewers
    (``/ViewerPreferences << /Direction /R2L >>``: spreads shown right page first)."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    options = options or PdfOptions()
    if workers > 1 and options.lut_max_pixels is None:
        options = replace(options, lut_max_pixels=PAGES_LUT_MAX_PIXELS)
    profile = engine.icc.cmyk_profile(icc_profile)
    conv = engine.icc.converter(profile.id, options.colors)
    ahead = max(1, workers)
    with tempfile.TemporaryDirectory(prefix="render-pages-") as tmp:
        files = [Path(tmp) / f"page-{i:05d}.pdf" for i in range(len(pages))]

        def draw(i: int) -> Path:
            page_pdf = build_pdf(pages[i](), conv, options, labels[i] if labels else None)
            try:
                save_pdf(page_pdf, files[i])
            finally:
                page_pdf.close()
            return files[i]

        def produce(path: Path) -> None:
            with open(path, "wb") as fh, ThreadPoolExecutor(ahead, thread_name_prefix="pdf-page") as pool:
                doc = StreamingPdf(fh, len(pages))
                running: dict[int, Future[Path]] = {i: pool.submit(draw, i) for i in range(min(ahead, len(pages)))}
                for i in range(len(pages)):
                    page_file = running.pop(i).result()
                    if i + ahead < len(pages):
                        running[i + ahead] = pool.submit(draw, i + ahead)
                    with pikepdf.open(page_file) as src:
                        ocp = src.Root.get("/OCProperties")
                        doc.add_page(src.pages[0], tuple(ocp.OCGs) if ocp is not None else ())
                    page_file.unlink()
                    give_back_memory()
                    if on_page is not None:
                        on_page(i)
                with pikepdf.new() as skeleton:
                    finish_pdfx(skeleton, profile, title, created or DEFAULT_CREATED, PRODUCER, doc.content_hash())
                    if right_to_left:
                        skeleton.Root.ViewerPreferences = pikepdf.Dictionary(Direction=pikepdf.Name.R2L)
                    doc.finish(skeleton)

        write_atomic(out, produce)
    return out
