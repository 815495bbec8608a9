#!/usr/bin/env python3
"""Generate the mockup scenes: ``mockups/<template-id>/*.png`` and each template's ``"mockup"`` section.

Everything is procedural (numpy + libvips, no downloaded photos) and deterministic: running it twice writes
the same bytes. Scenes are rendered at 2x and box-filtered down, so silhouettes are anti-aliased.

    python scripts/make_mockup_scenes.py            # every template
    python scripts/make_mockup_scenes.py mug-11oz   # just one

What is drawn, per product kind (see docs/mockups.md for the geometry each scene declares):

* mug: an orthographic, slightly raised view of a glazed cylinder with its opening and a handle swept as a
  tube, lit from the upper left (Lambert + Blinn-Phong). The lighting is split into a *shade* map
  (multiplied over the print) and a *highlight* map (screened over it); the handle is also written as an
  RGBA *occluder* so it is drawn in front of the print. Views: front (print centre), left and right (the
  handle turned toward the camera on that side).
* flat goods (poster in a frame, canvas with its right wrap visible, card standing on a table, phone case,
  wall calendar hanging by its wire-O hanger on a nail (the wire drawn as an occluder over the print),
  coaster): a wall or table, a soft drop shadow, the product's own silhouette (its cut path warped by the
  same homography the renderer uses) and product details (frame, cork edge, camera module).
* book / notebook (closed, lying on a table): the front board and the spine of the cover sheet computed at
  the template's smallest page count; the faces are given relative to the panels (``book.mockup_panels``),
  so a thicker book's cover maps to the same scene.
* t-shirt: a garment silhouette with a fold height field; its gradient gives a displacement map (R/G) and
  the shading/highlight maps; one base image per garment colour (white, black, heather grey).
"""

from __future__ import annotations

import json
import math
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyvips
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from render_engine.mockup import scene_geometry  # noqa: E402
from render_engine.mockup.spec import MockupSpec  # noqa: E402
from render_engine.model.templates import Template, cover_template, load_template_file  # noqa: E402

SS = 2  # supersampling factor
Arr = NDArray[np.float64]


# ------------------------------------------------------------------------------------------------ helpers


def grid(w: int, h: int) -> tuple[Arr, Arr]:
    """Scene coordinates of the supersampled pixel centres."""
    xs = (np.arange(w * SS, dtype=np.float64) + 0.5) / SS - 0.5
    ys = (np.arange(h * SS, dtype=np.float64) + 0.5) / SS - 0.5
    sx, sy = np.meshgrid(xs, ys)
    return sx, sy


def down(a: Arr) -> Arr:
    """Box-filter a supersampled array back to scene size."""
    h, w = a.shape[0] // SS, a.shape[1] // SS
    return a.reshape(h, SS, w, SS, *a.shape[2:]).mean(axis=(1, 3))


def save(path: Path, a: Arr) -> None:
    """Write a float array (0..255) as an 8-bit PNG: 2-D grey, or H x W x 3/4. Deterministic bytes."""
    u8 = np.clip(np.rint(a), 0, 255).astype(np.uint8)
    if u8.ndim == 2:
        u8 = u8[:, :, None]
    h, w, b = u8.shape
    img = pyvips.Image.new_from_memory(np.ascontiguousarray(u8).tobytes(), w, h, b, "uchar")
    img = img.copy(interpretation="b-w" if b == 1 else "srgb")
    path.parent.mkdir(parents=True, exist_ok=True)
    img.pngsave(str(path), compression=9, strip=True)


def blur(a: Arr, sigma: float) -> Arr:
    h, w = a.shape
    img = pyvips.Image.new_from_memory(np.ascontiguousarray(a, dtype=np.float32).tobytes(), w, h, 1, "float")
    out = img.gaussblur(sigma, precision="float")
    return np.ndarray(buffer=out.write_to_memory(), dtype=np.float32, shape=(h, w)).astype(np.float64)


def rgb(c: tuple[float, float, float], h: int, w: int) -> Arr:
    return np.broadcast_to(np.array(c, dtype=np.float64), (h, w, 3)).copy()


def over(dst: Arr, src: Arr, alpha: Arr) -> Arr:
    a = alpha[..., None]
    return dst * (1 - a) + src * a


def smoothstep(e0: float, e1: float, x: Arr) -> Arr:
    t = np.clip((x - e0) / (e1 - e0), 0, 1)
    return t * t * (3 - 2 * t)


def noise(h: int, w: int, seed: int, sigma: float) -> Arr:
    rng = np.random.default_rng(seed)
    return blur(rng.standard_normal((h, w)), sigma) if sigma > 0 else rng.standard_normal((h, w))


def mm_mask(d: str, evenodd: bool, bleed: tuple[float, float, float, float], ppm: float) -> tuple[Arr, float]:
    """Rasterise SVG path data (trim mm) over the bleed box at ``ppm`` px/mm; returns coverage 0..1."""
    bx, by, bw, bh = bleed
    w, h = round(bw * ppm), round(bh * ppm)
    rule = "evenodd" if evenodd else "nonzero"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="{bx} {by} {bw} {bh}">'
        f'<path d="{d}" fill="#fff" fill-rule="{rule}"/></svg>'
    )
    img = pyvips.Image.svgload_buffer(svg.encode())[3]
    return np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width)) / 255.0, ppm


def sample_mm(mask: Arr, ppm: float, bleed: tuple[float, float, float, float], x_mm: Arr, y_mm: Arr) -> Arr:
    ix = np.clip(np.floor((x_mm - bleed[0]) * ppm), 0, mask.shape[1] - 1).astype(np.intp)
    iy = np.clip(np.floor((y_mm - bleed[1]) * ppm), 0, mask.shape[0] - 1).astype(np.intp)
    return mask[iy, ix]


def wall(
    w: int, h: int, top: tuple[float, float, float], bottom: tuple[float, float, float], seed: int, grain: float = 1.2
) -> Arr:
    _, ys = grid(w, h)
    t = (ys / h)[..., None]
    img = np.array(top) * (1 - t) + np.array(bottom) * t
    return img + noise(h * SS, w * SS, seed, 1.5)[..., None] * grain if grain else img


# ------------------------------------------------------------------------------------------------------ mug

LIGHT = np.array([-0.55, 0.45, 0.70])
LIGHT = LIGHT / np.linalg.norm(LIGHT)
CERAMIC = np.array([250.0, 250.0, 248.0])


def make_mug(t: Template, out: Path, diameter_mm: float, height_mm: float) -> dict[str, Any]:
    W, H = 1000, 800
    circ = math.pi * diameter_mm
    r = 250.0 if height_mm < 100 else 225.0
    s = r / (diameter_mm / 2)  # px per mm
    elev = math.radians(15.0)
    ce, se = math.cos(elev), math.sin(elev)
    hpx = height_mm * s
    cx = 470.0
    y_base = 400 + hpx * ce / 2 + 10
    print_top_Y = hpx - (height_mm - t.trim_h) / 2 * s  # print centred on the body
    top_y = y_base - print_top_Y * ce

    sx, sy = grid(W, H)
    X = sx - cx
    inside_x = np.abs(X) < r
    Z = np.sqrt(np.clip(r * r - X * X, 0, None))
    Y = (y_base + Z * se - sy) / ce
    body = inside_x & (Y >= 0) & (hpx >= Y)
    # opening: the top ellipse (a point (X, hpx, Z) of the rim plane is seen at ey = Z / r)
    ey = (sy - (y_base - hpx * ce)) / (r * se)
    en = (X / r) ** 2 + ey**2
    opening = (en <= 1.0) & ~body
    depth_body = np.where(body, Y * se + Z * ce, np.where(opening, hpx * se + ey * r * ce, -np.inf))
    rim = opening & (en > 0.93)

    # lighting of the outer surface (normal = (sin phi, 0, cos phi))
    nx, nz = X / r, Z / r
    view = np.array([0.0, se, ce])
    half = (LIGHT + view) / np.linalg.norm(LIGHT + view)
    lambert = np.clip(nx * LIGHT[0] + nz * LIGHT[2], 0, 1)
    shade = np.clip(0.42 + 0.75 * lambert, 0, 1) * (0.93 + 0.07 * smoothstep(0, 1, Y / hpx))
    edge_dark = 1 - 0.25 * smoothstep(0.85, 1.0, np.abs(nx))
    shade = np.clip(shade * edge_dark, 0, 1)
    spec = np.clip(nx * half[0] + nz * half[2], 0, 1) ** 80 * 230 + np.clip(nx * 0.8 + nz * 0.6, 0, 1) ** 400 * 60
    shade_map = np.where(body, shade, 1.0)
    high_map = np.where(body, spec, 0.0)

    bg = wall(W, H, (226, 228, 232), (200, 203, 208), seed=11)
    table_y = y_base + r * se
    shadow = blur(
        ((((sx - cx - 30) / (r * 1.15)) ** 2 + ((sy - table_y - 5) / (r * se * 1.1)) ** 2) < 1).astype(np.float64),
        12 * SS,
    )
    bg = bg * (1 - 0.35 * shadow[..., None])

    interior = CERAMIC * (0.55 + 0.3 * np.clip((ey + 1) / 2, 0, 1))[..., None]
    interior = np.where(rim[..., None], CERAMIC * 0.95, interior)
    mug = CERAMIC * shade[..., None] + spec[..., None]

    scene_base = bg.copy()
    scene_base = np.where(opening[..., None], interior, scene_base)
    scene_base = np.where(body[..., None], mug, scene_base)

    spec_out = MockupSpecBuilder(W, H)
    spec_out.files["shade.png"] = down(shade_map * 255)
    spec_out.files["highlight.png"] = down(np.clip(high_map, 0, 255))
    spec_out.files["mask.png"] = down(body.astype(np.float64) * 255)
    views: dict[str, Any] = {}
    handle_angle_deg = 40.0  # turned toward the camera, so the handle overlaps the print
    for name, yaw in (("front", 0.0), ("left", -(180 - handle_angle_deg)), ("right", 180 - handle_angle_deg)):
        phi_h = math.radians(180.0 - yaw)  # the handle sits at the seam (print angle 180 deg)
        col, cov = handle(sx, sy, cx, y_base, r, hpx, phi_h, ce, se, depth_body, body | opening, s)
        base = over(scene_base, col, cov)
        spec_out.files[f"base-{name}.png"] = down(base)
        entry: dict[str, Any] = {"yaw_deg": yaw, "base": f"base-{name}.png", "label": name}
        if cov.max() > 0:
            occ = np.concatenate([col, cov[..., None] * 255], axis=2)
            spec_out.files[f"occluder-{name}.png"] = down_rgba(occ)
            entry["occluder"] = f"occluder-{name}.png"
        views[name] = entry
    spec_out.write(out)
    return {
        "size": [W, H],
        "mapping": {
            "kind": "cylinder",
            "center_x": cx,
            "radius": r,
            "top_y": round(top_y, 4),
            "elevation_deg": 15.0,
            "circumference_mm": round(circ, 4),
        },
        "views": views,
        "default_view": "right",
        "shade": "shade.png",
        "highlight": "highlight.png",
        "mask": "mask.png",
    }


def down_rgba(a: Arr) -> Arr:
    """Box-filter premultiplied RGBA so edges do not darken."""
    alpha = a[..., 3:4] / 255.0
    pre = down(a[..., :3] * alpha)
    al = down(alpha)
    col = np.where(al > 1e-6, pre / np.maximum(al, 1e-6), 0)
    return np.concatenate([col, al * 255], axis=2)


def handle(
    sx: Arr, sy: Arr, cx: float, y_base: float, r: float, hpx: float, phi: float, ce: float, se: float,
    depth_body: Arr, body_or_opening: NDArray[np.bool_], s: float,
) -> tuple[Arr, Arr]:
    """A C-shaped handle swept as a tube (sphere sweep with a z-buffer) in the plane at angle ``phi``."""
    hgt, wid = sx.shape
    zbuf = np.full((hgt, wid), -np.inf)
    nrm = np.zeros((hgt, wid, 3))
    rt = 5.5 * s
    ex, ez = math.sin(phi), math.cos(phi)
    reach, y_hi, y_lo = 0.62 * r, 0.80 * hpx, 0.22 * hpx
    up_cam = np.array([0.0, ce, -se])
    toward = np.array([0.0, se, ce])
    lc = np.array([LIGHT[0], LIGHT @ up_cam, LIGHT @ toward])
    for k in range(420):
        tt = math.pi * k / 419
        off = r - 0.3 * rt + reach * math.sin(tt) ** 0.7
        Yp = (y_hi + y_lo) / 2 + (y_hi - y_lo) / 2 * math.cos(tt)
        P = np.array([off * ex, Yp, off * ez])
        px = cx + P[0]
        py = y_base - P[1] * ce + P[2] * se
        dc = P @ toward
        x0, x1 = int((px - rt - 1) * SS), int((px + rt + 2) * SS)
        y0, y1 = int((py - rt - 1) * SS), int((py + rt + 2) * SS)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(wid, x1), min(hgt, y1)
        if x1 <= x0 or y1 <= y0:
            continue
        dx = sx[y0:y1, x0:x1] - px
        dy = sy[y0:y1, x0:x1] - py
        d2 = (dx * dx + dy * dy) / (rt * rt)
        inside = d2 < 1
        dz = np.sqrt(np.clip(1 - d2, 0, None))
        depth = dc + dz * rt
        win = inside & (depth > zbuf[y0:y1, x0:x1])
        zbuf[y0:y1, x0:x1] = np.where(win, depth, zbuf[y0:y1, x0:x1])
        n = np.stack([dx / rt, -dy / rt, dz], axis=-1)
        nrm[y0:y1, x0:x1] = np.where(win[..., None], n, nrm[y0:y1, x0:x1])
    hit = np.isfinite(zbuf)
    visible = hit & (~body_or_opening | (zbuf > depth_body))
    lam = np.clip(nrm @ lc, 0, 1)
    hv = (lc + np.array([0, 0, 1.0])) / np.linalg.norm(lc + np.array([0, 0, 1.0]))
    spec = np.clip(nrm @ hv, 0, 1) ** 60 * 200
    col = CERAMIC * np.clip(0.45 + 0.7 * lam, 0, 1)[..., None] + spec[..., None]
    return np.clip(col, 0, 255), visible.astype(np.float64)


class MockupSpecBuilder:
    def __init__(self, w: int, h: int) -> None:
        self.w, self.h = w, h
        self.files: dict[str, Arr] = {}

    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.png"):
            old.unlink()
        for name, a in sorted(self.files.items()):
            save(out / name, a)


# -------------------------------------------------------------------------------------------- flat goods


def silhouette(t: Template, faces: list[dict[str, Any]], w: int, h: int) -> tuple[Arr, Arr, Arr, Arr]:
    """Supersampled product coverage in the scene (its cut path, else trim), and the mapped mm coords."""
    from render_engine.mockup.spec import Quad

    q = Quad.model_validate({"kind": "quad", "faces": faces})
    sx, sy = grid(w, h)
    x_mm, y_mm, valid = scene_geometry.quad_inverse(q, sx, sy)
    bleed = (-t.bleed_mm, -t.bleed_mm, t.bleed_w, t.bleed_h)
    d = t.cut_path.d if t.cut_path else f"M0 0H{t.trim_w}V{t.trim_h}H0Z"
    m, ppm = mm_mask(d, False, bleed, 6.0)
    cov = np.where(valid, sample_mm(m, ppm, bleed, x_mm, y_mm), 0.0)
    return cov, x_mm, y_mm, valid.astype(np.float64)


def shadow_of(cov: Arr, dx: float, dy: float, sigma: float) -> Arr:
    shifted = np.roll(np.roll(cov, int(dy * SS), axis=0), int(dx * SS), axis=1)
    return blur(shifted, sigma * SS)


def poly_mask(points: list[tuple[float, float]], w: int, h: int) -> Arr:
    pts = " ".join(f"{x * SS:.3f},{y * SS:.3f}" for x, y in points)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w * SS}" height="{h * SS}">'
        f'<polygon points="{pts}" fill="#fff"/></svg>'
    )
    img = pyvips.Image.svgload_buffer(svg.encode())[3]
    return np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width)) / 255.0


def face(rect: tuple[float, float, float, float], corners: Sequence[tuple[float, float]]) -> dict[str, Any]:
    return {"rect_mm": [round(v, 4) for v in rect], "corners": [[float(x), float(y)] for x, y in corners]}


def make_flat(t: Template, out: Path) -> dict[str, Any]:
    W = 1000
    H = 1000 if t.kind in ("poster", "phone-case", "calendar") else 900
    tw, th = t.trim_w, t.trim_h
    extra: dict[str, Any] = {}
    if t.kind == "poster":
        faces = [face((0, 0, tw, th), [(310, 170), (690, 185), (690, 745), (310, 760)])]
    elif t.kind == "canvas":
        f = t.regions["face"]
        front = [(255, 150), (620, 125), (620, 740), (255, 715)]
        faces = [
            face((f.x, f.y, f.width_mm, f.height_mm), front),
            face(
                (f.x + f.width_mm, f.y, tw - f.x - f.width_mm, f.height_mm),
                [(620, 125), (668, 145), (668, 720), (620, 740)],
            ),
        ]
    elif t.kind == "card":
        faces = [face((0, 0, tw, th), [(340, 150), (640, 172), (636, 762), (344, 790)])]
    elif t.kind == "phone-case":
        faces = [face((0, 0, tw, th), [(365, 135), (640, 150), (628, 880), (352, 868)])]
    elif t.kind == "calendar":  # hanging on a nail by its wire-O hanger, seen nearly face on
        faces = [face((0, 0, tw, th), [(318, 200), (682, 204), (680, 716), (320, 720)])]
    else:  # coaster, seen from above at an angle on a table
        faces = [face((0, 0, tw, th), [(300, 270), (700, 270), (790, 660), (210, 660)])]

    cov_ss, _x, _y, _v = silhouette(t, faces, W, H)
    wall_top, wall_bot = ((232, 229, 224), (212, 208, 200))
    if t.kind in ("coaster", "phone-case"):
        wall_top, wall_bot = ((196, 170, 140), (168, 140, 110))  # a wooden table
    bg = wall(W, H, wall_top, wall_bot, seed=21, grain=FLAT_GRAIN)
    if t.kind in ("coaster", "phone-case"):
        grain = noise(H * SS, W * SS, 5, 0)
        grain = blur(grain, 0.5) * 0.0 + np.sin(grid(W, H)[1] * 0.35 + blur(grain, 30 * SS) * 40) * 6
        bg = bg + grain[..., None]
    if t.kind == "card":
        table = grid(W, H)[1] > 770
        bg = np.where(table[..., None], bg * 0.92, bg)

    sh = shadow_of(cov_ss, 14, 18, 10)
    bg = bg * (1 - 0.35 * sh[..., None])
    product = np.array([float(int(t.product_color[i : i + 2], 16)) for i in (1, 3, 5)])
    sx, sy = grid(W, H)
    shade = np.ones_like(sx)
    high = np.zeros_like(sx)
    if t.kind == "poster":
        frame = poly_mask([(288, 148), (712, 163), (712, 767), (288, 782)], W, H)
        bg = over(bg, rgb((38, 36, 34), H * SS, W * SS), frame)
        # glass: a faint diagonal glare
        high = np.where(cov_ss > 0, 26 * smoothstep(0.0, 1.0, 1 - np.abs((sx - 0.6 * sy - 180) / 90)), 0.0)
    elif t.kind == "canvas":
        side = cov_ss * (sx > 620)
        shade = np.where(sx > 620, 0.72, 1.0) * (1 + 0.025 * noise(H * SS, W * SS, 7, 0.6))
        shade = np.where(cov_ss > 0, np.clip(shade, 0, 1), 1.0)
        _ = side
    elif t.kind == "card":
        shade = np.clip(1.0 - 0.08 * smoothstep(150, 800, sy), 0, 1)
    elif t.kind == "calendar":  # the sheet bows slightly away from the wall below the wire
        shade = np.where(cov_ss > 0, np.clip(1.0 - 0.06 * smoothstep(200, 720, sy), 0, 1), 1.0)
        extra["views"] = {"front": {"base": "base.png", "label": "front", "occluder": "occluder.png"}}
    elif t.kind == "phone-case":
        edge = shadow_of(cov_ss, 0, 0, 0.7)
        shade = np.where(cov_ss > 0, np.clip(0.85 + 0.15 * smoothstep(0.55, 0.95, edge), 0, 1), 1.0)
        high = np.where(cov_ss > 0, 40 * smoothstep(0.0, 1.0, 1 - np.abs((sx + 0.3 * sy - 760) / 140)), 0.0)
    elif t.kind == "coaster":
        edge = np.roll(cov_ss, 9 * SS, axis=0)
        bg = over(bg, rgb((150, 110, 75), H * SS, W * SS), np.clip(edge - cov_ss, 0, 1) + 0 * edge)
        bg = over(bg, rgb((150, 110, 75), H * SS, W * SS), edge * (1 - cov_ss))
        shade = np.where(cov_ss > 0, np.clip(1.0 - 0.1 * smoothstep(270, 700, sy) + 0.0, 0, 1), 1.0)
    body = product * shade[..., None] + high[..., None]
    base = over(bg, body, cov_ss)
    if t.kind == "phone-case":
        base = camera_module(t, faces, base, W, H)

    b = MockupSpecBuilder(W, H)
    if t.kind == "calendar":
        wire = wire_o(sx, sy, (318, 200), (682, 204))
        b.files["occluder.png"] = down_rgba(wire)  # the loops over the print
        base = over(base, wire[..., :3], wire[..., 3] / 255)  # and the hanger and nail above it on the wall
    b.files["base.png"] = down(base)
    b.files["shade.png"] = down(shade * 255)
    b.files["highlight.png"] = down(np.clip(high, 0, 255))
    b.files["mask.png"] = down(cov_ss * 255)
    b.write(out)
    return {
        "size": [W, H],
        "mapping": {"kind": "quad", "faces": faces},
        "views": {"front": {"base": "base.png", "label": "front"}},
        "default_view": "front",
        "shade": "shade.png",
        "highlight": "highlight.png",
        "mask": "mask.png",
        **extra,
    }


def wire_o(sx: Arr, sy: Arr, left: tuple[float, float], right: tuple[float, float]) -> Arr:
    """RGBA (supersampled) of a wire-O binding along the sheet's top edge from ``left`` to ``right`` (3:1 pitch,
    8.47 mm: the loops through the punched holes) and the hanger wire up to a nail, drawn over the print."""
    (x0, y0), (x1, y1) = left, right
    ppm = (x1 - x0) / 210.0
    pitch = 25.4 / 3 * ppm
    slope = (y1 - y0) / (x1 - x0)
    edge_y = y0 + (sx - x0) * slope  # the sheet's top edge under each pixel
    inside = (sx > x0 + 6 * ppm) & (sx < x1 - 6 * ppm) & (np.abs(sx - (x0 + x1) / 2) > 14 * ppm)
    phase = np.abs(((sx - x0) / pitch) % 1.0 - 0.5)  # 0 at a loop's centre line
    loop = inside & (phase < 0.11) & (sy > edge_y - 6 * ppm) & (sy < edge_y + 5.5 * ppm)
    cov = loop.astype(np.float64)
    # hanger: two wires from the binding's centre gap up to a nail
    cx, nail_y = (x0 + x1) / 2, y0 - 55.0
    for side in (-1, 1):
        ax, ay, bx, by = cx + side * 12 * ppm, y0 + (cx - x0) * slope - 2, cx, nail_y
        t = np.clip(((sx - ax) * (bx - ax) + (sy - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2), 0, 1)
        dist = np.hypot(sx - (ax + t * (bx - ax)), sy - (ay + t * (by - ay)))
        cov = np.maximum(cov, smoothstep(1.6, 0.6, dist))
    nail = smoothstep(5.0, 3.5, np.hypot(sx - cx, sy - nail_y))
    cov = np.maximum(cov, nail)
    light = 0.5 + 0.5 * smoothstep(-2, 2, (sy - edge_y))  # loops lit from above, darker behind the sheet
    col = np.stack([62 + 40 * light, 62 + 40 * light, 66 + 42 * light], axis=-1)
    col = np.where(nail[..., None] > 0, np.array([120.0, 116.0, 110.0]), col)
    return np.concatenate([col, cov[..., None] * 255], axis=2)


#: fine noise of flat goods' wall/table (1.2: the committed scenes); smaller makes a smaller base.png
FLAT_GRAIN = 1.2
#: template id -> lenses (x, y, radius in case mm); phone-case table rows set theirs (make_product_scenes.py)
LENSES: dict[str, list[tuple[float, float, float]]] = {}


def camera_module(t: Template, faces: list[dict[str, Any]], base: Arr, w: int, h: int) -> Arr:
    """The phone's camera bump seen through the case's camera opening."""
    cam = t.masks.get("camera")
    if cam is None:
        return base
    from render_engine.mockup.spec import Quad

    q = Quad.model_validate({"kind": "quad", "faces": faces})
    sx, sy = grid(w, h)
    x_mm, y_mm, valid = scene_geometry.quad_inverse(q, sx, sy)
    bleed = (-t.bleed_mm, -t.bleed_mm, t.bleed_w, t.bleed_h)
    m, ppm = mm_mask(cam.d, False, bleed, 6.0)
    cov = np.where(valid, sample_mm(m, ppm, bleed, x_mm, y_mm), 0.0)
    base = over(base, rgb((52, 54, 58), h * SS, w * SS), cov)
    for lx, ly, lr in LENSES.get(t.id, ((16.5, 12.0, 5.5), (16.5, 30.0, 5.5), (32.0, 21.0, 5.5))):
        lens = (((x_mm - lx) ** 2 + (y_mm - ly) ** 2) < lr**2) & valid
        ring = (((x_mm - lx) ** 2 + (y_mm - ly) ** 2) < (lr + 1.0) ** 2) & valid
        base = over(base, rgb((120, 122, 128), h * SS, w * SS), ring.astype(np.float64) * cov)
        base = over(base, rgb((16, 18, 24), h * SS, w * SS), lens.astype(np.float64) * cov)
    return base


# ------------------------------------------------------------------------------------------------ t-shirt

TEE = (
    "M 390 95 C 430 125 570 125 610 95 L 760 150 L 905 330 L 800 420 L 745 350 L 752 1040 "
    "C 600 1058 400 1058 248 1040 L 255 350 L 200 420 L 95 330 L 240 150 Z"
)
#: seen from behind: the back neckline is shallow (the collar band runs just below the shoulder seam)
TEE_BACK = TEE.replace("C 430 125 570 125 610 95", "C 440 106 560 106 610 95")
VARIANTS = {"white": (242, 242, 240), "black": (30, 30, 33), "heather-grey": (150, 150, 153)}


def make_tee(t: Template, out: Path, back: bool = False) -> dict[str, Any]:
    """The t-shirt on a plain wall, seen from the front (the inside of the collar at the back shows), or with
    ``back`` from behind (shallow neckline, the collar band's stitching below it)."""
    W, H = 1000, 1100
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W * SS}" height="{H * SS}" viewBox="0 0 {W} {H}">'
        f'<path d="{TEE_BACK if back else TEE}" fill="#fff"/></svg>'
    )
    img = pyvips.Image.svgload_buffer(svg.encode())[3]
    cov = np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width)) / 255.0
    sx, sy = grid(W, H)
    # fold height field (scene px): diagonal drapes from the armpits, hem ripples, soft random bumps
    f = np.zeros_like(sx)
    for x0, y0, ang, amp in ((300, 360, 0.9, 1.0), (700, 360, -0.9, 1.0), (330, 600, 0.6, 0.6), (680, 640, -0.5, 0.7)):
        d = (sx - x0) * math.cos(ang) - (sy - y0) * math.sin(ang)
        along = (sx - x0) * math.sin(ang) + (sy - y0) * math.cos(ang)
        f += amp * np.exp(-(d / 28) ** 2) * np.exp(-(along / 220) ** 2)
    f += 0.5 * np.sin(sx / 38.0) * smoothstep(880, 1040, sy)
    f += 0.35 * np.sin(sx / 70.0 + 1.3) * np.sin(sy / 95.0 + 0.4) + 0.25 * np.sin((sx + 0.6 * sy) / 55.0)
    gy, gx = np.gradient(f * 40.0)
    gy, gx = gy * SS, gx * SS
    lam = np.clip(0.88 - 0.5 * (gx * -0.55 + gy * -0.45), 0, 1.2)
    # neckline: the inside of the collar at the back
    neck = np.exp(-(((sx - 500) / 105) ** 2 + ((sy - 100) / 30) ** 2) ** 2)
    if back:  # no inside of the collar: a band seam following the neckline instead
        band = np.exp(-(((sy - (95 + 11 * np.exp(-(((sx - 500) / 90) ** 2)) + 12)) / 2.5) ** 2))
        neck = 0.5 * band * (np.abs(sx - 500) < 115)
    lam = lam * (1 - 0.35 * neck)
    shade = np.where(cov > 0, np.clip(lam, 0, 1), 1.0)
    high = np.where(cov > 0, np.clip(lam - 1.0, 0, 0.2) * 160, 0.0)
    disp = np.stack(
        [128 + 127 * np.clip(gx * 2.0, -1, 1), 128 + 127 * np.clip(gy * 2.0, -1, 1), np.full_like(gx, 128.0)], axis=-1
    )
    bg = wall(W, H, (236, 236, 238), (214, 214, 218), seed=31, grain=0.0)
    bg = bg * (1 - 0.25 * shadow_of(cov, 10, 14, 14)[..., None])
    b = MockupSpecBuilder(W, H)
    variants: dict[str, Any] = {}
    for name, colour in VARIANTS.items():
        fabric = rgb(colour, H * SS, W * SS) * shade[..., None] + high[..., None]
        if name == "heather-grey":
            fabric = fabric + noise(H * SS, W * SS, 41, 0.8)[..., None] * 5
        b.files[f"base-{name}.png"] = down(over(bg, fabric, cov))
        variants[name] = {"base": f"base-{name}.png", "label": name}
    b.files["shade.png"] = down(shade * 255)
    b.files["highlight.png"] = down(high)
    b.files["mask.png"] = down(cov * 255)
    # outside the garment nothing moves; steps of 4 levels (0.19 px) keep the PNG small
    disp = np.where((cov > 0)[..., None], disp, 128.0)
    b.files["displace.png"] = np.rint(down(disp) / 4) * 4
    b.write(out)
    # 12 x 16 in print area centred on the chest
    px_per_mm = 340 / t.trim_w
    left, top = 330.0, 240.0
    return {
        "size": [W, H],
        "mapping": {
            "kind": "displace",
            "rect": [left, top, left + t.trim_w * px_per_mm, round(top + t.trim_h * px_per_mm, 4)],
            "map": "displace.png",
            "strength": 6.0,
        },
        "views": {"back": {"base": "base-white.png", "label": "back"}} if back else
                 {"front": {"base": "base-white.png", "label": "front"}},
        "default_view": "back" if back else "front",
        "shade": "shade.png",
        "highlight": "highlight.png",
        "mask": "mask.png",
        "variants": variants,
        "default_variant": "white",
    }


# ---------------------------------------------------------------------------------------------------- books


def make_book(t: Template, out: Path) -> dict[str, Any]:
    """A closed book on a table: the front board, the spine to its left, the page block's edge below."""
    W, H = 1000, 900
    assert t.book is not None
    cover, g = cover_template(t, t.book.pages.min)
    front, spine = g.panels["front"], g.panels["spine"]
    hp = 600.0
    wp = hp * front.w / front.h
    x0, y0 = 500 - wp / 2 + 20, 110.0
    fc = [(x0, y0), (x0 + wp, y0 + 14), (x0 + wp - 10, y0 + hp + 10), (x0 - 8, y0 + hp)]
    sw = 34.0
    sc = [(x0 - sw, y0 + 8), fc[0], fc[3], (x0 - 8 - sw, y0 + hp + 6)]
    faces_rel = [face((0, 0, front.w, front.h), fc), face((0, 0, spine.w, spine.h), sc)]
    faces_abs = [face((front.x, front.y, front.w, front.h), fc), face((spine.x, spine.y, spine.w, spine.h), sc)]
    cov_ss, _x, _y, _v = silhouette(cover, faces_abs, W, H)
    bg = wall(W, H, (196, 170, 140), (168, 140, 110), seed=23)  # a wooden table
    block = poly_mask([fc[3], fc[2], (fc[2][0] + 4, fc[2][1] + 16), (fc[3][0] + 2, fc[3][1] + 16)], W, H)
    block = np.maximum(block, poly_mask([fc[1], (fc[1][0] + 6, fc[1][1] + 8), (fc[2][0] + 4, fc[2][1] + 16), fc[2]],
                                        W, H))  # fmt: skip
    sh = shadow_of(np.maximum(cov_ss, block), 16, 20, 12)
    bg = bg * (1 - 0.4 * sh[..., None])
    _sx, sy = grid(W, H)
    lines = 236 + 10 * np.sin(sy * 1.7)  # the page edges
    bg = over(bg, np.repeat(lines[..., None], 3, axis=2), block)
    spine_m = poly_mask(sc, W, H)
    shade = np.where(spine_m > 0.5, 0.8, 1.0) * np.clip(1.0 - 0.06 * smoothstep(100, 800, sy), 0, 1)
    shade = np.where(cov_ss > 0, shade, 1.0)
    high = np.zeros_like(shade)
    product = np.array([float(int(t.product_color[i : i + 2], 16)) for i in (1, 3, 5)])
    base = over(bg, product * shade[..., None], cov_ss)
    b = MockupSpecBuilder(W, H)
    b.files["base.png"] = down(base)
    b.files["shade.png"] = down(shade * 255)
    b.files["highlight.png"] = down(high)
    b.files["mask.png"] = down(cov_ss * 255)
    b.write(out)
    return {
        "size": [W, H],
        "mapping": {"kind": "quad", "faces": faces_rel},
        "views": {"closed": {"base": "base.png", "label": "book closed"}},
        "default_view": "closed",
        "shade": "shade.png",
        "highlight": "highlight.png",
        "mask": "mask.png",
    }


# ---------------------------------------------------------------------------------------------------- main

MUGS = {"mug-11oz": (82.0, 95.0), "mug-15oz": (87.0, 111.0)}


def make_scene(path: Path) -> None:
    t = load_template_file(path)
    out = ROOT / "mockups" / t.id
    if t.kind == "mug":
        dia, hgt = MUGS.get(t.id, (82.0, t.trim_h + 6))
        section = make_mug(t, out, dia, hgt)
    elif t.kind == "apparel":
        section = make_tee(t, out)
    elif t.kind in ("book", "notebook"):
        section = make_book(t, out)
    elif t.kind in ("photo-print", "sticker", "puzzle", "box") or (t.kind == "card" and t.folds):  # issue #18
        from make_product_scenes import make_product

        section = make_product(t, out)
    else:
        section = make_flat(t, out)
    MockupSpec.model_validate(section)
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("mockup", {}).get("scene"):  # it shows its first surface on another product's scene: kept
        shutil.rmtree(out)
        section = data["mockup"]
    data["mockup"] = section
    if t.kind == "apparel" and "back" in data.get("surfaces", {}):  # the back on a t-shirt seen from behind
        back = {**make_tee(t.surface_template("back"), ROOT / "mockups" / f"{t.id}-back", back=True),
                "scene": f"{t.id}-back"}  # fmt: skip
        MockupSpec.model_validate(back)
        data["surfaces"]["back"]["mockup"] = back
    if t.kind == "calendar" and "pages" in data:  # every month hangs on the wall as the cover does
        data["pages"].setdefault("page", {})["mockup"] = section
    if t.book is not None:
        data["book"]["mockup_panels"] = ["front", "spine"]
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in out.glob("*.png"))
    print(f"{t.id:22} {section['mapping']['kind']:9} {len(section['views'])} view(s)  {size / 1e3:7.0f} kB")


def main(argv: list[str]) -> int:
    paths = sorted((ROOT / "templates_print").glob("*.json"))
    if argv:
        paths = [p for p in paths if p.stem in argv]
    for p in paths:
        make_scene(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
