"""Reading Fabric JSON values: object types, numbers, CSS colours, points, path commands, and the table of
properties the importer cannot honour yet.

Every reader takes ``where``, the object's field path (``fabric.objects[3].styles[1].style``), and raises a
:class:`DesignError` naming the exact field: nothing is dropped silently. Only canvas-editor state
(selection, locks, controls, ids) is never looked at.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from typing import Any

from PIL import ImageColor

from ..model.errors import DesignError, several
from .svg import fmt

#: Fabric type names (lower case; Fabric 6 also writes class names such as "FabricText") -> our kind.
TYPES = {
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
    "activeselection": "group",  # a selection saved with the canvas: drawn as the group it is
}
TEXT_TYPES = {"text", "i-text", "textbox"}

# Properties that change how an object prints, with the values we can honour. Anything else is an error.
# (globalCompositeOperation: .compositing; strokeUniform and dashes: .shapes for vector objects, .text for text)
DEFAULTS_ALL: dict[str, tuple[Any, ...]] = {
    # Fabric 6+ polylines / polygons measured from their stroke outline (changes where they sit)
    "exactBoundingBox": (False, None),
}
DEFAULTS_TEXT: dict[str, tuple[Any, ...]] = {
    "direction": ("ltr", "rtl", "inherit", None),
}
DEFAULTS_IMAGE: dict[str, tuple[Any, ...]] = {}
DEFAULTS_GROUP: dict[str, tuple[Any, ...]] = {}

_RGB_FN = re.compile(
    r"^rgba?\(\s*([\d.]+%?)\s*[, ]\s*([\d.]+%?)\s*[, ]\s*([\d.]+%?)\s*(?:[,/]\s*([\d.]+%?)\s*)?\)$", re.I
)
_PATH_ARITY = {"M": 2, "L": 2, "C": 6, "Q": 4, "Z": 0}
_HSL_FN = re.compile(
    r"^hsla?\(\s*(\d{0,3}\.?\d+)\s*,\s*(\d{0,3}\.?\d+)%\s*,\s*(\d{0,3}\.?\d+)%\s*(?:,\s*(\d+(?:\.\d+)?)\s*)?\)$", re.I
)


def kind_of(raw_type: Any) -> str | None:
    """Our kind for a Fabric ``type`` value, None for one we do not know."""
    return TYPES.get(raw_type.lower()) if isinstance(raw_type, str) else None


def check_defaults(obj: Mapping[str, Any], where: str, table: Mapping[str, tuple[Any, ...]]) -> None:
    """One error listing every property of ``table`` that ``obj`` sets to a value we cannot honour."""
    problems = [
        DesignError(f"'{key}' is not supported yet", field=f"{where}.{key}")
        for key, ok in table.items()
        if key in obj and obj[key] not in ok
    ]
    if problems:
        raise several(problems)


def num(obj: Mapping[str, Any], key: str, default: float | None, where: str) -> float:
    """``obj[key]`` as a finite number (``default`` when missing or null; required when ``default`` is None)."""
    v = obj.get(key, default)
    if v is None and default is not None:
        v = default
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise DesignError("must be a finite number", field=f"{where}.{key}")
    return float(v)


def color(value: Any, where: str) -> tuple[str | None, float]:
    """A CSS colour -> ('#rrggbb' or None for none/transparent, alpha 0..1)."""
    if value is None or value == "" or (isinstance(value, str) and value.strip().lower() in ("transparent", "none")):
        return None, 0.0
    if not isinstance(value, str):
        raise DesignError("gradients and patterns are not supported yet; use a flat colour", field=where)
    s = value.strip()
    m = _RGB_FN.match(s)
    hsl = _HSL_FN.match(s)
    try:
        if hsl:  # Fabric's Color.sourceFromHsl: hue in degrees, saturation and lightness in %
            import colorsys

            hue, sat, light = (float(v) for v in hsl.groups()[:3])
            rgb = colorsys.hls_to_rgb((hue % 360) / 360, min(light, 100) / 100, min(sat, 100) / 100)
            r, g, b = (max(0, min(255, round(c * 255))) for c in rgb)
            alpha = 1.0 if hsl.group(4) is None else float(hsl.group(4))
        elif m:
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


def points(obj: Mapping[str, Any], where: str) -> list[tuple[float, float]]:
    """A polygon's / polyline's ``points`` (at least two)."""
    pts = obj.get("points")
    if not isinstance(pts, list) or len(pts) < 2:
        raise DesignError("needs at least two points", field=f"{where}.points")
    out = []
    for j, p in enumerate(pts):
        if not isinstance(p, dict):
            raise DesignError('a point is {"x": n, "y": n}', field=f"{where}.points[{j}]")
        out.append((num(p, "x", None, f"{where}.points[{j}]"), num(p, "y", None, f"{where}.points[{j}]")))
    return out


def line_style(obj: Mapping[str, Any], where: str) -> tuple[str, str]:
    """A stroke's ``strokeLineCap`` and ``strokeLineJoin`` (Fabric's defaults: butt, miter)."""
    cap = obj.get("strokeLineCap") or "butt"
    join = obj.get("strokeLineJoin") or "miter"
    if cap not in ("butt", "round", "square") or join not in ("miter", "round", "bevel"):
        raise DesignError("unknown strokeLineCap / strokeLineJoin", field=f"{where}.strokeLineJoin")
    return cap, join


def path_d(cmds: Any, where: str) -> str:
    """A Fabric path's command array (absolute M, L, C, Q, Z, as Fabric stores it) as SVG path data."""
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
        out.append(c[0] + " ".join(fmt(float(a)) for a in args))
    return " ".join(out)


_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_WHOLE = {"filters", "clipPath", "shadow", "path"}  # remove the whole entry a problem inside it names
_NOT_WITHOUT = {"type", "src", "objects", "points", "text", "width", "height", "radius", "rx", "ry"}


def without(obj: Mapping[str, Any], where: str, field: str) -> tuple[dict[str, Any], str] | None:
    """For the approximate policy: ``obj`` (at ``where``) without the property ``field`` names, and what is
    drawn instead; None when the object cannot be drawn without it (its type, source, geometry).

    A gradient or pattern becomes a flat colour (the mean of the gradient's stops; mid grey for a pattern);
    a filter, clipPath or shadow is left off as a whole; any other property falls back to Fabric's default
    (removed); inside per-character ``styles`` only the named style property is removed.
    """
    if not isinstance(obj, dict) or not field.startswith(where + "."):
        return None
    tokens: list[str | int] = [
        m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _TOKEN.finditer(field[len(where) + 1 :])
    ]
    if not tokens or not isinstance(tokens[0], str) or tokens[0] in _NOT_WITHOUT:
        return None
    key = tokens[0]
    if key == "path" and kind_of(obj.get("type")) == "path":
        return None
    out = copy.deepcopy(dict(obj))
    value = out.get(key)
    if key in ("fill", "stroke") and isinstance(value, dict):
        flat = _flat_colour(value)
        out[key] = flat
        return out, f"with the flat colour {flat} instead of the {value.get('type', 'paint')}"
    index = tokens[1] if len(tokens) > 1 else None
    if key == "filters" and isinstance(value, list) and isinstance(index, int) and index < len(value):
        del value[index]
        return out, f"without filter {index}"
    if key == "styles" and len(tokens) > 1:
        parent: Any = out
        for t in tokens[:-1]:
            try:
                parent = parent[t]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        last = tokens[-1]
        if isinstance(parent, dict) and last in parent:
            del parent[last]
            return out, f"without the style property '{last}'"
        if isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            del parent[last]
            return out, "without that style entry"
    if key not in out:
        return None
    del out[key]
    return out, f"without '{key}'" + ("" if key in _WHOLE else " (Fabric's default)")


def _mean_colour(source: str) -> tuple[int, int, int] | None:
    """The mean colour of a pattern's tile given as a base64 data URL (alpha-weighted), None if unreadable."""
    import base64
    import binascii

    import pyvips

    from ..inputs.png_chunks import check_png_chunks

    m = re.match(r"^data:image/[a-z+]+;base64,", source[:64])
    if m is None or len(source) > 20_000_000:
        return None
    try:
        raw = base64.b64decode(source[m.end() :], validate=True)
        if check_png_chunks(raw) is not None:
            return None  # its text chunks would inflate into metadata: the pattern is refused where it is read
        img = pyvips.Image.new_from_buffer(raw, "")
        if img.width * img.height > 4_000_000:
            return None
        img = img.colourspace("srgb") if img.interpretation not in ("srgb", "rgb") else img
        if not img.hasalpha():
            img = img.bandjoin(255)
        rgb, a = img.extract_band(0, n=3).cast("float"), img.extract_band(3).cast("float")
        total = a.avg() * img.width * img.height
        if total <= 0:
            return None
        weighted = [(rgb.extract_band(i) * a).avg() * img.width * img.height / total for i in range(3)]
    except (pyvips.Error, binascii.Error, ValueError):
        return None
    r, g, b = (max(0, min(255, round(v))) for v in weighted)
    return r, g, b


def _flat_colour(paint: Mapping[str, Any]) -> str:
    """The closest flat colour to a gradient (mean of its stop colours) or a pattern (the mean colour of its
    tile when it is a data URL, else mid grey)."""
    stops = paint.get("colorStops")
    rgbs = []
    if isinstance(stops, list):
        for s in stops:
            try:
                hex_, _ = color(s.get("color") if isinstance(s, dict) else None, "")
            except DesignError:
                continue
            if hex_ is not None:
                rgbs.append(tuple(int(hex_[i : i + 2], 16) for i in (1, 3, 5)))
    if not rgbs and isinstance(paint.get("source"), str):
        mean = _mean_colour(paint["source"])
        if mean is not None:
            rgbs.append(mean)
    if not rgbs:
        return "#808080"
    r, g, b = (round(sum(c[i] for c in rgbs) / len(rgbs)) for i in range(3))
    return f"#{r:02x}{g:02x}{b:02x}"
