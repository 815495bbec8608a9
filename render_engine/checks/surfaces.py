"""Preflight and proofs of a multi-surface product (issue #18): every surface checked as a design of its own.

Each surface or page runs the ordinary :func:`~render_engine.checks.preflight.preflight` over its own layout
(its derived template: trim, bleed, safe margin, masks, folds); the findings are tagged with the surface, its
print file (part) and its page there, and merged in reading order into one report whose ``surfaces`` list
each surface's geometry and counts. Proofs: one per surface (``proof-<surface>.png``, findings numbered as in
the merged report) and a contact sheet of them all (``proof.png``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import pyvips

from ..backends.writers import write_png
from .preflight import preflight
from .proof import PROOF_DPI, proof_image
from .report import SEVERITIES, PreflightReport, SurfaceSummary

if TYPE_CHECKING:
    from ..engine import Engine
    from ..parts import PreparedParts, PreparedSurface

SHEET_CELL_PX = 360  # contact sheet: each surface's proof fits a cell this tall
SHEET_ACROSS = 4


def surface_reports(
    prepared: PreparedParts, engine: Engine, *, color: bool = True, spelling: bool = True
) -> list[tuple[PreparedSurface, PreflightReport]]:
    """Each surface's own preflight report, its findings and texts tagged with surface, part and page."""
    out: list[tuple[PreparedSurface, PreflightReport]] = []
    for part in prepared.parts:
        for page, s in enumerate(part.surfaces, 1):
            r = preflight(s.prep, engine, color=color, spelling=spelling)
            tag = {"surface": s.ref.key, "part": part.plan.name, "page": page}
            k = s.ref.carried  # a spread layer carried onto this page: its index on the page that starts it
            findings = tuple(
                dataclasses.replace(f, **tag, layer=_own(f.layer, k, s.ref.design))  # type: ignore[arg-type]
                for f in r.findings
            )
            texts = tuple(
                dataclasses.replace(t, surface=s.ref.key, layer=_own(t.layer, k, s.ref.design) or 0) for t in r.texts
            )
            out.append((s, dataclasses.replace(r, findings=findings, texts=texts)))
    return out


def _own(layer: int | None, carried: int, design: object) -> int | None:
    """A layer index of a page's laid-out design as the customer numbered it: the ``carried`` spread layers
    first (their index on the page before, from the design's layer sources), the page's own moved up."""
    if layer is None or not carried:
        return layer
    if layer >= carried:
        return layer - carried
    source = design.source_field(f"layers[{layer}]") or ""  # type: ignore[attr-defined]
    return int(source.rsplit("[", 1)[1].rstrip("]")) if source.startswith("pages[") else layer


def merge_reports(template: str, reports: list[tuple[PreparedSurface, PreflightReport]]) -> PreflightReport:
    """One report over every surface, in reading order (its trim, bleed and safe are the first surface's)."""
    first = reports[0][1]
    pages: dict[str, int] = {}
    numbered: list[SurfaceSummary] = []
    for s, r in reports:  # a surface's page in its part, also when it has no findings
        pages[s.ref.part] = pages.get(s.ref.part, 0) + 1
        numbered.append(
            SurfaceSummary(
                s.ref.key, s.ref.label, s.ref.part, pages[s.ref.part], r.template, r.trim, r.bleed, r.safe, r.counts
            )
        )
    return PreflightReport(
        template,
        tuple(f for _, r in reports for f in r.findings),
        tuple(t for _, r in reports for t in r.texts),
        first.trim,
        first.bleed,
        first.safe,
        surfaces=tuple(numbered),
    )


def preflight_parts(
    prepared: PreparedParts, engine: Engine, *, color: bool = True, spelling: bool = True
) -> PreflightReport:
    """The merged preflight report of every surface of a multi-surface design."""
    return merge_reports(prepared.design.template, surface_reports(prepared, engine, color=color, spelling=spelling))


def write_proofs(
    reports: list[tuple[PreparedSurface, PreflightReport]], engine: Engine, out_dir: Path, dpi: float = PROOF_DPI
) -> list[Path]:
    """``proof-<surface>.png`` per surface and the contact sheet ``proof.png`` (all surfaces, reading order,
    each labelled) in ``out_dir``; returns the sheet first, then the pages. One page is drawn at a time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    labels: list[str] = []
    number = 1
    icc = engine.icc.srgb_profile_data()
    for s, r in reports:
        path = out_dir / f"proof-{s.ref.key}.png"
        write_png(proof_image(r, s.prep, engine, dpi, number_from=number), path, icc)
        paths.append(path)
        labels.append(f"{s.ref.label} ({_counts(r)})")
        number += len(r.findings)
    proofs = [pyvips.Image.new_from_file(str(p)) for p in paths]
    # one scale for every cell: a sleeve stays small beside a front, as on the garment
    scale = min(1.0, SHEET_CELL_PX / max(p.height for p in proofs), SHEET_CELL_PX * 1.5 / max(p.width for p in proofs))
    cells = [_cell(p, label, scale) for p, label in zip(proofs, labels, strict=True)]
    sheet = pyvips.Image.arrayjoin(
        cells, across=min(SHEET_ACROSS, len(cells)), shim=16, background=[235, 235, 235], halign="centre", valign="low"
    )
    sheet_path = out_dir / "proof.png"
    write_png(sheet.copy(interpretation="srgb"), sheet_path, icc)
    return [sheet_path, *paths]


def _counts(r: PreflightReport) -> str:
    c = r.counts
    return ", ".join(f"{c[s]} {s}" for s in SEVERITIES if c[s]) or "no findings"


def _cell(proof: pyvips.Image, label: str, scale: float) -> pyvips.Image:
    thumb = proof.resize(scale) if scale < 1 else proof
    thumb = thumb.extract_band(0, n=3) if thumb.bands > 3 else thumb
    text = pyvips.Image.text(label, dpi=96, font="sans 11")  # a one-band mask
    caption = text.new_from_image([0, 0, 0]).bandjoin(text).copy(interpretation="srgb")
    width = max(thumb.width, caption.width)
    bg = (
        thumb.new_from_image([235, 235, 235])
        .copy(interpretation="srgb")
        .embed(0, 0, width, thumb.height + caption.height + 6, extend="background", background=[235, 235, 235])
    )
    cell = bg.insert(thumb, (width - thumb.width) // 2, 0)
    return (
        cell.composite2(caption.cast("uchar"), "over", x=(width - caption.width) // 2, y=thumb.height + 4)
        .extract_band(0, n=3)
        .cast("uchar")
    )


def write_proof_sheet(prepared: PreparedParts, engine: Engine, out: Path, dpi: float = PROOF_DPI) -> tuple[int, int]:
    """Only the contact sheet of every surface's proof, written to ``out``: (width, height) in px."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="render-engine-proofs-") as tmp:
        sheet = write_proofs(surface_reports(prepared, engine), engine, Path(tmp), dpi)[0]
        shutil.copyfile(sheet, out)
    img = pyvips.Image.new_from_file(str(out))
    return img.width, img.height
