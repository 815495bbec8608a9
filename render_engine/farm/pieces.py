"""The pieces of multi-part jobs on a gang sheet (issue #18): a two-sided keychain, a card's outside and
inside, an invitation's front and back are one print file of several pages (``keychain.pdf``, 2 pages); each
page is a piece of its own on the press sheet, placed like a one-page job and labelled with its part, page
and surface (``keychain 2/2 back``) beside the job's QR code.

* :func:`imposable_files` — a job's PDF print files: ``print.pdf``, or its parts' PDFs (artifacts with ``part``).
* :func:`read_pieces` — the pages of those files, each with its trim and bleed in mm read from its own boxes.
* :func:`plan_pieces` — the pieces placed on a sheet (a grid when they are all one size, turned when that fits
  more; rows by size otherwise), a job's pieces all on the sheet or none of them: a job whose pieces do not all
  fit waits for the next sheet, whole.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf

from ..model.units import pt_to_mm
from .sheets import SheetPlan, plan_mixed_sheet, plan_sheet


@dataclass(frozen=True)
class Piece:
    job_id: str
    file: str  # "keychain.pdf"
    page: int  # 0-based
    pages: int
    label: str  # "keychain 2/2 back"
    trim: tuple[float, float]  # w, h in mm
    bleed: float  # mm on each side


def imposable_files(artifacts: Sequence[Mapping[str, Any]], parts: Any) -> dict[str, tuple[str, ...]]:
    """A job's PDF print files and the surface each page prints: ``print.pdf`` of a one-surface product, else
    the PDF of each part its request recorded (``parts``: ``[{name, surfaces}]``) that it has, in order."""
    names = {str(a.get("name")) for a in artifacts}
    if "print.pdf" in names:
        return {"print.pdf": ()}
    out: dict[str, tuple[str, ...]] = {}
    for p in parts if isinstance(parts, list) else ():
        if isinstance(p, dict) and f"{p.get('name')}.pdf" in names:
            out[f"{p['name']}.pdf"] = tuple(str(s) for s in p.get("surfaces") or ())
    return out


def read_pieces(job_id: str, files: Mapping[str, bytes], surfaces: Mapping[str, Sequence[str]]) -> list[Piece]:
    """Every page of a job's part files as a piece; ``surfaces``: per file, the surface each page prints
    (the job's recorded parts), for the label."""
    out: list[Piece] = []
    for name, data in files.items():
        part = name.rsplit(".", 1)[0]
        with pikepdf.open(io.BytesIO(data)) as pdf:
            n = len(pdf.pages)
            for i, page in enumerate(pdf.pages):
                tx0, ty0, tx1, ty1 = (float(v) for v in page.trimbox)
                bx0 = float(page.bleedbox[0])
                names = surfaces.get(name, ())
                label = f"{part} {i + 1}/{n}" + (f" {names[i]}" if i < len(names) and names[i] else "")
                trim = (round(pt_to_mm(tx1 - tx0), 4), round(pt_to_mm(ty1 - ty0), 4))
                out.append(Piece(job_id, name, i, n, label, trim, round(pt_to_mm(tx0 - bx0), 4)))
    return out


def _place(
    width: float, height: float, pieces: Sequence[Piece], margin: float, gap: float, rotate: bool
) -> SheetPlan:
    if len({(p.trim, p.bleed) for p in pieces}) == 1:  # one size: a grid, turned when that fits more
        plan = plan_sheet(width, height, pieces[0].trim, pieces[0].bleed, [p.job_id for p in pieces], margin, gap,
                          rotate=rotate)  # fmt: skip
        placed = list(zip(plan.items, pieces, strict=False))
    else:
        keys = [f"{p.job_id}#{n}" for n, p in enumerate(pieces)]
        plan = plan_mixed_sheet(width, height, [(k, *p.trim, p.bleed) for k, p in zip(keys, pieces, strict=True)],
                                margin, gap, rotate=rotate)  # fmt: skip
        by_key = dict(zip(keys, pieces, strict=True))
        placed = [(item, by_key[item.job_id]) for item in plan.items]
    items = tuple(
        dataclasses.replace(item, job_id=p.job_id, file=p.file, page=p.page, label=p.label) for item, p in placed
    )
    used = sum(i.trim[2] * i.trim[3] for i in items) / (width * height) if width * height else 0.0
    return dataclasses.replace(plan, items=items, utilisation=round(used, 4))


def plan_pieces(
    width: float, height: float, pieces: Sequence[Piece], margin: float, gap: float, *, rotate: bool = True,
    max_jobs: int | None = None,
) -> SheetPlan:  # fmt: skip
    """``pieces`` (in print-queue order, a job's together) placed on the sheet, each job whole or not at all."""
    jobs = list(dict.fromkeys(p.job_id for p in pieces))[:max_jobs]
    while True:
        todo = [p for p in pieces if p.job_id in jobs]
        if not todo:
            return SheetPlan(width, height, 0, (), 0.0)
        plan = _place(width, height, todo, margin, gap, rotate)
        placed: dict[str, int] = {}
        for item in plan.items:
            placed[item.job_id] = placed.get(item.job_id, 0) + 1
        whole = [j for j in jobs if placed.get(j, 0) == sum(1 for p in todo if p.job_id == j)]
        if whole == jobs:
            return plan
        # a job cut short (the sheet ran out in the middle of its pieces): it, and every job after it, wait
        first_cut = next(n for n, j in enumerate(jobs) if j not in whole)
        jobs = jobs[:first_cut]
