"""Flattening, as a prepress RIP does: Porter-Duff ``globalCompositeOperation`` values that erase or mask
what is already drawn (``destination-in`` / ``-out`` / ``-atop``, ``source-in`` / ``-out``, ``source-atop`` and
``destination-over`` over a transparent canvas, ``xor``, ``lighter``, ``copy``) cannot be expressed as vector
PDF or in the native model (layers only paint over what lies below).

Such an object and what it composites with — everything drawn before it in its compositing context: the
canvas (background included), or the cached group it belongs to — are drawn by the engine's own raster
backend at the flattening resolution (the template's target DPI, at least twice the canvas' own pixel
density), composited with the Canvas 2D formula of the operator (premultiplied, W3C Compositing 1 §9.1), and
placed as one image layer over the page's bleed box: an sRGB image in the preview, a CMYK image in the PDF
(the image path of the PDF backend). Each flattening is recorded in the import's ``notes`` (reported with the
preflight). Drawing order, opacity, clips and shadows of the flattened layers are kept; their vector form is
not (text in the flattened area prints as pixels at that resolution).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ..model.errors import DesignError, RenderError

if TYPE_CHECKING:
    import numpy as np

    from ..model.templates import Template
    from .protocol import Converter

#: Porter-Duff operators (Canvas 2D names) drawn by flattening.
PORTER_DUFF = frozenset(
    {
        "source-in",
        "source-out",
        "source-atop",
        "destination-over",
        "destination-in",
        "destination-out",
        "destination-atop",
        "lighter",
        "copy",
        "xor",
    }
)
#: The flattened image is at most this many pixels (a larger page flattens at a lower resolution).
MAX_FLAT_PIXELS = 40_000_000


def flatten_dpi(template: Template, k: float) -> float:
    """The template's target DPI, at least twice the canvas' own pixel density (``k`` mm per canvas px), so a
    preview at 2x still has a pixel per pixel; lowered to keep the image within :data:`MAX_FLAT_PIXELS`."""
    dpi = max(float(template.dpi.target), 2 * 25.4 / k)
    area_in2 = (template.bleed_w / 25.4) * (template.bleed_h / 25.4)
    if area_in2 * dpi * dpi > MAX_FLAT_PIXELS:
        dpi = (MAX_FLAT_PIXELS / area_in2) ** 0.5
    return dpi


def composite(src: np.ndarray, dst: np.ndarray, op: str) -> np.ndarray:
    """``src`` composited onto ``dst`` (both RGBA float 0..1, straight colour) with the Canvas 2D operator:
    the result RGBA (straight), computed premultiplied (Fa, Fb of W3C Compositing 1 §9.1)."""
    import numpy as np

    a_s, a_d = src[..., 3:4], dst[..., 3:4]
    cs, cd = src[..., :3] * a_s, dst[..., :3] * a_d
    one = np.ones_like(a_s)
    fa, fb = {
        "source-in": (a_d, 0 * one),
        "source-out": (1 - a_d, 0 * one),
        "source-atop": (a_d, 1 - a_s),
        "destination-over": (1 - a_d, one),
        "destination-in": (0 * one, a_s),
        "destination-out": (0 * one, 1 - a_s),
        "destination-atop": (1 - a_d, a_s),
        "lighter": (one, one),
        "copy": (one, 0 * one),
        "xor": (1 - a_d, 1 - a_s),
    }[op]
    co = np.clip(cs * fa + cd * fb, 0, 1)
    ao = np.clip(a_s * fa + a_d * fb, 0, 1)
    straight = np.where(ao > 0, co / np.maximum(ao, 1e-12), 0)
    return np.concatenate([straight, ao], axis=-1)


def _raster(conv: Converter, layers: list[dict[str, Any]], dpi: float, where: str) -> np.ndarray:
    """``layers`` (native layer dicts) drawn over the bleed box at ``dpi``: RGBA uint8 (straight)."""
    import numpy as np

    from ..backends.raster import draw_raster
    from ..model.design import parse_design
    from ..pipeline import prepare

    engine, template = conv.engine, conv.template
    assert engine is not None and template is not None
    try:
        design = parse_design({"version": 1, "template": template.id, "layers": layers})
        layout = prepare(design, engine, conv.asset_dir, template=template).layout
        img = draw_raster(layout, dpi, engine.icc, transparent=True)
        buf = img.write_to_memory()
    except RenderError as exc:
        raise DesignError(f"cannot flatten for this operator: {exc.message}", field=where) from None
    arr = np.ndarray(buffer=buf, dtype=np.uint8, shape=(img.height, img.width, img.bands))
    if img.bands == 3:
        arr = np.concatenate([arr, np.full((*arr.shape[:2], 1), 255, np.uint8)], axis=-1)
    return arr


#: operators that leave the backdrop as it is where the source is transparent (Fb = 1 when alpha_s = 0);
#: the others clear it there
_KEEP_OUTSIDE = frozenset({"source-atop", "destination-over", "destination-out", "lighter", "xor"})


def composite_pages(src: np.ndarray, dst: np.ndarray, op: str) -> np.ndarray:
    """``src`` composited onto ``dst`` (RGBA uint8 pages of one size) by ``op``: the formula of
    :func:`composite` over the box where ``src`` has any alpha, and outside it what the formula gives for a
    transparent source — the backdrop, or nothing — without the float pages (a 40 MP flattening held ~4.5 GB
    of float32 arrays and took ~12 s of CPU when the source was one small object)."""
    import numpy as np

    rows = np.flatnonzero(src[..., 3].any(axis=1))
    if op in _KEEP_OUTSIDE:
        out = dst.copy()
        out[out[..., 3] == 0] = 0  # straight colour of a transparent pixel is 0, as the formula leaves it
    else:
        out = np.zeros_like(dst)
    if rows.size == 0:
        return out
    cols = np.flatnonzero(src[rows[0] : rows[-1] + 1, :, 3].any(axis=0))
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    scale = np.float32(255.0)
    part = composite(src[y0:y1, x0:x1].astype(np.float32) / scale, dst[y0:y1, x0:x1].astype(np.float32) / scale, op)
    out[y0:y1, x0:x1] = (part * 255).round().astype(np.uint8)
    return out


def flatten(
    conv: Converter,
    layers: list[dict[str, Any]],
    start: int,
    source: list[dict[str, Any]],
    op: str,
    where: str,
) -> None:
    """Replace ``layers[start:]`` (the backdrop of the compositing context) by one image layer: the backdrop
    with ``source`` (the object's own layers) composited onto it by ``op``."""
    import numpy as np

    template = conv.template
    field = f"{where}.globalCompositeOperation"
    if conv.engine is None or template is None:
        raise DesignError(f"'{op}' is drawn by flattening, which needs the engine", field=field)
    dpi = flatten_dpi(template, conv.k)
    backdrop = _raster(conv, layers[start:], dpi, field) if layers[start:] else None
    src = _raster(conv, source, dpi, field)
    if backdrop is None:
        backdrop = np.zeros_like(src)
    out = composite_pages(src, backdrop, op)
    n_under = len(layers) - start
    del layers[start:]
    del conv.layer_origin[len(conv.layer_origin) - n_under :]  # the canvas' layers and their origins align
    _place(conv, layers, out, where, 1.0)
    conv.notes.append(
        f"{field}: '{op}' flattened: the object and the {n_under} layer(s) under it in its compositing "
        f"context drawn as one image at {dpi:.0f} dpi (no vector PDF operator erases or masks what is below)"
    )


def flatten_group(
    conv: Converter, sub: list[dict[str, Any]], layers: list[dict[str, Any]], opacity: float, where: str
) -> None:
    """A cached group's layers ``sub`` (translated without its opacity) as one image drawn with ``opacity``:
    a translucent group whose children blend or composite with each other (Fabric composites them in the
    group's cache, then the cache with the group's opacity)."""
    template = conv.template
    if conv.engine is None or template is None or not sub:
        raise DesignError("a translucent group whose children blend is drawn by flattening", field=f"{where}.opacity")
    dpi = flatten_dpi(template, conv.k)
    _place(conv, layers, _raster(conv, sub, dpi, f"{where}.objects"), where, opacity)
    conv.notes.append(
        f"{where}: a translucent group whose children blend or composite flattened: drawn as one image at "
        f"{dpi:.0f} dpi with the group's opacity"
    )


def _place(conv: Converter, layers: list[dict[str, Any]], rgba: np.ndarray, where: str, opacity: float) -> None:
    """``rgba`` (RGBA uint8 over the bleed box) written as a PNG into the import's folder and placed as an
    image layer over the bleed box."""
    import numpy as np
    import pyvips

    template = conv.template
    assert template is not None
    h, w = rgba.shape[:2]
    png = pyvips.Image.new_from_memory(np.ascontiguousarray(rgba).tobytes(), w, h, 4, "uchar")
    data = png.copy(interpretation="srgb").pngsave_buffer(compression=6, strip=True)
    conv.n_assets += 1
    name = f"fabric-flat-{conv.n_assets}-{hashlib.sha256(data).hexdigest()[:12]}.png"
    (conv.asset_dir / name).write_bytes(data)
    b = template.bleed_mm
    layer: dict[str, Any] = {
        "type": "image",
        "asset": name,
        "box": {"x": -b, "y": -b, "width": template.bleed_w, "height": template.bleed_h},
        "fit": "stretch",
    }
    if opacity < 1:
        layer["opacity"] = round(opacity, 6)
    conv.add(layers, layer, where)
