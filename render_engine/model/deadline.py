"""A cooperative wall-time bound for synchronous work (intake, previews, preflight).

Python cannot stop a thread from outside, so a request that gave up waiting (``503 render_timeout``) would
leave its work running — holding a render slot and CPU — until it ended on its own. Work started under
:func:`deadline` instead checks the clock at its loop heads (:func:`check`: per text line and glyph batch,
per contour of the ink tests, per layer) and raises :class:`DeadlinePassed` once the bound has passed, so
abandoned work ends within one step of its bound (a step is one layer or a few dozen glyphs: milliseconds),
and its slot is free again.

Nothing is bounded unless a caller asked: a job worker renders without a deadline (its own ``job_timeout``
bounds it), and :func:`check` then costs one context-variable read.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import RenderError

_DEADLINE: ContextVar[float | None] = ContextVar("render_deadline", default=None)


class DeadlinePassed(RenderError):
    """The work took longer than the wall time its caller allowed (the server was too busy, or the design is
    too costly to check synchronously): retry later, or make the design simpler."""

    code = "render_timeout"
    http_status = 503


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Work inside this block raises :class:`DeadlinePassed` at its next :func:`check` after ``seconds``."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check() -> None:
    """Raise :class:`DeadlinePassed` if the current deadline has passed (no deadline: never)."""
    end = _DEADLINE.get()
    if end is not None and time.monotonic() > end:
        raise DeadlinePassed("the work took longer than its time limit")


__all__ = ["DeadlinePassed", "check", "deadline"]
