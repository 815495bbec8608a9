#!/usr/bin/env python3
"""Mockup scenes of the products of issue #18 that have one flat surface, in the styles of
``scripts/make_mockup_scenes.py`` (whose helpers this reuses; it calls :func:`make_product` for these kinds).

* photo prints (``photo-print``): the poster's framed-on-a-wall scene, the frame fitted to the print's aspect
  ratio, with a white mat;
* sticker sheet, jigsaw, folding carton (``sticker``, ``puzzle``, ``box``): the coaster's wooden table,
  the product lying flat in the same perspective (aspect kept), its silhouette its cut path; the template's
  dielines are pressed into the shade map (piece cuts, kiss-cuts, creases show as thin dark grooves);
* a folded card (``card`` with a ``fold``): its outside standing half open on a table, each panel a face;
* phone cases of the table ``templates_print/tables/phone-cases.json``: the phone-case scene of
  make_mockup_scenes, with each model's lenses; the scene section is written into the table row.

    python scripts/make_product_scenes.py                 # every product of these kinds + every table row
    python scripts/make_product_scenes.py jigsaw-a4       # just one
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import make_mockup_scenes as base  # noqa: E402

from render_engine.mockup.spec import MockupSpec, Quad  # noqa: E402
from render_engine.model.product_tables import expand_table, load_table  # noqa: E402
from render_engine.model.templates import TABLES_DIR, Template  # noqa: E402

KINDS = ("photo-print", "sticker", "puzzle", "box")
#: the wall/table's fine noise: half the older scenes' 1.2 (a base.png ~25 % smaller, the look the same)
GRAIN = 0.5
SS = base.SS
Arr = base.Arr


def frame_quad(tw: float, th: float) -> list[tuple[float, float]]:
    """The poster scene's slightly turned frame opening, fitted to ``tw`` x ``th`` (aspect kept)."""
    h = 560.0
    w = h * tw / th
    if w > 520:
        h, w = h * 520 / w, 520.0
    cx, top = 500.0, 465.0 - h / 2
    lean = 15.0 * h / 590  # the right edge is a little shorter: the wall is seen slightly from the left
    return [(cx - w / 2, top), (cx + w / 2, top + lean), (cx + w / 2, top + h - lean), (cx - w / 2, top + h)]


def table_quad(tw: float, th: float) -> list[tuple[float, float]]:
    """The coaster scene's view of a table, for a flat product of ``tw`` x ``th`` mm (aspect kept): the far
    edge 0.69 of the near one, depth foreshortened to 0.8."""
    avg = 520.0
    depth = avg * 0.8 * th / tw
    if depth > 470:
        avg, depth = avg * 470 / depth, 470.0
    near = avg / 0.845
    far = near * 0.69
    cx, top = 500.0, 455.0 - depth / 2
    return [(cx - far / 2, top), (cx + far / 2, top), (cx + near / 2, top + depth), (cx - near / 2, top + depth)]


def grooves(t: Template, faces: list[dict[str, Any]], w: int, h: int) -> Arr:
    """Coverage (0..1, supersampled scene) of the template's dielines drawn 0.5 mm wide."""
    if not t.dielines:
        return np.zeros((h * SS, w * SS))
    q = Quad.model_validate({"kind": "quad", "faces": faces})
    sx, sy = base.grid(w, h)
    x_mm, y_mm, valid = base.geometry.quad_inverse(q, sx, sy)
    bleed = (-t.bleed_mm, -t.bleed_mm, t.bleed_w, t.bleed_h)
    ppm = 8.0
    bx, by, bw, bh = bleed
    pw, ph = round(bw * ppm), round(bh * ppm)
    paths = "".join(f'<path d="{dl.d}"/>' for dl in t.dielines)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{pw}" height="{ph}" viewBox="{bx} {by} {bw} {bh}">'
        f'<g fill="none" stroke="#fff" stroke-width="0.5">{paths}</g></svg>'
    )
    img = base.pyvips.Image.svgload_buffer(svg.encode())[3]
    m = np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width)) / 255.0
    return np.where(valid, base.sample_mm(m, ppm, bleed, x_mm, y_mm), 0.0)


def finish(t: Template, out: Path, faces: list[dict[str, Any]], base_img: Arr, shade: Arr, high: Arr,
           cov: Arr, w: int, h: int) -> dict[str, Any]:
    b = base.MockupSpecBuilder(w, h)
    b.files["base.png"] = base.down(base_img)
    b.files["shade.png"] = base.down(shade * 255)
    b.files["highlight.png"] = base.down(np.clip(high, 0, 255))
    b.files["mask.png"] = base.down(cov * 255)
    b.write(out)
    return {
        "size": [w, h],
        "mapping": {"kind": "quad", "faces": faces},
        "views": {"front": {"base": "base.png", "label": "front"}},
        "default_view": "front",
        "shade": "shade.png",
        "highlight": "highlight.png",
        "mask": "mask.png",
        "generator": "scripts/make_product_scenes.py",
    }


def make_photo_print(t: Template, out: Path) -> dict[str, Any]:
    W, H = 1000, 1000
    quad = frame_quad(t.trim_w, t.trim_h)
    faces = [base.face((0, 0, t.trim_w, t.trim_h), quad)]
    cov, _x, _y, _v = base.silhouette(t, faces, W, H)
    bg = base.wall(W, H, (232, 229, 224), (212, 208, 200), seed=23, grain=GRAIN)
    mat = [(x + (-34 if i in (0, 3) else 34), y + (-34 if i in (0, 1) else 34)) for i, (x, y) in enumerate(quad)]
    frame = [(x + (-56 if i in (0, 3) else 56), y + (-56 if i in (0, 1) else 56)) for i, (x, y) in enumerate(quad)]
    frame_m = base.poly_mask(frame, W, H)
    bg = bg * (1 - 0.35 * base.shadow_of(frame_m, 14, 18, 10)[..., None])
    bg = base.over(bg, base.rgb((38, 36, 34), H * SS, W * SS), frame_m)
    bg = base.over(bg, base.rgb((246, 245, 241), H * SS, W * SS), base.poly_mask(mat, W, H))
    sx, sy = base.grid(W, H)
    high = np.where(cov > 0, 24 * base.smoothstep(0.0, 1.0, 1 - np.abs((sx - 0.6 * sy - 180) / 90)), 0.0)
    shade = np.ones_like(sx)
    product = np.array([float(int(t.product_color[i : i + 2], 16)) for i in (1, 3, 5)])
    body = product * shade[..., None] + high[..., None]
    return finish(t, out, faces, base.over(bg, body, cov), shade, high, cov, W, H)


def make_table(t: Template, out: Path) -> dict[str, Any]:
    W, H = 1000, 900
    faces = [base.face((0, 0, t.trim_w, t.trim_h), table_quad(t.trim_w, t.trim_h))]
    cov, _x, _y, _v = base.silhouette(t, faces, W, H)
    bg = base.wall(W, H, (196, 170, 140), (168, 140, 110), seed=21, grain=GRAIN)
    grain = base.noise(H * SS, W * SS, 5, 0)
    bg = bg + (np.sin(base.grid(W, H)[1] * 0.35 + base.blur(grain, 30 * SS) * 40) * 6)[..., None]
    bg = bg * (1 - 0.3 * base.shadow_of(cov, 8, 10, 6)[..., None])
    if t.kind == "puzzle":  # board thickness at the near edge
        edge = np.roll(cov, 5 * SS, axis=0)
        bg = base.over(bg, base.rgb((120, 104, 88), H * SS, W * SS), edge * (1 - cov))
    sy = base.grid(W, H)[1]
    groove = grooves(t, faces, W, H)
    depth = {"puzzle": 0.55, "sticker": 0.25, "box": 0.3}.get(t.kind, 0.3)
    shade = np.where(cov > 0, np.clip(1.0 - 0.08 * base.smoothstep(200, 700, sy) - depth * groove, 0, 1), 1.0)
    high = np.zeros_like(sy)
    product = np.array([float(int(t.product_color[i : i + 2], 16)) for i in (1, 3, 5)])
    body = product * shade[..., None]
    return finish(t, out, faces, base.over(bg, body, cov), shade, high, cov, W, H)


#: the folded card standing on a table, half open, seen from the outside corner: the fold (nearest the camera,
#: tallest) at x 470, the back panel receding to the left, the front panel turned a little towards the camera
FOLD_TOP, FOLD_BOTTOM = (470.0, 140.0), (470.0, 800.0)
BACK_PANEL = [(255.0, 205.0), FOLD_TOP, FOLD_BOTTOM, (255.0, 730.0)]
FRONT_PANEL = [FOLD_TOP, (760.0, 185.0), (760.0, 745.0), FOLD_BOTTOM]


def make_folded_card(t: Template, out: Path) -> dict[str, Any]:
    """A folded card standing on a table (its outside: back | front, folded at ``folds[0]``), each panel a
    quad face of its own; the back panel, turned away from the light, darker."""
    W, H = 1000, 900
    fold = next(f.at_mm for f in t.folds if f.kind == "fold" and f.axis == "vertical")
    faces = [
        base.face((0, 0, fold, t.trim_h), BACK_PANEL),
        base.face((fold, 0, t.trim_w - fold, t.trim_h), FRONT_PANEL),
    ]
    cov, _x, _y, _v = base.silhouette(t, faces, W, H)
    bg = base.wall(W, H, (232, 229, 224), (212, 208, 200), seed=21, grain=GRAIN)
    sx, sy = base.grid(W, H)
    bg = np.where((sy > 760)[..., None], bg * 0.92, bg)  # the table top
    bg = bg * (1 - 0.35 * base.shadow_of(cov, 16, 12, 10)[..., None])
    back = base.poly_mask(BACK_PANEL, W, H)
    shade = np.clip(1.0 - 0.06 * base.smoothstep(140, 800, sy), 0, 1) * np.where(back > 0.5, 0.8, 1.0)
    shade = np.where(cov > 0, shade, 1.0)
    # the crease catches the light along the fold
    high = np.where(cov > 0, 30 * np.clip(1 - np.abs(sx - FOLD_TOP[0]) / 4, 0, 1), 0.0)
    product = np.array([float(int(t.product_color[i : i + 2], 16)) for i in (1, 3, 5)])
    body = product * shade[..., None] + high[..., None]
    section = finish(t, out, faces, base.over(bg, body, cov), shade, high, cov, W, H)
    section["views"] = {"standing": {"base": "base.png", "label": "standing folded"}}
    section["default_view"] = "standing"
    return section


def make_product(t: Template, out: Path) -> dict[str, Any]:
    if t.kind == "card" and any(f.kind == "fold" for f in t.folds):
        return make_folded_card(t, out)
    return make_photo_print(t, out) if t.kind == "photo-print" else make_table(t, out)


def make_table_rows(path: Path, only: list[str]) -> None:
    """Scenes for every row of a product table; each row's mockup section is written back into the table."""
    from render_engine.model.templates import Template as T

    data = json.loads(path.read_text(encoding="utf-8"))
    table = load_table(path)
    for row_data in expand_table(path):
        t = T.model_validate(row_data)
        if only and t.id not in only:
            continue
        model_id = t.id.removeprefix(f"{table.family}-")
        base.LENSES[t.id] = [tuple(v) for v in table.models[model_id].lenses]
        base.FLAT_GRAIN = GRAIN
        section = base.make_flat(t, ROOT / "mockups" / t.id)
        MockupSpec.model_validate(section)
        data["models"][model_id]["mockup"] = section
        print(f"{t.id:28} quad      1 view(s)")
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    for p in sorted((ROOT / "templates_print").glob("*.json")):
        t = base.load_template_file(p)
        if t.kind in KINDS and (not argv or t.id in argv):
            base.make_scene(p)
    for p in sorted((ROOT / "templates_print" / TABLES_DIR).glob("*.json")):
        make_table_rows(p, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
