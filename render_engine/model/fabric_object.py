"""The Fabric object a native layer, an import note or a preflight finding came from, named the way a storefront
developer finds it in the canvas JSON: its path (``objects[3]``, ``surfaces.back.objects[1].objects[0]``), its
``type`` as written, and its ``id`` / ``name`` when the editor set them.

One format everywhere (the CLI's lines, ``Rendered.warnings``, the API's notes, approximations and findings)::

    objects[3] (Textbox, id "greeting")          # label()
    objects[3].fontFamily (Textbox, id "greeting"): no bundled font …   # labelled(objects, field, message)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_MAX_SHOWN = 60  # characters of an id or name shown (an editor may store anything there)
_CUT = re.compile(r"(?:\.[^.\[\]]+|\[\d+\])$")  # the last ".key" or "[i]" of a field path


def _shown(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
        return None
    text = str(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


@dataclass(frozen=True)
class FabricObject:
    """One Fabric object of an imported canvas: where it is, its type, and the ids the editor gave it."""

    field: str  # "objects[3]", "fabric.objects[2].objects[0]", "surfaces.back.objects[1]"
    type: str  # as the JSON writes it: "Textbox", "i-text", "Image"
    id: str | None = None
    name: str | None = None

    @classmethod
    def of(cls, field: str, obj: Mapping[str, Any]) -> FabricObject:
        kind = obj.get("type")
        return cls(field, kind if isinstance(kind, str) and kind else "object", _shown(obj.get("id")),
                   _shown(obj.get("name")))  # fmt: skip

    def describe(self) -> str:
        """``Textbox, id "greeting", name "Greeting"`` (the type alone when the editor set neither)."""
        parts = [self.type]
        parts += [f"{k} {json.dumps(v, ensure_ascii=False)}" for k, v in (("id", self.id), ("name", self.name)) if v]
        return ", ".join(parts)

    def label(self, field: str | None = None, prefix: str = "") -> str:
        """``objects[3] (Textbox, id "greeting")``; ``field`` (a property of the object) in place of its path."""
        return f"{prefix}{field or self.field} ({self.describe()})"

    def to_dict(self, prefix: str = "") -> dict[str, str]:
        """``{"field": "design.fabric.objects[3]", "type": "Textbox", "id": …, "name": …}`` (unset ids left out)."""
        out = {"field": f"{prefix}{self.field}", "type": self.type}
        return out | {k: v for k, v in (("id", self.id), ("name", self.name)) if v}


def object_of(objects: Mapping[str, FabricObject], field: str | None) -> FabricObject | None:
    """The innermost Fabric object whose path ``field`` starts with (``objects[2].styles[1].style.fill`` ->
    ``objects[2]``; a child of a group before the group), or None."""
    while field:
        found = objects.get(field)
        if found is not None:
            return found
        cut = _CUT.sub("", field)
        if cut == field:
            return None
        field = cut
    return None


def labelled(objects: Mapping[str, FabricObject], field: str | None, message: str, prefix: str = "") -> str:
    """``field (Type, id "x"): message`` when ``field`` is in a Fabric object, else ``field: message``."""
    found = object_of(objects, field)
    where = found.label(field, prefix) if found is not None else f"{prefix}{field or 'design'}"
    return f"{where}: {message}"


def labelled_note(objects: Mapping[str, FabricObject], note: str, prefix: str = "") -> str:
    """An importer note (``objects[2].shadow: cast by …``, each starts with its field) with its object named."""
    field, sep, message = note.partition(": ")
    if not sep or " " in field:
        return f"{prefix}{note}" if prefix else note
    return labelled(objects, field, message, prefix)
