"""Backends: one :class:`~render_engine.layout.plan.Layout` drawn as print files.

Where things happen:

- :mod:`.raster` — :func:`~.raster.draw_raster`: the layout as a lazy libvips image (print PNG, soft proof,
  preview); :func:`~.raster.path_tile` and :func:`~.raster.svg_tile` are the per-item tiles the mockup's
  print cache and the PDF backend's SVG fallback reuse; :mod:`.raster_place` places turned tiles by their
  exact matrix (as the PDF does); :mod:`.hinting` — glyph outlines hinted for the raster's pixel grid as
  cairo hints them (FreeType, light: vertical only; the layout and the PDF keep the exact outlines).
- :mod:`.pdf` — :func:`~.pdf.write_pdf`: the layout as a CMYK PDF/X-4 (vector text, ICC-converted photos,
  spot cut lines, optional crop marks).
- :mod:`.raster_paint`, :mod:`.pdf_paint` — gradients and blend modes for each: SVG paint servers and tile
  blending for the raster, DeviceCMYK shadings and soft masks for the PDF.
- :mod:`.common` — what pixel-producing code shares: :class:`~.common.Canvas` (mm -> px) and tiles;
  :mod:`.imaging` — a placed image's pixels (reduced decode, crop, exact resize, alpha) for both backends.
- :mod:`.early` — a command line's guess: a design's PDF image work started before the engine loads, taken by
  :class:`~.pdf_images.PageImages` only when its key is exactly the page's own work.
- :mod:`.writers` — atomic file output (temp file + fsync + rename) and the PNG writer.

Backends read the layout and never change it; nothing below them (model, inputs, layout) imports them.
"""
