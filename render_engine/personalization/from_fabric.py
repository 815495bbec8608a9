"""A Fabric canvas becomes a design template (#19): a storefront's editor marks what a customer fills, and the
canvas imports as any Fabric canvas does (:func:`render_engine.fabric.load_fabric_json`), then

- a text whose text holds ``{{variables}}`` (``{{name|upper}}``, ``{{date|date:%d %B %Y}}``) makes a text slot
  per variable (a date slot where the ``date`` filter is used); the object's ``maxLength`` caps it;
- an image marked with ``"slot": "<name>"`` (or ``"placeholder": true``: ``photo``, ``photo_2``, …) becomes a
  photo slot's layer, its picture dropped; ``slotLabel`` names it for the shopper;
- an object with ``selectable: false`` or both ``lockMovementX`` / ``lockMovementY`` is ``locked``.

Fabric keeps custom properties when the editor serialises them (``canvas.toJSON(["slot", "placeholder",
"slotLabel", "maxLength"])``). An image that is not a placeholder is refused (template art is SVG or shapes,
kept inline; a photo of the shop's would have no home in the library), naming its Fabric object. The result is
validated as any template file is (:func:`.catalog.parse_design_template`).

A two-sided or multi-page product takes one canvas per surface or page, in the document shape the Fabric importer
reads for such products (docs/fabric.md, "One canvas per surface or page"): ``{"surfaces": {"front": <canvas>,
"back": <canvas>}, "pages": [<canvas>, …]}`` (or that document as the wrapper's ``fabric``, with its
``canvas`` size). Each canvas makes that surface's layers (``products.<id>.surfaces.<name>.layers`` /
``pages[i].layers``); slots are the template's, shared by every surface (a ``{{name}}`` on the front and the
back is one slot; unnamed placeholders number on across surfaces: ``photo``, ``photo_2``…). Errors name the
object in its canvas: ``surfaces.back.objects[2]`` (the API: ``fabric.surfaces.back.objects[2]``).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from ..model.errors import DesignError, several
from .catalog import default_directory, parse_design_template
from .model import DesignTemplate
from .variables import variables

_STEP = re.compile(r"objects\[(\d+)\]")


def _object(root: dict[str, Any], source: str) -> dict[str, Any]:
    """The Fabric object a layer came from (``fabric.objects[3].objects[0]``: the innermost one named)."""
    obj: Any = root
    for m in _STEP.finditer(source):
        kids = obj.get("objects") if isinstance(obj, dict) else None
        if not isinstance(kids, list) or int(m.group(1)) >= len(kids):
            break
        obj = kids[int(m.group(1))]
    return obj if isinstance(obj, dict) else {}


def _document(data: Any) -> tuple[Any, str]:
    """``(what the importer reads, the field prefix of its paths)``: a document of several canvases given as the
    wrapper's ``fabric`` (the API's shape: ``{"canvas": …, "fabric": {"surfaces": …}}``) is unwrapped, its
    ``canvas`` size kept as the document's; anything else is read as it is."""
    inner = data.get("fabric") if isinstance(data, dict) else None
    if isinstance(inner, dict) and ({"surfaces", "pages"} & inner.keys()) and "objects" not in inner:
        doc = dict(inner)
        if data.get("canvas") is not None and "canvas" not in doc:
            doc["canvas"] = data["canvas"]
        return doc, "fabric."
    return data, ""


def _prefixed(exc: DesignError, prefix: str) -> DesignError:
    if prefix:
        exc.field = f"{prefix}{exc.field}" if exc.field else prefix.rstrip(".")
        for p in exc.problems:
            p.field = f"{prefix}{p.field}" if p.field else prefix.rstrip(".")
    return exc


def _canvas_root(doc: dict[str, Any], surface_prefix: str) -> dict[str, Any]:
    """The ``toJSON()`` of the canvas a surface came from (``surfaces.back.`` / ``pages[2].``)."""
    from ..fabric.importer import fabric_root

    m = re.match(r"^pages\[(\d+)\]\.$", surface_prefix)
    try:
        canvas = doc["pages"][int(m.group(1))] if m else doc["surfaces"][surface_prefix.split(".")[1]]
        return fabric_root(canvas)[0]
    except (KeyError, IndexError, TypeError, DesignError):
        return {}


def design_template_from_fabric(
    data: Any, product: str, engine: Any, *, template_id: str, name: str, occasions: tuple[str, ...] = (),
    language: str = "en",
) -> tuple[DesignTemplate, dict[str, Any]]:  # fmt: skip
    """``(template, its JSON)`` from decoded Fabric JSON (``toJSON()`` or the request wrapper, or one canvas per
    surface / page of a multi-surface product) on ``product`` (``engine``: a
    :class:`~render_engine.engine.Engine`, for the product and fonts).
    Raises one :class:`DesignError` listing every problem, each naming its Fabric object."""
    from ..fabric import load_fabric_json
    from ..fabric.importer import fabric_root
    from ..model.errors import RenderError

    doc, prefix = _document(data)
    with tempfile.TemporaryDirectory(prefix="fabric-template-") as tmp:
        try:
            imp = load_fabric_json(doc, engine, Path(tmp), product)
        except RenderError as exc:
            if isinstance(exc, DesignError):
                raise _prefixed(exc, prefix) from None
            raise
    body = imp.design.model_dump(mode="json", exclude_defaults=True)
    groups: list[tuple[str, list[dict[str, Any]], dict[str, Any], tuple[str, ...]]] = []
    if imp.design.is_multi:
        for n, surface in body.get("surfaces", {}).items():
            at = f"surfaces.{n}."
            groups.append((at, surface.get("layers", []), _canvas_root(doc, at), imp.surface_sources.get(at, ())))
        for i, page in enumerate(body.get("pages", [])):
            at = f"pages[{i}]."
            groups.append((at, page.get("layers", []), _canvas_root(doc, at), imp.surface_sources.get(at, ())))
    else:
        groups.append(("", body.get("layers", []), fabric_root(data)[0], imp.sources))
    slots: dict[str, dict[str, Any]] = {}
    problems: list[DesignError] = []
    for at, layers, root, sources in groups:
        for i, layer in enumerate(layers):
            source = sources[i] if i < len(sources) else f"{at}layers[{i}]"
            _template_layer(layer, _object(root, source), f"{prefix}{source}" if at else source, slots, problems)
    if problems:
        raise several(problems)
    if imp.design.is_multi:
        from .model import assemble

        layout = assemble([(at, layers) for at, layers, _, _ in groups])
    else:
        layout = {"layers": groups[0][1]}
    out = {"id": template_id, "name": name, "occasions": list(occasions), "language": language, "slots": slots,
           "products": {product: layout}, "credits": "Imported from a Fabric canvas."}  # fmt: skip
    return parse_design_template(out, default_directory(), f"{template_id}.json"), out


def _template_layer(layer: dict[str, Any], obj: dict[str, Any], source: str, slots: dict[str, dict[str, Any]],
                    problems: list[DesignError]) -> None:  # fmt: skip
    """``layer`` (a native layer from Fabric object ``obj``) made a template layer in place: locked, a photo
    slot's image, or a text whose variables add text / date slots to ``slots``; problems name ``source``."""
    if obj.get("selectable") is False or (obj.get("lockMovementX") and obj.get("lockMovementY")):
        layer["locked"] = True
    if layer.get("type") == "image":
        slot = obj.get("slot")
        if slot is None and obj.get("placeholder") is True:
            n = sum(1 for s in slots.values() if s["type"] == "photo")
            slot = "photo" if n == 0 else f"photo_{n + 1}"
        if not isinstance(slot, str) or not re.match(r"^[a-z][a-z0-9_]{0,31}$", slot):
            problems.append(DesignError('an image in a template is a photo slot: mark it "slot": "<name>" '
                                        '(a-z, 0-9, _) or "placeholder": true', field=source))  # fmt: skip
            return
        for key in ("asset", "asset_id"):
            layer.pop(key, None)
        layer.pop("locked", None)
        layer["slot"] = slot
        label = str(obj.get("slotLabel") or slot.replace("_", " ").title())[:80]
        slots.setdefault(slot, {"type": "photo", "label": label, "min_dpi": 150})
    elif layer.get("type") == "text":
        try:
            found = variables(str(layer.get("text", "")))
        except ValueError as exc:
            problems.append(DesignError(str(exc), field=f"{source}.text"))
            return
        if found:
            layer.pop("locked", None)
        for var in found:
            dated = any(f == "date" for f, _ in var.filters)
            entry = slots.setdefault(var.slot, {"type": "date" if dated else "text",
                                                "label": var.slot.replace("_", " ").title()})  # fmt: skip
            cap = obj.get("maxLength")
            if entry["type"] == "text" and isinstance(cap, int) and cap > 0:
                entry["max_length"] = min(cap, entry.get("max_length", cap))
