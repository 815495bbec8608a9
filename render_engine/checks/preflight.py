"""Preflight: check a prepared design for what makes print orders come back, and return a report.

Preflight works on the already computed :class:`~render_engine.layout.plan.Layout` (pure mm geometry), so it
costs a fraction of a preview: no pixels are drawn except for the optional colour checks, which look at a
small thumbnail (≤ 256 px) of each placed photo.

Every :class:`Finding` has a stable ``code`` (the table in ``docs/preflight.md``), a ``severity``
(``blocker`` stops the order, ``warning`` asks the customer to confirm, ``info`` is for operators), a
message a customer understands, an operator ``detail``, the ``layer`` index and ``region`` (mm, trim
coordinates) it concerns, and the ``measured`` and ``required`` values. Preflight never raises for a
design that :func:`~render_engine.pipeline.prepare` accepted; only hard safety limits raise (in prepare).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..layout.onpath import Curve
from ..layout.plan import BackgroundItem, ImageItem, Item, Layout, ShapeItem, SvgItem, TextItem
from ..model.design import CMYK, RGB, TextLayer
from ..model.errors import RenderError
from ..model.geometry import Path, Rect, rotated_bounds
from ..model.paint import paint_colours
from ..model.units import MM_PER_INCH, pt_to_mm
from .color import GAMUT_DE
from .words import article, colour_name, product_noun

if TYPE_CHECKING:
    from ..engine import Engine
    from ..inputs.color import IccCatalog
    from ..layout.prepared import Prepared

Severity = Literal["blocker", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("blocker", "warning", "info")

# ------------------------------------------------------------------------------------------- thresholds

UPSCALE_WARN = 4.0
"""An image enlarged more than this many times (target DPI / effective DPI) is called out."""
MIN_TEXT_PT = 6.0
"""Text smaller than this (pt) is hard to read and may not print cleanly."""
MIN_STROKE_PT = 0.25
"""Strokes thinner than this (pt) may disappear in print (hairlines)."""
MIN_CONTRAST = 1.5
"""WCAG 2 contrast ratio below which text on the bare product (or a flat fill) is called low contrast."""
EDGE_TOL_MM = 1.0
"""An image edge within this distance inside the trim edge counts as 'touching' the trim edge."""
GEOM_TOL_MM = 0.05
"""Geometric slack (mm) for safe-zone and bleed comparisons."""
GAMUT_SHARE_INFO = 0.01
GAMUT_SHARE_WARN = 0.10
"""Out-of-gamut share of an image's pixels reported as info (≥ 1 %) or warning (≥ 10 %)."""

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_JOINERS = frozenset("\u200c\u200d")  # ZWNJ/ZWJ: needed in Persian, Indic scripts and emoji sequences


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    detail: str
    layer: int | None = None
    region: Rect | None = None
    measured: Any = None
    required: Any = None
    unit: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "detail": self.detail,
            "layer": self.layer,
            "region": _rect_dict(self.region),
            "measured": self.measured,
            "required": self.required,
            "unit": self.unit,
            **({"extra": self.extra} if self.extra else {}),
        }


@dataclass(frozen=True)
class TextEcho:
    """A text layer as it will print: the exact text (never trimmed), its laid-out lines, and the spacing
    problems a shopper cannot see in it (``trailing space``, ``leading space``, ``double space``)."""

    layer: int
    text: str
    lines: tuple[str, ...]
    spaces: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "text": self.text, "lines": list(self.lines), "spaces": list(self.spaces)}


@dataclass(frozen=True)
class PreflightReport:
    template: str
    findings: tuple[Finding, ...]
    texts: tuple[TextEcho, ...]
    trim: Rect
    bleed: Rect
    safe: Rect

    @property
    def ok(self) -> bool:
        return not any(f.severity == "blocker" for f in self.findings)

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "template": self.template,
            "ok": self.ok,
            "counts": self.counts,
            "trim": _rect_dict(self.trim),
            "bleed": _rect_dict(self.bleed),
            "safe": _rect_dict(self.safe),
            "findings": [dict(f.to_dict(), id=n) for n, f in enumerate(self.findings, 1)],
            "texts": [t.to_dict() for t in self.texts],
        }


def _rect_dict(r: Rect | None) -> dict[str, float] | None:
    if r is None:
        return None
    return {"x": round(r.x, 3), "y": round(r.y, 3), "width": round(r.w, 3), "height": round(r.h, 3)}


def _r(v: float, nd: int = 1) -> float:
    return round(float(v), nd)


# ---------------------------------------------------------------------------------------------- entry


CHECKS = ("resolution", "safe_zone", "faces", "bleed", "print_area", "images", "text", "strokes", "color")
"""The checks in the order they run (and their findings appear)."""


def preflight(prepared: Prepared, engine: Engine, *, color: bool = True) -> PreflightReport:
    """Run every check over the prepared layout. ``color=False`` skips the (pixel-reading) colour checks."""
    layout = prepared.layout
    findings: list[Finding] = []
    findings += check_resolution(layout)
    findings += check_safe_zone(layout)
    findings += check_faces(layout)
    findings += check_bleed(layout)
    findings += check_print_area(layout)
    findings += check_images(layout)
    findings += check_text(prepared, engine.icc)
    findings += check_strokes(layout)
    if color and layout.template.output.color == "cmyk":
        findings += check_color(layout, engine.icc)
    texts = tuple(
        TextEcho(
            it.layer,
            text := _layer_text(prepared, it.layer),
            tuple(ln.text for ln in it.block.lines),
            tuple(space_problems(text)),
        )
        for it in layout.items
        if isinstance(it, TextItem)
    )
    return PreflightReport(layout.template.id, tuple(findings), texts, layout.trim, layout.bleed, layout.safe)


def _layer_text(prepared: Prepared, layer: int) -> str:
    lay = prepared.design.layers[layer]
    return lay.text if isinstance(lay, TextLayer) else ""


def _item_bounds(it: Item) -> Rect | None:
    """Page extent of an item (mm), rotation included."""
    if isinstance(it, BackgroundItem):
        return it.rect
    if isinstance(it, ImageItem):
        r = rotated_bounds(it.dest, it.rotation, it.box.cx, it.box.cy) if it.rotation % 360 else it.dest
        return r
    if isinstance(it, SvgItem):
        return rotated_bounds(it.dest, it.rotation, it.dest.cx, it.dest.cy) if it.rotation % 360 else it.dest
    if isinstance(it, TextItem):
        return it.block.bounds
    return it.path.bounds()


def _intersection(a: Rect, b: Rect) -> Rect | None:
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.x1, b.x1), min(a.y1, b.y1)
    if x1 <= x0 or y1 <= y0:
        return None
    return Rect(x0, y0, x1 - x0, y1 - y0)


# ----------------------------------------------------------------------------------------- resolution


def _printed_images(layout: Layout) -> Iterator[tuple[ImageItem, Rect]]:
    """Image items that put ink inside the bleed box, with their page bounds (mm)."""
    for it in layout.items:
        if not isinstance(it, ImageItem) or it.opacity <= 0:
            continue
        bounds = _item_bounds(it)
        if bounds is not None and _intersection(bounds, layout.bleed) is not None:
            yield it, bounds


def check_resolution(layout: Layout) -> list[Finding]:
    """Effective DPI of each visible placed image vs the template's target (warning) and minimum (blocker)."""
    dpi = layout.template.dpi
    out: list[Finding] = []
    for it, bounds in _printed_images(layout):
        eff = it.effective_dpi
        cw, ch = it.crop[2], it.crop[3]
        max_w, max_h = cw / dpi.target * MM_PER_INCH, ch / dpi.target * MM_PER_INCH
        extra = {
            "effective_dpi": _r(eff),
            "source_pixels": [it.info.width, it.info.height],
            "crop_pixels": [round(cw), round(ch)],
            "placed_mm": [_r(it.dest.w), _r(it.dest.h)],
            "max_size_at_target_mm": [_r(max_w), _r(max_h)],
        }
        where = (
            f"{it.info.width}x{it.info.height} px source, {cw:.0f}x{ch:.0f} px used over "
            f"{it.dest.w:.1f}x{it.dest.h:.1f} mm = {eff:.1f} DPI; at {dpi.target} DPI it would print at most "
            f"{max_w:.0f}x{max_h:.0f} mm"
        )
        # compared at 0.1 DPI: a box a hair larger than the exact target size is not a finding
        if _r(eff) < dpi.minimum:
            out.append(
                Finding(
                    "image.resolution_too_low",
                    "blocker",
                    "This photo's resolution is too low for its size and will print blurry. Use a larger "
                    f"photo or place it smaller (at most {max_w / 10:.1f} x {max_h / 10:.1f} cm for sharp print).",
                    f"{where}; template minimum {dpi.minimum} DPI",
                    it.layer,
                    bounds,
                    _r(eff),
                    dpi.minimum,
                    "dpi",
                    extra,
                )
            )
        elif _r(eff) < dpi.target:
            out.append(
                Finding(
                    "image.resolution_low",
                    "warning",
                    "This photo may print slightly soft at this size. A larger photo, or placing it smaller "
                    f"(at most {max_w / 10:.1f} x {max_h / 10:.1f} cm), gives the sharpest print.",
                    f"{where}; template target {dpi.target} DPI",
                    it.layer,
                    bounds,
                    _r(eff),
                    dpi.target,
                    "dpi",
                    extra,
                )
            )
        upscale = dpi.target / eff if eff > 0 else math.inf
        if upscale > UPSCALE_WARN:
            out.append(
                Finding(
                    "image.upscaled",
                    "warning",
                    "This photo is enlarged a lot: details will look blocky or blurred.",
                    f"enlarged {upscale:.1f}x to reach {dpi.target} DPI (limit {UPSCALE_WARN:g}x); {where}",
                    it.layer,
                    bounds,
                    _r(upscale, 2),
                    UPSCALE_WARN,
                    "x",
                    extra,
                )
            )
    return out


# ------------------------------------------------------------------------------------- polygons / ink


def _flatten(path: Path, steps: int = 6) -> list[np.ndarray]:
    """The path as closed polygons (curves sampled with ``steps`` segments), each an (n, 2) array."""
    polys: list[list[tuple[float, float]]] = []
    cur: list[tuple[float, float]] = []
    for op, pts in path.ops:
        if op == "M":
            if len(cur) > 2:
                polys.append(cur)
            cur = [pts[0]]
        elif op == "L":
            cur.append(pts[0])
        elif op == "C" and cur:
            p0 = cur[-1]
            p1, p2, p3 = pts
            for k in range(1, steps + 1):
                t = k / steps
                mt = 1 - t
                cur.append(
                    (
                        mt**3 * p0[0] + 3 * mt * mt * t * p1[0] + 3 * mt * t * t * p2[0] + t**3 * p3[0],
                        mt**3 * p0[1] + 3 * mt * mt * t * p1[1] + 3 * mt * t * t * p2[1] + t**3 * p3[1],
                    )
                )
        elif op == "Z" and cur:
            if len(cur) > 2:
                polys.append(cur)
            cur = [cur[0]]
    if len(cur) > 2:
        polys.append(cur)
    return [np.asarray(p, dtype=np.float64) for p in polys]


def inside(path: Path, pts: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test of ``pts`` (n, 2) against the flattened path."""
    res = np.zeros(len(pts), dtype=bool)
    if len(pts) == 0:
        return res
    x, y = pts[:, 0][:, None], pts[:, 1][:, None]
    for poly in _flatten(path):
        a = poly
        b = np.roll(poly, -1, axis=0)
        ax, ay, bx, by = a[:, 0][None], a[:, 1][None], b[:, 0][None], b[:, 1][None]
        crosses = (ay > y) != (by > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xi = ax + (y - ay) * (bx - ax) / (by - ay)
        hit = crosses & (x < xi)
        res ^= (np.count_nonzero(hit, axis=1) % 2).astype(bool)
    return res


def ink_points(item: TextItem, n: int = 48) -> np.ndarray:
    """Sample points (mm) inside the text's glyph outlines: a grid over its bounds, kept where there is ink."""
    b = item.block.bounds
    if b is None or item.block.outline.empty:
        return np.zeros((0, 2))
    nx = n
    ny = max(4, round(n * b.h / max(b.w, 1e-6)))
    ny = min(ny, 4 * n)
    xs = b.x + (np.arange(nx) + 0.5) * b.w / nx
    ys = b.y + (np.arange(ny) + 0.5) * b.h / ny
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    # include the bounds' extremes: thin strokes at the edge must not slip between grid points
    pts = grid[inside(item.block.outline, grid)]
    return pts if len(pts) else grid


def _points_rect(pts: np.ndarray) -> Rect:
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return Rect(float(x0), float(y0), float(x1 - x0), float(y1 - y0))


# ------------------------------------------------------------------------------------------ safe zone


def check_safe_zone(layout: Layout) -> list[Finding]:
    """Text outside the safe rect, over a template mask hole, or across the cut path (all warnings)."""
    t = layout.template
    out: list[Finding] = []
    safe = layout.safe
    masks = {name: Path.from_svg(spec.d, evenodd=True) for name, spec in t.masks.items()}
    cut = Path.from_svg(t.cut_path.d) if t.cut_path else None
    for it in layout.items:
        if not isinstance(it, TextItem) or it.opacity <= 0:
            continue
        b = it.block.bounds
        if b is None or _intersection(b, layout.bleed) is None:
            continue
        reach = max((st.stroke_width_mm / 2 for st in it.strokes), default=0.0)  # outlined text is wider
        if reach:
            b = Rect(b.x - reach, b.y - reach, b.w + 2 * reach, b.h + 2 * reach)
        if not safe.contains(b, GEOM_TOL_MM):
            past = max(safe.x - b.x, b.x1 - safe.x1, safe.y - b.y, b.y1 - safe.y1)
            beyond_trim = not layout.trim.contains(b, GEOM_TOL_MM)
            out.append(
                Finding(
                    "safe.text_outside",
                    "warning",
                    "Part of this text may be cut off"
                    + (
                        " — it reaches past the edge of the product."
                        if beyond_trim
                        else " or sit too close to the edge."
                    )
                    + " Move it further inside.",
                    f"text bounds {b.x:.1f},{b.y:.1f} {b.w:.1f}x{b.h:.1f} mm extend {past:.2f} mm outside the safe "
                    f"area (trim inset by {t.safe_margin_mm:g} mm){'; crosses the trim edge' if beyond_trim else ''}",
                    it.layer,
                    b,
                    _r(past, 2),
                    0.0,
                    "mm",
                    {"beyond_trim": beyond_trim},
                )
            )
        pts: np.ndarray | None = None
        for name, mpath in masks.items():
            mb = mpath.bounds()
            if mb is None or not mb.intersects(b):
                continue
            pts = ink_points(it) if pts is None else pts
            hit = inside(mpath, pts)
            if hit.any():
                share = float(hit.mean())
                out.append(
                    Finding(
                        "safe.text_over_mask",
                        "warning",
                        f"Part of this text sits over the {name} opening, where nothing is printed.",
                        f"{share:.0%} of the text's ink samples fall inside template mask '{name}' "
                        f"({t.masks[name].description or 'no description'})",
                        it.layer,
                        _points_rect(pts[hit]),
                        _r(share * 100),
                        0.0,
                        "%",
                        {"mask": name},
                    )
                )
        if cut is not None:
            pts = ink_points(it) if pts is None else pts
            outside = ~inside(cut, pts)
            if outside.any():
                share = float(outside.mean())
                out.append(
                    Finding(
                        "safe.text_crosses_cut",
                        "warning",
                        "Part of this text crosses the cut line of the product and will be cut off.",
                        f"{share:.0%} of the text's ink samples lie outside the cut path",
                        it.layer,
                        _points_rect(pts[outside]),
                        _r(share * 100),
                        0.0,
                        "%",
                    )
                )
    return out


# ---------------------------------------------------------------------------------------------- faces


def face_rects(it: ImageItem) -> list[Rect]:
    """Page rects (mm) of the faces the auto-crop detector found, clipped to the visible photo.

    Faces are only known for ``crop: "auto"`` layers (the detector runs in resolve); rotated photos are
    skipped (their faces would need the rotation applied)."""
    if it.focus is None or not it.focus.faces or it.rotation % 360:
        return []
    W, H = it.info.width, it.info.height
    cx, cy, cw, ch = it.crop
    d = it.dest
    out: list[Rect] = []
    for fx, fy, fw, fh in it.focus.faces:
        x0 = d.x + (fx * W - cx) / cw * d.w
        y0 = d.y + (fy * H - cy) / ch * d.h
        r = _intersection(Rect(x0, y0, fw * W / cw * d.w, fh * H / ch * d.h), d)
        if r is not None:
            out.append(r)
    return out


def check_faces(layout: Layout) -> list[Finding]:
    """Faces in placed photos must sit inside the safe area (warning): a cut-off face is a return."""
    out: list[Finding] = []
    safe = layout.safe
    for it, _bounds in _printed_images(layout):
        for face in face_rects(it):
            if safe.contains(face, GEOM_TOL_MM):
                continue
            past = max(safe.x - face.x, face.x1 - safe.x1, safe.y - face.y, face.y1 - safe.y1)
            out.append(
                Finding(
                    "safe.face_outside",
                    "warning",
                    "A face in this photo is close to the edge and may be cut off. Move or zoom the photo.",
                    f"detected face {face.x:.1f},{face.y:.1f} {face.w:.1f}x{face.h:.1f} mm extends {past:.2f} mm "
                    "outside the safe area",
                    it.layer,
                    face,
                    _r(past, 2),
                    0.0,
                    "mm",
                )
            )
    return out


# ----------------------------------------------------------------------------------------- print area


def _sample_grid(r: Rect, n: int = 24) -> np.ndarray:
    xs = r.x + (np.arange(n) + 0.5) * r.w / n
    ys = r.y + (np.arange(n) + 0.5) * r.h / n
    return np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)


def check_print_area(layout: Layout) -> list[Finding]:
    """Shapes and clip-art that reach outside the printable area (the template's print-area outline, or the
    bleed box): that part will not print. Photos and backgrounds are meant to run past it; text has its own
    safe-area, mask and cut-path findings (:func:`check_safe_zone`)."""
    t = layout.template
    area = Path.from_svg(t.print_area.d, evenodd=True) if t.print_area else Path.rect(layout.bleed)
    out: list[Finding] = []
    for it in layout.items:
        if not isinstance(it, ShapeItem | SvgItem) or it.opacity <= 0:
            continue
        b = _item_bounds(it)
        if b is None or b.w <= 0 or b.h <= 0:
            continue
        pts = _sample_grid(b)
        if isinstance(it, ShapeItem):  # inside the outline, or its vertices for lines and open strokes
            filled = pts[inside(it.path, pts)]
            pts = filled if len(filled) else np.concatenate(_flatten(it.path) or [pts])
        outside = ~inside(area, pts)
        share = float(outside.mean()) if len(pts) else 0.0
        if share <= 0.01:
            continue
        out.append(
            Finding(
                "template.outside_print_area",
                "warning",
                "Part of this element lies outside the printable area of the product and will not print.",
                f"{share:.0%} of its samples fall outside the "
                f"{'print-area outline' if t.print_area else 'bleed box'} of {t.id}",
                it.layer,
                _points_rect(pts[outside]),
                _r(share * 100),
                0.0,
                "%",
            )
        )
    return out


# --------------------------------------------------------------------------------------------- images

_CONVERTED = {"cmyk": "CMYK", "rgb16": "16-bit RGB", "grey16": "16-bit greyscale", "b-w": "greyscale"}


def check_images(layout: Layout) -> list[Finding]:
    """Inputs the engine converted (CMYK, 16-bit, greyscale: info) and transparency a DTG print cannot
    reproduce (semi-transparent pixels or layers print as a coarse halftone on garments: warning)."""
    out: list[Finding] = []
    dtg = layout.template.output.color == "rgba"
    for it, bounds in _printed_images(layout):
        kind = _CONVERTED.get(it.info.interpretation)
        if kind is not None:
            out.append(
                Finding(
                    "image.converted",
                    "info",
                    "This photo was converted for printing; colours may look slightly different.",
                    f"{kind} {it.info.format.upper()} normalised to 8-bit sRGB before placement",
                    it.layer,
                    bounds,
                    it.info.interpretation,
                    "srgb",
                )
            )
        if dtg:
            share = _semi_transparent_share(it) if it.opacity >= 1 else 1.0
            if share > 0.01:
                out.append(
                    Finding(
                        "image.semi_transparent_dtg",
                        "warning",
                        "See-through parts of this image print as a coarse dot pattern on fabric.",
                        f"{share:.0%} of the placed image is partly transparent (layer opacity {it.opacity:g}); "
                        "DTG prints partial alpha as a halftone",
                        it.layer,
                        bounds,
                        _r(share * 100),
                        0.0,
                        "%",
                    )
                )
    return out


def _semi_transparent_share(it: ImageItem) -> float:
    """Share of pixels with 0 < alpha < 255 in the visible crop (on a <= 128 px thumbnail)."""
    if not it.info.has_alpha:
        return 0.0
    from ..inputs.assets import open_image

    try:
        img, k = open_image(it.info, max(it.crop[2], it.crop[3]) / 128, f"layers[{it.layer}]")
        cx, cy, cw, ch = (v / k for v in it.crop)
        left, top = int(cx), int(cy)
        img = img.crop(left, top, max(1, min(img.width - left, round(cw))), max(1, min(img.height - top, round(ch))))
        if img.width > 128 or img.height > 128:
            img = img.resize(128 / max(img.width, img.height), kernel="nearest")
        alpha = np.ndarray(buffer=img[3].write_to_memory(), dtype=np.uint8, shape=(img.height, img.width))
    except RenderError:
        return 0.0
    return float(((alpha > 0) & (alpha < 255)).mean())


# ---------------------------------------------------------------------------------------------- bleed


def check_bleed(layout: Layout) -> list[Finding]:
    """An image touching a trim edge must reach through the bleed on that side.

    Blocker when it stops at the trim edge (no bleed at all: a white sliver is likely), warning when it
    covers only part of the bleed. Backgrounds always fill the bleed box. The suggested auto-fix (extend the
    edge by mirroring) is recorded in ``extra.fix``; it is not applied.
    """
    t = layout.template
    if t.bleed_mm <= 0:
        return []
    trim, bleed = layout.trim, layout.bleed
    out: list[Finding] = []
    for it in layout.items:
        if not isinstance(it, ImageItem) or it.opacity <= 0 or it.clip is not None or it.extra_clips:
            continue
        r = _item_bounds(it)
        if r is None or _intersection(r, trim) is None:
            continue
        # (side, distance the image edge stops short of the bleed edge, touches the trim edge?)
        sides = {
            "left": (r.x - bleed.x, r.x <= trim.x + EDGE_TOL_MM),
            "top": (r.y - bleed.y, r.y <= trim.y + EDGE_TOL_MM),
            "right": (bleed.x1 - r.x1, r.x1 >= trim.x1 - EDGE_TOL_MM),
            "bottom": (bleed.y1 - r.y1, r.y1 >= trim.y1 - EDGE_TOL_MM),
        }
        missing = {s: _r(m, 2) for s, (m, touches) in sides.items() if touches and m > GEOM_TOL_MM}
        if not missing:
            continue
        worst = max(missing.values())
        severity: Severity = "blocker" if worst >= t.bleed_mm - GEOM_TOL_MM else "warning"
        names = ", ".join(missing)
        out.append(
            Finding(
                "bleed.missing",
                severity,
                f"This image ends at the edge of the product ({names}) instead of running past it, so a thin "
                "white line may show after cutting. Stretch it past the edge.",
                f"image extent {r.x:.2f},{r.y:.2f} {r.w:.2f}x{r.h:.2f} mm stops short of the bleed box by "
                + ", ".join(f"{s} {m:.2f} mm" for s, m in missing.items())
                + f" (bleed {t.bleed_mm:g} mm); auto-fix: extend by mirroring the edge",
                it.layer,
                r,
                worst,
                t.bleed_mm,
                "mm",
                {"missing_mm": missing, "fix": {"action": "extend_mirror", "sides_mm": missing}},
            )
        )
    return out


# ----------------------------------------------------------------------------------------------- text


def _srgb(color: RGB | CMYK, icc: IccCatalog, profile: str) -> tuple[int, int, int]:
    return icc.to_srgb(color, profile)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio (1 … 21)."""
    la, lb = _luminance(a), _luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def _behind(layout: Layout, item: TextItem, icc: IccCatalog) -> list[tuple[int, int, int]] | None:
    """The flat colours the text sits on, or None when an image/clip-art/translucent layer is behind it."""
    b = item.block.bounds
    assert b is not None
    profile = layout.template.output.icc_profile
    colours: list[tuple[int, int, int]] = []
    covered = False
    for other in reversed([o for o in layout.items if o.layer < item.layer]):
        ob = _item_bounds(other)
        if ob is None or not ob.intersects(b):
            continue
        if isinstance(other, ImageItem | SvgItem):
            return None
        if isinstance(other, BackgroundItem):
            if other.color is not None:
                colours += [_srgb(c, icc, profile) for c in paint_colours(other.color)]
            elif other.gradient is not None:
                colours += [_srgb(s.color, icc, profile) for s in other.gradient.stops]
            covered = True
            break
        if isinstance(other, ShapeItem) and other.fill is not None:
            if other.opacity < 0.999:
                return None
            colours += [_srgb(c, icc, profile) for c in paint_colours(other.fill)]
            if ob.contains(b):
                covered = True
                break
    if not covered:
        colours.append(_hex_rgb(layout.template.product_color))
    return colours


def _hex_rgb(h: str) -> tuple[int, int, int]:
    h = h.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _cp(c: str) -> str:
    return f"U+{ord(c):04X} {unicodedata.name(c, 'UNNAMED')}"


def check_text(prepared: Prepared, icc: IccCatalog) -> list[Finding]:
    layout = prepared.layout
    out: list[Finding] = []
    for it in layout.items:
        if not isinstance(it, TextItem):
            continue
        layer = prepared.design.layers[it.layer]
        assert isinstance(layer, TextLayer)
        text = layer.text
        block = it.block
        region = block.bounds or it.box
        if block.overflow:
            pitch = pt_to_mm(block.size_pt) * layer.line_height
            widest = max((ln.width_mm for ln in block.lines), default=0.0)
            if layer.arc is not None:
                avail, used, what = math.pi * layer.arc.radius, widest, "arc length"
            elif layer.path is not None:  # longer than its path: the text goes round onto its own start
                avail, used, what = Curve(Path.from_svg(layer.path.d)).length, widest, "path length"
            elif widest > it.box.w + 1e-4:
                avail, used, what = it.box.w, widest, "width"
            else:
                avail, used, what = it.box.h, len(block.lines) * pitch, "height"
            out.append(
                Finding(
                    "text.overflow",
                    "warning",
                    "This text does not fit in its box"
                    + (" even at the smallest allowed size" if layer.shrink_to_fit else "")
                    + ". Shorten it or make the box larger.",
                    f"{what} needed {used:.1f} mm, available {avail:.1f} mm at {block.size_pt:g} pt "
                    f"({len(block.lines)} lines)",
                    it.layer,
                    region,
                    _r(used, 2),
                    _r(avail, 2),
                    "mm",
                    {"dimension": what, "size_pt": block.size_pt},
                )
            )
        if block.fallback:
            chars = "".join(c for c, _ in block.fallback)
            fams = sorted({f for _, f in block.fallback})
            out.append(
                Finding(
                    "text.fallback_font",
                    "info",
                    f"Some characters ({chars if len(chars) <= 12 else chars[:12] + '…'}) are not in the chosen "
                    "font and print in a similar font instead.",
                    f"primary font family '{layer.font.family}'; covered by fallback: "
                    + ", ".join(f"{c!r} {_cp(c)} → {f}" for c, f in block.fallback),
                    it.layer,
                    region,
                    chars,
                    layer.font.family,
                    None,
                    {
                        "characters": [
                            {"char": c, "codepoint": f"U+{ord(c):04X}", "font": f} for c, f in block.fallback
                        ],
                        "fallback_fonts": fams,
                    },
                )
            )
        if block.size_pt < MIN_TEXT_PT - 1e-9:
            out.append(
                Finding(
                    "text.too_small",
                    "warning",
                    f"This text is very small ({block.size_pt:g} pt) and may be hard to read in print.",
                    f"printed at {block.size_pt:g} pt, minimum {MIN_TEXT_PT:g} pt",
                    it.layer,
                    region,
                    _r(block.size_pt, 2),
                    MIN_TEXT_PT,
                    "pt",
                )
            )
        out += _whitespace(it.layer, text, region)
        out += _invisible(it.layer, text, region)
        out += _mixed_scripts(it.layer, text, region)
        behind = _behind(layout, it, icc)
        if behind is not None and block.bounds is not None and it.opacity > 0:
            # every colour that prints glyphs: the layer's, and each text span's (a red name in a white line)
            inks = {
                _srgb(c, icc, layout.template.output.icc_profile)
                for paint, p in it.paint_runs
                if p.ops
                for c in paint_colours(paint)
            }
            ratio, fg = min(((contrast_ratio(ink, bg), ink) for ink in inks for bg in behind), default=(21.0, None))
            if fg is not None and ratio < MIN_CONTRAST:
                out.append(
                    Finding(
                        "text.low_contrast",
                        "warning",
                        _contrast_words(fg, behind, ratio, layout),
                        f"text #{fg[0]:02x}{fg[1]:02x}{fg[2]:02x} on "
                        + ", ".join(f"#{c[0]:02x}{c[1]:02x}{c[2]:02x}" for c in behind)
                        + f": WCAG contrast {ratio:.2f}:1, minimum {MIN_CONTRAST:g}:1",
                        it.layer,
                        region,
                        _r(ratio, 2),
                        MIN_CONTRAST,
                        "ratio",
                    )
                )
    return out


def _contrast_words(
    fg: tuple[int, int, int], behind: list[tuple[int, int, int]], ratio: float, layout: Layout
) -> str:
    """'White text on a white mug will not be visible.': the colours by name, the product by its noun."""
    bg = min(behind, key=lambda c: contrast_ratio(fg, c))
    t = layout.template
    where = product_noun(t.kind) if bg == _hex_rgb(t.product_color) else "background"
    bg_name = colour_name(bg)
    outcome = "will not be visible" if ratio < 1.15 else "will be very hard to see"
    return f"{colour_name(fg).capitalize()} text on {article(bg_name)} {bg_name} {where} {outcome}."


def space_problems(text: str) -> list[str]:
    """Spacing a reader cannot see: 'leading space', 'trailing space', 'double space' (each once, in order)."""
    problems: list[str] = []
    for para in text.replace("\r\n", "\n").split("\n"):
        if para[:1].isspace():
            problems.append("leading space")
        if para[-1:].isspace():
            problems.append("trailing space")
        if "  " in para:
            problems.append("double space")
    return sorted(set(problems), key=problems.index)


def _whitespace(layer: int, text: str, region: Rect) -> list[Finding]:
    problems = space_problems(text)
    if not problems:
        return []
    return [
        Finding(
            "text.spaces",
            "warning",
            f"Please check the spacing in this text ({', '.join(problems)}).",
            f"{', '.join(problems)} in {text!r}",
            layer,
            region,
            ", ".join(problems),
            "single spaces between words only",
            None,
            {"problems": problems},
        )
    ]


def _invisible(layer: int, text: str, region: Rect) -> list[Finding]:
    bidi = sorted({c for c in text if c in _BIDI_CONTROLS})
    hidden = sorted(
        {
            c
            for c in text
            if unicodedata.category(c) in ("Cf", "Cc")
            and c not in _BIDI_CONTROLS
            and c not in _JOINERS
            and c not in "\n\r\t"
        }
    )
    joiners = sorted({c for c in text if c in _JOINERS})
    out: list[Finding] = []
    for code, sev, chars, msg in (
        (
            "text.bidi_control",
            "warning",
            bidi,
            "This text contains hidden direction-control characters that can change the order letters print in.",
        ),
        (
            "text.invisible_characters",
            "warning",
            hidden,
            "This text contains invisible characters (often pasted by accident).",
        ),
        (
            "text.joiners",
            "info",
            joiners,
            "This text contains zero-width joiners; they are normal in some languages and emoji.",
        ),
    ):
        if not chars:
            continue
        out.append(
            Finding(
                code,
                sev,  # type: ignore[arg-type]
                msg,
                "; ".join(f"{_cp(c)} at index {text.index(c)}" for c in chars),
                layer,
                region,
                [f"U+{ord(c):04X}" for c in chars],
                [],
                None,
            )
        )
    return out


_CJK_MIX = frozenset({"Hani", "Hira", "Kana", "Hang", "Bopo", "Latn"})  # Japanese/Korean/Chinese mix legitimately


def _mixed_scripts(layer: int, text: str, region: Rect) -> list[Finding]:
    """Words whose letters come from more than one script (e.g. a Cyrillic 'А' inside 'Anna'): usually a
    look-alike pasted from another keyboard, which prints but is not what the customer typed."""
    import icu

    bad: list[tuple[str, list[str]]] = []
    for word in text.split():
        scripts = {icu.Script.getScript(ord(c)).getShortName() for c in word if unicodedata.category(c).startswith("L")}
        scripts -= {"Zyyy", "Zinh"}
        if len(scripts) > 1 and not scripts <= _CJK_MIX:
            bad.append((word, sorted(scripts)))
    if not bad:
        return []
    return [
        Finding(
            "text.mixed_scripts",
            "warning",
            "Some words mix letters from different alphabets (for example a Cyrillic 'А' that looks like a Latin "
            "'A'). Please check the spelling.",
            "; ".join(f"{w!r}: {', '.join(sc)}" for w, sc in bad),
            layer,
            region,
            [w for w, _ in bad],
            "one script per word",
            None,
            {"words": [{"word": w, "scripts": sc} for w, sc in bad]},
        )
    ]


# -------------------------------------------------------------------------------------------- strokes


def check_strokes(layout: Layout) -> list[Finding]:
    out: list[Finding] = []
    for it in layout.items:
        if isinstance(it, ShapeItem) and it.stroke is not None and it.opacity > 0:
            pt = it.stroke_width_mm / pt_to_mm(1.0)
            if pt < MIN_STROKE_PT - 1e-9:
                out.append(
                    Finding(
                        "shape.hairline",
                        "warning",
                        "This line is very thin and may not be visible in print.",
                        f"stroke {pt:.3f} pt, minimum {MIN_STROKE_PT:g} pt",
                        it.layer,
                        it.path.bounds(),
                        _r(pt, 3),
                        MIN_STROKE_PT,
                        "pt",
                    )
                )
    return out


# --------------------------------------------------------------------------------------------- colour


def check_color(layout: Layout, icc: IccCatalog) -> list[Finding]:
    """Total ink and out-of-gamut share of each placed photo, on a ≤ 256 px thumbnail of its crop."""
    from .color import image_color_stats

    out: list[Finding] = []
    prof = icc.cmyk_profile(layout.template.output.icc_profile)
    for it, bounds in _printed_images(layout):
        try:
            stats = image_color_stats(it, icc, prof.id)
        except RenderError as exc:
            out.append(
                Finding(
                    "image.decode_failed",
                    "blocker",
                    "This photo could not be read. Please upload it again.",
                    f"{exc.code}: {exc.message}",
                    it.layer,
                    bounds,
                )
            )
            continue
        limit = prof.total_ink_limit
        if limit is not None and stats.max_tac > limit + 1.0:
            out.append(
                Finding(
                    "color.total_ink",
                    "warning",
                    "Some dark areas of this photo use more ink than the press allows; they will be adjusted.",
                    f"max total area coverage {stats.max_tac:.0f}% through {prof.id} (perceptual), limit {limit:g}%",
                    it.layer,
                    bounds,
                    _r(stats.max_tac),
                    limit,
                    "%",
                )
            )
        share = stats.out_of_gamut
        if share >= GAMUT_SHARE_INFO:
            sev: Severity = "warning" if share >= GAMUT_SHARE_WARN else "info"
            out.append(
                Finding(
                    "color.out_of_gamut",
                    sev,
                    "Some bright colours in this photo cannot be printed exactly and will look a little duller.",
                    f"{share:.1%} of pixels change by ΔE2000 > {GAMUT_DE:g} in the sRGB → {prof.id} → sRGB "
                    f"round trip (max ΔE2000 {stats.max_de:.1f})",
                    it.layer,
                    bounds,
                    _r(share * 100),
                    _r(GAMUT_SHARE_WARN * 100 if sev == "warning" else GAMUT_SHARE_INFO * 100),
                    "%",
                    {"max_delta_e": _r(stats.max_de)},
                )
            )
    return out


def summary_lines(report: PreflightReport) -> Iterable[str]:
    """A human summary: one line per finding, then the texts to confirm."""
    c = report.counts
    yield (
        f"preflight {report.template}: {'OK' if report.ok else 'BLOCKED'} — "
        f"{c['blocker']} blocker(s), {c['warning']} warning(s), {c['info']} info"
    )
    for n, f in enumerate(report.findings, 1):
        layer = f"layer {f.layer}" if f.layer is not None else "design"
        meas = f" [{f.measured} vs {f.required}{(' ' + f.unit) if f.unit else ''}]" if f.measured is not None else ""
        yield f"  {n:>2}. {f.severity.upper():7} {f.code:28} {layer:9} {f.message}{meas}"
    for t in report.texts:
        # the exact text (repr shows its spaces and line breaks), and any spacing a reader cannot see
        yield f"  text layer {t.layer}: {t.text!r}" + (f"  ({', '.join(t.spaces)})" if t.spaces else "")

