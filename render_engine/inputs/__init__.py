"""Inputs: what the engine reads from outside — customer images and SVG, fonts, ICC profiles — checked,
sandboxed and cached before any layout is computed.

Where things happen:

- :mod:`.assets` — finding, sniffing, probing and decoding images (limits before decoding, EXIF orientation,
  reduced-size decode, subject focus for auto-crops) and SVG sanitising; :mod:`.image_source` — the format
  sniffed, the header and the sRGB normalisation, with pyvips alone (no pydantic: the command line's early
  image start uses it).
- :mod:`.svg_sanitise` — SVG rebuilt from values (no DTD / entities / external references) before any renderer.
- :mod:`.safety` — hardening of libvips and the SVG render sandbox (a helper process with time budgets);
  :mod:`.tuning` — process-wide threads (``render_threads``: 1 in a render-farm process), malloc arenas and
  libvips' operation cache.
- :mod:`.font_catalog` — the bundled font catalog and loaded faces (never a path from a request); :mod:`.font_folder`
  — a storefront's own fonts folder added to it.
- :mod:`.color` — the ICC profile catalog and colour conversions (littleCMS).
- :mod:`.photo_decode` — decoded photo crops shared by previews and preflight's colour check.
- :mod:`.lru` — the small process-wide LRU cache those use.

Depends only on :mod:`render_engine.model`.
"""
