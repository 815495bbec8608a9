"""Pixel statistics for preflight's colour checks: total ink and out-of-gamut share of a placed photo.

Each photo is looked at once, as a thumbnail of its crop no larger than ``THUMB_PX`` on the long side
(JPEG shrink-on-load makes that cheap), converted through the template's CMYK output profile with the
photo intent (perceptual, as the PDF backend does) and back to sRGB the way the soft proof shows it
(relative colorimetric + black-point compensation). ΔE is CIEDE2000, implemented here in numpy (scikit-image
is only a dev dependency); tests compare it with ``skimage.color.deltaE_ciede2000``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ..inputs.assets import ImageInfo
from ..inputs.photo_decode import decoded_crop
from .thresholds import GAMUT_DE

if TYPE_CHECKING:
    from PIL import ImageCms

    from ..inputs.color import IccCatalog
    from ..layout.plan import ImageItem

THUMB_PX = 256
"""Colour checks look at each placed photo downscaled to at most this many pixels on its long side."""


@dataclass(frozen=True)
class ColorStats:
    max_tac: float  # percent (sum of C+M+Y+K)
    out_of_gamut: float  # share 0..1 of pixels with ΔE2000 > GAMUT_DE
    max_de: float


SHARED_SHRINK = 4.0
"""Colour checks decode a JPEG at no less than 1/4 — the scale an 800 px mockup preview of the same photo
decodes at — so a preview with preflight decodes the photo once (:mod:`render_engine.inputs.photo_decode`)."""


def thumbnail(info: ImageInfo, crop: tuple[float, float, float, float], max_px: int = THUMB_PX) -> np.ndarray:
    """The crop (source pixels) of an image as sRGB(A) uint8, at most ``max_px`` on its long side."""
    shrink = min(SHARED_SHRINK, max(1.0, max(crop[2], crop[3]) / max_px))
    pixels = decoded_crop(info, crop, shrink, "image").exact(crop)
    h, w = pixels.shape[:2]
    scale = min(1.0, max_px / max(w, h))
    if scale < 1.0:
        import cv2  # OpenCV and Pillow load with the first colour check, not with preflight

        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    return pixels


def image_color_stats(item: ImageItem, icc: IccCatalog, profile_id: str) -> ColorStats:
    """Stats for the placed crop of ``item``, cached per (file identity, crop, profile): a preview loop that
    edits text around the same photo pays for the photo once."""
    prof = icc.cmyk_profile(profile_id)
    srgb = icc.profiles.get("srgb")
    st = item.info.path.stat()
    return _stats(item.info, item.crop, st.st_mtime_ns, st.st_size, str(srgb.path) if srgb else "", str(prof.path))


def clear_cache() -> None:
    """Forget every cached photo statistic (tests: compare a cold and a warm run)."""
    _stats.cache_clear()


@lru_cache(maxsize=256)
def _stats(
    info: ImageInfo, crop: tuple[float, float, float, float], _mtime_ns: int, _size: int, srgb_path: str, cmyk_path: str
) -> ColorStats:
    thumb = thumbnail(info, crop)
    alpha = thumb[..., 3] if thumb.shape[2] == 4 else None
    rgb0 = np.ascontiguousarray(thumb[..., :3])
    h, w = rgb0.shape[:2]
    from PIL import Image

    fwd, back = color_transforms(srgb_path, cmyk_path)
    pil = Image.fromarray(rgb0, "RGB")
    cmyk_img = fwd.apply(pil)
    c = np.asarray(cmyk_img, dtype=np.uint8)
    rgb1 = np.asarray(back.apply(cmyk_img), dtype=np.uint8)
    mask = np.ones((h, w), dtype=bool) if alpha is None else alpha > 127
    if not mask.any():
        return ColorStats(0.0, 0.0, 0.0)
    tac = c.astype(np.float64).sum(axis=2) / 255.0 * 100.0
    lab0, lab1 = srgb_to_lab(rgb0[mask]), srgb_to_lab(rgb1[mask])
    # CIEDE2000 only where the cheap ΔE76 leaves room for it to pass the threshold: ΔE00 stays below ~1.5x ΔE76
    # (the a* stretch G <= 0.5; measured max 1.47 over 400k random sRGB pairs), so ΔE76 <= GAMUT_DE / 2 cannot
    de76 = np.sqrt(((lab0 - lab1) ** 2).sum(axis=-1))
    cand = de76 > GAMUT_DE / 2
    n = len(de76)
    if not cand.any():
        return ColorStats(float(tac[mask].max()), 0.0, float(de76.max(initial=0.0)))
    de = ciede2000(lab0[cand], lab1[cand])
    return ColorStats(float(tac[mask].max()), float((de > GAMUT_DE).sum() / n), float(de.max()))


@lru_cache(maxsize=8)
def color_transforms(srgb_path: str, cmyk_path: str) -> tuple[ImageCms.ImageCmsTransform, ImageCms.ImageCmsTransform]:
    """sRGB -> CMYK (perceptual, the photo intent) and back (relative + BPC, the soft proof), built once per
    process: building a littleCMS transform costs ~70 ms, applying it to a thumbnail ~5 ms."""
    from PIL import ImageCms

    rgb = ImageCms.getOpenProfile(srgb_path) if srgb_path else ImageCms.createProfile("sRGB")
    cmyk = ImageCms.getOpenProfile(cmyk_path)
    fwd = ImageCms.buildTransform(rgb, cmyk, "RGB", "CMYK", renderingIntent=ImageCms.Intent.PERCEPTUAL)
    back = ImageCms.buildTransform(
        cmyk,
        rgb,
        "CMYK",
        "RGB",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )
    return fwd, back


_LINEAR = np.array(
    [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in np.arange(256) / 255.0]
)  # sRGB decoding of every 8-bit value: a table lookup instead of a power per pixel
_SRGB_TO_XYZ = (
    np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]])
    / np.array([0.95047, 1.0, 1.08883])[:, None]
)  # rows scaled by the D65 white: XYZ/Xn directly


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """8-bit sRGB (..., 3) to CIELAB (D65 white), float64."""
    xyz = _LINEAR[rgb] @ _SRGB_TO_XYZ.T
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    L = 116 * f[..., 1] - 16
    a = 500 * (f[..., 0] - f[..., 1])
    b = 200 * (f[..., 1] - f[..., 2])
    return np.stack([L, a, b], axis=-1)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (kL = kC = kH = 1) between two (..., 3) Lab arrays."""
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    C1, C2 = np.hypot(a1, b1), np.hypot(a2, b2)
    Cm = (C1 + C2) / 2
    G = 0.5 * (1 - np.sqrt(Cm**7 / (Cm**7 + 25.0**7)))
    a1p, a2p = (1 + G) * a1, (1 + G) * a2
    C1p, C2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dLp = L2 - L1
    dCp = C2p - C1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(C1p * C2p == 0, 0.0, dh)
    dHp = 2 * np.sqrt(C1p * C2p) * np.sin(np.radians(dh / 2))
    Lpm = (L1 + L2) / 2
    Cpm = (C1p + C2p) / 2
    hsum = h1p + h2p
    hpm = np.where(
        C1p * C2p == 0,
        hsum,
        np.where(np.abs(h1p - h2p) <= 180, hsum / 2, np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2)),
    )
    T = (
        1
        - 0.17 * np.cos(np.radians(hpm - 30))
        + 0.24 * np.cos(np.radians(2 * hpm))
        + 0.32 * np.cos(np.radians(3 * hpm + 6))
        - 0.20 * np.cos(np.radians(4 * hpm - 63))
    )
    dtheta = 30 * np.exp(-(((hpm - 275) / 25) ** 2))
    Rc = 2 * np.sqrt(Cpm**7 / (Cpm**7 + 25.0**7))
    Sl = 1 + 0.015 * (Lpm - 50) ** 2 / np.sqrt(20 + (Lpm - 50) ** 2)
    Sc = 1 + 0.045 * Cpm
    Sh = 1 + 0.015 * Cpm * T
    Rt = -np.sin(np.radians(2 * dtheta)) * Rc
    return np.sqrt((dLp / Sl) ** 2 + (dCp / Sc) ** 2 + (dHp / Sh) ** 2 + Rt * (dCp / Sc) * (dHp / Sh))
