"""A sixth adversarial pass: requests refused with half the story, or not refused at all.

Known defects fixed here, each pinned by a test that fails without its fix:

1. A design with field errors (a layer's size, box, font) and an unknown template (or a design template's
   product) reported the fields first and the template only once they were fixed: now one list, API and CLI.
2. ``"version": true`` and a calendar's ``"year": true`` were read as 1 (pydantic's lax mode takes a bool for a
   number, ``"12"`` for 12 and ``"yes"`` for true): numbers and flags of the design model and of the API's
   requests take JSON numbers and booleans only, naming the field.
3. ``POST /v1/previews`` answered a JPEG to an ``Accept`` it cannot serve: ``406`` listing what it can.
4. UTF-16 / UTF-32 bodies were "not UTF-8 (byte 0xff)" or, without a byte-order mark, "expecting a property
   name at column 2": the encoding found is named.
5. A Fabric canvas whose every object was parked beyond ±5000 mm (left out) gave "nothing to print" on the
   surface, or printed nothing: each object left out is named, and why.

The API is the real app (FastAPI TestClient over ``create_app``); bodies whose bytes matter go to a live
``render-engine serve`` (uvicorn parses the HTTP).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.engine import Engine
from tests.live_support import live, post_json
from tests.toolkit import PRINT_UNIT, STOREFRONT, api_client, coaster, text_layer
from tests.toolkit import run_cli as _cli

__all__ = ["live"]  # the fixture, used by name
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
S = {"X-API-Key": STOREFRONT}
ROOT = Path(__file__).resolve().parents[2]
KEYS = f"storefront:{STOREFRONT},print-unit:{PRINT_UNIT}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[Any]:
    with api_client(tmp_path_factory.mktemp("hostile6"), engine, api_keys=KEYS) as c:
        yield c


def _fields(out: dict[str, Any]) -> list[str]:
    return [p["field"] for p in out.get("problems", [out])]


# ----------------------------------------------------------------------------------- 1. one list of problems

BROKEN_LAYER = text_layer(size=-3, box={"x": 0, "y": 0, "width": -1, "height": 10})
UNKNOWN_FONT = text_layer(font={"family": "no-such-font"})


def test_field_errors_and_an_unknown_template_come_in_one_list(client: Any) -> None:
    design = {"version": 1, "template": "no-such-product", "layers": [BROKEN_LAYER]}
    r = client.post("/v1/preflight", json={"design": design}, headers=S)
    assert r.status_code == 422, r.text
    fields = _fields(r.json())
    assert fields == ["design.layers[0].size", "design.layers[0].box.width", "design.template"], r.json()
    codes = {p["field"]: p["code"] for p in r.json()["problems"]}
    assert codes["design.template"] == "invalid_template" and "unknown template" in r.text


def test_unknown_fonts_and_an_unknown_template_come_in_one_list(client: Any) -> None:
    """The font families of layers, spans and calendars are checked when the template is unknown (neither
    depends on the other); a known template with a bad font still names the font alone."""
    layers = [UNKNOWN_FONT, text_layer(spans=[{"start": 0, "end": 1, "font": {"family": "nope-2"}}]),
              {"type": "calendar", "year": 2027, "month": 2, "box": {"x": 5, "y": 5, "width": 85, "height": 85},
               "number_font": {"family": "nope-3"}}]  # fmt: skip
    r = client.post("/v1/preflight", json={"design": {**coaster(*layers), "template": "no-such-product"}}, headers=S)
    assert r.status_code == 422, r.text
    assert _fields(r.json()) == [
        "design.template",
        "design.layers[0].font.family",
        "design.layers[1].spans[0].font.family",
        "design.layers[2].number_font.family",
    ]
    r = client.post("/v1/preflight", json={"design": coaster(UNKNOWN_FONT)}, headers=S)
    assert r.status_code == 422 and _fields(r.json()) == ["design.layers[0].font.family"], r.text


def test_a_design_templates_wrong_product_comes_with_its_slot_problems(client: Any) -> None:
    body = {"design_template": "birthday-balloons", "product": "coaster-95-round", "values": {"name": "A" * 40}}
    r = client.post("/v1/preflight", json=body, headers=S)
    assert r.status_code == 422, r.text
    assert _fields(r.json()) == ["product", "slots.name", "photos.photo"], r.json()
    assert "not made for this product" in r.json()["problems"][0]["message"]


def test_the_cli_lists_field_errors_and_the_unknown_template_together(tmp_path: Path) -> None:
    path = tmp_path / "both.json"
    path.write_text(json.dumps({"version": 1, "template": "no-such-product", "layers": [BROKEN_LAYER]}))
    for command in ("validate", "render", "preflight"):
        args = [command, str(path)] + (["--out", str(tmp_path / "out")] if command == "render" else [])
        r = _cli(*args)
        assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr, (command, r.stderr)
        text = r.stdout + r.stderr
        for field in ("layers[0].size:", "layers[0].box.width:", "template: unknown template"):
            assert field in text, (command, text)
    r = _cli("personalize", "birthday-balloons", "--product", "coaster-95-round", "--set", "name=" + "A" * 40,
             "--out", str(tmp_path / "p"))  # fmt: skip
    lines = r.stderr.splitlines()
    assert r.returncode == 1 and lines[0].startswith("error: product:") and lines[1].startswith("error: slots.name:")


# ------------------------------------------------------------------------- 2. numbers are numbers, flags flags

CALENDAR = {"type": "calendar", "year": 2027, "month": 2, "box": {"x": 5, "y": 5, "width": 85, "height": 85}}
WRONG_TYPES = [
    ("version true", {**coaster(text_layer()), "version": True}, "design.version", "not true/false"),
    ("year true", coaster({**CALENDAR, "year": True}), "design.layers[0].year", "not true/false"),
    ("month false", coaster({**CALENDAR, "month": False}), "design.layers[0].month", "not true/false"),
    ("size '12'", coaster(text_layer(size="12")), "design.layers[0].size", "not a string"),
    ("weight true", coaster(text_layer(font={"family": "noto-sans", "weight": True})),
     "design.layers[0].font.weight", "not true/false"),
    ("box.x true", coaster(text_layer(box={"x": True, "y": 0, "width": 10, "height": 10})),
     "design.layers[0].box.x", "not true/false"),
    ("cmyk false", coaster({"type": "background", "color": {"cmyk": [0, 0, False, 100]}}),
     "design.layers[0].color.cmyk[2]", "not true/false"),
    ("gradient stop true", coaster({"type": "shape", "shape": "rect", "box": {"x": 0, "y": 0, "width": 9, "height": 9},
                                    "fill": {"type": "linear", "stops": [{"offset": 0, "color": "#000"},
                                                                         {"offset": True, "color": "#fff"}]}}),
     "design.layers[0].fill.stops[1].offset", "not true/false"),
    ("transform true", coaster({"type": "image", "asset_id": "x", "box": {"x": 0, "y": 0, "width": 9, "height": 9},
                                "transform": [1, 0, 0, True, 0, 0]}), "design.layers[0].transform[3]", "true/false"),
    ("wrap 1", coaster(text_layer(wrap=1)), "design.layers[0].wrap", "true or false"),
    ("shrink 'yes'", coaster(text_layer(shrink_to_fit="yes")), "design.layers[0].shrink_to_fit", "true or false"),
    ("holiday 0", coaster({**CALENDAR, "holidays": [{"date": 0}]}), "design.layers[0].holidays[0].date", "YYYY"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "design", "field", "reason"), WRONG_TYPES, ids=[c[0] for c in WRONG_TYPES])
def test_booleans_and_strings_are_not_numbers_in_a_design(
    client: Any, name: str, design: dict[str, Any], field: str, reason: str
) -> None:
    r = client.post("/v1/preflight", json={"design": design}, headers=S)
    assert r.status_code == 422 and field in _fields(r.json()), (name, r.text)
    problem = next(p for p in r.json().get("problems", [r.json()]) if p["field"] == field)
    assert reason in problem["message"], (name, problem)


def test_every_number_of_every_example_refuses_a_boolean() -> None:
    """Walks every bundled example design: each number in it replaced by ``true`` is refused naming that field
    (the model has ~60 number fields; a new one declared as a plain ``float`` fails here)."""
    from render_engine.model.design import parse_design
    from render_engine.model.errors import DesignError

    def numbers(node: Any, path: str) -> Iterator[tuple[str, list[Any]]]:
        if isinstance(node, dict):
            for k, v in node.items():
                yield from numbers(v, f"{path}.{k}" if path else k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from numbers(v, f"{path}[{i}]")
        elif isinstance(node, int | float) and not isinstance(node, bool):
            yield path, []

    def replaced(node: Any, path: str, target: str) -> Any:
        if path == target:
            return True
        if isinstance(node, dict):
            return {k: replaced(v, f"{path}.{k}" if path else k, target) for k, v in node.items()}
        if isinstance(node, list):
            return [replaced(v, f"{path}[{i}]", target) for i, v in enumerate(node)]
        return node

    checked = 0
    for example in sorted((ROOT / "examples").glob("*.json")):
        data = json.loads(example.read_text(encoding="utf-8"))
        if data.get("version") != 1:
            continue  # a Fabric canvas
        for path, _ in numbers(data, ""):
            with pytest.raises(DesignError) as info:
                parse_design(replaced(data, "", path))
            fields = [p.field for p in info.value.problems or (info.value,)]
            assert path in fields, (example.name, path, fields)
            checked += 1
    assert checked > 200, checked


@pytest.mark.parametrize(("body", "field"), [
    ({"outputs": {"proof": "yes"}}, "outputs.proof"),
    ({"outputs": {"dpi": True}}, "outputs.dpi"),
    ({"outputs": {"mockup": 1}}, "outputs.mockup"),
])  # fmt: skip
def test_job_options_take_json_numbers_and_booleans_only(client: Any, body: dict[str, Any], field: str) -> None:
    r = client.post("/v1/jobs", json={"design": coaster(text_layer()), **body}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == field, r.text


def test_preview_width_true_is_refused_by_name(client: Any) -> None:
    r = client.post("/v1/previews", json={"design": coaster(text_layer()), "width": True}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "width" and "true/false" in r.json()["message"], r.text


# ------------------------------------------------------------------------------------ 3. Accept negotiation

BG = coaster({"type": "background", "color": "#2a9d8f"})


@pytest.mark.parametrize("accept", ["text/html", "image/gif", "application/xml", "image/jpeg;q=0",
                                    "image/*;q=0, application/json;q=0", "*/*;q=0"])  # fmt: skip
def test_a_preview_nobody_accepts_is_406_listing_what_is_available(client: Any, accept: str) -> None:
    r = client.post("/v1/previews", json={"design": BG}, headers={**S, "Accept": accept})
    assert r.status_code == 406, (accept, r.status_code, r.headers.get("content-type"))
    out = r.json()
    assert out["code"] == "not_acceptable" and out["field"] == "Accept", out
    assert out["available"] == ["image/jpeg", "image/webp", "image/png", "application/json"], out


@pytest.mark.parametrize(("accept", "media"), [
    (None, "image/jpeg"), ("*/*", "image/jpeg"), ("image/*", "image/jpeg"), ("image/png", "image/png"),
    ("image/png;q=0.5, application/json;q=0.9", "application/json"), ("text/html, image/webp;q=0.1", "image/webp"),
    ("image/jpeg;q=0, */*;q=0.1", "image/webp"), ("image/*;q=0.2, image/png;q=0.9", "image/png"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", "image/webp"),
])  # fmt: skip
def test_accept_with_wildcards_and_q_values_still_picks(client: Any, accept: str | None, media: str) -> None:
    headers = {**S, **({"Accept": accept} if accept else {})}
    r = client.post("/v1/previews", json={"design": BG}, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith(media), (accept, r.status_code, r.text[:200])


# -------------------------------------------------------------------------------------- 4. wide encodings


@pytest.mark.parametrize(("encoding", "named"), [
    ("utf-16", "UTF-16 little-endian, with a byte-order mark"),
    ("utf-16-le", "UTF-16 little-endian, without a byte-order mark"),
    ("utf-16-be", "UTF-16 big-endian, without a byte-order mark"),
    ("utf-32", "UTF-32 little-endian, with a byte-order mark"),
    ("utf-32-le", "UTF-32 little-endian, without a byte-order mark"),
    ("utf-32-be", "UTF-32 big-endian, without a byte-order mark"),
])  # fmt: skip
def test_a_utf16_or_utf32_body_is_named_for_its_encoding(live: int, encoding: str, named: str) -> None:
    body = json.dumps({"design": coaster(text_layer("Ünïcödé"))}, ensure_ascii=False).encode(encoding)
    st, out, _ = post_json(live, "/v1/preflight", body)
    assert st == 422 and out["code"] == "invalid_json" and out["field"] == "body", out
    assert named in out["message"] and "UTF-8" in out["message"], out


def test_the_cli_names_the_encoding_of_a_utf16_design(tmp_path: Path) -> None:
    path = tmp_path / "wide.json"
    path.write_bytes(json.dumps(coaster(text_layer())).encode("utf-16"))
    r = _cli("validate", str(path))
    assert r.returncode == 1 and "UTF-16 little-endian, with a byte-order mark" in r.stdout, r.stdout + r.stderr


# ------------------------------------------------------------------------------ 5. objects parked far away

FAR = {"type": "Rect", "left": 10_000_000, "top": 0, "width": 100, "height": 100, "fill": "#ff0000"}
FAR_TEXT = {"type": "Textbox", "left": -9e7, "top": 10, "width": 300, "text": "Asha", "fontFamily": "Noto Sans",
            "fontSize": 40}  # fmt: skip
NEAR = {"type": "Rect", "left": 10, "top": 10, "width": 100, "height": 100, "fill": "#00ff00"}


def _card(outside: list[dict[str, Any]], inside: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    surfaces = {"outside": {"version": "6.9.1", "objects": outside}}
    if inside is not None:
        surfaces["inside"] = {"version": "6.9.1", "objects": inside}
    return {"template": "card-folded-5x7", "canvas": {"width": 1000, "height": 700}, "surfaces": surfaces}


@pytest.mark.parametrize("path", ["/v1/preflight", "/v1/previews", "/v1/jobs"])
def test_objects_left_out_of_an_empty_side_are_named(client: Any, path: str) -> None:
    r = client.post(path, json={"dialect": "fabric", "design": _card([FAR, FAR_TEXT])}, headers=S)
    assert r.status_code == 422, r.text
    assert _fields(r.json()) == ["design.surfaces.outside.objects[0]", "design.surfaces.outside.objects[1]"]
    for p in r.json()["problems"]:
        assert "beyond the native model's range (±5000 mm)" in p["message"] and "left out" in p["message"], p
    # a side with one object on it is printed, the object parked far away noted
    r = client.post("/v1/preflight", json={"dialect": "fabric", "design": _card([FAR, NEAR])}, headers=S)
    assert r.status_code == 200 and any("left out" in n for n in r.json()["source"]["notes"]), r.text


def test_a_single_canvas_whose_every_object_is_parked_far_away_is_refused_by_object(client: Any) -> None:
    """It printed an empty page (preflight ok): the customer's objects were all left out."""
    doc = {"canvas": {"width": 400, "height": 400}, "canvas_covers": "trim", "template": "coaster-95-round",
           "fabric": {"version": "6.9.1", "objects": [FAR, dict(FAR, top=-9e6, left=0)]}}  # fmt: skip
    r = client.post("/v1/preflight", json={"dialect": "fabric", "design": doc}, headers=S)
    assert r.status_code == 422 and _fields(r.json()) == ["design.fabric.objects[0]", "design.fabric.objects[1]"]
    # an empty canvas stays an empty print (nothing was left out)
    doc["fabric"]["objects"] = []
    assert client.post("/v1/preflight", json={"dialect": "fabric", "design": doc}, headers=S).status_code == 200


def test_the_cli_names_the_objects_left_out(tmp_path: Path) -> None:
    path = tmp_path / "far.json"
    path.write_text(json.dumps(_card([FAR, FAR_TEXT])))
    r = _cli("render", str(path), "--out", str(tmp_path / "out"))
    failed = [line for line in r.stderr.splitlines() if "FAILED" in line]
    assert r.returncode == 1 and len(failed) == 2, r.stderr
    assert "surfaces.outside.objects[0]: entirely off the page" in failed[0] and "objects[1]" in failed[1]


# ------------------------------------------------------------------------------------- settings, by name


def test_bad_settings_are_one_line_each_naming_the_variable_without_its_value(tmp_path: Path) -> None:
    """``render-engine serve`` printed a pydantic traceback repeating RENDER_ENGINE_API_KEYS (secrets) and the
    other commands "internal error (ValidationError)"."""
    env = {"RENDER_ENGINE_MAX_LAYERS": "lots", "RENDER_ENGINE_API_KEYS": "storefront:sekrit-7",
           "RENDER_ENGINE_STORAGE_ROOT": str(tmp_path)}  # fmt: skip
    r = _cli("validate", str(ROOT / "examples" / "coaster-95-round-arc.json"), env=env)
    assert r.returncode == 1 and r.stderr.startswith("error: RENDER_ENGINE_MAX_LAYERS: "), r.stderr
    r = _cli("serve", "--port", "1", env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "error: RENDER_ENGINE_API_KEYS: " in r.stderr and "sekrit-7" not in r.stderr, r.stderr
    r = _cli("serve", "--port", "1", env={**env, "RENDER_ENGINE_API_KEYS": ""})
    assert r.returncode == 2 and r.stderr.splitlines() == [
        "error: RENDER_ENGINE_MAX_LAYERS: Input should be a valid integer, unable to parse string as an integer"
    ], r.stderr


# ------------------------------------------------------------------------------- found by the sixth pass


def test_made_up_keys_come_back_cut_and_escaped_not_whole(client: Any) -> None:
    """A 100 000-character unknown key came back whole in ``field`` (and ``message``); a key holding a terminal
    escape came back raw (the CLI printed it to the terminal)."""
    design = {**coaster(text_layer()), "k" * 100_000: 1, "\x1b[2J": 2}
    r = client.post("/v1/preflight", json={"design": design}, headers=S)
    assert r.status_code == 422 and len(r.content) < 2000, len(r.content)
    fields = _fields(r.json())
    assert fields == ["design." + "k" * 64 + "…", "design.\\x1b[2J"], fields
    body = {"design_template": "birthday-balloons", "product": "mug-11oz",
            "values": {"name": {"text": "A", "y" * 100_000: 1}, "\x1b[31m": "x"}}  # fmt: skip
    r = client.post("/v1/preflight", json=body, headers=S)
    assert r.status_code == 422 and len(r.content) < 3000, len(r.content)
    assert {"slots.name." + "y" * 64 + "…", "slots.\\x1b[31m"} <= set(_fields(r.json())), _fields(r.json())


def test_a_word_of_thousands_of_letters_is_checked_in_a_second_not_minutes(client: Any) -> None:
    """The spelling check looked up every one-edit candidate of each unknown word: quadratic in its length, a
    4999-letter word cost minutes of CPU (the preview answered 503 after 30 s), its candidates ~650 MB."""
    import resource

    from render_engine.checks.spelling import spelling_suggestions

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    t0 = cpu()
    assert spelling_suggestions("q" * 4999) == ()  # flagged, no suggestions
    assert spelling_suggestions("Qz" * 1000) == ()  # no name is 2000 letters long either
    assert spelling_suggestions("Q" + "z" * 38) is None  # a long capitalised word: a name, not looked into
    assert spelling_suggestions("pneumonoultramicroscopicsilicovolcanoconiosis") is None  # in the dictionary
    assert cpu() - t0 < 5
    t0 = cpu()
    r = client.post("/v1/preflight", json={"design": coaster(text_layer("w" * 4999, size=6))}, headers=S)
    assert r.status_code == 200 and "text.spelling" in [f["code"] for f in r.json()["findings"]], r.text[:300]
    assert cpu() - t0 < 30  # ~2.5 s; was minutes


def test_a_one_pixel_wide_photo_with_auto_crop_is_not_a_500(client: Any, tmp_path: Path) -> None:
    """A 1 x 60000 px strip analysed at 1 x 640 asked libvips' smartcrop for an 8 px square: 500."""
    import pyvips

    from tests.toolkit import upload_asset

    strip = pyvips.Image.black(1, 60_000).new_from_image([200, 30, 30]).cast("uchar")
    asset = upload_asset(client, strip.pngsave_buffer())
    layer = {"type": "image", "asset_id": asset, "box": {"x": 0, "y": 0, "width": 95, "height": 95}, "crop": "auto"}
    r = client.post("/v1/preflight", json={"design": coaster(layer)}, headers=S)
    assert r.status_code == 200, r.text[:300]


def _png_with_text(chunks: int, each: int) -> bytes:
    import struct
    import zlib

    import pyvips

    png = pyvips.Image.black(40, 30).new_from_image([10, 120, 200]).cast("uchar").pngsave_buffer()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    text = b"".join(chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * each, 9)) for _ in range(chunks))
    return png[:33] + text + png[33:]  # after IHDR


def test_png_text_chunk_bombs_are_refused_before_libvips_inflates_them(client: Any, tmp_path: Path) -> None:
    """libvips inflates every zTXt chunk into metadata on each open: a 290 KB PNG of thirty 10 MB comments
    opened with 300 MB of metadata (640 MB resident) at every probe, verify and render."""
    from render_engine.inputs.png_chunks import check_png_chunks

    bomb = _png_with_text(30, 10_000_000)
    assert len(bomb) < 400_000
    r = client.post("/v1/assets", content=bomb, headers=S)
    assert r.status_code == 413 and r.json()["field"] == "body" and "text chunks" in r.json()["message"], r.text
    assert check_png_chunks(_png_with_text(3, 2_000)) is None  # ordinary comments pass
    assert "over 256 text chunks" in str(check_png_chunks(_png_with_text(300, 1)))
    # a design file next to the bomb (the command line): named by its field, nothing inflated
    (tmp_path / "bomb.png").write_bytes(bomb)
    layer = {"type": "image", "asset": "bomb.png", "box": {"x": 0, "y": 0, "width": 95, "height": 95}}
    (tmp_path / "d.json").write_text(json.dumps(coaster(layer)))
    out = _cli("validate", str(tmp_path / "d.json"))
    assert out.returncode == 1 and "layers[0].asset: PNG refused: its text chunks" in out.stdout, out.stdout


def test_an_uploaded_fonts_family_name_loses_control_characters(client: Any) -> None:
    """A font named ``\\u202e\\x1b[31mevil`` was listed (and matched) with the escape and the bidi override in it."""
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(ROOT / "fonts" / "kalam" / "Kalam-Regular.ttf")
    font["name"].setName("\u202e\x1b[31mEvil " + "x" * 300, 1, 3, 1, 0x409)
    font["name"].removeNames(nameID=16)
    buf = io.BytesIO()
    font.save(buf)
    r = client.post("/v1/fonts", content=buf.getvalue(), headers={**S, "Content-Type": "font/ttf"})
    assert r.status_code == 201, r.text
    family = r.json()["family"]
    assert family.startswith("[31mEvil x") and family.isprintable() and len(family) == 128, family


def test_the_preflight_cli_names_the_proof_file_it_cannot_write(tmp_path: Path) -> None:
    """``--proof /proc/x.png`` was "INVALID out: cannot write to /proc": the design is fine, the proof is not."""
    r = _cli("preflight", str(ROOT / "examples" / "coaster-95-round-arc.json"), "--proof", "/proc/nope/x.png")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].endswith(": proof: cannot write to /proc/nope (No such file or directory)")
    assert "INVALID" not in r.stderr, r.stderr
