"""A PDF page's image XObjects: placed pixels -> CMYK JPEG (+ a greyscale soft mask), computed ahead on threads.

A page's images are independent of each other and of the page's vector content, and their costly parts run
in C without the GIL: the photo's JPEG entropy decode (serial in libjpeg), the clip-art's PNG inflate (serial
in zlib), the exact colour table's gather (numpy) and the CMYK JPEG encode (serial in libjpeg). Done one after
the other, as the page met them, a mug with a photo and a clip-art kept about one core busy (issue 22: ~0.2 s
of CPU took ~0.22 s of wall time on two idle cores). :class:`PageImages` therefore starts every image layer's
work when the page starts, on the shared thread pool (:mod:`.ahead`), while the page's text and shapes are written:

* each image's placed pixels (:func:`~.imaging.placed_pixels`: shrink-on-load, crop, one resize; a transparent
  source materialised once, its alpha dropped when fully opaque);
* its CMYK: through the exact sRGB -> CMYK table (:mod:`render_engine.inputs.color_lut`) in a warm process,
  else through littleCMS, streaming, with a transform of its own (~12 ms of CPU to build; a page's images
  used to share one, converted one after the other: a cold ``render-engine render`` now spends ~12 ms more
  CPU on a photo + clip-art page and overlaps the two);
* its CMYK JPEG bytes and its soft mask's bytes.

The layer with the most source pixels (the photo: its JPEG decode is serial and the page's critical path)
builds its pipeline first; the others start once it has (a few ms later): built side by side, each thread's
pyvips calls waited for the others' Python, and the photo's decode started ~4 ms late (issue 22, round 6).

Rasterised SVGs and pattern tiles, met only while the page is drawn, are converted at the end
(:func:`encode_images`), together.

The bytes do not change: the same pixels, the same CMYK (the table is exact), the same encoder settings, and
the PDF objects are made in the same order (the draw loop waits for an image's result where it used to
compute it). An error in an image's work is raised where the draw loop reaches that layer, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyvips

from ..layout.plan import ImageItem, Item
from . import ahead, early
from .imaging import encode_jpeg, placed_pixels, split_alpha, stored_size

if TYPE_CHECKING:
    import pikepdf
    from pikepdf import Stream

    from ..inputs.color import ColorConverter
    from ..inputs.color_lut import ExactLut


# how long a page's other image jobs wait for the first one's pipeline to be built (it takes ~2-7 ms)
_SETUP_WAIT_S = 0.05


def placed_size(item: ImageItem, target_dpi: int, downsample_above: float) -> tuple[int, int]:
    """Pixels an image layer stores: the source's own resolution, unless far above the target DPI."""
    return stored_size(item.crop[2], item.crop[3], item.dest.w, target_dpi, downsample_above)


def table_jpeg(table: ExactLut, rgb: pyvips.Image, quality: int) -> bytes:
    """An sRGB image through the exact colour table, its CMYK pixels (in memory) encoded as the PDF's JPEG by
    :mod:`.cmyk_jpeg` (the same bytes as :func:`encode_jpeg`, less CPU), then let go."""
    from .cmyk_jpeg import encode

    return encode(table.pixels(rgb), rgb.width, rgb.height, quality)


@dataclass(frozen=True)
class Placed:
    """An image layer's pixels as the PDF stores them: sRGB (or grey) uchar, its alpha's bytes, and, when
    encoded ahead, its CMYK JPEG."""

    rgb: pyvips.Image
    alpha: bytes | None
    jpeg: bytes | None


@dataclass(frozen=True)
class Pending:
    """An opaque image layer drawn before its work is done: its size is known (no soft mask can come), its
    pixels and JPEG are collected by :func:`encode_images`, so the page's other layers are drawn meanwhile."""

    item: ImageItem
    width: int
    height: int


def placed_now(img: pyvips.Image) -> Placed:
    """An sRGB(A) uchar image (a rasterised SVG, a pattern tile) to be converted with the page's others."""
    rgb, alpha = split_alpha(img)
    return Placed(rgb, None if alpha is None else bytes(alpha.cast("uchar").write_to_memory()), None)


class PageImages:
    """The image layers of one page, their work started on threads when the page starts."""

    def __init__(
        self,
        items: Sequence[Item],
        conv: ColorConverter,
        target_dpi: int,
        downsample_above: float,
        quality: int,
        lut_max_pixels: int | None,
    ) -> None:
        self.quality = quality
        self.conv = conv
        self._made_for = (items, conv, target_dpi, downsample_above, quality, lut_max_pixels)
        images = [i for i in items if isinstance(i, ImageItem)]
        sizes = [placed_size(i, target_dpi, downsample_above) for i in images]
        # the table decision counts the page (the first page of a process stays on littleCMS): made once, here
        # when the page has image layers, else by encode_images for its rasterised SVGs
        self.decided = bool(images)
        self.table: ExactLut | None = None
        if images:
            self.table = conv.page_table_for(max(w * h for w, h in sizes), lut_max_pixels)
        self._jobs: dict[int, Future[Placed]] = {}
        # work a command line started before the engine loaded (:mod:`.early`), taken when its key is this work's
        self._early: dict[int, tuple[Future[early.Result], ImageItem, int, int]] = {}
        self._sizes = {id(item): size for item, size in zip(images, sizes, strict=True)}
        pending: list[tuple[ImageItem, int, int]] = []
        for item, (w, h) in zip(images, sizes, strict=True):
            job = early.claim(self._early_work(item, w, h)) if self.table is None else None
            if job is not None:
                self._early[id(item)] = (job, item, w, h)
            else:
                pending.append((item, w, h))
        # the layer with the most source pixels to decode (the photo) builds its pipeline first: set up side by
        # side with the others (Python + pyvips calls, the GIL) its serial decode started ~4 ms later (issue 22)
        pending.sort(key=lambda job: -job[0].crop[2] * job[0].crop[3])
        first: threading.Event | None = None
        for item, w, h in pending:
            if first is None:
                first = threading.Event()
                self._jobs[id(item)] = ahead.submit(self._work, item, w, h, built=first)
            else:
                self._jobs[id(item)] = ahead.submit(self._work, item, w, h, after=first)
        if self.table is None:
            early.discard()  # only a command line's first page is guessed: what it did not claim is not its

    def _early_work(self, item: ImageItem, w: int, h: int) -> early.Work:
        """The key of this layer's work through littleCMS (what :meth:`_work` does when there is no table)."""
        conv, intent = self.conv, self.conv.rules.photo_intent
        return early.Work(item.info, item.crop, w, h, str(conv.profile.path), conv.srgb, intent,
                          intent == "relative", self.quality)  # fmt: skip

    def _work(
        self,
        item: ImageItem,
        w: int,
        h: int,
        built: threading.Event | None = None,
        after: threading.Event | None = None,
    ) -> Placed:
        """One layer's work; ``built`` is set once its pipeline is built (before the decode runs), ``after`` is
        waited for (briefly: it belongs to a job submitted earlier, so already running or done) before
        starting."""
        if after is not None:
            after.wait(_SETUP_WAIT_S)
        try:
            img = placed_pixels(item.info, item.crop, w, h, f"layers[{item.layer}]").cast("uchar")
            rgb, alpha = split_alpha(img)
        finally:
            if built is not None:
                built.set()
        if self.table is not None:
            jpeg = table_jpeg(self.table, rgb, self.quality)
        else:
            jpeg = encode_jpeg(self.conv.image(rgb), self.quality)
        return Placed(rgb, None if alpha is None else bytes(alpha.cast("uchar").write_to_memory()), jpeg)

    def made_for(
        self,
        items: Sequence[Item],
        conv: ColorConverter,
        target_dpi: int,
        downsample_above: float,
        quality: int,
        lut_max_pixels: int | None,
    ) -> bool:
        """Whether this work is a page's with these items (the same list) and settings: a page whose images
        were started ahead (:func:`render_engine.steps.start_pdf_images`) takes them only then."""
        mine = self._made_for
        return (mine[0] is items and mine[1] is conv and mine[2:] == (target_dpi, downsample_above, quality,
                                                                       lut_max_pixels))  # fmt: skip

    def pending(self, item: ImageItem) -> Pending | None:
        """The layer as a :class:`Pending` when the draw loop need not wait for it: its work is under way and
        its source is opaque (the XObject's size is known and it gets no soft mask); else None."""
        if item.info.has_alpha or (id(item) not in self._jobs and id(item) not in self._early):
            return None
        w, h = self._sizes[id(item)]
        return Pending(item, w, h)

    def result(self, item: ImageItem) -> Placed:
        """The layer's pixels (and JPEG when encoded ahead); raises the layer's error where the draw loop
        reaches it."""
        claimed = self._early.pop(id(item), None)
        if claimed is not None:
            job, item, w, h = claimed
            try:
                rgb, alpha, jpeg = job.result()
            except Exception:  # the guess failed: the layer's own work raises the layer's own error
                return self._work(item, w, h)
            return Placed(rgb, alpha, jpeg)
        return self._jobs.pop(id(item)).result()

    def close(self) -> None:
        """Wait for work nobody collected (the page failed before reaching the layer), so no thread keeps
        decoding for a page that is gone; its errors are not raised again."""
        ahead.settle(list(self._jobs.values()))
        ahead.settle([job for job, *_ in self._early.values()])
        self._jobs.clear()
        self._early.clear()


def image_xobject(pdf: pikepdf.Pdf, placed: Placed | Pending) -> tuple[Stream, Stream | None]:
    """A CMYK JPEG image XObject for ``placed`` (its stream filled by :func:`encode_images`) and its soft mask."""
    from pikepdf import Array, Name, Stream  # not at import: a page's image work starts before pikepdf loads

    size = placed if isinstance(placed, Pending) else placed.rgb
    width, height = size.width, size.height
    xobj = Stream(
        pdf,
        b"",
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=width,
        Height=height,
        ColorSpace=Name.DeviceCMYK,
        BitsPerComponent=8,
        Filter=Name.DCTDecode,
        Decode=Array([1, 0, 1, 0, 1, 0, 1, 0]),  # libvips writes Adobe-style inverted CMYK JPEG
    )
    smask = None
    if isinstance(placed, Placed) and placed.alpha is not None:
        smask = Stream(  # stored raw here; qpdf Flate-compresses it on save
            pdf,
            placed.alpha,
            Type=Name.XObject,
            Subtype=Name.Image,
            Width=width,
            Height=height,
            ColorSpace=Name.DeviceGray,
            BitsPerComponent=8,
        )
    return xobj, smask


def encode_images(
    images: list[tuple[Stream, Placed | Pending]],
    conv: ColorConverter,
    quality: int,
    lut_max_pixels: int | None,
    ahead: PageImages | None,
) -> None:
    """sRGB -> CMYK and JPEG for the page's image XObjects not encoded ahead. littleCMS builds a transform per
    ``icc_transform`` call (~12 ms for the FOGRA39 profile, more than converting a placed clip-art), so those
    images go through *one* call: stacked lazily (``arrayjoin``, one cell each), converted, cut apart again;
    each encode then pulls only its own cell's pixels."""
    from pikepdf import Name

    todo: list[tuple[Stream, pyvips.Image]] = []
    for xobj, entry in images:
        if isinstance(entry, Pending):
            assert ahead is not None, "a pending image belongs to a page's PageImages"
            placed = ahead.result(entry.item)  # raises the layer's own error
            xobj.Width, xobj.Height = placed.rgb.width, placed.rgb.height  # as drawn (the same numbers)
        else:
            placed = entry
        if placed.jpeg is not None:
            xobj.write(placed.jpeg, filter=Name.DCTDecode)
        else:
            todo.append((xobj, placed.rgb))
    if not todo:
        return
    rgbs = [img for _, img in todo]
    if ahead is not None and ahead.decided:
        table = ahead.table
    else:
        table = conv.page_table_for(max(i.width * i.height for i in rgbs), lut_max_pixels)
    if table is not None:
        for xobj, img in todo:  # one image materialised at a time, let go once encoded
            xobj.write(table_jpeg(table, img, quality), filter=Name.DCTDecode)
        return
    if len(rgbs) == 1:
        cmyks = [conv.image(rgbs[0])]
    else:
        cell_w, cell_h = max(i.width for i in rgbs), max(i.height for i in rgbs)
        stacked = conv.image(pyvips.Image.arrayjoin(rgbs, across=1, hspacing=cell_w, vspacing=cell_h))
        cmyks = [stacked.crop(0, n * cell_h, img.width, img.height) for n, img in enumerate(rgbs)]
    for (xobj, _), cmyk in zip(todo, cmyks, strict=True):
        xobj.write(encode_jpeg(cmyk, quality), filter=Name.DCTDecode)
