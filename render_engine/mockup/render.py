"""Mockup step: the print layout, drawn at preview resolution, warped onto a product scene.

    print  = the layout at a DPI just high enough for the scene at this width     (the print path's layout),
             only its window: the part of the canvas the warp reads
    warped = cv2.remap(print, fixed-point maps)      output pixel -> print pixel, precomputed per scene
    out    = k0 + k1 * warped_rgb + k2 * warped_alpha                                (per output pixel)

with ``k0``, ``k1``, ``k2`` folding the scene's light and cover into three terms, computed once per scene:
shade multiplied, highlight screened, (print alpha x scene mask x print area) over the base, the occluder
(mug handle) over that.

Everything that depends only on the scene (maps, coefficients, the resized base, the print-area mask, the
window) is computed once per (template, view, variant, width) and kept in a small process-wide cache. Per
request only the print's window is drawn (its tiles cached for an edit session), warped, blended and encoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import pyvips

from ..engine import Engine
from ..inputs.lru import Lru
from ..inputs.safety import svg_total_budget
from ..layout.plan import Layout
from ..layout.prepared import Prepared
from ..model.deadline import check as check_deadline
from ..model.errors import DesignError, TemplateError
from ..model.geometry import Rect
from ..model.outputs import StepTimer
from ..model.templates import Template, template_key
from ..model.units import MM_PER_INCH
from . import scene_geometry
from .print_cache import clear as clear_print_cache
from .print_cache import draw_print, print_area_mask
from .spec import Cylinder, Displace, MockupSpec, Quad, mockup_spec

MockupFormat = Literal["jpeg", "webp", "png"]
MIN_WIDTH, MAX_WIDTH = 50, 2000
MOCKUP_STEPS = ("scene", "draw", "warp", "encode")  # after the print path's parse -> resolve -> layout

_SCENES = Lru(48)
_SPECS = Lru(64)


def clear_caches() -> None:
    _SCENES.clear()
    _SPECS.clear()
    clear_print_cache()


def scenes_dir(engine: Engine) -> Path:
    """Scene assets live beside the template catalog: ``<repo>/mockups/<template-id>/``."""
    return Path(engine.settings.templates_dir).parent / "mockups"


def spec_for(template: Template) -> MockupSpec:
    return _SPECS.get(("spec", template_key(template)), lambda: mockup_spec(template))


@dataclass(frozen=True)
class Scene:
    """One view (and garment variant) of a scene at one output width, precomputed for compositing.

    Only ``box``, the output pixels where the print can appear, is warped. The print is drawn only inside
    ``window``, the canvas pixels that box reads. Inside the box (arrays shaped (box h, box w)):
    ``out = k0 + k1 * rgb + k2 * alpha`` with the warped print's premultiplied ``rgb`` and ``alpha`` 0..255.
    """

    width: int
    height: int
    dpi: float  # the print is drawn at this resolution
    canvas: tuple[int, int]  # print canvas size at that dpi (bleed box)
    window: tuple[int, int, int, int]  # x0, y0, x1, y1 of the canvas part the warp reads
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the warped region in the output
    map1: np.ndarray  # cv2.remap fixed-point maps (CV_16SC2 + CV_16UC1), window coordinates
    map2: np.ndarray
    k0: np.ndarray  # float32 (3, h, w): the scene (base, occluder) + 0.5 for rounding
    k1: np.ndarray  # float32 (h, w): cover x shade x (1 - highlight) x (1 - occluder alpha)
    k2: np.ndarray  # float32 (3, h, w): cover x (highlight - base / 255) x (1 - occluder alpha)
    base: np.ndarray  # uint8 (H, W, 3), the whole scene


def _load_png(path: Path, width: int, height: int, field: str) -> pyvips.Image:
    if not path.is_file():
        raise TemplateError(
            f"mockup scene file {path.name} is missing (run scripts/make_mockup_scenes.py)", field=field
        )
    img = pyvips.Image.new_from_file(str(path), access="sequential")
    if img.width != width or img.height != height:
        img = img.resize(width / img.width, vscale=height / img.height, kernel="linear")
    return img.cast("uchar").copy_memory()


def _load_array(path: Path) -> np.ndarray:
    return _array(pyvips.Image.new_from_file(str(path)))


def resolve_view(spec: MockupSpec, view: str | None, variant: str | None) -> tuple[str, str | None]:
    v = view or spec.default_view
    if v not in spec.views:
        raise DesignError(f"unknown mockup view; this product has: {', '.join(spec.views)}", field="view")
    var = variant if variant is not None else spec.default_variant
    if var is not None and var not in spec.variants:
        names = ", ".join(spec.variants) or "none"
        raise DesignError(f"unknown mockup variant; this product has: {names}", field="variant")
    return v, var


def mapped_mm(
    spec: MockupSpec, template: Template, folder: Path, view: str, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Trim mm shown at each output pixel (x, y, valid) and the output height."""
    sw, sh = spec.size
    sx, sy, out_h = scene_geometry.scene_grid(sw, sh, width)
    m = spec.mapping
    if isinstance(m, Cylinder):
        x, y, ok = scene_geometry.cylinder_inverse(m, template.trim_w, spec.views[view].yaw_deg, sx, sy)
    elif isinstance(m, Quad):
        x, y, ok = scene_geometry.quad_inverse(m, sx, sy)
    else:
        assert isinstance(m, Displace)
        dmap = _load_array(folder / m.map)
        x, y, ok = scene_geometry.displace_inverse(m, dmap, template.trim_w, template.trim_h, sx, sy)
    return x, y, ok, out_h


def preview_dpi(x_mm: np.ndarray, y_mm: np.ndarray, ok: np.ndarray, template: Template) -> float:
    """The lowest print resolution that still gives about one print pixel per output pixel where the
    print is densest on screen (e.g. the front of a mug)."""
    inside = ok & (x_mm >= 0) & (x_mm <= template.trim_w) & (y_mm >= 0) & (y_mm <= template.trim_h)
    both = inside[:, 1:] & inside[:, :-1]
    dx = np.abs(np.diff(x_mm, axis=1))[both]
    both_y = inside[1:, :] & inside[:-1, :]
    dy = np.abs(np.diff(y_mm, axis=0))[both_y]
    steps = np.concatenate([dx[dx > 1e-6], dy[dy > 1e-6]])
    if steps.size == 0:
        return 72.0
    mm_per_px = float(np.percentile(steps, 2))
    return float(min(600.0, max(30.0, MM_PER_INCH / mm_per_px)))


def _array(img: pyvips.Image) -> np.ndarray:
    return np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, img.bands))


def build_scene(engine: Engine, template: Template, view: str, variant: str | None, width: int) -> Scene:
    spec = spec_for(template)
    folder = scenes_dir(engine) / (spec.scene or template.id)
    x, y, ok, out_h = mapped_mm(spec, template, folder, view, width)
    dpi = preview_dpi(x, y, ok, template)
    ppm = dpi / MM_PER_INCH
    b = template.bleed_mm
    cw = max(1, round(template.bleed_w * ppm))
    ch = max(1, round(template.bleed_h * ppm))
    # canvas pixel coordinates, pixel centres at integers
    ix = (x + b) * ppm - 0.5
    iy = (y + b) * ppm - 0.5
    ok = ok & (ix > -1) & (ix < cw) & (iy > -1) & (iy < ch)
    v = spec.views[view]

    def png(name: str | None, field: str) -> np.ndarray | None:
        return _array(_load_png(folder / name, width, out_h, field)) if name else None

    base_name = spec.variants[variant].base if variant is not None else v.base
    base = png(base_name, "mockup.base")
    assert base is not None
    base = np.ascontiguousarray(base[:, :, :3])
    mask = png(spec.mask, "mockup.mask")
    cover = ok.astype(np.float32) * (1.0 if mask is None else mask[:, :, 0].astype(np.float32) / 255.0)
    rows, cols = np.nonzero(cover > 0)
    if rows.size == 0:
        box = (0, 0, 1, 1)
    else:
        box = (int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1)
    x0, y0, x1, y1 = box

    def crop(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a[y0:y1, x0:x1])

    cover = crop(cover)
    bx = crop(ix).astype(np.float32)
    by = crop(iy).astype(np.float32)
    # the canvas pixels bilinear taps read for covered output pixels: the window the print is drawn in
    seen = cover > 0
    if seen.any():
        fx, fy = np.floor(bx[seen]), np.floor(by[seen])
        window = (
            int(np.clip(fx.min(), 0, cw - 1)),
            int(np.clip(fy.min(), 0, ch - 1)),
            int(np.clip(fx.max() + 2, 1, cw)),
            int(np.clip(fy.max() + 2, 1, ch)),
        )
    else:
        window = (0, 0, 1, 1)
    # the product's own print area (trim, cut line, camera opening), sampled once per scene
    area = print_area_mask(layout_stub(template), dpi)
    cover *= cv2.remap(area, bx, by, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    bx = np.where(cover > 0, bx - window[0], -4.0).astype(np.float32)  # uncovered: read the (empty) border
    by = np.where(cover > 0, by - window[1], -4.0).astype(np.float32)
    map1, map2 = cv2.convertMaps(bx, by, cv2.CV_16SC2)  # 1/32 px fixed point: the fastest remap

    shade = png(spec.shade, "mockup.shade")
    high = png(spec.highlight, "mockup.highlight")
    occ = png(v.occluder, "mockup.occluder")
    s = 1.0 if shade is None else crop(shade[:, :, 0]).astype(np.float32) / 255.0
    h = 0.0 if high is None else crop(high[:, :, 0]).astype(np.float32) / 255.0
    base_box = crop(base).transpose(2, 0, 1).astype(np.float32)
    keep: np.ndarray | float = 1.0
    occ_rgb: np.ndarray | float = 0.0
    if occ is not None:
        oa = crop(occ[:, :, 3]).astype(np.float32) / 255.0
        keep = 1.0 - oa
        occ_rgb = crop(occ[:, :, :3]).transpose(2, 0, 1).astype(np.float32) * oa
    # c, a = warped premultiplied colour and alpha (0..255); light: c' = c s (1 - h) + a h (multiply, then
    # screen); cover: c'' = c' cover, a'' = a cover / 255; over the base, then the occluder over that:
    # out = (base (1 - a'') + c'') (1 - oa) + occ = k0 + k1 c + k2 a
    k0 = base_box * keep + occ_rgb + 0.5
    k1 = cover * s * (1.0 - h) * keep
    k2 = cover * (h - base_box / 255.0) * keep
    return Scene(
        width=width,
        height=out_h,
        dpi=dpi,
        canvas=(cw, ch),
        window=window,
        box=box,
        map1=map1,
        map2=map2,
        k0=np.ascontiguousarray(k0, dtype=np.float32),
        k1=np.ascontiguousarray(np.broadcast_to(k1, cover.shape), dtype=np.float32),
        k2=np.ascontiguousarray(np.broadcast_to(k2, base_box.shape), dtype=np.float32),
        base=base,
    )


def scene_for(engine: Engine, template: Template, view: str, variant: str | None, width: int) -> Scene:
    key = ("scene", str(scenes_dir(engine)), template_key(template), view, variant, width)
    return _SCENES.get(key, lambda: build_scene(engine, template, view, variant, width))


def layout_stub(template: Template) -> Layout:
    """The bleed box of a template as a Layout without items (for canvas-sized masks)."""
    trim = Rect(0.0, 0.0, template.trim_w, template.trim_h)
    b = template.bleed_mm
    return Layout(template, Rect(-b, -b, template.bleed_w, template.bleed_h), trim, trim, ())


def composite(scene: Scene, printed: np.ndarray) -> np.ndarray:
    """Warp the drawn print into the scene and light it (see :class:`Scene`): the RGB uint8 frame.

    ``printed`` is :func:`draw_print`'s premultiplied RGBA uint8 of the scene's window. The warp is
    bilinear (OpenCV fixed point: 1/32 px positions, 15-bit weights); outside the window reads transparent.
    """
    wx0, wy0, wx1, wy1 = scene.window
    if printed.shape != (wy1 - wy0, wx1 - wx0, 4):
        raise ValueError(f"print window is {printed.shape}, scene expects ({wy1 - wy0}, {wx1 - wx0}, 4)")
    warped = cv2.remap(printed, scene.map1, scene.map2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    x0, y0, x1, y1 = scene.box
    frame = scene.base.copy()
    region = frame[y0:y1, x0:x1]
    alpha = warped[:, :, 3].astype(np.float32)
    out = np.empty(alpha.shape, dtype=np.float32)
    for ch in range(3):  # planar: every operation runs over contiguous arrays
        np.multiply(warped[:, :, ch], scene.k1, out=out)
        out += alpha * scene.k2[ch]
        out += scene.k0[ch]
        np.clip(out, 0.0, 255.0, out=out)
        region[:, :, ch] = out  # truncation; k0 carries the + 0.5
    return frame


def encode(frame: np.ndarray, fmt: MockupFormat, quality: int = 85) -> bytes:
    """Encode an RGB uint8 frame, without metadata. JPEG: libjpeg-turbo through OpenCV (4:2:0, optimised
    Huffman tables; the same encoder settings as libvips' ``jpegsave`` without its pipeline set-up, ~2x
    faster at preview sizes); WebP and PNG through libvips."""
    if fmt == "jpeg":
        bgr = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
        params = [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1]
        ok, buf = cv2.imencode(".jpg", bgr, params)
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        return buf.tobytes()
    img = _vips(frame)
    if fmt == "webp":
        return bytes(img.webpsave_buffer(Q=quality, keep="none", effort=2))
    return bytes(img.pngsave_buffer(compression=6, keep="none"))


def _vips(frame: np.ndarray) -> pyvips.Image:
    h, w = frame.shape[:2]
    return pyvips.Image.new_from_memory(frame, w, h, 3, "uchar").copy(interpretation="srgb")


def check_width(width: object) -> None:
    """A mockup width is a number of px from MIN_WIDTH to MAX_WIDTH: else a :class:`DesignError` naming it."""
    if isinstance(width, bool) or not isinstance(width, int | float) or not (MIN_WIDTH <= width <= MAX_WIDTH):
        raise DesignError(f"mockup width must be between {MIN_WIDTH} and {MAX_WIDTH} px", field="width")


def render_frame(
    prepared: Prepared,
    engine: Engine,
    *,
    view: str | None = None,
    variant: str | None = None,
    width: int = 800,
    soft_proof: bool | None = None,
    timer: StepTimer | None = None,
) -> np.ndarray:
    """The mockup as an RGB uint8 array (height, width, 3): steps scene, draw, warp."""
    timer = timer or StepTimer()
    check_width(width)
    template = prepared.layout.template
    with timer.step("scene"):
        spec = spec_for(template)
        v, var = resolve_view(spec, view, variant)
        scene = scene_for(engine, template, v, var, width)
    proof = spec.soft_proof if soft_proof is None else soft_proof
    proof = proof and template.output.color == "cmyk"
    check_deadline()  # abandoned work (a request that timed out) stops between the steps
    with timer.step("draw"), svg_total_budget(engine.settings.max_svg_render_seconds_total):
        printed = draw_print(prepared.layout, scene.dpi, engine, soft_proof=proof, window=scene.window)
    check_deadline()
    with timer.step("warp"):
        return composite(scene, printed)


def render_mockup_image(
    prepared: Prepared,
    engine: Engine,
    *,
    view: str | None = None,
    variant: str | None = None,
    width: int = 800,
    soft_proof: bool | None = None,
    timer: StepTimer | None = None,
) -> pyvips.Image:
    """The mockup as an RGB libvips image (:func:`render_frame`, in memory)."""
    frame = render_frame(prepared, engine, view=view, variant=variant, width=width, soft_proof=soft_proof, timer=timer)
    return _vips(frame)


def render_mockup(
    prepared: Prepared,
    engine: Engine,
    *,
    view: str | None = None,
    variant: str | None = None,
    width: int = 800,
    fmt: MockupFormat = "jpeg",
    quality: int = 85,
    soft_proof: bool | None = None,
    timer: StepTimer | None = None,
) -> bytes:
    """Render ``prepared`` onto its product's mockup scene; returns encoded JPEG/WebP/PNG bytes.

    ``view``/``variant`` default to the scene's; ``soft_proof`` defaults to the scene's setting (CMYK
    products are shown through their output profile).
    """
    timer = timer or StepTimer()
    frame = render_frame(prepared, engine, view=view, variant=variant, width=width, soft_proof=soft_proof, timer=timer)
    check_deadline()
    with timer.step("encode"):
        return encode(frame, fmt, quality)


def views_of(template: Template) -> list[tuple[str, str | None]]:
    """Every (view, variant) pair of a template's scene, for galleries."""
    spec = spec_for(template)
    variants: list[str | None] = list(spec.variants) or [None]
    return [(v, var) for v in spec.views for var in variants]
