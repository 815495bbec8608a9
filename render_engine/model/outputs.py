"""What a render reports: its format, where the file went, how big, and how long each step took.

:class:`StepTimer` is passed through the steps (``with timer.step("draw"): ...``) so the CLI summary, the
benchmarks and the farm's step histograms can point a regression at its step; :class:`RenderResult` is what
:func:`render_engine.pipeline.render_prepared` returns. Both are plain data, imported by the pipeline and
every backend alike.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Format = Literal["png", "pdf"]


@dataclass
class StepTimer:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0


@dataclass(frozen=True)
class RenderResult:
    design: str
    template: str
    format: Format
    path: Path
    bytes: int
    dpi: float
    pixels: tuple[int, int] | None
    timings: dict[str, float]
    warnings: tuple[str, ...] = ()  # e.g. what a Fabric import approximated ("field: reason; drawn …")
    # multi-surface products (render_engine.parts): a part's name and the surfaces (pages) in it, in order;
    # for a whole design, its parts (``path`` is then their folder and ``bytes`` their sum)
    part: str | None = None
    surfaces: tuple[str, ...] = ()
    parts: tuple[RenderResult, ...] = ()

    @property
    def pages(self) -> int:
        """Pages (surfaces) in this file, or in all of a design's parts."""
        if self.parts:
            return sum(p.pages for p in self.parts)
        return len(self.surfaces) or 1
