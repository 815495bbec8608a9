"""Mockup step: the print layout, drawn at preview resolution, warped onto a product scene.

    print  = draw_raster(layout, dpi just high enough for the scene at this width)    (the print path's layout)
    warped = print.mapim(index map)                 index map: output pixel -> print pixel, cached per scene
    shaded = screen(warped * shade, highlight)
    out    = occluder over (shaded over base, weighted by print alpha x scene mask)

Everything expensive that depends only on the scene (index maps, resized base/shade/highlight/mask/occluder
images, the print-area mask) is computed once per (template, view, variant, width) and kept in a small
process-wide cache, as in-memory libvips images. Per request only the print is drawn, warped and encoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pyvips

from ..errors import DesignError, TemplateError
from ..geometry import Rect
from ..layout import Layout
from ..pipeline import Prepared, StepTimer
from ..resolve import Engine
from ..templates import Template
from ..units import MM_PER_INCH
from . import geometry
from .print_cache import clear as clear_print_cache
from .print_cache import draw_print, print_area_mask
from .render_cache import Lru
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
    return _SPECS.get(("spec", template.id, id(template)), lambda: mockup_spec(template))


@dataclass(frozen=True)
class Scene:
    """One view (and garment variant) of a scene at one output width, precomputed for compositing.

    Only the box of output pixels where the print can appear is warped; inside it every array is flat
    (one entry per pixel, row-major). The warp is bilinear in fixed form: ``i00`` indexes the top-left
    source pixel in the print padded by one transparent pixel on every side, ``fx``/``fy`` are the weights.
    """

    width: int
    height: int
    dpi: float  # the print is drawn at this resolution
    canvas: tuple[int, int]  # print canvas size at that dpi (bleed box)
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the warped region in the output
    i00: np.ndarray  # intp, into the padded print (width canvas[0] + 2)
    fx: np.ndarray  # float32 (N,)
    fy: np.ndarray  # float32 (N,)
    cover: np.ndarray  # float32 (N,): scene mask x print area x mapping validity, 0..1
    shade: np.ndarray | None  # float32 (N,), 0..1 multiply
    highlight: np.ndarray | None  # float32 (N,), 0..1 screen
    base: np.ndarray  # uint8 (H, W, 3), the whole scene
    base_box: np.ndarray  # float32 (3, N), the scene inside the box (channel planes)
    occluder: tuple[np.ndarray, np.ndarray] | None  # premultiplied RGB (3, N) and alpha (N,), 0..1


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


def mapped_mm(spec: MockupSpec, template: Template, folder: Path, view: str, width: int) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, int
]:
    """Trim mm shown at each output pixel (x, y, valid) and the output height."""
    sw, sh = spec.size
    sx, sy, out_h = geometry.scene_grid(sw, sh, width)
    m = spec.mapping
    if isinstance(m, Cylinder):
        x, y, ok = geometry.cylinder_inverse(m, template.trim_w, spec.views[view].yaw_deg, sx, sy)
    elif isinstance(m, Quad):
        x, y, ok = geometry.quad_inverse(m, sx, sy)
    else:
        assert isinstance(m, Displace)
        dmap = _load_array(folder / m.map)
        x, y, ok = geometry.displace_inverse(m, dmap, template.trim_w, template.trim_h, sx, sy)
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
    folder = scenes_dir(engine) / template.id
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

    def flat(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a[y0:y1, x0:x1].reshape(-1, *a.shape[2:]))

    bx, by = flat(ix), flat(iy)
    fx0 = np.floor(bx)
    fy0 = np.floor(by)
    # +1: the print is padded by a transparent pixel; clip keeps every read inside the padded array
    px = np.clip(fx0 + 1, 0, cw).astype(np.intp)
    py = np.clip(fy0 + 1, 0, ch).astype(np.intp)
    i00 = py * (cw + 2) + px
    fx = (bx - fx0).astype(np.float32)
    fy = (by - fy0).astype(np.float32)
    # the product's own print area (trim, cut line, camera opening), sampled once per scene
    area = print_area_mask(layout_stub(template), dpi).reshape(1, -1)
    area_cov = _bilinear(area, i00, cw + 2, fx, fy)[0]
    shade = png(spec.shade, "mockup.shade")
    high = png(spec.highlight, "mockup.highlight")
    occ = png(v.occluder, "mockup.occluder")
    occluder = None
    if occ is not None:
        oa = flat(occ[:, :, 3]).astype(np.float32) / 255.0
        if float(oa.max()) > 0:
            occluder = (np.ascontiguousarray(flat(occ[:, :, :3]).T.astype(np.float32) * oa), oa)
    return Scene(
        width=width,
        height=out_h,
        dpi=dpi,
        canvas=(cw, ch),
        box=box,
        i00=i00,
        fx=fx,
        fy=fy,
        cover=flat(cover) * area_cov,
        shade=None if shade is None else flat(shade[:, :, 0]).astype(np.float32) / 255.0,
        highlight=None if high is None else flat(high[:, :, 0]).astype(np.float32) / 255.0,
        base=base,
        base_box=np.ascontiguousarray(flat(base).T.astype(np.float32)),
        occluder=occluder,
    )


def scene_for(engine: Engine, template: Template, view: str, variant: str | None, width: int) -> Scene:
    key = ("scene", str(scenes_dir(engine)), template.id, id(template), view, variant, width)
    return _SCENES.get(key, lambda: build_scene(engine, template, view, variant, width))


def _bilinear(planes: np.ndarray, i00: np.ndarray, stride: int, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """Bilinear taps of channel planes (C, pixels) float32 -> (C, N). Planar, so every gather and lerp
    runs over contiguous 1-D arrays (about 3x faster than interleaved RGBA with broadcast weights)."""
    i01, i10, i11 = i00 + 1, i00 + stride, i00 + stride + 1
    out = np.empty((planes.shape[0], i00.size), dtype=np.float32)
    for c in range(planes.shape[0]):
        p = planes[c]
        top = np.take(p, i00)
        top += (np.take(p, i01) - top) * fx
        bottom = np.take(p, i10)
        bottom += (np.take(p, i11) - bottom) * fx
        top += (bottom - top) * fy
        out[c] = top
    return out


def layout_stub(template: Template) -> Layout:
    """The bleed box of a template as a Layout without items (for canvas-sized masks)."""
    trim = Rect(0.0, 0.0, template.trim_w, template.trim_h)
    b = template.bleed_mm
    return Layout(template, Rect(-b, -b, template.bleed_w, template.bleed_h), trim, trim, ())


def composite(scene: Scene, printed: np.ndarray) -> pyvips.Image:
    """Warp the drawn print into the scene and blend it with the scene's light (numpy, premultiplied).

    ``printed`` is :func:`draw_print`'s padded premultiplied float32 RGBA planes (4, H + 2, W + 2). Per
    output pixel in the print box: c, a = bilinear(print); c *= shade; c += (255 a - c) h (screen);
    c, a *= cover; out = c + base (1 - a); then the occluder over that.
    """
    cw, ch = scene.canvas
    if printed.shape != (4, ch + 2, cw + 2):
        raise ValueError(f"print is {printed.shape}, scene expects (4, {ch + 2}, {cw + 2})")
    s = _bilinear(printed.reshape(4, -1), scene.i00, cw + 2, scene.fx, scene.fy)
    c, a = s[:3], s[3]
    if scene.shade is not None:
        c *= scene.shade
    if scene.highlight is not None:
        c += (a * 255.0 - c) * scene.highlight
    c *= scene.cover
    a *= scene.cover
    out = scene.base_box - scene.base_box * a
    out += c
    if scene.occluder is not None:
        oc, oa = scene.occluder
        out -= out * oa
        out += oc
    out += 0.5
    np.clip(out, 0, 255, out=out)
    x0, y0, x1, y1 = scene.box
    frame = scene.base.copy()
    frame[y0:y1, x0:x1] = out.astype(np.uint8).T.reshape(y1 - y0, x1 - x0, 3)
    img = pyvips.Image.new_from_memory(frame, scene.width, scene.height, 3, "uchar")
    return img.copy(interpretation="srgb")


def encode(img: pyvips.Image, fmt: MockupFormat, quality: int = 85) -> bytes:
    if fmt == "jpeg":
        return bytes(img.jpegsave_buffer(Q=quality, keep="none", optimize_coding=True))
    if fmt == "webp":
        return bytes(img.webpsave_buffer(Q=quality, keep="none", effort=2))
    return bytes(img.pngsave_buffer(compression=6, keep="none"))


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
    """The mockup as an (evaluated on demand) RGB libvips image."""
    timer = timer or StepTimer()
    if not (MIN_WIDTH <= width <= MAX_WIDTH):
        raise DesignError(f"mockup width must be between {MIN_WIDTH} and {MAX_WIDTH} px", field="width")
    template = prepared.layout.template
    with timer.step("scene"):
        spec = spec_for(template)
        v, var = resolve_view(spec, view, variant)
        scene = scene_for(engine, template, v, var, width)
    proof = spec.soft_proof if soft_proof is None else soft_proof
    proof = proof and template.output.color == "cmyk"
    with timer.step("draw"):
        printed = draw_print(prepared.layout, scene.dpi, engine, soft_proof=proof)
    with timer.step("warp"):
        out = composite(scene, printed)
    return out


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
    img = render_mockup_image(
        prepared, engine, view=view, variant=variant, width=width, soft_proof=soft_proof, timer=timer
    )
    with timer.step("encode"):
        return encode(img, fmt, quality)


def views_of(template: Template) -> list[tuple[str, str | None]]:
    """Every (view, variant) pair of a template's scene, for galleries."""
    spec = spec_for(template)
    variants: list[str | None] = list(spec.variants) or [None]
    return [(v, var) for v in spec.views for var in variants]
