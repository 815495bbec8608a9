"""Faces: faces in photos cut by the trim or the safe line (Haar cascades at low resolution)."""

from __future__ import annotations

from ..layout.plan import ImageItem
from ..model.geometry import Rect
from .messages import Msg
from .regions import intersection, printed_images
from .report import CheckContext, Finding, rounded
from .thresholds import (
    GEOM_TOL_MM,
)


def face_rects(it: ImageItem) -> list[Rect]:
    """Page rects (mm) of the faces the auto-crop detector found, clipped to the visible photo.

    Faces are only known for ``crop: "auto"`` / ``"auto-pets"`` layers (a pet's face too; the detector runs in
    resolve); rotated photos are
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
        r = intersection(Rect(x0, y0, fw * W / cw * d.w, fh * H / ch * d.h), d)
        if r is not None:
            out.append(r)
    return out


def check_faces(ctx: CheckContext) -> list[Finding]:
    """Faces in placed photos must sit inside the safe area (warning): a cut-off face is a return."""
    layout = ctx.layout
    out: list[Finding] = []
    safe = layout.safe
    for it, _bounds in printed_images(layout):
        for face in face_rects(it):
            if safe.contains(face, GEOM_TOL_MM):
                continue
            past = max(safe.x - face.x, face.x1 - safe.x1, safe.y - face.y, face.y1 - safe.y1)
            out.append(
                Finding(
                    "safe.face_outside",
                    "warning",
                    Msg("A face in this photo is close to the edge and may be cut off. Move or zoom the photo."),
                    f"detected face {face.x:.1f},{face.y:.1f} {face.w:.1f}x{face.h:.1f} mm extends {past:.2f} mm "
                    "outside the safe area",
                    it.layer,
                    face,
                    rounded(past, 2),
                    0.0,
                    "mm",
                )
            )
    return out
