"""Path data (``d``) cut at its first closepath error, as SVG's error rule asks.

SVG 1.1 (paths, "Error handling in path data"): a renderer draws a path up to the last correctly defined
segment. A closepath takes no numbers, so numbers after ``Z`` before the next command letter are an error.
librsvg stops there; CairoSVG (the PDF backend's SVG renderer) re-queues those numbers as another ``Z``
forever — a 150-byte SVG (``…Z0Z``) held a render until its 10 s budget killed it (found by the atheris
``svg_render`` target). The sanitiser therefore cuts such data right after the ``Z``, which is what librsvg
draws, so preview and print stay the same.
"""

from __future__ import annotations

import re

_COMMANDS = "MmZzLlHhVvCcSsQqTtAa"
# a closepath followed (after separators) by anything that is not a command letter
_BAD_AFTER_CLOSE = re.compile(rf"[zZ](?=[\s,]*[^\s,{_COMMANDS}])")


def cut_path_data(d: str) -> str:
    """``d`` up to and including the first closepath that numbers (or junk) follow; else ``d`` unchanged."""
    m = _BAD_AFTER_CLOSE.search(d)
    return d if m is None else d[: m.end()]
