"""Synthetic bold as a canvas draws it: FreeType's ``FT_Outline_EmboldenXY`` on a glyph outline.

Fabric's Node render (node-canvas: pango, fontconfig, cairo) prints a character a bold font's own face lacks in a
regular-weight fallback face, and fontconfig marks that face ``embolden`` (its ``90-synthetic.conf``: a face no
heavier than medium for a request of at least bold); cairo then loads the glyph through ``FT_GlyphSlot_Embolden``,
which moves every outline point (on- and off-curve) by ``strength / 2`` along the bisector of its two edges
(a mitred offset, turns sharper than ~160° left alone) and by ``strength / 2`` right and up, with
``strength = em / 24``: the glyph is ``em / 24`` wider and taller, its left and bottom edges where they were. The
advance is not changed (pango positions with HarfBuzz). Measured on a 72 px 🎂 from Noto Emoji: node-canvas'
bold ink 2537.7 px, this outline 2526.2 px (21 pixels more than 32 levels apart, the regular glyph 16).
"""

from __future__ import annotations

import math

from ..model.geometry import Path, Point

EMBOLDEN_EM = 1 / 24  # FT_GlyphSlot_Embolden's strength: FT_MulFix(units_per_EM, y_scale) / 24


def embolden(path: Path, strength: float) -> Path:
    """``path`` (font units, y up) emboldened by ``strength`` (font units) as FreeType does."""
    half = strength / 2
    contours: list[tuple[list[tuple[str, int]], list[Point]]] = []
    for kind, pts in path.ops:
        if kind == "M" or not contours:
            contours.append(([], []))
        kinds, points = contours[-1]
        kinds.append((kind, len(pts)))
        points.extend(pts)
    # FT_Outline_Get_Orientation: the sign of the outline's area decides which side is outside
    area = sum((c[i][1] - c[i - 1][1]) * (c[i][0] + c[i - 1][0]) for _, c in contours for i in range(len(c)))
    if area == 0:
        return path
    truetype = area < 0
    ops: list[tuple[str, tuple[Point, ...]]] = []
    for kinds, points in contours:
        moved = [_moved(points, i, half, truetype) for i in range(len(points))]
        at = 0
        for kind, count in kinds:
            ops.append((kind, tuple(moved[at : at + count])))
            at += count
    return Path(tuple(ops), path.evenodd)


def _moved(pts: list[Point], i: int, half: float, truetype: bool) -> Point:
    n = len(pts)
    px, py = pts[i]
    prev, nxt = (i - 1) % n, (i + 1) % n
    while pts[prev] == pts[i] and prev != i:
        prev = (prev - 1) % n
    while pts[nxt] == pts[i] and nxt != i:
        nxt = (nxt + 1) % n
    if prev == i or nxt == i:
        return px + half, py + half
    ix, iy = px - pts[prev][0], py - pts[prev][1]
    ox, oy = pts[nxt][0] - px, pts[nxt][1] - py
    l_in, l_out = math.hypot(ix, iy), math.hypot(ox, oy)
    ix, iy, ox, oy = ix / l_in, iy / l_in, ox / l_out, oy / l_out
    d = ix * ox + iy * oy
    sx = sy = 0.0
    if d > -0.9375:  # FreeType: "shift only if turn is less than ~160 degrees" (-0xF000 in 16.16)
        d += 1
        sx, sy = iy + oy, ix + ox
        q = ox * iy - oy * ix
        if truetype:
            sx, q = -sx, -q
        else:
            sy = -sy
        lim = min(l_in, l_out)  # collapsing segments move no further than their length
        sx = sx * half / d if half * q <= lim * d else sx * lim / q
        sy = sy * half / d if half * q <= lim * d else sy * lim / q
    return px + half + sx, py + half + sy
