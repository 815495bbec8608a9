"""Fabric's text on a path: the text object's ``path`` (a Path object), ``pathStartOffset``, ``pathSide`` and
``pathAlign``, read into what the native text layer's ``path`` needs (:mod:`.text_objects` builds the layer)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model.errors import DesignError
from ..model.geometry import Matrix
from ..model.geometry import Path as VPath
from .object_geometry import path_bounds
from .parse import color, num, path_d
from .svg import fmt


@dataclass(frozen=True)
class TextPathSpec:
    """Fabric's text ``path`` (a Path object), ``pathStartOffset``, ``pathSide`` and ``pathAlign``, in the
    text's local px: the path's points less its ``pathOffset`` (the centre of its bounding box), as
    Fabric's Text._setGraphemeOnPath places each character."""

    d: str  # SVG path data, Fabric's own coordinates
    offset: tuple[float, float]  # the path's pathOffset
    box_w: float  # the path's bounding box (= the text object's width and height)
    box_h: float
    start_offset: float
    side: str
    align: str
    visible_el: str  # the path itself as an SVG element in the text's local px, when Fabric draws it

    def d_mm(self, s: float) -> str:
        """The path relative to the native box's top-left corner, in mm (``s`` mm per px)."""
        m = Matrix.translate(self.box_w / 2 - self.offset[0], self.box_h / 2 - self.offset[1]).then(Matrix.scale(s))
        return VPath.from_svg(self.d, m).svg_d(precision=5)


_PATH_ALIGN = {"baseline": "baseline", "center": "center", "ascender": "ascender", "descender": "descender"}


def text_path(obj: Mapping[str, Any], where: str) -> TextPathSpec | None:
    """The text object's ``path`` and its path properties, None without one."""
    raw = obj.get("path")
    if raw is None:
        return None
    at = f"{where}.path"
    if not isinstance(raw, dict):
        raise DesignError("a text path is a Path object", field=at)
    cmds = raw.get("path")
    d = path_d(cmds, f"{at}.path")
    assert isinstance(cmds, list)
    bx, by, bw, bh = path_bounds(cmds)
    side = obj.get("pathSide", "left")
    if side not in ("left", "right"):
        raise DesignError("pathSide must be 'left' or 'right'", field=f"{where}.pathSide")
    align = obj.get("pathAlign", "baseline")
    if not isinstance(align, str) or align not in _PATH_ALIGN:  # a list is not hashable: no dict lookup on it
        raise DesignError(f"pathAlign must be one of {', '.join(_PATH_ALIGN)}", field=f"{where}.pathAlign")
    el = ""  # Fabric draws a visible path (its own fill and stroke) under the text, centred like the text
    if raw.get("visible", True) is not False and num(raw, "opacity", 1.0, at) > 0:
        pfill, pfa = color(raw.get("fill", "rgb(0,0,0)"), f"{at}.fill")
        pstroke, psa = color(raw.get("stroke"), f"{at}.stroke")
        psw = num(raw, "strokeWidth", 1.0, at)
        if pfill is not None or (pstroke is not None and psw > 0):
            el = (
                f'<path transform="translate({fmt(-(bx + bw / 2))} {fmt(-(by + bh / 2))})" d="{d}" '
                + (f'fill="{pfill}" fill-opacity="{fmt(pfa)}"' if pfill else 'fill="none"')
                + (f' stroke="{pstroke}" stroke-opacity="{fmt(psa)}" stroke-width="{fmt(psw)}"' if pstroke else "")
                + f' opacity="{fmt(num(raw, "opacity", 1.0, at))}"/>'
            )
    return TextPathSpec(
        d,
        (bx + bw / 2, by + bh / 2),
        max(bw, 1.0),
        max(bh, 1.0),
        num(obj, "pathStartOffset", 0.0, where),
        side,
        _PATH_ALIGN[align],
        el,
    )
