"""What a storefront developer reads about a Fabric canvas names the Fabric object it is about — its path
(``objects[3]``), its type, and its ``id`` / ``name`` when the editor set them — the same way in the CLI's
lines, ``Rendered.warnings``, ``preflight()`` and the HTTP API: import notes, approximations and the
preflight findings of layers translated from an object (not the native ``layers[5]``)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from render_engine import preflight, render_design
from render_engine.cli import main
from render_engine.model.fabric_object import FabricObject, object_of
from tests.toolkit import STOREFRONT, api_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")


def _png_url() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _canvas() -> dict[str, Any]:
    """A canvas with an unknown font (a substitution), a shadowed image (a note), tiny white text (preflight
    warnings), and a rect (nothing to say) before them so that native layer and object indices differ."""
    return {
        "version": "6.9.1",
        "width": 600,
        "height": 400,
        "background": "#ffffff",
        "objects": [
            {"type": "Rect", "left": 10, "top": 10, "width": 100, "height": 60, "fill": "#00ff00"},
            {
                "type": "Textbox",
                "left": 20,
                "top": 250,
                "width": 500,
                "text": "Happy Birthday",
                "name": "Greeting",
                "fontFamily": "Montserrat",
                "fontSize": 40,
                "fill": "#222222",
            },
            {
                "type": "Image",
                "left": 150,
                "top": 20,
                "width": 40,
                "height": 30,
                "src": "photo.png",
                "id": "hero",
                "resizeFilter": {"type": "Resize"},
            },
            {
                "type": "Text",
                "left": 5,
                "top": 380,
                "text": "tiny",
                "fontSize": 4,
                "fill": "#fefefe",
                "fontFamily": "Arial",
                "id": 7,
                "name": "small print",
            },
        ],
    }


def test_object_of_finds_the_innermost_object() -> None:
    objects = {"objects[2]": FabricObject("objects[2]", "Group"),
               "objects[2].objects[0]": FabricObject("objects[2].objects[0]", "Text", id="a")}  # fmt: skip
    found = object_of(objects, "objects[2].objects[0].styles[1].style.fill")
    assert found is not None and found.label() == 'objects[2].objects[0] (Text, id "a")'
    assert object_of(objects, "objects[2].clipPath") == objects["objects[2]"]
    assert object_of(objects, "objects[3].fill") is None and object_of(objects, "canvas") is None


def test_cli_names_the_fabric_object_of_notes_warnings_and_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "photo.png").write_bytes(base64.b64decode(_png_url().split(",", 1)[1]))
    src = tmp_path / "canvas.json"
    src.write_text(json.dumps(_canvas()), encoding="utf-8")
    assert main(["render", str(src), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    err = capsys.readouterr().err
    # preflight findings: the object the small white text came from, not its native layer (layers[4])
    assert 'WARNING objects[3] (Text, id "7", name "small print"): This text is very small' in err, err
    assert "layers[" not in err, err
    # the font substitution (an approximation) and an import note, each with its object
    assert "WARNING " + str(src) + ': objects[1].fontFamily (Textbox, name "Greeting"): no bundled font' in err, err
    assert "NOTE " + str(src) + ': objects[2].resizeFilter (Image, id "hero"): the image is resampled' in err, err


def test_python_api_names_the_fabric_object(tmp_path: Path) -> None:
    doc = _canvas()
    doc["objects"][2]["src"] = _png_url()
    res = render_design(doc)
    assert res.warnings == ('objects[1].fontFamily (Textbox, name "Greeting"): no bundled font for this family; '
                            "printed with noto-sans",)  # fmt: skip
    report = preflight(doc)
    small = [f for f in report.findings if f.code == "text.too_small"]
    assert small and small[0].extra["fabric_object"] == {"field": "objects[3]", "type": "Text", "id": "7",
                                                         "name": "small print"}  # fmt: skip
    font = [f for f in report.findings if f.code == "fabric.approximated"]
    assert font and font[0].extra["fabric_object"]["field"] == "objects[1]"
    assert font[0].detail.startswith('objects[1].fontFamily (Textbox, name "Greeting"): no bundled font')


def test_http_api_names_the_fabric_object(tmp_path: Path, engine: Any) -> None:
    fabric = _canvas()
    fabric["objects"][2]["src"] = _png_url()
    doc = {"canvas": {"width": 600, "height": 400}, "fabric": fabric}
    body = {"design": doc, "dialect": "fabric", "fabric_options": {"font_fallback": "noto-sans"}}
    with api_client(tmp_path, engine) as client:
        r = client.post("/v1/preflight", json=body, headers={"X-API-Key": STOREFRONT})
    assert r.status_code == 200, r.text
    out = r.json()
    small = [f for f in out["findings"] if f["code"] == "text.too_small"]
    assert small and small[0]["extra"]["fabric_object"] == {
        "field": "design.fabric.objects[3]", "type": "Text", "id": "7", "name": "small print"}  # fmt: skip
    font = [f for f in out["findings"] if f["code"] == "fabric.approximated"]
    assert font and font[0]["extra"]["fabric_object"]["field"] == "design.fabric.objects[1]"
    assert font[0]["detail"].startswith('design.fabric.objects[1].fontFamily (Textbox, name "Greeting"): ')
    notes = out["source"]["notes"]
    assert any(n.startswith('fabric.objects[2].resizeFilter (Image, id "hero"): ') for n in notes), notes
    approx = out["source"]["approximations"]
    assert approx[0]["object"] == 'design.fabric.objects[1] (Textbox, name "Greeting")', approx
