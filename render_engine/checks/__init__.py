"""Preflight: what makes a personalised print order come back, found before it is printed.

Where things happen:

- :mod:`.preflight` — :func:`~.preflight.preflight` runs ``CHECKS`` (a sequence of check functions, in the
  order their findings appear) over a prepared layout and returns a :class:`~.report.PreflightReport`.
  (The top-level :func:`render_engine.preflight` is the one-call facade.)
- :mod:`.report` — the report model: findings (code, severity, measured vs required), echoed texts, JSON,
  the human summary; :class:`~.report.CheckContext`, what every check reads.
- One module per check: :mod:`.resolution`, :mod:`.safe_zone`, :mod:`.faces`, :mod:`.bleed`,
  :mod:`.print_area`, :mod:`.images`, :mod:`.text_legibility`, :mod:`.strokes`, :mod:`.ink` (total ink and gamut),
  :mod:`.dielines` (text on a crease or fold dieline).
- :mod:`.thresholds` — the numbers the checks compare against; :mod:`.words` — colour and product words for
  messages; :mod:`.regions` — item extents and the point-in-outline test (the path's own fill rule).
- :mod:`.color` — colour statistics of placed photos: total ink, out-of-gamut share (ΔE2000) on a thumbnail.
- :mod:`.proof` — the proof image: the soft-proofed design with the product geometry and every finding drawn
  over it, as an operator or an approval page sees it.

The package is not called ``preflight`` so that ``render_engine.preflight`` stays the function of the public
API (a submodule of that name would replace it on the package once imported).
"""
