"""Text pieces: Fabric's ``textAlign`` (:func:`alignment`); and what needs the engine's own layout of the
text: where a textbox on a path wraps
(:func:`wrapped`), per-character gradients of path text in each character's frame (:func:`path_span_paints`),
a gradient fill as the native layer's paint (:func:`gradient_fill`), the winding of the rects a text clipPath
adds to its glyphs (:func:`clip_oriented`) and whether a text stroke is the native layer's own
(:func:`plain_stroke`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..model.design import validation_error_to_design_error
from ..model.errors import DesignError
from ..model.geometry import Matrix
from ..model.geometry import Path as VPath
from ..model.units import MM_PER_PT
from .object_geometry import inverse
from .text_paint import gradient_paint, per_character_spans
from .versions import major

if TYPE_CHECKING:
    from ..layout.text import TextBlock
    from .protocol import Converter


_ALIGNS = {"left": "left", "center": "center", "right": "right", "start": "left", "end": "right"}
# Fabric's justify values -> how the last line of a paragraph aligns ('justify' stretches it too)
_JUSTIFY = {"justify": "justify", "justify-left": "left", "justify-center": "center", "justify-right": "right"}


def alignment(align: Any, kind: str, wrap: bool, n_lines: int, where: str) -> tuple[str, str | None]:
    """Fabric's ``textAlign`` as the native ``align`` and ``align_last`` (None: the native default)."""
    align_last: str | None = None
    if isinstance(align, str) and align in _ALIGNS:
        native_align = _ALIGNS[align]
    elif isinstance(align, str) and align in _JUSTIFY:
        native_align, align_last = "justify", _JUSTIFY[align]
        if not wrap and n_lines == 1:  # one line of plain text: nothing to stretch, it is its own width
            native_align, align_last = ("left" if align == "justify" else align_last), None
    else:
        raise DesignError(f"textAlign must be one of {', '.join([*_ALIGNS, *_JUSTIFY])}", field=f"{where}.textAlign")
    return native_align, align_last


def wrapped(conv: Converter, layer: dict[str, Any], where: str) -> str:
    """The layer's text with a line break for each space where the native layout wraps it."""
    from ..layout.text import layout_text
    from ..model.design import TextLayer

    text_ = str(layer["text"])
    try:
        flat = layout_text(TextLayer.model_validate({**layer, "rotation": 0.0}), conv.fonts, where)
    except ValidationError as exc:
        raise DesignError(validation_error_to_design_error(exc).message, field=where) from None
    chars = list(text_)
    for line in flat.lines[1:]:
        j = line.start - 1  # the character before a wrapped line: the space it broke at
        if 0 <= j < len(chars) and chars[j] in " \t":
            chars[j] = "\n"
    return "".join(chars)


def clip_oriented(rect: VPath, glyphs: VPath) -> VPath:
    """``rect`` (a polygon) wound as the glyphs' outer contours are, so that in a nonzero clip the union of
    both is covered (a rect wound the other way would cut the glyphs out of it)."""

    def area(pts: list[tuple[float, float]]) -> float:
        return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True)) / 2

    contours: list[list[tuple[float, float]]] = []
    for op, ops_pts in glyphs.ops:
        if op == "M":
            contours.append([])
        if contours:
            contours[-1] += list(ops_pts)
    outer = max((area(c) for c in contours), key=abs, default=0.0)
    pts = [p for _op, ps in rect.ops for p in ps]
    if outer == 0 or (area(pts) > 0) == (outer > 0):
        return rect
    pts.reverse()
    return VPath((("M", (pts[0],)), *(("L", (p,)) for p in pts[1:]), ("Z", ())), rect.evenodd)


def path_span_paints(
    spans_: list[dict[str, Any]],
    pending: dict[int, tuple[dict[str, Any], str]],
    flat: TextBlock,
    conv: Converter,
    to_local: Matrix,
    w: float,
    h: float,
    to_page: Matrix,
) -> list[dict[str, Any]]:
    """Spans of path text whose paint is a per-character gradient or pattern, split into one span per
    character with the paint in that character's frame (:func:`.text_paint.per_character_spans`)."""
    out: list[dict[str, Any]] = []
    for span in spans_:
        src = pending.get(id(span.get("color")))
        if src is None:
            out.append(span)
            continue
        g, at = src

        def make(frame: Matrix, g: dict[str, Any] = g, at: str = at) -> dict[str, Any]:
            return gradient_paint(g, at, w, h, frame.then(to_page))

        each = per_character_spans([span], flat, conv.fonts, to_local, make)
        out += [x for x in each if span["start"] <= x["start"] < span["end"] and x.get("color") is not span["color"]]
        covered = {x["start"] for x in out}
        # characters the layout did not place (none on a path of enough length) keep the placeholder paint
        out += [{**span, "start": i, "end": i + 1} for i in range(span["start"], span["end"]) if i not in covered]
    return sorted(out, key=lambda x: x["start"])


def fabric_measure(obj: Mapping[str, Any]) -> str:
    """The native ``measure`` of a Fabric text not on a path. Fabric wraps a textbox on per-grapheme widths
    (``Textbox._measureWord``) and aligns every line by its measured width (``_getLineLeftOffset``), though it
    draws an unspaced line in one ``fillText`` from there. Fabric 6 and 7 split graphemes with
    ``Intl.Segmenter``; Fabric 5's ``graphemeSplit`` keeps only surrogate pairs together, so a conjunct's code
    points are measured one by one (wider than it draws)."""
    return "per_code_point" if major(obj.get("version")) <= 5 else "per_character"


def plain_stroke(
    stroke: str | None,
    alpha: float,
    line: tuple[float, str, str, float, list[float], float],
    s: float,
    layer_spans: list[dict[str, Any]],
    inked: list[Any],
) -> dict[str, Any] | None:
    """The native ``stroke`` of a text layer for an object stroke of one opaque colour that every inked
    character (a :class:`.styles.CharStyle`) takes as it is and no span overrides, else None (the stroke stays
    an ``svg`` layer). ``line``: width, cap, join, miter limit, dashes and dash offset in text px; ``s``: layout
    mm per text px. Dashes restart on every contour in both (cairo's and librsvg's dashing alike)."""
    width, cap, join, limit, dash, dash_offset = line
    if stroke is None or alpha < 1.0 or not 1.0 <= limit <= 100.0 or any("stroke" in sp for sp in layer_spans):
        return None
    if any((c.stroke, c.stroke_width, c.stroke_paint) != (stroke, width, None) for c in inked):
        return None
    pt = s / MM_PER_PT
    out = {"color": stroke, "width": width * pt, "cap": cap, "join": join, "miter_limit": limit}
    if dash:
        out |= {"dash": [v * pt for v in dash], "dash_offset": dash_offset * pt}
    return out


def gradient_fill(
    conv: Converter,
    layer: dict[str, Any],
    grad: Mapping[str, Any],
    flat: TextBlock,
    m: Matrix,
    rot: Matrix,
    where: str,
    w: float,
    h: float,
    on_path: bool,
    text_color: str | None,
) -> None:
    """The native layer's paint for a gradient fill: the object's gradient on the page, or on a path one
    per character in the character's own frame (as Fabric draws it)."""
    to_page = m.then(conv.page)  # the object's local px -> page mm
    at = f"{where}.fill"
    if not on_path:
        layer["color"] = gradient_paint(grad, at, w, h, to_page)
        return
    to_local = rot.then(inverse(to_page))  # the unrotated layout -> local px
    own = [s for s in layer.get("spans", []) if "color" not in s or s["color"] == text_color]
    kept = [s for s in layer.get("spans", []) if s not in own]

    def make(frame: Matrix) -> dict[str, Any]:
        return gradient_paint(grad, at, w, h, frame.then(to_page))

    spans_ = per_character_spans(own, flat, conv.fonts, to_local, make)
    covered = {i for s in kept for i in range(s["start"], s["end"])}
    spans_ = [s for s in spans_ if not any(i in covered for i in range(s["start"], s["end"]))]
    layer["spans"] = sorted([*kept, *spans_], key=lambda s: s["start"])
