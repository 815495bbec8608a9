"""Reading Fabric JSON values: object types, numbers, CSS colours, points, path commands, and the table of
properties the importer cannot honour yet.

Every reader takes ``where``, the object's field path (``fabric.objects[3].styles[1].style``), and raises a
:class:`DesignError` naming the exact field: nothing is dropped silently. Only canvas-editor state
(selection, locks, controls, ids) is never looked at.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from PIL import ImageColor

from ..errors import DesignError
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
}
TEXT_TYPES = {"text", "i-text", "textbox"}

# Properties that change how an object prints, with the values we can honour. Anything else is an error.
DEFAULTS_ALL: dict[str, tuple[Any, ...]] = {
    "globalCompositeOperation": ("source-over", None),
    "strokeUniform": (False, None),
    "strokeDashOffset": (0, None),
}
DEFAULTS_TEXT: dict[str, tuple[Any, ...]] = {
    "path": (None,),
    "direction": ("ltr", None),
    "pathStartOffset": (0, None),
    "strokeDashArray": (None, []),
}
DEFAULTS_IMAGE: dict[str, tuple[Any, ...]] = {"stroke": (None, "")}
DEFAULTS_GROUP: dict[str, tuple[Any, ...]] = {}

_RGB_FN = re.compile(
    r"^rgba?\(\s*([\d.]+%?)\s*[, ]\s*([\d.]+%?)\s*[, ]\s*([\d.]+%?)\s*(?:[,/]\s*([\d.]+%?)\s*)?\)$", re.I
)
_PATH_ARITY = {"M": 2, "L": 2, "C": 6, "Q": 4, "Z": 0}


def kind_of(raw_type: Any) -> str | None:
    """Our kind for a Fabric ``type`` value, None for one we do not know."""
    return TYPES.get(raw_type.lower()) if isinstance(raw_type, str) else None


def check_defaults(obj: Mapping[str, Any], where: str, table: Mapping[str, tuple[Any, ...]]) -> None:
    """An error for the first property of ``table`` that ``obj`` sets to a value we cannot honour."""
    for key, ok in table.items():
        if key in obj and obj[key] not in ok:
            raise DesignError(f"'{key}' is not supported yet", field=f"{where}.{key}")


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
