"""DTF roll sheets: ready transparent PNGs of apparel jobs packed on a 22 in (558.8 mm) film roll, sold by
length, as one RGBA PNG at the roll's DPI (``POST /v1/sheets`` with ``"kind": "dtf_roll"``).

* :func:`plan_roll` — shelf packing in mm (origin top-left, y down): items left to right in print-queue
  order, a new row when the next one does not fit the width; the roll is as long as its rows. Items keep
  their size (never rotated or scaled); ``utilisation`` = item area / (roll width x length).
* :func:`build_roll` — each item's ``print.png`` resampled to the roll's DPI if it was rendered at another
  (its pHYs), inserted on a transparent canvas with pyvips (lazy: the roll is written in strips), written
  with pHYs and the sRGB profile by the engine's PNG writer. No QR code on the film: it would transfer onto
  the garment; the manifest carries each item's position and job id.

Multi-part jobs (issue #18: a t-shirt's front, back and sleeve, each its own ``front.png`` / ``back.png``):
:func:`roll_files` lists a job's PNGs, every one is an item of its own, labelled with its part (``2/2 back`` in
the manifest), and a job's parts go on one roll or none (a job cut by the roll's end waits, whole).
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
    part: str | None = None  # the part of a multi-part job ("back"); None for a one-file job's print.png
    label: str | None = None  # "2/2 back": the part's place among its job's parts

    @property
    def key(self) -> str:
        """The item's PNG in :func:`build_roll`'s ``pngs``: the job id, or ``job id/part``."""
        return self.job_id if self.part is None else f"{self.job_id}/{self.part}"

    def to_dict(self) -> dict[str, Any]:
        extra = {} if self.part is None else {"part": self.part, "label": self.label}
        return {"job_id": self.job_id, **extra, "box_mm": [round(v, 3) for v in self.box]}


@dataclass(frozen=True)
class RollPlan:
    width: float
    length: float
    items: tuple[RollItem, ...]
    utilisation: float


Size = tuple[str, float, float] | tuple[str, float, float, str | None]


def plan_roll(sizes: Sequence[Size], width: float, gap: float, max_length: float) -> RollPlan:
    """``sizes``: (job id, width mm, height mm[, part]) in order, a job's parts next to each other; items that
    would make the roll longer than ``max_length`` are left for the next roll, with every other part of their
    job (a job with a part wider than the roll is skipped whole)."""
    entries = [(s[0], s[1], s[2], s[3] if len(s) > 3 else None) for s in sizes]
    too_wide = {j for j, w, _, _ in entries if w > width}
    counts: dict[str, int] = {}
    for j, *_ in entries:
        counts[j] = counts.get(j, 0) + 1
    items: list[RollItem] = []
    seen: dict[str, int] = {}
    x = y = row_h = 0.0
    cut = None
    for job_id, w, h, part in entries:
        if job_id in too_wide:
            continue
        if x > 0 and x + w > width:
            x, y, row_h = 0.0, y + row_h + gap, 0.0
        if y + h > max_length:
            cut = job_id
            break
        seen[job_id] = seen.get(job_id, 0) + 1
        label = None if part is None else f"{seen[job_id]}/{counts[job_id]} {part}"
        items.append(RollItem(job_id, (x, y, w, h), part, label))
        x += w + gap
        row_h = max(row_h, h)
    if cut is not None:  # the job the roll's end cut: none of its parts on this roll (they came last)
        items = [i for i in items if i.job_id != cut]
    length = max((i.box[1] + i.box[3] for i in items), default=0.0)
    area = sum(i.box[2] * i.box[3] for i in items)
    return RollPlan(width, length, tuple(items), round(area / (width * length), 4) if length else 0.0)


def roll_files(artifacts: Sequence[Mapping[str, Any]], parts: Any) -> list[tuple[str | None, str]]:
    """A job's PNG print files as (part, file name): ``[(None, "print.png")]`` for a one-surface product, else
    each part its request recorded (``parts``: ``[{name, format}]``) that has a PNG, in order."""
    names = {str(a.get("name")) for a in artifacts}
    if "print.png" in names:
        return [(None, "print.png")]
    out: list[tuple[str | None, str]] = []
    for p in parts if isinstance(parts, list) else ():
        if isinstance(p, dict) and isinstance(p.get("name"), str) and f"{p['name']}.png" in names:
            out.append((p["name"], f"{p['name']}.png"))
    return out


def png_size_mm(path: Path, dpi: float) -> tuple[float, float]:
    """(width mm, height mm) of a print PNG rendered at ``dpi`` (the job's: the PNG's pHYs holds whole
    pixels per metre, too coarse at low DPI)."""
    import pyvips

    img = pyvips.Image.new_from_file(str(path))
    return img.width * MM_PER_IN / dpi, img.height * MM_PER_IN / dpi


def build_roll(
    plan: RollPlan, pngs: Mapping[str, tuple[Path, float]], dpi: float, out: Path, icc_profile: bytes
) -> tuple[int, int]:
    """Write the roll PNG (``pngs``: item key (:attr:`RollItem.key`) -> its PNG and the DPI it was rendered at);
    returns its size in pixels."""
    import pyvips

    from ..backends.writers import write_png

    px_mm = dpi / MM_PER_IN
    w, h = round(plan.width * px_mm), max(1, round(plan.length * px_mm))
    roll = pyvips.Image.black(w, h, bands=4).copy(interpretation="srgb")
    for item in plan.items:
        path, item_dpi = pngs[item.key]
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
