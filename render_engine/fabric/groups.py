"""Groups: their children in the group's plane, and a group drawn through its own cache as one picture.

Fabric's Node render (``StaticCanvas`` on node-canvas, ``objectCaching`` off: the reference, docs/fabric.md
"Browser or Node") draws a group child by child straight onto the canvas: each child at the group's opacity
times its own (overlapping children show through each other) and casting the group's shadow. Only a group
that needs a cache of its own (``needsItsOwnCache``: a clipPath) or was saved with ``objectCaching: true``
(as a browser caches top-level objects) is drawn into its cache and the cache drawn with the group's opacity
and shadow: such a group of vector objects and text becomes one ``svg`` layer (:func:`group_as_one_svg`); a
group holding an image cannot, and passes its opacity on to each child instead (noted).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..model.errors import DesignError
from ..model.geometry import Matrix
from . import svg
from .effects import local_svg, own_clips
from .flatten import flatten_group
from .object_geometry import inverse
from .parse import kind_of, num
from .shapes import background_color
from .svg import fmt
from .text_clip import knockouts

if TYPE_CHECKING:
    from .protocol import Converter, Node


def without_images(children: list[Any], shadows: bool = False) -> bool:
    """No image anywhere in these group children (an image cannot join a group's single svg layer); with
    ``shadows``, no shadow either (Fabric does not cache a group whose children cast shadows)."""
    for c in children:
        if not isinstance(c, dict):
            return False
        t = c.get("type")
        if not isinstance(t, str) or kind_of(t) == "image":
            return False
        if shadows and c.get("shadow"):
            return False
        sub = c.get("objects")
        if kind_of(t) == "group" and (not isinstance(sub, list) or not without_images(sub, shadows)):
            return False
    return True


def group(conv: Converter, node: Node, parent_opacity: float, layers: list[dict[str, Any]]) -> None:
    """A group (in a group of ``parent_opacity``): its backgroundColor, then its children."""
    obj, where, m = node.obj, node.where, node.m
    children = obj.get("objects")
    if not isinstance(children, list):
        raise DesignError("a group needs an 'objects' array", field=f"{where}.objects")
    inner = own_clips(obj, where, m, node.clips)
    own_opacity = num(obj, "opacity", 1.0, where)
    cached = group_cached(obj, node.in_group)
    shadow = obj.get("shadow")
    bg_shadow = None
    if shadow and not (cached and not conv.force_svg and _no_shadows(children)):
        # Fabric draws this group uncached (a child casts a shadow, or it sits in a group): the group's
        # _setShadow leaves the shadow on the context and each child without a shadow of its own draws with
        # it (a child's _setShadow returns early), the group's background too — every child casts it, unless
        # the group has a backgroundColor: _renderBackground takes the shadow off after painting it
        bg_shadow = inherited_shadow(shadow, m, f"{where}.shadow")
        if obj.get("backgroundColor") in (None, ""):
            children = [
                c if not isinstance(c, dict) or c.get("shadow") else {**c, "shadow": bg_shadow} for c in children
            ]
        obj = {k: v for k, v in obj.items() if k != "shadow"}
        node = dataclasses.replace(node, obj=obj)
        shadow = None
    if shadow and not without_images(children):
        # a cached group holding images (a photo in a frame): the whole group casts the shadow, under it;
        # the children are then drawn one by one (an image cannot join an svg layer)
        group_shadow_with_images(conv, node, children, layers)
        node = dataclasses.replace(node, obj={k: v for k, v in obj.items() if k != "shadow"})
        obj = node.obj
        shadow = None
    if own_opacity < 1 and not shadow and cached and not conv.force_svg and conv.engine and _composites(children):
        # children that blend or composite with each other inside a translucent cached group: Fabric
        # composites them in the group's cache, then the cache with the group's opacity — flattened
        conv.contexts.append(0)
        try:
            sub, _ = cache_contents(conv, node, children, inner)
        finally:
            conv.contexts.pop()
        flatten_group(conv, sub, layers, parent_opacity * own_opacity, where)
        return
    if (own_opacity < 1 or shadow) and cached and not conv.force_svg and without_images(children):
        # Fabric draws a cached group into its cache, then the cache with the group's opacity:
        # overlapping children do not show through each other. One svg layer composites the same way.
        # (Groups inside it are drawn child by child into that cache: each child takes their opacity.)
        group_as_one_svg(conv, node, children, parent_opacity, own_opacity, layers)
        return
    if own_opacity < 1 and cached and not conv.force_svg and len(children) > 1:
        conv.notes.append(
            f"{where}.opacity: applied to each child (the group holds an image); where children overlap "
            "they show through each other, unlike Fabric"
        )
    if obj.get("backgroundColor") not in (None, ""):
        background_color(conv, node, layers, shadow=bg_shadow)
    # knockout text erases within the group's own cache: only a cached group without a background of its own
    plain = cached and not conv.force_svg and obj.get("backgroundColor") in (None, "")
    extra, cut = knockouts(conv, children, f"{where}.objects", m) if plain else ([()] * len(children), set())
    if cached:  # Porter-Duff operators of its children composite within the group's cache (.flatten)
        conv.contexts.append(len(layers))
    try:
        for j, child in enumerate(children):
            if j not in cut:
                at = f"{where}.objects[{j}]"
                conv.object(child, at, m, node.opacity, layers, in_group=True, clips=(*inner, *extra[j]))
    finally:
        if cached:
            conv.contexts.pop()


def group_cached(obj: Mapping[str, Any], in_group: bool) -> bool:
    """Fabric's ``shouldCache`` for a group under Node: ``needsItsOwnCache`` (a clipPath), or ``objectCaching``
    saved true on a group that is not inside another (a browser's default, which ``toJSON()`` leaves out)."""
    return bool(obj.get("clipPath")) or (obj.get("objectCaching") is True and not in_group)


def inherited_shadow(shadow: Any, m: Matrix, where: str) -> dict[str, Any]:
    """A group's shadow as its children inherit it from the context: blur and offsets already scaled by the
    group's total scaling (``m``, as the group's ``_setShadow`` did), so ``nonScaling`` for the child."""
    if not isinstance(shadow, dict):
        raise DesignError("shadow is a Fabric Shadow object {color, blur, offsetX, offsetY}", field=where)
    sx = math.hypot(m.a, m.b)
    sy = abs(m.a * m.d - m.b * m.c) / sx if sx else 0.0
    if shadow.get("nonScaling"):
        sx, sy = 1.0, 1.0
    return {
        **shadow,
        "blur": num(shadow, "blur", 0.0, where) * (sx + sy) / 2,
        "offsetX": num(shadow, "offsetX", 0.0, where) * sx,
        "offsetY": num(shadow, "offsetY", 0.0, where) * sy,
        "nonScaling": True,
    }


def _composites(children: list[Any]) -> bool:
    """A child (or a child of a child group) sets a globalCompositeOperation other than source-over."""
    for c in children:
        if not isinstance(c, dict):
            continue
        if c.get("globalCompositeOperation") not in (None, "source-over"):
            return True
        if isinstance(c.get("objects"), list) and _composites(c["objects"]):
            return True
    return False


def cache_contents(
    conv: Converter, node: Node, children: list[Any], clips: tuple[Any, ...]
) -> tuple[list[dict[str, Any]], list[Any]]:
    """What Fabric draws into a group's cache: its backgroundColor (clipped by the group's own clipPath too)
    and its children, translated at full opacity into a list of their own, with the layer origins they
    recorded (taken off ``conv.layer_origin``). The caller sets how they are drawn (``force_svg``, a context)."""
    obj, where, m = node.obj, node.where, node.m
    sub: list[dict[str, Any]] = []
    start = len(conv.layer_origin)
    if obj.get("backgroundColor") not in (None, ""):
        background_color(conv, dataclasses.replace(node, opacity=1.0), sub)
    for j, child in enumerate(children):
        conv.object(child, f"{where}.objects[{j}]", m, 1.0, sub, in_group=True, clips=clips)
    origins = conv.layer_origin[start:]
    del conv.layer_origin[start:]
    return sub, origins


def _no_shadows(children: list[Any]) -> bool:
    for c in children:
        if not isinstance(c, dict) or c.get("shadow"):
            return False
        if isinstance(c.get("objects"), list) and not _no_shadows(c["objects"]):
            return False
    return True


def group_shadow_with_images(conv: Converter, node: Node, children: list[Any], layers: list[dict[str, Any]]) -> None:
    """The shadow a cached group holding images casts (Fabric draws the group's cache with it): the
    children's silhouettes — vector and text children as drawn, each image as its (clipped) box, assumed
    opaque — in one ``svg`` layer with the shadow filter, before the group's layers."""
    obj, where, m = node.obj, node.where, node.m
    conv.force_svg += 1
    try:
        sub, _ = cache_contents(conv, node, children, own_clips(obj, where, m, node.clips))
    finally:
        conv.force_svg -= 1
    to_px = inverse(conv.page)
    parts, boxes = [], []
    for n, layer in enumerate(sub):
        if layer.get("type") == "svg":
            bounds, content = svg.parse_document(layer["svg"])
            parts.append(svg.translucent(svg.namespaced(content, f"s{n}-"), layer.get("opacity", 1.0)))
            boxes.append(bounds)
        elif layer.get("type") == "image":
            box = layer["box"]
            bw, bh = box["width"], box["height"]
            place = Matrix.rotate(layer.get("rotation", 0.0), bw / 2, bh / 2).then(Matrix.translate(box["x"], box["y"]))
            place = place.then(to_px)  # the image box (mm from its corner) -> canvas px
            clip = layer.get("clip")
            shape_d = (
                clip["d"]
                if isinstance(clip, dict) and clip.get("shape") == "path"
                else (f"M0 0H{fmt(bw)}V{fmt(bh)}H0Z")
            )
            el = f'<path d="{shape_d}" fill="#000" fill-opacity="{fmt(layer.get("opacity", 1.0))}"/>'
            parts.append(svg.transformed(el, place))
            xs, ys = zip(*(place.apply(p) for p in ((0, 0), (bw, 0), (0, bh), (bw, bh))), strict=True)
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    if not parts:
        return
    conv.notes.append(f"{where}.shadow: images in the group cast the shadow of their box (assumed opaque)")
    bounds = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    sh = local_svg(conv, "".join(parts), bounds, Matrix(), where, 1.0, (), obj.get("shadow"), scale_of=m)
    sh["opacity"] = round(node.opacity, 6)
    conv.add(layers, sh, f"{where}.shadow")


def group_as_one_svg(
    conv: Converter,
    node: Node,
    children: list[Any],
    parent_opacity: float,
    own_opacity: float,
    layers: list[dict[str, Any]],
) -> None:
    """A translucent group of vector objects and text as one ``svg`` layer with the group's opacity: its
    backgroundColor and children are translated as svg layers without the group's opacity and merged."""
    obj, where, m = node.obj, node.where, node.m
    conv.force_svg += 1
    try:
        sub, origins = cache_contents(conv, node, children, own_clips(obj, where, m, node.clips))
    finally:
        conv.force_svg -= 1
    if not sub:
        return
    if any(layer.get("type") != "svg" for layer in sub):  # cannot happen without images; stay correct
        for layer, origin in zip(sub, origins, strict=True):
            layer["opacity"] = round(layer.get("opacity", 1.0) * parent_opacity * own_opacity, 6)
            conv.add(layers, layer, origin)
        return
    merged = merge_svgs(conv, sub, parent_opacity * own_opacity)
    shadow = obj.get("shadow")
    if shadow:  # Fabric draws the group's cache with the shadow: the whole group casts it
        bounds, content = svg.parse_document(merged["svg"])
        sh = local_svg(conv, content, bounds, Matrix(), where, 1.0, (), shadow, scale_of=m)
        sh["opacity"] = merged["opacity"]
        conv.add(layers, sh, f"{where}.shadow")
    conv.add(layers, merged, f"{where}.objects")


def merge_svgs(conv: Converter, sub: list[dict[str, Any]], opacity: float) -> dict[str, Any]:
    """svg layers whose viewBoxes are in canvas px, as one svg layer (ids made unique per part) drawn with
    ``opacity``."""
    boxes = []
    parts = []
    for n, layer in enumerate(sub):
        bounds, content = svg.parse_document(layer["svg"])
        boxes.append(bounds)
        parts.append(svg.translucent(svg.namespaced(content, f"g{n}-"), layer.get("opacity", 1.0)))
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return conv.svg_layer((x0, y0, x1, y1), "", "".join(parts), opacity)
