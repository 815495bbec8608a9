"""The ``render-engine`` command line (console script ``render_engine.cli:main``; ``python -m render_engine.cli``).

Where things happen:

- :mod:`.main` — the argument parser, dispatch and exit codes; ``render``, ``validate``, ``templates``,
  ``fonts``, ``schema``.
- :mod:`.preflight` — ``render-engine preflight`` (summary / JSON report, ``--proof``).
- :mod:`.mockup` — ``render-engine mockup`` and ``gallery``.
- :mod:`.farm` — ``render-engine serve`` (the HTTP API) and ``render-engine worker`` (the render farm).
- Fabric input options of ``render`` live with the importer (:mod:`render_engine.fabric.file_render`).

The CLI is the top layer: it may import anything (the API app included); nothing imports it.

**The garbage collector of a command-line process** (issue 22, cold start). Importing the engine leaves ~40 000
objects tracked by the cyclic collector (pydantic's models and schemas above all) and no cyclic garbage worth
collecting; the collector kept traversing them during the imports and the render, and CPython's finalization
traverses everything once more when the process ends (~100 ms of CPU on its own). When this package is
imported as the program (``python -m render_engine.cli``, the ``render-engine`` console script), collection
is paused for the imports, what they made is moved to the permanent generation (``gc.freeze``) before the
command runs with the collector on again (a batch of renders still has its cycles collected), and everything
is frozen once more at exit, so finalization skips it. A cold ``render-engine render`` of the R1 mug: CPU
p50 819 -> 723 ms, peak RSS 122 -> 128 MB (11 fresh processes each, alternating, load 16-26). Imported as
a library (tests, ``render_engine.cli.main`` called in a process that goes on), nothing changes.

**A render's images start first** (issue 22, round 5): as the program, ``render DESIGN.json`` reads the design
with the standard library and starts its image layers' work (decode, shrink, CMYK JPEG) on the shared pool
before the engine and the design model import (:mod:`render_engine.backends.early`: a keyed guess the real
render takes only when it is exactly its own work).
"""

import gc
import sys
from pathlib import Path

_PROGRAM = bool(sys.argv) and (sys.argv[0] == "-m" or Path(sys.argv[0]).name == "render-engine")
if _PROGRAM:  # sys.argv[0] is "-m" while `python -m` imports the package it runs
    gc.disable()
    from ..backends.early import start_from_argv

    start_from_argv(sys.argv[1:])  # a render's image work starts now, while the engine imports (issue 22)

from .main import main  # noqa: E402  (after the collector is paused)

if _PROGRAM:
    import atexit

    gc.freeze()
    gc.enable()
    atexit.register(gc.freeze)  # before finalization: its collection then skips what the command made too

__all__ = ["main"]
