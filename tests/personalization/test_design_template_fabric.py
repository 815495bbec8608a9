"""A Fabric canvas imports as a design template (#19): {{variables}} in texts become text / date slots, images
marked as placeholders photo slots, unselectable objects locked; the template fills and renders like a library
one (the PDF's text read back by poppler's pdftotext), and an unmarked image is refused naming its object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from render_engine import render_design
from render_engine.model.errors import DesignError
from render_engine.personalization import fill
from render_engine.personalization.from_fabric import design_template_from_fabric

REPO = Path(__file__).resolve().parents[2]


def canvas(*objects: dict[str, Any]) -> dict[str, Any]:
    # card-5x7: 127 x 177.8 mm trim -> a 500 x 700 px canvas
    return {"canvas": {"width": 500, "height": 700}, "fabric": {"version": "6.9.1", "objects": list(objects)}}


def text(t: str, top: float, **kw: Any) -> dict[str, Any]:
    return {"type": "Textbox", "left": 40, "top": top, "width": 420, "height": 60, "text": t, "fontSize": 36,
            "fontFamily": "Noto Sans", "fill": "#222222", "textAlign": "center", **kw}  # fmt: skip


BG = {"type": "Rect", "left": 0, "top": 0, "width": 500, "height": 700, "fill": "#fff4e6", "selectable": False}
PHOTO = {"type": "Image", "left": 50, "top": 60, "width": 400, "height": 300, "src": "asset:placeholder",
         "slot": "photo", "slotLabel": "Your photo"}  # fmt: skip


def test_a_marked_canvas_becomes_a_template_that_fills_and_renders(engine: Any, tmp_path: Path) -> None:
    data = canvas(BG, PHOTO, text("Happy birthday {{name|upper}}!", 400, maxLength=16),
                  text("{{when|date:%-d %B %Y}}", 480, fontSize=20), text("With love", 560, selectable=False))
    tpl, raw = design_template_from_fabric(data, "card-5x7", engine, template_id="fabric-birthday", name="From Fabric")
    assert {k: (s.type, s.required) for k, s in tpl.slots.items()} == {
        "photo": ("photo", True), "name": ("text", True), "when": ("date", True)}
    assert tpl.slots["name"].max_length == 16 and tpl.slots["photo"].label == "Your photo"
    layers = raw["products"]["card-5x7"]["layers"]
    assert [layer.get("locked", False) for layer in layers] == [True, False, False, False, True]
    assert layers[1]["slot"] == "photo" and "asset_id" not in layers[1]
    assert layers[1]["box"]["width"] == pytest.approx(400 * 127 / 500, abs=0.01)  # canvas px -> trim mm
    json.dumps(raw)  # a template file as written
    design = fill(tpl, "card-5x7", {"name": "Asha", "when": "2026-12-24"}, {"photo": "examples/assets/portrait.jpg"},
                  base_dir=REPO)  # fmt: skip
    assert [getattr(layer, "text", None) for layer in design.layers][2:] == [
        "Happy birthday ASHA!", "24 December 2026", "With love"]
    out = render_design(design, tmp_path / "card.png", base_dir=REPO, dpi=40)
    # the photo fills the slot's box in the print PNG: the box's middle is the photo, not the paper colour
    import pyvips

    img = pyvips.Image.new_from_file(str(out.path))
    px_mm = 40 / 25.4
    box = layers[1]["box"]
    cx, cy = (box["x"] + 3.175 + box["width"] / 2) * px_mm, (box["y"] + 3.175 + box["height"] / 2) * px_mm
    mid = img.crop(int(cx) - 3, int(cy) - 3, 6, 6).stats()
    paper = img.crop(4, img.height - 10, 6, 6).stats()
    assert abs(mid(4, 1)[0] - paper(4, 1)[0]) + abs(mid(4, 3)[0] - paper(4, 3)[0]) > 40
    with pytest.raises(DesignError) as exc:
        fill(tpl, "card-5x7", {"name": "A much longer name than that", "when": "2026-12-24"},
             {"photo": "examples/assets/portrait.jpg"}, base_dir=REPO)  # fmt: skip
    assert exc.value.field == "slots.name"


def test_an_unmarked_image_is_refused_naming_its_object(engine: Any) -> None:
    plain = {k: v for k, v in PHOTO.items() if k not in ("slot", "slotLabel")}
    with pytest.raises(DesignError) as exc:
        design_template_from_fabric(canvas(BG, plain, {**plain, "placeholder": True}, {**plain, "slot": "Bad!"}),
                                    "card-5x7", engine, template_id="t", name="T")  # fmt: skip
    fields = [p.field for p in exc.value.problems] or [exc.value.field]
    assert fields == ["fabric.objects[1]", "fabric.objects[3]"]


def test_placeholders_number_their_slots(engine: Any) -> None:
    marked = {k: v for k, v in PHOTO.items() if k not in ("slot", "slotLabel")} | {"placeholder": True}
    tpl, _ = design_template_from_fabric(canvas(BG, marked, {**marked, "top": 380}), "card-5x7", engine,
                                         template_id="t2", name="T")  # fmt: skip
    assert [k for k, s in tpl.slots.items() if s.type == "photo"] == ["photo", "photo_2"]


def test_cli_writes_the_template_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from render_engine.cli import main
    from render_engine.personalization.catalog import load_design_template_file

    src = tmp_path / "canvas.json"
    src.write_text(json.dumps(canvas(BG, PHOTO, text("Hi {{name}}", 400))), encoding="utf-8")
    out = tmp_path / "hi-card.json"
    code = main(["design-templates", "--from-fabric", str(src), "--product", "card-5x7", "--id", "hi-card",
                 "--write", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert set(load_design_template_file(out).slots) == {"photo", "name"}
    assert main(["design-templates", "--from-fabric", str(src)]) != 0
    assert "needs --product, --id, --write" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore:Using `httpx`")
def test_the_api_route_makes_a_template_and_names_each_bad_object(tmp_path: Path, engine: Any) -> None:
    """``POST /v1/design-templates/from-fabric``: the template JSON (validated; it fills through the fill
    route's own parser) and its slots; a canvas with unmarked images: one 422 naming fabric.objects[i]."""
    from render_engine.personalization.catalog import default_directory, parse_design_template
    from tests.toolkit import STOREFRONT, S, api_client

    plain = {k: v for k, v in PHOTO.items() if k not in ("slot", "slotLabel")}
    with api_client(tmp_path, engine, api_keys=f"storefront:{STOREFRONT}") as c:
        good = {"id": "shop-birthday", "product": "card-5x7", "occasions": ["birthday"],
                **canvas(BG, PHOTO, text("Happy birthday {{name|upper}}!", 400, maxLength=16))}  # fmt: skip
        r = c.post("/v1/design-templates/from-fabric", json=good, headers=S)
        assert r.status_code == 200, r.text
        out = r.json()
        assert {k: s["type"] for k, s in out["slots"].items()} == {"photo": "photo", "name": "text"}
        assert out["slots"]["name"]["max_length"] == 16
        tpl = parse_design_template(out["design_template"], default_directory(), "shop-birthday.json")
        assert tpl.id == "shop-birthday" and tpl.occasions == ["birthday"] and list(tpl.products) == ["card-5x7"]
        bad = {**good, **canvas(BG, plain, PHOTO, {**plain, "top": 380}, text("Hi {{name|nope}}", 400))}
        r = c.post("/v1/design-templates/from-fabric", json=bad, headers=S)
        assert r.status_code == 422, r.text
        fields = [p["field"] for p in r.json().get("problems", [])] or [r.json()["field"]]
        assert fields[:2] == ["fabric.objects[1]", "fabric.objects[3]"], r.json()
        assert any(f.startswith("fabric.objects[4]") for f in fields), r.json()
        r = c.post("/v1/design-templates/from-fabric", json={**good, "product": "mug-12oz"}, headers=S)
        assert r.status_code in (404, 422) and r.json()["field"] in ("product", "template"), r.text
        r = c.post("/v1/design-templates/from-fabric", json={**good, "id": "Bad Id"}, headers=S)
        assert r.status_code == 422 and r.json()["field"] == "id", r.text
