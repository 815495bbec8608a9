"""Safe-area anchors (#19): template layers placed relative to a product's safe area / trim / bleed, so one
layout (``same_as``) fits several sizes. Boxes are checked in mm against each product's own geometry (read from
its template file, not from the engine), and the rendered PDF is read back: TrimBox size, the name's ink found
by poppler in the anchored band."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pyvips

from render_engine import preflight, render_design
from render_engine.model.errors import DesignError, TemplateError
from render_engine.personalization import catalog, fill, parse_design_template

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "templates_design"
PHOTO = "examples/assets/portrait.jpg"
SIZES = ("photo-print-5x7", "photo-print-8x10", "photo-print-a4")


def geometry(product: str) -> tuple[float, float, float, float]:
    """(trim width, trim height, bleed, safe margin) mm from templates_print/<product>.json."""
    d = json.loads((REPO / "templates_print" / f"{product}.json").read_text(encoding="utf-8"))
    return d["trim"]["width_mm"], d["trim"]["height_mm"], d["bleed_mm"], d["safe_margin_mm"]


def small(layers: list[dict[str, Any]], **products: Any) -> Any:
    data = {
        "id": "anchor-test", "name": "Anchors",
        "slots": {"name": {"type": "text", "label": "Name", "max_length": 20}},
        "products": {"photo-print-5x7": {"layers": layers}, **products},
    }  # fmt: skip
    return parse_design_template(data, LIBRARY)


def name_layer(anchor: dict[str, str], box: dict[str, float]) -> dict[str, Any]:
    return {"type": "text", "text": "{{name}}", "font": {"family": "noto-sans"}, "size": 12, "anchor": anchor,
            "box": box}  # fmt: skip


@pytest.mark.parametrize("product", SIZES)
def test_each_edge_rule_in_mm(product: str) -> None:
    w, h, bleed, safe = geometry(product)
    layers = [
        name_layer({"to": "safe", "x": "left", "y": "top"}, {"x": 2, "y": 3, "width": 40, "height": 10}),
        name_layer({"to": "safe", "x": "right", "y": "bottom"}, {"x": 2, "y": 3, "width": 40, "height": 10}),
        name_layer({"to": "trim", "x": "center", "y": "middle"}, {"x": 5, "y": -4, "width": 40, "height": 10}),
        name_layer({"to": "safe", "x": "stretch", "y": "top"}, {"x": 10, "y": 20, "width": 1000, "height": 10}),
        name_layer({"to": "safe", "x": "stretch", "y": "top"}, {"x": 10, "y": 40, "width": 60, "height": 10}),
        name_layer({"to": "bleed", "x": "span", "y": "span"}, {"x": 0, "y": 0, "width": 0, "height": 30}),
    ]
    t = small(layers, **{p: {"same_as": "photo-print-5x7"} for p in SIZES[1:]})
    boxes = [(b.x, b.y, b.width, b.height) for b in (lay.box for lay in fill(t, product, {"name": "Asha"}).layers)]
    expected = [
        (safe + 2, safe + 3, 40, 10),
        (w - safe - 2 - 40, h - safe - 3 - 10, 40, 10),
        ((w - 40) / 2 + 5, (h - 10) / 2 - 4, 40, 10),
        (safe + 10, safe + 20, w - 2 * safe - 20, 10),  # as wide as the safe area less 10 mm a side
        ((w - 60) / 2, safe + 40, 60, 10),  # at most 60 mm: centred
        (-bleed, -bleed, w + 2 * bleed, h + 2 * bleed - 30),
    ]
    for got, want in zip(boxes, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-3), (got, want)


def test_errors_name_the_anchor_and_the_layout() -> None:
    bad = name_layer({"to": "safe", "x": "middle"}, {"x": 0, "y": 0, "width": 10, "height": 10})
    with pytest.raises(TemplateError) as exc:
        small([bad])
    assert exc.value.field == "products.photo-print-5x7.layers[0].anchor.x"
    with pytest.raises(TemplateError) as exc:
        small([name_layer({"to": "safe", "x": "stretch"}, {"x": 70, "y": 0, "width": 10, "height": 10})])
    assert exc.value.field == "products.photo-print-5x7.layers[0].box" and "no room" in exc.value.message
    layer = name_layer({"to": "safe"}, {"x": 0, "y": 0, "width": 10, "height": 10})
    with pytest.raises(TemplateError) as exc:
        small([layer], **{"card-5x7": {"same_as": "mug-11oz"}})
    assert exc.value.field == "products.card-5x7.same_as"
    with pytest.raises(TemplateError) as exc:
        small([layer], **{"card-5x7": {"same_as": "photo-print-5x7", "layers": [layer]}})
    assert "same_as" in exc.value.message
    t = small([layer])
    with pytest.raises(DesignError) as exc2:
        fill(t, "mug-11oz", {"name": "x"})
    assert exc2.value.field == "product"


@pytest.mark.parametrize("product", SIZES)
def test_one_library_layout_prints_on_three_sizes(product: str, tmp_path: Path) -> None:
    import pikepdf

    t = catalog(LIBRARY).get("baby-photo-print")
    assert t.products[product].layers == t.products["photo-print-5x7"].layers  # one layout (same_as)
    w, h, bleed, safe = geometry(product)
    design = fill(t, product, {"name": "Mira", "born": "2026-11-08"}, {"photo": PHOTO}, base_dir=REPO)
    photo, band = design.layers[1].box, design.layers[2].box
    assert (photo.x, photo.y, photo.width) == pytest.approx((-bleed, -bleed, w + 2 * bleed))
    assert photo.y + photo.height == pytest.approx(band.y)  # the photo meets the band on every size
    assert band.y + band.height == pytest.approx(h + bleed)  # the band sits on the bleed's bottom edge
    name = design.layers[4].box
    assert name.y + name.height == pytest.approx(h - safe - 18)  # 18 mm above the safe line's bottom
    out = render_design(design, tmp_path / "print.pdf", base_dir=REPO, dpi=40)
    with pikepdf.open(out.path) as pdf:
        tb = [float(v) * 25.4 / 72 for v in pdf.pages[0].TrimBox]
    assert (tb[2] - tb[0], tb[3] - tb[1]) == pytest.approx((w, h), abs=0.01)
    # poppler's raster: the name's dark-blue ink lies in its anchored box, on the band, on every size
    dpi = 30
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-cropbox", str(out.path),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    img = pyvips.Image.new_from_file(str(tmp_path / "page.png"))
    arr = np.ndarray(buffer=img.extract_band(0, n=3).write_to_memory(), dtype=np.uint8,
                     shape=(img.height, img.width, 3)).astype(int)  # fmt: skip
    px = 25.4 / dpi
    band_rows = arr[int((band.y + bleed) / px) + 1 :]
    ink = np.argwhere(np.abs(band_rows - np.array([0x35, 0x5C, 0x7D])).sum(axis=2) < 60)
    assert len(ink) > 20
    ys = (ink[:, 0] + int((band.y + bleed) / px) + 1) * px - bleed
    xs = ink[:, 1] * px - bleed
    assert name.y - 1 <= ys.min() and ys.max() <= name.y + name.height + 1
    assert name.x - 1 <= xs.min() and xs.max() <= name.x + name.width + 1
    report = preflight(design, base_dir=REPO)
    assert not [f for f in report.findings if f.severity == "blocker"], report.to_dict()
