"""Scene geometry: for every output pixel, which print point (trim mm) it shows. Pure numpy, no pyvips.

Each function takes the output grid (scene coordinates of the output pixel centres) and returns
``(x_mm, y_mm, valid)``. ``forward_*`` functions go the other way (print mm -> scene px) and are what the
scene generator and the docs use; the tests recompute them on their own.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .spec import Cylinder, Displace, Face, Point, Quad

F = NDArray[np.float64]
B = NDArray[np.bool_]


def scene_grid(scene_w: int, scene_h: int, out_w: int) -> tuple[F, F, int]:
    """Scene coordinates of the centres of an ``out_w``-wide output's pixels, and the output height."""
    f = out_w / scene_w
    out_h = max(1, round(scene_h * f))
    xs = (np.arange(out_w, dtype=np.float64) + 0.5) / f - 0.5
    ys = (np.arange(out_h, dtype=np.float64) + 0.5) / f - 0.5
    sx, sy = np.meshgrid(xs, ys)
    return sx, sy, out_h


# ---------------------------------------------------------------------------------------------- cylinder


def cylinder_inverse(c: Cylinder, trim_w: float, yaw_deg: float, sx: F, sy: F) -> tuple[F, F, B]:
    r = c.radius
    r_mm = c.circumference_mm / (2 * math.pi)
    s = r / r_mm
    elev = math.radians(c.elevation_deg)
    xn = (sx - c.center_x) / r
    valid = np.abs(xn) < 1.0
    phi = np.arcsin(np.clip(xn, -1.0, 1.0))
    y_mm = (sy - c.top_y - r * math.sin(elev) * np.cos(phi)) / (s * math.cos(elev))
    a = phi + math.radians(yaw_deg)
    a = np.mod(a + math.pi, 2 * math.pi) - math.pi
    x_mm = trim_w / 2 + a * r_mm
    return x_mm, y_mm, valid


def cylinder_forward(c: Cylinder, trim_w: float, yaw_deg: float, x_mm: float, y_mm: float) -> tuple[float, float]:
    r_mm = c.circumference_mm / (2 * math.pi)
    s = c.radius / r_mm
    elev = math.radians(c.elevation_deg)
    phi = (x_mm - trim_w / 2) / r_mm - math.radians(yaw_deg)
    phi = (phi + math.pi) % (2 * math.pi) - math.pi
    sx = c.center_x + c.radius * math.sin(phi)
    sy = c.top_y + y_mm * s * math.cos(elev) + c.radius * math.sin(elev) * math.cos(phi)
    return sx, sy


# -------------------------------------------------------------------------------------------------- quad


def homography(src: list[Point], dst: list[Point]) -> F:
    """The 3x3 matrix mapping four ``src`` points onto four ``dst`` points (h33 = 1)."""
    rows, rhs = [], []
    for (u, v), (x, y) in zip(src, dst, strict=True):
        rows.append([u, v, 1, 0, 0, 0, -u * x, -v * x])
        rows.append([0, 0, 0, u, v, 1, -u * y, -v * y])
        rhs += [x, y]
    h = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))
    return np.append(h, 1.0).reshape(3, 3)


def face_homography(face: Face) -> F:
    x, y, w, h = face.rect_mm
    return homography([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], list(face.corners))


def quad_inverse(q: Quad, sx: F, sy: F) -> tuple[F, F, B]:
    x_mm = np.zeros_like(sx)
    y_mm = np.zeros_like(sy)
    valid = np.zeros(sx.shape, dtype=bool)
    for face in q.faces:
        hinv = np.linalg.inv(face_homography(face))
        den = hinv[2, 0] * sx + hinv[2, 1] * sy + hinv[2, 2]
        den = np.where(np.abs(den) < 1e-12, 1e-12, den)
        u = (hinv[0, 0] * sx + hinv[0, 1] * sy + hinv[0, 2]) / den
        v = (hinv[1, 0] * sx + hinv[1, 1] * sy + hinv[1, 2]) / den
        fx, fy, fw, fh = face.rect_mm
        # half a scene pixel of slack so neighbouring faces meet without a seam
        inside = (u >= fx - 0.5) & (u <= fx + fw + 0.5) & (v >= fy - 0.5) & (v <= fy + fh + 0.5) & ~valid
        x_mm = np.where(inside, np.clip(u, fx, fx + fw), x_mm)
        y_mm = np.where(inside, np.clip(v, fy, fy + fh), y_mm)
        valid |= inside
    return x_mm, y_mm, valid


def quad_forward(face: Face, x_mm: float, y_mm: float) -> tuple[float, float]:
    h = face_homography(face)
    p = h @ np.array([x_mm, y_mm, 1.0])
    return float(p[0] / p[2]), float(p[1] / p[2])


# ---------------------------------------------------------------------------------------------- displace


def displace_offsets(dmap: NDArray[np.uint8], strength: float, sx: F, sy: F) -> tuple[F, F]:
    """The fold shift at scene points (nearest scene pixel of the map)."""
    h, w = dmap.shape[:2]
    ix = np.clip(np.rint(sx), 0, w - 1).astype(np.intp)
    iy = np.clip(np.rint(sy), 0, h - 1).astype(np.intp)
    dx = (dmap[iy, ix, 0].astype(np.float64) - 128.0) / 127.0 * strength
    dy = (dmap[iy, ix, 1].astype(np.float64) - 128.0) / 127.0 * strength
    return dx, dy


def displace_inverse(
    d: Displace, dmap: NDArray[np.uint8], trim_w: float, trim_h: float, sx: F, sy: F
) -> tuple[F, F, B]:
    dx, dy = displace_offsets(dmap, d.strength, sx, sy)
    x0, y0, x1, y1 = d.rect
    x_mm = (sx + dx - x0) / (x1 - x0) * trim_w
    y_mm = (sy + dy - y0) / (y1 - y0) * trim_h
    valid = np.ones(sx.shape, dtype=bool)
    return x_mm, y_mm, valid
