"""Images: source formats converted on the way (CMYK, 16-bit, greyscale) and semi-transparent pixels."""

from __future__ import annotations

from ..layout.plan import ImageItem
from ..model.errors import RenderError, asset_errors
from .messages import Msg
from .regions import printed_images
from .report import CheckContext, Finding, rounded

_CONVERTED = {"cmyk": "CMYK", "rgb16": "16-bit RGB", "grey16": "16-bit greyscale", "b-w": "greyscale"}


def check_images(ctx: CheckContext) -> list[Finding]:
    """Inputs the engine converted (CMYK, 16-bit, greyscale: info) and transparency a DTG print cannot
    reproduce (semi-transparent pixels or layers print as a coarse halftone on garments: warning)."""
    layout = ctx.layout
    out: list[Finding] = []
    dtg = layout.template.output.color == "rgba"
    for it, bounds in printed_images(layout):
        kind = _CONVERTED.get(it.info.interpretation)
        if kind is not None:
            out.append(
                Finding(
                    "image.converted",
                    "info",
                    Msg("This photo was converted for printing; colours may look slightly different."),
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
                        Msg("See-through parts of this image print as a coarse dot pattern on fabric."),
                        f"{share:.0%} of the placed image is partly transparent (layer opacity {it.opacity:g}); "
                        "DTG prints partial alpha as a halftone",
                        it.layer,
                        bounds,
                        rounded(share * 100),
                        0.0,
                        "%",
                    )
                )
    return out


def _semi_transparent_share(it: ImageItem) -> float:
    """Share of pixels with 0 < alpha < 255 in the visible crop (on a <= 128 px thumbnail)."""
    if not it.info.has_alpha:
        return 0.0
    import numpy as np

    from ..inputs.assets import open_image

    try:
        img, k = open_image(it.info, max(it.crop[2], it.crop[3]) / 128, f"layers[{it.layer}]")
        cx, cy, cw, ch = (v / k for v in it.crop)
        left, top = int(cx), int(cy)
        img = img.crop(left, top, max(1, min(img.width - left, round(cw))), max(1, min(img.height - top, round(ch))))
        if img.width > 128 or img.height > 128:
            img = img.resize(128 / max(img.width, img.height), kernel="nearest")
    except RenderError:
        return 0.0
    # the first real decode (libvips is lazy): damaged pixel data is the layer's typed error, not a pyvips.Error
    with asset_errors(f"layers[{it.layer}]", "image"):
        alpha = np.ndarray(buffer=img[3].write_to_memory(), dtype=np.uint8, shape=(img.height, img.width))
    return float(((alpha > 0) & (alpha < 255)).mean())
