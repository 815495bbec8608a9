"""Folds: text or a face on a fold line (a card's score, a book's gutter) bends or disappears into it.

A template's ``folds`` (:class:`~render_engine.model.surfaces.Fold`, per surface) are lines in trim mm; each
keeps ``clear_mm`` free on both sides. Text whose inked bounds reach into that band, and a face the auto-crop
detector found there, are warnings (``layout.text_on_fold``, ``layout.face_on_fold``): a photo across the
fold of a card spread is fine, a name across it is not.
"""

from __future__ import annotations

from ..layout.plan import TextItem
from ..model.geometry import Rect
from ..model.surfaces import Fold
from .faces import face_rects
from .messages import Msg
from .regions import intersection, printed_images
from .report import CheckContext, Finding, rounded


def fold_band(fold: Fold, trim: Rect) -> Rect:
    """The keep-clear band around a fold line, across the whole trim (mm)."""
    c = fold.clear_mm
    if fold.axis == "vertical":
        return Rect(fold.at_mm - c, trim.y, 2 * c, trim.h)
    return Rect(trim.x, fold.at_mm - c, trim.w, 2 * c)


def _distance(fold: Fold, r: Rect) -> float:
    """How far ``r`` is from the fold line (0 when it crosses it)."""
    lo, hi = (r.x, r.x1) if fold.axis == "vertical" else (r.y, r.y1)
    return 0.0 if lo <= fold.at_mm <= hi else min(abs(lo - fold.at_mm), abs(hi - fold.at_mm))


def check_folds(ctx: CheckContext) -> list[Finding]:
    layout = ctx.layout
    folds = layout.template.folds
    if not folds or (layout.template.book is not None and "spine" in layout.template.regions):
        return []  # a book cover's spine edges and hinges: checks/book.py, with the book's own margins
    out: list[Finding] = []
    for fold in folds:
        band = fold_band(fold, layout.trim)
        where = f"{fold.kind} at {'x' if fold.axis == 'vertical' else 'y'} = {fold.at_mm:g} mm"
        for it in layout.items:
            if not isinstance(it, TextItem) or it.opacity <= 0 or it.block.bounds is None:
                continue
            hit = intersection(it.block.bounds, band)
            if hit is None:
                continue
            dist = _distance(fold, it.block.bounds)
            out.append(
                Finding(
                    "layout.text_on_fold",
                    "warning",
                    Msg("This text sits on the {fold} and will bend or disappear into it. Move it to one side.",
                        fold=Msg(fold.kind)),
                    f"text bounds come within {dist:.1f} mm of the {where} (keep {fold.clear_mm:g} mm clear)",
                    it.layer,
                    hit,
                    rounded(dist, 2),
                    fold.clear_mm,
                    "mm",
                    {"fold": fold.model_dump()},
                )
            )
        for img, _bounds in printed_images(layout):
            for face in face_rects(img):
                hit = intersection(face, band)
                if hit is None:
                    continue
                out.append(
                    Finding(
                        "layout.face_on_fold",
                        "warning",
                        Msg("A face in this photo sits on the {fold}. Move the photo so the face is on one side.",
                            fold=Msg(fold.kind)),
                        f"detected face {face.x:.1f},{face.y:.1f} {face.w:.1f}x{face.h:.1f} mm meets the {where}",
                        img.layer,
                        hit,
                        rounded(_distance(fold, face), 2),
                        fold.clear_mm,
                        "mm",
                        {"fold": fold.model_dump()},
                    )
                )
    return out
