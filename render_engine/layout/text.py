"""Text layout in millimetres: line breaking, alignment, shrink-to-fit, per-span sizes and baselines, text
on an arc or along a path (vertical CJK columns: :mod:`.vertical`).

The result is a list of positioned glyphs — (font face, glyph id, matrix from font units to page mm) — and
their combined outline. Every backend draws exactly these glyphs, so preview, PNG and PDF agree.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from ..inputs.font_catalog import FontCatalog, FontFace
from ..model.deadline import check as check_deadline
from ..model.design import TextLayer
from ..model.geometry import Matrix, Path
from ..model.units import pt_to_mm
from .onpath import Curve, arc_matrix, path_matrix, path_start
from .shaping import (
    Run,
    bidi_levels,
    char_advances_em,
    grapheme_breaks,
    is_cursive,
    itemize,
    line_breaks,
    list_pair_fixes_em,
    paired_advances_em,
    paragraph_level,
    shape,
    visual_order,
)
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
from .vertical import layout_vertical

_EPS = 1e-6
_BASE_LEVEL = {"auto": None, "ltr": 0, "rtl": 1}  # paragraph bidi level by the layer's direction
#: The characters justification stretches: the word separators Fabric.js stretches (space and tab).
JUSTIFY_SPACES = frozenset(" \t")


@dataclass(frozen=True)
class _Para:
    """One paragraph, itemised and measured once (size-independent)."""

    text: str
    offset: int  # index of the paragraph's first character in the layer text
    faces: tuple[FontFace, ...]
    levels: tuple[int, ...]
    runs: tuple[Run, ...]
    adv_em: tuple[float, ...]  # per character, in em of the layer size: span size and letter spacing included
    breaks: tuple[int, ...]
    spacing_em: tuple[float, ...]  # per character: letter spacing after it (0 in joining scripts)
    fallback: tuple[bool, ...]  # per character: printed by a fallback face, not its own (span's) font
    scale: tuple[float, ...]  # per character: its size / the layer size (span sizes)
    shift_em: tuple[float, ...]  # per character: baseline shift up, in em of the layer size
    wrap_adv_em: tuple[float, ...]  # per character: its width for line breaking (``measure``)
    rtl: bool  # a right-to-left paragraph
    graphemes: tuple[int, ...] = ()  # grapheme cluster boundaries (ending with len(text)): over-long words
    pair_em: tuple[float, ...] = ()  # ``shaping: per_character``: each character's kerned width (span size in)
    # per character: what the canvas measures more for alignment where a space meets another face of a
    # font-family list (paired with the character before it in the line; empty: nothing)
    align_fix_em: tuple[float, ...] = ()
    whole_words: bool = False  # ``wrap_by: space``: a word wider than the box is not broken
    bold: tuple[bool, ...] = ()  # per character: emboldened (FontRef.synthetic_bold)


def _span_values(layer: TextLayer) -> tuple[list[float], list[float], list[float | None]]:
    """Per character: size / layer size, baseline shift (layer em) and letter spacing (em, None: the
    layer's) from the spans."""
    n = len(layer.text)
    scale, shift = [1.0] * n, [0.0] * n
    spacing: list[float | None] = [None] * n
    for span in layer.spans:
        for i in range(span.start, min(span.end, n)):
            if span.size is not None:
                scale[i] = span.size / layer.size
            if span.baseline_shift:
                shift[i] = span.baseline_shift / layer.size
            if span.letter_spacing is not None:
                spacing[i] = span.letter_spacing
    return scale, shift, spacing


def _split_runs(runs: list[Run], scale: list[float]) -> list[Run]:
    """Runs split where the size changes (a span's size is shaped on its own, as Fabric measures it)."""
    if all(v == 1.0 for v in scale):
        return runs
    out: list[Run] = []
    for run in runs:
        start = run.start
        for i in range(run.start + 1, run.end + 1):
            if i == run.end or scale[i] != scale[start]:
                out.append(Run(start, i, run.face, run.level))
                start = i
    return out


def _prepare(layer: TextLayer, catalog: FontCatalog, field: str, emoji: str) -> tuple[list[_Para], FontFace]:
    primary, chains, font_keys = face_chains(layer, catalog, field, emoji)
    all_scale, all_shift, all_spacing = _span_values(layer)
    paras: list[_Para] = []
    offset = 0
    for raw in layer.text.split("\n"):
        ptext = raw[:-1] if raw.endswith("\r") else raw  # "\r\n" ends a line too; indices stay the layer's
        faces, fallback, bold = paragraph_faces(ptext, font_keys[offset : offset + len(ptext)], chains, field)
        levels = bidi_levels(ptext, _BASE_LEVEL[layer.direction])
        scale = all_scale[offset : offset + len(ptext)]
        runs = _split_runs(itemize(ptext, faces, levels), scale)
        spacing = [
            0.0 if is_cursive(c) else (layer.letter_spacing if sp is None else sp)
            for c, sp in zip(ptext, all_spacing[offset : offset + len(ptext)], strict=True)
        ]
        adv = tuple(_sized(char_advances_em(ptext, runs), scale, spacing))
        wrap_adv = adv
        pair: tuple[float, ...] = ()
        align_fix: tuple[float, ...] = ()
        by_cp = layer.measure == "per_code_point"
        if layer.shaping == "per_character" or (layer.measure != "shaped" and _measured(layer)):
            pair = tuple(_sized(paired_advances_em(ptext, runs, by_cp), scale, [0.0] * len(ptext)))
            wrap_adv = tuple(a + sp for a, sp in zip(pair, spacing, strict=True))
            named = [f for c in chains.values() if len(c.own) > 1 for f in c.own]
            fixes = list_pair_fixes_em(ptext, faces, named) if named else None
            align_fix = tuple(_sized(fixes, scale, [0.0] * len(ptext))) if fixes else ()
        if layer.shaping == "per_character":
            adv = wrap_adv
        else:
            pair = ()
        # Fabric 5's graphemes are code points: it draws a letter-spaced line one code point at a time too
        graphemes = tuple(range(1, len(ptext) + 1)) if by_cp else tuple(grapheme_breaks(ptext))
        breaks = graphemes if layer.wrap_by == "grapheme" else tuple(line_breaks(ptext))
        if layer.wrap_by == "space":  # Fabric's Textbox: words split at spaces and tabs only (wordSplit)
            breaks = tuple(b for b in breaks if b == len(ptext) or ptext[b - 1] in " \t")
        paras.append(
            _Para(
                ptext,
                offset,
                tuple(faces),
                tuple(levels),
                tuple(runs),
                adv,
                breaks,
                tuple(spacing),
                tuple(fallback),
                tuple(scale),
                tuple(all_shift[offset : offset + len(ptext)]),
                wrap_adv,
                paragraph_level(ptext, _BASE_LEVEL[layer.direction]) == 1,
                graphemes,
                pair,
                align_fix,
                layer.wrap_by == "space",
                tuple(bold) if any(bold) else (),
            )
        )
        offset += len(raw) + 1
    return paras, primary


def _sized(adv: list[float], scale: list[float], spacing: list[float]) -> list[float]:
    if any(v != 1.0 for v in scale):
        adv = [a * k for a, k in zip(adv, scale, strict=True)]
    if any(spacing):
        adv = [a + sp for a, sp in zip(adv, spacing, strict=True)]
    return adv


def _measured(layer: TextLayer) -> bool:
    """Are the layer's lines measured (wrapped or aligned) by ``measure``? Not along an arc or a path."""
    return layer.arc is None and layer.path is None


def max_em_wraps(layer: TextLayer) -> bool:
    """Does the layer break lines to its box width?"""
    return layer.wrap and layer.arc is None and layer.path is None


def _trim_end(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b


def _wrap(para: _Para, max_em: float | None) -> list[tuple[int, int]]:
    """Greedy line breaking at UAX #14 opportunities; over-long words break between graphemes. Linear: prefix
    sums, and the paragraph's grapheme boundaries found once (re-segmenting the rest of a word per line was
    quadratic: seconds for a 5 000-character word)."""
    n = len(para.text)
    if n == 0:
        return [(0, 0)]
    if max_em is None:
        return [(0, n)]
    prefix = [0.0]
    for a in para.wrap_adv_em:
        prefix.append(prefix[-1] + a)

    def width(a: int, b: int) -> float:
        return prefix[_trim_end(para.text, a, b)] - prefix[a]

    graphemes = para.graphemes or tuple(grapheme_breaks(para.text))
    lines: list[tuple[int, int]] = []
    start = 0
    last_fit = None
    for brk in para.breaks:
        check_deadline()
        if width(start, brk) <= max_em + _EPS:
            last_fit = brk
            continue
        if last_fit is not None:
            lines.append((start, last_fit))
            start = last_fit
        # the segment start..brk alone may still be too wide: break it between graphemes (not "space": Fabric
        # widens the textbox to its widest word instead, dynamicMinWidth)
        while not para.whole_words and width(start, brk) > max_em + _EPS:
            k = bisect_right(graphemes, start)
            first = graphemes[k] if k < len(graphemes) and graphemes[k] <= brk else brk
            cut = start
            while k < len(graphemes) and graphemes[k] <= brk and width(start, graphemes[k]) <= max_em + _EPS:
                cut = graphemes[k]
                k += 1
            if cut == start:
                cut = first  # a single grapheme wider than the box: it gets its own line
            if cut >= brk:
                break
            lines.append((start, cut))
            start = cut
        last_fit = brk
    lines.append((start, n))
    return lines


@dataclass(frozen=True)
class _LineGlyph:
    face: FontFace
    gid: int
    x_em: float  # pen position along the line, layer em
    dx_em: float
    dy_em: float  # shaper's y offset plus the baseline shift, layer em (up)
    cluster: int  # index into the layer text
    scale: float  # glyph size / layer size
    kern_em: float = 0.0  # per-character shaping: the kerning against the character before (in x_em)


def _graphemes_in(para: _Para, s: int, e: int) -> list[tuple[int, int]]:
    """The grapheme clusters of ``para.text[s:e]`` as (start, end) pairs."""
    out, start = [], s
    for end in para.graphemes or grapheme_breaks(para.text):
        if end <= s:
            continue
        end = min(end, e)
        if end > start:
            out.append((start, end))
        start = end
        if end >= e:
            break
    return out


def _line_glyphs(para: _Para, a: int, b: int) -> tuple[list[_LineGlyph], float]:
    """Shape one line and return its glyphs in visual order, and its width in layer em."""
    b = _trim_end(para.text, a, b)
    if b <= a:
        return [], 0.0
    order = visual_order(list(para.levels[a:b]))
    # group visually consecutive characters that share face/level/size and are logically contiguous
    groups: list[tuple[int, int, FontFace, bool]] = []
    for vi in order:
        li = a + vi
        face, level = para.faces[li], para.levels[li]
        rtl = level % 2 == 1
        if groups:
            s, e, f, r = groups[-1]
            if (
                f is face
                and r == rtl
                and ((not rtl and li == e) or (rtl and li == s - 1))
                and para.scale[li] == para.scale[s]
            ):
                groups[-1] = (min(s, li), max(e, li + 1), f, r)
                continue
        groups.append((li, li + 1, face, rtl))
    out: list[_LineGlyph] = []
    x = 0.0
    for s, e, face, rtl in groups:
        upem = face.upem
        k_ = para.scale[s]
        if para.pair_em and not rtl:  # one character at a time, each kerned against the one before
            for ga, gb in _graphemes_in(para, s, e):
                alone = shape(face, para.text[ga:gb], rtl)
                # the kerning against the one before moves the character itself (Fabric's _renderChars)
                kern = para.pair_em[ga] - sum(g.x_advance for g in alone) / upem * k_
                pen = x + kern
                for g in alone:
                    li = ga + g.cluster
                    dy = g.y_offset / upem * k_ + para.shift_em[li]
                    out.append(_LineGlyph(face, g.gid, pen, g.x_offset / upem * k_, dy, para.offset + li, k_, kern))
                    pen += g.x_advance / upem * k_
                x += para.pair_em[ga] + para.spacing_em[ga]
            continue
        glyphs = shape(face, para.text[s:e], rtl)
        for k, g in enumerate(glyphs):
            li = s + g.cluster
            dy = g.y_offset / upem * k_ + para.shift_em[li]
            out.append(_LineGlyph(face, g.gid, x, g.x_offset / upem * k_, dy, para.offset + li, k_))
            x += g.x_advance / upem * k_
            # tracking goes after each cluster (not inside one, not in joining scripts)
            last_of_cluster = k + 1 == len(glyphs) or glyphs[k + 1].cluster != g.cluster
            if last_of_cluster and para.spacing_em[li]:
                x += para.spacing_em[li]
    return out, x


def _line_scale(para: _Para, a: int, b: int) -> float:
    """A line's largest size (layer em), every character counted, spaces too (Fabric's getHeightOfLine)."""
    if b > a:
        return max(para.scale[a:b])
    return para.scale[a] if a < len(para.scale) else 1.0


def _block_height(scales: list[float], pitch: float) -> float:
    if all(k == 1.0 for k in scales):
        return len(scales) * pitch
    return sum(k * pitch for k in scales)


def _block(layer: TextLayer, paras: list[_Para], size_pt: float, path_len: float | None) -> tuple[list, bool]:
    """Lay out every line at ``size_pt``; returns (lines as (para, a, b)), fits)."""
    em_mm = pt_to_mm(size_pt)
    box = layer.box
    max_em = box.width / em_mm if max_em_wraps(layer) else None
    lines = []
    fits = True
    for para in paras:
        for a, b in _wrap(para, max_em):
            lines.append((para, a, b))
    pitch = em_mm * layer.line_height
    if layer.arc is not None or path_len is not None:
        widest = max((_measure(p, a, b) for p, a, b in lines), default=0.0) * em_mm
        room = math.pi * layer.arc.radius if layer.arc is not None else path_len
        assert room is not None
        fits = widest <= room + _EPS
    else:
        for p, a, b in lines:
            if _measure(p, a, b) * em_mm > box.width + 1e-4:
                fits = False
        if _block_height([_line_scale(p, a, b) for p, a, b in lines], pitch) > box.height + 1e-4:
            fits = False
    return lines, fits


def _rtl_nudges(
    layer: TextLayer, shaped: list[_LineGlyph], width_em: float, em_mm: float, keys: list[int]
) -> list[float]:
    """How far node-canvas draws each glyph of a right-to-left line left of its place (``rtl_pixel``): Fabric
    draws the line a style run at a time, each anchored at its right end by the width of
    ``pango_layout_get_pixel_extents``, rounded up to whole pixels (the run's own width in 1/1024 px)."""
    px = layer.rtl_pixel
    if px is None:
        return [0.0] * len(shaped)
    starts = [k for k, g in enumerate(shaped) if k == 0 or keys[g.cluster] != keys[shaped[k - 1].cluster]]
    out: list[float] = []
    for n, a in enumerate(starts):
        b = starts[n + 1] if n + 1 < len(starts) else len(shaped)
        x1 = shaped[b].x_em if b < len(shaped) else width_em
        w_px = round((x1 - shaped[a].x_em) * em_mm / px * 1024) / 1024
        out += [(math.ceil(w_px) - w_px) * px] * (b - a)
    return out


def _measure(para: _Para, a: int, b: int) -> float:
    b = _trim_end(para.text, a, b)
    return sum(para.adv_em[a:b])


def layout_text(layer: TextLayer, catalog: FontCatalog, field: str, emoji: str = "color") -> TextBlock:
    """Shape and place a text layer. ``emoji`` is the product's emoji mode (template ``text.emoji``):
    "color" prints colour glyphs in their palette; "monochrome" and "forbidden" print emoji in the text
    colour, from the catalogue's monochrome emoji face (a colour glyph it lacks prints as its silhouette)."""
    if layer.writing_mode == "vertical-rl":
        return layout_vertical(layer, catalog, field, emoji)
    paras, primary = _prepare(layer, catalog, field, emoji)
    box = layer.box
    curve = None
    if layer.path is not None:
        curve = Curve(Path.from_svg(layer.path.d, Matrix.translate(box.x, box.y)))
    path_len = curve.length if curve is not None else None
    size, lines, fits = choose_size(layer, lambda size: _block(layer, paras, size, path_len))
    em_mm = pt_to_mm(size)
    asc, desc, _gap = primary.extents
    asc_mm, desc_mm = asc / primary.upem * em_mm, desc / primary.upem * em_mm
    pitch = em_mm * layer.line_height
    scales = [_line_scale(p, a, b) for p, a, b in lines]
    uniform = all(k == 1.0 for k in scales)
    block_h = _block_height(scales, pitch)
    if layer.valign == "top":
        top = box.y
    elif layer.valign == "middle":
        top = box.y + (box.height - block_h) / 2
    else:
        top = box.y + box.height - block_h
    rot = Matrix.rotate(layer.rotation, box.x + box.width / 2, box.y + box.height / 2)

    color_keys = span_keys(layer, "color", "stroke")
    glyphs: list[PlacedGlyph] = []
    text_lines: list[TextLine] = []
    line_top = top
    first_baseline = 0.0
    for i, (para, a, b) in enumerate(lines):
        check_deadline()
        shaped, width_em = _line_glyphs(para, a, b)
        width = width_em * em_mm
        k_line = scales[i]
        if uniform:
            line_top = top + i * pitch
        if layer.line_ascent is None:
            half_leading = (pitch * k_line - (asc_mm + desc_mm) * k_line) / 2
            baseline = line_top + half_leading + asc_mm * k_line
        else:
            baseline = line_top + layer.line_ascent * em_mm * k_line
        if i == 0:
            first_baseline = baseline
        line_off = i * pitch if uniform else baseline - first_baseline  # from the first line, for arc/path
        if layer.path is not None and layer.path.lines == "same_path":
            line_off = 0.0
        line_top += pitch * k_line
        last_of_para = i + 1 == len(lines) or (lines[i + 1][0] is not para and not layer.justify_across_breaks)
        align = layer.align if not last_of_para or layer.align != "justify" else layer.align_last
        # justification: Fabric's and CSS's — the spaces of the line take the missing width in equal parts
        spaces = [j for j in range(a, _trim_end(para.text, a, b)) if para.text[j] in JUSTIFY_SPACES]
        extra = 0.0
        if align == "justify" and layer.arc is None and curve is None and spaces and width < box.width:
            extra = (box.width - width) / len(spaces)
            width = box.width
        if align in ("left", "justify"):
            x0 = box.x
        elif align == "center":
            x0 = box.x + (box.width - width) / 2
        else:
            x0 = box.x + box.width - width
        mw = None
        measured = None
        if para.wrap_adv_em is not para.adv_em and not extra:
            # measured per character (canvas editors): aligned by that width, from the paragraph's start edge
            end = _trim_end(para.text, a, b)
            mw = (sum(para.wrap_adv_em[a:end]) + sum(para.align_fix_em[a + 1 : end])) * em_mm
            start = box.x if align in ("left", "justify") else box.x + (box.width - mw) * (
                0.5 if align == "center" else 1.0
            )
            x0 = start + mw - width if para.rtl and layer.direction == "rtl" else start
            measured = (start, start + mw)
        text_lines.append(TextLine(para.text[a:b], width, x0, baseline, para.offset + a, mw, measured))
        rtl_px = para.rtl and not extra and curve is None and layer.arc is None
        nudges = _rtl_nudges(layer, shaped, width_em, em_mm, color_keys) if rtl_px else [0.0] * len(shaped)
        stretch = 0.0  # glyphs come in visual order: each space pushes everything to its right
        space_clusters = {para.offset + j for j in spaces} if extra else set()
        start = path_start(layer, curve, width, align) if curve is not None else 0.0
        for g, nudge in zip(shaped, nudges, strict=True):
            face = g.face
            s = em_mm * g.scale / face.upem
            x = x0 + (g.x_em + g.dx_em) * em_mm + stretch - nudge
            if g.cluster in space_clusters:
                stretch += extra
                space_clusters.discard(g.cluster)
            if curve is not None:
                # on a path Fabric centres each character on the middle of its kerned width but draws it from
                # half its own width before that (_setGraphemeOnPath, _renderChars): half the kerning moves it
                pen = (g.x_em + g.dx_em - g.kern_em / 2) * em_mm
                m = path_matrix(layer, curve, start, pen, width, line_off, s, g.dy_em * em_mm, face, g.gid)
            elif layer.arc is None:
                m = Matrix(a=s, d=-s, e=x, f=baseline - g.dy_em * em_mm)
            else:
                pen = (g.x_em + g.dx_em) * em_mm
                m = arc_matrix(layer, line_off, s, pen, width, g.dy_em * em_mm, face, g.gid)
            bold = bool(para.bold) and para.bold[g.cluster - para.offset]
            glyphs.append(PlacedGlyph(face.face_id, g.gid, g.cluster, m.then(rot), color_keys[g.cluster], bold))

    faces = {f.face_id: f for p in paras for f in p.faces}
    fallback = sorted(
        {
            (p.text[i], p.faces[i].family_id)
            for p in paras
            for i in range(len(p.text))
            if p.fallback[i] and not p.text[i].isspace()
        }
    )
    return finish_block(glyphs, faces, text_lines, size, not fits, fallback, emoji)
