"""Layout: the steps between a parsed design and pixels — resolve, then one pure layout in mm that every
backend draws (raster, PDF, mockup, preflight proof), so they cannot disagree.

Where things happen:

- :mod:`.resolve` — the resolve step: template, fonts and assets for a design, checked before any pixel
  work (:func:`~.resolve.resolve` -> :class:`~.resolve.Resources`).
- :mod:`.plan` — the layout step: :func:`~.plan.plan_layout` -> :class:`~.plan.Layout` (boxes, bleed,
  crops, clips, shaped text), all in mm.
- :mod:`.text`, :mod:`.shaping`, :mod:`.onpath` — text layout (line breaking, alignment, shrink-to-fit,
  text along a path or an arc) over HarfBuzz shaping with font fallback and bidi.
- :mod:`.prepared` — :class:`~.prepared.Prepared`: design + resources + layout, what every later step reads
  (:class:`~.prepared.PreparedParts`: the same for every surface of a multi-surface design).

:func:`render_engine.pipeline.prepare` runs resolve and layout; builds on :mod:`~render_engine.model` and
:mod:`~render_engine.inputs`.
"""
