"""Import Fabric.js canvas JSON (``canvas.toJSON()``, Fabric 5.x and 6.x) as a native :class:`Design`.

The importer is a translation step in front of the pipeline: it maps every Fabric object onto a native
layer (``docs/fabric.md`` has the full table) and never draws anything itself, so print PDF, PNG, preflight
and mockups treat an imported design exactly like a native one.

Where the native model has an equivalent we use it (rect / ellipse / circle / line → ``shape``, text →
``text`` with ``spans`` for per-character fill and face, justification, plus ``shape`` rects for its
decorations and backgrounds, image → ``image`` with a path ``clip`` for a clipPath); every other vector
object, and anything the native model cannot express (skew, non-uniform scale of a stroke, a clipPath, a
shadow, a text stroke, clipped / mirrored / skewed text, a translucent cached group, …) becomes an ``svg``
layer carrying the object's own geometry — for text, the outlines the engine's own layout produced — and its
matrix (plus ``<clipPath>`` / shadow filter), so it stays vector where it can. A property we cannot honour is
a :class:`DesignError` naming it (``objects[3].styles[1].style.fontSize``) — nothing is dropped silently.
Only canvas-editor state (selection, locks, controls, ids) is ignored.

Where things happen:

- :mod:`.loader` — :func:`load_fabric_json` / :func:`is_fabric`: what callers use; :mod:`.importer` —
  :func:`import_fabric`: one canvas, its template box, background, clipPath and paint order; :mod:`.surfaces`
  — one canvas per surface / page of a multi-surface product; :mod:`.options` — :class:`FabricOptions`.
- :mod:`.converter` — the per-import state and the dispatch over object types; :mod:`.protocol` — what the
  per-type modules see of it (:class:`~.protocol.Converter`, :class:`~.protocol.Node`), so they do not import it.
- :mod:`.object_geometry` — Fabric's transforms (origin, scale, flip, skew, angle, nesting) and shape outlines.
- :mod:`.shapes` — vector objects (native shapes or svg layers), gradients, ``backgroundColor``.
- :mod:`.text_objects`, :mod:`.styles`, :mod:`.font_properties` — text layout mapping and decorations,
  per-character styles, font families, weights and styles.
- :mod:`.images`, :mod:`.filters` — image objects (data URLs, crop, mirroring) and their pixel filters.
- :mod:`.groups` — groups, and translucent / shadowed groups composited as one picture (Fabric's cache).
- :mod:`.effects` — clipPaths and shadows; :mod:`.svg` — the SVG strings every ``svg`` layer is built from.
- :mod:`.compositing` — ``globalCompositeOperation``; :mod:`.flatten` — Porter-Duff operators (and translucent
  groups whose children blend) drawn by the raster backend and placed as one image, as a RIP flattens.
- :mod:`.parse` — reading and validating Fabric values (numbers, colours, points, paths, unsupported props).
- :mod:`.file_render` — rendering Fabric files and the ``render-engine render`` CLI options.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .file_render import add_render_arguments, read_json_file, render_cli, render_fabric, render_fabric_file
    from .importer import FabricImport, canvas_size_of, import_fabric
    from .loader import is_fabric, load_fabric_json
    from .options import DEFAULT_FONT_MAP, Covers, FabricOptions, Unsupported
    from .text_objects import FONT_SIZE_FRACTION, FONT_SIZE_MULT

# names load on first use (PEP 562): `render-engine render` of a native design needs only the CLI options
# (.file_render) and never loads the importer (~0.2 s of imports in a fresh process)
_EXPORTS = {
    "DEFAULT_FONT_MAP": "options",
    "FONT_SIZE_FRACTION": "text_objects",
    "FONT_SIZE_MULT": "text_objects",
    "Covers": "options",
    "FabricImport": "importer",
    "FabricOptions": "options",
    "Unsupported": "options",
    "add_render_arguments": "file_render",
    "canvas_size_of": "importer",
    "import_fabric": "importer",
    "is_fabric": "loader",
    "load_fabric_json": "loader",
    "read_json_file": "file_render",
    "render_cli": "file_render",
    "render_fabric": "file_render",
    "render_fabric_file": "file_render",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_FONT_MAP",
    "FONT_SIZE_FRACTION",
    "FONT_SIZE_MULT",
    "Covers",
    "FabricImport",
    "FabricOptions",
    "Unsupported",
    "add_render_arguments",
    "canvas_size_of",
    "import_fabric",
    "is_fabric",
    "load_fabric_json",
    "read_json_file",
    "render_cli",
    "render_fabric",
    "render_fabric_file",
]
