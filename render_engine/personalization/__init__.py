"""Design templates: ready designs with slots a customer fills (issue #19).

A design template (``templates_design/<id>.json``) is a native design whose text layers hold ``{{variables}}``
with filters, whose image layers may be photo slots, whose layers may be locked, with constraints on every
slot and one layout per product it fits. Filling one is a step in front of the pipeline, like the Fabric
importer: it produces a normal :class:`~render_engine.model.design.Design`, and nothing downstream knows
templates.

Where things happen:

- :mod:`.model` — :class:`DesignTemplate`, the slot kinds (text, date, photo) and their constraints, the
  template keys on layers (``locked``, ``slot``, ``style_slot``); every product layout is validated as a
  native design when the template loads.
- :mod:`.variables` — ``{{slot|filter}}`` parsing and substitution; ``upper`` / ``lower`` / ``title`` (ICU,
  the template's language) and ``date:%d %B %Y`` (month names per language, never the process locale).
- :mod:`.fill` — :func:`fill`: every value and photo checked at once (one error listing each problem by
  slot), then the native design built.
- :mod:`.catalog` — the library folder: files loaded once, template art (SVG files, placeholders) inlined.
"""

from __future__ import annotations

from .catalog import DesignTemplateCatalog, catalog, load_design_template_file, parse_design_template
from .fill import fill
from .model import DateSlot, DesignTemplate, PhotoSlot, TextSlot, design_template_json_schema

__all__ = [
    "DateSlot",
    "DesignTemplate",
    "DesignTemplateCatalog",
    "PhotoSlot",
    "TextSlot",
    "catalog",
    "design_template_json_schema",
    "fill",
    "load_design_template_file",
    "parse_design_template",
]
