"""Preflight proof image: the soft-proofed design with the product geometry and every finding drawn over it.

The design is drawn by the ordinary raster backend (``draw_raster``, soft proof) at ~100 DPI over the bleed
box; an SVG overlay in the same mm coordinates (shaded bleed, trim line, dashed safe line, cut path, mask
holes, each finding's region outlined and numbered as in the report) is rasterised by librsvg and composited
on top. It is what an operator or an approval page looks at.
"""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import pyvips

from ..backends.common import Canvas
from ..backends.raster import draw_raster
from ..backends.writers import write_png
from ..inputs.safety import svg_total_budget
from ..model.geometry import Path, Rect

if TYPE_CHECKING:
    from ..engine import Engine
    from ..layout.prepared import Prepared
    from .preflight import PreflightReport

PROOF_DPI = 100.0
#: dieline kind -> (guide colour, dash pattern in proof px or None): cut solid magenta like the cut path
DIELINE_GUIDES: dict[str, tuple[str, tuple[float, float] | None]] = {
    "cut": ("#ff00ff", None),
    "perforation": ("#ff00ff", (3.0, 3.0)),
    "kiss-cut": ("#00b050", None),
    "crease": ("#00a0e0", (8.0, 4.0)),
    "fold": ("#00a0e0", (8.0, 4.0)),
}
SEVERITY_COLOURS = {"blocker": "#e00000", "warning": "#ff8c00", "info": "#1e6fd9"}


def proof_overlay_svg(report: PreflightReport, prepared: Prepared, canvas: Canvas, number_from: int = 1) -> bytes:
    layout = prepared.layout
    t = layout.template
    b, trim, safe = layout.bleed, layout.trim, layout.safe
    px_mm = 25.4 / canvas.dpi  # one output pixel in mm: line widths stay ~constant on screen
    parts: list[str] = []
    # shaded bleed (bleed box minus trim, even-odd)
    parts.append(
        f'<path d="{(Path.rect(b) + Path.rect(trim)).svg_d()}" fill="#ff00ff" fill-opacity="0.18" fill-rule="evenodd"/>'
    )
    parts.append(f'<path d="{Path.rect(trim).svg_d()}" fill="none" stroke="#000" stroke-width="{1.5 * px_mm:.4f}"/>')
    if safe.w > 0 and safe.h > 0 and safe != trim:
        parts.append(
            f'<path d="{Path.rect(safe).svg_d()}" fill="none" stroke="#00a000" stroke-width="{1.5 * px_mm:.4f}" '
            f'stroke-dasharray="{6 * px_mm:.4f} {4 * px_mm:.4f}"/>'
        )
    for spec in t.masks.values():
        parts.append(
            f'<path d="{escape(spec.d)}" fill="#000" fill-opacity="0.35" stroke="#000" '
            f'stroke-width="{1 * px_mm:.4f}" fill-rule="evenodd"/>'
        )
    if t.cut_path is not None:
        parts.append(f'<path d="{escape(t.cut_path.d)}" fill="none" stroke="#ff00ff" stroke-width="{2 * px_mm:.4f}"/>')
    for fold in t.folds:  # dashed blue, like a score line on a dieline
        x0, y0, x1, y1 = (
            (fold.at_mm, b.y, fold.at_mm, b.y1) if fold.axis == "vertical" else (b.x, fold.at_mm, b.x1, fold.at_mm)
        )
        parts.append(
            f'<path d="M{x0:.3f} {y0:.3f}L{x1:.3f} {y1:.3f}" fill="none" stroke="#0050ff" '
            f'stroke-width="{1.5 * px_mm:.4f}" stroke-dasharray="{8 * px_mm:.4f} {4 * px_mm:.4f}"/>'
        )
    for dl in t.dielines:  # finishing lines as guides: their spot colours' screen stand-ins, dashed where they bend
        colour, dash = DIELINE_GUIDES[dl.kind]
        dashes = f' stroke-dasharray="{dash[0] * px_mm:.4f} {dash[1] * px_mm:.4f}"' if dash else ""
        parts.append(
            f'<path d="{escape(dl.d)}" fill="none" stroke="{colour}" stroke-width="{2 * px_mm:.4f}"{dashes}/>'
        )
    label_mm = 12 * px_mm
    for n, f in enumerate(report.findings, number_from):
        r = f.region
        if r is None:
            continue
        col = SEVERITY_COLOURS[f.severity]
        pad = 1.5 * px_mm
        rr = Rect(r.x - pad, r.y - pad, r.w + 2 * pad, r.h + 2 * pad)
        parts.append(
            f'<rect x="{rr.x:.3f}" y="{rr.y:.3f}" width="{rr.w:.3f}" height="{rr.h:.3f}" fill="none" '
            f'stroke="{col}" stroke-width="{2.5 * px_mm:.4f}"/>'
        )
        # the number, in a disc at the region's top-left corner (kept on the canvas)
        cx = min(max(rr.x, b.x + label_mm), b.x1 - label_mm)
        cy = min(max(rr.y, b.y + label_mm), b.y1 - label_mm)
        parts.append(
            f'<circle cx="{cx:.3f}" cy="{cy:.3f}" r="{label_mm * 0.8:.3f}" fill="{col}" stroke="#fff" '
            f'stroke-width="{1 * px_mm:.4f}"/>'
            f'<text x="{cx:.3f}" y="{cy + label_mm * 0.35:.3f}" font-family="sans-serif" font-weight="bold" '
            f'font-size="{label_mm:.3f}" text-anchor="middle" fill="#fff">{n}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{canvas.width}" height="{canvas.height}" '
        f'viewBox="{b.x:.6f} {b.y:.6f} {b.w:.6f} {b.h:.6f}" preserveAspectRatio="none">' + "".join(parts) + "</svg>"
    ).encode()


def proof_image(
    report: PreflightReport, prepared: Prepared, engine: Engine, dpi: float = PROOF_DPI, number_from: int = 1
) -> pyvips.Image:
    """The proof as a lazy RGB image of the bleed box at ``dpi`` (findings numbered from ``number_from``)."""
    layout = prepared.layout
    canvas = Canvas.for_layout(layout, dpi)
    with svg_total_budget(engine.settings.max_svg_render_seconds_total):
        base = draw_raster(layout, dpi, engine.icc, transparent=False, soft_proof=True)
    overlay = pyvips.Image.svgload_buffer(proof_overlay_svg(report, prepared, canvas, number_from), unlimited=False)
    if overlay.width != canvas.width or overlay.height != canvas.height:
        overlay = overlay.gravity("north-west", canvas.width, canvas.height)
    out = base.composite2(overlay.cast("uchar").copy(interpretation="srgb"), "over", compositing_space="srgb")
    out = out.extract_band(0, n=3).cast("uchar")
    return out.copy(interpretation="srgb", xres=base.xres, yres=base.yres)


def write_proof(
    report: PreflightReport, prepared: Prepared, engine: Engine, out: FsPath, dpi: float = PROOF_DPI
) -> tuple[int, int]:
    img = proof_image(report, prepared, engine, dpi)
    write_png(img, out, engine.icc.srgb_profile_data())
    return img.width, img.height
