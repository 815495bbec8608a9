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
    r = (cx * 255 / max(1, cells - 1))
    g = (cy * 255 / max(1, cells - 1))
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
