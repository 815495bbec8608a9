"""Procedural, deterministic test photos and clip-art: no downloads, the same bytes for the same seed.

Used by ``scripts/make_examples.py`` (the bundled example assets), the benchmark workloads and the tests.
The photos have realistic structure for an image pipeline — smooth sky gradients, textured terrain with
fine detail, a bright sun, sensor grain — so JPEG decode/encode and resampling costs are representative.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import pyvips


def landscape(width: int, height: int, seed: int = 1) -> pyvips.Image:
    """An sRGB uchar landscape: sky gradient, sun, two mountain ridges, textured meadow, grain."""
    rnd = random.Random(seed)
    xy = pyvips.Image.xyz(width, height)
    x, y = xy[0], xy[1]
    t = y / max(1, height - 1)
    sky = _mix((40, 90, 170), (190, 215, 240), t)
    sx, sy, sr = width * rnd.uniform(0.6, 0.8), height * rnd.uniform(0.15, 0.3), min(width, height) * 0.06
    d2 = ((x - sx) ** 2 + (y - sy) ** 2) / (sr * sr)
    glow = (d2 * -1).exp() * 255
    sky = sky + glow.bandjoin([glow * 0.9, glow * 0.6]) * 0.8
    img = sky
    for k, (base, amp, colour) in enumerate(((0.45, 0.12, (85, 95, 120)), (0.6, 0.08, (60, 110, 60)))):
        ridge = _ridge(width, height, base, amp, rnd)
        below = (y - ridge) > 0
        tex = pyvips.Image.perlin(width, height, cell_size=max(8, width // 40), seed=seed * 10 + k)
        shade = _solid(width, height, colour) * (1 + tex.bandjoin([tex, tex]) * 0.6)
        img = below.ifthenelse(shade, img)
    grain = pyvips.Image.gaussnoise(width, height, sigma=6, mean=0, seed=seed)
    img = img + grain.bandjoin([grain, grain])
    return img.cast("uchar").copy(interpretation="srgb")


def portrait(width: int, height: int, seed: int = 2) -> pyvips.Image:
    """A soft studio backdrop with one bright, detailed subject off-centre (for saliency crops)."""
    rnd = random.Random(seed)
    xy = pyvips.Image.xyz(width, height)
    x, y = xy[0], xy[1]
    back = _mix((70, 70, 80), (120, 120, 135), x / max(1, width - 1))
    cx, cy = width * rnd.uniform(0.25, 0.4), height * rnd.uniform(0.35, 0.5)
    rx, ry = width * 0.16, height * 0.22
    inside = ((x - cx) ** 2 / (rx * rx) + (y - cy) ** 2 / (ry * ry)) < 1
    tex = pyvips.Image.perlin(width, height, cell_size=max(4, width // 60), seed=seed)
    subject = _solid(width, height, (225, 170, 140)) * (1 + tex.bandjoin([tex, tex]) * 0.5)
    img = inside.ifthenelse(subject, back)
    grain = pyvips.Image.gaussnoise(width, height, sigma=4, mean=0, seed=seed)
    return (img + grain.bandjoin([grain, grain])).cast("uchar").copy(interpretation="srgb")


def grid(width: int, height: int, cells: int = 8) -> pyvips.Image:
    """A test chart: coloured cells with thin dark grid lines (for geometry checks)."""
    xy = pyvips.Image.xyz(width, height)
    cx = (xy[0] * cells / width).floor()
    cy = (xy[1] * cells / height).floor()
    r = cx * 255 / max(1, cells - 1)
    g = cy * 255 / max(1, cells - 1)
    b = ((cx + cy) % 2) * 200 + 30
    img = r.bandjoin([g, b])
    line = ((xy[0] % (width / cells)) < 2) | ((xy[1] % (height / cells)) < 2)
    return line.ifthenelse([20, 20, 20], img).cast("uchar").copy(interpretation="srgb")


def heart_svg(colour: str = "#d6336c") -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 90">'
        '<path d="M50 30C50 0 0 0 0 30C0 55 25 70 50 90C75 70 100 55 100 30C100 0 50 0 50 30Z" '
        f'fill="{colour}"/>'
        "</svg>"
    )


def star_svg(colour: str = "#f2b01e") -> str:
    pts = []
    for i in range(10):
        r = 50 if i % 2 == 0 else 20
        a = -math.pi / 2 + i * math.pi / 5
        pts.append(f"{50 + r * math.cos(a):.2f},{50 + r * math.sin(a):.2f}")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'<polygon points="{" ".join(pts)}" fill="{colour}" stroke="#7a5200" stroke-width="2"/></svg>'
    )


def save_jpeg(img: pyvips.Image, path: Path, quality: int = 88) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.jpegsave(str(path), Q=quality, keep="none", optimize_coding=True)
    return path


def _ridge(width: int, height: int, base: float, amp: float, rnd: random.Random) -> pyvips.Image:
    waves = [(rnd.uniform(1, 6), rnd.uniform(0, 2 * math.pi), rnd.uniform(0.3, 1.0)) for _ in range(5)]
    norm = sum(w[2] for w in waves)
    row = []
    for i in range(width):
        u = i / width
        v = sum(a * math.sin(2 * math.pi * f * u + p) for f, p, a in waves) / norm
        row.append(height * (base + amp * v))
    line = pyvips.Image.new_from_array([row])
    return line.replicate(1, height)


def _mix(c0: tuple[int, int, int], c1: tuple[int, int, int], t: pyvips.Image) -> pyvips.Image:
    bands = [t * (b - a) + a for a, b in zip(c0, c1, strict=True)]
    return bands[0].bandjoin(bands[1:])


def _solid(w: int, h: int, c: tuple[int, int, int]) -> pyvips.Image:
    return pyvips.Image.black(w, h, bands=3) + list(c)


def clipart(width: int, height: int, seed: int = 7) -> pyvips.Image:
    """RGBA clip-art as storefronts sell it: textured, painted shapes (a heart and two dots) with
    anti-aliased edges and a soft drop shadow on a transparent background; a 1600x1250 one is ~1.6 MB as PNG."""
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 160 125">'
        '<path d="M80 35C80 5 30 5 30 35C30 60 55 75 80 95C105 75 130 60 130 35C130 5 80 5 80 35Z" fill="#fff"/>'
        '<circle cx="30" cy="100" r="18" fill="#fff"/><circle cx="135" cy="100" r="14" fill="#fff"/></svg>'
    )
    mask = pyvips.Image.svgload_buffer(svg.encode())[3]
    coarse = pyvips.Image.perlin(width, height, cell_size=max(4, width // 25), seed=seed)
    fine = pyvips.Image.perlin(width, height, cell_size=max(2, width // 100), seed=seed + 1)
    xy = pyvips.Image.xyz(width, height)
    r = xy[0] * (200 / width) + 40 + coarse * 60 + fine * 20
    g = xy[1] * (120 / height) + 60 + coarse * 40
    b = (xy[0] + xy[1]) * (100 / (width + height)) + 90 - fine * 30
    paint = r.bandjoin([g, b]).cast("uchar")
    shadow = mask.gaussblur(max(1.0, width / 130)).embed(width // 110, width // 110, width, height) * 0.35
    alpha = (mask.cast("float") + shadow * (1 - mask / 255.0)).cast("uchar")
    dark = pyvips.Image.black(width, height, bands=3).new_from_image([40, 20, 30]).cast("uchar")
    colour = (mask > 0).ifthenelse(paint, dark)
    return colour.bandjoin(alpha).copy(interpretation="srgb")


def save_png(img: pyvips.Image, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.pngsave(str(path), compression=6, keep="none")
    return path


def badge_svg(seed: int = 3) -> str:
    """Vector clip-art with what real files carry: a linear gradient, strokes, a few dozen paths (a rosette
    badge with a ribbon and stars)."""
    rnd = random.Random(seed)
    petals = []
    for i in range(24):
        a = 2 * math.pi * i / 24
        x, y = 100 + 78 * math.cos(a), 100 + 78 * math.sin(a)
        petals.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="14" fill="#e9c46a" stroke="#b5892b" stroke-width="1.5"/>')
    stars = []
    for _ in range(12):
        cx, cy, r = rnd.uniform(40, 160), rnd.uniform(40, 160), rnd.uniform(4, 9)
        pts = " ".join(
            f"{cx + (r if k % 2 == 0 else r / 2.5) * math.cos(-math.pi / 2 + k * math.pi / 5):.1f},"
            f"{cy + (r if k % 2 == 0 else r / 2.5) * math.sin(-math.pi / 2 + k * math.pi / 5):.1f}"
            for k in range(10)
        )
        stars.append(f'<polygon points="{pts}" fill="#ffffff" opacity="0.85"/>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 260">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0" stop-color="#e76f51"/><stop offset="1" stop-color="#9d0208"/></linearGradient></defs>'
        '<path d="M70 160 L50 255 L80 235 L100 258 L100 170 Z" fill="#264653"/>'
        '<path d="M130 160 L150 255 L120 235 L100 258 L100 170 Z" fill="#2a9d8f"/>'
        + "".join(petals)
        + '<circle cx="100" cy="100" r="70" fill="url(#g)" stroke="#6a040f" stroke-width="3"/>'
        + "".join(stars)
        + "</svg>"
    )
