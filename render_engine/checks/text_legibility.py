"""Text: too small, low contrast on the product, invisible or confusable characters, odd spacing, mixed scripts."""

from __future__ import annotations

import math
import unicodedata
from typing import TYPE_CHECKING

from ..layout.onpath import Curve
from ..layout.plan import BackgroundItem, ImageItem, Layout, ShapeItem, SvgItem, TextItem
from ..model.design import CMYK, RGB, TextLayer
from ..model.geometry import Path, Rect
from ..model.paint import paint_colours
from ..model.units import pt_to_mm
from .messages import Msg, joined
from .regions import item_bounds
from .report import CheckContext, Finding, rounded
from .thresholds import (
    MIN_CONTRAST,
    MIN_TEXT_PT,
)
from .words import article, colour_name, product_noun

if TYPE_CHECKING:
    from ..inputs.color import IccCatalog


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_JOINERS = frozenset("\u200c\u200d")  # ZWNJ/ZWJ: needed in Persian, Indic scripts and emoji sequences


def _srgb(color: RGB | CMYK, icc: IccCatalog, profile: str) -> tuple[int, int, int]:
    return icc.to_srgb(color, profile)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio (1 … 21)."""
    la, lb = _luminance(a), _luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def _behind(layout: Layout, item: TextItem, icc: IccCatalog) -> list[tuple[int, int, int]] | None:
    """The flat colours the text sits on, or None when an image/clip-art/translucent layer is behind it."""
    b = item.block.bounds
    if b is None:  # no ink at all (only spaces, newlines or zero-width characters): nothing to contrast
        return None
    profile = layout.template.output.icc_profile
    colours: list[tuple[int, int, int]] = []
    covered = False
    for other in reversed([o for o in layout.items if o.layer < item.layer]):
        ob = item_bounds(other)
        if ob is None or not ob.intersects(b):
            continue
        if isinstance(other, ImageItem | SvgItem):
            return None
        if isinstance(other, BackgroundItem):
            if other.color is not None:
                colours += [_srgb(c, icc, profile) for c in paint_colours(other.color)]
            elif other.gradient is not None:
                colours += [_srgb(s.color, icc, profile) for s in other.gradient.stops]
            covered = True
            break
        if isinstance(other, ShapeItem) and other.fill is not None:
            if other.opacity < 0.999:
                return None
            colours += [_srgb(c, icc, profile) for c in paint_colours(other.fill)]
            if ob.contains(b):
                covered = True
                break
    if not covered:
        colours.append(_hex_rgb(layout.template.product_color))
    return colours


def _hex_rgb(h: str) -> tuple[int, int, int]:
    h = h.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _cp(c: str) -> str:
    return f"U+{ord(c):04X} {unicodedata.name(c, 'UNNAMED')}"


def check_text(ctx: CheckContext) -> list[Finding]:
    prepared, icc = ctx.prepared, ctx.icc
    layout = prepared.layout
    out: list[Finding] = []
    for it in layout.items:
        if not isinstance(it, TextItem):
            continue
        layer = prepared.design.layers[it.layer]
        assert isinstance(layer, TextLayer)
        text = layer.text
        block = it.block
        region = block.bounds or it.box
        if block.overflow:
            pitch = pt_to_mm(block.size_pt) * layer.line_height
            widest = max((ln.width_mm for ln in block.lines), default=0.0)
            if layer.arc is not None:
                avail, used, what = math.pi * layer.arc.radius, widest, "arc length"
            elif layer.path is not None:  # longer than its path: the text goes round onto its own start
                avail, used, what = Curve(Path.from_svg(layer.path.d)).length, widest, "path length"
            elif layer.writing_mode == "vertical-rl":  # lines are columns: their length runs down the box
                if widest > it.box.h + 1e-4:
                    avail, used, what = it.box.h, widest, "column height"
                else:
                    avail, used, what = it.box.w, len(block.lines) * pitch, "width"
            elif widest > it.box.w + 1e-4:
                avail, used, what = it.box.w, widest, "width"
            else:
                avail, used, what = it.box.h, len(block.lines) * pitch, "height"
            out.append(
                Finding(
                    "text.overflow",
                    "warning",
                    Msg("This text does not fit in its box even at the smallest allowed size. Shorten it or make "
                        "the box larger.")
                    if layer.shrink_to_fit
                    else Msg("This text does not fit in its box. Shorten it or make the box larger."),
                    f"{what} needed {used:.1f} mm, available {avail:.1f} mm at {block.size_pt:g} pt "
                    f"({len(block.lines)} lines)",
                    it.layer,
                    region,
                    rounded(used, 2),
                    rounded(avail, 2),
                    "mm",
                    {"dimension": what, "size_pt": block.size_pt},
                )
            )
        if block.fallback:
            chars = "".join(c for c, _ in block.fallback)
            fams = sorted({f for _, f in block.fallback})
            out.append(
                Finding(
                    "text.fallback_font",
                    "info",
                    Msg("Some characters ({chars}) are not in the chosen font and print in a similar font instead.",
                        chars=chars if len(chars) <= 12 else chars[:12] + "…"),
                    f"primary font family '{layer.font.family}'; covered by fallback: "
                    + ", ".join(f"{c!r} {_cp(c)} → {f}" for c, f in block.fallback),
                    it.layer,
                    region,
                    chars,
                    layer.font.family,
                    None,
                    {
                        "characters": [
                            {"char": c, "codepoint": f"U+{ord(c):04X}", "font": f} for c, f in block.fallback
                        ],
                        "fallback_fonts": fams,
                    },
                )
            )
        if block.size_pt < MIN_TEXT_PT - 1e-9:
            out.append(
                Finding(
                    "text.too_small",
                    "warning",
                    Msg("This text is very small ({size:g} pt) and may be hard to read in print.", size=block.size_pt),
                    f"printed at {block.size_pt:g} pt, minimum {MIN_TEXT_PT:g} pt",
                    it.layer,
                    region,
                    rounded(block.size_pt, 2),
                    MIN_TEXT_PT,
                    "pt",
                )
            )
        out += _whitespace(it.layer, text, region)
        out += _invisible(it.layer, text, region)
        out += _mixed_scripts(it.layer, text, region)
        behind = _behind(layout, it, icc)
        if behind is not None and block.bounds is not None and it.opacity > 0:
            # every colour that prints glyphs: the layer's, and each text span's (a red name in a white line)
            inks = {
                _srgb(c, icc, layout.template.output.icc_profile)
                for paint, p in it.paint_runs
                if p.ops
                for c in paint_colours(paint)
            }
            ratio, fg = min(((contrast_ratio(ink, bg), ink) for ink in inks for bg in behind), default=(21.0, None))
            if fg is not None and ratio < MIN_CONTRAST:
                out.append(
                    Finding(
                        "text.low_contrast",
                        "warning",
                        _contrast_words(fg, behind, ratio, layout),
                        f"text #{fg[0]:02x}{fg[1]:02x}{fg[2]:02x} on "
                        + ", ".join(f"#{c[0]:02x}{c[1]:02x}{c[2]:02x}" for c in behind)
                        + f": WCAG contrast {ratio:.2f}:1, minimum {MIN_CONTRAST:g}:1",
                        it.layer,
                        region,
                        rounded(ratio, 2),
                        MIN_CONTRAST,
                        "ratio",
                    )
                )
    return out


def _contrast_words(fg: tuple[int, int, int], behind: list[tuple[int, int, int]], ratio: float, layout: Layout) -> Msg:
    """'White text on a white mug will not be visible.': the colours by name, the product by its noun."""
    bg = min(behind, key=lambda c: contrast_ratio(fg, c))
    t = layout.template
    where = product_noun(t.kind) if bg == _hex_rgb(t.product_color) else Msg("background")
    bg_name = colour_name(bg)
    fg_name = colour_name(fg)
    words = {"Fg": fg_name.capitalized(), "a": article(bg_name), "bg": bg_name, "where": where}
    if ratio < 1.15:
        return Msg("{Fg} text on {a} {bg} {where} will not be visible.", **words)
    return Msg("{Fg} text on {a} {bg} {where} will be very hard to see.", **words)


def space_problems(text: str) -> list[str]:
    """Spacing a reader cannot see: 'leading space', 'trailing space', 'double space' (each once, in order)."""
    problems: list[str] = []
    for para in text.replace("\r\n", "\n").split("\n"):
        if para[:1].isspace():
            problems.append("leading space")
        if para[-1:].isspace():
            problems.append("trailing space")
        if "  " in para:
            problems.append("double space")
    return sorted(set(problems), key=problems.index)


def _whitespace(layer: int, text: str, region: Rect) -> list[Finding]:
    problems = space_problems(text)
    if not problems:
        return []
    return [
        Finding(
            "text.spaces",
            "warning",
            Msg("Please check the spacing in this text ({problems}).", problems=joined(", ", problems)),
            f"{', '.join(problems)} in {text!r}",
            layer,
            region,
            ", ".join(problems),
            "single spaces between words only",
            None,
            {"problems": problems},
        )
    ]


def _invisible(layer: int, text: str, region: Rect) -> list[Finding]:
    bidi = sorted({c for c in text if c in _BIDI_CONTROLS})
    hidden = sorted(
        {
            c
            for c in text
            if unicodedata.category(c) in ("Cf", "Cc")
            and c not in _BIDI_CONTROLS
            and c not in _JOINERS
            and c not in "\n\r\t"
        }
    )
    joiners = sorted({c for c in text if c in _JOINERS})
    out: list[Finding] = []
    for code, sev, chars, msg in (
        (
            "text.bidi_control",
            "warning",
            bidi,
            Msg("This text contains hidden direction-control characters that can change the order letters print in."),
        ),
        (
            "text.invisible_characters",
            "warning",
            hidden,
            Msg("This text contains invisible characters (often pasted by accident)."),
        ),
        (
            "text.joiners",
            "info",
            joiners,
            Msg("This text contains zero-width joiners; they are normal in some languages and emoji."),
        ),
    ):
        if not chars:
            continue
        out.append(
            Finding(
                code,
                sev,  # type: ignore[arg-type]
                msg,
                "; ".join(f"{_cp(c)} at index {text.index(c)}" for c in chars),
                layer,
                region,
                [f"U+{ord(c):04X}" for c in chars],
                [],
                None,
            )
        )
    return out


_CJK_MIX = frozenset({"Hani", "Hira", "Kana", "Hang", "Bopo", "Latn"})  # Japanese/Korean/Chinese mix legitimately


def _mixed_scripts(layer: int, text: str, region: Rect) -> list[Finding]:
    """Words whose letters come from more than one script (e.g. a Cyrillic 'А' inside 'Anna'): usually a
    look-alike pasted from another keyboard, which prints but is not what the customer typed."""
    if text.isascii():
        return []  # every ASCII letter is Latin (and ICU need not load in a fresh `render` process)
    import icu

    bad: list[tuple[str, list[str]]] = []
    for word in text.split():
        scripts = {icu.Script.getScript(ord(c)).getShortName() for c in word if unicodedata.category(c).startswith("L")}
        scripts -= {"Zyyy", "Zinh"}
        if len(scripts) > 1 and not scripts <= _CJK_MIX:
            bad.append((word, sorted(scripts)))
    if not bad:
        return []
    return [
        Finding(
            "text.mixed_scripts",
            "warning",
            Msg("Some words mix letters from different alphabets (for example a Cyrillic 'А' that looks like a Latin "
            "'A'). Please check the spelling."),
            "; ".join(f"{w!r}: {', '.join(sc)}" for w, sc in bad),
            layer,
            region,
            [w for w, _ in bad],
            "one script per word",
            None,
            {"words": [{"word": w, "scripts": sc} for w, sc in bad]},
        )
    ]
