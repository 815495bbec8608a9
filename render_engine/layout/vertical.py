"""Vertical text (``writing_mode: "vertical-rl"``): CJK columns read top to bottom, columns from right to left,
as CSS ``writing-mode: vertical-rl`` with ``text-orientation: mixed`` lays them out.

- Upright characters (East Asian wide and full-width: Han, kana, Hangul, full-width punctuation, emoji and
  symbols) are shaped by HarfBuzz top to bottom with the font's ``vmtx`` vertical advances and origins.
  Punctuation (、。「」（）…) prints as its Unicode vertical presentation form (﹁ ︒ …), from the first face of
  the chain that has it (Ma Shan Zheng has none; Droid Sans Fallback has them all); ー 〜 ～ turn with the text.
- Every other run (Latin words, digits) is shaped horizontally and turned 90° clockwise, its central baseline on
  the column's centre line.
- Columns break by UAX #14 (no column starts with 。、」), or between graphemes (``wrap_by: "grapheme"``); an
  over-long word breaks between graphemes. ``align`` places each column's text along it (left = top,
  center, right = bottom, justify = top); ``valign`` places the block of columns across the box (top = at its
  right edge, where vertical-rl starts; middle; bottom = at its left edge). Shrink-to-fit works as in
  horizontal text. Spans may set colour, stroke, font and letter spacing.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

import uharfbuzz as hb

from ..inputs.font_catalog import FontCatalog, FontFace
from ..model.deadline import check as check_deadline
from ..model.design import TextLayer
from ..model.geometry import Matrix
from ..model.units import pt_to_mm
from .shaping import grapheme_breaks, line_breaks, shape
from .text_block import (
    PlacedGlyph,
    TextBlock,
    TextLine,
    choose_size,
    face_chains,
    finish_block,
    paragraph_faces,
    span_keys,
)

_EPS = 1e-6
#: Punctuation and its vertical presentation form (FE10–FE19, FE30–FE48: 、→︑ 。→︒ 「→﹁ （→︵ …→︙). The form is
#: printed from the first face that has it; a font's own ``vert`` feature is not trusted (Droid Sans
#: Fallback's maps 「 to the wrong glyph).
VERTICAL_FORMS = {
    unicodedata.normalize("NFKC", chr(cp)): chr(cp)
    for cp in (*range(0xFE10, 0xFE1A), *range(0xFE30, 0xFE49))
    if unicodedata.decomposition(chr(cp)).startswith("<vertical>")
}
#: Wide characters that turn with the text instead (CSS "Tr"): the long vowel mark and wave dashes.
TURNED = frozenset("ー〜～")
_NO_VERT = {"vert": False, "vrt2": False, "kern": True, "liga": True}


def upright(ch: str) -> bool:
    """Is ``ch`` set upright in a vertical column (else turned 90° clockwise)?"""
    if ch in TURNED:
        return False
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return True
    return unicodedata.category(ch) == "So"  # symbols and emoji (★ ♥ ✓) stand upright


def vertical_text(text: str, chain: list[FontFace]) -> str:
    """The text with punctuation replaced by its vertical form where a face of ``chain`` has that form
    (same length: indices stay the layer's)."""
    out = []
    for ch in text:
        form = VERTICAL_FORMS.get(ch)
        out.append(form if form is not None and any(f.has_char(ord(form)) for f in chain) else ch)
    return "".join(out)


def _shape_ttb(face: FontFace, text: str) -> list[tuple[int, int, float, float, float]]:
    """(gid, cluster, y advance down, x offset, y offset) in font units, top to bottom."""
    buf = hb.Buffer()
    buf.add_codepoints([ord(c) for c in text])
    buf.guess_segment_properties()
    buf.direction = "ttb"
    hb.shape(face.hb_font, buf, _NO_VERT)
    return [
        (i.codepoint, i.cluster, -float(p.y_advance), float(p.x_offset), float(p.y_offset))
        for i, p in zip(buf.glyph_infos, buf.glyph_positions, strict=True)
    ]


@dataclass(frozen=True)
class _Column:
    start: int  # layer text indices
    end: int
    length_em: float


@dataclass(frozen=True)
class _Segment:
    start: int  # layer text indices, one face, one orientation
    end: int
    face: FontFace
    upright: bool


def _segments(text: str, faces: list[FontFace], a: int, b: int) -> list[_Segment]:
    out: list[_Segment] = []
    for i in range(a, b):
        up = upright(text[i]) or (out and unicodedata.category(text[i]) in ("Mn", "Me", "Cf") and out[-1].upright)
        if out and out[-1].face is faces[i] and out[-1].upright == bool(up) and out[-1].end == i:
            out[-1] = _Segment(out[-1].start, i + 1, faces[i], out[-1].upright)
        else:
            out.append(_Segment(i, i + 1, faces[i], bool(up)))
    return out


def _paragraphs(text: str) -> list[tuple[int, int]]:
    out = []
    offset = 0
    for raw in text.split("\n"):
        out.append((offset, offset + len(raw) - (1 if raw.endswith("\r") else 0)))
        offset += len(raw) + 1
    return out


def _glyphs(text: str, seg: _Segment) -> list[tuple[int, int, float, float, float]]:
    """(gid, layer index, advance down the column, offset across, offset along) in font units: upright
    segments shaped top to bottom, the others left to right (to be turned)."""
    part = text[seg.start : seg.end]
    if seg.upright:
        return [(gid, seg.start + c, down, x_off, y_off) for gid, c, down, x_off, y_off in _shape_ttb(seg.face, part)]
    return [(g.gid, seg.start + g.cluster, g.x_advance, g.y_offset, g.x_offset) for g in shape(seg.face, part, False)]


def _advances(layer: TextLayer, text: str, faces: list[FontFace]) -> list[float]:
    """Advance of each character down its column in layer em, letter spacing included."""
    adv = [0.0] * len(text)
    for a, b in _paragraphs(text):
        for seg in _segments(text, faces, a, b):
            for _, li, down, _, _ in _glyphs(text, seg):
                adv[li] += down / seg.face.upem
    spacing = [layer.letter_spacing] * len(text)
    for span in layer.spans:
        if span.letter_spacing is not None:
            for i in range(span.start, min(span.end, len(text))):
                spacing[i] = span.letter_spacing
    return [a + (s if a else 0.0) for a, s in zip(adv, spacing, strict=True)]


def _columns(layer: TextLayer, adv: list[float], max_em: float | None) -> list[_Column]:
    """Break each paragraph into columns no longer than ``max_em`` (greedy, at UAX #14 opportunities)."""
    text = layer.text
    prefix = [0.0, *accumulate(max(a, 0.0) for a in adv)]

    def length(a: int, b: int) -> float:
        while b > a and text[b - 1].isspace():
            b -= 1
        return prefix[b] - prefix[a]

    cols: list[_Column] = []
    for offset, end in _paragraphs(text):
        para = text[offset:end]
        if max_em is None or not para:
            cols.append(_Column(offset, end, length(offset, end)))
            continue
        graphemes = [offset + g for g in grapheme_breaks(para)]
        breaks = graphemes if layer.wrap_by == "grapheme" else [offset + g for g in line_breaks(para)]
        a = offset
        while a < end:
            check_deadline()
            k = bisect_right(breaks, a)
            b = None
            while k < len(breaks) and length(a, breaks[k]) <= max_em + _EPS:
                b = breaks[k]
                k += 1
            if b is None:  # one word longer than the column: break it between graphemes
                g = bisect_right(graphemes, a)
                b = graphemes[g] if g < len(graphemes) else end
                while g + 1 < len(graphemes) and graphemes[g + 1] <= end and length(a, graphemes[g + 1]) <= max_em:
                    g += 1
                    b = graphemes[g]
            cols.append(_Column(a, b, length(a, b)))
            a = b
    return cols


def _fit(layer: TextLayer, adv: list[float], size: float) -> tuple[list[_Column], bool]:
    em = pt_to_mm(size)
    cols = _columns(layer, adv, layer.box.height / em if layer.wrap else None)
    fits = len(cols) * em * layer.line_height <= layer.box.width + 1e-4
    return cols, fits and all(c.length_em * em <= layer.box.height + 1e-4 for c in cols)


def layout_vertical(layer: TextLayer, catalog: FontCatalog, field: str, emoji: str = "color") -> TextBlock:
    primary, chains, keys = face_chains(layer, catalog, field, emoji)
    text = vertical_text(layer.text, chains[-1].faces)  # the layer text with vertical forms (same indices)
    faces, is_fallback = [primary] * len(text), [False] * len(text)  # line breaks keep the layer's face
    for a, b in _paragraphs(text):
        faces[a:b], is_fallback[a:b], _bold = paragraph_faces(text[a:b], keys[a:b], chains, field)
    adv = _advances(layer, text, faces)
    size, cols, fits = choose_size(layer, lambda size: _fit(layer, adv, size))
    em = pt_to_mm(size)
    pitch = em * layer.line_height
    box = layer.box
    block_w = len(cols) * pitch
    right = {"top": box.x + box.width, "middle": box.x + (box.width + block_w) / 2}.get(layer.valign, box.x + block_w)
    rot = Matrix.rotate(layer.rotation, box.x + box.width / 2, box.y + box.height / 2)
    color_keys = span_keys(layer, "color", "stroke")
    prefix = [0.0, *accumulate(adv)]
    glyphs: list[PlacedGlyph] = []
    lines: list[TextLine] = []
    for n, col in enumerate(cols):
        check_deadline()
        cx = right - pitch * (n + 0.5)
        length = col.length_em * em
        free = box.height - length
        top = box.y + {"center": free / 2, "right": free}.get(layer.align, 0.0)
        lines.append(TextLine(layer.text[col.start : col.end], length, cx, top, col.start))
        b = col.end
        while b > col.start and text[b - 1].isspace():
            b -= 1
        for seg in _segments(text, faces, col.start, b):
            face = seg.face
            s = em / face.upem
            mid = (face.extents[0] - face.extents[1]) / 2  # central baseline above the alphabetic one
            inside, last = 0.0, -1  # advance of the earlier glyphs of the same cluster
            for gid, li, down, across, along in _glyphs(text, seg):
                inside = inside if li == last else 0.0
                pen = top + (prefix[li] - prefix[col.start]) * em + inside * s
                if seg.upright:  # HarfBuzz's vertical origin: top centre of the glyph's em box
                    m = Matrix(a=s, d=-s, e=cx + across * s, f=pen - along * s)
                else:  # turned 90° clockwise: the font's x runs down the column, its y to the right
                    m = Matrix(a=0.0, b=s, c=s, d=0.0, e=cx + (across - mid) * s, f=pen + along * s)
                glyphs.append(PlacedGlyph(face.face_id, gid, li, m.then(rot), color_keys[li]))
                inside += down
                last = li
    faces_by_id = {f.face_id: f for f in faces}
    fallback = sorted({(layer.text[i], faces[i].family_id) for i in range(len(text)) if is_fallback[i]
                       and not text[i].isspace()})
    return finish_block(glyphs, faces_by_id, lines, size, not fits, fallback, emoji)
