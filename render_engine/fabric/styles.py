"""Per-character text styles: Fabric's ``styles`` applied to every character, and native text spans.

Fabric 6 writes ``[{start, end, style}]`` (indices count graphemes, line breaks not counted), Fabric 5
``{line: {char: style}}``. Fill, face (family, weight, style), size, baseline (``deltaY``: what Fabric's
``setSuperscript``/``setSubscript`` write, with a ``fontSize`` 0.6 of the character's), stroke, decorations
and text background may vary per character (:class:`CharStyle`); the native text layer carries fill, face,
size, baseline shift and stroke as ``spans`` (:func:`spans`), decorations and backgrounds are drawn by
:mod:`.text_objects`. Per-character ``charSpacing`` is ignored, as Fabric ignores it (it spaces with the object's).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model.errors import DesignError
from .font_properties import font_family, font_style, font_weight, native_font
from .parse import color, num
from .text_paint import is_gradient, representative

if TYPE_CHECKING:
    from .protocol import Converter

#: The text decorations, each a per-character flag.
DECORATIONS = ("underline", "linethrough", "overline")
# per-character style properties accepted when they equal the object's own value, with Fabric's defaults
_STYLE_SAME: dict[str, Any] = {}
# per-character properties Fabric stores but never draws per character (it uses the object's)
_STYLE_IGNORED = frozenset({"charSpacing"})
_MAX_STYLED_CHARS = 200_000  # per text object: style ranges may not add up to more characters than this


@dataclass(frozen=True)
class CharStyle:
    """What Fabric paints one character with (object properties with its per-character style applied)."""

    fill: str | None
    fill_alpha: float
    family: tuple[str, ...]  # bundled family ids: the first, then the CSS list's further ones (font.fallback)
    weight: int
    style: str
    underline: bool
    linethrough: bool
    overline: bool
    bg: str | None
    bg_alpha: float
    size: float = 40.0  # fontSize, px
    dy: float = 0.0  # deltaY, px (down)
    stroke: str | None = None
    stroke_alpha: float = 0.0
    stroke_width: float = 1.0  # px
    deco: str | None = None  # textDecorationColor (Fabric 7.3+); None: the fill's colour
    paint: str | None = None  # a per-character gradient or pattern fill (its JSON; ``fill`` stands for it)
    stroke_paint: str | None = None  # a per-character gradient or pattern stroke (its JSON)
    thickness: float = 66.667  # textDecorationThickness, thousandths of the object's fontSize


def has_styles(styles: Any) -> bool:
    """Per-character styles: Fabric 6 writes [{start, end, style}], Fabric 5 {line: {char: style}}."""
    if not styles:
        return False
    if isinstance(styles, list):
        return any(not isinstance(s, dict) or s.get("style") for s in styles)
    if isinstance(styles, dict):
        return any(not isinstance(line, dict) or any(line.values()) for line in styles.values())
    return True


def char_styles(conv: Converter, obj: Mapping[str, Any], where: str, text: str, base: CharStyle) -> list[CharStyle]:
    """The style of every character (code point) of ``text``: ``base`` with Fabric's per-character
    ``styles`` applied — Fabric 6's ``[{start, end, style}]`` (indices count graphemes, line breaks
    not counted) or Fabric 5's ``{line: {char: style}}``."""
    from ..layout.shaping import grapheme_breaks

    out = [base] * len(text)
    styles = obj.get("styles")
    if not has_styles(styles):
        return out
    graphemes: list[tuple[int, int]] = []  # code point range of each grapheme, line breaks left out
    per_line: list[list[tuple[int, int]]] = []
    pos = 0
    for line in text.split("\n"):
        ends = grapheme_breaks(line) if line else []  # an empty line has no graphemes
        starts = [0, *ends[:-1]] if ends else []
        row = [(pos + a, pos + b) for a, b in zip(starts, ends, strict=True)]
        per_line.append(row)
        graphemes += row
        pos += len(line) + 1
    budget = [_MAX_STYLED_CHARS]

    def apply(a: int, b: int, delta: dict[str, Any]) -> None:
        budget[0] -= b - a
        if budget[0] < 0:
            raise DesignError("too many per-character styles", field=f"{where}.styles")
        for i in range(a, b):
            out[i] = dataclasses.replace(out[i], **delta)

    if isinstance(styles, list):
        for j, entry in enumerate(styles):
            at = f"{where}.styles[{j}]"
            if not isinstance(entry, dict):
                raise DesignError("a style range is {start, end, style}", field=at)
            st = entry.get("style")
            if not st:
                continue
            start, end = int(num(entry, "start", None, at)), int(num(entry, "end", None, at))
            start, end = max(0, start), min(len(graphemes), end)
            if not isinstance(st, dict):
                raise DesignError("a style is an object of text properties", field=f"{at}.style")
            delta = _style_delta(conv, obj, st, f"{at}.style", f"characters {start}-{end}")
            for g in range(start, end):
                apply(*graphemes[g], delta)
    elif isinstance(styles, dict):
        for lk, line_styles in styles.items():
            at = f"{where}.styles.{lk}"
            if not (isinstance(lk, str) and lk.isdigit()) or not isinstance(line_styles, dict):
                raise DesignError("styles are {line: {char: style}}", field=at)
            row = per_line[int(lk)] if int(lk) < len(per_line) else []
            for ck, st in line_styles.items():
                if not (isinstance(ck, str) and ck.isdigit()) or not isinstance(st, dict):
                    raise DesignError("styles are {line: {char: style}}", field=f"{at}.{ck}")
                if not st or int(ck) >= len(row):
                    continue
                delta = _style_delta(conv, obj, st, f"{at}.{ck}", f"line {lk}, character {ck}")
                apply(*row[int(ck)], delta)
    else:
        raise DesignError("styles are [{start, end, style}] or {line: {char: style}}", field=f"{where}.styles")
    return out


def _style_delta(conv: Converter, obj: Mapping[str, Any], st: Mapping[str, Any], at: str, chars: str) -> dict[str, Any]:
    """One Fabric character style as changes to a :class:`CharStyle`; properties that would need a
    different size, baseline or stroke per character are errors naming the characters."""
    delta: dict[str, Any] = {}
    for key, val in st.items():
        if key == "fill" and is_gradient(val):  # drawn as the span's paint in the object's gradient space
            delta["fill"], delta["fill_alpha"] = representative(val, f"{at}.fill"), 1.0
            delta["paint"] = json.dumps({**val, "__at": f"{at}.fill"}, sort_keys=True)
        elif key == "fill" and isinstance(val, dict) and not isinstance(val.get("source"), str):
            # Fabric 5's toObject() copies a per-character Pattern as a plain object without its tile's pixels
            # ({"source": {"_context2d": …}}); Fabric loading it sets that object as the fillStyle, which the
            # canvas ignores: the characters are drawn in the context's black
            delta["fill"], delta["fill_alpha"], delta["paint"] = "#000000", 1.0, None
            conv.notes.append(f"{at}.fill: a pattern saved without its tile, drawn black as Fabric loads it")
        elif key == "fill":
            delta["fill"], delta["fill_alpha"], delta["paint"] = (*color(val, f"{at}.fill"), None)
        elif key == "fontWeight":
            delta["weight"] = font_weight(val, f"{at}.fontWeight")
        elif key == "fontStyle":
            delta["style"] = font_style(val, f"{at}.fontStyle")
        elif key == "fontFamily":
            delta["family"] = font_family(conv, val, at)
        elif key in DECORATIONS:
            delta[key] = bool(val)
        elif key == "textBackgroundColor":
            delta["bg"], delta["bg_alpha"] = color(val, f"{at}.textBackgroundColor")
        elif key == "fontSize":
            size = num(st, "fontSize", None, at)
            if not 0 < size <= 100_000:
                raise DesignError("fontSize must be positive", field=f"{at}.fontSize")
            delta["size"] = size
        elif key == "deltaY":
            delta["dy"] = num(st, "deltaY", 0.0, at)
        elif key == "stroke" and is_gradient(val):  # the span stroke's paint, in the object's gradient space
            delta["stroke"], delta["stroke_alpha"] = representative(val, f"{at}.stroke"), 1.0
            delta["stroke_paint"] = json.dumps({**val, "__at": f"{at}.stroke"}, sort_keys=True)
        elif key == "stroke":
            delta["stroke"], delta["stroke_alpha"], delta["stroke_paint"] = (*color(val, f"{at}.stroke"), None)
        elif key == "strokeWidth":
            delta["stroke_width"] = max(0.0, num(st, "strokeWidth", 1.0, at))
        elif key == "textDecorationColor":
            delta["deco"] = color(val, f"{at}.textDecorationColor")[0]
        elif key == "textDecorationThickness":  # Fabric 6+: thousandths of the object's fontSize
            delta["thickness"] = max(0.0, num(st, key, 66.667, at))
        elif key in _STYLE_IGNORED:
            continue
        elif key in _STYLE_SAME and val == obj.get(key, _STYLE_SAME[key]):
            continue  # the object's own value (editors often copy whole style objects): no change
        else:
            raise DesignError(
                f"per-character '{key}' is not supported ({chars}); supported: fill, fontWeight, fontStyle, "
                "fontFamily, fontSize, deltaY, stroke, strokeWidth, underline, linethrough, overline, "
                "textBackgroundColor, textDecorationColor, textDecorationThickness",
                field=f"{at}.{key}",
            )
    return delta


def spans(
    conv: Converter,
    chars: list[CharStyle],
    text: str,
    layer_color: str | None,
    base: CharStyle,
    where: str,
    pt_per_px: float = 0.0,
    layer_alpha: float = 1.0,
    paint_of: Callable[[dict[str, Any], str], dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Native text spans for the characters whose fill, face, size, baseline or stroke differs from the
    layer's (``layer_color``, ``base``); ``pt_per_px`` converts Fabric's px to the layer's pt. A character
    stroke equal to the object's is left to the object's stroke (drawn by :mod:`.text_objects`). ``paint_of``
    makes the native paint of a per-character gradient or pattern (None: such a character is an error)."""
    out: list[dict[str, Any]] = []

    def stroke_of(c: CharStyle) -> tuple[str, float, str | None] | None:
        return (c.stroke, c.stroke_width, c.stroke_paint) if c.stroke and c.stroke_width > 0 else None

    def paint(raw_json: str) -> dict[str, Any]:
        raw = json.loads(raw_json)
        at = raw.pop("__at")
        if paint_of is None:
            raise DesignError(
                "a per-character gradient or pattern on clipped, skewed, mirrored or path text is not supported",
                field=at,
            )
        return paint_of(raw, at)

    def key_of(c: CharStyle) -> tuple[Any, ...]:
        fill = c.fill if c.fill is not None else layer_color
        # a character without a fill of its own is transparent (char_styles gave it the object's otherwise)
        alpha = c.fill_alpha if c.fill is not None else 0.0
        return (fill, c.family, c.weight, c.style, c.size, c.dy, stroke_of(c), alpha, c.paint)

    layer_key = key_of(dataclasses.replace(base, fill=layer_color, fill_alpha=layer_alpha))
    prev: tuple[Any, ...] | None = None
    for i, (ch, c) in enumerate(zip(text, chars, strict=True)):
        key = key_of(c)
        if ch == "\n" or key == layer_key:
            prev = None
            continue
        if key == prev:
            out[-1]["end"] = i + 1
            continue
        span: dict[str, Any] = {"start": i, "end": i + 1}
        if c.paint is not None:  # a per-character gradient or pattern
            span["color"] = paint(c.paint)
        elif key[7] < layer_alpha and layer_alpha > 0 and key[0] is not None:
            # a more translucent character than the layer: a one-stop paint carries the relative opacity
            stop = {"offset": 0, "color": key[0], "opacity": round(key[7] / layer_alpha, 6)}
            span["color"] = {"type": "linear", "stops": [stop]}
        elif key[0] != layer_color:
            span["color"] = key[0]
        if key[1:4] != layer_key[1:4]:
            from ..model.design import FontRef

            font = FontRef(family=c.family[0], weight=c.weight, style=c.style)
            conv.fonts.face(font, field=f"{where}.styles")  # the bundled family must have this face
            span["font"] = native_font(c.family, c.weight, c.style)
        if c.size != base.size:
            span["size"] = c.size * pt_per_px
        if c.dy:
            span["baseline_shift"] = -c.dy * pt_per_px
        if key[6] != layer_key[6] and key[6] is not None:
            span["stroke"] = {
                "color": paint(key[6][2]) if key[6][2] else key[6][0],
                "width": key[6][1] * pt_per_px,
            }
        if len(span) == 2:  # only the object's stroke differs (none here): nothing for the native layer
            prev = None
            continue
        out.append(span)
        prev = key
    return out
