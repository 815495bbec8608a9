"""Preflight: what makes a personalised print order come back, found before it is printed.

Where things happen:

- :mod:`.preflight` — :func:`~.preflight.preflight` runs every check over a prepared layout and returns a
  :class:`~.preflight.PreflightReport` (findings with codes, severities, measured vs required values);
  ``CHECKS`` lists them in order. (The top-level :func:`render_engine.preflight` is the one-call facade.)
- :mod:`.color` — colour statistics of placed photos: total ink, out-of-gamut share (ΔE2000) on a thumbnail.
- :mod:`.proof` — the proof image: the soft-proofed design with the product geometry and every finding drawn
  over it, as an operator or an approval page sees it.

The package is not called ``preflight`` so that ``render_engine.preflight`` stays the function of the public
API (a submodule of that name would replace it on the package once imported).
"""
