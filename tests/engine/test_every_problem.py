"""Every problem of a design in one error, each naming its field: an unknown ``font.fallback`` family or font
family is listed with an unknown template and with the other layers' problems (a missing image), natively, for
a Fabric canvas (the CLI's ``--font-fallback`` too) and through the HTTP API's ``fabric_options``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from render_engine import render_design
from render_engine.engine import Engine
from render_engine.fabric import FabricOptions, load_fabric_json
from render_engine.model.errors import RenderError
from tests.toolkit import STOREFRONT, api_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")


def _native(template: str) -> dict[str, Any]:
    box = {"x": 10, "y": 10, "width": 50, "height": 20}
    listed = {"family": "noto-sans", "fallback": ["Nope"]}
    return {
        "version": 1,
        "template": template,
        "layers": [
            {"type": "text", "text": "Hi", "size": 12, "box": box, "font": listed},
            {"type": "text", "text": "Yo", "size": 12, "box": box, "font": {"family": "Unknown Family"}},
            {"type": "image", "asset": "missing.jpg", "box": box},
        ],
    }


def _fields(exc: RenderError) -> list[str | None]:
    return [p.field for p in exc.problems or (exc,)]


def test_native_fonts_are_listed_with_an_unknown_template(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(RenderError) as err:
        render_design(_native("mug-11oz-nope"), tmp_path / "x.png", engine=engine, base_dir=tmp_path)
    assert _fields(err.value) == ["template", "layers[0].font.fallback[0]", "layers[1].font.family"]


def test_native_fonts_are_listed_with_the_other_layers_problems(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(RenderError) as err:
        render_design(_native("mug-11oz"), tmp_path / "x.png", engine=engine, base_dir=tmp_path)
    fields = _fields(err.value)
    assert fields == ["layers[0].font.fallback[0]", "layers[1].font.family", "layers[2].asset"], fields
    assert all("unknown font family" in p.message for p in err.value.problems[:2])


def _canvas(template: str) -> dict[str, Any]:
    text = {"type": "Textbox", "left": 10, "top": 10, "width": 200, "text": "Hi", "fontSize": 20}
    return {"template": template, "canvas": {"width": 1200, "height": 466},
            "fabric": {"version": "6.9.1", "objects": [{**text, "fontFamily": "Montserrat"},
                                                        {"type": "Group", "objects": [
                                                            {**text, "fontFamily": "Comic Neue, Nope"}]}]}}  # fmt: skip


def test_fabric_fonts_are_listed_with_an_unknown_template(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(RenderError) as err:
        load_fabric_json(_canvas("mug-11oz-nope"), engine, tmp_path, options=FabricOptions(font_fallback=None))
    fields = _fields(err.value)
    assert fields == ["template", "fabric.objects[0].fontFamily", "fabric.objects[1].objects[0].fontFamily"], fields
    with pytest.raises(RenderError) as err:  # an unknown fallback face: named once, with the template
        load_fabric_json(_canvas("mug-11oz-nope"), engine, tmp_path, options=FabricOptions(font_fallback="nope"))
    assert _fields(err.value) == ["template", "font_fallback"]


def test_api_font_fallback_is_listed_with_the_canvas_problems(engine: Engine, tmp_path: Path) -> None:
    body = {"dialect": "fabric", "design": _canvas("mug-11oz"), "fabric_options": {"font_fallback": "Nope Sans"}}
    with api_client(tmp_path, engine) as client:
        r = client.post("/v1/preflight", json=body, headers={"X-API-Key": STOREFRONT})
        assert r.status_code == 422, r.text
        fields = [p["field"] for p in r.json()["problems"]]
        assert fields == ["fabric_options.font_fallback", "design.fabric.objects[0].fontFamily",
                          "design.fabric.objects[1].objects[0].fontFamily"], fields  # fmt: skip
        body["design"] = _canvas("mug-11oz-nope")
        r = client.post("/v1/preflight", json=body, headers={"X-API-Key": STOREFRONT})
        assert r.status_code == 422, r.text
        fields = [p["field"] for p in r.json()["problems"]]
        assert fields[:2] == ["fabric_options.font_fallback", "design.template"], fields
