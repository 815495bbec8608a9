"""docs/fabric.md's storefront developer's route walked as a developer walks it, each rough edge found on the way
pinned: the commands that check a canvas take the shop's fonts, ``preflight`` reads a Fabric canvas (its findings
naming Fabric objects), an image not found says where it was looked for, a canvas of the wrong shape for a
product says the shape that fits, a canvas page is called a canvas, and the ``render_engine.fabric`` names load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from render_engine import preflight, render_design
from render_engine.cli import main
from render_engine.model.errors import DesignError
from render_engine.model.settings import bundled_dir

TEXT = {"type": "Textbox", "left": 20, "top": 20, "width": 300, "height": 50, "text": "Hello", "fontSize": 40,
        "fill": "#fefefe", "fontFamily": "Noto Sans", "id": "greeting"}  # fmt: skip


def _canvas(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"version": "6.9.1", "width": 400, "height": 200, "background": "#ffffff", "objects": list(objects)}


def test_fabric_exports_load() -> None:
    from render_engine.fabric import FONT_SIZE_FRACTION, FONT_SIZE_MULT  # was: No module named ….fabric.text

    assert FONT_SIZE_MULT > 1 > FONT_SIZE_FRACTION > 0


def test_fonts_lists_a_storefront_folder_and_validate_takes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = tmp_path / "shop-fonts"
    shop.mkdir()
    source = sorted((bundled_dir("fonts") / "lobster-two").glob("*.otf"))[0]
    shutil.copy(source, shop / source.name)  # a storefront family of a bundled family's name replaces it
    assert main(["fonts", "--fonts-dir", str(shop)]) == 0  # was: unrecognized arguments
    assert "Lobster Two" in capsys.readouterr().out
    for command in (["validate"], ["preflight"]):
        design = tmp_path / "d.json"
        design.write_text(json.dumps({"version": 1, "template": "coaster-95-round", "layers": []}))
        assert main([*command, str(design), "--fonts-dir", str(shop)]) == 0, capsys.readouterr()


def test_preflight_reads_a_fabric_canvas_and_names_its_objects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "canvas.json"
    src.write_text(json.dumps(_canvas(TEXT)), encoding="utf-8")
    assert main(["preflight", str(src)]) == 0  # was: INVALID design: a Fabric canvas
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "text.low_contrast" in ln)
    assert 'objects[0] (Textbox, id "greeting")' in line and "white canvas" in line, line  # (was "white poster")
    assert main(["preflight", str(src), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["findings"][0]["extra"]["fabric_object"] == {"field": "objects[0]", "type": "Textbox",
                                                               "id": "greeting"}  # fmt: skip


def test_an_image_not_found_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "order").mkdir()
    doc = _canvas({"type": "Image", "left": 0, "top": 0, "width": 10, "height": 10, "src": "photo.jpg"})
    monkeypatch.chdir(tmp_path)  # a dict's images are read from base_dir, by default the current folder
    res = render_design(doc, unsupported="approximate")
    (warning,) = res.warnings
    assert warning.startswith("objects[0].src (Image): image file not found (an image src path is relative to")
    assert f"tried {tmp_path / 'photo.jpg'}" in warning, warning
    with pytest.raises(DesignError) as exc:
        render_design(doc)
    assert "for a dict, to base_dir" in exc.value.message and str(tmp_path) in str(exc.value)


def test_a_canvas_of_the_wrong_shape_says_the_shape_that_fits(tmp_path: Path) -> None:
    with pytest.raises(DesignError) as exc:
        render_design(_canvas(TEXT), template="mug-11oz")
    assert exc.value.field == "canvas"
    assert "a canvas 400 px wide for it is 400x155.556 px" in exc.value.message, exc.value.message
    assert render_design({**_canvas(TEXT), "height": 155.556}, template="mug-11oz", dpi=30).format == "pdf"


def test_the_python_api_preflight_of_a_canvas_says_canvas() -> None:
    report = preflight(_canvas(TEXT))
    low = next(f for f in report.findings if f.code == "text.low_contrast")
    assert "white canvas" in low.message and low.where == 'objects[0] (Textbox, id "greeting")'
