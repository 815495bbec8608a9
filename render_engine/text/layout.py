"""Text layout in millimetres: line breaking, alignment, shrink-to-fit, text on an arc.

The result is a list of positioned glyphs — (font face, glyph id, matrix from font units to page mm) — and
their combined outline. Every backend draws exactly these glyphs, so preview, PNG and PDF agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..design import TextLayer
from ..fonts import FontCatalog, FontFace
from ..geometry import Matrix, Path, Rect
from ..units import pt_to_mm
from .shaping import (
    Run,
    bidi_levels,
    char_advances_em,
    grapheme_breaks,
    is_cursive,
    itemize,
    line_breaks,
    require_coverage,
    shape,
    visual_order,
)

_EPS = 1e-6
#: The characters justification stretches: the word separators Fabric.js stretches (space and tab).
JUSTIFY_SPACES = frozenset(" \t")


@dataclass(frozen=True)
class PlacedGlyph:
    face_id: str
    gid: int
    cluster: int  # index into the layer's text
    matrix: Matrix  # font units (y up) -> page mm (y down)
    color_span: int = -1  # index of the layer span whose colour this glyph takes; -1: the layer colour


@dataclass(frozen=True)
class TextLine:
    text: str
    width_mm: float
    x_mm: float
    baseline_mm: float
    start: int = 0  # index of the line's first character in the layer text


@dataclass(frozen=True)
class TextBlock:
    glyphs: tuple[PlacedGlyph, ...]
    lines: tuple[TextLine, ...]
    size_pt: float
    overflow: bool  # does not fit its box even at the size used
    fallback: tuple[tuple[str, str], ...]  # (character, family id) printed by a fallback font
    outline: Path
    bounds: Rect | None
    # the outline split by colour: (span index whose colour applies, or -1 for the layer colour, outline)
    color_runs: tuple[tuple[int, Path], ...] = ()


@dataclass(frozen=True)
class _Para:
    """One paragraph, itemised and measured once (size-independent)."""

    text: str
    offset: int  # index of the paragraph's first character in the layer text
    faces: tuple[FontFace, ...]
    levels: tuple[int, ...]
    runs: tuple[Run, ...]
    adv_em: tuple[float, ...]  # per character, letter spacing included
    breaks: tuple[int, ...]
    letter_spacing_em: float
    fallback: tuple[bool, ...]  # per character: printed by a fallback face, not its own (span's) font


def _span_keys(layer: TextLayer, attr: str) -> list[int]:
    """Per character of the layer text: the index of the span that sets ``attr`` ('font' or 'color') for
    it, or -1 (the layer's own). Spans do not overlap (validated by the model)."""
    keys = [-1] * len(layer.text)
    for k, span in enumerate(layer.spans):
        if getattr(span, attr) is not None:
            for i in range(span.start, min(span.end, len(keys))):
                keys[i] = k
    return keys


def _prepare(layer: TextLayer, catalog: FontCatalog, field: str) -> tuple[list[_Para], FontFace]:
    primary = catalog.face(layer.font, field=f"{field}.font")
    chains = {-1: catalog.fallback_faces(primary)}
    for k, span in enumerate(layer.spans):
        if span.font is not None:
            chains[k] = catalog.fallback_faces(catalog.face(span.font, field=f"{field}.spans[{k}].font"))
    font_keys = _span_keys(layer, "font")
    paras: list[_Para] = []
    offset = 0
    for raw in layer.text.split("\n"):
        ptext = raw[:-1] if raw.endswith("\r") else raw  # "\r\n" ends a line too; indices stay the layer's
        keys = font_keys[offset : offset + len(ptext)]
        faces: list[FontFace] = []
        own: list[bool] = []
        start = 0
        for i in range(1, len(ptext) + 1):  # runs of one font: each covered by its own chain
            if i == len(ptext) or keys[i] != keys[start]:
                chain = chains[keys[start]]
                part = require_coverage(ptext[start:i], chain, f"{field}.text")
                faces += part
                own += [f is chain[0] for f in part]
                start = i
        levels = bidi_levels(ptext)
        runs = itemize(ptext, faces, levels)
        adv = char_advances_em(ptext, runs)
        if layer.letter_spacing:
            adv = [a + (0.0 if is_cursive(c) else layer.letter_spacing) for a, c in zip(adv, ptext, strict=True)]
        paras.append(
            _Para(
                ptext,
                offset,
                tuple(faces),
                tuple(levels),
                tuple(runs),
                tuple(adv),
                tuple(line_breaks(ptext)),
                layer.letter_spacing,
                tuple(not o for o in own),
            )
        )
        offset += len(raw) + 1
    return paras, primary


def _trim_end(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b


def _wrap(para: _Para, max_em: float | None) -> list[tuple[int, int]]:
    """Greedy line breaking at UAX #14 opportunities; over-long words break between graphemes."""
    n = len(para.text)
    if n == 0:
        return [(0, 0)]
    if max_em is None:
        return [(0, n)]
    prefix = [0.0]
    for a in para.adv_em:
        prefix.append(prefix[-1] + a)

    def width(a: int, b: int) -> float:
        return prefix[_trim_end(para.text, a, b)] - prefix[a]

    lines: list[tuple[int, int]] = []
    start = 0
    last_fit = None
    for brk in para.breaks:
        if width(start, brk) <= max_em + _EPS:
            last_fit = brk
            continue
        if last_fit is not None:
            lines.append((start, last_fit))
            start = last_fit
        # the segment start..brk alone may still be too wide: break it between graphemes
        while width(start, brk) > max_em + _EPS:
            seg_breaks = [start + g for g in grapheme_breaks(para.text[start:brk])]
            cut = start
            for g in seg_breaks:
                if width(start, g) <= max_em + _EPS:
                    cut = g
                else:
                    break
            if cut == start:
                cut = seg_breaks[0]  # a single grapheme wider than the box: it gets its own line
            if cut >= brk:
                break
            lines.append((start, cut))
            start = cut
        last_fit = brk
    lines.append((start, n))
    return lines


def _line_glyphs(para: _Para, a: int, b: int) -> tuple[list[tuple[FontFace, int, float, float, float, int]], float]:
    """Shape one line and return glyphs in visual order: (face, gid, x_em, dx_em, dy_em, cluster) + width."""
    b = _trim_end(para.text, a, b)
    if b <= a:
        return [], 0.0
    order = visual_order(list(para.levels[a:b]))
    # group visually consecutive characters that share face/level and are logically contiguous
    groups: list[tuple[int, int, FontFace, bool]] = []
    for vi in order:
        li = a + vi
        face, level = para.faces[li], para.levels[li]
        rtl = level % 2 == 1
        if groups:
            s, e, f, r = groups[-1]
            if f is face and r == rtl and ((not rtl and li == e) or (rtl and li == s - 1)):
                groups[-1] = (min(s, li), max(e, li + 1), f, r)
                continue
        groups.append((li, li + 1, face, rtl))
    out: list[tuple[FontFace, int, float, float, float, int]] = []
    x = 0.0
    for s, e, face, rtl in groups:
        upem = face.upem
        glyphs = shape(face, para.text[s:e], rtl)
        for k, g in enumerate(glyphs):
            out.append((face, g.gid, x, g.x_offset / upem, g.y_offset / upem, para.offset + s + g.cluster))
            x += g.x_advance / upem
            # tracking goes after each cluster (not inside one, not in joining scripts)
            last_of_cluster = k + 1 == len(glyphs) or glyphs[k + 1].cluster != g.cluster
            if para.letter_spacing_em and last_of_cluster and not is_cursive(para.text[s + g.cluster]):
                x += para.letter_spacing_em
    return out, x


def _block(layer: TextLayer, paras: list[_Para], primary: FontFace, size_pt: float) -> tuple[list, bool]:
    """Lay out every line at ``size_pt``; returns (lines as (para, a, b, width_em)), fits)."""
    em_mm = pt_to_mm(size_pt)
    box = layer.box
    max_em = box.width / em_mm if (layer.wrap and layer.arc is None) else None
    lines = []
    fits = True
    for para in paras:
        for a, b in _wrap(para, max_em):
            lines.append((para, a, b))
    pitch = em_mm * layer.line_height
    if layer.arc is not None:
        widest = max((_measure(p, a, b) for p, a, b in lines), default=0.0) * em_mm
        fits = widest <= math.pi * layer.arc.radius + _EPS
    else:
        for p, a, b in lines:
            if _measure(p, a, b) * em_mm > box.width + 1e-4:
                fits = False
        if len(lines) * pitch > box.height + 1e-4:
            fits = False
    return lines, fits


def _measure(para: _Para, a: int, b: int) -> float:
    b = _trim_end(para.text, a, b)
    return sum(para.adv_em[a:b])


def _choose_size(layer: TextLayer, paras: list[_Para], primary: FontFace) -> tuple[float, list, bool]:
    lines, fits = _block(layer, paras, primary, layer.size)
    if fits or not layer.shrink_to_fit or layer.min_size >= layer.size:
        return layer.size, lines, fits
    lo_lines, lo_fits = _block(layer, paras, primary, layer.min_size)
    if not lo_fits:
        return layer.min_size, lo_lines, False
    lo, hi = layer.min_size, layer.size  # lo fits, hi does not
    while hi - lo > 0.05:
        mid = (lo + hi) / 2
        m_lines, m_fits = _block(layer, paras, primary, mid)
        if m_fits:
            lo, lo_lines = mid, m_lines
        else:
            hi = mid
    size = math.floor(lo * 10) / 10  # a tenth of a point, rounded down so it still fits
    if size < layer.min_size:
        size = lo
    lines, fits = _block(layer, paras, primary, size)
    return size, lines, fits


def layout_text(layer: TextLayer, catalog: FontCatalog, field: str) -> TextBlock:
    paras, primary = _prepare(layer, catalog, field)
    size, lines, fits = _choose_size(layer, paras, primary)
    em_mm = pt_to_mm(size)
    asc, desc, _gap = primary.extents
    asc_mm, desc_mm = asc / primary.upem * em_mm, desc / primary.upem * em_mm
    pitch = em_mm * layer.line_height
    box = layer.box
    block_h = len(lines) * pitch
    if layer.valign == "top":
        top = box.y
    elif layer.valign == "middle":
        top = box.y + (box.height - block_h) / 2
    else:
        top = box.y + box.height - block_h
    half_leading = (pitch - (asc_mm + desc_mm)) / 2
    rot = Matrix.rotate(layer.rotation, box.x + box.width / 2, box.y + box.height / 2)

    color_keys = _span_keys(layer, "color")
    glyphs: list[PlacedGlyph] = []
    text_lines: list[TextLine] = []
    for i, (para, a, b) in enumerate(lines):
        shaped, width_em = _line_glyphs(para, a, b)
        width = width_em * em_mm
        baseline = top + i * pitch + half_leading + asc_mm
        last_of_para = i + 1 == len(lines) or lines[i + 1][0] is not para
        align = layer.align if not last_of_para or layer.align != "justify" else layer.align_last
        # justification: Fabric's and CSS's — the spaces of the line take the missing width in equal parts
        spaces = [j for j in range(a, _trim_end(para.text, a, b)) if para.text[j] in JUSTIFY_SPACES]
        extra = 0.0
        if align == "justify" and layer.arc is None and spaces and width < box.width:
            extra = (box.width - width) / len(spaces)
            width = box.width
        if align in ("left", "justify"):
            x0 = box.x
        elif align == "center":
            x0 = box.x + (box.width - width) / 2
        else:
            x0 = box.x + box.width - width
        text_lines.append(TextLine(para.text[a:b], width, x0, baseline, para.offset + a))
        stretch = 0.0  # glyphs come in visual order: each space pushes everything to its right
        space_clusters = {para.offset + j for j in spaces} if extra else set()
        for face, gid, x_em, dx_em, dy_em, cluster in shaped:
            s = em_mm / face.upem
            x = x0 + (x_em + dx_em) * em_mm + stretch
            if cluster in space_clusters:
                stretch += extra
                space_clusters.discard(cluster)
            if layer.arc is None:
                m = Matrix(a=s, d=-s, e=x, f=baseline - dy_em * em_mm)
            else:
                m = _arc_matrix(layer, i, pitch, s, (x_em + dx_em) * em_mm, width, dy_em * em_mm, face, gid)
            glyphs.append(PlacedGlyph(face.face_id, gid, cluster, m.then(rot), color_keys[cluster]))

    faces = {f.face_id: f for p in paras for f in p.faces}
    parts = [faces[g.face_id].outline(g.gid).transformed(g.matrix) for g in glyphs]
    outline = Path(tuple(op for part in parts for op in part.ops))
    color_runs: list[tuple[int, Path]] = []
    for key in sorted({g.color_span for g in glyphs}):
        ops = tuple(op for g, part in zip(glyphs, parts, strict=True) if g.color_span == key for op in part.ops)
        color_runs.append((key, Path(ops)))
    fallback = sorted(
        {
            (p.text[i], p.faces[i].family_id)
            for p in paras
            for i in range(len(p.text))
            if p.fallback[i] and not p.text[i].isspace()
        }
    )
    return TextBlock(
        glyphs=tuple(glyphs),
        lines=tuple(text_lines),
        size_pt=size,
        overflow=not fits,
        fallback=tuple(fallback),
        outline=outline,
        bounds=outline.bounds(),
        color_runs=tuple(color_runs),
    )


def _arc_matrix(
    layer: TextLayer, line: int, pitch: float, s: float, x: float, width: float, dy: float, face: FontFace, gid: int
) -> Matrix:
    """Place a glyph on the arc: its advance centre sits on the circle, rotated to the tangent."""
    arc = layer.arc
    assert arc is not None
    cx = arc.center.x if arc.center else layer.box.x + layer.box.width / 2
    cy = arc.center.y if arc.center else layer.box.y + layer.box.height / 2
    adv = face.hb_font.get_glyph_h_advance(gid) * s
    mid = x + adv / 2 - width / 2  # arc length from the centre of the line to the glyph's centre
    if arc.side == "top":
        r = arc.radius - line * pitch
        theta = mid / r
        phi = -math.pi / 2 + theta
        rot_deg = math.degrees(theta)
    else:
        r = arc.radius + line * pitch
        theta = mid / r
        phi = math.pi / 2 - theta
        rot_deg = -math.degrees(theta)
    px, py = cx + r * math.cos(phi), cy + r * math.sin(phi)
    local = Matrix(a=s, d=-s, e=-adv / 2, f=-dy)  # glyph centred on its origin, on the baseline
    return local.then(Matrix.rotate(rot_deg)).then(Matrix.translate(px, py))
