"""Refusals of a translated Fabric canvas, named in Fabric's words.

A Fabric object becomes native layers; a value out of the native range (a box 10¹² mm wide from ``scaleX:
1e9``, a 10⁶ pt font) is found when the native design is parsed, with a native field (``layers[0].box.x``).
The editor that sent the canvas knows ``objects[3].left`` and ``fontSize``, not ``box.x``: each problem is
named ``<object>.<Fabric property>`` and says which native value it became and its unit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..model.errors import DesignError, several

# native field of a layer (after ``layers[i].``) -> (the Fabric properties that set it, what it is on the product)
NATIVE_TO_FABRIC: dict[str, tuple[str, str]] = {
    "box.x": ("left", "the object's x position on the product, in mm"),
    "box.y": ("top", "the object's y position on the product, in mm"),
    "box.width": ("width", "the object's width on the product (width x scaleX), in mm"),
    "box.height": ("height", "the object's height on the product (height x scaleY), in mm"),
    "size": ("fontSize", "the font size on the product (fontSize x scale), in pt"),
    "min_size": ("fontSize", "the smallest font size on the product, in pt"),
    "rotation": ("angle", "the rotation, in degrees"),
    "opacity": ("opacity", "the opacity, 0 to 1"),
    "letter_spacing": ("charSpacing", "the letter spacing, in em (charSpacing / 1000)"),
    "line_height": ("lineHeight", "the line height, as a multiple of the font size"),
    "stroke.width": ("strokeWidth", "the stroke width on the product, in pt"),
    "text": ("text", "the text"),
}

_LAYER = re.compile(r"^layers\[\d+\]\.?(.*)$")


def fabric_problem(origin: str, native_field: str | None, message: str) -> DesignError:
    """One native problem (``layers[0].box.x``: "Input should be less than or equal to 5000") as a problem of the
    Fabric object it came from (``objects[0].left``: "... 5000 (the object's x position on the product, in mm;
    the native layers[0].box.x)")."""
    m = _LAYER.match(native_field or "")
    rest = m.group(1) if m else (native_field or "")  # a field of one text layer checked alone: "size"
    for native, (prop, what) in NATIVE_TO_FABRIC.items():
        if rest == native or rest.startswith(native + ".") or rest.startswith(native + "["):
            return DesignError(f"{message} ({what}; the native {native_field})", field=f"{origin}.{prop}")
    said = f" (the native {native_field})" if native_field else ""
    return DesignError(f"{message}{said}", field=origin)


def fabric_named(exc: DesignError, origin_of: Callable[[str | None], str]) -> DesignError:
    """``exc`` (from parsing the native design a canvas became, or one text layer checked alone: fields
    ``size``, ``box.y``) with every problem named in Fabric's words."""
    problems = [fabric_problem(origin_of(p.field), p.field, p.message) for p in (exc.problems or (exc,))]
    unique = {(p.field, p.message): p for p in problems}
    return several(list(unique.values()))
