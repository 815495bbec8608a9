"""QR codes as design data: the module matrix (``segno``) and the SVG path of its dark modules.

A ``qr`` layer (:class:`render_engine.model.design.QrLayer`) becomes a ``shape`` layer with this path when
the design is parsed, so the layout, both backends, preflight and mockups draw it like any vector shape: in
the print PDF the modules are filled rectangles (vector), in the PNG they are rasterised at print DPI.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MIN_MODULE_MM = 0.3
"""Smallest module that phone cameras and handheld scanners read reliably off a printed product."""


@dataclass(frozen=True)
class QrCode:
    size: int  # modules per side, quiet zone included
    dark: tuple[tuple[bool, ...], ...]


def qr_code(data: str, error: str, quiet_zone: int, mode: str | None = None) -> QrCode:
    """The code of ``data`` (in ``mode``, or byte or a denser mode as segno picks; never a Micro QR);
    ValueError when it does not fit a QR code."""
    import segno
    from segno import DataOverflowError

    try:
        qr = segno.make(data, error=error.lower(), micro=False, boost_error=False, mode=mode)
    except DataOverflowError:
        raise ValueError("the data does not fit a QR code") from None
    rows = tuple(tuple(bool(v) for v in row) for row in qr.matrix_iter(scale=1, border=quiet_zone))
    return QrCode(len(rows), rows)


def dark_runs(code: QrCode) -> Iterator[tuple[int, int, int]]:
    """``(row, first column, length)`` of every horizontal run of dark modules, rows top to bottom."""
    for r, row in enumerate(code.dark):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            yield r, start, c - start


def module_path(code: QrCode, module: float) -> str:
    """SVG path data (mm, origin at the code's top-left corner) of the dark modules, one rectangle per
    horizontal run."""
    parts = []
    for r, start, n in dark_runs(code):
        x, y, w = start * module, r * module, n * module
        parts.append(f"M{x:.4f} {y:.4f}h{w:.4f}v{module:.4f}h{-w:.4f}z")
    return "".join(parts)
