"""The design model rejects bad input with one line naming the field path and the reason."""

from __future__ import annotations

import json
import math

import pytest

from render_engine.model.design import design_json_schema, load_design_json, parse_design
from render_engine.model.errors import DesignError
from tests.conftest import ROOT, design

BOX = {"x": 0, "y": 0, "width": 10, "height": 10}


def _err(data: object) -> DesignError:
    with pytest.raises(DesignError) as info:
        parse_design(data)
    return info.value


def test_a_minimal_design_parses() -> None:
    d = parse_design(design("mug-11oz", {"type": "background", "color": "#ff0000"}))
    assert d.template == "mug-11oz" and len(d.layers) == 1


def test_invalid_json_names_the_position() -> None:
    with pytest.raises(DesignError, match="line 1 column"):
        load_design_json("{not json")


def test_unknown_layer_type_names_the_layer() -> None:
    e = _err(design("mug-11oz", {"type": "hologram"}))
    assert e.field == "layers[0]"
    assert "unknown 'type'" in e.message and "background" in e.message


def test_negative_size_names_the_field() -> None:
    e = _err(design("mug-11oz", {"type": "shape", "shape": "rect", "box": {**BOX, "width": -5}, "fill": "#000"}))
    assert e.field == "layers[0].box.width"


def test_absurd_size_is_rejected() -> None:
    e = _err(design("mug-11oz", {"type": "shape", "shape": "rect", "box": {**BOX, "height": 1e9}, "fill": "#000"}))
    assert e.field == "layers[0].box.height"


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nan_and_infinity_are_rejected(bad: float) -> None:
    e = _err(design("mug-11oz", {"type": "shape", "shape": "rect", "box": {**BOX, "x": bad}, "fill": "#000"}))
    assert e.field == "layers[0].box.x"


def test_bad_colour_names_the_field_and_never_echoes_the_input() -> None:
    e = _err(design("mug-11oz", {"type": "background", "color": "<script>alert(1)</script>"}))
    assert e.field == "layers[0].color"
    assert "script" not in str(e)


def test_unknown_field_is_an_error_not_silently_dropped() -> None:
    e = _err(design("mug-11oz", {"type": "background", "color": "#fff", "colour": "#000"}))
    assert e.field == "layers[0].colour" and "unknown field" in e.message


def test_unsupported_version() -> None:
    e = _err({"version": 2, "template": "mug-11oz", "layers": []})
    assert e.field == "version"


def test_lone_surrogate_in_text_is_rejected() -> None:
    raw = '{"version":1,"template":"mug-11oz","layers":[{"type":"text","text":"a\\ud800b",' \
          '"font":{"family":"noto-sans"},"size":12,"box":{"x":0,"y":0,"width":10,"height":10}}]}'
    with pytest.raises(DesignError) as info:
        load_design_json(raw)
    assert info.value.field == "layers[0].text"


def test_deep_nesting_is_a_clean_error() -> None:
    with pytest.raises(DesignError):
        load_design_json("[" * 100_000 + "]" * 100_000)


def test_committed_schema_matches_the_models() -> None:
    committed = json.loads((ROOT / "docs" / "design.schema.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(design_json_schema())), (
        "docs/design.schema.json is stale: run `render-engine schema --out docs/design.schema.json`"
    )
