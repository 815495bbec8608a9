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


# ------------------------------------------------------------------ one canvas per surface (two-sided products)


def two_sided(front: list[dict[str, Any]], back: list[dict[str, Any]]) -> dict[str, Any]:
    # invitation-5x7: front and back, each 127 x 177.8 mm trim -> a 500 x 700 px canvas per side
    return {"canvas": {"width": 500, "height": 700},
            "fabric": {"surfaces": {"front": {"version": "6.9.1", "objects": front},
                                    "back": {"version": "6.9.1", "objects": back}}}}  # fmt: skip


PLACEHOLDER = {k: v for k, v in PHOTO.items() if k not in ("slot", "slotLabel")} | {"placeholder": True}
FRONT = [BG, PLACEHOLDER, text("{{name}} & {{partner}}", 400, maxLength=20)]
BACK = [BG, {**PLACEHOLDER, "top": 300}, text("{{day|date:%-d %B %Y}}", 100, fontSize=28), text("{{name}}", 200)]


def test_a_canvas_per_surface_makes_a_two_sided_template(engine: Any, tmp_path: Path) -> None:
    """Each surface's canvas makes that surface's layers; a variable on both sides is one slot; unnamed
    placeholders number on across the surfaces; the filled template prints both sides (pdftotext per page)."""
    import subprocess

    import pikepdf

    tpl, raw = design_template_from_fabric(two_sided(FRONT, BACK), "invitation-5x7", engine, template_id="two-sided",
                                           name="Two sided")  # fmt: skip
    assert {k: s.type for k, s in tpl.slots.items()} == {
        "photo": "photo", "name": "text", "partner": "text", "photo_2": "photo", "day": "date"}
    assert tpl.slots["name"].max_length == 20
    layout = raw["products"]["invitation-5x7"]
    assert set(layout) == {"surfaces"} and list(layout["surfaces"]) == ["front", "back"]
    front, back = (layout["surfaces"][s]["layers"] for s in ("front", "back"))
    assert [layer.get("slot") for layer in front] == [None, "photo", None]
    assert [layer.get("slot") for layer in back] == [None, "photo_2", None, None]
    assert front[0]["locked"] and back[0]["locked"] and "locked" not in back[3]
    assert back[1]["box"]["y"] == pytest.approx(300 * 127 / 500, abs=0.2)  # its own canvas's px -> mm
    assert tpl.summary()["surfaces"] == {"invitation-5x7": ["front", "back"]}
    design = fill(tpl, "invitation-5x7", {"name": "Asha", "partner": "Ravi", "day": "2027-02-14"},
                  {"photo": "examples/assets/portrait.jpg", "photo_2": "examples/assets/landscape.jpg"},
                  base_dir=REPO)  # fmt: skip
    from render_engine.model.design import TextLayer

    assert not design.layers and set(design.surfaces) == {"front", "back"}
    front_texts, back_texts = ([la.text for la in design.surfaces[s].layers if isinstance(la, TextLayer)]
                               for s in ("front", "back"))  # fmt: skip
    assert (front_texts, back_texts) == (["Asha & Ravi"], ["14 February 2027", "Asha"])
    photos = [[getattr(la, "asset", None) for la in design.surfaces[s].layers] for s in ("front", "back")]
    assert photos == [[None, "examples/assets/portrait.jpg", None], [None, "examples/assets/landscape.jpg", None, None]]
    out = render_design(design, tmp_path / "out", base_dir=REPO, dpi=60)
    [pdf] = [p.path for p in out.parts]
    with pikepdf.open(pdf) as doc:  # one two-page PDF: each side on its trim box
        assert len(doc.pages) == 2
        for page in doc.pages:
            x0, y0, x1, y1 = (float(v) for v in page.TrimBox)
            assert (x1 - x0, y1 - y0) == pytest.approx((127 / 25.4 * 72, 177.8 / 25.4 * 72), abs=0.05)
    # the two sides print differently: poppler's rendering of page 1 and page 2 differ where the photos are
    pngs = []
    for n in (1, 2):
        subprocess.run(["pdftoppm", "-r", "20", "-f", str(n), "-l", str(n), "-png", "-singlefile", str(pdf),
                        str(tmp_path / f"p{n}")], check=True)  # fmt: skip
        pngs.append((tmp_path / f"p{n}.png").read_bytes())
    assert pngs[0] != pngs[1]


def test_a_bad_object_on_the_back_is_named_in_its_canvas(engine: Any) -> None:
    plain = {k: v for k, v in PHOTO.items() if k not in ("slot", "slotLabel")}
    with pytest.raises(DesignError) as exc:
        design_template_from_fabric(two_sided(FRONT, [BG, plain, text("{{name|nope}}", 200)]), "invitation-5x7",
                                    engine, template_id="t", name="T")  # fmt: skip
    fields = [p.field for p in exc.value.problems] or [exc.value.field]
    assert fields[0] == "fabric.surfaces.back.objects[1]"
    assert fields[1].startswith("fabric.surfaces.back.objects[2]"), fields
    # the importer's own errors (a surface the product lacks) are named in the same document
    with pytest.raises(DesignError) as exc:
        design_template_from_fabric({**two_sided(FRONT, BACK), "fabric": {"surfaces": {"bakc": {"objects": BACK}}}},
                                    "invitation-5x7", engine, template_id="t", name="T")  # fmt: skip
    assert exc.value.field == "fabric.surfaces.bakc" and "did you mean back" in exc.value.message


def test_cli_takes_the_document_of_canvases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from render_engine.cli import main
    from render_engine.personalization.catalog import load_design_template_file

    doc = two_sided(FRONT, BACK)
    src = tmp_path / "invitation.json"  # the bare document of canvases, as the render command reads it
    src.write_text(json.dumps({"canvas": doc["canvas"], **doc["fabric"]}), encoding="utf-8")
    out = tmp_path / "two-sided.json"
    code = main(["design-templates", "--from-fabric", str(src), "--product", "invitation-5x7", "--id", "two-sided",
                 "--write", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    tpl = load_design_template_file(out)
    assert set(tpl.slots) == {"photo", "name", "partner", "photo_2", "day"}
    assert list(tpl.products["invitation-5x7"].surfaces) == ["front", "back"]


@pytest.mark.filterwarnings("ignore:Using `httpx`")
def test_the_api_route_takes_a_canvas_per_surface(tmp_path: Path, engine: Any) -> None:
    from tests.toolkit import STOREFRONT, S, api_client

    plain = {k: v for k, v in PHOTO.items() if k not in ("slot", "slotLabel")}
    with api_client(tmp_path, engine, api_keys=f"storefront:{STOREFRONT}") as c:
        good = {"id": "shop-invitation", "product": "invitation-5x7", **two_sided(FRONT, BACK)}
        r = c.post("/v1/design-templates/from-fabric", json=good, headers=S)
        assert r.status_code == 200, r.text
        assert list(r.json()["design_template"]["products"]["invitation-5x7"]["surfaces"]) == ["front", "back"]
        assert set(r.json()["slots"]) == {"photo", "name", "partner", "photo_2", "day"}
        r = c.post("/v1/design-templates/from-fabric", json={**good, **two_sided(FRONT, [BG, BG, plain])}, headers=S)
        assert r.status_code == 422, r.text
        fields = [p["field"] for p in r.json().get("problems", [])] or [r.json()["field"]]
        assert fields == ["fabric.surfaces.back.objects[2]"], r.json()
