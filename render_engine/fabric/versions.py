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
* Path data: Fabric keeps a path as absolute ``M L C Q Z`` commands (``makePathSimpler``), but reads any SVG
  path data — a string, relative commands, ``H V S T A`` (older editors, hand-written JSON): :func:`_simpler`
  does the same before the import.
* Negative and zero scales: Fabric's ``_set`` turns ``scaleX: -s`` into ``scaleX: s`` and toggles ``flipX`` (in the
  order the keys come: a ``flipX`` after it sets it again), and a zero scale into 0.0001 (``_constrainScale``);
  ``toJSON()`` never writes them, an editor may (:func:`_flips`).
* A ``shadow`` may be a CSS-like string (``"rgba(0,0,0,.3) 2px 2px 10px"``), which Fabric's Shadow reads
  (:func:`parse_shadow`).
* ``null`` where Fabric reads a name (origins, ``textAlign``, ``pathSide``, ``pathAlign``, font properties) is
  what Fabric makes of it (:data:`_NULL_MEANS`); other ``null`` values are the property's default.
* Missing properties: an editor serialising with ``includeDefaultValues: false`` leaves out every property
  equal to its default; all are read with Fabric's defaults, ``fill`` (``rgb(0,0,0)``) filled in here.
* Fabric 7.3 added ``textDecorationColor`` (object and per character; empty: the fill's colour).
* ``textDecorationThickness`` (object and per character) is Fabric 6's: Fabric 5 draws every decoration
  ``fontSize / 15`` thick and ignores the key; dropped for objects written by Fabric 5.
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
#: what Fabric makes of a ``null`` where it reads a name: an origin of ``null - 0.5`` (left / top), text laid out
#: and aligned as with its defaults
_NULL_MEANS = {
    "originX": "left",
    "originY": "top",
    "textAlign": "left",
    "pathSide": "left",
    "pathAlign": "baseline",
    "fontWeight": "normal",
    "fontStyle": "normal",
    "fontFamily": "Times New Roman",
}
#: types whose fill Fabric never draws (a line strokes only; groups and images draw their content)
_NO_FILL = frozenset({"line", "group", "activeselection", "image", "fabricimage", "layoutmanager"})


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
    if "fill" not in obj and isinstance(obj.get("type"), str) and obj["type"].lower() not in _NO_FILL:
        out["fill"] = "rgb(0,0,0)"  # Fabric's default fill (toObject leaves it out with includeDefaultValues false)
    if isinstance(obj.get("type"), str) and obj["type"].lower() == "path" and not _simple(obj.get("path")):
        out["path"] = _simpler(obj.get("path"))
    for key, default in _NULL_MEANS.items():
        if key in obj and obj[key] is None:
            out[key] = default
    flips = _flips(obj)
    if flips:
        out.update(flips)
    if isinstance(obj.get("shadow"), str):
        out["shadow"] = parse_shadow(obj["shadow"])
    if ver >= 7:
        out.setdefault("originX", "center")
        out.setdefault("originY", "center")
    if ver <= 5 and isinstance(obj.get("type"), str) and obj["type"].lower() == "circle":
        start, end = obj.get("startAngle"), obj.get("endAngle")
        radians = isinstance(end, int | float) and math.isclose(float(end), 2 * math.pi, abs_tol=1e-6)
        if radians and start in (None, 0):  # a full turn in radians (Fabric 5 before the TypeScript port)
            out["startAngle"], out["endAngle"] = 0, 360
    if ver <= 5 and "textDecorationThickness" in _style_keys(obj):
        out.pop("textDecorationThickness", None)
        out["styles"] = _without(obj.get("styles"), "textDecorationThickness")
    for key in _CHILD_LISTS:
        if isinstance(obj.get(key), list):
            out[key] = [_object(c, ver) for c in obj[key]]
    for key in _CHILD_OBJECTS:
        if isinstance(obj.get(key), dict):
            out[key] = _object(obj[key], ver)
    return out


def _style_keys(obj: dict[str, Any]) -> set[str]:
    """The object's keys and those of its per-character styles (either format)."""
    keys = set(obj)
    styles = obj.get("styles")
    entries: list[Any] = []
    if isinstance(styles, list):
        entries = [e.get("style") for e in styles if isinstance(e, dict)]
    elif isinstance(styles, dict):
        entries = [st for line in styles.values() if isinstance(line, dict) for st in line.values()]
    for st in entries:
        if isinstance(st, dict):
            keys |= set(st)
    return keys


def _without(styles: Any, key: str) -> Any:
    """Per-character ``styles`` (either format) without ``key``."""
    if isinstance(styles, list):
        return [
            {**e, "style": {k: v for k, v in e["style"].items() if k != key}}
            if isinstance(e, dict) and isinstance(e.get("style"), dict)
            else e
            for e in styles
        ]
    if isinstance(styles, dict):
        return {
            lk: {
                ck: {k: v for k, v in st.items() if k != key} if isinstance(st, dict) else st for ck, st in line.items()
            }
            if isinstance(line, dict)
            else line
            for lk, line in styles.items()
        }
    return styles


_SIMPLE_ARITY = {"M": 2, "L": 2, "C": 6, "Q": 4, "Z": 0}


def _simple(path: Any) -> bool:
    """Already Fabric's simplified form (or not path data at all: left for the importer to report)."""
    if not isinstance(path, list) or not path:
        return not isinstance(path, str)
    return all(
        isinstance(c, list) and c and isinstance(c[0], str) and (c[0] not in "mlhvcsqtazHVSTA" or c[0] in _SIMPLE_ARITY)
        for c in path
    )


def _simpler(path: Any) -> Any:
    """SVG path data (a string or Fabric command arrays with any SVG command) as absolute M, L, C, Q, Z
    arrays, arcs as cubic Béziers (what Fabric's makePathSimpler keeps); unreadable data is returned as it is."""
    from fontTools.svgLib.path import parse_path

    if isinstance(path, list):
        parts = []
        for c in path:
            if not isinstance(c, list) or not c or not isinstance(c[0], str):
                return path
            parts.append(c[0] + " " + " ".join(str(v) for v in c[1:]))
        d = " ".join(parts)
    else:
        d = str(path)
    out: list[list[Any]] = []

    class Pen:
        def moveTo(self, p: tuple[float, float]) -> None:
            out.append(["M", *p])

        def lineTo(self, p: tuple[float, float]) -> None:
            out.append(["L", *p])

        def curveTo(self, *pts: tuple[float, float]) -> None:
            out.append(["C", *(v for q in pts for v in q)])

        def qCurveTo(self, *pts: tuple[float, float]) -> None:
            out.append(["Q", *(v for q in pts for v in q)])

        def closePath(self) -> None:
            out.append(["Z"])

        def endPath(self) -> None:
            pass

    try:
        parse_path(d, Pen())
    except (ValueError, IndexError, TypeError, ArithmeticError):  # an arc of radius 1e-300: fontTools divides by 0
        return path
    return out or path


_SHADOW = re.compile(
    r"(?:\s|^)(-?\d+(?:\.\d*)?(?:px)?(?:\s?|$))?(-?\d+(?:\.\d*)?(?:px)?(?:\s?|$))?(\d+(?:\.\d*)?(?:px)?)?(?:\s?|$)(?:$|\s)"
)


def parse_shadow(value: str) -> dict[str, Any]:
    """Fabric's Shadow.parseShadow: offsets and blur (px) and the colour, which is what is left."""
    text = value.strip()
    m = _SHADOW.search(text)

    def px(v: str | None) -> float:
        try:
            return float(v.strip().removesuffix("px")) if v else 0.0
        except ValueError:
            return 0.0

    ox, oy, blur = (px(m.group(i)) for i in (1, 2, 3)) if m else (0.0, 0.0, 0.0)
    col = (_SHADOW.sub("", text, count=1) or "rgb(0,0,0)").strip()
    return {"color": col, "offsetX": ox, "offsetY": oy, "blur": blur}


def _flips(obj: dict[str, Any]) -> dict[str, Any]:
    """What Fabric's ``_set`` makes of the object's scales and flips, read in the JSON's key order; {} when no
    scale is negative or zero."""
    scales = [obj.get(k) for k in ("scaleX", "scaleY")]
    if not any(isinstance(v, int | float) and not isinstance(v, bool) and v <= 0 for v in scales):
        return {}
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key in ("flipX", "flipY"):
            out[key] = bool(value)
        elif key in ("scaleX", "scaleY") and isinstance(value, int | float) and not isinstance(value, bool):
            flip = "flipX" if key == "scaleX" else "flipY"
            v = float(value) if value != 0 else 0.0001
            if v < 0:
                out[flip] = not out.get(flip, False)
                v = -v
            out[key] = v
    return out
