"""Design templates with pages (#19): a photos slot's photos flow over a photo book's pages and a calendar's
months in order; the book's flow page repeats until every photo has a page, then to a page count the product
allows. Read back from the print files: pikepdf page counts and TrimBoxes, and poppler's raster of each page
showing the colour of the photo that should be there."""

from __future__ import annotations

import io
import itertools
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
import pyvips

from render_engine import render_design
from render_engine.model.errors import DesignError
from render_engine.personalization import catalog, fill, parse_design_template

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "templates_design"
BOOK = "photo-book-8x8-hardcover"


def colours(n: int) -> list[tuple[int, int, int]]:
    """``n`` greys, darkest first: grey survives the CMYK print path in order (a monotonic tone curve), so the
    printed pages must get lighter page by page when the photos flow in order."""
    return [(v, v, v) for v in (round(30 + i * 200 / (n - 1)) for i in range(n))]


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], list[tuple[int, int, int]]]:
    folder = tmp_path_factory.mktemp("flow")
    cols = colours(24)
    names = []
    for i, c in enumerate(cols):
        name = f"p{i:02d}.jpg"
        pyvips.Image.black(1800, 1800).new_from_image(list(c)).copy(interpretation="srgb").jpegsave(
            str(folder / name), Q=90
        )
        names.append(name)
    return folder, names, cols


def page_colours(pdf: bytes, tmp: Path) -> list[tuple[float, float, float]]:
    """The mean RGB of the middle of each page, rasterised by poppler."""
    src = tmp / "in.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "10", "-png", str(src), str(tmp / "pg")], check=True)
    out = []
    for png in sorted(tmp.glob("pg-*.png")):
        img = pyvips.Image.new_from_file(str(png))
        arr = np.ndarray(buffer=img.extract_band(0, n=3).write_to_memory(), dtype=np.uint8,
                         shape=(img.height, img.width, 3))  # fmt: skip
        h, w = arr.shape[:2]
        mid = arr[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3].reshape(-1, 3).mean(axis=0)
        out.append((float(mid[0]), float(mid[1]), float(mid[2])))
        png.unlink()
    return out


def test_a_20_page_photo_book_from_15_photos(photos: Any, tmp_path: Path) -> None:
    folder, names, _cols = photos
    t = catalog(LIBRARY).get("photo-book-memories")
    design = fill(t, BOOK, {"title": "Skye 2026", "subtitle": "Two weeks of rain"}, {"photos": names[:15]},
                  base_dir=folder)  # fmt: skip
    assert len(design.pages) == 20  # title page + 14 photo pages, padded to the book's minimum of 20
    rendered = render_design(design, tmp_path / "book", base_dir=folder, dpi=20)
    parts = {p.part: p for p in rendered.parts}
    assert set(parts) == {"cover", "interior"}
    with pikepdf.open(io.BytesIO(parts["interior"].data)) as pdf:
        assert len(pdf.pages) == 20
        for page in pdf.pages:
            tb = [float(v) * 25.4 / 72 for v in page.TrimBox]
            assert (tb[2] - tb[0], tb[3] - tb[1]) == pytest.approx((203.2, 203.2), abs=0.01)
    seen = page_colours(parts["interior"].data, tmp_path)
    assert len(seen) == 20
    # page 1 is the title page; pages 2..15 show photos 1..14 in order; pages 16..20 are padding (no photo)
    grey = [sum(seen[page]) / 3 for page in range(1, 15)]
    assert all(b > a + 1 for a, b in itertools.pairwise(grey)), grey
    assert all(max(c) - min(c) < 12 for c in seen[1:15])  # neutral: the photos, not the paper colour
    paper = (0xF1, 0xFA, 0xEE)
    for page in [0, *range(15, 20)]:
        assert max(abs(a - b) for a, b in zip(seen[page], paper, strict=True)) < 25, (page, seen[page])
    # the cover's front panel (the right half of the cover sheet) carries photo 0
    (tmp_path / "c").mkdir()
    src = tmp_path / "c" / "cover.pdf"
    src.write_bytes(parts["cover"].data)
    subprocess.run(["pdftoppm", "-r", "10", "-png", "-singlefile", str(src), str(tmp_path / "c" / "cover")], check=True)
    img = pyvips.Image.new_from_file(str(tmp_path / "c" / "cover.png"))
    px = img.crop(img.width * 3 // 4 - 2, img.height // 3 - 2, 4, 4).stats()
    front = (px(4, 1)[0], px(4, 2)[0], px(4, 3)[0])
    assert max(front) - min(front) < 12 and max(front) < grey[0], front  # photo 0: the darkest grey, not the blue


@pytest.mark.parametrize(("count", "pages"), [(1, 20), (20, 20), (21, 22), (22, 22), (40, 40), (99, 100)])
def test_the_book_grows_in_steps_the_product_allows(count: int, pages: int, photos: Any) -> None:
    folder, names, _ = photos
    t = catalog(LIBRARY).get("photo-book-memories")
    design = fill(t, BOOK, {}, {"photos": [names[i % len(names)] for i in range(count)]}, base_dir=folder)
    assert len(design.pages) == pages
    placed = [lay.asset for p in design.pages for lay in p.layers if lay.type == "image"]
    assert len(placed) == count - 1  # the first photo is on the cover
    assert placed == [names[i % len(names)] for i in range(1, count)]


def test_flow_errors_name_the_photos(photos: Any) -> None:
    folder, names, _ = photos
    t = catalog(LIBRARY).get("photo-book-memories")
    with pytest.raises(DesignError) as exc:
        fill(t, BOOK, {}, {"photos": []}, base_dir=folder)
    assert exc.value.field == "photos.photos" and "1 to 99 photos" in exc.value.message
    with pytest.raises(DesignError) as exc:
        fill(t, BOOK, {}, {"photos": [names[0], "missing.jpg"]}, base_dir=folder)
    assert exc.value.field == "photos.photos[1]"
    data: dict[str, Any] = {
        "id": "flow-test", "name": "Flow",
        "slots": {"photos": {"type": "photos", "label": "Photos", "max_count": 500, "min_dpi": 50}},
        "products": {BOOK: {"flow": {"layers": [
            {"type": "image", "slot": "photos[]", "box": {"x": 0, "y": 0, "width": 100, "height": 100}}]}}},
    }  # fmt: skip
    many = parse_design_template(data, LIBRARY)
    with pytest.raises(DesignError) as exc:
        fill(many, BOOK, {}, {"photos": [names[0]] * 101}, base_dir=folder)
    assert exc.value.field == "photos.photos" and "at most 100 photos fit" in exc.value.message
    data["products"] = {"mug-11oz": data["products"][BOOK]}
    with pytest.raises(DesignError) as exc:
        fill(parse_design_template(data, LIBRARY), "mug-11oz", {}, {"photos": [names[0]]}, base_dir=folder)
    assert exc.value.field == "product" and "no pages" in exc.value.message


def test_a_calendar_takes_a_photo_a_month(photos: Any, tmp_path: Path) -> None:
    folder, names, _cols = photos
    t = catalog(LIBRARY).get("family-calendar-2027")
    design = fill(t, "calendar-wall-a4", {"title": "The Raos"}, {"photos": names[:13]}, base_dir=folder)
    rendered = render_design(design, tmp_path / "cal", base_dir=folder, dpi=20)
    (part,) = rendered.parts
    with pikepdf.open(io.BytesIO(part.data)) as pdf:
        assert len(pdf.pages) == 13  # cover + 12 months
    # each month's photo band (top half) shows photo 1..12 in order (sampled in the band, not the grid)
    src = tmp_path / "cal.pdf"
    src.write_bytes(part.data)
    subprocess.run(["pdftoppm", "-r", "10", "-png", str(src), str(tmp_path / "m")], check=True)
    levels = []
    for png in sorted(tmp_path.glob("m-*.png")):
        img = pyvips.Image.new_from_file(str(png))
        y = round((11 + 69 + 2) / 25.4 * 10)  # the middle of the photo band, in px of the bleed page
        levels.append(img.crop(img.width // 2 - 2, y - 2, 4, 4).avg())
    assert len(levels) == 13 and all(b > a + 1 for a, b in itertools.pairwise(levels)), levels


def test_cli_personalize_flows_repeated_photos(photos: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from render_engine.cli import main

    folder, names, _ = photos
    out = tmp_path / "out"
    args = ["personalize", "photo-book-memories", "--product", BOOK, "--set", "title=Skye", "--out", str(out),
            "--dpi", "15"]  # fmt: skip
    for name in names[:6]:
        args += ["--photo", f"photos={folder / name}"]
    assert main(args) == 0, capsys.readouterr().err
    files = sorted(p.name for p in (out / f"photo-book-memories-{BOOK}").iterdir())
    assert files == ["cover.pdf", "interior.pdf"]
    with pikepdf.open(out / f"photo-book-memories-{BOOK}" / "interior.pdf") as pdf:
        assert len(pdf.pages) == 20
        with_images = [i for i, page in enumerate(pdf.pages) if any(
            pikepdf.Name.Subtype in x and x.Subtype == pikepdf.Name.Image
            for x in page.Resources.get("/XObject", {}).values())]  # fmt: skip
    assert with_images == [1, 2, 3, 4, 5]  # photos 1..5 after the title page; photo 0 is on the cover
