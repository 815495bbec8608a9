"""clipPaths and shadows: what they draw, as SVG, around an object's own drawing.

A clipPath becomes path data in the clipped object's space (:func:`clip_path`, every clip around an object
as ``<defs>`` by :func:`clip_defs`); a shadow becomes an SVG filter (:func:`shadow_filter`). Text, images
and groups composited as one picture draw their clipped or shadowed ``svg`` layers with :func:`local_svg`;
plain vector objects assemble theirs in :mod:`.shapes`. Image pixel filters are in :mod:`.filters`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..model.errors import DesignError
from ..model.geometry import Matrix
from . import svg
from .object_geometry import (
    Cmds,
    centred,
    cmds_d,
    dims,
    ellipse_cmds,
    inverse,
    object_matrix,
    path_bounds,
    rect_cmds,
    transformed_bounds,
)
from .parse import TEXT_TYPES, color, kind_of, num, path_d, points
from .protocol import Clip
from .svg import Bounds, fmt

if TYPE_CHECKING:
    from .protocol import Converter

_CLIP_KINDS = ("rect", "circle", "ellipse", "triangle", "polygon", "polyline", "path")
#: The key under which a text clipPath carries its laid-out glyph outlines (centred local px, :mod:`.text_clip`).
OUTLINE = "__glyph_outline"


def _clip_kind(clip: Mapping[str, Any]) -> str | None:
    """The clip's kind when it can clip: a shape, or text with its outlines (set by :mod:`.text_clip`)."""
    kind = kind_of(clip.get("type"))
    return kind if kind in _CLIP_KINDS or (kind in TEXT_TYPES and OUTLINE in clip) else None


def own_clips(obj: Mapping[str, Any], where: str, m: Matrix, clips: tuple[Clip, ...]) -> tuple[Clip, ...]:
    """``clips`` (its groups') followed by the object's own clipPath, if it has one, and the clipPaths nested
    in that (:func:`clip_chain`)."""
    own = obj.get("clipPath")
    return (*clips, *clip_chain(own, f"{where}.clipPath", m)) if own else clips


def clip_chain(clip: Any, where: str, m: Matrix) -> tuple[Clip, ...]:
    """A clipPath and the clipPaths nested in it, as clips that intersect.

    Fabric draws a clipPath through its own cache with ``forClipping`` (``renderCache`` → ``drawObject``),
    and that draw clips with the clipPath's own clipPath in the clipPath's centred local space: the mask is
    the intersection of the chain. (An ``inverted`` clipPath with a nested one masks with the complement of
    that intersection, which is not an intersection: an error naming it.)"""
    chain: list[Clip] = [(clip, where, m)]
    depth = 0
    while isinstance(clip, dict) and clip.get("clipPath"):
        depth += 1
        if clip.get("inverted"):
            raise DesignError(
                "an inverted clipPath with a clipPath of its own is not supported", field=f"{where}.clipPath"
            )
        if depth > 8:
            raise DesignError("clipPaths nest at most 8 deep", field=f"{where}.clipPath")
        kind = kind_of(clip.get("type")) or "rect"
        cm = object_matrix(clip, where, kind)
        m = cm if clip.get("absolutePositioned") else cm.then(m)
        clip, where = clip["clipPath"], f"{where}.clipPath"
        chain.append((clip, where, m))
    return tuple(chain)


def to_local(owner: Matrix, m: Matrix, where: str) -> Matrix:
    """Maps the clip owner's local space onward to ``m``'s local space (for :func:`clip_path`'s ``out``)."""
    if owner is m:
        return Matrix()
    try:
        return owner.then(inverse(m))
    except ValueError:
        raise DesignError("the clipped object has no area", field=where) from None


def clip_path(clip: Any, where: str, m: Matrix, out: Matrix, outer: Bounds) -> str:
    """A Fabric clipPath as SVG path data (nonzero) in ``out`` space (``out`` maps object-local px onward).
    ``inverted`` adds ``outer`` (x0, y0, x1, y1 in ``out`` space, covering the object) wound against the
    clip shape, so the shape becomes a hole under the nonzero rule (CairoSVG ignores ``clip-rule``).

    Fabric draws a clipPath in the object's centred local space, or — ``absolutePositioned`` — in canvas
    space; only its fill area counts (``forClipping``), but its strokeWidth still moves it."""
    if not isinstance(clip, dict):
        raise DesignError("a clipPath is a Fabric object", field=where)
    kind = "group" if kind_of(clip.get("type")) == "group" else _clip_kind(clip)
    if kind is None:
        raise DesignError(
            "a clipPath is a rect, circle, ellipse, triangle, polygon, polyline, path, text or a group of them",
            field=f"{where}.type",
        )
    cm = object_matrix(clip, where, kind)
    if clip.get("absolutePositioned"):
        try:
            cm = cm.then(inverse(m))
        except ValueError:
            raise DesignError("the clipped object has no area", field=where) from None
    full = cm.then(out)
    if kind == "group":  # the union of its children's fill areas, each wound the same way (nonzero)
        children = clip.get("objects")
        if not isinstance(children, list) or not children:
            raise DesignError("a group clipPath needs objects", field=f"{where}.objects")
        parts: list[tuple[Cmds, Matrix]] = []
        for j, child in enumerate(children):
            at = f"{where}.objects[{j}]"
            ckind = _clip_kind(child) if isinstance(child, dict) else None
            if ckind is None or child.get("clipPath"):
                raise DesignError("a group clipPath holds rects, circles, ellipses, polygons, paths, text", field=at)
            ccmds = _shape_cmds(child, at, str(ckind))
            cfull = object_matrix(child, at, str(ckind)).then(full)
            parts.append((_wound(ccmds, cfull), cfull))
        return _inverted(clip, " ".join(cmds_d(c, f) for c, f in parts), parts, outer)
    cmds = _shape_cmds(clip, where, str(kind))
    return _inverted(clip, cmds_d(cmds, full), [(cmds, full)], outer)


def _shape_cmds(clip: Mapping[str, Any], where: str, kind: str) -> Cmds:
    """A clip shape's outline in its centred local px."""
    if OUTLINE in clip:
        return list(clip[OUTLINE])
    w, h = dims(clip, where, kind)
    cmds: Cmds
    if kind == "rect":
        cmds = rect_cmds(w, h, num(clip, "rx", 0.0, where), num(clip, "ry", 0.0, where))
    elif kind in ("circle", "ellipse"):
        cmds = ellipse_cmds(0.0, 0.0, w / 2, h / 2)
    elif kind == "triangle":
        cmds = [("M", [-w / 2, h / 2]), ("L", [0.0, -h / 2]), ("L", [w / 2, h / 2]), ("Z", [])]
    elif kind in ("polygon", "polyline"):
        cmds = [("M" if j == 0 else "L", [x, y]) for j, (x, y) in enumerate(centred(points(clip, where)))]
        cmds.append(("Z", []))
    else:
        raw_cmds = clip.get("path")
        path_d(raw_cmds, f"{where}.path")  # validates
        assert isinstance(raw_cmds, list)
        bx, by, bw, bh = path_bounds(raw_cmds)
        pox, poy = bx + bw / 2, by + bh / 2
        cmds = [(c[0], [float(v) - (pox if i % 2 == 0 else poy) for i, v in enumerate(c[1:])]) for c in raw_cmds]
    return cmds


def _area(cmds: Cmds, m: Matrix) -> float:
    """Twice the signed area of the outline's points through ``m`` (> 0: clockwise with y down), each
    subpath closed on itself (glyph outlines are many)."""
    total = 0.0
    subpaths: list[list[tuple[float, float]]] = []
    for op, a in cmds:
        if op == "M" or not subpaths:
            subpaths.append([])
        subpaths[-1].extend(m.apply((a[i], a[i + 1])) for i in range(0, len(a), 2))
    for pts in subpaths:
        total += sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True))
    return total


def _wound(cmds: Cmds, m: Matrix) -> Cmds:
    """``cmds`` running clockwise (y down) through ``m``: a single outline is reversed when it runs the other
    way, so outlines drawn together make their union under the nonzero rule."""
    if sum(1 for op, _a in cmds if op == "M") != 1 or cmds[0][0] != "M" or _area(cmds, m) >= 0:
        return cmds
    closed = cmds[-1][0] == "Z"
    segs = [c for c in cmds[1:] if c[0] != "Z"]
    ends = [cmds[0][1][:2]] + [c[1][-2:] for c in segs]
    out: Cmds = [("M", list(ends[-1]))]
    for k in range(len(segs) - 1, -1, -1):
        op, a = segs[k]
        prev = list(ends[k])
        if op == "C":
            out.append(("C", [a[2], a[3], a[0], a[1], *prev]))
        elif op == "Q":
            out.append(("Q", [a[0], a[1], *prev]))
        else:
            out.append(("L", prev))
    return [*out, ("Z", [])] if closed else out


def _inverted(clip: Mapping[str, Any], d: str, parts: list[tuple[Cmds, Matrix]], outer: Bounds) -> str:
    """``d``, or for an ``inverted`` clip ``outer`` wound against the shapes with them as holes."""
    if clip.get("inverted"):
        area = sum(_area(c, f) for c, f in parts)
        x0, y0, x1, y1 = outer
        ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        if area > 0:  # the shape runs clockwise (y down): the outer ring runs the other way
            ring.reverse()
        d = "M" + " L".join(f"{fmt(x)} {fmt(y)}" for x, y in ring) + " Z " + d
    return d


def clip_defs(clips: Sequence[Clip], m: Matrix, outer: Bounds, last_id: str | None = None) -> tuple[str, list[str]]:
    """``<clipPath>`` definitions for ``clips`` (outermost first) in ``m``'s local space, and their ids:
    ``clip0``, ``clip1``, … — the last one ``last_id`` when given. ``outer`` covers the object there."""
    defs = ""
    ids = []
    for n, (clip, cwhere, owner) in enumerate(clips):
        d = clip_path(clip, cwhere, owner, to_local(owner, m, cwhere), outer)
        cid = last_id if last_id is not None and n == len(clips) - 1 else f"clip{n}"
        defs += svg.clip_path_def(cid, d)
        ids.append(cid)
    return defs, ids


def has_paint(obj: Mapping[str, Any], key: str) -> bool:
    """Fabric's ``hasFill`` / ``hasStroke``: set, not ``transparent`` (and a stroke of non-zero width)."""
    val = obj.get(key)
    if val in (None, "", "transparent"):
        return False
    return key != "stroke" or obj.get("strokeWidth", 1) != 0


def own_cache(obj: Mapping[str, Any]) -> bool:
    """Whether Fabric draws the object through a cache of its own under Node too (``needsItsOwnCache``: a
    clipPath, or a shadowed object that paints its stroke first over a fill), so that its shadow is cast by
    everything it draws. Otherwise — Node's StaticCanvas, ``objectCaching`` off: the likely reference render,
    docs/fabric.md "Browser or Node" — it draws straight onto the canvas with the shadow set, and the first
    background, the underline or the fill casts it while ``_removeShadow`` takes it off for what follows.
    An object saved with ``objectCaching: true`` (``toJSON(['objectCaching'])``) is cached as Fabric loading
    that JSON caches it (under Node too)."""
    if obj.get("clipPath") or obj.get("objectCaching") is True:
        return True
    return bool(
        obj.get("shadow") and obj.get("paintFirst") == "stroke" and has_paint(obj, "fill") and has_paint(obj, "stroke")
    )


def split_paint(obj: Mapping[str, Any], opacity: float, fill: Any, stroke: Any) -> bool:
    """Whether a translucent object's fill and stroke are composited one after the other (each at the
    object's alpha: the inner half of the stroke shows the fill through), as Fabric's Node render draws an
    object without a cache of its own (objectCaching off, docs/fabric.md "Browser or Node"), rather than as
    one translucent picture (an object drawn through its cache: a clipPath, ``objectCaching: true``)."""
    return opacity < 1 and fill is not None and stroke is not None and not own_cache(obj)


def split_layer(native: dict[str, Any]) -> list[dict[str, Any]]:
    """A native shape layer as its fill and its stroke, each a layer, in its paint order."""
    if "fill" not in native or "stroke" not in native:
        return [native]
    fill_only = {k: v for k, v in native.items() if k not in ("stroke", "paint_order")}
    stroke_only = {k: v for k, v in native.items() if k not in ("fill", "paint_order")}
    return [stroke_only, fill_only] if native.get("paint_order") == "stroke" else [fill_only, stroke_only]


def uncached_text_cast(obj: Mapping[str, Any], parts: Mapping[str, str], stroke_first: bool) -> str:
    """What casts a text object's shadow when Fabric draws it straight onto the canvas (Node's StaticCanvas;
    any text in a group): ``Text._render`` paints the path, the text backgrounds, the underlines, the glyphs
    (fill then stroke, or the reverse) and the over/line-throughs with the shadow set, and ``_removeShadow``
    takes it off after the object's ``backgroundColor``, after text backgrounds, after underlines, and before
    a stroke (unless ``affectStroke``; ``_renderTextStroke`` does so too for text with per-character styles).
    ``parts``: SVG of ``background``, ``path``, ``textBackgroundColor``, ``underline``, ``glyphs``,
    ``stroke``, ``after`` (overlines and line-throughs)."""
    if parts["background"]:
        return parts["background"]
    for first in ("textBackgroundColor", "underline"):
        if parts[first]:
            return parts["path"] + parts[first]
    shadow = obj.get("shadow")
    affect = isinstance(shadow, dict) and bool(shadow.get("affectStroke"))
    styles = obj.get("styles")
    if isinstance(styles, dict):
        styled = any(
            isinstance(ln, dict) and any(isinstance(c, dict) and c for c in ln.values()) for ln in styles.values()
        )
    else:
        styled = isinstance(styles, list) and any(isinstance(r, dict) and r.get("style") for r in styles)
    removes = not affect and (has_paint(obj, "stroke") or styled)
    if stroke_first:
        return parts["path"] if removes else parts["path"] + parts["stroke"] + parts["glyphs"] + parts["after"]
    return parts["path"] + parts["glyphs"] + ("" if removes else parts["stroke"] + parts["after"])


def shadow_filter(
    shadow: Any, where: str, m: Matrix, bounds: Bounds, image_space: str = "", multiplier: float = 1.0
) -> tuple[str, Bounds]:
    """An SVG filter (id ``shadow``) casting Fabric's canvas shadow from what ``bounds`` (canvas px) covers,
    and those bounds grown by how far the shadow reaches beyond them (the filter's region).

    Fabric sets ``shadowBlur = blur · (scaleX + scaleY) / 2`` and ``shadowOffset = offset · scale`` with
    the object's total scaling (``getObjectScaling``, here ``m``'s); a canvas shadow is a Gaussian of
    σ = shadowBlur / 2 in canvas space, so it does not turn with the object.

    ``image_space``: a ``drawImage`` shadow as node-canvas draws it (Fabric's Node render, at multiplier 1),
    in the user space of the drawImage call (node-canvas also moves a blurred one 1.4 px, which its blur's
    own shift seems to undo: measured on the sweep, no nudge scores best):
    ``"object"`` an image drawn straight onto the canvas, whose user space is its own — the offset is mapped
    by the object's matrix once more (scaled, turned, mirrored) and the blur scaled by it; ``"cache"`` an
    object drawn through its cache (a clipped image), whose user space is the object's turned and mirrored
    but not scaled — the offset turns with the object. ``multiplier``: the ``toDataURL`` multiplier of the
    render to match: the viewport's scale is in the ``"object"`` user space too, so there the shadow's offset
    and blur grow with it relative to the canvas (at 2x twice as far as at 1x)."""
    if not isinstance(shadow, dict):
        raise DesignError("shadow is a Fabric Shadow object {color, blur, offsetX, offsetY}", field=where)
    col, alpha = color(shadow.get("color", "rgb(0,0,0)"), f"{where}.color")
    blur = num(shadow, "blur", 0.0, where)
    sx = math.hypot(m.a, m.b)
    sy = abs(m.a * m.d - m.b * m.c) / sx if sx else 0.0  # getObjectScaling: absolute values (flips too)
    if shadow.get("nonScaling"):
        sx, sy = 1.0, 1.0
    sigma = max(0.0, blur * (sx + sy) / 4)
    dx, dy = num(shadow, "offsetX", 0.0, where) * sx, num(shadow, "offsetY", 0.0, where) * sy
    if image_space:
        a, b, c, d = m.a, m.b, m.c, m.d
        if image_space == "cache":
            ra, rc = math.hypot(a, b) or 1.0, math.hypot(c, d) or 1.0
            a, b, c, d = a / ra, b / ra, c / rc, d / rc
        else:
            sigma *= math.sqrt(abs(a * d - b * c)) * multiplier
            a, b, c, d = a * multiplier, b * multiplier, c * multiplier, d * multiplier
        dx, dy = a * dx + c * dy, b * dx + d * dy
    if not all(math.isfinite(v) and abs(v) < 1e6 for v in (sigma, dx, dy)):
        raise DesignError("shadow blur and offsets must be reasonable numbers", field=where)
    transparent = col is None or alpha <= 0
    grow = 0.0 if transparent else abs(dx) + abs(dy) + 3 * sigma + 1
    x0, y0, x1, y1 = bounds
    grown = x0 - grow, y0 - grow, x1 + grow, y1 + grow
    head = f'<filter id="shadow" filterUnits="userSpaceOnUse" {svg.region(grown)}'
    if transparent:
        return f'{head}><feFlood flood-opacity="0"/></filter>', grown
    blur_el = f'<feGaussianBlur in="SourceAlpha" stdDeviation="{fmt(sigma)}"/>' if sigma > 0 else ""
    src = "" if sigma > 0 else ' in="SourceAlpha"'
    filt = (
        f'{head} color-interpolation-filters="sRGB">'
        f'{blur_el}<feOffset{src} dx="{fmt(dx)}" dy="{fmt(dy)}" result="b"/>'
        f'<feFlood flood-color="{col}" flood-opacity="{fmt(alpha)}"/><feComposite in2="b" operator="in"/>'
        "</filter>"
    )
    return filt, grown


def local_svg(
    conv: Converter,
    body: str,
    bounds: Bounds,
    m: Matrix,
    where: str,
    opacity: float,
    clips: tuple[Clip, ...],
    shadow: Any = None,
    scale_of: Matrix | None = None,
    image_space: str = "",
) -> dict[str, Any]:
    """An ``svg`` layer drawing ``body`` (SVG elements in the object's local px, ``bounds`` x0, y0, x1, y1
    covering them) through ``m``, inside ``clips``; with ``shadow``, only the shadow the body casts (scaled
    by ``scale_of``, default ``m``: Fabric scales blur and offsets by the object's total scaling)."""
    defs, ids = clip_defs(clips, m, bounds)
    body = svg.transformed(svg.clipped(body, ids), m)
    box = transformed_bounds(m, bounds, 1)
    if shadow is not None:
        filt, box = shadow_filter(shadow, f"{where}.shadow", scale_of or m, box, image_space, conv.opts.multiplier)
        defs += filt
        body = svg.filtered(body, "shadow")
    return conv.svg_layer(box, defs, body, opacity)
