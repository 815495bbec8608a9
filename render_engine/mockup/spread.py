"""A book open at a spread (issue #18): two interior pages, each on its own face of one scene
(``mockups/<template-id>-open/``, made by ``scripts/make_spread_scenes.py``), the gutter shaded.

Each page is the ordinary mockup path (:mod:`.render`): the page's layout drawn at preview resolution inside
its window, warped by the homography of its face, lit by the scene's shade and highlight — with a one-face
``quad`` spec built from ``spread.json`` for that page. The two frames are merged where each page covers the
scene, so neither page's box overwrites the other's pixels at the gutter. A side with no page (page 1 faces
the endpaper, an even last page too) shows the scene's blank paper.

:func:`spread_pages` says which pages are shown together: 2–3, 4–5, … (odd pages are right-hand pages, as
the book's gutters and spreads have them, :mod:`render_engine.model.spreads`; a right-to-left book shows the
even page on the right and page 1 on the left, facing the endpaper).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..engine import Engine
from ..inputs.assets import AssetLoader
from ..inputs.lru import Lru
from ..inputs.safety import svg_total_budget
from ..layout.prepared import Prepared
from ..model.design import Design
from ..model.errors import DesignError, TemplateError
from ..model.outputs import StepTimer
from ..model.templates import Template
from ..parts import prepare_surface
from .print_cache import draw_print
from .render import MockupFormat, check_width, composite, encode, scene_for, scenes_dir

Point = tuple[float, float]
OPEN_VIEW = "open"
_SPECS = Lru(8)


class SpreadScene(BaseModel):
    """``spread.json`` of an open-book scene: its files (as a mockup spec's) and each page's face corners."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    size: tuple[int, int]
    base: str
    shade: str | None = None
    highlight: str | None = None
    mask: str | None = None
    label: str = ""
    left: tuple[Point, Point, Point, Point] = Field(description="The left page's TL, TR, BR, BL in scene px.")
    right: tuple[Point, Point, Point, Point] = Field(description="The right page's TL, TR, BR, BL in scene px.")
    generator: str = "scripts/make_spread_scenes.py"
    licence: str = ""


def spread_folder(engine: Engine, template: Template) -> Path:
    return scenes_dir(engine) / f"{template.id}-open"


def has_spread(engine: Engine, template: Template) -> bool:
    """Whether the product has an open-book scene (a book with pages and ``mockups/<id>-open/spread.json``)."""
    return template.pages is not None and (spread_folder(engine, template) / "spread.json").is_file()


def spread_scene(engine: Engine, template: Template) -> SpreadScene:
    path = spread_folder(engine, template) / "spread.json"

    def load() -> SpreadScene:
        if not path.is_file():
            raise DesignError(f"product {template.id} has no open-book mockup", field="view")
        try:
            return SpreadScene.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (ValidationError, ValueError) as exc:
            raise TemplateError(f"{path.parent.name}/spread.json: {exc}", field="mockup") from None

    return _SPECS.get(("spread", str(path)), load)


def spread_pages(count: int, page: int, *, rtl: bool = False) -> tuple[int | None, int | None]:
    """The (left, right) pages (1-based; None: no page there) of the spread showing ``page`` of ``count``; a
    right-to-left book (``rtl``) shows the same two pages the other way round (the even page on the right)."""
    if not 1 <= page <= count:
        raise DesignError(f"page is a number from 1 to {count}", field="page")
    first = page if page % 2 == 0 else page - 1
    pair = (first or None), (first + 1 if first + 1 <= count else None)
    return (pair[1], pair[0]) if rtl else pair


def _page_template(page_t: Template, scene: SpreadScene, folder: str, side: str) -> Template:
    """The page's template with a one-face quad mockup: its trim on the scene's ``side`` page."""
    corners = scene.left if side == "left" else scene.right
    face = {"rect_mm": [0, 0, page_t.trim_w, page_t.trim_h], "corners": [list(c) for c in corners]}
    mockup: dict[str, Any] = {
        "size": list(scene.size),
        "mapping": {"kind": "quad", "faces": [face]},
        "views": {OPEN_VIEW: {"base": scene.base, "label": scene.label}},
        "default_view": OPEN_VIEW,
        "shade": scene.shade,
        "highlight": scene.highlight,
        "mask": scene.mask,
        "generator": scene.generator,
        "scene": folder,
    }
    return page_t.model_copy(update={"mockup": {k: v for k, v in mockup.items() if v is not None}})


def render_spread_frame(
    template: Template,
    left: Prepared | None,
    right: Prepared | None,
    engine: Engine,
    *,
    width: int = 800,
    soft_proof: bool = True,
    timer: StepTimer | None = None,
) -> np.ndarray:
    """The book ``template`` open with ``left`` and ``right`` (prepared interior pages, either may be None)
    as an RGB uint8 frame (height, width, 3)."""
    timer = timer or StepTimer()
    check_width(width)
    scene_spec = spread_scene(engine, template)
    folder = spread_folder(engine, template).name
    frame: np.ndarray | None = None
    for side, prep in (("left", left), ("right", right)):
        page_t = _page_template((prep.layout.template if prep is not None else template.surface_template("pages")),
                                scene_spec, folder, side)  # fmt: skip
        with timer.step("scene"):
            scene = scene_for(engine, page_t, OPEN_VIEW, None, width)
        if frame is None:
            frame = scene.base.copy()
        if prep is None:
            continue
        proof = soft_proof and page_t.output.color == "cmyk"
        with timer.step("draw"), svg_total_budget(engine.settings.max_svg_render_seconds_total):
            printed = draw_print(prep.layout, scene.dpi, engine, soft_proof=proof, window=scene.window)
        with timer.step("warp"):
            shown = composite(scene, printed)
            x0, y0, x1, y1 = scene.box
            covered = scene.k1 > 0  # this page's pixels only: the other page's box may reach over the gutter
            region = frame[y0:y1, x0:x1]
            region[covered] = shown[y0:y1, x0:x1][covered]
    assert frame is not None
    return frame


def render_spread(
    template: Template,
    left: Prepared | None,
    right: Prepared | None,
    engine: Engine,
    *,
    width: int = 800,
    fmt: MockupFormat = "jpeg",
    quality: int = 85,
    soft_proof: bool = True,
    timer: StepTimer | None = None,
) -> bytes:
    """:func:`render_spread_frame`, encoded (JPEG, WebP or PNG)."""
    timer = timer or StepTimer()
    frame = render_spread_frame(template, left, right, engine, width=width, soft_proof=soft_proof, timer=timer)
    with timer.step("encode"):
        return encode(frame, fmt, quality)


def spread_mockup(
    design: Design,
    engine: Engine,
    base_dir: Path,
    *,
    page: int | None = None,
    surface: str | None = None,
    width: int = 800,
    fmt: MockupFormat = "jpeg",
    quality: int = 85,
    soft_proof: bool | None = None,
    timer: StepTimer | None = None,
    asset_loader: AssetLoader | None = None,
) -> bytes:
    """A book design open at the spread showing ``page`` (default: pages 2-3): ``view="open"`` of
    ``render_mockup`` / ``render-engine mockup``. Only the two pages shown are resolved and laid out."""
    if surface is not None:
        raise DesignError("a book open at a spread shows interior pages: give a page, not a surface", field="surface")
    template = engine.templates.get(design.template)
    if not has_spread(engine, template):
        raise DesignError(f"product {template.id} has no '{OPEN_VIEW}' view (a book open at a spread)", field="view")
    if not design.pages:
        raise DesignError("a book open at a spread shows interior pages: this design gives none", field="view")
    count = len(design.pages)
    book = template.book
    rtl = (design.direction or (book.direction if book is not None else "ltr")) == "rtl"
    left, right = spread_pages(count, page if page is not None else min(2, count), rtl=rtl)
    preps = [
        prepare_surface(design, engine, base_dir, timer, asset_loader, page=p) if p is not None else None
        for p in (left, right)
    ]
    proof = True if soft_proof is None else soft_proof
    return render_spread(template, preps[0], preps[1], engine, width=width, fmt=fmt, quality=quality,
                         soft_proof=proof, timer=timer)  # fmt: skip
