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


def design_template_from_fabric(
    data: Any, product: str, engine: Any, *, template_id: str, name: str, occasions: tuple[str, ...] = (),
    language: str = "en",
) -> tuple[DesignTemplate, dict[str, Any]]:  # fmt: skip
    """``(template, its JSON)`` from decoded Fabric JSON (``toJSON()`` or the request wrapper) on ``product``
    (``engine``: a :class:`~render_engine.engine.Engine`, for the product and fonts).
    Raises one :class:`DesignError` listing every problem, each naming its Fabric object."""
    from ..fabric import load_fabric_json
    from ..fabric.importer import fabric_root
    with tempfile.TemporaryDirectory(prefix="fabric-template-") as tmp:
        imp = load_fabric_json(data, engine, Path(tmp), product)
    if imp.design.is_multi:
        raise DesignError("a design template from Fabric takes one canvas (one surface)", field="surfaces")
    root, _ = fabric_root(data)
    layers = imp.design.model_dump(mode="json", exclude_defaults=True)["layers"]
    slots: dict[str, dict[str, Any]] = {}
    problems: list[DesignError] = []
    for i, layer in enumerate(layers):
        source = imp.sources[i] if i < len(imp.sources) else f"layers[{i}]"
        obj = _object(root, source)
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
                continue
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
                continue
            if found:
                layer.pop("locked", None)
            for var in found:
                dated = any(f == "date" for f, _ in var.filters)
                entry = slots.setdefault(var.slot, {"type": "date" if dated else "text",
                                                    "label": var.slot.replace("_", " ").title()})  # fmt: skip
                cap = obj.get("maxLength")
                if entry["type"] == "text" and isinstance(cap, int) and cap > 0:
                    entry["max_length"] = min(cap, entry.get("max_length", cap))
    if problems:
        raise several(problems)
    out = {"id": template_id, "name": name, "occasions": list(occasions), "language": language, "slots": slots,
           "products": {product: {"layers": layers}}, "credits": "Imported from a Fabric canvas."}  # fmt: skip
    return parse_design_template(out, default_directory(), f"{template_id}.json"), out
