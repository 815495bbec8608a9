"""DTF roll sheets: ready transparent PNGs of apparel jobs packed on a 22 in (558.8 mm) film roll, sold by
length, as one RGBA PNG at the roll's DPI (``POST /v1/sheets`` with ``"kind": "dtf_roll"``).

* :func:`plan_roll` — shelf packing in mm (origin top-left, y down): items left to right in print-queue
  order, a new row when the next one does not fit the width; the roll is as long as its rows. Items keep
  their size (never rotated or scaled); ``utilisation`` = item area / (roll width x length).
* :func:`build_roll` — each item's ``print.png`` resampled to the roll's DPI if it was rendered at another
  (its pHYs), inserted on a transparent canvas with pyvips (lazy: the roll is written in strips), written
  with pHYs and the sRGB profile by the engine's PNG writer. No QR code on the film: it would transfer onto
  the garment; the manifest carries each item's position and job id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROLL_WIDTH_MM = 558.8  # 22 in
MM_PER_IN = 25.4


@dataclass(frozen=True)
class RollItem:
    job_id: str
    box: tuple[float, float, float, float]  # x, y, w, h in mm from the roll's top-left

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "box_mm": [round(v, 3) for v in self.box]}


@dataclass(frozen=True)
class RollPlan:
    width: float
    length: float
    items: tuple[RollItem, ...]
    utilisation: float


def plan_roll(
    sizes: Sequence[tuple[str, float, float]], width: float, gap: float, max_length: float
) -> RollPlan:
    """``sizes``: (job id, width mm, height mm) in order; items that would make the roll longer than
    ``max_length`` (or wider than it) are left for the next roll."""
    items: list[RollItem] = []
    x = y = row_h = 0.0
    for job_id, w, h in sizes:
        if w > width:
            continue
        if x > 0 and x + w > width:
            x, y, row_h = 0.0, y + row_h + gap, 0.0
        if y + h > max_length:
            break
        items.append(RollItem(job_id, (x, y, w, h)))
        x += w + gap
        row_h = max(row_h, h)
    length = max((i.box[1] + i.box[3] for i in items), default=0.0)
    area = sum(i.box[2] * i.box[3] for i in items)
    return RollPlan(width, length, tuple(items), round(area / (width * length), 4) if length else 0.0)


def png_size_mm(path: Path, dpi: float) -> tuple[float, float]:
    """(width mm, height mm) of a print PNG rendered at ``dpi`` (the job's: the PNG's pHYs holds whole
    pixels per metre, too coarse at low DPI)."""
    import pyvips

    img = pyvips.Image.new_from_file(str(path))
    return img.width * MM_PER_IN / dpi, img.height * MM_PER_IN / dpi


def build_roll(
    plan: RollPlan, pngs: Mapping[str, tuple[Path, float]], dpi: float, out: Path, icc_profile: bytes
) -> tuple[int, int]:
    """Write the roll PNG (``pngs``: job id -> its print PNG and the DPI it was rendered at); returns its size
    in pixels."""
    import pyvips

    from ..backends.writers import write_png

    px_mm = dpi / MM_PER_IN
    w, h = round(plan.width * px_mm), max(1, round(plan.length * px_mm))
    roll = pyvips.Image.black(w, h, bands=4).copy(interpretation="srgb")
    for item in plan.items:
        path, item_dpi = pngs[item.job_id]
        img = pyvips.Image.new_from_file(str(path))
        if img.bands == 3:
            img = img.bandjoin(255)
        scale = dpi / item_dpi
        if abs(scale - 1) > 1e-6:
            img = img.resize(scale)
        x, y = round(item.box[0] * px_mm), round(item.box[1] * px_mm)
        roll = roll.insert(img.cast("uchar"), x, y)
    roll = roll.copy(xres=px_mm, yres=px_mm)
    write_png(roll, out, icc_profile)
    return w, h
