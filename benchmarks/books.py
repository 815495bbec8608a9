"""W8: a photo book through the public API — cover.pdf + interior.pdf of an 8x8 in hardcover (issue #18).

Inputs are generated here, deterministically: ``PHOTOS`` different landscape/portrait photos of about 12 MP
(:mod:`render_engine.testing.synth`, cached by :class:`~benchmarks.inputs.PhotoCache`), and for every render
its own tagged copies (distinct bytes, same pixels) so no per-file cache answers. Page ``p`` shows photo
``p % PHOTOS`` full-bleed, every fourth page with a caption; the cover carries a photo on the front board, a
title and a spine title placed on their panels (the cover's size follows the page count).

Rows: W8 (40 pages, the issue's targets), W8-20p and W8-100p (peak RSS against the page count: memory must
not grow with it). Each row runs in its own fresh process (:func:`benchmarks.runner.run_serial`).
"""

from __future__ import annotations

from pathlib import Path

from .inputs import Json, PhotoSpec, tagged_copy, write_design
from .workloads import Context

TEMPLATE = "photo-book-8x8-hardcover"
PHOTOS = 40
BLEED = 3.175
PAGE = 203.2


def book_photos(size: PhotoSpec) -> list[PhotoSpec]:
    """40 different photos of ``size`` (12 MP: 4000x3000; ``--quick``: 400x300), landscapes and portraits."""
    w, h = size.width, size.height
    return [
        PhotoSpec(w, h, seed=800 + k) if k % 2 == 0 else PhotoSpec(h, w, seed=800 + k, kind="portrait")
        for k in range(PHOTOS)
    ]


def book_design(pages: int, photo_names: list[str]) -> Json:
    full = {"x": -BLEED, "y": -BLEED, "width": PAGE + 2 * BLEED, "height": PAGE + 2 * BLEED}
    body: list[Json] = []
    for p in range(pages):
        photo = photo_names[p % len(photo_names)]
        layers: list[Json] = [{"type": "image", "asset": photo, "box": full, "fit": "cover"}]
        if p % 4 == 3:
            x = 20.0 if p % 2 == 0 else 15.0  # clear of the gutter: odd pages bind left, even pages right
            layers.append({"type": "text", "text": f"Day {p // 4 + 1}", "font": {"family": "noto-sans", "weight": 700},
                           "size": 16, "color": "#ffffff", "align": "left",
                           "box": {"x": x, "y": 180, "width": 168, "height": 10}})  # fmt: skip
        body.append({"layers": layers})
    title = {"family": "noto-sans", "weight": 700}
    cover: list[Json] = [
        {"type": "background", "color": {"cmyk": [70, 35, 0, 40]}},
        {"type": "image", "asset": photo_names[0], "fit": "cover",
         "box": {"panel": "front", "origin": "center", "x": 0, "y": -20, "width": 180, "height": 140}},
        {"type": "text", "text": "Our year", "font": title, "size": 28, "color": "#ffffff", "align": "center",
         "box": {"panel": "front", "origin": "center", "x": 0, "y": 70, "width": 170, "height": 16}},
        {"type": "text", "text": "Our year 2026", "font": title, "size": 9, "color": "#ffffff", "align": "center",
         "valign": "middle", "wrap": False, "rotation": 90,
         "box": {"panel": "spine", "origin": "center", "x": 0, "y": 0, "width": 150, "height": 4}},
    ]  # fmt: skip
    return {
        "version": 1,
        "template": TEMPLATE,
        "meta": {"title": f"Photo book, {pages} pages", "order_id": "bench", "created": "2026-12-07T00:00:00Z"},
        "surfaces": {"cover": {"layers": cover}},
        "pages": body,
    }


def book_designs(ctx: Context, name: str, count: int, pages: int) -> list[Path]:
    """``count`` designs of ``pages`` pages in ``scratch/name/<i>/``, each with its own copies of the photos."""
    specs = book_photos(ctx.sizes.book_photo)
    bases = [ctx.photos.photo(s) for s in specs]
    out = []
    for i in range(count):
        folder = ctx.scratch / name / f"{i:03d}"
        names = []
        for k, base in enumerate(bases[: min(PHOTOS, pages)]):
            names.append(tagged_copy(base, folder / f"photo-{k:03d}.jpg", f"{name}/{i}/{k}").name)
        out.append(write_design(folder / "book.json", book_design(pages, names)))
    return out
