"""Progress on stderr while workloads run: a redrawn bar on a terminal, a few plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    WIDTH = 28

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.stream.isatty()
        self.label = ""
        self.total = 0
        self.done = 0
        self._t0 = 0.0
        self._last_line_pct = -1

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(1, total), 0
        self._t0 = time.perf_counter()
        self._last_line_pct = -1
        self._draw()

    def advance(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        self._draw()

    def finish(self, note: str = "") -> None:
        if not self.enabled:
            return
        secs = time.perf_counter() - self._t0
        line = f"{self.label:34} done in {secs:6.1f} s {note}".rstrip()
        self.stream.write(("\r\x1b[2K" if self.tty else "") + line + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        if self.enabled:
            self.stream.write(("\r\x1b[2K" if self.tty else "") + text + "\n")
            self.stream.flush()

    def _draw(self) -> None:
        if not self.enabled:
            return
        frac = self.done / self.total
        if self.tty:
            filled = round(frac * self.WIDTH)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            secs = time.perf_counter() - self._t0
            self.stream.write(f"\r\x1b[2K{self.label:34} [{bar}] {self.done}/{self.total} {secs:5.1f} s")
            self.stream.flush()
            return
        pct = int(frac * 4) * 25  # plain logs: a line at 0, 25, 50, 75 and 100 %
        if pct != self._last_line_pct:
            self._last_line_pct = pct
            self.stream.write(f"{self.label:34} {self.done}/{self.total}\n")
            self.stream.flush()
