"""Hostile input never reaches an unreviewed decoder, never hangs a renderer, and fails with a field path."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
import pyvips
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from render_engine.engine import Engine
from render_engine.inputs.assets import load_svg
from render_engine.model.design import load_design_json
from render_engine.model.errors import DesignError, LimitExceeded, RenderError
from render_engine.model.settings import Settings


def test_only_allow_listed_libvips_loaders_are_reachable(engine: Engine, tmp_path: Path) -> None:
    csv = tmp_path / "data.csv"
    csv.write_text("1,2,3\n", encoding="utf-8")
    with pytest.raises(pyvips.Error, match="blocked"):
        pyvips.Image.csvload(str(csv))
    native = tmp_path / "x.v"  # libvips' own format: a loader it always has and the allow-list blocks
    pyvips.Image.black(2, 2).vipssave(str(native))
    with pytest.raises(pyvips.Error):  # unblocked, vipsload reads it
        pyvips.Image.new_from_file(str(native))
    assert pyvips.Image.jpegload_buffer(pyvips.Image.black(8, 8).jpegsave_buffer()).width == 8


def _use_bomb(levels: int = 8, fanout: int = 10) -> bytes:
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
             'viewBox="0 0 10 10"><defs><rect id="l0" width="1" height="1"/>']
    for lv in range(1, levels):
        uses = "".join(f'<use xlink:href="#l{lv - 1}"/>' for _ in range(fanout))
        parts.append(f'<g id="l{lv}">{uses}</g>')
    parts.append(f'</defs><use xlink:href="#l{levels - 1}"/></svg>')
    return "".join(parts).encode()


def test_svg_use_amplification_is_refused_before_rendering() -> None:
    t0 = time.perf_counter()
    with pytest.raises(LimitExceeded) as info:
        load_svg(_use_bomb(), "layers[2].svg", Settings())
    assert info.value.field == "layers[2].svg"
    assert time.perf_counter() - t0 < 1.0


def test_svg_entities_scripts_and_external_references_are_removed() -> None:
    doc = load_svg(
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
        b'<script>alert(1)</script><image xlink:href="http://example.com/a.png" width="5" height="5"/>'
        b'<rect width="5" height="5" onclick="x()" style="fill:url(http://example.com/p)"/><text>&x;</text></svg>',
        "svg",
        Settings(),
    )
    text = doc.data.decode()
    assert "script" not in text and "example.com" not in text and "onclick" not in text
    assert "root:" not in text, "no entity was expanded"


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers=st.lists(json_values, max_size=3), template=st.text(max_size=12))
def test_the_design_parser_answers_every_input_with_a_typed_error_or_a_design(layers: list, template: str) -> None:
    import json

    raw = json.dumps({"version": 1, "template": template, "layers": layers}, allow_nan=True)
    try:
        load_design_json(raw)
    except DesignError as exc:
        assert exc.field and exc.message
        assert "\ud800" not in str(exc)


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=200))
def test_random_bytes_never_crash_the_parser(raw: bytes) -> None:
    with contextlib.suppress(RenderError):
        load_design_json(raw)


# --- Fabric importer: the corpus, mutated ---------------------------------------------------------------

FABRIC_CORPUS = Path(__file__).parent.parent / "fabric_corpus"
FABRIC_TEMPLATE = "tshirt-front-dtg"


def _fabric_docs() -> list[dict]:
    import json

    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(FABRIC_CORPUS.glob("*.fabric.json"))]


_FABRIC = _fabric_docs()
_FABRIC_KEYS = sorted({k for d in _FABRIC for o in d["fabric"]["objects"] for k in o})
fabric_values = json_values | st.sampled_from(
    [-1e308, 1e308, float("nan"), float("inf"), -0.0, 0, 1e-300, "", "\ud800", "Image", "Group", "Textbox",
     "Path", "rgba(0,0,0,2)", "#zzz", "data:image/png;base64,AAAA", "asset:" + "0" * 64, "../../etc/passwd",
     [["M", 0, 0], ["C", 1e300, 1, 2]], {"0": {"0": {"fontSize": -5}}}, [[]], [{}]]
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=st.sampled_from(range(len(_FABRIC))),
    mutations=st.lists(
        st.tuples(st.integers(0, 20), st.sampled_from(_FABRIC_KEYS), fabric_values), min_size=1, max_size=4
    ),
    canvas=st.one_of(st.just(None), st.tuples(fabric_values, fabric_values)),
)
@example(  # once an unhashable-key crash (doc: the "text" design, by name: the corpus grows)
    doc=sorted(p.name for p in FABRIC_CORPUS.glob("*.fabric.json")).index("text.fabric.json"),
    mutations=[(0, "textAlign", [])],
    canvas=None,
)
@example(  # once a pydantic error
    doc=sorted(p.name for p in FABRIC_CORPUS.glob("*.fabric.json")).index("text.fabric.json"),
    mutations=[(0, "fontWeight", -1e308)],
    canvas=None,
)
@example(  # once an AttributeError: a stroked child of a group with a shadow that is not an object
    doc=sorted(p.name for p in FABRIC_CORPUS.glob("*.fabric.json")).index("group.fabric.json"),
    mutations=[(0, "objects", [{"type": "Rect", "width": 9, "height": 9, "stroke": "#000", "shadow": "bold"}])],
    canvas=None,
)
@example(  # once a ValueError: per-character styles on a text with an empty line
    doc=sorted(p.name for p in FABRIC_CORPUS.glob("*.fabric.json")).index("styles.fabric.json"),
    mutations=[(0, "text", "a\n\nb")],
    canvas=None,
)
@example(  # once a TypeError: an unhashable globalCompositeOperation looked up in a set
    doc=0, mutations=[(0, "globalCompositeOperation", [])], canvas=None,
)
def test_the_fabric_importer_answers_mutated_canvases_with_a_design_or_a_typed_error(
    engine: Engine, doc: int, mutations: list, canvas: tuple | None
) -> None:
    import copy
    import tempfile

    from render_engine.fabric import load_fabric_json

    data = copy.deepcopy(_FABRIC[doc])
    objects = data["fabric"]["objects"]
    for index, key, value in mutations:
        if objects:
            objects[index % len(objects)][key] = value
    if canvas is not None:
        data["canvas"] = {"width": canvas[0], "height": canvas[1]}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            load_fabric_json(data, engine, Path(tmp), FABRIC_TEMPLATE)
        except RenderError as exc:
            assert exc.field and exc.message
    assert time.perf_counter() - t0 < 5.0, "one import took over 5 s"


# --- the asset sniffer and probe: random and mutated image bytes ----------------------------------------


def _seed_images() -> list[bytes]:
    grad = pyvips.Image.xyz(24, 16)[0].cast("uchar")
    rgb = grad.bandjoin([grad, grad]).copy(interpretation="srgb")
    return [rgb.jpegsave_buffer(Q=80), rgb.pngsave_buffer(), rgb.webpsave_buffer(), rgb.tiffsave_buffer()]


_SEEDS = _seed_images()
_MAGICS = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\0\0\0\0WEBP", b"\0\0\0\x18ftypheic", b"II*\0", b"MM\0*"]


@st.composite
def image_bytes(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):  # a real header, then garbage
        return draw(st.sampled_from(_MAGICS)) + draw(st.binary(max_size=300))
    data = bytearray(draw(st.sampled_from(_SEEDS)))  # a valid file with a few bytes flipped or cut
    for pos, val in draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), max_size=8)):
        data[pos] = val
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return bytes(data[:cut] if cut is not None else data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=image_bytes())
def test_the_asset_probe_answers_hostile_bytes_with_an_image_or_a_typed_error(raw: bytes) -> None:
    import tempfile

    from render_engine.inputs.assets import open_image, probe_image, sniff_format
    from render_engine.model.errors import AssetError

    sniff_format(raw[:32])
    t0 = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".bin") as fh:
        fh.write(raw)
        fh.flush()
        try:
            info = probe_image(Path(fh.name), "body", Settings(max_source_pixels=4_000_000))
            open_image(info, 1.0, "body")
        except (AssetError, LimitExceeded) as exc:
            assert exc.field == "body"
    assert time.perf_counter() - t0 < 5.0, "one probe took over 5 s"
