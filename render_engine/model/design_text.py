"""The design model's ``text`` layer: fonts (:class:`FontRef`), arcs and paths to set it on, styled spans
(:mod:`.design` puts every layer type in one union).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from .design_base import MAX_MM, NUMBER, Degrees, Flag, Model, Opacity, PositiveMm
from .paint import Paint

if TYPE_CHECKING:
    pass
from .design_layers import Blend, Box, Point, Stroke, check_path_data
from .design_layers import rgb_default as _rgb


class FontRef(Model):
    family: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="Catalog id ('noto-sans') or family name ('Noto Sans')."
    )
    weight: Annotated[int, Field(ge=100, le=900), NUMBER] = 400
    style: Literal["normal", "italic"] = "normal"
    fallback: Annotated[list[Annotated[str, Field(min_length=1, max_length=128)]], Field(max_length=8)] = Field(
        default_factory=list,
        description="More families (ids or names), as a CSS font-family list goes on: each character is printed "
        "in the first of family, then these, that has it, then in the engine's fallback chain.",
    )
    synthetic_bold: bool = Field(
        False,
        description="When the family's own face is bold (weight 700 or more), characters printed by a lighter "
        "face (weight 500 or less: a fallback family or the engine's chain) are emboldened by 1/24 em, as a "
        "canvas synthesises bold for them (fontconfig and FreeType); the advances stay the face's.",
    )


class Arc(Model):
    """Set the text on a circle: its baseline follows a circle of ``radius`` mm around ``center``."""

    radius: PositiveMm
    center: Point | None = Field(None, description="Defaults to the centre of the text box.")
    side: Literal["top", "bottom"] = Field(
        "top", description="'top': text runs clockwise over the top; 'bottom': it reads along the bottom."
    )


class TextPath(Model):
    """Set the text along an arbitrary path: each glyph's advance centre sits on the path at its arc length,
    the glyph turned to the path's tangent (SVG ``textPath``, Fabric's text on a path).

    The layer's ``align`` places each line along the path (left: from the start, center, right: ending at
    the path's end); text longer than the path wraps around to its start, as Fabric does (preflight
    reports it as overflow). Further lines sit one line pitch further below the path (``lines: "stacked"``)
    or all on the path itself (``"same_path"``, as Fabric draws multi-line text on a path).
    """

    d: Annotated[str, Field(min_length=1, max_length=20_000)] = Field(
        description="SVG path data in mm, relative to the text box's top-left corner (it turns with the layer)."
    )
    start_offset: Annotated[float, Field(ge=-MAX_MM * 10, le=MAX_MM * 10), NUMBER] = Field(
        0.0, description="Distance (mm) along the path added to where the aligned line starts."
    )
    side: Literal["left", "right"] = Field(
        "left",
        description="'left': glyphs stand on the left of the path's direction of travel (y down: above a "
        "left-to-right path); 'right': on the other side, reading the other way.",
    )
    vertical_align: Literal["baseline", "center", "ascender", "descender"] = Field(
        "baseline",
        description="What of each glyph sits on the path: its baseline, the middle of the font's ascent and "
        "descent, its ascent line (the text hangs below) or its descent line (the text stands above).",
    )
    lines: Literal["stacked", "same_path"] = Field(
        "stacked",
        description="Further lines: 'stacked' one line pitch below the one before; 'same_path': every line on "
        "the path itself, each aligned along it by its own width (Fabric's multi-line text on a path).",
    )

    @field_validator("d")
    @classmethod
    def _drawable(cls, v: str) -> str:
        return check_path_data(v)


class TextSpan(Model):
    """A range of the text drawn in another colour, face, size, baseline, stroke or spacing (a storefront's
    bold word, a red name, a superscript "th")."""

    start: Annotated[int, Field(ge=0, le=20_000), NUMBER] = Field(description="First character (code point index).")
    end: Annotated[int, Field(gt=0, le=20_000), NUMBER] = Field(description="One past the last character.")
    color: Paint | None = Field(None, description="Defaults to the layer colour (a colour or a gradient).")
    font: FontRef | None = Field(None, description="Defaults to the layer font.")
    size: Annotated[float | None, Field(gt=0, le=2000), NUMBER] = Field(
        None,
        description="Font size in pt (defaults to the layer's). A line is as tall as its largest size; "
        "shrink-to-fit scales span sizes with the layer size.",
    )
    baseline_shift: Annotated[float, Field(ge=-2000, le=2000), NUMBER] = Field(
        0.0, description="Raise (+) or lower (-) the characters' baseline, in pt (superscript, subscript)."
    )
    stroke: Stroke | None = Field(None, description="Outline the characters (drawn over the fill).")
    letter_spacing: Annotated[float | None, Field(ge=-0.5, le=2), NUMBER] = Field(
        None, description="Extra space after each of these characters, in em of the layer size."
    )

    @model_validator(mode="after")
    def _range(self) -> TextSpan:
        if self.end <= self.start:
            raise ValueError("a span needs end > start")
        if (
            self.color is None
            and self.font is None
            and self.size is None
            and not self.baseline_shift
            and self.stroke is None
            and self.letter_spacing is None
        ):
            raise ValueError(
                "a span needs at least one of 'color', 'font', 'size', 'baseline_shift', 'stroke', 'letter_spacing'"
            )
        return self


class TextLayer(Model):
    type: Literal["text"]
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    font: FontRef
    size: Annotated[float, Field(gt=0, le=2000), NUMBER] = Field(description="Font size in pt.")
    color: Paint = Field(_rgb("#000000"), description="A colour or a gradient (box units span the text box).")
    box: Box
    align: Literal["left", "center", "right", "justify"] = Field(
        "left", description="'justify' stretches the spaces of every line but a paragraph's last to the box width."
    )
    align_last: Literal["left", "center", "right", "justify"] = Field(
        "left", description="With align 'justify': how a paragraph's last line (every line without wrap) aligns."
    )
    justify_across_breaks: Flag = Field(
        False,
        description="With align 'justify': only the text's very last line takes align_last; every other line"
        " stretches, line breaks included (Fabric's Text and IText).",
    )
    valign: Literal["top", "middle", "bottom"] = "top"
    line_height: Annotated[float, Field(gt=0, le=10), NUMBER] = 1.2
    letter_spacing: Annotated[float, Field(ge=-0.5, le=2), NUMBER] = Field(
        0.0, description="Extra space between characters, in em."
    )
    wrap: Flag = True
    shrink_to_fit: Flag = False
    min_size: Annotated[float, Field(gt=0, le=2000), NUMBER] = Field(
        6.0, description="Smallest size (pt) shrink-to-fit may use."
    )
    arc: Arc | None = None
    path: TextPath | None = Field(None, description="Set the text along a path instead of in lines in the box.")
    stroke: Stroke | None = Field(None, description="Outline every glyph (drawn over the fill).")
    direction: Literal["auto", "ltr", "rtl"] = Field(
        "auto",
        description="Paragraph direction: 'auto' takes it from each paragraph's first strong character "
        "(Unicode bidi); 'rtl' makes neutral-led and mixed paragraphs right-to-left.",
    )
    wrap_by: Literal["word", "grapheme", "space"] = Field(
        "word",
        description="Where lines may break: at word boundaries (UAX #14), between any two graphemes "
        "(CJK editors' character wrapping; Fabric's splitByGrapheme), or only after spaces and tabs, a word "
        "wider than the box overflowing it whole (Fabric's Textbox).",
    )
    measure: Literal["shaped", "per_character", "per_code_point"] = Field(
        "shaped",
        description="How lines are measured for wrapping and alignment: the shaped text (default), or each "
        "grapheme on its own kerned against the one before, as canvas editors (Fabric.js 6+) measure; they "
        "differ for joining scripts such as Arabic and for Indic conjuncts. per_code_point: each code point on "
        "its own (Fabric.js 5, whose graphemeSplit keeps only surrogate pairs together). A line that is not "
        "wrapped is still aligned by that width, and drawn from its left end (its right end when direction is "
        "'rtl'), as a canvas draws a line with textAlign left (right).",
    )
    shaping: Literal["run", "per_character"] = Field(
        "run",
        description="How glyphs are chosen and placed: runs of text shaped together (default: ligatures, "
        "contextual forms), or each character shaped on its own and advanced by its width kerned against the "
        "one before, as canvas editors (Fabric.js) paint letter-spaced text, one character at a time.",
    )
    rtl_pixel: Annotated[float | None, Field(gt=0, le=1000), NUMBER] = Field(
        None,
        description="Right-to-left lines placed as node-canvas places right-aligned text (Fabric.js under Node): "
        "from the line's right end by its width rounded up to whole pixels of this size (mm), so each line sits "
        "up to a pixel toward its start. Glyphs only; decorations and backgrounds keep the exact width.",
    )
    line_ascent: Annotated[float | None, Field(gt=0, le=10), NUMBER] = Field(
        None,
        description="Where each baseline sits below the top of its line, in em of the line's largest size "
        "(Fabric: 1.13 x 0.778). Default: the font's ascent and descent centred in the line.",
    )
    spans: Annotated[list[TextSpan], Field(max_length=1000)] = Field(
        default_factory=list,
        description="Character ranges in another colour, face, size, baseline, stroke or spacing; no overlaps.",
    )
    writing_mode: Literal["horizontal-tb", "vertical-rl"] = Field(
        "horizontal-tb",
        description="'vertical-rl': CJK columns top to bottom, right to left (CSS writing-mode); Latin runs "
        "turn 90° clockwise. 'align' places text along each column (left = top), 'valign' the columns across "
        "the box (top = at its right edge). Not with 'arc' or 'path'; spans may not change size or baseline.",
    )
    rotation: Degrees = 0.0
    opacity: Opacity = 1.0
    blend: Blend = "normal"

    @model_validator(mode="after")
    def _spans_inside(self) -> TextLayer:
        end = 0
        for span in sorted(self.spans, key=lambda s: s.start):
            if span.start < end:
                raise ValueError("text spans must not overlap")
            end = span.end
        if end > len(self.text):
            raise ValueError("a text span ends after the text")
        if self.arc is not None and self.path is not None:
            raise ValueError("a text layer takes 'arc' or 'path', not both")
        if self.writing_mode == "vertical-rl":
            if self.arc is not None or self.path is not None:
                raise ValueError("vertical text ('writing_mode': 'vertical-rl') cannot also take 'arc' or 'path'")
            if any(span.size is not None or span.baseline_shift for span in self.spans):
                raise ValueError(
                    "in vertical text, spans may set colour, font, stroke and letter spacing, "
                    "not size or baseline_shift"
                )
        return self

    @field_validator("text")
    @classmethod
    def _no_nul(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError("text must not contain NUL characters")
        if any(0xD800 <= ord(c) <= 0xDFFF for c in v):
            raise ValueError("text must not contain unpaired surrogates")
        return v
