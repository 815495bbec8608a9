"""Size limits checked on the decoded JSON, before anything works on it: no schema validation, Fabric
translation, text shaping or image decode happens for a document over a limit.

Why up front: the limits used to be checked where each thing was used (``resolve``), after the expensive
part. A Fabric textbox holding one 10 000-character word was laid out by the importer (shaped, wrapped on
Fabric's per-character widths: 6.5 s and 446 MB in the API) before the native design's text limit refused
it; a 5 000-layer design got the schema's "at most 1000 items" message instead of the documented ``413
limit_exceeded``. The counts below are cheap (one walk over dicts and lists, no string is copied).

Every error is a :class:`~render_engine.model.errors.LimitExceeded` (413) naming the field.
"""

from __future__ import annotations

from typing import Any

from .errors import LimitExceeded
from .settings import Settings

MAX_FABRIC_GROUP_DEPTH = 32
"""Groups inside groups in a Fabric canvas (the importer translates them recursively)."""


def _add_design_text(total: int, text: Any, settings: Settings, field: str) -> int:
    """``total`` plus this text's length; :class:`LimitExceeded` naming the text that crosses the design's
    budget (``max_design_text_chars``: each layer within its own limit, 200 of them still cost minutes)."""
    if not isinstance(text, str):
        return total
    total += len(text)
    if total > settings.max_design_text_chars:
        raise LimitExceeded(
            f"the design's texts hold over {settings.max_design_text_chars} characters together (this one "
            f"reaches {total}): split the design or shorten its texts",
            field=field,
        )
    return total


def check_native(data: Any, settings: Settings, prefix: str = "") -> None:
    """Layer count, text length (a layer's ``text`` and its spans') and inline SVG size of a native design."""
    if not isinstance(data, dict):
        return
    surfaces, pages = data.get("surfaces"), data.get("pages")
    if isinstance(surfaces, dict):
        if len(surfaces) > settings.max_layers:  # a product has a handful; 10 000 made 10 000 "no such surface"
            raise LimitExceeded(
                f"{len(surfaces)} surfaces, over the limit of {settings.max_layers}", field=f"{prefix}surfaces"
            )
        for name, surface in surfaces.items():
            check_native(surface, settings, f"{prefix}surfaces.{name}.")
    if isinstance(pages, list):
        if len(pages) > settings.max_layers:
            raise LimitExceeded(f"{len(pages)} pages, over the limit of {settings.max_layers}", field=f"{prefix}pages")
        for i, page in enumerate(pages):
            check_native(page, settings, f"{prefix}pages[{i}].")
    layers = data.get("layers")
    if not isinstance(layers, list):
        return
    if len(layers) > settings.max_layers:
        raise LimitExceeded(
            f"{len(layers)} layers, over the limit of {settings.max_layers}", field=f"{prefix}layers"
        )
    total = 0
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            continue
        where = f"{prefix}layers[{i}]"
        text = layer.get("text")
        if isinstance(text, str) and len(text) > settings.max_text_chars:
            raise LimitExceeded(
                f"text has {len(text)} characters, over the limit of {settings.max_text_chars}", field=f"{where}.text"
            )
        total = _add_design_text(total, text, settings, f"{where}.text")
        svg = layer.get("svg")
        if isinstance(svg, str) and len(svg) > settings.max_svg_bytes:
            raise LimitExceeded(f"SVG is larger than {settings.max_svg_bytes} bytes", field=f"{where}.svg")


def check_fabric(data: Any, settings: Settings, prefix: str = "") -> None:
    """Object count (groups' children included), group depth, text length per object and SVG data-URL size
    of a Fabric canvas (``canvas.toJSON()`` or the request wrapper ``{canvas, fabric, …}``)."""
    if not isinstance(data, dict):
        return
    wrapped = data.get("fabric")
    root: dict[str, Any] = wrapped if isinstance(wrapped, dict) else data
    if root is not data:
        prefix = f"{prefix}fabric."
    objects = root.get("objects")
    if not isinstance(objects, list):
        return
    count = total = 0
    stack: list[tuple[list[Any], str, int]] = [(objects, f"{prefix}objects", 1)]
    for key in ("backgroundImage", "overlayImage", "clipPath"):
        if isinstance(root.get(key), dict):
            stack.append(([root[key]], f"{prefix}{key}", 1))
    while stack:
        items, where, depth = stack.pop()
        if depth > MAX_FABRIC_GROUP_DEPTH:
            raise LimitExceeded(f"groups nested deeper than {MAX_FABRIC_GROUP_DEPTH} levels", field=where)
        count += len(items)
        if count > settings.max_layers:
            raise LimitExceeded(
                f"more than {settings.max_layers} objects, over the layer limit of {settings.max_layers}",
                field=f"{prefix}objects",
            )
        for i, obj in enumerate(items):
            if not isinstance(obj, dict):
                continue
            here = where if len(items) == 1 and not where.endswith("objects") else f"{where}[{i}]"
            text = obj.get("text")
            if isinstance(text, str) and len(text) > settings.max_text_chars:
                raise LimitExceeded(
                    f"text has {len(text)} characters, over the limit of {settings.max_text_chars}",
                    field=f"{here}.text",
                )
            total = _add_design_text(total, text, settings, f"{here}.text")
            src = obj.get("src")
            big = isinstance(src, str) and len(src) > settings.max_svg_bytes * 4 // 3 + 256
            if big and str(src)[:24].lower().startswith("data:image/svg+xml"):
                raise LimitExceeded(f"SVG is larger than {settings.max_svg_bytes} bytes", field=f"{here}.src")
            for key in ("objects", "_objects"):
                children = obj.get(key)
                if isinstance(children, list):
                    stack.append((children, f"{here}.{key}", depth + 1))
            clip = obj.get("clipPath")
            if isinstance(clip, dict):
                stack.append(([clip], f"{here}.clipPath", depth + 1))
