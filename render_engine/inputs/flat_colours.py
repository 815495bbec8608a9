"""Flat colours through littleCMS, several in one transform, and those a command line converted ahead.

littleCMS builds a transform per ``icc_transform`` call: ~17 ms of CPU for the FOGRA39 profile in a fresh
process, more than converting a whole page of flat colours. :func:`convert` converts many colours in one call
(a gradient's stops, :meth:`~.color.ColorConverter.warm`), and the command line's early start
(:mod:`render_engine.backends.early`, issue 22) converts a design's colours with it on a pool thread while
the engine imports: :func:`put` keeps that work under the exact conversion it did (output profile, input
profile, intent, black-point compensation), and :meth:`~.color.ColorConverter.rgb` takes a colour from it with
:func:`take` when its own conversion is that one. Pixels are converted independently, so a colour converted
with others is the colour converted alone (the same 8-bit CMYK, rounded the same way).

Standard library and pyvips only: the early start imports it before pydantic loads.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pyvips

Conversion = tuple[str, str, str, bool]
"""(output profile path, input profile path or "srgb", intent, black-point compensation)."""
Rgb = tuple[int, int, int]
CmykValue = tuple[float, float, float, float]

_ahead: dict[Conversion, Future[dict[Rgb, CmykValue]]] = {}
_lock = threading.Lock()


def convert(conversion: Conversion, colours: list[Rgb]) -> dict[Rgb, CmykValue]:
    """Each colour's CMYK (0..1, 4 decimals) through one littleCMS transform."""
    profile, srgb, intent, bpc = conversion
    img = pyvips.Image.new_from_memory(bytes(v for c in colours for v in c), len(colours), 1, 3, "uchar")
    out = img.copy(interpretation="srgb").icc_transform(profile, input_profile=srgb, intent=intent,
                                                         black_point_compensation=bpc)  # fmt: skip
    px = bytes(out.cast("uchar").write_to_memory())
    bands = out.bands
    return {
        c: (
            round(px[i * bands] / 255, 4),
            round(px[i * bands + 1] / 255, 4),
            round(px[i * bands + 2] / 255, 4),
            round(px[i * bands + 3] / 255, 4),
        )
        for i, c in enumerate(colours)
    }


def put(conversion: Conversion, job: Future[dict[Rgb, CmykValue]]) -> None:
    """Keep colours being converted ahead (a :func:`convert` job) for :func:`take`."""
    with _lock:
        _ahead[conversion] = job


def take(conversion: Conversion, rgb: Rgb) -> CmykValue | None:
    """``rgb`` as converted ahead through exactly ``conversion`` (waiting for that work), or None."""
    with _lock:
        job = _ahead.get(conversion) if _ahead else None
    if job is None:
        return None
    try:
        return job.result().get(rgb)
    except Exception:  # the work failed: the caller converts the colour itself
        return None
