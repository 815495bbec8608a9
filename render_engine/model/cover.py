"""Book covers computed from the page count, not typed: pure geometry in mm (no pixels, no I/O).

A product template that is a book carries a :class:`BookSpec` (``"book"`` in ``templates_print/*.json``): the
binding, the allowed page counts, a paper table and the case dimensions. :func:`cover_geometry` turns it,
the interior page size and a page count into the flat cover sheet a printer wants — its trim size, the
panels (back, spine, front, and for a case the hinges and the turn-in wrap) and the fold lines — so that
changing the page count resizes the cover and moves the spine.

The formula (the tests write it out again on their own):

* ``leaves = pages / 2`` — one leaf (sheet) carries two pages; **calipers are per leaf**, in µm.
* ``spine = leaves * caliper_um / 1000 + spine_allowance_mm`` — the allowance is what the cover adds to the
  book block (two case boards for a hardcover, the cover stock for a softcover).
* hardcover (case wrap): ``board_w = page_w + board_extra_w``, ``board_h = page_h + board_extra_h``;
  sheet width ``2 wrap + 2 board_w + 2 hinge + spine``, height ``2 wrap + board_h``.
* softcover (perfect bound): sheet width ``2 page_w + spine``, height ``page_h`` (the hinge, when given, is a
  score line on the front and back, not a panel of its own).

The cover sheet's trim box is the whole flat sheet (for a case: including the turn-in wrap); the template's
cover bleed lies outside it. Coordinates are trim coordinates: origin top-left, x right, y down — the
design's own space, so a layer box can be given relative to a panel (:func:`place_box`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import DesignError, did_you_mean
from .geometry import Rect

PanelName = Literal["wrap_left", "back", "hinge_back", "spine", "hinge_front", "front", "wrap_right"]
#: the surface of a book template whose trim is computed (the cover sheet)
COVER = "cover"
#: the panels a design layer may be placed relative to (the visible faces of the closed book)
ANCHOR_PANELS = ("back", "spine", "front", "hinge_back", "hinge_front")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)


class PageCounts(_Model):
    """The page counts a book may have: ``min`` to ``max`` in steps of ``step`` (pages, not leaves)."""

    min: Annotated[int, Field(ge=2, le=2000)]
    max: Annotated[int, Field(ge=2, le=2000)]
    step: Annotated[int, Field(ge=1, le=64)] = 2

    @model_validator(mode="after")
    def _order(self) -> PageCounts:
        if self.max < self.min:
            raise ValueError("pages.max must not be below pages.min")
        if (self.max - self.min) % self.step:
            raise ValueError("pages.max - pages.min must be a multiple of pages.step")
        return self

    def allowed(self, pages: int) -> bool:
        return self.min <= pages <= self.max and (pages - self.min) % self.step == 0

    def describe(self) -> str:
        return f"{self.min} to {self.max} in steps of {self.step}"


class Paper(_Model):
    caliper_um: Annotated[float, Field(gt=0, le=2000)] = Field(
        description="Thickness of one leaf (two pages) in micrometres."
    )
    description: str = ""


class BookSpec(_Model):
    """How a book is bound and how big its cover is, as data (``template.book``)."""

    binding: Literal["hardcover", "softcover"]
    pages: PageCounts | None = Field(
        None, description="Page counts the cover is made for; default: the template's pages.count (interior)."
    )
    papers: Annotated[dict[str, Paper], Field(min_length=1)] = Field(description="Paper name -> caliper per leaf (µm).")
    default_paper: str
    spine_allowance_mm: Annotated[float, Field(ge=0, le=50)] = Field(
        description="Added to the book block's thickness: two case boards, or the softcover's cover stock."
    )
    board_extra_w_mm: Annotated[float, Field(ge=-50, le=50)] = Field(
        0.0, description="Case board width minus page width (hardcover)."
    )
    board_extra_h_mm: Annotated[float, Field(ge=-50, le=50)] = Field(
        0.0, description="Case board height minus page height (hardcover)."
    )
    hinge_mm: Annotated[float, Field(ge=0, le=50)] = Field(
        0.0, description="Hardcover: the groove between board and spine; softcover: the score line's distance."
    )
    wrap_mm: Annotated[float, Field(ge=0, le=50)] = Field(
        0.0, description="Hardcover turn-in: printed sheet folded around the board edges on every side."
    )
    cover_bleed_mm: Annotated[float, Field(ge=0, le=50)] = Field(3.0, description="Bleed around the cover sheet.")
    cover_safe_mm: Annotated[float, Field(ge=0, le=50)] = Field(
        5.0, description="Keep text this far inside every panel edge (and the fold lines)."
    )
    gutter_mm: Annotated[float, Field(ge=0, le=100)] = Field(
        10.0, description="Interior pages: the band at the binding edge where text and faces disappear."
    )
    spine_text_min_mm: Annotated[float, Field(ge=0, le=100)] = Field(
        6.0, description="Narrowest spine that takes printed text."
    )
    spine_text_margin_mm: Annotated[float, Field(ge=0, le=20)] = Field(
        1.0, description="Spine text keeps this far from each spine edge."
    )
    mockup_panels: tuple[str, ...] = Field(
        (), description="The cover panel each mockup face's rect_mm is relative to (the book-closed scene)."
    )
    cover_only: bool = Field(False, description="The product is the cover wrap alone (a notebook's): no interior.")
    direction: Literal["ltr", "rtl"] = Field(
        "ltr",
        description="Reading and binding direction. 'rtl' (Arabic, Hebrew, manga): bound on the right, so the "
        "flat cover is mirrored (front panel on the left of the sheet, back on the right), odd pages are "
        "left-hand pages bound on their right edge and a spread's even page is its right-hand page. A design "
        "may choose with its top-level 'direction'.",
    )

    @model_validator(mode="after")
    def _paper(self) -> BookSpec:
        if self.default_paper not in self.papers:
            raise ValueError(f"book.default_paper '{self.default_paper}' is not in book.papers")
        if self.binding == "softcover" and self.wrap_mm:
            raise ValueError("a softcover has no wrap (book.wrap_mm must be 0)")
        return self


@dataclass(frozen=True)
class FoldLine:
    """A line the cover is folded or bent along: ``axis`` "x" is a vertical line at x = ``pos``."""

    name: str
    axis: Literal["x", "y"]
    pos: float
    kind: Literal["fold", "hinge", "turn_in"]


@dataclass(frozen=True)
class CoverGeometry:
    """The flat cover sheet of one book at one page count (mm, trim coordinates of the sheet)."""

    binding: Literal["hardcover", "softcover"]
    pages: int
    paper: str
    width: float
    height: float
    spine: float  # spine width
    panels: dict[str, Rect]
    folds: tuple[FoldLine, ...]

    @property
    def trim(self) -> Rect:
        return Rect(0.0, 0.0, self.width, self.height)

    def panel(self, name: str) -> Rect:
        try:
            return self.panels[name]
        except KeyError:
            known = ", ".join(sorted(self.panels))
            raise DesignError(
                f"unknown cover panel{did_you_mean(name, self.panels)}; panels: {known}", field="panel"
            ) from None


def check_page_count(book: BookSpec, pages: int, field: str = "pages") -> None:
    """A :class:`DesignError` naming ``field`` unless ``pages`` is one of the book's page counts."""
    counts = book.pages
    if counts is None:
        raise DesignError("this book has no page counts (book.pages)", field=field)
    if isinstance(pages, bool) or not isinstance(pages, int) or not counts.allowed(pages):
        raise DesignError(f"a book of this product has {counts.describe()} pages", field=field)


def paper_caliper_um(book: BookSpec, paper: str | None, field: str = "paper") -> tuple[str, float]:
    name = paper or book.default_paper
    if name not in book.papers:
        known = ", ".join(sorted(book.papers))
        raise DesignError(f"unknown paper{did_you_mean(name, book.papers)}; papers: {known}", field=field)
    return name, book.papers[name].caliper_um


def spine_width_mm(book: BookSpec, pages: int, paper: str | None = None) -> float:
    """``pages / 2`` leaves at the paper's caliper per leaf, plus the cover's allowance."""
    check_page_count(book, pages)
    _, caliper = paper_caliper_um(book, paper)
    return pages / 2 * caliper / 1000.0 + book.spine_allowance_mm


def cover_geometry(book: BookSpec, page_w: float, page_h: float, pages: int, paper: str | None = None) -> CoverGeometry:
    """The cover sheet of a ``pages``-page book whose interior pages are ``page_w`` x ``page_h`` mm."""
    name, _ = paper_caliper_um(book, paper)
    spine = spine_width_mm(book, pages, name)
    if book.binding == "hardcover":
        g = _case(book, page_w, page_h, pages, name, spine)
    else:
        g = _softcover(book, page_w, page_h, pages, name, spine)
    return _mirrored(g) if book.direction == "rtl" else g


def _mirrored(g: CoverGeometry) -> CoverGeometry:
    """A right-to-left book's cover sheet: the left-to-right sheet mirrored left for right (the front board on
    the left, the back on the right); every panel and vertical line keeps its name."""
    panels = {n: Rect(g.width - r.x - r.w, r.y, r.w, r.h) for n, r in g.panels.items()}
    folds = tuple(
        FoldLine(f.name, f.axis, g.width - f.pos, f.kind) if f.axis == "x" else f for f in g.folds
    )
    return CoverGeometry(g.binding, g.pages, g.paper, g.width, g.height, g.spine, panels, folds)


def _case(book: BookSpec, page_w: float, page_h: float, pages: int, paper: str, spine: float) -> CoverGeometry:
    wrap, hinge = book.wrap_mm, book.hinge_mm
    bw, bh = page_w + book.board_extra_w_mm, page_h + book.board_extra_h_mm
    width = 2 * wrap + 2 * bw + 2 * hinge + spine
    height = 2 * wrap + bh
    xs = [0.0]
    for w in (wrap, bw, hinge, spine, hinge, bw, wrap):
        xs.append(xs[-1] + w)
    names = ("wrap_left", "back", "hinge_back", "spine", "hinge_front", "front", "wrap_right")
    panels = {
        n: Rect(x0, 0.0 if n.startswith("wrap") else wrap, x1 - x0, height if n.startswith("wrap") else bh)
        for n, x0, x1 in zip(names, xs[:-1], xs[1:], strict=True)
    }
    folds = (
        FoldLine("turn_in_left", "x", xs[1], "turn_in"),
        FoldLine("hinge_back", "x", xs[2], "hinge"),
        FoldLine("spine_back", "x", xs[3], "fold"),
        FoldLine("spine_front", "x", xs[4], "fold"),
        FoldLine("hinge_front", "x", xs[5], "hinge"),
        FoldLine("turn_in_right", "x", xs[6], "turn_in"),
        FoldLine("turn_in_top", "y", wrap, "turn_in"),
        FoldLine("turn_in_bottom", "y", wrap + bh, "turn_in"),
    )
    return CoverGeometry("hardcover", pages, paper, width, height, spine, panels, folds)


def _softcover(book: BookSpec, page_w: float, page_h: float, pages: int, paper: str, spine: float) -> CoverGeometry:
    panels = {
        "back": Rect(0.0, 0.0, page_w, page_h),
        "spine": Rect(page_w, 0.0, spine, page_h),
        "front": Rect(page_w + spine, 0.0, page_w, page_h),
    }
    folds = [FoldLine("spine_back", "x", page_w, "fold"), FoldLine("spine_front", "x", page_w + spine, "fold")]
    if book.hinge_mm:
        folds.insert(0, FoldLine("hinge_back", "x", page_w - book.hinge_mm, "hinge"))
        folds.append(FoldLine("hinge_front", "x", page_w + spine + book.hinge_mm, "hinge"))
    return CoverGeometry("softcover", pages, paper, 2 * page_w + spine, page_h, spine, panels, tuple(folds))


Origin = Literal["top_left", "center"]


def place_box(geometry: CoverGeometry, panel: str, origin: Origin, x: float, y: float, w: float, h: float) -> Rect:
    """A layer box given relative to a cover panel, in the sheet's trim coordinates.

    ``origin="top_left"``: (x, y) is the box's top-left corner from the panel's top-left corner.
    ``origin="center"``: (x, y) is the box centre's offset from the panel centre — a spine title with x = 0
    stays centred on the spine whatever its width, and a front photo stays centred on the front board."""
    r = geometry.panel(panel)
    if origin == "center":
        return Rect(r.cx + x - w / 2, r.cy + y - h / 2, w, h)
    return Rect(r.x + x, r.y + y, w, h)


def gutter_band(book: BookSpec, page_w: float, page_h: float, page_number: int) -> Rect:
    """The band at the binding edge of interior page ``page_number`` (1-based, reading order): odd pages are
    right-hand (recto) pages bound on their left edge, even pages left-hand (verso) bound on their right —
    the other way round in a right-to-left book (``book.direction``)."""
    g = min(book.gutter_mm, page_w)
    bound_left = bool(page_number % 2) != (book.direction == "rtl")
    return Rect(0.0, 0.0, g, page_h) if bound_left else Rect(page_w - g, 0.0, g, page_h)


def anchor_layers(layers: list[Any], geometry: CoverGeometry | None, where: str = "layers") -> list[Any]:
    """The layers with every box given relative to a cover panel (``box.panel``) moved to the sheet's trim
    coordinates (a copy; others unchanged). Without a cover (``geometry`` None) a panel is a
    :class:`DesignError` naming ``<where>[i].box.panel``."""
    out = []
    for i, layer in enumerate(layers):
        box = getattr(layer, "box", None)
        panel = getattr(box, "panel", None)
        if box is None or panel is None:
            out.append(layer)
            continue
        if geometry is None:
            raise DesignError("box.panel places a layer on a book cover's panel; this surface has none",
                              field=f"{where}[{i}].box.panel")  # fmt: skip
        r = place_box(geometry, panel, box.origin, box.x, box.y, box.width, box.height)
        moved = box.model_copy(update={"x": r.x, "y": r.y, "panel": None, "origin": "top_left"})
        out.append(layer.model_copy(update={"box": moved}))
    return out
