"""The data model: what a request says and what the engine knows about products — pure data, no pixels.

Where things happen:

- :mod:`.design` — the design JSON (v1) as pydantic models; parsing and validation errors that name the
  field (:func:`~.design.parse_design`, :func:`~.design.field_path`); the JSON Schema.
- :mod:`.design_base` — the strict pydantic base, mm / opacity types and colours the design and paint share.
- :mod:`.paint` — paint (flat colour, linear / radial gradient) and blend modes: the model and its
  resolution against a layer's box, pure (no pixels).
- :mod:`.templates` — product templates (``templates_print/*.json``): trim, bleed, safe area, masks, DPI,
  output format and colour, mockup scene.
- :mod:`.cover` — book covers computed from the page count: spine from the paper table, panels (back, spine,
  front, hinges, wrap) and fold lines in mm; layer boxes relative to a panel.
- :mod:`.geometry` — rectangles, affine matrices and outline paths in mm, shared by every backend;
  :mod:`.fit` — an image's ``cover`` crop and ``contain`` size as plain numbers.
- :mod:`.units` — mm / pt / px conversions, in one place.
- :mod:`.errors` — the one error tree (:class:`~.errors.RenderError` and its subclasses, with code, HTTP
  status and field).
- :mod:`.settings` — engine settings (defaults -> ``RENDER_ENGINE_*`` environment -> validated);
  :mod:`.bundled` — where the shipped data folders are.
- :mod:`.outputs` — what a render reports (:class:`~.outputs.RenderResult`, :class:`~.outputs.StepTimer`).

Nothing here imports another package of the engine: every other layer builds on it.
"""
