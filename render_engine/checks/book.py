"""Books: spine text that the spine cannot carry, and text or faces where a book folds or binds.

Runs on the templates :func:`~render_engine.model.templates.cover_template` and
:func:`~render_engine.model.templates.interior_page_template` compute: the cover's panels are its ``regions``
(``spine``, ``hinge_back`` / ``hinge_front``, ``wrap_*``), an interior page's binding-edge band is its
``gutter`` region, and ``template.book`` holds the limits (``spine_text_min_mm``, ``spine_text_margin_mm``).
A layout of any other template yields nothing.

* ``book.spine_too_narrow`` (blocker): text on a spine narrower than the book's minimum for spine text.
* ``book.spine_text_overflow`` (warning): spine text reaching past the spine's edges (less the margin).
* ``book.text_on_fold`` (warning): other cover text across a fold or hinge line, in a hinge groove or on the
  turn-in wrap folded under the board.
* ``book.face_on_fold`` (warning): a detected face (auto-crop photos) across a fold or hinge line or on the spine.
* ``book.text_in_gutter`` / ``book.face_in_gutter`` (warning): interior text or a detected face in the gutter.
"""

from __future__ import annotations

from ..layout.plan import TextItem
from ..model.geometry import Rect
from ..model.templates import Region
from .faces import face_rects
from .messages import Msg
from .regions import intersection, printed_images
from .report import CheckContext, Finding, rounded
from .thresholds import GEOM_TOL_MM


def check_book(ctx: CheckContext) -> list[Finding]:
    t = ctx.layout.template
    if t.book is None:
        return []
    rects = {name: _rect(r) for name, r in t.regions.items()}
    out: list[Finding] = []
    if "spine" in rects:
        out += _cover(ctx, rects)
    if "gutter" in rects:
        out += _gutter(ctx, rects["gutter"])
    return out


def _rect(r: Region) -> Rect:
    return Rect(r.x, r.y, r.width_mm, r.height_mm)


def _texts(ctx: CheckContext) -> list[tuple[TextItem, Rect]]:
    out = []
    for it in ctx.layout.items:
        if isinstance(it, TextItem) and it.opacity > 0 and it.block.bounds is not None:
            out.append((it, it.block.bounds))
    return out


def _cover(ctx: CheckContext, rects: dict[str, Rect]) -> list[Finding]:
    book = ctx.layout.template.book
    assert book is not None
    spine = rects["spine"]
    out: list[Finding] = []
    folds = [("spine edge", spine.x), ("spine edge", spine.x1)]
    for name in ("hinge_back", "hinge_front"):
        if name in rects:
            folds += [("hinge", rects[name].x), ("hinge", rects[name].x1)]
    for it, b in _texts(ctx):
        if spine.x - GEOM_TOL_MM <= b.cx <= spine.x1 + GEOM_TOL_MM:  # text meant for the spine
            out += _spine_text(it, b, spine, book.spine_text_min_mm, book.spine_text_margin_mm)
            continue
        crossed = [what for what, x in folds if b.x + GEOM_TOL_MM < x < b.x1 - GEOM_TOL_MM]
        grooves = [n for n in ("hinge_back", "hinge_front") if n in rects and intersection(b, rects[n])]
        wraps = [n for n in rects if n.startswith("wrap") and intersection(b, rects[n])]
        back = rects.get("back")
        if back is not None and "wrap_left" in rects and (b.y < back.y - GEOM_TOL_MM or b.y1 > back.y1 + GEOM_TOL_MM):
            wraps.append("turn-in")
        if crossed or grooves or wraps:
            where = ", ".join(dict.fromkeys([*crossed, *(g.replace("_", " ") + " groove" for g in grooves),
                                             *(w.replace("_", " ") for w in wraps)]))  # fmt: skip
            out.append(
                Finding(
                    "book.text_on_fold",
                    "warning",
                    Msg("This text sits where the cover folds or wraps around the board; part of it will be bent or "
                    "hidden. Move it onto the front, back or spine."),
                    f"text bounds {b.x:.1f},{b.y:.1f} {b.w:.1f}x{b.h:.1f} mm: {where}",
                    it.layer,
                    b,
                    extra={"where": where},
                )
            )
    for img, _bounds in printed_images(ctx.layout):
        for face in face_rects(img):
            crossed = [what for what, x in folds if face.x + GEOM_TOL_MM < x < face.x1 - GEOM_TOL_MM]
            on = [n for n in ("spine", "hinge_back", "hinge_front") if n in rects and intersection(face, rects[n])]
            if crossed or on:
                where = ", ".join(dict.fromkeys([*crossed, *(n.replace("_", " ") for n in on)]))
                out.append(
                    Finding(
                        "book.face_on_fold",
                        "warning",
                        Msg("A face in this photo sits on the spine or where the cover bends. Move the photo."),
                        f"detected face {face.x:.1f},{face.y:.1f} {face.w:.1f}x{face.h:.1f} mm: {where}",
                        img.layer,
                        face,
                        extra={"where": where},
                    )
                )
    return out


def _spine_text(it: TextItem, b: Rect, spine: Rect, min_mm: float, margin: float) -> list[Finding]:
    if spine.w < min_mm:
        return [
            Finding(
                "book.spine_too_narrow",
                "blocker",
                Msg("The spine is only {width:.1f} mm wide: too narrow for text. Remove the spine text or add pages.",
                    width=spine.w),
                f"spine {spine.w:.2f} mm < {min_mm:g} mm, the narrowest spine this product prints text on",
                it.layer,
                b,
                rounded(spine.w, 2),
                min_mm,
                "mm",
            )
        ]
    room = spine.inset(0) if margin <= 0 else Rect(spine.x + margin, spine.y, spine.w - 2 * margin, spine.h)
    if room.contains(b, GEOM_TOL_MM) and b.w <= room.w + GEOM_TOL_MM:
        return []
    return [
        Finding(
            "book.spine_text_overflow",
            "warning",
            Msg("The spine text is wider than the spine and will wrap onto the front or back cover. Make it smaller."),
            f"text {b.w:.2f} mm across, {b.x:.1f}..{b.x1:.1f} mm; the spine is {spine.w:.2f} mm "
            f"({spine.x:.1f}..{spine.x1:.1f}) with {margin:g} mm kept clear at each edge",
            it.layer,
            b,
            rounded(b.w, 2),
            rounded(max(0.0, room.w), 2),
            "mm",
        )
    ]


def _gutter(ctx: CheckContext, gutter: Rect) -> list[Finding]:
    out: list[Finding] = []
    for it, b in _texts(ctx):
        if intersection(b, gutter) is not None:
            out.append(
                Finding(
                    "book.text_in_gutter",
                    "warning",
                    Msg("This text runs into the gutter, where the pages are bound; it will be hard to read. Move it "
                    "away from the binding edge."),
                    f"text bounds {b.x:.1f},{b.y:.1f} {b.w:.1f}x{b.h:.1f} mm reach the {gutter.w:g} mm gutter",
                    it.layer,
                    b,
                )
            )
    for img, _bounds in printed_images(ctx.layout):
        for face in face_rects(img):
            if intersection(face, gutter) is not None:
                out.append(
                    Finding(
                        "book.face_in_gutter",
                        "warning",
                        Msg("A face in this photo sits in the gutter, where the pages are bound. Move the photo."),
                        f"detected face {face.x:.1f},{face.y:.1f} {face.w:.1f}x{face.h:.1f} mm reaches the "
                        f"{gutter.w:g} mm gutter",
                        img.layer,
                        face,
                    )
                )
    return out
