#!/usr/bin/env python3
"""Mockup scenes of books open at a spread (issue #18): ``mockups/<template-id>-open/`` for every book product
with interior pages (photo book, journal): the book lying open on a wooden table seen from a little in front,
two page faces meeting at the gutter, the boards' edge round them and the page block's edge at the front.

The print of each page maps onto its own face (``spread.json``: the scene, and each page's four corners);
the shade map darkens the pages into the gutter (where the paper curves down into the binding) and a
highlight catches the page curving up beside it. Procedural (numpy + libvips, the helpers of
``scripts/make_mockup_scenes.py``), deterministic, nothing downloaded: the PNGs are this project's own work
under its licence (docs/mockups.md). Rendered by :mod:`render_engine.mockup.spread`.

    python scripts/make_spread_scenes.py                        # every book with pages
    python scripts/make_spread_scenes.py photo-book-8x8-hardcover
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

from render_engine.mockup.spread import SpreadScene  # noqa: E402
from render_engine.model.templates import Template  # noqa: E402

W, H = 1000, 760
GUTTER_X = 500.0


def page_quads(page_w: float, page_h: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """The left and right page (TL, TR, BR, BL) for pages of ``page_w`` x ``page_h`` mm: the far edge 0.94 of
    the near one, depth foreshortened to 0.9, the gutter a straight line at x 500."""
    pw = min(420.0, 520.0 * page_w / page_h)  # the near edge of one page, px
    depth = pw * 0.9 * page_h / page_w
    top = (H - depth) / 2 - 10
    far = pw * 0.94
    left = [(GUTTER_X - far, top), (GUTTER_X, top + 6), (GUTTER_X, top + depth + 4), (GUTTER_X - pw, top + depth)]
    right = [(GUTTER_X, top + 6), (GUTTER_X + far, top), (GUTTER_X + pw, top + depth), (GUTTER_X, top + depth + 4)]
    return left, right


def make_open_book(t: Template, out: Path) -> dict[str, Any]:
    page_t = t.surface_template("pages")
    left, right = page_quads(page_t.trim_w, page_t.trim_h)
    pages = np.maximum(base.poly_mask(left, W, H), base.poly_mask(right, W, H))
    sx, sy = base.grid(W, H)
    # the boards: a little larger than the page block; the page block's edge at the front
    board = [(x + (-14 if i in (0, 3) else 14) * (1 if x != GUTTER_X else 0), y + (-12 if i in (0, 1) else 18))
             for q in (left, right) for i, (x, y) in enumerate(q)]  # fmt: skip
    board_m = np.maximum(base.poly_mask(board[:4], W, H), base.poly_mask(board[4:], W, H))
    block = base.poly_mask([left[3], right[2], (right[2][0] + 4, right[2][1] + 10), (left[3][0] - 4, left[3][1] + 10)],
                           W, H)  # fmt: skip
    bg = base.wall(W, H, (196, 170, 140), (168, 140, 110), seed=29)  # a wooden table
    bg = bg * (1 - 0.4 * base.shadow_of(np.maximum(board_m, pages), 14, 18, 12)[..., None])
    bg = base.over(bg, base.rgb((52, 58, 70), H * base.SS, W * base.SS), board_m)  # the cover boards
    bg = base.over(bg, np.repeat((232 + 10 * np.sin(sy * 1.9))[..., None], 3, axis=2), block * (1 - pages))
    # u: 0 at the gutter, 1 at a page's outer edge (the half-width of this row of the spread)
    half = np.where(sx < GUTTER_X, GUTTER_X - (left[3][0] + (left[0][0] - left[3][0]) *
                                              np.clip((left[3][1] - sy) / (left[3][1] - left[0][1]), 0, 1)),
                    (right[1][0] + (right[2][0] - right[1][0]) *
                     np.clip((sy - right[1][1]) / (right[2][1] - right[1][1]), 0, 1)) - GUTTER_X)  # fmt: skip
    u = np.clip(np.abs(sx - GUTTER_X) / np.maximum(half, 1.0), 0, 1)
    shade = 1.0 - 0.55 * np.exp(-u / 0.035) - 0.12 * np.exp(-u / 0.2) - 0.05 * base.smoothstep(0.92, 1.0, u)
    shade = np.where(pages > 0, np.clip(shade * (1.0 - 0.05 * base.smoothstep(150, 650, sy)), 0, 1), 1.0)
    high = np.where(pages > 0, 22 * np.exp(-(((u - 0.1) / 0.05) ** 2)), 0.0)
    paper = np.array([250.0, 249.0, 245.0])
    body = paper * shade[..., None] + high[..., None] * (1 - paper / 255.0)
    b = base.MockupSpecBuilder(W, H)
    b.files["base.png"] = base.down(base.over(bg, body, pages))
    b.files["shade.png"] = base.down(shade * 255)
    b.files["highlight.png"] = base.down(np.clip(high, 0, 255))
    b.files["mask.png"] = base.down(pages * 255)
    b.write(out)
    spec = {
        "size": [W, H],
        "base": "base.png",
        "shade": "shade.png",
        "highlight": "highlight.png",
        "mask": "mask.png",
        "label": "book open at a spread",
        "left": [[round(x, 3), round(y, 3)] for x, y in left],
        "right": [[round(x, 3), round(y, 3)] for x, y in right],
        "generator": "scripts/make_spread_scenes.py",
        "licence": "generated by this project's script (procedural, no third-party images): the project's licence",
    }
    SpreadScene.model_validate(spec)
    (out / "spread.json").write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    return spec


def main(argv: list[str]) -> int:
    for p in sorted((ROOT / "templates_print").glob("*.json")):
        t = base.load_template_file(p)
        if t.book is None or t.pages is None or (argv and t.id not in argv):
            continue
        make_open_book(t, ROOT / "mockups" / f"{t.id}-open")
        print(f"{t.id}-open")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
