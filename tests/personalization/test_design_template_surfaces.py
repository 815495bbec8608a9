"""Design templates on multi-surface products (issues #19 + #18): a product layout gives ``surfaces`` /
``pages`` of layers; load errors name ``products.<id>.surfaces.<s>.layers[i]…``, fill errors the slot; the
filled design renders to every part (read back with pikepdf, poppler and pyvips), through the Python API, the
CLI and the HTTP API."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from render_engine import personalize
from render_engine.model.design import TextLayer
from render_engine.model.errors import DesignError, TemplateError
from render_engine.personalization import catalog, fill, parse_design_template
from render_engine.personalization.fill import fill_with_sources
from tests.toolkit import SMALL_LIMITS, S, api_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "templates_design"
PHOTO = "examples/assets/portrait.jpg"  # 2400 x 3000 px
MM_PER_PT = 25.4 / 72
CARD, TEE = "birthday-folded-card", "team-tee"
TEAM = {"team": "Riverside Rovers", "name": "Okafor", "number": "10"}


def card_dict() -> dict[str, Any]:
    return copy.deepcopy(json_of(CARD))


def json_of(template_id: str) -> dict[str, Any]:
    import json

    return dict(json.loads((LIBRARY / f"{template_id}.json").read_text(encoding="utf-8")))


def texts(layers: list[Any]) -> list[str]:
    return [layer.text for layer in layers if isinstance(layer, TextLayer)]


def test_fill_gives_each_surface_its_layers() -> None:
    t = catalog(LIBRARY).get(CARD)
    design, sources = fill_with_sources(t, "card-folded-5x7", {"name": "Asha", "message": "Best day ever!"},
                                        {"photo": PHOTO}, base_dir=REPO)  # fmt: skip
    assert not design.layers and set(design.surfaces) == {"outside", "inside"}
    assert texts(design.surfaces["outside"].layers) == ["Made with love", "Happy Birthday", "Asha"]
    assert texts(design.surfaces["inside"].layers) == ["Dear Asha,", "Best day ever!"]
    assert sources["surfaces.inside.layers[3]"] == "slots.message"
    assert sources["surfaces.outside.layers[2]"] == "photos.photo"
    assert sources["surfaces.inside.layers[0]"] == "products.card-folded-5x7.surfaces.inside.layers[0]"
    # the message's default fills it when none is given
    design = fill(t, "card-folded-5x7", {"name": "Asha"}, {"photo": PHOTO}, base_dir=REPO)
    assert texts(design.surfaces["inside"].layers)[1].startswith("Wishing you a wonderful year")
    # a single-surface layout of the same template stays a v1 design with top-level layers
    tee = catalog(LIBRARY).get(TEE)
    front_only = fill(tee, "tshirt-front-dtg", TEAM)
    assert not front_only.surfaces and texts(front_only.layers) == ["RIVERSIDE ROVERS", "10", "OKAFOR"]
    both = fill(tee, "tshirt-dtg", TEAM)
    assert texts(both.surfaces["back"].layers) == ["OKAFOR", "10", "RIVERSIDE ROVERS"]


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    node: Any = data
    keys = path.split("/")
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    node[int(keys[-1]) if isinstance(node, list) else keys[-1]] = value
    return data


INSIDE = "products/card-folded-5x7/surfaces/inside/layers"


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    [
        (f"{INSIDE}/3/text", "{{nobody}}", "products.card-folded-5x7.surfaces.inside.layers[3].text",
         "'{{nobody}}' is not a text or date slot"),
        (f"{INSIDE}/2/locked", True, "products.card-folded-5x7.surfaces.inside.layers[2]",
         "a locked layer cannot hold variables"),
        (f"{INSIDE}/2/box", {"x": 0, "y": 0, "width": -1, "height": 5},
         "products.card-folded-5x7.surfaces.inside.layers[2].box.width", "greater than 0"),
        (f"{INSIDE}/0/slot", "photo", "products.card-folded-5x7.surfaces.inside.layers[0].slot",
         "only image layers take a photo slot"),
        (f"{INSIDE}/1/file", "../README.md", "products.card-folded-5x7.surfaces.inside.layers[1].file",
         "asset path leaves the design's folder"),
        ("products/card-folded-5x7/layers", [{"type": "background", "color": "#ffffff"}], "products.card-folded-5x7",
         "not both"),
        ("products/card-folded-5x7/surfaces", {}, "products.card-folded-5x7", "at least one layer"),
        ("products/card-folded-5x7/surfaces/inside/layers", [], "products.card-folded-5x7.surfaces.inside.layers",
         "at least 1 item"),
    ],
)  # fmt: skip
def test_load_errors_name_the_surface_layer(path: str, value: Any, field: str, reason: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(reason)) as exc:
        parse_design_template(_set(card_dict(), path, value), LIBRARY)
    assert exc.value.field == field


def test_slots_used_only_on_one_surface_count_as_used() -> None:
    data = card_dict()
    data["products"]["card-folded-5x7"]["surfaces"]["inside"]["layers"].pop(3)  # the message's only layer
    with pytest.raises(TemplateError, match="slots not used by any product layout: message"):
        parse_design_template(data, LIBRARY)


def test_slot_problems_after_filling_name_the_slot(tmp_path: Path) -> None:
    import pyvips

    with pytest.raises(DesignError) as exc:  # no bundled font has a plane-15 private-use character
        personalize(CARD, "card-folded-5x7", {"name": "Asha", "message": "Hi \U000f0000"}, {"photo": PHOTO},
                    base_dir=REPO, dpi=20)  # fmt: skip
    assert exc.value.field == "slots.message" and "no bundled font can print U+F0000" in exc.value.message
    small = tmp_path / "small.jpg"
    pyvips.Image.black(300, 300).write_to_file(str(small))
    with pytest.raises(DesignError) as exc:
        fill(catalog(LIBRARY).get(CARD), "card-folded-5x7", {"name": "Asha", "message": "x" * 301},
             {"photo": "small.jpg"}, base_dir=tmp_path)  # fmt: skip
    found = {str(p.field): p.message for p in exc.value.problems}
    assert found["slots.message"] == "at most 300 characters (it has 301)"
    assert "on card-folded-5x7 (surfaces.outside); at least 150 dpi" in found["photos.photo"]


def test_a_surface_the_product_lacks_names_the_template_field() -> None:
    data = card_dict()
    surfaces = data["products"]["card-folded-5x7"]["surfaces"]
    surfaces["insdie"] = surfaces.pop("inside")
    t = parse_design_template(data, LIBRARY)  # the template alone cannot know the product's surfaces
    with pytest.raises(DesignError) as exc:
        personalize(t, "card-folded-5x7", {"name": "Asha"}, {"photo": PHOTO}, base_dir=REPO, dpi=20)
    assert exc.value.field == "products.card-folded-5x7.surfaces.insdie"
    assert exc.value.message.startswith("no such surface (did you mean inside?)")


def _ink(png: Path, box: tuple[float, float, float, float]) -> float:
    """Mean darkness (0-255) of a region given in fractions of the page (x0, y0, x1, y1)."""
    import pyvips

    img = pyvips.Image.new_from_file(str(png)).colourspace("b-w")[0]
    x0, y0 = int(box[0] * img.width), int(box[1] * img.height)
    region = img.crop(x0, y0, int(box[2] * img.width) - x0, int(box[3] * img.height) - y0)
    return 255 - float(region.avg())


def test_folded_card_renders_both_sides_in_one_pdf(tmp_path: Path) -> None:
    r = personalize(CARD, "card-folded-5x7", {"name": "Asha", "message": "Have the best day ever!\nLove, us"},
                    {"photo": PHOTO}, tmp_path / "card", base_dir=REPO, dpi=40)  # fmt: skip
    (part,) = r.parts
    assert part.part == "card" and part.surfaces == ("outside", "inside") and part.path is not None
    with pikepdf.open(part.path) as pdf:
        assert len(pdf.pages) == 2
        for page in pdf.pages:
            trim = [float(v) for v in page.TrimBox]
            assert (trim[2] - trim[0]) * MM_PER_PT == pytest.approx(254.0, abs=0.01)
            assert (trim[3] - trim[1]) * MM_PER_PT == pytest.approx(177.8, abs=0.01)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(part.path), str(tmp_path / "p")], check=True)
    outside, inside = tmp_path / "p-1.png", tmp_path / "p-2.png"
    # the photo is on the front (right half of the outside), the message on the inside's right half
    assert _ink(outside, (0.55, 0.05, 0.95, 0.55)) > 60 > _ink(outside, (0.1, 0.1, 0.4, 0.5))
    assert _ink(inside, (0.53, 0.25, 0.9, 0.4)) > 5 > _ink(inside, (0.53, 0.6, 0.9, 0.9))


def test_team_tee_front_and_back_pngs(tmp_path: Path) -> None:
    import pyvips

    r = personalize(TEE, "tshirt-dtg", TEAM, None, tmp_path / "tee", dpi=30)
    parts = [(p.part, p.format, p.pixels) for p in r.parts]
    assert parts == [("front", "png", (360, 480)), ("back", "png", (360, 480))]
    back = pyvips.Image.new_from_file(str(r.parts[1].path))
    assert back.bands == 4  # DTG: transparent where nothing prints
    alpha = back[3]
    number = alpha.crop(0, int(0.25 * 480), 360, int(0.5 * 480))  # the big number's band
    assert number.avg() > 20 and alpha.crop(0, int(0.9 * 480), 360, 48).avg() == 0


def test_cli_personalize_writes_every_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from render_engine.cli import main

    photo = Path(shutil.copy(REPO / PHOTO, tmp_path / "me.jpg"))
    out = tmp_path / "out"
    code = main(["personalize", CARD, "--product", "card-folded-5x7", "--set", "name=Asha",
                 "--set", "message=See you soon", "--photo", f"photo={photo}", "--out", str(out), "--dpi", "30",
                 "--design-json"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    with pikepdf.open(out / f"{CARD}-card-folded-5x7" / "card.pdf") as pdf:
        assert len(pdf.pages) == 2
    assert '"inside"' in (out / f"{CARD}-card-folded-5x7.design.json").read_text(encoding="utf-8")
    code = main(["personalize", CARD, "--product", "card-folded-5x7", "--set", "name=Asha",
                 "--set", "message=Hi \U000f0000", "--photo", f"photo={photo}", "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and err[0].startswith("error: slots.message: no bundled font can print")


def test_cli_merge_renders_each_row_as_its_parts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    import pyvips

    from render_engine.cli import main

    rows = tmp_path / "rows.csv"
    rows.write_text("team,name,number\nRovers,Okafor,10\nRovers,Lee,7\n", encoding="utf-8")
    code = main(["merge", TEE, str(rows), "--product", "tshirt-dtg", "--out", str(tmp_path / "out"), "--dpi", "20",
                 "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    names = [[f["name"] for f in r["files"]] for r in manifest["rows"]]
    assert names == [["row-00001/front.png", "row-00001/back.png"], ["row-00002/front.png", "row-00002/back.png"]]
    backs = [pyvips.Image.new_from_file(str(tmp_path / "out" / n[1])) for n in names]
    assert all((b.width, b.height) == (240, 320) for b in backs)
    assert backs[0].avg() != backs[1].avg()  # each row's own name and number
    rows.write_text("team,name,number\nRovers,Okafor,10\nRovers,Lee,123\n", encoding="utf-8")
    code = main(["merge", TEE, str(rows), "--product", "tshirt-dtg", "--out", str(tmp_path / "bad")])
    err = capsys.readouterr().err
    assert code == 1 and "rows[2].slots.number: at most 2 characters (it has 3)" in err
    assert not (tmp_path / "bad").exists()


# ------------------------------------------------------------------------------------------ HTTP API

@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    with api_client(tmp_path_factory.mktemp("api"), engine, **SMALL_LIMITS) as c:
        yield c


def test_api_fill_and_direct_preflight(client: Any) -> None:
    r = client.post("/v1/assets", content=(REPO / PHOTO).read_bytes(), headers=S)
    assert r.status_code == 201, r.text
    photos = {"photo": {"asset_id": r.json()["asset_id"]}}
    body = {"product": "card-folded-5x7", "values": {"name": "Asha", "message": "Best day ever!"}, "photos": photos}
    r = client.post(f"/v1/design-templates/{CARD}/fill", json=body, headers=S)
    assert r.status_code == 200, r.text
    design = r.json()["design"]
    assert "layers" not in design and set(design["surfaces"]) == {"outside", "inside"}
    assert [la["text"] for la in design["surfaces"]["inside"]["layers"] if la["type"] == "text"] == [
        "Dear Asha,", "Best day ever!"
    ]  # fmt: skip
    via_design = client.post("/v1/preflight", json={"design": design}, headers=S)
    direct = client.post("/v1/preflight", json={"design_template": CARD, **body}, headers=S)
    assert direct.status_code == 200 and via_design.status_code == 200, direct.text
    report = direct.json()
    assert report["ok"] is True, report
    assert [s["surface"] for s in report["surfaces"]] == ["outside", "inside"]
    assert report["findings"] == via_design.json()["findings"]
    # a slot problem on a surface's layer: one 422 naming the slot
    bad = {**body, "values": {"name": "Asha", "message": "Hi \U000f0000"}}
    r = client.post("/v1/preflight", json={"design_template": CARD, **bad}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "slots.message", r.text
    # the listing says which surfaces each multi-surface layout prints
    listed = client.get(f"/v1/design-templates/{TEE}", headers=S).json()
    assert listed["products"] == ["tshirt-dtg", "tshirt-front-dtg"]
    assert listed["surfaces"] == {"tshirt-dtg": ["front", "back"]}
    # the listing's thumbnail of a multi-surface template is its placeholder mockup
    r = client.get(f"/v1/design-templates/{TEE}/thumbnail?product=tshirt-dtg&width=200", headers=S)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg", r.text


def test_api_job_from_a_multi_surface_template(client: Any) -> None:
    from tests.api.test_api import wait_ready

    body = {"design_template": TEE, "product": "tshirt-dtg", "values": TEAM, "outputs": {"dpi": 30}}
    r = client.post("/v1/jobs", json=body, headers=S)
    assert r.status_code == 202, r.text
    job = wait_ready(client, r.json()["job_id"], timeout=60)
    assert job["state"] == "ready", job
    assert job["personalization"]["design_template"] == TEE and job["template"] == "tshirt-dtg"
    files = {a["name"]: a for a in job["artifacts"]}
    assert {"front.png", "back.png", "preflight.json"} <= set(files), sorted(files)
    assert (files["front.png"]["part"], files["back.png"]["part"]) == ("front", "back")
    png = client.get(f"/v1/jobs/{job['id']}/files/back.png", headers=S)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_api_batch_of_a_multi_surface_template(client: Any) -> None:
    from tests.api.test_api import wait_ready

    rows = [{"name": "Okafor", "number": "10"}, {"name": "Lee", "number": "123"}]
    body = {"design_template": TEE, "product": "tshirt-dtg", "values": {"team": "Rovers"}, "rows": rows,
            "outputs": {"dpi": 30}}  # fmt: skip
    r = client.post("/v1/batches", json=body, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "rows[2].slots.number", r.text
    rows[1]["number"] = "7"
    r = client.post("/v1/batches", json=body, headers=S)
    assert r.status_code == 202, r.text
    for row in client.get(f"/v1/batches/{r.json()['batch_id']}", headers=S).json()["jobs"]:
        job = wait_ready(client, row["job_id"], timeout=60)
        assert job["state"] == "ready" and {"front.png", "back.png"} <= {a["name"] for a in job["artifacts"]}, job
