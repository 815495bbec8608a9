"""A book open at a spread (issue #18, docs/mockups.md "Books open at a spread"): two interior pages on one
bundled scene (mockups/<book>-open/, made by scripts/make_spread_scenes.py), each through the homography of
its own face, the gutter shaded. Checked against the geometry in spread.json (OpenCV homographies), the
scene's shade map, and the page's own flat raster (SSIM after undoing the warp and the shading)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from skimage.metrics import structural_similarity

from render_engine import render_mockup
from render_engine.backends.raster import draw_raster
from render_engine.cli import main
from render_engine.engine import Engine
from render_engine.mockup.spread import SpreadScene, render_spread_frame, spread_folder, spread_pages, spread_scene
from render_engine.model.errors import DesignError
from render_engine.parts import prepare_surface

ROOT = Path(__file__).resolve().parents[2]
BOOK = "photo-book-8x8-hardcover"
TRAVEL = ROOT / "examples" / "photo-book-8x8-hardcover-travel.json"


def _book(colours: list[str]) -> dict[str, Any]:
    return {"version": 1, "template": BOOK,
            "pages": [{"layers": [{"type": "background", "color": c}]} for c in colours]}  # fmt: skip


def _homography(engine: Engine, corners: Any) -> np.ndarray:
    t = engine.templates.get(BOOK).surface_template("pages")
    src = np.float32([[0, 0], [t.trim_w, 0], [t.trim_w, t.trim_h], [0, t.trim_h]])
    return cv2.getPerspectiveTransform(src, np.float32(corners))


def _at(h: np.ndarray, x_mm: float, y_mm: float, k: float) -> tuple[int, int]:
    p = cv2.perspectiveTransform(np.float32([[[x_mm, y_mm]]]), h)[0, 0] * k
    return round(float(p[1])), round(float(p[0]))


def test_spread_pages_pair_even_left_with_odd_right() -> None:
    assert spread_pages(20, 1) == (None, 1)  # page 1 faces the endpaper
    assert spread_pages(20, 2) == spread_pages(20, 3) == (2, 3)
    assert spread_pages(20, 20) == (20, None)
    with pytest.raises(DesignError) as err:
        spread_pages(20, 21)
    assert err.value.field == "page"


def test_the_scenes_are_bundled_with_their_licence(engine: Engine) -> None:
    for book in (BOOK, "journal-a5-softcover"):
        folder = spread_folder(engine, engine.templates.get(book))
        spec = SpreadScene.model_validate(json.loads((folder / "spread.json").read_text(encoding="utf-8")))
        assert spec.licence and spec.generator == "scripts/make_spread_scenes.py"
        for name in (spec.base, spec.shade, spec.highlight, spec.mask):
            assert name is not None
            img = cv2.imread(str(folder / name), cv2.IMREAD_UNCHANGED)
            assert img.shape[:2] == (spec.size[1], spec.size[0])


def test_each_page_lands_on_its_face_and_the_gutter_is_shaded(engine: Engine, tmp_path: Path) -> None:
    from render_engine.model.design import parse_design

    design = parse_design(_book(["#ffffff", "#e02020", "#2040e0", "#ffffff"] + ["#ffffff"] * 16))
    left = prepare_surface(design, engine, tmp_path, page=2)
    right = prepare_surface(design, engine, tmp_path, page=3)
    t = engine.templates.get(BOOK)
    frame = render_spread_frame(t, left, right, engine, width=1000, soft_proof=False).astype(int)
    spec = spread_scene(engine, t)
    assert frame.shape == (spec.size[1], spec.size[0], 3)
    hl, hr = _homography(engine, spec.left), _homography(engine, spec.right)
    shade = cv2.imread(str(spread_folder(engine, t) / spec.shade), cv2.IMREAD_GRAYSCALE).astype(float) / 255
    for h, rgb in ((hl, (224, 32, 32)), (hr, (32, 64, 224))):
        for x_mm, y_mm in ((40, 40), (100, 100), (160, 170)):
            r, c = _at(h, x_mm if h is hl else 203.2 - x_mm, y_mm, 1.0)
            lit = np.array(rgb) * shade[r, c]  # the page's colour, multiplied by the scene's shade there
            assert np.abs(frame[r, c] - lit).max() <= 12, (x_mm, y_mm, frame[r, c], lit)
    # into the gutter the pages darken: 2 mm from it at most 0.6 of the page's middle, both sides
    for h, x_g, x_mid in ((hl, 201.2, 100.0), (hr, 2.0, 100.0)):
        near, mid = frame[_at(h, x_g, 100, 1.0)].sum(), frame[_at(h, x_mid, 100, 1.0)].sum()
        assert near < 0.6 * mid, (near, mid)
    # page 1: the left side is the scene's blank paper, the right page 1
    first = prepare_surface(design, engine, tmp_path, page=1)
    solo = render_spread_frame(t, None, first, engine, width=1000, soft_proof=False).astype(int)
    base = cv2.cvtColor(cv2.imread(str(spread_folder(engine, t) / spec.base)), cv2.COLOR_BGR2RGB).astype(int)
    r, c = _at(hl, 100, 100, 1.0)
    assert np.abs(solo[r, c] - base[r, c]).max() <= 1


def test_a_photo_page_is_its_own_print_undone_from_the_scene(engine: Engine, tmp_path: Path) -> None:
    """The right page of pages 4-5 of the travel book, taken back out of the scene (inverse homography,
    divided by the shade) against the page's own raster at the same size: SSIM >= 0.95 away from the gutter
    (measured 0.982; the scene's highlight and two resamplings make the difference; page 4 there scores 0.30)."""
    from render_engine.model.design import load_design_file

    design = load_design_file(TRAVEL)
    t = engine.templates.get(BOOK)
    right = prepare_surface(design, engine, TRAVEL.parent, page=5)
    frame = render_spread_frame(t, None, right, engine, width=2000, soft_proof=True).astype(np.float64)
    spec = spread_scene(engine, t)
    k = 2000 / spec.size[0]
    page_t = t.surface_template("pages")
    ppm = 2.0  # px per mm of the undone page
    w, h = round(page_t.trim_w * ppm), round(page_t.trim_h * ppm)
    to_scene = cv2.getPerspectiveTransform(
        np.float32([[0, 0], [w, 0], [w, h], [0, h]]), np.float32(spec.right) * k
    )
    undone = cv2.warpPerspective(frame, to_scene, (w, h), flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP)
    shade = cv2.imread(str(spread_folder(engine, t) / spec.shade), cv2.IMREAD_GRAYSCALE).astype(np.float64) / 255
    shade = cv2.resize(shade, (frame.shape[1], frame.shape[0]), interpolation=cv2.INTER_LINEAR)
    shade_u = cv2.warpPerspective(shade, to_scene, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    undone = np.clip(undone / np.maximum(shade_u, 0.2)[..., None], 0, 255)
    dpi = ppm * 25.4
    flat = draw_raster(right.layout, dpi, engine.icc, transparent=False, soft_proof=True)
    b = round(page_t.bleed_mm * ppm)
    flat_a = np.ndarray(buffer=flat.write_to_memory(), dtype=np.uint8, shape=(flat.height, flat.width, flat.bands))
    flat_a = cv2.resize(flat_a[b : b + h, b : b + w, :3], (w, h), interpolation=cv2.INTER_AREA).astype(np.float64)
    inner = (slice(8, h - 8), slice(round(0.15 * w), w - 8))  # away from the gutter and the edges
    ssim = structural_similarity(undone[inner], flat_a[inner], channel_axis=2, data_range=255)
    assert ssim >= 0.95, ssim


def test_public_api_and_cli_and_their_errors(engine: Engine, tmp_path: Path) -> None:
    jpeg = render_mockup(TRAVEL, tmp_path / "open.jpg", view="open", page=4, width=400)
    assert jpeg[:2] == b"\xff\xd8" and (tmp_path / "open.jpg").read_bytes() == jpeg
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape[:2] == (304, 400)
    assert render_mockup(TRAVEL, view="open", page=5, width=400) == jpeg  # the same spread, same bytes
    with pytest.raises(DesignError) as err:
        render_mockup(TRAVEL, view="open", surface="cover")
    assert err.value.field == "surface"
    with pytest.raises(DesignError) as err:
        render_mockup(ROOT / "examples" / "card-folded-5x7-birthday.json", view="open")
    assert err.value.field == "view"
    out = tmp_path / "cli.png"
    assert main(["mockup", str(TRAVEL), "--out", str(out), "--view", "open", "--page", "2", "--width", "300"]) == 0
    assert cv2.imread(str(out)).shape[:2] == (228, 300)
