"""Safe-area anchors: a template layer's box given relative to the product's safe area (or trim, or bleed), so
one layout fits several sizes (``same_as`` reuses it on another product).

A layer with ``"anchor": {"to": "safe", "x": "center", "y": "bottom"}`` reads its ``box`` numbers (mm) against
that area of the surface it prints on:

- ``x: left`` (default): ``box.x`` is the gap from the area's left edge; ``right``: the gap from the area's right
  edge to the box's right edge; ``center``: the box centre's offset from the area's centre; ``stretch``: the box
  is centred and as wide as the area less ``box.x`` on each side, at most ``box.width``; ``span``: the box's
  left edge is ``box.x`` from the area's left edge and its right edge ``box.width`` from the area's right edge.
- ``y: top`` (default) / ``bottom`` / ``middle`` / ``stretch`` / ``span`` the same way with ``box.y`` and
  ``box.height``.

:func:`anchored_box` gives the box in the surface's trim mm, as every native layer has it; the template keeps
the relative numbers (:data:`~.model.TEMPLATE_KEYS`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ..model.errors import RenderError

AREAS = ("safe", "trim", "bleed")
X_EDGES = ("left", "center", "right", "stretch", "span")
Y_EDGES = ("top", "middle", "bottom", "stretch", "span")


def check_anchor(raw: Any, where: str) -> None:
    """ValueError naming ``<where>.anchor…`` for an anchor that is not ``{to, x, y}`` with known values."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}.anchor: an object {{to, x, y}}")
    unknown = sorted(set(raw) - {"to", "x", "y"})
    if unknown:
        raise ValueError(f"{where}.anchor.{unknown[0]}: unknown key; an anchor has to, x, y")
    for key, allowed in (("to", AREAS), ("x", X_EDGES), ("y", Y_EDGES)):
        if key in raw and raw[key] not in allowed:
            raise ValueError(f"{where}.anchor.{key}: one of {', '.join(allowed)}")


def area_rect(trim_w: float, trim_h: float, bleed: float, safe: float, to: str) -> tuple[float, float, float, float]:
    """``(x, y, width, height)`` in trim mm of the ``safe`` / ``trim`` / ``bleed`` area."""
    inset = {"safe": safe, "trim": 0.0, "bleed": -bleed}[to]
    return inset, inset, trim_w - 2 * inset, trim_h - 2 * inset


def _along(edge: str, start: float, size: float, offset: float, length: float) -> tuple[float, float]:
    if edge in ("left", "top"):
        return start + offset, length
    if edge in ("right", "bottom"):
        return start + size - offset - length, length
    if edge in ("center", "middle"):
        return start + (size - length) / 2 + offset, length
    if edge == "span":  # offset: the gap before, length: the gap after
        return start + offset, size - offset - length
    span = min(length, size - 2 * offset)  # stretch
    return start + (size - span) / 2, span


def anchored_box(box: dict[str, Any], anchor: dict[str, Any], area: tuple[float, float, float, float],
                 where: str) -> dict[str, Any]:  # fmt: skip
    """``box`` (relative to ``area`` as ``anchor`` says) in trim mm; ValueError naming ``<where>.box`` when it
    leaves no room (a stretch wider than the area)."""
    try:
        x, y, w, h = (float(box[k]) for k in ("x", "y", "width", "height"))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{where}.box: x, y, width and height in mm") from None
    ax, ay, aw, ah = area
    nx, nw = _along(str(anchor.get("x", "left")), ax, aw, x, w)
    ny, nh = _along(str(anchor.get("y", "top")), ay, ah, y, h)
    if nw <= 0 or nh <= 0:
        raise ValueError(f"{where}.box: the anchored box has no room in the {anchor.get('to', 'safe')} area "
                         f"({aw:g} x {ah:g} mm)")  # fmt: skip
    return {**box, "x": round(nx, 4), "y": round(ny, 4), "width": round(nw, 4), "height": round(nh, 4)}


@functools.lru_cache(maxsize=4)
def product_catalog(directory: Path) -> Any:
    from ..model.templates import TemplateCatalog

    return TemplateCatalog(directory)


def product_areas(templates_dir: Path, product: str, prefix: str, to: str) -> tuple[float, float, float, float]:
    """The ``to`` area of ``product``'s surface ``prefix`` (``""``, ``surfaces.back.``, ``pages[3].``) in trim
    mm; ValueError naming the product when the catalog lacks it."""
    from ..model.surfaces import PAGES

    try:
        t = product_catalog(Path(templates_dir)).get(product)
        if prefix.startswith("surfaces."):
            t = t.surface_template(prefix.split(".")[1])
        elif prefix.startswith("pages[") or prefix == "flow.":
            t = t.surface_template(PAGES)
    except RenderError as exc:
        raise ValueError(f"products.{product}: {exc.message} (anchored layers need the product's size)") from None
    return area_rect(t.trim_w, t.trim_h, t.bleed_mm, t.safe_margin_mm, to)


def anchor_layer(layer: dict[str, Any], raw: dict[str, Any], templates_dir: Path, product: str, prefix: str,
                 where: str) -> dict[str, Any]:  # fmt: skip
    """The native ``layer`` with its box placed as ``raw``'s anchor says (unchanged without an anchor)."""
    anchor = raw.get("anchor")
    if anchor is None or "box" not in raw:
        return layer
    area = product_areas(templates_dir, product, prefix, str(anchor.get("to", "safe")))
    return {**layer, "box": anchored_box(raw["box"], anchor, area, where)}
