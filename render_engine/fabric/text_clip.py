"""Text used as a clipPath (a photo shaped by a word): the text is laid out once, as the engine lays out any
text, and its glyph outlines become the clip's path (:data:`OUTLINE`), so both backends clip with the same
vector path — in the PDF a clipping path of outlines, no font.

Fabric draws a clipPath with ``forClipping``: fill black, no stroke, no background, opacity 1
(Object.drawObject / _setClippingProperties); so the glyphs' fill area counts, and what Text._render adds
around them — text backgrounds and decorations, which it still paints — as rects wound as the glyphs are
(their union; a translucent background clips as an opaque one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..model.errors import DesignError
from ..model.geometry import Matrix
from .effects import OUTLINE
from .object_geometry import Cmds
from .parse import TEXT_TYPES, color, kind_of, num
from .protocol import Clip, Node
from .text_objects import text

if TYPE_CHECKING:
    from ..model.geometry import Path as VPath
    from .protocol import Converter

_NOT_IN_CLIP = ("textBackgroundColor", "underline", "overline", "linethrough")


def _outline_cmds(conv: Converter, clip: Mapping[str, Any], where: str, kind: str) -> Cmds:
    black = {**clip, "fill": "#000000", "stroke": None, "shadow": None, "backgroundColor": None, "opacity": 1}
    sink: list[VPath] = []
    text(conv, Node(black, where, kind, Matrix(), 1.0), [], outline=sink)
    cmds: Cmds = []
    for path in sink:
        for op, pts in path.ops:
            cmds.append((op, [v for pt in pts for v in pt]))
    return cmds


def with_outline(conv: Converter, clip: Any, where: str) -> Any:
    """``clip`` with its glyph outlines (a text clip, or a group clip's text children), else ``clip``."""
    if not isinstance(clip, dict):
        return clip
    kind = kind_of(clip.get("type"))
    if kind in TEXT_TYPES and OUTLINE not in clip:
        return {**clip, OUTLINE: _outline_cmds(conv, clip, where, str(kind))}
    children = clip.get("objects")
    if kind == "group" and isinstance(children, list):
        new = [with_outline(conv, c, f"{where}.objects[{j}]") for j, c in enumerate(children)]
        if any(a is not b for a, b in zip(new, children, strict=True)):
            return {**clip, "objects": new}
    return clip


def text_clip_outlined(conv: Converter, obj: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """``obj`` with a text clipPath (or group clipPath holding text) carrying its laid-out glyph outlines."""
    clip = obj.get("clipPath")
    new = with_outline(conv, clip, f"{where}.clipPath")
    return obj if new is clip else {**obj, "clipPath": new}


def _knockout(child: Any, where: str) -> bool:
    """Plain opaque text with ``destination-out``: it erases exactly its glyphs' coverage from what is under it
    in its group's cache (or the canvas), which an inverted clip of its outlines on those layers draws."""
    if not isinstance(child, dict) or child.get("globalCompositeOperation") != "destination-out":
        return False
    if kind_of(child.get("type")) not in TEXT_TYPES or child.get("visible", True) is False:
        return False
    fill = child.get("fill")
    if not isinstance(fill, str) or child.get("styles") or child.get("clipPath") or child.get("shadow"):
        return False
    try:
        _hex, alpha = color(fill, f"{where}.fill")
        opaque = _hex is not None and alpha >= 1 and num(child, "opacity", 1.0, where) >= 1
    except DesignError:
        return False
    stroked = child.get("stroke") not in (None, "") and num(child, "strokeWidth", 1.0, where) > 0
    painted = any(child.get(k) for k in (*_NOT_IN_CLIP, "backgroundColor"))
    return opaque and not stroked and not painted


def knockouts(
    conv: Converter, children: list[Any], where: str, owner: Matrix
) -> tuple[list[tuple[Clip, ...]], set[int]]:
    """For each of ``children`` (of a container Fabric draws into its own cache, whose centred space ``owner``
    maps to the canvas) the inverted clips of the knockout texts drawn after it, and those texts' indices
    (they draw nothing else)."""
    extra: list[tuple[Clip, ...]] = [() for _ in children]
    cut: set[int] = set()
    for j, child in enumerate(children):
        at = f"{where}[{j}]"
        if not _knockout(child, at):
            continue
        kind = str(kind_of(child.get("type")))
        plain = {k: v for k, v in child.items() if k not in ("globalCompositeOperation", "absolutePositioned")}
        clip = {**plain, OUTLINE: _outline_cmds(conv, plain, at, kind), "inverted": True}
        cut.add(j)
        for i in range(j):
            extra[i] = (*extra[i], (clip, at, owner))
    return extra, cut
