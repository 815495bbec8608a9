"""Import Fabric.js canvas JSON (``canvas.toJSON()``, Fabric 5.x and 6.x) as a native :class:`Design`.

The importer is a translation step in front of the pipeline: it maps every Fabric object onto a native
layer (``docs/fabric.md`` has the full table) and never draws anything itself, so print PDF, PNG, preflight
and mockups treat an imported design exactly like a native one.

Geometry. Fabric places an object by its *origin point* (``left``/``top`` with ``originX``/``originY``);
the object's own drawing is centred on its local origin and transformed by ``T(centre) · R(angle) ·
S(scaleX·flipX, scaleY·flipY) · skewX · skewY``, nested inside its groups' matrices. The box that the
origin refers to is ``(width + strokeWidth) × (height + strokeWidth)`` scaled and skewed — the stroke counts
even when there is no stroke colour. We compute each object's full matrix in canvas pixels, then map canvas
pixels uniformly onto the template's trim (or bleed) box in mm.

Where the native model has an equivalent we use it (rect / ellipse / circle / line → ``shape``, text →
``text`` with ``spans`` for per-character fill and face, justification, plus ``shape`` rects for its
decorations and backgrounds, image → ``image`` with a path ``clip`` for a clipPath); every other vector
object, and anything the native model cannot express (skew, non-uniform scale of a stroke, a clipPath, a
shadow, a text stroke, clipped / mirrored / skewed text, a translucent cached group, …) becomes an ``svg``
layer carrying the object's own geometry — for text, the outlines the engine's own layout produced — and its
matrix (plus ``<clipPath>`` / shadow filter), so it stays vector where it can. A property we cannot honour is
a :class:`DesignError` naming it (``objects[3].styles[1].style.fontSize``) — nothing is dropped silently.
Only canvas-editor state (selection, locks, controls, ids) is ignored.

Fabric in a browser draws top-level objects (and clipped groups) through their own cache canvas, so a
translucent group or stroked text is composited as one picture and its shadow is cast by all of it; the
importer follows the browser (``docs/fabric.md``, "Browser or Node").
"""

from __future__ import annotations

import argparse
import base64
import binascii
import dataclasses
import json
import math
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PIL import ImageColor
from pydantic import ValidationError

from .design import Design, parse_design, validation_error_to_design_error
from .errors import DesignError, FontError
from .fonts import FontCatalog
from .geometry import Matrix, Rect
from .geometry import Path as VPath
from .pipeline import Format, RenderResult, StepTimer, render_design
from .resolve import Engine
from .templates import Template
from .units import MM_PER_PT

if TYPE_CHECKING:
    from .pdf import PdfOptions
    from .text.layout import TextBlock, TextLine

Covers = Literal["trim", "bleed"]

# Fabric's text metrics constants (fabric/src/shapes/Text/constants.ts, identical in 5.x and 6.x).
FONT_SIZE_MULT = 1.13  # a line's height is fontSize * 1.13 * lineHeight
FONT_SIZE_FRACTION = 0.222  # the baseline sits this fraction of a line's height above its bottom

#: Web font names storefront editors commonly use, mapped to bundled families. Keys are lower case.
#: Catalog ids and family names ("noto-sans", "Noto Sans") always work without an entry here.
DEFAULT_FONT_MAP: Mapping[str, str] = {
    "arial": "noto-sans",
    "helvetica": "noto-sans",
    "helvetica neue": "noto-sans",
    "verdana": "noto-sans",
    "tahoma": "noto-sans",
    "trebuchet ms": "noto-sans",
    "open sans": "noto-sans",
    "roboto": "noto-sans",
    "sans-serif": "noto-sans",
    "system-ui": "noto-sans",
    "times new roman": "noto-serif",
    "times": "noto-serif",
    "georgia": "noto-serif",
    "garamond": "eb-garamond",
    "serif": "noto-serif",
    "cursive": "dancing-script",
    "pacifico": "dancing-script",
    "great vibes": "dancing-script",
    "lobster": "lobster-two",
    "oswald": "bebas-neue",
    "anton": "bebas-neue",
    "impact": "bebas-neue",
}

_TYPES = {
    "rect": "rect",
    "circle": "circle",
    "ellipse": "ellipse",
    "line": "line",
    "triangle": "triangle",
    "polygon": "polygon",
    "polyline": "polyline",
    "path": "path",
    "text": "text",
    "fabrictext": "text",
    "i-text": "i-text",
    "itext": "i-text",
    "textbox": "textbox",
    "image": "image",
    "fabricimage": "image",
    "group": "group",
}
_TEXT_TYPES = {"text", "i-text", "textbox"}
_ORIGINS = {"left": -0.5, "top": -0.5, "center": 0.0, "right": 0.5, "bottom": 0.5}
_ALIGNS = {"left": "left", "center": "center", "right": "right", "start": "left", "end": "right"}
# Fabric's justify values -> how the last line of a paragraph aligns ('justify' stretches it too)
_JUSTIFY = {"justify": "justify", "justify-left": "left", "justify-center": "center", "justify-right": "right"}
# per-character style properties accepted when they equal the object's own value, with Fabric's defaults
_STYLE_SAME: dict[str, Any] = {
    "fontSize": 40,
    "stroke": None,
    "strokeWidth": 1,
    "deltaY": 0,
    "textDecorationThickness": 66.667,
}
_MAX_STYLED_CHARS = 200_000  # per text object: style ranges may not add up to more characters than this

# Properties that change how an object prints, with the values we can honour. Anything else is an error.
_DEFAULTS_ALL: dict[str, tuple[Any, ...]] = {
    "globalCompositeOperation": ("source-over", None),
    "strokeUniform": (False, None),
    "strokeDashOffset": (0, None),
}
_DEFAULTS_TEXT: dict[str, tuple[Any, ...]] = {
    "path": (None,),
    "direction": ("ltr", None),
    "pathStartOffset": (0, None),
    "strokeDashArray": (None, []),
}
_DEFAULTS_IMAGE: dict[str, tuple[Any, ...]] = {"stroke": (None, "")}
_DEFAULTS_GROUP: dict[str, tuple[Any, ...]] = {}
# Fabric's Text.offsets (fractions of fontSize from the baseline) and where the thickness is anchored
_DECORATIONS = {"underline": (0.1, 0.0), "linethrough": (-0.28167, 0.5), "overline": (-0.81333, 1.0)}
_MAX_FLIP_PIXELS = 40_000_000  # mirrored / filtered images are rewritten in memory
_CANVAS_UNSUPPORTED = ("overlay",)


@dataclass(frozen=True)
class FabricOptions:
    """How a Fabric canvas lands on a template.

    ``canvas_size`` is the editor canvas in px (``toJSON()`` does not record it); ``covers`` says whether
    that canvas is the trim box or the bleed box. ``font_map`` maps lower-case Fabric family names to
    bundled family ids; ``font_fallback`` (a family id) is used for unknown families instead of an error
    and reported in :attr:`FabricImport.notes`.
    """

    canvas_size: tuple[float, float] | None = None  # overrides the request's "canvas"
    covers: Covers | None = None  # overrides the request's "canvas_covers"; default "trim"
    font_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FONT_MAP))
    font_fallback: str | None = None
    aspect_tolerance: float = 0.01


@dataclass(frozen=True)
class FabricImport:
    design: Design
    notes: tuple[str, ...]  # e.g. fallback fonts used: for preflight / the API response
    sources: tuple[str, ...]  # per native layer, the Fabric object it came from ("objects[2].objects[0]")
    # per Fabric text object ("fabric.objects[3]"), its lines as laid out — also for text drawn as outlines
    text_lines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def is_fabric(data: Any) -> bool:
    """Fabric canvas JSON (bare, or wrapped as ``{"canvas": …, "fabric": …}``) rather than a native design."""
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("fabric"), dict):
        return True
    return isinstance(data.get("objects"), list) and "layers" not in data and data.get("version") != 1


def import_fabric(
    data: Any,
    template: Template,
    fonts: FontCatalog,
    asset_dir: Path,
    options: FabricOptions | None = None,
) -> FabricImport:
    """Translate Fabric JSON into a native design for ``template``.

    ``data`` is either ``canvas.toJSON()`` output (then ``options.canvas_size`` is required) or the request
    wrapper ``{"canvas": {"width": …, "height": …}, "fabric": <toJSON>, "canvas_covers": "trim"|"bleed"}``.
    Images given as data URLs are written into ``asset_dir`` (the design's base directory for rendering);
    ``asset:<id>`` sources become ``asset_id`` references for the caller's asset loader.
    """
    opts = options or FabricOptions()
    if not isinstance(data, dict):
        raise DesignError("a Fabric design is a JSON object", field="design")
    canvas_size = opts.canvas_size
    covers = opts.covers
    root = data
    prefix = ""
    if isinstance(data.get("fabric"), dict):
        root = data["fabric"]
        prefix = "fabric."
        c = data.get("canvas")
        if c is not None:
            if not isinstance(c, dict):
                raise DesignError('canvas is {"width": px, "height": px}', field="canvas")
            if canvas_size is None:
                canvas_size = (_num(c, "width", None, "canvas"), _num(c, "height", None, "canvas"))
        cov = data.get("canvas_covers")
        if cov is not None and covers is None:
            if cov not in ("trim", "bleed"):
                raise DesignError("canvas_covers is 'trim' or 'bleed'", field="canvas_covers")
            covers = cov
    if canvas_size is None:
        raise DesignError(
            'Fabric\'s toJSON() has no canvas size: send {"canvas": {"width", "height"}, "fabric": …} '
            "or pass --canvas-size WxH",
            field="canvas",
        )
    covers = covers or "trim"
    cw, ch = canvas_size
    if not (cw > 0 and ch > 0):
        raise DesignError("canvas width and height must be positive", field="canvas")
    objects = root.get("objects")
    if not isinstance(objects, list):
        raise DesignError("Fabric JSON needs an 'objects' array", field=f"{prefix}objects")

    # canvas px -> trim mm: uniform scale; the canvas must have the target box's aspect ratio
    if covers == "bleed":
        ox, oy, tw, th = -template.bleed_mm, -template.bleed_mm, template.bleed_w, template.bleed_h
    else:
        ox, oy, tw, th = 0.0, 0.0, template.trim_w, template.trim_h
    k = tw / cw
    if abs(ch * k - th) > opts.aspect_tolerance * th:
        raise DesignError(
            f"canvas {cw:g}x{ch:g} px does not have the aspect ratio of the {covers} box of {template.id} "
            f"({tw:.1f} x {th:.1f} mm)",
            field="canvas",
        )
    page = Matrix.scale(k).then(Matrix.translate(ox, oy))
    conv = _Converter(fonts, asset_dir, opts, k, page, f"{prefix}objects")

    for key in _CANVAS_UNSUPPORTED:
        if root.get(key) not in (None, "", False):
            raise DesignError(f"canvas {key} is not supported yet", field=f"{prefix}{key}")
    layers: list[dict[str, Any]] = []
    # the canvas clipPath (canvas space) clips the background colour, backgroundImage and objects — not the
    # overlayImage, which Fabric paints after applying it (StaticCanvas.renderCanvas)
    canvas_clip = root.get("clipPath")
    clips: tuple[_Clip, ...] = ((canvas_clip, f"{prefix}clipPath", Matrix()),) if canvas_clip else ()
    bg = root.get("background")
    if bg not in (None, ""):
        if not isinstance(bg, str):
            raise DesignError("only a flat background colour is supported", field=f"{prefix}background")
        hex_, alpha = _color(bg, f"{prefix}background")
        if hex_ is not None and alpha > 0:
            if alpha < 1:
                raise DesignError("a translucent canvas background is not supported", field=f"{prefix}background")
            if clips:  # a clipped background: a rect over the whole bleed box, in canvas px
                bx, by = (-template.bleed_mm - ox) / k, (-template.bleed_mm - oy) / k
                bw_px, bh_px = template.bleed_w / k, template.bleed_h / k
                rect = {"type": "rect", "width": bw_px, "height": bh_px, "fill": hex_, "strokeWidth": 0}
                centre = Matrix.translate(bx + bw_px / 2, by + bh_px / 2)
                conv._vector(rect, f"{prefix}background", "rect", centre, 1.0, layers, False, clips)
            else:
                conv.add(layers, {"type": "background", "color": hex_}, f"{prefix}background")
    # Fabric paints: background colour, backgroundImage, objects, overlayImage (any Fabric object)
    if root.get("backgroundImage"):
        conv.object(root["backgroundImage"], f"{prefix}backgroundImage", Matrix(), 1.0, layers, clips=clips)
    for i, obj in enumerate(objects):  # matrices stay in canvas px
        conv.object(obj, f"{prefix}objects[{i}]", Matrix(), 1.0, layers, clips=clips)
    if root.get("overlayImage"):
        conv.object(root["overlayImage"], f"{prefix}overlayImage", Matrix(), 1.0, layers)
    design_json = {"version": 1, "template": template.id, "layers": layers}
    try:
        design = parse_design(design_json)
    except DesignError as exc:  # a bug in the mapping or a value out of the native range: name the object
        where = conv.origin_of(exc.field)
        raise DesignError(exc.message, field=where) from None
    return FabricImport(design, tuple(conv.notes), tuple(conv.layer_origin), dict(conv.text_lines))


# --------------------------------------------------------------------------------------------- helpers


def _num(obj: Mapping[str, Any], key: str, default: float | None, where: str) -> float:
    v = obj.get(key, default)
    if v is None and default is not None:
        v = default
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise DesignError("must be a finite number", field=f"{where}.{key}")
    return float(v)


_RGB_FN = re.compile(
    r"^rgba?\(\s*([\d.]+%?)\s*[, ]\s*([\d.]+%?)\s*[, ]\s*([\d.]+%?)\s*(?:[,/]\s*([\d.]+%?)\s*)?\)$", re.I
)


def _color(value: Any, where: str) -> tuple[str | None, float]:
    """A CSS colour -> ('#rrggbb' or None for none/transparent, alpha 0..1)."""
    if value is None or value == "" or (isinstance(value, str) and value.strip().lower() in ("transparent", "none")):
        return None, 0.0
    if not isinstance(value, str):
        raise DesignError("gradients and patterns are not supported yet; use a flat colour", field=where)
    s = value.strip()
    m = _RGB_FN.match(s)
    try:
        if m:
            ch = [float(p[:-1]) * 2.55 if p.endswith("%") else float(p) for p in m.groups()[:3]]
            a = m.group(4)
            alpha = 1.0 if a is None else (float(a[:-1]) / 100 if a.endswith("%") else float(a))
            r, g, b = (max(0, min(255, round(c))) for c in ch)
        else:
            rgba = ImageColor.getrgb(s)
            r, g, b = rgba[:3]
            alpha = rgba[3] / 255 if len(rgba) == 4 else 1.0
    except ValueError:
        raise DesignError("not a CSS colour Fabric understands", field=where) from None
    return f"#{r:02x}{g:02x}{b:02x}", max(0.0, min(1.0, alpha))


def _fmt(v: float) -> str:
    return f"{v:.6g}"


#: A clipPath that applies to an object: (the clip object, its field, the canvas matrix of the object that
#: owns it — the object itself or one of its groups).
_Clip = tuple[Any, str, Matrix]


@dataclass(frozen=True)
class _Decomposed:
    """A matrix without skew: centre, rotation (degrees, clockwise), axis scales, and a mirror flag."""

    cx: float
    cy: float
    angle: float
    sx: float
    sy: float
    mirrored: bool  # det < 0: mirrored along the object's local y axis after rotation by ``angle``


def _decompose(m: Matrix) -> _Decomposed | None:
    sx, sy = math.hypot(m.a, m.b), math.hypot(m.c, m.d)
    if sx == 0 or sy == 0:
        return None
    if abs(m.a * m.c + m.b * m.d) > 1e-9 * sx * sy:  # columns not orthogonal: skewed
        return None
    det = m.a * m.d - m.b * m.c
    return _Decomposed(m.e, m.f, math.degrees(math.atan2(m.b, m.a)), sx, sy, det < 0)


def _cubic_bounds(
    x0: float, y0: float, x1: float, y1: float, x2: float, y2: float, x3: float, y3: float
) -> list[tuple[float, float]]:
    """Fabric's getBoundsOfCurve: end points plus the curve's extrema."""
    pts = [(x0, y0), (x3, y3)]
    for p0, p1, p2, p3 in ((x0, x1, x2, x3), (y0, y1, y2, y3)):
        a = -3 * p0 + 9 * p1 - 9 * p2 + 3 * p3
        b = 6 * p0 - 12 * p1 + 6 * p2
        c = 3 * p1 - 3 * p0
        ts: list[float] = []
        if abs(a) < 1e-12:
            if abs(b) > 1e-12:
                ts.append(-c / b)
        else:
            disc = b * b - 4 * c * a
            if disc >= 0:
                sq = math.sqrt(disc)
                ts += [(-b + sq) / (2 * a), (-b - sq) / (2 * a)]
        for t in ts:
            if 0 < t < 1:
                mt = 1 - t
                pts.append(
                    (
                        mt**3 * x0 + 3 * mt * mt * t * x1 + 3 * mt * t * t * x2 + t**3 * x3,
                        mt**3 * y0 + 3 * mt * mt * t * y1 + 3 * mt * t * t * y2 + t**3 * y3,
                    )
                )
    return pts


def _path_bounds(cmds: list[list[Any]]) -> tuple[float, float, float, float]:
    """Fabric 6's Path._calcBoundsFromPath, quirks included (it decides where the path is placed)."""
    pts: list[tuple[float, float]] = []
    sx = sy = x = y = 0.0
    for c in cmds:
        op = c[0]
        if op == "L":
            x, y = c[1], c[2]
            pts += [(sx, sy), (x, y)]
        elif op == "M":
            x, y = c[1], c[2]
            sx, sy = x, y
        elif op == "C":
            pts += _cubic_bounds(x, y, c[1], c[2], c[3], c[4], c[5], c[6])
            x, y = c[5], c[6]
        elif op == "Q":
            pts += _cubic_bounds(x, y, c[1], c[2], c[1], c[2], c[3], c[4])
            x, y = c[3], c[4]
        elif op == "Z":
            x, y = sx, sy
    if not pts:
        return 0.0, 0.0, 0.0, 0.0
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


@dataclass(frozen=True)
class _CharStyle:
    """What Fabric paints one character with (object properties with its per-character style applied)."""

    fill: str | None
    fill_alpha: float
    family: str
    weight: int
    style: str
    underline: bool
    linethrough: bool
    overline: bool
    bg: str | None
    bg_alpha: float


_WEIGHTS = {"normal": 400, "bold": 700, "lighter": 300, "bolder": 700}


def _font_weight(raw: Any, where: str) -> int:
    try:
        weight = _WEIGHTS[raw] if isinstance(raw, str) and raw in _WEIGHTS else int(raw)
    except (TypeError, ValueError, OverflowError):
        weight = 0
    if isinstance(raw, bool) or not 100 <= weight <= 900:
        raise DesignError("fontWeight is normal, bold or 100..900", field=where)
    return weight


def _font_style(raw: Any, where: str) -> str:
    if not (raw is None or isinstance(raw, str)) or raw not in ("normal", "italic", "oblique", "", None):
        raise DesignError("fontStyle is normal or italic", field=where)
    return "italic" if raw in ("italic", "oblique") else "normal"


def _segments(
    block: TextBlock, line: TextLine, chars: list[_CharStyle], key: Any, trailing_mm: float
) -> list[tuple[float, float, Any]]:
    """Split a laid-out (unrotated) line into runs of characters with equal ``key(style)``: (x0, x1, key) in
    page mm. A run spans from its first character's glyph to the next run's; the last ends at the line's
    end less ``trailing_mm`` (Fabric leaves the last character's charSpacing out of a decoration)."""
    start, end = line.start, line.start + len(line.text)
    lefts: dict[int, float] = {}
    for g in block.glyphs:
        if start <= g.cluster < end:
            lefts[g.cluster] = min(g.matrix.e, lefts.get(g.cluster, g.matrix.e))
    idx = sorted(lefts)
    if not idx:
        return []
    runs: list[tuple[float, float, Any]] = []
    cur, x0 = key(chars[idx[0]]), lefts[idx[0]]
    for i in idx[1:]:
        k = key(chars[i])
        if k != cur:
            runs.append((x0, lefts[i], cur))
            cur, x0 = k, lefts[i]
    runs.append((x0, line.x_mm + line.width_mm - trailing_mm, cur))
    return runs


def _local_bounds(
    ink: list[VPath], to_local: Matrix, pad: float, w: float, h: float
) -> tuple[float, float, float, float]:
    """x0, y0, x1, y1 in an object's local px covering its ink (page mm paths) and its own box, padded."""
    xs, ys = [-w / 2, w / 2], [-h / 2, h / 2]
    for p in ink:
        b = p.transformed(to_local).bounds()
        if b is not None:
            xs += [b.x, b.x1]
            ys += [b.y, b.y1]
    return min(xs) - pad - 1, min(ys) - pad - 1, max(xs) + pad + 1, max(ys) + pad + 1


def _without_images(children: list[Any], shadows: bool = False) -> bool:
    """No image anywhere in these group children (an image cannot join a group's single svg layer); with
    ``shadows``, no shadow either (Fabric does not cache a group whose children cast shadows)."""
    for c in children:
        if not isinstance(c, dict):
            return False
        t = c.get("type")
        if not isinstance(t, str) or _TYPES.get(t.lower()) == "image":
            return False
        if shadows and c.get("shadow"):
            return False
        sub = c.get("objects")
        if _TYPES.get(t.lower()) == "group" and (not isinstance(sub, list) or not _without_images(sub, shadows)):
            return False
    return True


def _has_styles(styles: Any) -> bool:
    """Per-character styles: Fabric 6 writes [{start, end, style}], Fabric 5 {line: {char: style}}."""
    if not styles:
        return False
    if isinstance(styles, list):
        return any(not isinstance(s, dict) or s.get("style") for s in styles)
    if isinstance(styles, dict):
        return any(not isinstance(line, dict) or any(line.values()) for line in styles.values())
    return True


_PATH_ARITY = {"M": 2, "L": 2, "C": 6, "Q": 4, "Z": 0}


def _path_d(cmds: Any, where: str) -> str:
    if not isinstance(cmds, list) or not cmds:
        raise DesignError("a path needs a non-empty command array", field=where)
    out = []
    for j, c in enumerate(cmds):
        if not isinstance(c, list) or not c or not isinstance(c[0], str) or c[0] not in _PATH_ARITY:
            raise DesignError(
                "path commands must be absolute M, L, C, Q or Z arrays (as Fabric stores them)", field=f"{where}[{j}]"
            )
        args = c[1:]
        if len(args) != _PATH_ARITY[c[0]] or any(
            isinstance(a, bool) or not isinstance(a, int | float) or not math.isfinite(a) for a in args
        ):
            raise DesignError(f"'{c[0]}' takes {_PATH_ARITY[c[0]]} numbers", field=f"{where}[{j}]")
        out.append(c[0] + " ".join(_fmt(float(a)) for a in args))
    return " ".join(out)


def _points(obj: Mapping[str, Any], where: str) -> list[tuple[float, float]]:
    pts = obj.get("points")
    if not isinstance(pts, list) or len(pts) < 2:
        raise DesignError("needs at least two points", field=f"{where}.points")
    out = []
    for j, p in enumerate(pts):
        if not isinstance(p, dict):
            raise DesignError('a point is {"x": n, "y": n}', field=f"{where}.points[{j}]")
        out.append((_num(p, "x", None, f"{where}.points[{j}]"), _num(p, "y", None, f"{where}.points[{j}]")))
    return out


def _inverse(m: Matrix) -> Matrix:
    det = m.a * m.d - m.b * m.c
    if det == 0:
        raise ValueError("singular matrix")
    a, b, c, d = m.d / det, -m.b / det, -m.c / det, m.a / det
    return Matrix(a, b, c, d, -(a * m.e + c * m.f), -(b * m.e + d * m.f))


_K = 0.5522847498  # cubic Bézier approximation of a quarter circle


def _ellipse_cmds(cx: float, cy: float, rx: float, ry: float) -> list[tuple[str, list[float]]]:
    kx, ky = rx * _K, ry * _K
    return [
        ("M", [cx + rx, cy]),
        ("C", [cx + rx, cy + ky, cx + kx, cy + ry, cx, cy + ry]),
        ("C", [cx - kx, cy + ry, cx - rx, cy + ky, cx - rx, cy]),
        ("C", [cx - rx, cy - ky, cx - kx, cy - ry, cx, cy - ry]),
        ("C", [cx + kx, cy - ry, cx + rx, cy - ky, cx + rx, cy]),
        ("Z", []),
    ]


def _rect_cmds(w: float, h: float, rx: float, ry: float) -> list[tuple[str, list[float]]]:
    x0, y0, x1, y1 = -w / 2, -h / 2, w / 2, h / 2
    rx, ry = min(max(rx, 0.0), w / 2), min(max(ry, 0.0), h / 2)
    if not rx or not ry:
        return [("M", [x0, y0]), ("L", [x1, y0]), ("L", [x1, y1]), ("L", [x0, y1]), ("Z", [])]
    kx, ky = rx * _K, ry * _K
    return [
        ("M", [x0 + rx, y0]),
        ("L", [x1 - rx, y0]),
        ("C", [x1 - rx + kx, y0, x1, y0 + ry - ky, x1, y0 + ry]),
        ("L", [x1, y1 - ry]),
        ("C", [x1, y1 - ry + ky, x1 - rx + kx, y1, x1 - rx, y1]),
        ("L", [x0 + rx, y1]),
        ("C", [x0 + rx - kx, y1, x0, y1 - ry + ky, x0, y1 - ry]),
        ("L", [x0, y0 + ry]),
        ("C", [x0, y0 + ry - ky, x0 + rx - kx, y0, x0 + rx, y0]),
        ("Z", []),
    ]


def _cmds_d(cmds: list[tuple[str, list[float]]], m: Matrix) -> str:
    out = []
    for op, args in cmds:
        pts = [m.apply((args[i], args[i + 1])) for i in range(0, len(args), 2)]
        out.append(op + " ".join(f"{_fmt(x)} {_fmt(y)}" for x, y in pts))
    return " ".join(out)


# ------------------------------------------------------------------------------------------- converter


class _Converter:
    def __init__(
        self, fonts: FontCatalog, asset_dir: Path, opts: FabricOptions, k: float, page: Matrix, root: str
    ) -> None:
        self.fonts = fonts
        self._page = page  # canvas px -> trim mm
        self.asset_dir = asset_dir
        self.opts = opts
        self.k = k  # mm per canvas px
        self.root = root
        self.notes: list[str] = []
        self.layer_origin: list[str] = []  # layer index -> Fabric object path
        self.n_assets = 0
        self.text_lines: dict[str, tuple[str, ...]] = {}
        self._force_svg = 0  # > 0 while translating a group composited as one svg: no native layers

    def origin_of(self, field: str | None) -> str:
        m = re.match(r"^layers\[(\d+)\](.*)$", field or "")
        if m and int(m.group(1)) < len(self.layer_origin):
            return self.layer_origin[int(m.group(1))]
        return field or self.root

    def add(self, layers: list[dict[str, Any]], layer: dict[str, Any], where: str) -> None:
        layers.append(layer)
        self.layer_origin.append(where)

    # -- objects

    def object(
        self,
        obj: Any,
        where: str,
        parent: Matrix,
        parent_opacity: float,
        layers: list[dict[str, Any]],
        in_group: bool = False,
        clips: tuple[_Clip, ...] = (),
    ) -> None:
        """Translate one object; ``clips`` are the clipPaths of the groups around it (outermost first)."""
        if not isinstance(obj, dict):
            raise DesignError("a Fabric object is a JSON object", field=where)
        raw_type = obj.get("type")
        kind = _TYPES.get(str(raw_type).lower()) if isinstance(raw_type, str) else None
        if kind is None:
            raise DesignError(
                f"unsupported Fabric object type; supported: {', '.join(sorted(set(_TYPES.values())))}",
                field=f"{where}.type",
            )
        if obj.get("visible", True) is False:
            return
        self._check_defaults(obj, where, _DEFAULTS_ALL)
        if kind in _TEXT_TYPES:
            self._check_defaults(obj, where, _DEFAULTS_TEXT)
        if kind == "image":
            self._check_defaults(obj, where, _DEFAULTS_IMAGE)
        if kind == "group":
            self._check_defaults(obj, where, _DEFAULTS_GROUP)
        opacity = parent_opacity * _num(obj, "opacity", 1.0, where)
        if not 0 <= opacity <= 1:
            raise DesignError("opacity must be between 0 and 1", field=f"{where}.opacity")
        m = self._matrix(obj, where, kind).then(parent)
        if opacity == 0:
            return
        has_bg = obj.get("backgroundColor") not in (None, "")
        if has_bg and kind not in _TEXT_TYPES and kind != "group":  # text: under its shadow; groups: below
            self._background_color(obj, where, kind, m, opacity, layers, in_group, clips)
        if kind == "group":
            children = obj.get("objects")
            if not isinstance(children, list):
                raise DesignError("a group needs an 'objects' array", field=f"{where}.objects")
            own = obj.get("clipPath")
            inner = (*clips, (own, f"{where}.clipPath", m)) if own else clips
            own_opacity = _num(obj, "opacity", 1.0, where)
            cached = not in_group or bool(own)  # Fabric (in a browser) caches top-level and clipped groups
            shadow = obj.get("shadow")
            if shadow and not (cached and not self._force_svg and _without_images(children, shadows=True)):
                raise DesignError(
                    "a shadow on a group is supported on a top-level group of vector objects and text without "
                    "shadows of their own",
                    field=f"{where}.shadow",
                )
            if (own_opacity < 1 or shadow) and cached and not self._force_svg and _without_images(children):
                # Fabric draws a cached group into its cache, then the cache with the group's opacity:
                # overlapping children do not show through each other. One svg layer composites the same way.
                # (Groups inside it are drawn child by child into that cache: each child takes their opacity.)
                self._group_as_one_svg(obj, children, where, m, parent_opacity, own_opacity, layers, in_group, clips)
                return
            if own_opacity < 1 and cached and not self._force_svg and len(children) > 1:
                self.notes.append(
                    f"{where}.opacity: applied to each child (the group holds an image); where children overlap "
                    "they show through each other, unlike Fabric"
                )
            if has_bg:
                self._background_color(obj, where, kind, m, opacity, layers, in_group, clips)
            for j, child in enumerate(children):
                self.object(child, f"{where}.objects[{j}]", m, opacity, layers, in_group=True, clips=inner)
        elif kind in _TEXT_TYPES:
            self._text(obj, where, kind, m, opacity, layers, in_group, clips)
        elif kind == "image":
            self._image(obj, where, m, opacity, layers, clips)
        else:
            self._vector(obj, where, kind, m, opacity, layers, in_group, clips)

    def _group_as_one_svg(
        self,
        obj: Mapping[str, Any],
        children: list[Any],
        where: str,
        m: Matrix,
        parent_opacity: float,
        own_opacity: float,
        layers: list[dict[str, Any]],
        in_group: bool,
        clips: tuple[_Clip, ...],
    ) -> None:
        """A translucent group of vector objects and text as one ``svg`` layer with the group's opacity: its
        backgroundColor and children are translated as svg layers without the group's opacity and merged."""
        own = obj.get("clipPath")
        inner = (*clips, (own, f"{where}.clipPath", m)) if own else clips
        sub: list[dict[str, Any]] = []
        start = len(self.layer_origin)
        self._force_svg += 1
        try:
            if obj.get("backgroundColor") not in (None, ""):  # clipped by the group's own clipPath too
                self._background_color(obj, where, "group", m, 1.0, sub, in_group, clips)
            for j, child in enumerate(children):
                self.object(child, f"{where}.objects[{j}]", m, 1.0, sub, in_group=True, clips=inner)
        finally:
            self._force_svg -= 1
        origins = self.layer_origin[start:]
        del self.layer_origin[start:]
        if not sub:
            return
        if any(layer.get("type") != "svg" for layer in sub):  # cannot happen without images; stay correct
            for layer, origin in zip(sub, origins, strict=True):
                layer["opacity"] = round(layer.get("opacity", 1.0) * parent_opacity * own_opacity, 6)
                self.add(layers, layer, origin)
            return
        merged = self._merge_svgs(sub)
        merged["opacity"] = round(parent_opacity * own_opacity, 6)
        shadow = obj.get("shadow")
        if shadow:  # Fabric draws the group's cache with the shadow: the whole group casts it
            vb = re.match(r'^<svg [^>]*viewBox="([^"]+)"', merged["svg"])
            assert vb is not None
            x, y, w, h = (float(v) for v in vb.group(1).split())
            inner_svg = merged["svg"][merged["svg"].index(">") + 1 : merged["svg"].rindex("</svg>")]
            sh = self._local_svg(inner_svg, (x, y, x + w, y + h), Matrix(), where, 1.0, (), shadow, scale_of=m)
            sh["opacity"] = merged["opacity"]
            self.add(layers, sh, f"{where}.shadow")
        self.add(layers, merged, f"{where}.objects")

    def _merge_svgs(self, sub: list[dict[str, Any]]) -> dict[str, Any]:
        """svg layers whose viewBoxes are in canvas px, as one svg layer (ids made unique per part)."""
        boxes = []
        parts = []
        for n, layer in enumerate(sub):
            svg = layer["svg"]
            vb = re.match(r'^<svg [^>]*viewBox="([^"]+)"', svg)
            assert vb is not None
            x, y, w, h = (float(v) for v in vb.group(1).split())
            boxes.append((x, y, x + w, y + h))
            inner = svg[svg.index(">") + 1 : svg.rindex("</svg>")]
            inner = re.sub(r'id="([^"]+)"', rf'id="g{n}-\1"', inner)
            inner = re.sub(r"url\(#([^)]+)\)", rf"url(#g{n}-\1)", inner)
            op = layer.get("opacity", 1.0)
            parts.append(f'<g opacity="{_fmt(op)}">{inner}</g>' if op < 1 else inner)
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_fmt(x0)} {_fmt(y0)} {_fmt(x1 - x0)} {_fmt(y1 - y0)}">'
            + "".join(parts)
            + "</svg>"
        )
        p0 = self._page.apply((x0, y0))
        return {
            "type": "svg",
            "svg": svg,
            "box": {"x": p0[0], "y": p0[1], "width": (x1 - x0) * self.k, "height": (y1 - y0) * self.k},
            "fit": "stretch",
        }

    def _background_color(
        self,
        obj: Mapping[str, Any],
        where: str,
        kind: str,
        m: Matrix,
        opacity: float,
        layers: list[dict[str, Any]],
        in_group: bool,
        clips: tuple[_Clip, ...],
    ) -> None:
        """Fabric's ``_renderBackground``: a rect of (width + strokeWidth) x (height + strokeWidth) centred on
        the object, under it, clipped with it. It casts the object's shadow only when the object is drawn
        through its own cache (top level), together with the object: supported for text, an error otherwise."""
        if obj.get("shadow") and kind not in _TEXT_TYPES:
            raise DesignError(
                "backgroundColor together with a shadow is not supported", field=f"{where}.backgroundColor"
            )
        w, h = self._dims(obj, where, kind)
        sw = _num(obj, "strokeWidth", 1.0 if kind != "group" else 0.0, where)
        if w + sw <= 0 or h + sw <= 0:
            return
        rect = {
            "type": "rect",
            "width": w + sw,
            "height": h + sw,
            "fill": obj["backgroundColor"],
            "strokeWidth": 0,
            "clipPath": obj.get("clipPath"),  # Fabric clips the object's cache, background included
        }
        if isinstance(rect["fill"], dict):
            raise DesignError("backgroundColor is a CSS colour", field=f"{where}.backgroundColor")
        _color(rect["fill"], f"{where}.backgroundColor")  # names the field on a bad colour
        self._vector(rect, f"{where}.backgroundColor", "rect", m, opacity, layers, in_group, clips)

    def _check_defaults(self, obj: Mapping[str, Any], where: str, table: Mapping[str, tuple[Any, ...]]) -> None:
        for key, ok in table.items():
            if key in obj and obj[key] not in ok:
                raise DesignError(f"'{key}' is not supported yet", field=f"{where}.{key}")

    def _dims(self, obj: Mapping[str, Any], where: str, kind: str) -> tuple[float, float]:
        if kind == "circle":
            r = _num(obj, "radius", 0.0, where)
            return 2 * r, 2 * r
        if kind == "ellipse":
            return 2 * _num(obj, "rx", 0.0, where), 2 * _num(obj, "ry", 0.0, where)
        return _num(obj, "width", 0.0, where), _num(obj, "height", 0.0, where)

    def _matrix(self, obj: Mapping[str, Any], where: str, kind: str) -> Matrix:
        """Object-local (centred) coordinates -> its parent's plane, as Fabric composes it."""
        w, h = self._dims(obj, where, kind)
        sw = _num(obj, "strokeWidth", 1.0 if kind != "group" else 0.0, where)
        sx, sy = _num(obj, "scaleX", 1.0, where), _num(obj, "scaleY", 1.0, where)
        if sx <= 0 or sy <= 0:
            raise DesignError("scale must be positive (Fabric mirrors with flipX / flipY)", field=f"{where}.scaleX")
        skx, sky = _num(obj, "skewX", 0.0, where), _num(obj, "skewY", 0.0, where)
        angle = _num(obj, "angle", 0.0, where)
        fx = -1.0 if obj.get("flipX") else 1.0
        fy = -1.0 if obj.get("flipY") else 1.0
        skew = Matrix(c=math.tan(math.radians(skx))) if skx else Matrix()
        skew = Matrix(b=math.tan(math.radians(sky))).then(skew) if sky else skew  # skewX · skewY
        # transformed size of the stroke-inclusive box (Fabric's _getTransformedDimensions)
        dim_x, dim_y = w + sw, h + sw
        if skx or sky:
            dm = skew.then(Matrix.scale(sx, sy))
            corners = [dm.apply((x, y)) for x in (-dim_x / 2, dim_x / 2) for y in (-dim_y / 2, dim_y / 2)]
            tw = max(p[0] for p in corners) - min(p[0] for p in corners)
            th = max(p[1] for p in corners) - min(p[1] for p in corners)
        else:
            tw, th = dim_x * sx, dim_y * sy
        oxv, oyv = self._origin(obj, "originX", where), self._origin(obj, "originY", where)
        left, top = _num(obj, "left", 0.0, where), _num(obj, "top", 0.0, where)
        rot = Matrix.rotate(angle)
        dx, dy = rot.apply((-oxv * tw, -oyv * th))
        cx, cy = left + dx, top + dy
        local = skew.then(Matrix.scale(sx * fx, sy * fy))
        return local.then(rot).then(Matrix.translate(cx, cy))

    def _origin(self, obj: Mapping[str, Any], key: str, where: str) -> float:
        v = obj.get(key, "left" if key == "originX" else "top")
        if isinstance(v, str) and v in _ORIGINS:
            return _ORIGINS[v]
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            return float(v) - 0.5  # Fabric accepts 0..1 as well
        raise DesignError("origin is left/center/right (top/center/bottom) or 0..1", field=f"{where}.{key}")

    # -- vector objects

    def _paint(self, obj: Mapping[str, Any], where: str) -> tuple[str | None, float, str | None, float, float]:
        """(fill, fill alpha, stroke, stroke alpha, stroke width); a gradient is ``url(#fill)``/``url(#stroke)``."""
        fill, fa = (
            ("url(#fill)", 1.0) if isinstance(obj.get("fill"), dict) else _color(obj.get("fill"), f"{where}.fill")
        )
        stroke, sa = (
            ("url(#stroke)", 1.0)
            if isinstance(obj.get("stroke"), dict)
            else _color(obj.get("stroke"), f"{where}.stroke")
        )
        sw = _num(obj, "strokeWidth", 1.0, where)
        if sw <= 0:
            stroke = None
        return fill, fa, stroke, sa, sw

    def _gradient(self, obj: Mapping[str, Any], key: str, where: str, w: float, h: float, pre: str) -> str:
        """A Fabric gradient as an SVG gradient in the object's local (centred) space.

        Fabric draws it in the object's top-left-based space: translate(-w/2 + offsetX, -h/2 + offsetY), then
        scale(w, h) for ``gradientUnits: percentage``, then ``gradientTransform``."""
        g = obj[key]
        at = f"{where}.{key}"
        kind = g.get("type")
        if kind not in ("linear", "radial"):
            raise DesignError("patterns are not supported yet; gradients are linear or radial", field=f"{at}.type")
        coords = g.get("coords")
        if not isinstance(coords, dict):
            raise DesignError("a gradient needs coords", field=f"{at}.coords")
        c = {n: _num(coords, n, 0.0, f"{at}.coords") for n in ("x1", "y1", "x2", "y2", "r1", "r2")}
        stops = g.get("colorStops")
        if not isinstance(stops, list) or not stops:
            raise DesignError("a gradient needs colorStops", field=f"{at}.colorStops")
        parsed = []
        for j, st in enumerate(stops):
            if not isinstance(st, dict):
                raise DesignError("a colour stop is {offset, color, opacity}", field=f"{at}.colorStops[{j}]")
            col, alpha = _color(st.get("color"), f"{at}.colorStops[{j}].color")
            alpha *= _num(st, "opacity", 1.0, f"{at}.colorStops[{j}]")
            off = _num(st, "offset", 0.0, f"{at}.colorStops[{j}]")
            parsed.append((min(max(off, 0.0), 1.0), col or "#000000", alpha if col else 0.0))
        parsed.sort(key=lambda t: t[0])
        ox = -w / 2 + _num(g, "offsetX", 0.0, at)
        oy = -h / 2 + _num(g, "offsetY", 0.0, at)
        tf = [pre, f"translate({_fmt(ox)} {_fmt(oy)})"]
        if g.get("gradientUnits") == "percentage":
            tf.append(f"scale({_fmt(w)} {_fmt(h)})")
        gt = g.get("gradientTransform")
        if gt:
            if not isinstance(gt, list) or len(gt) != 6:
                raise DesignError("gradientTransform is a 6-number matrix", field=f"{at}.gradientTransform")
            tf.append("matrix(" + " ".join(_fmt(_num({"v": v}, "v", None, at)) for v in gt) + ")")
        attrs = f'id="{key}" gradientUnits="userSpaceOnUse" gradientTransform="{" ".join(t for t in tf if t)}"'
        if kind == "linear":
            ends = " ".join(f'{n}="{_fmt(c[n])}"' for n in ("x1", "y1", "x2", "y2"))
            el = f"<linearGradient {attrs} {ends}>"
            end = "</linearGradient>"
        else:  # canvas: circle 1 (x1, y1, r1) -> circle 2 (x2, y2, r2); SVG: focal circle -> outer circle
            el = (
                f'<radialGradient {attrs} fx="{_fmt(c["x1"])}" fy="{_fmt(c["y1"])}" fr="{_fmt(c["r1"])}" '
                f'cx="{_fmt(c["x2"])}" cy="{_fmt(c["y2"])}" r="{_fmt(c["r2"])}">'
            )
            end = "</radialGradient>"
        body = "".join(
            f'<stop offset="{_fmt(o)}" stop-color="{col}" stop-opacity="{_fmt(a)}"/>' for o, col, a in parsed
        )
        return el + body + end

    def _vector(
        self,
        obj: Mapping[str, Any],
        where: str,
        kind: str,
        m: Matrix,
        opacity: float,
        layers: list[dict[str, Any]],
        in_group: bool = False,
        clips: tuple[_Clip, ...] = (),
    ) -> None:
        fill, fa, stroke, sa, sw = self._paint(obj, where)
        if kind == "line":
            fill = None  # Fabric strokes a line and never fills it
        if fill is None and stroke is None:
            return  # nothing visible (Fabric draws nothing either)
        if kind == "circle":
            start, end = _num(obj, "startAngle", 0.0, where), _num(obj, "endAngle", 360.0, where)
            if (end - start) % 360 != 0 or end == start:
                raise DesignError("circle arcs (startAngle/endAngle) are not supported yet", field=f"{where}.endAngle")
        native = None
        if not clips and not self._force_svg:
            native = self._native_shape(obj, where, kind, m, opacity, fill, fa, stroke, sa, sw)
        if native is not None:
            self.add(layers, native, where)
            return
        svg = self._svg_layer(obj, where, kind, m, opacity, fill, fa, stroke, sa, sw, in_group, clips)
        self.add(layers, svg, where)

    def _native_shape(
        self,
        obj: Mapping[str, Any],
        where: str,
        kind: str,
        m: Matrix,
        opacity: float,
        fill: str | None,
        fa: float,
        stroke: str | None,
        sa: float,
        sw: float,
    ) -> dict[str, Any] | None:
        """A native shape layer when it draws the same thing, else None (-> svg layer)."""
        if kind not in ("rect", "ellipse", "circle", "line"):
            return None
        if obj.get("strokeDashArray") or (obj.get("paintFirst", "fill") == "stroke" and stroke):
            return None
        if obj.get("clipPath") or obj.get("shadow"):
            return None  # clipped or shadowed: svg layer
        if any(c is not None and c.startswith("url(") for c in (fill, stroke)):
            return None  # gradients: svg layer
        alphas = {a for c, a in ((fill, fa), (stroke, sa)) if c is not None}
        if len(alphas) != 1:
            return None
        alpha = alphas.pop()
        dec = _decompose(m.then(Matrix.scale(self.k)))
        if dec is None:
            return None
        if stroke is not None and abs(dec.sx - dec.sy) > 1e-9 * max(dec.sx, dec.sy):
            return None  # a non-uniformly scaled stroke varies in width
        layer: dict[str, Any] = {"type": "shape", "opacity": round(opacity * alpha, 6)}
        if stroke is not None:
            layer["stroke"] = {"color": stroke, "width": sw * dec.sx / MM_PER_PT}
        if kind == "line":
            if stroke is None or obj.get("strokeLineCap", "butt") not in ("butt", None):
                return None
            x1, y1, x2, y2 = (_num(obj, key, 0.0, where) for key in ("x1", "y1", "x2", "y2"))
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            full = m.then(self._page)
            p0, p1 = full.apply((x1 - mx, y1 - my)), full.apply((x2 - mx, y2 - my))
            layer.update(shape="line", start={"x": p0[0], "y": p0[1]}, end={"x": p1[0], "y": p1[1]})
            return layer
        if stroke is not None and obj.get("strokeLineJoin", "miter") != "miter":
            return None  # native rect corners are mitred
        w, h = self._dims(obj, where, kind)
        if w <= 0 or h <= 0:
            return None
        pm = m.then(self._page)
        cx, cy = pm.e, pm.f
        bw, bh = w * dec.sx, h * dec.sy
        layer.update(
            shape="rect" if kind == "rect" else "ellipse",
            box={"x": cx - bw / 2, "y": cy - bh / 2, "width": bw, "height": bh},
            rotation=dec.angle,
        )
        if kind == "rect":
            rx, ry = _num(obj, "rx", 0.0, where), _num(obj, "ry", 0.0, where)
            if rx or ry:
                if abs(rx * dec.sx - ry * dec.sy) > 1e-6 or rx > w / 2 or ry > h / 2:
                    return None
                layer["corner_radius"] = rx * dec.sx
        if fill is not None:
            layer["fill"] = fill
        return layer

    def _svg_layer(
        self,
        obj: Mapping[str, Any],
        where: str,
        kind: str,
        m: Matrix,
        opacity: float,
        fill: str | None,
        fa: float,
        stroke: str | None,
        sa: float,
        sw: float,
        in_group: bool = False,
        clips: tuple[_Clip, ...] = (),
    ) -> dict[str, Any]:
        """The object's own geometry in an SVG document whose viewBox is its bounding box in canvas px."""
        w, h = self._dims(obj, where, kind)
        pre = ""  # the element's own transform, undone for gradients (Fabric's are in the centred space)
        if kind == "rect":
            rx, ry = _num(obj, "rx", 0.0, where), _num(obj, "ry", 0.0, where)
            el = f'<rect x="{_fmt(-w / 2)}" y="{_fmt(-h / 2)}" width="{_fmt(w)}" height="{_fmt(h)}"'
            if rx or ry:
                el += f' rx="{_fmt(rx)}" ry="{_fmt(ry)}"'
            local = [(-w / 2, -h / 2), (w / 2, h / 2)]
        elif kind in ("ellipse", "circle"):
            el = f'<ellipse cx="0" cy="0" rx="{_fmt(w / 2)}" ry="{_fmt(h / 2)}"'
            local = [(-w / 2, -h / 2), (w / 2, h / 2)]
        elif kind == "line":
            x1, y1, x2, y2 = (_num(obj, key, 0.0, where) for key in ("x1", "y1", "x2", "y2"))
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            local = [(x1 - mx, y1 - my), (x2 - mx, y2 - my)]
            el = (
                f'<line x1="{_fmt(local[0][0])}" y1="{_fmt(local[0][1])}" '
                f'x2="{_fmt(local[1][0])}" y2="{_fmt(local[1][1])}"'
            )
        elif kind == "triangle":
            local = [(-w / 2, h / 2), (0.0, -h / 2), (w / 2, h / 2)]
            el = '<polygon points="' + " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in local) + '"'
        elif kind in ("polygon", "polyline"):
            pts = _points(obj, where)
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            pox, poy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
            local = [(x - pox, y - poy) for x, y in pts]
            el = f'<{kind} points="' + " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in local) + '"'
        else:  # path
            cmds = obj.get("path")
            d = _path_d(cmds, f"{where}.path")
            assert isinstance(cmds, list)
            bx, by, bw, bh = _path_bounds(cmds)
            pox, poy = bx + bw / 2, by + bh / 2
            local = [(bx - pox, by - poy), (bx + bw - pox, by + bh - poy)]
            el = f'<path transform="translate({_fmt(-pox)} {_fmt(-poy)})" d="{d}"'
            pre = f"translate({_fmt(pox)} {_fmt(poy)})"
            # path points beyond Fabric's (quirky) bounds are still drawn: widen the viewBox with all points
            nums = [c[1:] for c in cmds if len(c) > 1]
            local += [(float(a[i]) - pox, float(a[i + 1]) - poy) for a in nums for i in range(0, len(a) - 1, 2)]
        paint = [
            f'fill="{fill}"' if fill else 'fill="none"',
            f'fill-opacity="{_fmt(fa)}"' if fill and fa < 1 else "",
            f'fill-rule="{"evenodd" if obj.get("fillRule") == "evenodd" else "nonzero"}"',
        ]
        if stroke:
            cap = obj.get("strokeLineCap") or "butt"
            join = obj.get("strokeLineJoin") or "miter"
            if cap not in ("butt", "round", "square") or join not in ("miter", "round", "bevel"):
                raise DesignError("unknown strokeLineCap / strokeLineJoin", field=f"{where}.strokeLineJoin")
            paint += [
                f'stroke="{stroke}"',
                f'stroke-width="{_fmt(sw)}"',
                f'stroke-opacity="{_fmt(sa)}"' if sa < 1 else "",
                f'stroke-linecap="{cap}"',
                f'stroke-linejoin="{join}"',
                f'stroke-miterlimit="{_fmt(_num(obj, "strokeMiterLimit", 4.0, where))}"',
            ]
            dash = obj.get("strokeDashArray")
            if dash:
                if not isinstance(dash, list) or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in dash
                ):
                    raise DesignError("strokeDashArray is a list of lengths", field=f"{where}.strokeDashArray")
                paint.append(f'stroke-dasharray="{" ".join(_fmt(float(v)) for v in dash)}"')
            if obj.get("paintFirst") == "stroke":
                paint.append('paint-order="stroke"')
        # bounding box in canvas px: geometry corners through the matrix, padded for the stroke
        corners = [
            (x, y)
            for x in (min(p[0] for p in local), max(p[0] for p in local))
            for y in (min(p[1] for p in local), max(p[1] for p in local))
        ]
        tp = [m.apply(p) for p in corners]
        scale = max(math.hypot(m.a, m.b), math.hypot(m.c, m.d))
        pad = (sw * scale * max(2.0, _num(obj, "strokeMiterLimit", 4.0, where)) if stroke else 0.0) + 1.0
        x0 = min(p[0] for p in tp) - pad
        y0 = min(p[1] for p in tp) - pad
        x1 = max(p[0] for p in tp) + pad
        y1 = max(p[1] for p in tp) + pad
        tm = f"matrix({' '.join(_fmt(v) for v in (m.a, m.b, m.c, m.d, m.e, m.f))})"
        defs = "".join(
            self._gradient(obj, key, where, w, h, pre)
            for key, val in (("fill", fill), ("stroke", stroke))
            if val is not None and val.startswith("url(")
        )
        body = f"{el} {' '.join(p for p in paint if p)}/>"
        lx = [q[0] for q in local]
        ly = [q[1] for q in local]
        grow = (sw if stroke else 0.0) * max(2.0, _num(obj, "strokeMiterLimit", 4.0, where)) + 1.0
        outer = (min(lx) - grow, min(ly) - grow, max(lx) + grow, max(ly) + grow)
        all_clips = list(clips)
        if obj.get("clipPath"):
            all_clips.append((obj["clipPath"], f"{where}.clipPath", m))
        clip_ids = []
        for n, (clip, cwhere, owner) in enumerate(all_clips):
            to_local = self._to_local(owner, m, cwhere)  # the owner's canvas matrix -> this object's local space
            d = self._clip_path(clip, cwhere, owner, to_local, outer)
            cid = "clip" if n == len(all_clips) - 1 else f"clip{n}"
            defs += f'<clipPath id="{cid}" clipPathUnits="userSpaceOnUse"><path d="{d}"/></clipPath>'
            clip_ids.append(cid)
        clip = bool(clip_ids)

        def clipped(el_: str) -> str:
            for cid in reversed(clip_ids):
                el_ = f'<g clip-path="url(#{cid})">{el_}</g>'
            return el_

        body = clipped(body)
        body = f'<g transform="{tm}">{body}</g>'
        shadow = obj.get("shadow")
        if shadow:
            # Fabric (a canvas shadow) blurs and offsets in canvas space, scaled by the object's scaling;
            # an object drawn through its own cache (top level) casts the stroke's shadow too
            if not isinstance(shadow, dict):
                raise DesignError(
                    "shadow is a Fabric Shadow object {color, blur, offsetX, offsetY}", field=f"{where}.shadow"
                )
            sh_stroke = stroke is not None and (not in_group or bool(shadow.get("affectStroke")))
            if sh_stroke:
                sh_el = f"{el} {' '.join(p for p in paint if p)}/>"
            elif fill:
                sh_el = f"{el} {' '.join(p for p in paint if p and not p.startswith('stroke'))}/>"
            else:
                sh_el = ""
            if clip and sh_el:
                sh_el = clipped(sh_el)
            filt, grow = self._shadow(shadow, f"{where}.shadow", m)
            x0, y0, x1, y1 = x0 - grow, y0 - grow, x1 + grow, y1 + grow
            region = f'x="{_fmt(x0)}" y="{_fmt(y0)}" width="{_fmt(x1 - x0)}" height="{_fmt(y1 - y0)}"'
            defs += filt.replace("REGION", region)
            if sh_el:
                body = f'<g filter="url(#shadow)"><g transform="{tm}">{sh_el}</g></g>{body}'
        return self._svg_document_layer((x0, y0, x1, y1), defs, body, opacity)

    def _svg_document_layer(
        self, bounds: tuple[float, float, float, float], defs: str, body: str, opacity: float
    ) -> dict[str, Any]:
        """A native ``svg`` layer drawing ``body`` (canvas px, with ``defs``) over ``bounds`` (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = bounds
        defs = f"<defs>{defs}</defs>" if defs else ""
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_fmt(x0)} {_fmt(y0)} {_fmt(x1 - x0)} {_fmt(y1 - y0)}">'
            f"{defs}{body}</svg>"
        )
        p0 = self._page.apply((x0, y0))
        return {
            "type": "svg",
            "svg": svg,
            "box": {"x": p0[0], "y": p0[1], "width": (x1 - x0) * self.k, "height": (y1 - y0) * self.k},
            "fit": "stretch",
            "opacity": round(opacity, 6),
        }

    def _to_local(self, owner: Matrix, m: Matrix, where: str) -> Matrix:
        """Maps the clip owner's local space onward to ``m``'s local space (for :meth:`_clip_path`'s ``out``)."""
        if owner is m:
            return Matrix()
        try:
            return owner.then(_inverse(m))
        except ValueError:
            raise DesignError("the clipped object has no area", field=where) from None

    def _clip_path(
        self, clip: Any, where: str, m: Matrix, out: Matrix, outer: tuple[float, float, float, float]
    ) -> str:
        """A Fabric clipPath as SVG path data (nonzero) in ``out`` space (``out`` maps object-local px onward).
        ``inverted`` adds ``outer`` (x0, y0, x1, y1 in ``out`` space, covering the object) wound against the
        clip shape, so the shape becomes a hole under the nonzero rule (CairoSVG ignores ``clip-rule``).

        Fabric draws a clipPath in the object's centred local space, or — ``absolutePositioned`` — in canvas
        space; only its fill area counts (``forClipping``), but its strokeWidth still moves it."""
        if not isinstance(clip, dict):
            raise DesignError("a clipPath is a Fabric object", field=where)
        raw = clip.get("type")
        kind = _TYPES.get(str(raw).lower()) if isinstance(raw, str) else None
        if kind not in ("rect", "circle", "ellipse", "triangle", "polygon", "polyline", "path"):
            raise DesignError(
                "a clipPath is a rect, circle, ellipse, triangle, polygon, polyline or path", field=f"{where}.type"
            )
        if clip.get("clipPath"):
            raise DesignError("nested clipPaths are not supported", field=f"{where}.clipPath")
        w, h = self._dims(clip, where, kind)
        cmds: list[tuple[str, list[float]]]
        if kind == "rect":
            cmds = _rect_cmds(w, h, _num(clip, "rx", 0.0, where), _num(clip, "ry", 0.0, where))
        elif kind in ("circle", "ellipse"):
            cmds = _ellipse_cmds(0.0, 0.0, w / 2, h / 2)
        elif kind == "triangle":
            cmds = [("M", [-w / 2, h / 2]), ("L", [0.0, -h / 2]), ("L", [w / 2, h / 2]), ("Z", [])]
        elif kind in ("polygon", "polyline"):
            pts = _points(clip, where)
            xs, ys = [q[0] for q in pts], [q[1] for q in pts]
            pox, poy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
            cmds = [("M" if j == 0 else "L", [x - pox, y - poy]) for j, (x, y) in enumerate(pts)] + [("Z", [])]
        else:
            raw_cmds = clip.get("path")
            _path_d(raw_cmds, f"{where}.path")  # validates
            assert isinstance(raw_cmds, list)
            bx, by, bw, bh = _path_bounds(raw_cmds)
            pox, poy = bx + bw / 2, by + bh / 2
            cmds = [(c[0], [float(v) - (pox if i % 2 == 0 else poy) for i, v in enumerate(c[1:])]) for c in raw_cmds]
        cm = self._matrix(clip, where, kind)
        if clip.get("absolutePositioned"):
            try:
                cm = cm.then(_inverse(m))
            except ValueError:
                raise DesignError("the clipped object has no area", field=where) from None
        full = cm.then(out)
        d = _cmds_d(cmds, full)
        if clip.get("inverted"):
            pts = [full.apply((a[i], a[i + 1])) for _op, a in cmds for i in range(0, len(a), 2)]
            area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True))
            x0, y0, x1, y1 = outer
            ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            if area > 0:  # the shape runs clockwise (y down): the outer ring runs the other way
                ring.reverse()
            d = "M" + " L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in ring) + " Z " + d
        return d

    def _shadow(self, shadow: Any, where: str, m: Matrix) -> tuple[str, float]:
        """An SVG filter (id ``shadow``, region placeholder ``REGION``) casting Fabric's canvas shadow, and
        how far it reaches beyond the object, in canvas px.

        Fabric sets ``shadowBlur = blur · (scaleX + scaleY) / 2`` and ``shadowOffset = offset · scale`` with
        the object's total scaling (``getObjectScaling``); a canvas shadow is a Gaussian of σ = shadowBlur / 2
        in canvas space, so it does not turn with the object."""
        if not isinstance(shadow, dict):
            raise DesignError("shadow is a Fabric Shadow object {color, blur, offsetX, offsetY}", field=where)
        color, alpha = _color(shadow.get("color", "rgb(0,0,0)"), f"{where}.color")
        blur = _num(shadow, "blur", 0.0, where)
        sx = math.hypot(m.a, m.b)
        sy = (m.a * m.d - m.b * m.c) / sx if sx else 0.0
        if shadow.get("nonScaling"):
            sx, sy = 1.0, 1.0
        sigma = max(0.0, blur * (sx + sy) / 4)
        dx, dy = _num(shadow, "offsetX", 0.0, where) * sx, _num(shadow, "offsetY", 0.0, where) * sy
        if not all(math.isfinite(v) and abs(v) < 1e6 for v in (sigma, dx, dy)):
            raise DesignError("shadow blur and offsets must be reasonable numbers", field=where)
        if color is None or alpha <= 0:
            return '<filter id="shadow" filterUnits="userSpaceOnUse" REGION><feFlood flood-opacity="0"/></filter>', 0.0
        blur_el = f'<feGaussianBlur in="SourceAlpha" stdDeviation="{_fmt(sigma)}"/>' if sigma > 0 else ""
        src = "" if sigma > 0 else ' in="SourceAlpha"'
        filt = (
            '<filter id="shadow" filterUnits="userSpaceOnUse" REGION color-interpolation-filters="sRGB">'
            f'{blur_el}<feOffset{src} dx="{_fmt(dx)}" dy="{_fmt(dy)}" result="b"/>'
            f'<feFlood flood-color="{color}" flood-opacity="{_fmt(alpha)}"/><feComposite in2="b" operator="in"/>'
            "</filter>"
        )
        return filt, abs(dx) + abs(dy) + 3 * sigma + 1

    # -- text

    def _font_family(self, name: Any, where: str) -> str:
        if not isinstance(name, str) or not name.strip():
            raise FontError("fontFamily must be a non-empty string", field=f"{where}.fontFamily")
        for part in name.split(","):
            fam = part.strip().strip("'\"").strip()
            if not fam:
                continue
            mapped = self.opts.font_map.get(fam.lower())
            for candidate in (mapped, fam):
                if candidate is None:
                    continue
                try:
                    return self.fonts.family_id(candidate, field=f"{where}.fontFamily")
                except FontError:
                    continue
        if self.opts.font_fallback is not None:
            fid = self.fonts.family_id(self.opts.font_fallback, field="font_fallback")
            self.notes.append(f"{where}.fontFamily: no bundled font for this family; printed with {fid}")
            return fid
        raise FontError(
            "no bundled font for this family; map it in the Fabric font table or configure a fallback "
            "(render-engine fonts lists the bundled families)",
            field=f"{where}.fontFamily",
        )

    def _text(
        self,
        obj: Mapping[str, Any],
        where: str,
        kind: str,
        m: Matrix,
        opacity: float,
        layers: list[dict[str, Any]],
        in_group: bool = False,
        clips: tuple[_Clip, ...] = (),
    ) -> None:
        """Text as a native text layer (spans for per-character fill and face), with Fabric's text background,
        decorations, stroke and shadow around it. Clipped text (or stroked translucent text, which Fabric
        composites as one) is drawn as its laid-out outlines in one ``svg`` layer instead."""
        from .design import FontRef, TextLayer
        from .text.layout import layout_text

        text = obj.get("text")
        if not isinstance(text, str):
            raise DesignError("text must be a string", field=f"{where}.text")
        if not text.strip():
            return
        dec = _decompose(m.then(Matrix.scale(self.k)))
        # skewed, mirrored or non-uniformly scaled text has no native equivalent: it is laid out in its own
        # local px (1 px = 1 "mm", centred on the object) and drawn as outlines through the full matrix
        outlines_only = dec is None or dec.mirrored or abs(dec.sx - dec.sy) > 1e-6 * dec.sx
        s = 1.0 if outlines_only or dec is None else dec.sx  # layout mm per text px
        angle = 0.0 if outlines_only or dec is None else dec.angle
        wrap = kind == "textbox"
        fill, fa = _color(obj.get("fill"), f"{where}.fill")
        base = _CharStyle(
            fill,
            fa,
            self._font_family(obj.get("fontFamily", "Times New Roman"), where),
            _font_weight(obj.get("fontWeight", "normal"), f"{where}.fontWeight"),
            _font_style(obj.get("fontStyle", "normal"), f"{where}.fontStyle"),
            bool(obj.get("underline")),
            bool(obj.get("linethrough")),
            bool(obj.get("overline")),
            *_color(obj.get("textBackgroundColor"), f"{where}.textBackgroundColor"),
        )
        chars = self._char_styles(obj, where, text, base)
        stroke, sa = _color(obj.get("stroke"), f"{where}.stroke")
        sw = _num(obj, "strokeWidth", 1.0, where)
        if sw <= 0:
            stroke = None
        inked = [c for ch, c in zip(text, chars, strict=True) if not ch.isspace()]
        filled = [c for c in inked if c.fill is not None]
        if not filled and stroke is None and not any(c.bg for c in chars) and not obj.get("backgroundColor"):
            return  # nothing Fabric would draw
        if filled and len(filled) != len(inked):
            raise DesignError(
                "a transparent fill on some characters only is not supported", field=f"{where}.styles"
            )
        if len({c.fill_alpha for c in filled}) > 1:
            raise DesignError("per-character fill opacity is not supported", field=f"{where}.styles")
        color = base.fill or (filled[0].fill if filled else None)
        alpha = filled[0].fill_alpha if filled else 0.0

        align = obj.get("textAlign", "left")
        n_lines = text.count("\n") + 1
        align_last: str | None = None
        if isinstance(align, str) and align in _ALIGNS:
            native_align = _ALIGNS[align]
        elif isinstance(align, str) and align in _JUSTIFY:
            native_align, align_last = "justify", _JUSTIFY[align]
            if not wrap and n_lines == 1:  # one line of plain text: nothing to stretch, it is its own width
                native_align, align_last = ("left" if align == "justify" else align_last), None
            elif not wrap and align != "justify":
                raise DesignError(
                    f"'{align}' on multi-line {kind} (Fabric justifies every line but the last, across line "
                    "breaks) is not supported; use a textbox or 'justify'",
                    field=f"{where}.textAlign",
                )
        else:
            raise DesignError(
                f"textAlign must be one of {', '.join([*_ALIGNS, *_JUSTIFY])}", field=f"{where}.textAlign"
            )

        fs = _num(obj, "fontSize", 40.0, where)
        lh = _num(obj, "lineHeight", 1.16, where)
        cs = _num(obj, "charSpacing", 0.0, where)
        w, h = _num(obj, "width", 0.0, where), _num(obj, "height", 0.0, where)
        face = self.fonts.face(
            FontRef(family=base.family, weight=base.weight, style=base.style), field=f"{where}.fontFamily"
        )
        asc, desc, _gap = face.extents
        asc_px, desc_px = asc / face.upem * fs, desc / face.upem * fs
        pitch = fs * FONT_SIZE_MULT * lh
        # Fabric: first baseline = box top + fs·1.13·(1 - 0.222); native: top + pitch/2 + (asc - desc)/2
        top_local = -h / 2 + fs * FONT_SIZE_MULT * (1 - FONT_SIZE_FRACTION) - pitch / 2 - (asc_px - desc_px) / 2
        half_h = max(-top_local, pitch / 2)
        size_pt = fs * s / MM_PER_PT
        box_w = w if w > 0 else 1.0
        if not wrap and native_align != "justify":
            box_w = max(box_w, 1.0) * 1.5 + 2 * fs  # no wrapping: a generous box (alignment uses the centre)
        pm = Matrix() if outlines_only else m.then(self._page)  # object centre in layout coordinates
        bw, bh = box_w * s, 2 * half_h * s
        # Native text aligns within the box, so keep the box's left/right edge where Fabric's is.
        off = 0.0
        if not wrap and native_align == "left":
            off = (box_w - w) / 2 * s
        elif not wrap and native_align == "right":
            off = -(box_w - w) / 2 * s
        r = math.radians(angle)
        cx, cy = pm.e + off * math.cos(r), pm.f + off * math.sin(r)
        layer: dict[str, Any] = {
            "type": "text",
            "text": text,
            "font": {"family": base.family, "weight": base.weight, "style": base.style},
            "size": size_pt,
            "color": color or "#000000",
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
        spans = self._spans(chars, text, color, base, where)
        if spans:
            layer["spans"] = spans
        try:
            native = TextLayer.model_validate({**layer, "rotation": 0.0})
        except ValidationError as exc:
            raise DesignError(validation_error_to_design_error(exc).message, field=where) from None
        flat = layout_text(native, self.fonts, where)  # unrotated: decorations and backgrounds are measured here
        self.text_lines[where] = tuple(ln.text for ln in flat.lines)
        box = layer["box"]
        rot = Matrix.rotate(angle, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

        # what Fabric paints, in order, as (path in page mm before rotation, colour, alpha): text backgrounds,
        # underlines, [text], overlines and line-throughs (Text._render)
        fs_mm, spacing_mm = fs * s, cs / 1000 * fs * s
        thick_mm = fs_mm * _num(obj, "textDecorationThickness", 66.667, where) / 1000
        before: list[tuple[VPath, str, float, str]] = []
        after: list[tuple[VPath, str, float, str]] = []
        for line in flat.lines:
            for x0, x1, (bg, bg_alpha) in _segments(flat, line, chars, lambda c: (c.bg, c.bg_alpha), 0.0):
                if bg is not None and x1 > x0:
                    top = line.baseline_mm - fs_mm * FONT_SIZE_MULT * (1 - FONT_SIZE_FRACTION)
                    rect = VPath.rect(Rect(x0, top, x1 - x0, fs_mm * FONT_SIZE_MULT))
                    before.append((rect, bg, bg_alpha, "textBackgroundColor"))
        for kind_ in ("underline", "overline", "linethrough"):
            off_, aligner = _DECORATIONS[kind_]
            for line in flat.lines:
                segs = _segments(flat, line, chars, lambda c, k=kind_: (getattr(c, k), c.fill), spacing_mm)
                for x0, x1, (on, col) in segs:
                    if on and col is not None and x1 > x0:
                        y = line.baseline_mm + off_ * fs_mm - aligner * thick_mm
                        deco = (VPath.rect(Rect(x0, y, x1 - x0, thick_mm)), col, alpha, kind_)
                        (before if kind_ == "underline" else after).append(deco)

        # unrotated layout coordinates -> the object's local px
        to_local = Matrix() if outlines_only else rot.then(_inverse(m.then(self._page)))
        glyph_runs = (
            [(run.transformed(to_local), spans[k]["color"] if k >= 0 else color) for k, run in flat.color_runs]
            if filled
            else []
        )
        stroke_el = ""
        if stroke is not None:
            join = obj.get("strokeLineJoin") or "miter"
            cap = obj.get("strokeLineCap") or "butt"
            if cap not in ("butt", "round", "square") or join not in ("miter", "round", "bevel"):
                raise DesignError("unknown strokeLineCap / strokeLineJoin", field=f"{where}.strokeLineJoin")
            outline = flat.outline.transformed(to_local)
            stroke_el = (
                f'<path d="{outline.svg_d()}" fill="none" stroke="{stroke}" stroke-width="{_fmt(sw)}"'
                + (f' stroke-opacity="{_fmt(sa)}"' if sa < 1 else "")
                + f' stroke-linejoin="{join}" stroke-linecap="{cap}"'
                f' stroke-miterlimit="{_fmt(_num(obj, "strokeMiterLimit", 4.0, where))}"/>'
            )
        stroke_first = obj.get("paintFirst") == "stroke"

        def rects_el(items: list[tuple[VPath, str, float, str]]) -> str:
            return "".join(
                f'<path d="{p.transformed(to_local).svg_d()}" fill="{c}"'
                + (f' fill-opacity="{_fmt(a)}"' if a < 1 else "")
                + "/>"
                for p, c, a, _what in items
            )

        def glyphs_el() -> str:
            op = f' fill-opacity="{_fmt(alpha)}"' if alpha < 1 else ""
            return "".join(f'<path d="{p.svg_d()}" fill="{c}"{op}/>' for p, c in glyph_runs if not p.empty)

        def everything() -> str:
            body = (stroke_el + glyphs_el()) if stroke_first else (glyphs_el() + stroke_el)
            return rects_el(before) + body + rects_el(after)

        own_clip = obj.get("clipPath")
        all_clips = (*clips, (own_clip, f"{where}.clipPath", m)) if own_clip else clips
        ink = [flat.outline, *(p for p, *_rest in before + after)]
        bounds = _local_bounds(ink, to_local, (sw if stroke else 0.0) * 4, w, h)
        shadow = obj.get("shadow")
        obj_bg, obj_bg_alpha = _color(obj.get("backgroundColor"), f"{where}.backgroundColor")
        if shadow:
            if in_group:
                raise DesignError("a shadow on text inside a group is not supported", field=f"{where}.shadow")
            bg_el = ""
            if obj_bg is not None:  # Fabric's object background casts the shadow too (drawn in the cache)
                bx, by = (w + sw) / 2, (h + sw) / 2
                bounds = (min(bounds[0], -bx), min(bounds[1], -by), max(bounds[2], bx), max(bounds[3], by))
                bg_el = (
                    f'<rect x="{_fmt(-bx)}" y="{_fmt(-by)}" width="{_fmt(2 * bx)}" height="{_fmt(2 * by)}" '
                    f'fill="{obj_bg}" fill-opacity="{_fmt(obj_bg_alpha)}"/>'
                )
            sh = self._local_svg(bg_el + everything(), bounds, m, where, opacity, all_clips, shadow)
            self.add(layers, sh, f"{where}.shadow")
        if obj_bg is not None:
            self._background_color(obj, where, kind, m, opacity, layers, in_group, clips)
        if outlines_only or all_clips or self._force_svg or (stroke is not None and filled and opacity < 1):
            # one svg layer: Fabric clips (and composites a translucent object) as one picture
            self.add(layers, self._local_svg(everything(), bounds, m, where, opacity, all_clips), where)
            return

        def native_rects(items: list[tuple[VPath, str, float, str]]) -> None:
            for p, col, a, what in items:
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
                self.add(layers, rect, f"{where}.{what}")

        native_rects(before)
        stroke_layer = self._local_svg(stroke_el, bounds, m, where, opacity, ()) if stroke_el else None
        if stroke_layer is not None and stroke_first:
            self.add(layers, stroke_layer, f"{where}.stroke")
        if filled:
            self.add(layers, layer, where)
        if stroke_layer is not None and not stroke_first:
            self.add(layers, stroke_layer, f"{where}.stroke")
        native_rects(after)

    def _char_styles(self, obj: Mapping[str, Any], where: str, text: str, base: _CharStyle) -> list[_CharStyle]:
        """The style of every character (code point) of ``text``: ``base`` with Fabric's per-character
        ``styles`` applied — Fabric 6's ``[{start, end, style}]`` (indices count graphemes, line breaks
        not counted) or Fabric 5's ``{line: {char: style}}``."""
        from .text.shaping import grapheme_breaks

        out = [base] * len(text)
        styles = obj.get("styles")
        if not _has_styles(styles):
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
                start, end = int(_num(entry, "start", None, at)), int(_num(entry, "end", None, at))
                start, end = max(0, start), min(len(graphemes), end)
                if not isinstance(st, dict):
                    raise DesignError("a style is an object of text properties", field=f"{at}.style")
                delta = self._style_delta(obj, st, f"{at}.style", f"characters {start}-{end}", base)
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
                    delta = self._style_delta(obj, st, f"{at}.{ck}", f"line {lk}, character {ck}", base)
                    apply(*row[int(ck)], delta)
        else:
            raise DesignError("styles are [{start, end, style}] or {line: {char: style}}", field=f"{where}.styles")
        return out

    def _style_delta(
        self, obj: Mapping[str, Any], st: Mapping[str, Any], at: str, chars: str, base: _CharStyle
    ) -> dict[str, Any]:
        """One Fabric character style as changes to a :class:`_CharStyle`; properties that would need a
        different size, baseline or stroke per character are errors naming the characters."""
        delta: dict[str, Any] = {}
        for key, val in st.items():
            if key == "fill":
                delta["fill"], delta["fill_alpha"] = _color(val, f"{at}.fill")
            elif key == "fontWeight":
                delta["weight"] = _font_weight(val, f"{at}.fontWeight")
            elif key == "fontStyle":
                delta["style"] = _font_style(val, f"{at}.fontStyle")
            elif key == "fontFamily":
                delta["family"] = self._font_family(val, at)
            elif key in _DECORATIONS:
                delta[key] = bool(val)
            elif key == "textBackgroundColor":
                delta["bg"], delta["bg_alpha"] = _color(val, f"{at}.textBackgroundColor")
            elif key in _STYLE_SAME and (
                val == obj.get(key, _STYLE_SAME[key]) or (key == "stroke" and not val and not obj.get(key))
            ):
                continue  # the object's own value (editors often copy whole style objects): no change
            else:
                raise DesignError(
                    f"per-character '{key}' is not supported ({chars}); supported: fill, fontWeight, fontStyle, "
                    "fontFamily, underline, linethrough, overline, textBackgroundColor",
                    field=f"{at}.{key}",
                )
        return delta

    def _spans(
        self, chars: list[_CharStyle], text: str, color: str | None, base: _CharStyle, where: str
    ) -> list[dict[str, Any]]:
        """Native text spans for the characters whose fill or face differs from the layer's."""
        spans: list[dict[str, Any]] = []
        layer_key = (color, base.family, base.weight, base.style)
        prev: tuple[Any, ...] | None = None
        for i, (ch, c) in enumerate(zip(text, chars, strict=True)):
            key = (c.fill if c.fill is not None else color, c.family, c.weight, c.style)
            if ch == "\n" or key == layer_key:
                prev = None
                continue
            if key == prev:
                spans[-1]["end"] = i + 1
                continue
            span: dict[str, Any] = {"start": i, "end": i + 1}
            if key[0] != color:
                span["color"] = key[0]
            if key[1:] != layer_key[1:]:
                from .design import FontRef

                font = FontRef(family=c.family, weight=c.weight, style=c.style)
                self.fonts.face(font, field=f"{where}.styles")  # the bundled family must have this face
                span["font"] = {"family": c.family, "weight": c.weight, "style": c.style}
            spans.append(span)
            prev = key
        return spans

    def _local_svg(
        self,
        body: str,
        bounds: tuple[float, float, float, float],
        m: Matrix,
        where: str,
        opacity: float,
        clips: tuple[_Clip, ...],
        shadow: Any = None,
        scale_of: Matrix | None = None,
    ) -> dict[str, Any]:
        """An ``svg`` layer drawing ``body`` (SVG elements in the object's local px, ``bounds`` x0, y0, x1, y1
        covering them) through ``m``, inside ``clips``; with ``shadow``, only the shadow the body casts (scaled
        by ``scale_of``, default ``m``: Fabric scales blur and offsets by the object's total scaling)."""
        defs = ""
        ids = []
        for n, (clip, cwhere, owner) in enumerate(clips):
            d = self._clip_path(clip, cwhere, owner, self._to_local(owner, m, cwhere), bounds)
            defs += f'<clipPath id="clip{n}" clipPathUnits="userSpaceOnUse"><path d="{d}"/></clipPath>'
            ids.append(f"clip{n}")
        for cid in reversed(ids):
            body = f'<g clip-path="url(#{cid})">{body}</g>'
        body = f'<g transform="matrix({" ".join(_fmt(v) for v in (m.a, m.b, m.c, m.d, m.e, m.f))})">{body}</g>'
        lx0, ly0, lx1, ly1 = bounds
        tp = [m.apply((x, y)) for x in (lx0, lx1) for y in (ly0, ly1)]
        x0, y0 = min(p[0] for p in tp) - 1, min(p[1] for p in tp) - 1
        x1, y1 = max(p[0] for p in tp) + 1, max(p[1] for p in tp) + 1
        if shadow is not None:
            filt, grow = self._shadow(shadow, f"{where}.shadow", scale_of or m)
            x0, y0, x1, y1 = x0 - grow, y0 - grow, x1 + grow, y1 + grow
            region = f'x="{_fmt(x0)}" y="{_fmt(y0)}" width="{_fmt(x1 - x0)}" height="{_fmt(y1 - y0)}"'
            defs += filt.replace("REGION", region)
            body = f'<g filter="url(#shadow)">{body}</g>'
        return self._svg_document_layer((x0, y0, x1, y1), defs, body, opacity)


    # -- images

    def _image(
        self,
        obj: Mapping[str, Any],
        where: str,
        m: Matrix,
        opacity: float,
        layers: list[dict[str, Any]],
        clips: tuple[_Clip, ...] = (),
    ) -> None:
        filters = obj.get("filters") or []
        if not isinstance(filters, list):
            raise DesignError("filters is a list", field=f"{where}.filters")
        if obj.get("resizeFilter"):
            raise DesignError("image resizeFilter is not supported", field=f"{where}.resizeFilter")
        src = obj.get("src")
        if not isinstance(src, str) or not src:
            raise DesignError("an image needs a 'src'", field=f"{where}.src")
        dec = _decompose(m.then(Matrix.scale(self.k)))
        if dec is None:
            raise DesignError("skewed images are not supported", field=f"{where}.skewX")
        layer: dict[str, Any] = {"type": "image", "fit": "stretch"}
        img_path: Path | None = None
        if src.startswith("data:"):
            img_path = self._write_data_url(src, f"{where}.src")
        elif src.startswith("asset:"):
            layer["asset_id"] = src[len("asset:") :]
        else:
            raise DesignError(
                "image src must be a data: URL or 'asset:<id>' (URLs are never fetched)", field=f"{where}.src"
            )
        w, h = _num(obj, "width", 0.0, where), _num(obj, "height", 0.0, where)
        cx0, cy0 = _num(obj, "cropX", 0.0, where), _num(obj, "cropY", 0.0, where)
        if w <= 0 or h <= 0:
            return
        if img_path is not None:
            import pyvips

            try:
                img = pyvips.Image.new_from_file(str(img_path), access="sequential")
            except pyvips.Error:
                raise DesignError("the data URL is not a readable image", field=f"{where}.src") from None
            nat_w, nat_h = img.width, img.height
            if (dec.mirrored or filters) and nat_w * nat_h > _MAX_FLIP_PIXELS:
                raise DesignError("mirrored or filtered images are limited to 40 MP", field=f"{where}.flipX")
            if filters:
                img_path = _apply_filters(img_path, filters, f"{where}.filters")
            if dec.mirrored:  # native images do not mirror: store the mirrored pixels instead
                img = pyvips.Image.new_from_file(str(img_path)).flipver()
                img_path = img_path.with_name(img_path.stem + "-m.png")
                img.write_to_file(str(img_path))
            name = img_path.name
            layer["asset"] = name
            crop_y = cy0 if not dec.mirrored else nat_h - cy0 - h
            layer["crop"] = self._crop(cx0, crop_y, w, h, nat_w, nat_h, where)
        else:
            if filters:
                raise DesignError("filters need a data: URL image", field=f"{where}.filters")
            if dec.mirrored:
                raise DesignError("mirrored asset images are not supported yet", field=f"{where}.flipX")
            if cx0 or cy0:
                raise DesignError("cropX/cropY need a data: URL image (its size is known)", field=f"{where}.cropX")
        pm = m.then(self._page)
        bw, bh = w * dec.sx, h * dec.sy
        layer.update(
            box={"x": pm.e - bw / 2, "y": pm.f - bh / 2, "width": bw, "height": bh},
            rotation=dec.angle,
            opacity=round(opacity, 6),
        )
        own = obj.get("clipPath")
        all_clips = (*clips, (own, f"{where}.clipPath", m)) if own else clips
        if len(all_clips) > 1:
            raise DesignError(
                "an image under more than one clipPath (its own and its groups') is not supported",
                field=all_clips[-1][1],
            )
        if all_clips:
            clip, cwhere, owner = all_clips[0]
            # object-local px -> the native box (mm from its top-left, before rotation; mirrored pixels flip y)
            to_box = Matrix(a=dec.sx, d=-dec.sy if dec.mirrored else dec.sy, e=bw / 2, f=bh / 2)
            out = self._to_local(owner, m, cwhere).then(to_box)
            d = self._clip_path(clip, cwhere, owner, out, (-1.0, -1.0, bw + 1, bh + 1))
            layer["clip"] = {"shape": "path", "d": d}
        shadow = obj.get("shadow")
        if shadow:
            # the image's alpha casts the shadow: exact for opaque pixels, which an asset's are assumed to be
            if img_path is not None and _has_transparency(img_path, f"{where}.src"):
                raise DesignError(
                    "a shadow on an image with transparent pixels is not supported", field=f"{where}.shadow"
                )
            if img_path is None:
                self.notes.append(f"{where}.shadow: cast by the image's box (the asset is assumed opaque)")
            el = f'<rect x="{_fmt(-w / 2)}" y="{_fmt(-h / 2)}" width="{_fmt(w)}" height="{_fmt(h)}" fill="#000"/>'
            bounds = (-w / 2, -h / 2, w / 2, h / 2)
            self.add(layers, self._local_svg(el, bounds, m, where, opacity, all_clips, shadow), f"{where}.shadow")
        self.add(layers, layer, where)

    def _crop(self, x: float, y: float, w: float, h: float, W: int, H: int, where: str) -> dict[str, float]:
        if x < 0 or y < 0 or x + w > W + 1e-6 or y + h > H + 1e-6:
            raise DesignError("the crop (cropX, cropY, width, height) leaves the image", field=f"{where}.cropX")
        return {"x": x / W, "y": y / H, "width": min(w / W, 1 - x / W), "height": min(h / H, 1 - y / H)}

    def _write_data_url(self, src: str, where: str) -> Path:
        m = re.match(r"^data:image/(png|jpeg|jpg|webp|gif|tiff);base64,", src[:64])
        if m is None:
            raise DesignError("a data URL image is base64 PNG, JPEG, WebP, GIF or TIFF", field=where)
        try:
            raw = base64.b64decode(src[m.end() :], validate=True)
        except (binascii.Error, ValueError):
            raise DesignError("the data URL is not valid base64", field=where) from None
        ext = {"jpeg": "jpg"}.get(m.group(1), m.group(1))
        self.n_assets += 1
        path = self.asset_dir / f"fabric-image-{self.n_assets}.{ext}"
        path.write_bytes(raw)
        return path


def _has_transparency(path: Path, where: str) -> bool:
    import pyvips

    try:
        img = pyvips.Image.new_from_file(str(path))
        if not img.hasalpha():
            return False
        opaque = 65535 if img.format == "ushort" else 1.0 if img.format in ("float", "double") else 255
        return bool(img.extract_band(img.bands - 1).min() < opaque)
    except pyvips.Error:
        raise DesignError("the data URL is not a readable image", field=where) from None


_SEPIA = ((0.393, 0.769, 0.189), (0.349, 0.686, 0.168), (0.272, 0.534, 0.131))
_BLEND_MODES = (
    "multiply",
    "screen",
    "add",
    "difference",
    "subtract",
    "darken",
    "lighten",
    "overlay",
    "exclusion",
    "tint",
)


def _apply_filters(path: Path, filters: list[Any], where: str) -> Path:
    """Fabric's 2D filter formulas (fabric/src/filters), in order, each rounded to 8 bits as its
    Uint8ClampedArray does. Writes a PNG next to ``path`` and returns it."""
    import numpy as np
    import pyvips

    from .assets import to_srgb

    img = to_srgb(pyvips.Image.new_from_file(str(path)))
    if img.bands == 3:
        img = img.bandjoin(255)
    px = np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, 4))
    a = px.astype(np.float64)
    for j, f in enumerate(filters):
        at = f"{where}[{j}]"
        if not isinstance(f, dict):
            raise DesignError("a filter is an object with a 'type'", field=at)
        t = f.get("type")
        r, g, b = a[..., 0].copy(), a[..., 1].copy(), a[..., 2].copy()
        if t == "Grayscale":
            mode = f.get("mode", "average")
            if mode == "average":
                v = (r + g + b) / 3
            elif mode == "lightness":
                v = (np.minimum(np.minimum(r, g), b) + np.maximum(np.maximum(r, g), b)) / 2
            elif mode == "luminosity":
                v = 0.21 * r + 0.72 * g + 0.07 * b
            else:
                raise DesignError("Grayscale mode is average, lightness or luminosity", field=f"{at}.mode")
            a[..., 0] = a[..., 1] = a[..., 2] = v
        elif t == "Sepia":
            for i, (kr, kg, kb) in enumerate(_SEPIA):
                a[..., i] = r * kr + g * kg + b * kb
        elif t == "Brightness":
            a[..., :3] += round(_num(f, "brightness", 0.0, at) * 255)
        elif t == "Contrast":
            c = math.floor(_num(f, "contrast", 0.0, at) * 255)
            if c >= 259:
                raise DesignError("contrast must be below 1", field=f"{at}.contrast")
            k = 259 * (c + 255) / (255 * (259 - c))
            a[..., :3] = k * (a[..., :3] - 128) + 128
        elif t == "Invert":
            if f.get("invert", True):
                a[..., :3] = 255 - a[..., :3]
                if f.get("alpha"):
                    a[..., 3] = 255 - a[..., 3]
        elif t == "BlendColor":
            hex_, _alpha = _color(f.get("color", "#F95C63"), f"{at}.color")
            mode = f.get("mode", "multiply")
            if hex_ is None or mode not in _BLEND_MODES:
                raise DesignError(f"BlendColor mode is one of {', '.join(_BLEND_MODES)}", field=f"{at}.mode")
            al = _num(f, "alpha", 1.0, at)
            tc = [int(hex_[i : i + 2], 16) * al for i in (1, 3, 5)]
            for i, (src, tv) in enumerate(zip((r, g, b), tc, strict=True)):
                if mode == "multiply":
                    o = src * tv / 255
                elif mode == "screen":
                    o = 255 - (255 - src) * (255 - tv) / 255
                elif mode == "add":
                    o = src + tv
                elif mode == "difference":
                    o = np.abs(src - tv)
                elif mode == "subtract":
                    o = src - tv
                elif mode == "darken":
                    o = np.minimum(src, tv)
                elif mode == "lighten":
                    o = np.maximum(src, tv)
                elif mode == "overlay":
                    o = 2 * src * tv / 255 if tv < 128 else 255 - 2 * (255 - src) * (255 - tv) / 255
                elif mode == "exclusion":
                    o = tv + src - 2 * tv * src / 255
                else:  # tint
                    o = tv + src * (1 - al)
                a[..., i] = o
        else:
            raise DesignError(
                "unsupported filter; supported: Grayscale, Sepia, Brightness, Contrast, Invert, BlendColor",
                field=f"{at}.type",
            )
        a = np.clip(np.rint(a), 0, 255)
    out = pyvips.Image.new_from_memory(
        np.ascontiguousarray(a.astype(np.uint8)).tobytes(), img.width, img.height, 4, "uchar"
    ).copy(interpretation="srgb")
    dest = path.with_name(path.stem + "-f.png")
    out.write_to_file(str(dest))
    return dest


# ------------------------------------------------------------------------------------------- entry points


def load_fabric_json(
    data: Any,
    engine: Engine,
    asset_dir: Path,
    template_id: str | None = None,
    options: FabricOptions | None = None,
) -> FabricImport:
    """Import decoded Fabric JSON for a template named by ``template_id`` or by the wrapper's ``template``."""
    tid = template_id or (data.get("template") if isinstance(data, dict) else None)
    if not isinstance(tid, str) or not tid:
        raise DesignError("a Fabric design needs a template (--template or a 'template' field)", field="template")
    return import_fabric(data, engine.templates.get(tid), engine.fonts, asset_dir, options)


def read_json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except OSError as exc:
        raise DesignError(f"cannot read design file ({exc.strerror})", field="design") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DesignError("not valid JSON", field="design") from None
    except RecursionError:
        raise DesignError("JSON nested too deeply", field="design") from None


def render_fabric_file(
    path: Path,
    engine: Engine,
    out_dir: Path,
    *,
    template_id: str | None = None,
    options: FabricOptions | None = None,
    fmt: Format | None = None,
    dpi: float | None = None,
    pdf_options: PdfOptions | None = None,
) -> RenderResult:
    """Render a Fabric JSON file like :func:`render_engine.pipeline.render_file` renders a native one."""
    timer = StepTimer()
    with tempfile.TemporaryDirectory(prefix="fabric-") as tmp:
        with timer.step("parse"):
            imported = load_fabric_json(read_json_file(path), engine, Path(tmp), template_id, options)
        design = imported.design
        stem = path.name.removesuffix(".json").removesuffix(".fabric")
        out_fmt = fmt or engine.templates.get(design.template).output.default_format
        return render_design(
            design,
            engine,
            out_dir / f"{stem}.{out_fmt}",
            base_dir=Path(tmp),
            fmt=out_fmt,
            dpi=dpi,
            name=path.name,
            timer=timer,
            pdf_options=pdf_options,
        )


# ---------------------------------------------------------------------------------------------- CLI glue


def add_render_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``render-engine render`` for Fabric.js input (see docs/fabric.md)."""
    g = parser.add_argument_group("Fabric.js input")
    g.add_argument(
        "--dialect",
        choices=["auto", "native", "fabric"],
        default="auto",
        help="input dialect (default: auto — Fabric JSON has 'objects' and no native 'layers')",
    )
    g.add_argument("--template", help="Fabric input: product template id (or a 'template' field in the file)")
    g.add_argument("--canvas-size", metavar="WxH", help="Fabric input: editor canvas size in px, e.g. 1200x466")
    g.add_argument(
        "--canvas-covers", choices=["trim", "bleed"], help="Fabric input: the canvas is the trim box (default) or bleed"
    )
    g.add_argument("--font-fallback", metavar="FAMILY", help="Fabric input: bundled family for unknown fontFamily")


def _canvas_size(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*[xX×]\s*(\d+(?:\.\d+)?)\s*$", text)
    if m is None:
        raise DesignError("--canvas-size is WIDTHxHEIGHT in px, e.g. 1200x466", field="canvas")
    return float(m.group(1)), float(m.group(2))


def render_cli(
    path: Path, engine: Engine, args: argparse.Namespace, pdf_options: PdfOptions | None
) -> RenderResult | None:
    """Render ``path`` if it is Fabric input (by ``--dialect`` or detection); None for a native design."""
    dialect = getattr(args, "dialect", "auto")
    if dialect == "native":
        return None
    if dialect == "auto":
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return None  # the native loader reports it
        if not is_fabric(data):
            return None
    opts = FabricOptions(
        canvas_size=_canvas_size(args.canvas_size),
        covers=args.canvas_covers or "trim",
        font_fallback=args.font_fallback,
    )
    return render_fabric_file(
        path,
        engine,
        args.out,
        template_id=args.template,
        options=opts,
        fmt=args.format,
        dpi=args.dpi,
        pdf_options=pdf_options,
    )
