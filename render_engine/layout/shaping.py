"""Text itemisation and shaping: font fallback per character, Unicode bidi (ICU), HarfBuzz shaping.

Everything here works in *font units* and *logical character indices* of one paragraph (code points, not
UTF-16 units). Sizes are applied later by :mod:`render_engine.layout.text`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

import uharfbuzz as hb

from ..inputs.font_catalog import FontFace
from ..model.errors import FontError

# Characters that take the font of the character before them, so clusters never split across fonts.
_INHERIT_CATEGORIES = {"Mn", "Mc", "Me", "Cf", "Zs", "Cc"}
# Scripts whose letters join: letter spacing would break the joins, so it is not applied to them.
_CURSIVE_RANGES = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
# Punctuation shared by the Indic scripts (danda, double danda): it stays in the face of the letters before
# it when that face has it, so a Bengali or Tamil sentence ends with its own font's danda.
_SHARED_INDIC = {0x0964, 0x0965}


@dataclass(frozen=True)
class ShapedGlyph:
    gid: int
    cluster: int  # logical index (within the shaped string) of the first character of its cluster
    x_advance: float
    y_advance: float
    x_offset: float
    y_offset: float


@dataclass(frozen=True)
class Run:
    """A maximal logical range of one paragraph with one font and one bidi level."""

    start: int
    end: int
    face: FontFace
    level: int

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


def is_cursive(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CURSIVE_RANGES)


def wants_emoji(text: str, i: int) -> bool:
    """Is ``text[i]`` shown as an emoji: emoji presentation by default (UTS #51 Emoji_Presentation, e.g.
    😀 ☕ 🇮 🏽) or asked for with VARIATION SELECTOR-16 after it (♥️, 1️⃣)?"""
    cp = ord(text[i])
    if i + 1 < len(text) and text[i + 1] == "\ufe0f":
        return True
    if cp < 0x231A:
        return False
    import icu  # ICU loads on the first text that needs it (~12 ms of a fresh process): see _SIMPLE_WORDS

    return bool(icu.Char.hasBinaryProperty(cp, icu.UProperty.EMOJI_PRESENTATION))


def assign_faces(
    text: str, faces: list[FontFace], named: Collection[FontFace] = ()
) -> tuple[list[FontFace], set[str]]:
    """Pick a face per character: the first in ``faces`` (primary, then fallbacks) that has it.

    Marks, spaces and format controls inherit the previous character's face, except a space after a character
    in one of the ``named`` faces (a font-family list's: the primary and its ``fallback`` families), which is
    the first named face's that has it, as the CSS list picks each character (a space after an emoji from the
    list's emoji font is the text font's). Returns the faces and the set of characters that no face covers.
    """
    out: list[FontFace] = []
    missing: set[str] = set()
    primary = faces[0]
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        cp = ord(ch)
        if i > 0 and cat == "Zs" and out[i - 1] in named:
            listed = next((f for f in faces if f in named and f.has_char(cp)), None)
            if listed is not None:
                out.append(listed)
                continue
        if i > 0 and cat in _INHERIT_CATEGORIES and (cat != "Zs" or out[i - 1].has_char(cp)):
            out.append(out[i - 1])  # marks/controls stay with their base; spaces with their word
            continue
        if i > 0 and cp in _SHARED_INDIC and out[i - 1].has_char(cp):
            out.append(out[i - 1])
            continue
        chosen = None
        if wants_emoji(text, i):  # an emoji face first (colour, or the monochrome one), if the chain has one
            chosen = next((f for f in faces if (f.has_color or f.emoji) and f.has_char(cp)), None)
        if chosen is None:
            chosen = next((f for f in faces if f.has_char(cp)), None)
        if chosen is None:
            if cat in _INHERIT_CATEGORIES:  # a default-ignorable HarfBuzz hides; not a missing glyph
                chosen = out[i - 1] if i > 0 else primary
            else:
                missing.add(ch)
                chosen = primary
        out.append(chosen)
    return out, missing


def describe_missing(missing: set[str]) -> str:
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in sorted(missing))


def _utf16_to_cp(text: str) -> list[int]:
    """Map each UTF-16 code unit index to its code point index (plus one past the end)."""
    out: list[int] = []
    for i, ch in enumerate(text):
        out.append(i)
        if ord(ch) > 0xFFFF:
            out.append(i)
    out.append(len(text))
    return out


def bidi_levels(text: str, base: int | None = None) -> list[int]:
    """Unicode bidi embedding level of each character (UAX #9 via ICU). The paragraph level is ``base``
    (0: left-to-right, 1: right-to-left) or, when None, taken from the text's first strong character."""
    if not text:
        return []
    if base != 1 and all(ord(c) < 0x0590 for c in text):
        return [0] * len(text)  # fast path: nothing right-to-left can occur
    import icu

    b = icu.Bidi()
    b.setPara(icu.UnicodeString(text), icu.Bidi.DEFAULT_LTR if base is None else base)
    u16 = b.getLevels()
    levels: list[int] = []
    idx = 0
    for ch in text:
        levels.append(int(u16[idx]))
        idx += 2 if ord(ch) > 0xFFFF else 1
    return levels


def paragraph_level(text: str, base: int | None = None) -> int:
    if base is not None:
        return base
    if not text or all(ord(c) < 0x0590 for c in text):
        return 0
    import icu

    b = icu.Bidi()
    b.setPara(icu.UnicodeString(text), icu.Bidi.DEFAULT_LTR)
    return int(b.getParaLevel())


def visual_order(levels: list[int]) -> list[int]:
    """Logical indices in visual (left-to-right) order for one line (UAX #9 rule L2)."""
    order = list(range(len(levels)))
    if not levels or max(levels) == 0:
        return order
    # PyICU's Bidi.reorderVisual returns the identity map (seen with pyicu-wheels 2.15), so rule L2 is
    # applied here: from the highest level down to the lowest odd level, reverse every maximal run of
    # characters at that level or higher.
    lowest_odd = min(lv for lv in levels if lv % 2 == 1) if any(lv % 2 for lv in levels) else max(levels) + 1
    for level in range(max(levels), lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


_SIMPLE_WORDS = re.compile(r"[A-Za-z0-9]+(?: +[A-Za-z0-9]+)*")
_AFTER_SPACES = re.compile(r" +")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")


def line_breaks(text: str) -> list[int]:
    """Line-break opportunities (UAX #14 via ICU) as code point offsets, ending with len(text)."""
    if not text:
        return [0]
    if _SIMPLE_WORDS.fullmatch(text):
        # ASCII letters and digits in words separated by spaces (most names): UAX #14 never breaks inside
        # such a word (LB23, LB25, LB28: AL x AL, AL x NU, NU x AL, NU x NU) and breaks after each run of
        # spaces (LB7, LB18), so ICU need not be loaded; tests compare this with ICU
        return [m.end() for m in _AFTER_SPACES.finditer(text)] + [len(text)]
    import icu

    it = icu.BreakIterator.createLineInstance(icu.Locale.getRoot())
    it.setText(icu.UnicodeString(text))
    m = _utf16_to_cp(text)
    return sorted({m[int(b)] for b in it if int(b) > 0})


def grapheme_breaks(text: str) -> list[int]:
    """Grapheme cluster boundaries (code point offsets), ending with len(text)."""
    if not text:
        return [0]
    if _PRINTABLE_ASCII.fullmatch(text):
        # printable ASCII (U+0020..U+007E) has no extenders, joiners, CR LF or controls: UAX #29 (GB999)
        # breaks between every two characters, so ICU need not be loaded (~12 ms of a fresh process, issue
        # 22); tests compare this with ICU
        return list(range(1, len(text) + 1))
    import icu

    it = icu.BreakIterator.createCharacterInstance(icu.Locale.getRoot())
    it.setText(icu.UnicodeString(text))
    m = _utf16_to_cp(text)
    return sorted({m[int(b)] for b in it if int(b) > 0})


def itemize(text: str, faces: list[FontFace], levels: list[int]) -> list[Run]:
    runs: list[Run] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or faces[i] is not faces[start] or levels[i] != levels[start]:
            runs.append(Run(start, i, faces[start], levels[start]))
            start = i
    return runs


@lru_cache(maxsize=2048)  # an edit session's runs; 8192 held ~22 MB in a soak with new text every request
def shape(face: FontFace, text: str, rtl: bool) -> tuple[ShapedGlyph, ...]:
    """Shape one run with HarfBuzz (kerning, ligatures, complex scripts). Glyphs come in visual order."""
    buf = hb.Buffer()
    buf.add_codepoints([ord(c) for c in text])
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    hb.shape(face.hb_font, buf, {"kern": True, "liga": True})
    return tuple(
        ShapedGlyph(
            gid=info.codepoint,
            cluster=info.cluster,
            x_advance=float(pos.x_advance),
            y_advance=float(pos.y_advance),
            x_offset=float(pos.x_offset),
            y_offset=float(pos.y_offset),
        )
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True)
    )


def char_advances_em(text: str, runs: list[Run]) -> list[float]:
    """Advance of each logical character in em (a cluster's advance is booked on its first character)."""
    adv = [0.0] * len(text)
    for run in runs:
        upem = run.face.upem
        for g in shape(run.face, text[run.start : run.end], run.rtl):
            adv[run.start + g.cluster] += g.x_advance / upem
    return adv


def paired_advances_em(text: str, runs: list[Run], by_code_point: bool = False) -> list[float]:
    """Advance of each character in em as canvas editors (Fabric.js) measure text for wrapping: each
    grapheme shaped on its own and kerned against the one before it in its word (the pair's width less the
    width of the one before); booked on the grapheme's first character. Equals the shaped width for
    kerning and ligatures; joining scripts (Arabic) measure as their letters' isolated forms combine.
    ``by_code_point``: every code point is a "grapheme" (Fabric 5's graphemeSplit)."""
    adv = [0.0] * len(text)
    ends = list(range(1, len(text) + 1)) if by_code_point else grapheme_breaks(text)
    for run in runs:
        upem = run.face.upem

        def width(s: str, run: Run = run) -> float:
            return sum(g.x_advance for g in shape(run.face, s, run.rtl))

        prev: str | None = None
        start = 0
        for end in ends:
            a, b = max(start, run.start), min(end, run.end)
            start = end
            if b <= a:
                continue
            g = text[a:b]
            alone = prev is None or prev.isspace() or g.isspace()
            kw = width(g) if alone or prev is None else width(prev + g) - width(prev)
            adv[a] += kw / upem
            prev = g
    return adv


def list_pair_fixes_em(text: str, faces: list[FontFace], named: Collection[FontFace]) -> list[float] | None:
    """What a canvas measures more than :func:`paired_advances_em` where a space meets a character of another
    face of a font-family list, per character in em (None: nowhere). The canvas (Pango in node-canvas) sets a
    two-character string of a space and one other character in that character's face: Fabric.js measures each
    character against the one before it (the pair's width less the one before's), so after a symbol from the
    list's emoji face the space measures as that face's space, and the symbol after a space measures the emoji
    face's space less the text face's more; not an emoji by presentation (UTS #51: 🎂, ⭐; a bare ❤ is not),
    which the canvas sets as a run of its own, the space in the text face. Fabric aligns lines by this width
    (it wraps them by words and spaces measured apart); the canvas draws a line whole, spaces in the text face.
    """
    fixes = [0.0] * len(text)
    found = False
    for i in range(1, len(text)):
        p, g = faces[i - 1], faces[i]
        if p is g or p not in named or g not in named or text[i - 1].isspace() == text[i].isspace():
            continue
        space, other = (g, p) if text[i].isspace() else (p, g)
        k = i - 1 if text[i].isspace() else i  # the other character: an emoji-presentation one is a run of
        if wants_emoji(text, k) or text[k] == "\ufe0f":  # its own, the space left in the text face
            continue
        if not other.has_char(0x20) or not space.has_char(0x20):
            continue
        diff = (_space_em(other) - _space_em(space)) if text[i].isspace() else (_space_em(g) - _space_em(p))
        fixes[i] = diff
        found = found or diff != 0.0
    return fixes if found else None


def _space_em(face: FontFace) -> float:
    return sum(g.x_advance for g in shape(face, " ", False)) / face.upem


def require_coverage(
    text: str, faces: list[FontFace], field: str, named: Collection[FontFace] = ()
) -> list[FontFace]:
    assigned, missing = assign_faces(text, faces, named)
    if missing:
        raise FontError(
            f"no bundled font can print {describe_missing(missing)} (tried {', '.join(f.family for f in faces)})",
            field=field,
        )
    return assigned


__all__ = [
    "Run",
    "ShapedGlyph",
    "assign_faces",
    "bidi_levels",
    "char_advances_em",
    "grapheme_breaks",
    "is_cursive",
    "itemize",
    "line_breaks",
    "list_pair_fixes_em",
    "paired_advances_em",
    "paragraph_level",
    "require_coverage",
    "shape",
    "visual_order",
    "wants_emoji",
]
