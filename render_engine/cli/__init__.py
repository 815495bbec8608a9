"""The ``render-engine`` command line (console script ``render_engine.cli:main``; ``python -m render_engine.cli``).

Where things happen:

- :mod:`.main` — the argument parser, dispatch and exit codes; ``render``, ``validate``, ``templates``,
  ``fonts``, ``schema``.
- :mod:`.preflight` — ``render-engine preflight`` (summary / JSON report, ``--proof``).
- :mod:`.mockup` — ``render-engine mockup`` and ``gallery``.
- :mod:`.farm` — ``render-engine serve`` (the HTTP API) and ``render-engine worker`` (the render farm).
- Fabric input options of ``render`` live with the importer (:mod:`render_engine.fabric.file_render`).

The CLI is the top layer: it may import anything (the API app included); nothing imports it.
"""

from .main import main

__all__ = ["main"]
