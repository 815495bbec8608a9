"""What one benchmark render is (:class:`Job`) and which renderer runs it (:data:`RendererKind`).

Its own module so :mod:`benchmarks.runner` (which lazily imports :mod:`benchmarks.renderers` in its child
processes) and :mod:`benchmarks.renderers` (which renders a ``Job``) share it without importing each other.
Like the runner, it must not import ``render_engine``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

RendererKind = Literal["engine", "baseline", "mockup", "api", "peer"]


@dataclass(frozen=True)
class Job:
    """One render: a design JSON file and how to render it."""

    design: Path
    out_dir: Path
    fmt: Literal["png", "pdf"] | None = None  # None: the template's default
    dpi: float | None = None  # None: the template's target DPI
    width: int | None = None  # mockup width in pixels
    parts: bool = False  # a multi-part product (a book): the files go into out_dir/<design stem>/
