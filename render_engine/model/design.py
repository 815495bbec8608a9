"""Design model v1: what a customer personalised, on which product template.

Geometry is in millimetres in the template's *trim* coordinate space: the origin is the top-left corner
of the trim box, x grows right, y grows down, and the bleed lies outside it (negative coordinates and
coordinates beyond the trim size are legal and reach into the bleed). Layers draw in order, first at the
bottom. ``docs/design.schema.json`` is generated from these models (``render-engine schema``).

This module is the design JSON's schema: the :class:`Design`, one discriminated union of layer types
(``Layer``), parsing and the JSON Schema. The layer types live beside it and every name is importable from here
as it always was: :mod:`.design_layers` (points, boxes, gradients, clips, strokes; ``background``, ``image``,
``svg``, ``shape``), :mod:`.design_text` (fonts, arcs, text paths, spans; ``text``), :mod:`.design_calendar`
(``qr``, ``calendar``: expanded into native layers when parsed); the shared building blocks in
:mod:`.design_base`, paint in :mod:`.paint`.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from . import fast_validate
from .design_base import CMYK as CMYK
from .design_base import HEX_COLOR as HEX_COLOR
from .design_base import MAX_MM as MAX_MM
from .design_base import NUMBER as NUMBER
from .design_base import RGB as RGB
from .design_base import Color as Color
from .design_base import Degrees as Degrees
from .design_base import Flag as Flag
from .design_base import Mm as Mm
from .design_base import Model
from .design_base import Number as Number
from .design_base import Opacity as Opacity
from .design_base import PositiveMm as PositiveMm
from .design_calendar import CalendarLayer as CalendarLayer
from .design_calendar import Holiday as Holiday
from .design_calendar import QrLayer as QrLayer
from .design_layers import CLIP_SHAPES as CLIP_SHAPES
from .design_layers import BackgroundLayer as BackgroundLayer
from .design_layers import Blend as Blend
from .design_layers import Box as Box
from .design_layers import Clip as Clip
from .design_layers import EllipseClip as EllipseClip
from .design_layers import GradientStop as GradientStop
from .design_layers import ImageLayer as ImageLayer
from .design_layers import LinearGradient as LinearGradient
from .design_layers import MaskClip as MaskClip
from .design_layers import NormRect as NormRect
from .design_layers import PathClip as PathClip
from .design_layers import Point as Point
from .design_layers import RectClip as RectClip
from .design_layers import RoundedRectClip as RoundedRectClip
from .design_layers import ShapeLayer as ShapeLayer
from .design_layers import Stroke as Stroke
from .design_layers import SvgLayer as SvgLayer
from .design_layers import check_path_data as check_path_data
from .design_text import Arc as Arc
from .design_text import FontRef as FontRef
from .design_text import TextLayer as TextLayer
from .design_text import TextPath as TextPath
from .design_text import TextSpan as TextSpan
from .errors import DesignError, RenderError, TemplateError, several
from .json_input import load_json, read_input_file
from .paint import BlendMode as BlendMode
from .paint import Paint as Paint
from .settings import Settings
from .size_limits import check_native
from .templates import TemplateCatalog

DESIGN_VERSION = 1

TEMPLATE_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"


Layer = Annotated[
    BackgroundLayer | ImageLayer | TextLayer | SvgLayer | ShapeLayer | QrLayer | CalendarLayer,
    Field(discriminator="type"),
]
LAYER_TYPES = frozenset({"background", "image", "text", "svg", "shape", "qr", "calendar"})
_UNION_TAGS = {  # a discriminated union's kinds, named when an object leaves its tag out
    "type": ", ".join(sorted(LAYER_TYPES)),
    "shape": ", ".join(get_args(c.model_fields["shape"].annotation)[0] for c in get_args(get_args(Clip)[0])),
}


class DesignMeta(Model):
    """Job facts that end up in output files (never the wall clock: outputs are deterministic)."""

    title: Annotated[str, Field(max_length=200)] | None = None
    order_id: Annotated[str, Field(max_length=128)] | None = None
    created: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")] | None = Field(
        None, description="UTC timestamp written as the PDF creation date; default 2000-01-01T00:00:00Z."
    )
    words: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=500)] = Field(
        default_factory=list,
        description="Spellings the customer or the shop confirmed (names, brand words, local spellings): the"
        " spelling check accepts them in any case. Never printed.",
    )


def _qr_shapes(layers: list[Any]) -> list[Any] | None:
    """``qr`` layers as the path shapes they draw (same index), or None when there are none: nothing
    downstream knows QR codes."""
    if not any(isinstance(layer, QrLayer) for layer in layers):
        return None
    return [layer.as_shape() if isinstance(layer, QrLayer) else layer for layer in layers]


class SurfaceDesign(Model):
    """The layers on one surface or page of a multi-surface product (coordinates in that surface's trim mm).
    Its ``calendar`` layers expand in the v1 :class:`Design` :mod:`.surface_plan` makes of it (so a problem
    found later in a generated layer still names the calendar's field)."""

    layers: Annotated[list[Layer], Field(max_length=1000)]

    @model_validator(mode="after")
    def _qr_as_shapes(self) -> SurfaceDesign:
        layers = _qr_shapes(self.layers)
        return self if layers is None else self.model_copy(update={"layers": layers})


SurfaceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")]


class Design(Model):
    """A customer's design for one product template: ``layers`` for a single-surface product, or
    ``surfaces`` (by name) and/or ``pages`` (in reading order) for a multi-surface one (docs/products.md)."""

    version: Literal[1]
    template: Annotated[str, Field(pattern=TEMPLATE_ID)]
    layers: Annotated[list[Layer], Field(max_length=1000)] = Field(
        default_factory=list, description="The layers of a single-surface product."
    )
    surfaces: dict[SurfaceName, SurfaceDesign] = Field(
        default_factory=dict, description="Layers per named surface of a multi-surface product (front, back…)."
    )
    pages: Annotated[list[SurfaceDesign], Field(max_length=1000)] = Field(
        default_factory=list, description="Layers per page of a multi-page product, in reading order."
    )
    paper: Annotated[str | None, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")] = Field(
        None,
        description="Book products: the interior paper, a name from the template's book.papers (its caliper "
        "sizes the spine); default book.default_paper.",
    )
    direction: Literal["ltr", "rtl"] | None = Field(
        None,
        description="Book products: 'rtl' binds a right-to-left book (Arabic, Hebrew, manga) on the right: "
        "mirrored cover, gutters and spreads (docs/books.md); default the template's book.direction.",
    )
    meta: DesignMeta = fast_validate.construct(DesignMeta)

    _sources: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _expand(self) -> Design:
        """``qr`` layers become the path shapes they draw (same index), ``calendar`` layers the text and shape
        layers of their month (in their place; later layers move up): nothing downstream knows either. A
        surface's or page's calendars expand here too, in the v1 design :mod:`.surface_plan` makes of it."""
        if not any(isinstance(layer, QrLayer | CalendarLayer) for layer in self.layers):
            return self
        layers, sources = expand_layers(self.layers)
        # in place: a validator's other return value is dropped when the design is built with Design(...)
        # (as surface_plan builds each surface's), so a copy would leave the calendar layers unexpanded
        self.__dict__["layers"] = layers
        self._sources = sources
        return self

    def source_field(self, field: str | None) -> str | None:
        """A field ``layers[<i>]…`` of the expanded layers renamed to where the layer came from: a layer a
        calendar made names the calendar (``layers[2].font.family`` of a day number ->
        ``layers[1].number_font.family``), a later layer its index in the design as written."""
        m = re.match(r"^layers\[(\d+)\]", field or "")
        if field is None or m is None or int(m.group(1)) >= len(self._sources):
            return field
        source, _, part = self._sources[int(m.group(1))].partition(":")
        rest = field[m.end() :]
        if not part:
            return source + rest
        if "font" not in part:
            return f"{source}.{part}"  # grid lines, holiday fills
        return f"{source}.{part}{rest[len('.font') :]}" if rest.startswith(".font") else source

    @property
    def is_multi(self) -> bool:
        """True when the design addresses surfaces or pages (a multi-surface product's design)."""
        return bool(self.surfaces) or bool(self.pages)


def expand_layers(layers: list[Any]) -> tuple[list[Any], tuple[str, ...]]:
    """``layers`` with ``qr`` and ``calendar`` layers replaced by the native layers they draw, and for each
    resulting layer the ``layers[<i>]`` it came from (``layers[<i>]:<field>`` for a calendar's)."""
    out: list[Any] = []
    sources: list[str] = []
    for i, layer in enumerate(layers):
        if isinstance(layer, CalendarLayer):
            for part, made in layer.as_layers():
                out.append(made)
                sources.append(f"layers[{i}]:{part}")
        else:
            out.append(layer.as_shape() if isinstance(layer, QrLayer) else layer)
            sources.append(f"layers[{i}]")
    return out, tuple(sources)


_UNION_MEMBER = re.compile(r"^(dict|list|tuple|set|frozenset)\[.*\]$")


def field_path(loc: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into ``layers[2].box.width``, dropping union tags."""
    out = ""
    prev: Any = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif (isinstance(prev, int) and part in LAYER_TYPES) or (prev == "clip" and part in CLIP_SHAPES):
            pass  # discriminator tag pydantic inserts into the location
        elif isinstance(part, str) and (
            part.startswith("function-")
            or part.startswith("paint:")
            or part in {"literal['auto']"}
            or _UNION_MEMBER.match(part) is not None  # a union's member tag: "dict[str,str]", "list[dict[...]]"
        ):
            pass
        else:
            out += ("." if out else "") + safe_key(str(part))
        prev = part
    return out or "design"


MAX_KEY_CHARS = 64


def safe_key(key: str) -> str:
    """An object key as a field path shows it: a key the client made up (an unknown field) is input, so it is
    cut to :data:`MAX_KEY_CHARS` characters and its control characters escaped: a 1 MB key came back whole in
    the error, and an escape sequence in one reached the terminal of whoever ran the command line."""
    if len(key) <= MAX_KEY_CHARS and key.isprintable():
        return key
    shown = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in key[:MAX_KEY_CHARS])
    return shown + ("…" if len(key) > MAX_KEY_CHARS else "")


def error_message(err: Any) -> str:
    """A message that never echoes the (possibly hostile) input value."""
    msg = str(err.get("msg", "invalid value"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err.get("type") == "union_tag_invalid":
        ctx = err.get("ctx") or {}
        msg = f"unknown {ctx.get('discriminator', 'type')}; expected one of {ctx.get('expected_tags', '')}"
    if err.get("type") == "union_tag_not_found":  # was pydantic's "Unable to extract tag using discriminator"
        key = str((err.get("ctx") or {}).get("discriminator", "'type'")).strip("'")
        loc = tuple(err.get("loc") or ())
        layer = len(loc) >= 2 and loc[-2] == "layers"  # a slot, a mockup mapping have a 'type' of their own
        kinds = _UNION_TAGS.get(key) if key == "shape" or layer else None
        msg = f"'{key}' is missing" + (f": one of {kinds}" if kinds else "")
    if err.get("type") == "extra_forbidden":
        msg = "unknown field"
    if err.get("type") == "string_unicode":  # was "unable to parse raw data as a unicode string"
        msg = "not Unicode text: it holds a lone surrogate (half of a UTF-16 pair, escaped alone)"
    return msg


def validation_error_to_design_error(exc: ValidationError) -> DesignError:
    """Every problem pydantic found, each a :class:`DesignError` with its field (:func:`several`)."""
    errors = exc.errors(include_input=False, include_url=False)
    by_field: dict[str, str] = {}  # a union's alternatives each fail at the same field: its first message
    for e in errors:
        by_field.setdefault(field_path(tuple(e["loc"])), error_message(e))
    return several([DesignError(message, field=field) for field, message in by_field.items()])


@functools.cache
def _default_settings() -> Settings:
    return fast_validate.construct(Settings)  # Settings(), without its schema build (issue 22)


def parse_design(data: Any, settings: Settings | None = None) -> Design:
    """Validate a decoded JSON value as a :class:`Design`, raising :class:`DesignError`. Size limits
    (layers, text, inline SVG: :func:`render_engine.model.size_limits.check_native`, ``settings`` or the
    environment's) are checked first, so an oversized document is a 413 naming its field, never a schema
    message or work. A design refused for its fields is also checked for an unknown ``template``, so both come
    in one list (the template was reported only once every field was fixed)."""
    if not isinstance(data, dict):
        raise DesignError("a design is a JSON object", field="design")
    settings = settings or _default_settings()
    problems: list[RenderError] = []
    version = data.get("version")
    if isinstance(version, bool) or version != DESIGN_VERSION:  # True == 1 in Python: refused by name
        what = "a number is needed here, not true/false" if isinstance(version, bool) else "unsupported design version"
        problems.append(DesignError(f"{what}; this engine reads version {DESIGN_VERSION}", field="version"))
    if "layers" not in data and "surfaces" not in data and "pages" not in data:
        problems.append(
            DesignError("Field required (or 'surfaces' / 'pages' for a multi-surface product)", field="layers")
        )
    if not problems:
        check_native(data, settings)
        try:
            # the same as Design.model_validate, without its ~35 ms schema build in a cold process (issue 22)
            return fast_validate.validate(Design, data, fast=_small(data))
        except ValidationError as exc:
            err = validation_error_to_design_error(exc)
            problems.extend(err.problems or (err,))
    if (unknown := _template_problem(data, settings)) is not None:
        problems.append(unknown)
    raise several(problems)


def _small(data: dict[str, Any]) -> bool:
    """A single-surface design of a few layers: one the fast path validates faster than pydantic's schema build
    (~35 ms) plus validation (a 10 kB, 240-layer book: 16 ms against pydantic's 1.6 ms once built)."""
    layers = data.get("layers")
    return isinstance(layers, list) and len(layers) <= 32 and not data.get("surfaces") and not data.get("pages")


@functools.cache
def _catalog(directory: Path) -> TemplateCatalog:
    return TemplateCatalog(directory)


def _template_problem(data: dict[str, Any], settings: Settings) -> RenderError | None:
    """The unknown-template error of a design refused for other fields (None when its template is known, or
    missing or malformed: the schema names that)."""
    template = data.get("template")
    if not isinstance(template, str) or re.fullmatch(TEMPLATE_ID, template) is None:
        return None
    try:
        _catalog(settings.templates_dir).get(template)
    except TemplateError as exc:
        return exc
    return None


def load_design_json(text: str | bytes) -> Design:
    return parse_design(load_json(text))  # strict: UTF-8, no NaN, no huge numbers, no duplicate keys


def load_design_file(path: Path) -> Design:
    return load_design_json(read_input_file(path))


def design_json_schema() -> dict[str, Any]:
    schema = Design.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "render-engine/design.schema.json"
    return schema
