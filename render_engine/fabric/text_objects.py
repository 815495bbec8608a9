"""Text, i-text and textbox objects: a native ``text`` layer, with Fabric's text metrics, alignment and
justification, and what Fabric paints around the glyphs.

The native text layer carries the string, face, size, line height, letter spacing, direction, wrapping and
per-character fill, face, size, baseline shift and stroke (``spans``, from :mod:`.styles`); a gradient fill
(:mod:`.text_paint`) and text on a path (:mod:`.text_path`); its box is placed so that the engine's first
baseline and alignment edge land where Fabric's do. Text backgrounds and decorations (underline, overline,
line-through) are measured on the engine's own layout and added as ``shape`` rects around it; a plain text
stroke is the native layer's ``stroke``, any other an ``svg`` layer of the laid-out outlines. Text the native
model cannot express — skewed, mirrored or non-uniformly scaled, clipped, beyond its range, or inside a group
composited as one — is drawn as those outlines in one ``svg`` layer (translucent: each part on its own, as
Fabric's Node render draws it). A stale saved size is replaced by the one Fabric measures on load
(:mod:`.text_refit`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..model.design import validation_error_to_design_error
from ..model.errors import DesignError
from ..model.geometry import Matrix, Rect
from ..model.geometry import Path as VPath
from ..model.units import MM_PER_PT
from .effects import local_svg, own_cache, own_clips, uncached_text_cast
from .font_properties import font_family, font_style, font_weight, native_font
from .native_fields import fabric_named
from .object_geometry import decompose, inverse, local_bounds
from .parse import color, line_style, num
from .shapes import background_color, dash_array, gradient
from .styles import CharStyle, char_styles, spans
from .svg import fmt, translucent
from .text_paint import gradient_paint, is_gradient, representative
from .text_path import text_path
from .text_path_decor import path_decorations
from .text_pieces import (
    alignment,
    clip_oriented,
    fabric_measure,
    gradient_fill,
    path_span_paints,
    plain_stroke,
    wrapped,
)
from .text_refit import FONT_SIZE_MULT, refit

if TYPE_CHECKING:
    from ..layout.text import TextBlock, TextLine
    from .protocol import Converter, Node

# Fabric's text metrics constants (fabric/src/shapes/Text/constants.ts, identical in 5.x and 6.x); a line's height
# is fontSize * FONT_SIZE_MULT (1.13) * lineHeight
FONT_SIZE_FRACTION = 0.222  # the baseline sits this fraction of a line's height above its bottom

# Fabric's Text.offsets (fractions of fontSize from the baseline) and where the thickness is anchored
_DECORATIONS = {"underline": (0.1, 0.0), "linethrough": (-0.28167, 0.5), "overline": (-0.81333, 1.0)}

#: Something Fabric paints as a rect around text: (path in page mm before rotation, colour, alpha, what —
#: the property it comes from).
_Rects = list[tuple[VPath, str, float, str]]
_BEFORE = ("textBackgroundColor", "underline")


def _segments(
    block: TextBlock, line: TextLine, chars: list[CharStyle], key: Any, trailing_mm: float
) -> list[tuple[float, float, Any]]:
    """Split a laid-out (unrotated) line into runs of characters with equal ``key(style)``: (x0, x1, key) in
    page mm. A run spans from its first character's glyph to the next run's; the last ends at the line's
    end less ``trailing_mm`` (Fabric leaves the last character's charSpacing out of a decoration). A line
    aligned by its per-character measure starts and ends where that measure does."""
    start, end = line.start, line.start + len(line.text)
    lefts: dict[int, float] = {}
    for g in block.glyphs:
        if start <= g.cluster < end:
            lefts[g.cluster] = min(g.matrix.e, lefts.get(g.cluster, g.matrix.e))
    idx = sorted(lefts, key=lambda i: (lefts[i], i))  # visual order: right-to-left runs mirror (Fabric's rtl)
    if not idx:
        return []
    # a line aligned by its per-character measure: Fabric's runs span that measure (its __charBounds)
    left, right = line.measured_span_mm or (lefts[idx[0]], line.x_mm + line.width_mm)
    runs: list[tuple[float, float, Any]] = []
    cur, x0 = key(chars[idx[0]]), left
    for i in idx[1:]:
        k = key(chars[i])
        if k != cur:
            runs.append((x0, lefts[i], cur))
            cur, x0 = k, lefts[i]
    runs.append((x0, right - trailing_mm, cur))
    return runs


def _decorations(
    flat: TextBlock, chars: list[CharStyle], alpha: float, fs_mm: float, spacing_mm: float
) -> tuple[_Rects, _Rects]:
    """What Fabric paints, in order, around the glyphs (Text._render): text backgrounds and underlines
    before them, overlines and line-throughs after."""
    before: _Rects = []
    after: _Rects = []
    for line in flat.lines:
        for x0, x1, (bg, bg_alpha) in _segments(flat, line, chars, lambda c: (c.bg, c.bg_alpha), 0.0):
            if bg is not None and x1 > x0:
                top = line.baseline_mm - fs_mm * FONT_SIZE_MULT * (1 - FONT_SIZE_FRACTION)
                rect = VPath.rect(Rect(x0, top, x1 - x0, fs_mm * FONT_SIZE_MULT))
                before.append((rect, bg, bg_alpha, "textBackgroundColor"))
    for kind_ in ("underline", "overline", "linethrough"):
        off_, aligner = _DECORATIONS[kind_]
        for line in flat.lines:
            key = lambda c, k=kind_: (getattr(c, k), c.deco or c.fill, c.thickness)  # noqa: E731
            for x0, x1, (on, col, thickness) in _segments(flat, line, chars, key, spacing_mm):
                if on and col is not None and x1 > x0 and thickness > 0:
                    # Fabric: fontSize (the object's) x a run's textDecorationThickness / 1000
                    thick_mm = fs_mm * thickness / 1000
                    y = line.baseline_mm + off_ * fs_mm - aligner * thick_mm
                    deco = (VPath.rect(Rect(x0, y, x1 - x0, thick_mm)), col, alpha, kind_)
                    (before if kind_ == "underline" else after).append(deco)
    return before, after


def text(conv: Converter, node: Node, layers: list[dict[str, Any]], outline: list[VPath] | None = None) -> None:
    """Text as a native text layer (spans for per-character fill and face), with Fabric's text background,
    decorations, stroke and shadow around it; clipped text as its laid-out outlines in one ``svg`` layer.

    With ``outline`` (a text clipPath, :mod:`.text_clip`) nothing is drawn: the glyph outlines, laid out in
    the object's centred local px, are appended to it."""
    from ..layout.text import layout_text
    from ..model.design import FontRef, TextLayer

    obj, where, kind, m, opacity = node.obj, node.where, node.kind, node.m, node.opacity
    content = obj.get("text")
    if not isinstance(content, str):
        raise DesignError("text must be a string", field=f"{where}.text")
    if not content.strip():
        return
    dec = decompose(m.then(Matrix.scale(conv.k)))
    # skewed, mirrored or non-uniformly scaled text has no native equivalent: it is laid out in its own
    # local px (1 px = 1 "mm", centred on the object) and drawn as outlines through the full matrix
    outlines_only = outline is not None or dec is None or dec.mirrored or abs(dec.sx - dec.sy) > 1e-6 * dec.sx
    outlines_only = outlines_only or conv.beyond_range(m, obj, where)  # cut to the page as an svg layer
    s = 1.0 if outlines_only or dec is None else dec.sx  # layout mm per text px
    angle = 0.0 if outlines_only or dec is None else dec.angle
    tpath = text_path(obj, where)
    wrap = kind == "textbox" and tpath is None
    grad = obj.get("fill") if is_gradient(obj.get("fill")) else None
    fill, fa = (representative(grad, f"{where}.fill"), 1.0) if grad else color(obj.get("fill"), f"{where}.fill")
    fs = num(obj, "fontSize", 40.0, where)
    sgrad = obj.get("stroke") if is_gradient(obj.get("stroke")) else None  # an SVG gradient in the stroke layer
    stroke, sa = ("url(#stroke)", 1.0) if sgrad else color(obj.get("stroke"), f"{where}.stroke")
    sw = num(obj, "strokeWidth", 1.0, where)
    if sw <= 0:
        stroke = None
    # strokeUniform is not read for text: Text._renderTextStroke strokes the glyphs in the object's own
    # (scaled) space, with no _renderStroke's 1 / scaling (measured on Node: a 1.6x text's stroke is 1.6x)
    dash = dash_array(obj, where) if stroke else []
    dash_attr = (
        f' stroke-dasharray="{" ".join(fmt(v) for v in dash)}"'
        f' stroke-dashoffset="{fmt(num(obj, "strokeDashOffset", 0.0, where))}"'
        if dash
        else ""
    )
    base = CharStyle(
        fill,
        fa,
        font_family(conv, obj.get("fontFamily", "Times New Roman"), where),
        font_weight(obj.get("fontWeight", "normal"), f"{where}.fontWeight"),
        font_style(obj.get("fontStyle", "normal"), f"{where}.fontStyle"),
        bool(obj.get("underline")),
        bool(obj.get("linethrough")),
        bool(obj.get("overline")),
        *color(obj.get("textBackgroundColor"), f"{where}.textBackgroundColor"),
        fs,
        0.0,
        stroke,
        sa,
        sw,
        color(obj.get("textDecorationColor"), f"{where}.textDecorationColor")[0],
        thickness=max(0.0, num(obj, "textDecorationThickness", 66.667, where)),
    )
    chars = char_styles(conv, obj, where, content, base)
    inked = [c for ch, c in zip(content, chars, strict=True) if not ch.isspace()]
    filled = [c for c in inked if c.fill is not None]
    stroked = stroke is not None or any(c.stroke and c.stroke_width > 0 for c in inked)
    if not filled and not stroked and not any(c.bg for c in chars) and not obj.get("backgroundColor"):
        return  # nothing Fabric would draw
    text_color = base.fill or (filled[0].fill if filled else None)
    # the layer's opacity is the most opaque character's; more translucent characters get span paints
    alpha = max(c.fill_alpha for c in filled) if filled else 0.0
    raw_align = obj.get("textAlign", "left")
    if tpath is not None and isinstance(raw_align, str) and raw_align.startswith("justify"):
        raw_align = "left"  # Fabric does not justify along a path ("todo" in Text._measureLine)
    native_align, align_last = alignment(raw_align, kind, wrap, content.count("\n") + 1, where)

    lh = num(obj, "lineHeight", 1.16, where)
    cs = num(obj, "charSpacing", 0.0, where)
    w, h = num(obj, "width", 0.0, where), num(obj, "height", 0.0, where)
    face = conv.fonts.face(
        FontRef(family=base.family[0], weight=base.weight, style=base.style), field=f"{where}.fontFamily"
    )
    asc, desc, _gap = face.extents
    asc_px, desc_px = asc / face.upem * fs, desc / face.upem * fs
    pitch = fs * FONT_SIZE_MULT * lh
    # Fabric: first baseline = box top + fs·1.13·(1 - 0.222); native: top + pitch/2 + (asc - desc)/2
    top_local = -h / 2 + fs * FONT_SIZE_MULT * (1 - FONT_SIZE_FRACTION) - pitch / 2 - (asc_px - desc_px) / 2
    # the box: from the first line's top (valign top) to at least a line below Fabric's box, so the lines fit
    # (a single line with lineHeight > 1 is shorter in Fabric than one native pitch); off-centre along y
    y0, y1 = top_local, max(-top_local, h / 2 + pitch)
    size_pt = fs * s / MM_PER_PT
    box_w = w if w > 0 else 1.0
    if not wrap and native_align != "justify":
        box_w = max(box_w, 1.0) * 1.5 + 2 * fs  # no wrapping: a generous box (alignment uses the centre)
    pm = Matrix() if outlines_only else m.then(conv.page)  # object centre in layout coordinates
    sized = any(c.size != fs for c in chars)
    if sized and tpath is None:
        # per-character sizes: lines as tall as their largest character, each baseline 1.13 x 0.778 of it
        # below the line's top (Fabric's getHeightOfLine / _fontSizeFraction), from the object's top
        y0, y1 = -h / 2, h / 2 + 2 * fs * FONT_SIZE_MULT * lh
    bw, bh = box_w * s, (y1 - y0) * s
    # Native text aligns within the box, so keep the box's left/right edge where Fabric's is.
    off = 0.0
    if not wrap and native_align == "left":
        off = (box_w - w) / 2 * s
    elif not wrap and native_align == "right":
        off = -(box_w - w) / 2 * s
    # Fabric leaves a line's last charSpacing out of its width (Text.measureLine); the native layout keeps it,
    # so centred and right-aligned lines would sit half / one charSpacing further left
    trailing = cs / 1000 * fs * s
    off += trailing / 2 if native_align == "center" else trailing if native_align == "right" else 0.0
    if (wrap or native_align == "justify") and w > 0:
        # Fabric wraps a textbox's lines and justifies them to its width less that last charSpacing
        # (Textbox._wrapLine, enlargeSpaces): the box is one charSpacing wider, its left edge where Fabric's is
        box_w, off = w + cs / 1000 * fs, trailing / 2
        bw = box_w * s
    # the box centre, off the object's centre along its own axes (the box turns about it with the text)
    cx, cy = pm.apply((off / s if s else 0.0, (y0 + y1) / 2))
    if tpath is not None:  # the box is the path's bounding box, centred on the object as Fabric's is
        bw, bh = tpath.box_w * s, tpath.box_h * s
        cx, cy = pm.e, pm.f
    layer: dict[str, Any] = {
        "type": "text",
        "text": content,
        "font": native_font(base.family, base.weight, base.style),
        "size": size_pt,
        "color": text_color or "#000000",
        "box": {"x": cx - bw / 2, "y": cy - bh / 2, "width": bw, "height": bh},
        "align": native_align,
        "valign": "top",
        "line_height": FONT_SIZE_MULT * lh,
        "letter_spacing": cs / 1000.0,
        "wrap": wrap,
        "rotation": angle,
        "opacity": round(opacity * alpha, 6),
    }
    if align_last is not None:
        layer["align_last"] = align_last
        if not wrap and align_last != "justify":
            # Text / IText justify every line but the very last (Text.isEndOfWrapping), across line breaks
            layer["justify_across_breaks"] = True
    if cs != 0 or tpath is not None:
        # Fabric paints letter-spaced text (and text on a path) one character at a time
        # (Text._renderChars): each in its own form, advanced by its width kerned against the one before
        layer["shaping"] = "per_character"
    if sized and tpath is None:
        layer["line_ascent"] = FONT_SIZE_MULT * (1 - FONT_SIZE_FRACTION)
    if kind == "textbox" and tpath is not None and w > 0:
        # Fabric still wraps a textbox on a path at its own width (Textbox._splitText), then draws every line
        # on the curve: wrapped as the textbox would be, each break a line break (same length: the styles hold)
        box_wrap = {**layer["box"], "width": (w + cs / 1000 * fs) * s}
        content = wrapped(conv, {**layer, "box": box_wrap, "wrap": True, "measure": "per_character"}, where)
        layer["text"] = content
    if tpath is not None:
        layer["path"] = {
            "d": tpath.d_mm(s),
            "start_offset": tpath.start_offset * s,
            "side": tpath.side,
            "vertical_align": tpath.align,
            "lines": "same_path",  # Fabric draws every line on the curve itself
        }
    if obj.get("direction") == "rtl":  # node-canvas anchors a whole rtl line (Text._renderChars' shortCut)
        layer["direction"] = "rtl"
        if not (cs or tpath or "justify" in str(obj.get("textAlign"))):
            layer["rtl_pixel"] = s
    if wrap:  # Fabric's Textbox breaks between graphemes (splitByGrapheme) or only at spaces, words whole
        layer["wrap_by"] = "grapheme" if obj.get("splitByGrapheme") else "space"
    if tpath is None:
        layer["measure"] = fabric_measure(obj)  # lines wrapped and aligned by Fabric's widths
    # per-character gradients and patterns: Fabric fills each in the object's gradient space, as the object's
    # own fill (Text._renderChar → handleFiller); the native layer takes them as span paints
    svg_mode = outlines_only or bool(own_clips(obj, where, m, node.clips)) or conv.force_svg
    svg_mode = svg_mode or (stroke is not None and bool(filled) and opacity < 1 and own_cache(obj))  # its cache
    to_page = m.then(conv.page)

    # on a path Fabric sets each character's fill in the character's own frame (turned along the path): the
    # paint is placed per character once the layout is known (pending: the placeholder paint -> the gradient)
    pending: dict[int, tuple[dict[str, Any], str]] = {}

    def paint_of(g: dict[str, Any], at: str) -> dict[str, Any]:
        paint = gradient_paint(g, at, w, h, to_page)
        if tpath is not None:
            pending[id(paint)] = (g, at)
        return paint

    layer_spans = spans(
        conv, chars, content, text_color, base, where, s / MM_PER_PT, alpha, None if svg_mode else paint_of
    )
    if layer_spans:
        layer["spans"] = layer_spans
    if outline is None and conv.off_page(layer["box"], where):
        return  # parked far off the canvas
    try:
        native = TextLayer.model_validate({**layer, "rotation": 0.0})
    except ValidationError as exc:
        raise fabric_named(validation_error_to_design_error(exc), lambda _f: where) from None  # "size": fontSize
    flat = layout_text(native, conv.fonts, where)  # unrotated: decorations and backgrounds are measured here
    again = None if tpath else refit(node, flat, [c.size for c in chars], fs, lh, cs, s, str(raw_align))
    if again is not None:  # a stale saved size (text filled in, font loaded late): Fabric's size on load
        return text(conv, again, layers, outline)
    if outline is not None:
        outline.append(flat.outline)
        # drawn for clipping (fill black) Fabric still paints text backgrounds and decorations: part of the clip
        if tpath is None:
            before, after = _decorations(flat, chars, 1.0, fs * s, cs / 1000 * fs * s)
        else:
            before, after = path_decorations(flat, conv.fonts, chars, s, tpath.align, fs, 1.0)
        outline += [clip_oriented(p, flat.outline) for p, _c, a, _what in (*before, *after) if a > 0]
        return
    conv.text_lines[where] = tuple(ln.text for ln in flat.lines)
    box = layer["box"]
    rot = Matrix.rotate(angle, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    if pending:
        layer["spans"] = path_span_paints(
            layer["spans"], pending, flat, conv, rot.then(inverse(to_page)), w, h, to_page
        )

    fs_mm, spacing_mm = fs * s, cs / 1000 * fs * s
    if tpath is None:
        before, after = _decorations(flat, chars, alpha, fs_mm, spacing_mm)
    else:  # Fabric draws them per character, turned with it along the path
        before, after = path_decorations(flat, conv.fonts, chars, s, tpath.align, fs, alpha)

    # unrotated layout coordinates -> the object's local px
    to_local = Matrix() if outlines_only else rot.then(inverse(m.then(conv.page)))
    glyph_runs = (
        [
            (run.transformed(to_local), layer_spans[k].get("color", text_color) if k >= 0 else text_color)
            for k, run in flat.color_runs
        ]
        if filled
        else []
    )
    cap, join = line_style(obj, where)
    limit = fmt(num(obj, "strokeMiterLimit", 4.0, where))

    def strokes_el(with_spans: bool) -> str:
        """The object's stroke on every glyph without a stroke of its own, and (``with_spans``) the
        characters' own strokes (else the native layer draws those)."""
        out = f"<defs>{gradient(obj, 'stroke', where, w, h, '')}</defs>" if sgrad else ""
        for k, run in flat.color_runs:
            own = layer_spans[k].get("stroke") if k >= 0 else None
            if own is not None and not with_spans:
                continue
            own_stroke = (own["color"], own["width"] * MM_PER_PT / s, 1.0) if own else None
            colour, width, alpha_ = own_stroke or (stroke, sw, sa)
            if isinstance(colour, dict):  # a per-character gradient stroke on unfilled text: its first stop
                colour = (colour.get("stops") or [{"color": "#000000"}])[0]["color"]
            if colour is None or run.empty:
                continue
            out += (
                f'<path d="{run.transformed(to_local).svg_d()}" fill="none" stroke="{colour}" '
                f'stroke-width="{fmt(width)}"'
                + (f' stroke-opacity="{fmt(alpha_)}"' if alpha_ < 1 else "")
                + f' stroke-linejoin="{join}" stroke-linecap="{cap}" stroke-miterlimit="{limit}"'
                + ("" if own else dash_attr)
                + "/>"
            )
        return out if "<path" in out else ""

    stroke_el = strokes_el(True)
    stroke_first = obj.get("paintFirst") == "stroke"

    def rects_el(items: _Rects) -> str:
        return "".join(
            f'<path d="{p.transformed(to_local).svg_d()}" fill="{c}"'
            + (f' fill-opacity="{fmt(a)}"' if a < 1 else "")
            + "/>"
            for p, c, a, _what in items
        )

    def glyphs_el() -> str:
        defs = f"<defs>{gradient(obj, 'fill', where, w, h, '')}</defs>" if grad else ""
        out = defs
        for p, c in glyph_runs:
            if p.empty:
                continue
            a = alpha
            if isinstance(c, dict):  # a translucent character's one-stop paint
                c, a = c["stops"][0]["color"], alpha * c["stops"][0]["opacity"]
            op = f' fill-opacity="{fmt(a)}"' if a < 1 else ""
            out += f'<path d="{p.svg_d()}" fill="{"url(#fill)" if grad and c == text_color else c}"{op}/>'
        return out

    path_el = tpath.visible_el if tpath is not None else ""

    def everything(split: bool = False) -> list[str]:  # in order: one piece, or (split) each part on its own
        body = [stroke_el, glyphs_el()] if stroke_first else [glyphs_el(), stroke_el]
        parts = [path_el, *(rects_el([r]) for r in before), *body, *(rects_el([r]) for r in after)]
        return parts if split else ["".join(parts)]

    all_clips = own_clips(obj, where, m, node.clips)
    ink = [flat.outline, *(p for p, *_rest in before + after)]
    widest_stroke = max([sw if stroke else 0.0] + [c.stroke_width for c in inked if c.stroke])
    bounds = local_bounds(ink, to_local, widest_stroke * 4, w, h)
    if tpath is not None and tpath.visible_el:
        pad = 20.0 + widest_stroke
        bounds = (min(bounds[0], -w / 2 - pad), min(bounds[1], -h / 2 - pad), max(bounds[2], w / 2 + pad),
                  max(bounds[3], h / 2 + pad))  # fmt: skip
    shadow = obj.get("shadow")
    obj_bg, obj_bg_alpha = color(obj.get("backgroundColor"), f"{where}.backgroundColor")
    if shadow:
        bg_el = ""
        if obj_bg is not None:  # Fabric's object background casts the shadow (drawn first)
            bx, by = (w + sw) / 2, (h + sw) / 2
            bounds = (min(bounds[0], -bx), min(bounds[1], -by), max(bounds[2], bx), max(bounds[3], by))
            bg_el = (f'<rect x="{fmt(-bx)}" y="{fmt(-by)}" width="{fmt(2 * bx)}" height="{fmt(2 * by)}" '
                     f'fill="{obj_bg}" fill-opacity="{fmt(obj_bg_alpha)}"/>')  # fmt: skip
        firsts = {k: rects_el([r for r in before if r[3] == k]) for k in _BEFORE}
        parts = {"background": bg_el, "path": path_el, "glyphs": glyphs_el(), "stroke": stroke_el,
                 "after": rects_el(after), **firsts}  # fmt: skip
        cast = bg_el + "".join(everything()) if own_cache(obj) else uncached_text_cast(obj, parts, stroke_first)
        if cast:
            sh = local_svg(conv, cast, bounds, m, where, opacity, all_clips, shadow)
            conv.add(layers, sh, f"{where}.shadow")
    if obj_bg is not None:
        background_color(conv, node, layers)
    if svg_mode:  # one svg layer: clipped or cached as one picture, else (Node) each part at the object's alpha
        one = opacity >= 1 or own_cache(obj)
        body = "".join(translucent(x, 1.0 if one else opacity) for x in everything(not one) if x)
        conv.add(layers, local_svg(conv, body, bounds, m, where, opacity if one else 1.0, all_clips), where)
        return

    def native_rects(items: _Rects) -> None:
        for p, col, a, what in items:
            if tpath is not None:  # a character's rect turned along the path: a native path shape
                q = p.transformed(rot)
                qb = q.bounds()
                assert qb is not None
                d = q.transformed(Matrix.translate(-qb.x, -qb.y)).svg_d()
                box = {"x": qb.x, "y": qb.y, "width": max(qb.w, 1e-3), "height": max(qb.h, 1e-3)}
                shape = {"type": "shape", "shape": "path", "box": box, "d": d, "fill": col}
                conv.add(layers, {**shape, "opacity": round(opacity * a, 6)}, f"{where}.{what}")
                continue
            b = p.bounds()
            assert b is not None
            ccx, ccy = rot.apply((b.x + b.w / 2, b.y + b.h / 2))
            rect = {
                "type": "shape",
                "shape": "rect",
                "box": {"x": ccx - b.w / 2, "y": ccy - b.h / 2, "width": b.w, "height": b.h},
                "rotation": angle,
                "fill": col,
                "opacity": round(opacity * a, 6),
            }
            conv.add(layers, rect, f"{where}.{what}")

    if path_el:
        pb = (-w / 2 - 50, -h / 2 - 50, w / 2 + 50, h / 2 + 50)
        conv.add(layers, local_svg(conv, path_el, pb, m, where, opacity, ()), f"{where}.path")
    native_rects(before)
    # a plain object stroke over filled text: the native layer's own (its hinted outlines stroked in the raster)
    plain = not (sgrad or stroke_first or svg_mode) and bool(filled) and alpha >= 1.0
    line = (sw, cap, join, float(limit), dash, num(obj, "strokeDashOffset", 0.0, where))
    native_stroke = plain_stroke(stroke, sa, line, s, layer_spans, inked) if plain else None
    if native_stroke is not None:
        layer["stroke"] = native_stroke
    # unfilled text has no native layer to stroke its characters
    object_stroke_el = "" if native_stroke is not None else strokes_el(not filled)
    stroke_layer = local_svg(conv, object_stroke_el, bounds, m, where, opacity, ()) if object_stroke_el else None
    if stroke_layer is not None and stroke_first:
        conv.add(layers, stroke_layer, f"{where}.stroke")
    if filled:  # the glyphs, and the characters' own strokes
        if grad is not None:
            gradient_fill(conv, layer, grad, flat, m, rot, where, w, h, tpath is not None, text_color)
        conv.add(layers, layer, where)
    if stroke_layer is not None and not stroke_first:
        conv.add(layers, stroke_layer, f"{where}.stroke")
    native_rects(after)
