"""What differs between Fabric 5, 6 and 7 ``toJSON()`` output, read into one shape before the import.

* Type names: Fabric 5 writes ``rect``, ``i-text``, ``textbox``, ``image``; 6 and 7 class names
  (``Rect``, ``IText``, ``Textbox``, ``Image``, ``FabricText``): both are read by :data:`.parse.TYPES`.
* Per-character ``styles``: Fabric 5 nests ``{line: {char: style}}``, 6 and 7 write ranges
  ``[{start, end, style}]``: both are read by :mod:`.styles`.
* Default origin: Fabric 7 changed ``originX`` / ``originY`` from ``left`` / ``top`` to ``center`` /
  ``center``. ``toJSON()`` writes them, unless an editor serialises with ``includeDefaultValues: false``, which
  drops properties equal to the default: a missing origin then means ``center`` for an object written by
  Fabric 7 and ``left`` / ``top`` before. :func:`normalise` fills the missing origins in by the object's own
  ``version`` (every object records it), else its parent's, else the canvas's.
* Fabric 7.3 added ``textDecorationColor`` (object and per character; empty: the fill's colour).
* Circle angles: Fabric 5.x before the TypeScript port stored ``startAngle`` / ``endAngle`` in radians
  (``0`` .. ``2π``), later versions in degrees (``0`` .. ``360``). A Fabric 5 circle whose angles are a full
  turn in radians is a full circle.
"""

from __future__ import annotations

import math
import re
from typing import Any

_MAJOR = re.compile(r"^\s*(\d+)")
#: properties of an object that hold other objects (groups' children, clips, a text's path)
_CHILD_LISTS = ("objects",)
_CHILD_OBJECTS = ("clipPath", "path")


def major(version: Any, default: int = 6) -> int:
    """The major version of a Fabric ``version`` string ("7.4.0" -> 7); ``default`` when missing."""
    m = _MAJOR.match(version) if isinstance(version, str) else None
    return int(m.group(1)) if m else default


def normalise(root: dict[str, Any]) -> dict[str, Any]:
    """``root`` (a ``toJSON()`` document) with the version differences above resolved; objects are copied
    where something changes, never mutated."""
    ver = major(root.get("version"))
    out = dict(root)
    if isinstance(root.get("objects"), list):
        out["objects"] = [_object(o, ver) for o in root["objects"]]
    for key in ("backgroundImage", "overlayImage", "clipPath"):
        if isinstance(root.get(key), dict):
            out[key] = _object(root[key], ver)
    return out


def _object(obj: Any, parent_version: int) -> Any:
    if not isinstance(obj, dict):
        return obj
    ver = major(obj.get("version"), parent_version)
    out = dict(obj)
    if ver >= 7:
        out.setdefault("originX", "center")
        out.setdefault("originY", "center")
    if ver <= 5 and isinstance(obj.get("type"), str) and obj["type"].lower() == "circle":
        start, end = obj.get("startAngle"), obj.get("endAngle")
        radians = isinstance(end, int | float) and math.isclose(float(end), 2 * math.pi, abs_tol=1e-6)
        if radians and start in (None, 0):  # a full turn in radians (Fabric 5 before the TypeScript port)
            out["startAngle"], out["endAngle"] = 0, 360
    for key in _CHILD_LISTS:
        if isinstance(obj.get(key), list):
            out[key] = [_object(c, ver) for c in obj[key]]
    for key in _CHILD_OBJECTS:
        if isinstance(obj.get(key), dict):
            out[key] = _object(obj[key], ver)
    return out
