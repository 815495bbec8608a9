"""Hostile files (SVG, pattern tiles, fonts, binary bodies) against a live ``render-engine serve``: every
refusal a 4xx JSON naming the field and the real reason, never a 5xx.

Found and fixed here:

* A 1e9-px SVG (width/height or viewBox) said "no usable size", a 300- or 5 000-deep SVG "not well-formed XML"
  (libxml2 stops at 256 levels): now ``413`` "x units; at most 1e+07 a side" and ``413`` "nests elements
  deeper than 48 levels"; a negative size, no size and broken XML say so (the last with line and column).
* A pattern tile (a Fabric ``Pattern`` source or a native ``pattern`` paint) whose pixels cannot decode got
  through intake and failed while the preview was drawn: ``500 internal_error``. Tiles are decoded strictly
  in the resolve step: 422 naming the paint's ``image``.
* A binary body sent as ``application/json`` (a font) was "JSON nested deeper than 64 levels": now the
  typed not-UTF-8 error; the body-size 413 and multipart-limit 400 named no field: now ``body``.
"""

from __future__ import annotations

import base64
import glob
import json
from typing import Any

import pytest
import pyvips

from tests.farm.test_hostile_jobs import damaged_png
from tests.live_support import call, live, post_json

__all__ = ["live"]
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

SVG = '<svg xmlns="http://www.w3.org/2000/svg"{attrs}>{body}</svg>'


def svg_design(svg: str) -> dict[str, Any]:
    layer = {"type": "svg", "svg": svg, "box": {"x": 10, "y": 10, "width": 50, "height": 50}}
    return {"design": {"version": 1, "template": "coaster-95-round", "layers": [layer]}}


SVG_CASES = [
    ("1e9 px width/height", SVG.format(attrs=' width="1000000000" height="1000000000"', body="<rect/>"), 413,
     "1e+09 x 1e+09 units (its width/height)"),
    ("1e9 in exponent form", SVG.format(attrs=' width="1e9" height="10"', body="<rect/>"), 413, "1e+09 x 10 units"),
    ("1e9 viewBox only", SVG.format(attrs=' viewBox="0 0 1000000000 1000000000"', body="<rect/>"), 413,
     "(its viewBox)"),
    ("infinite height", SVG.format(attrs=' width="10" height="1e999"', body="<rect/>"), 413, "larger than any page"),
    ("300 deep", SVG.format(attrs=' width="10" height="10"', body="<g>" * 300 + "</g>" * 300), 413,
     "deeper than 48 levels"),
    ("5000 deep", SVG.format(attrs=' width="10" height="10"', body="<g>" * 5000 + "</g>" * 5000), 413,
     "deeper than 48 levels"),
    ("60 deep", SVG.format(attrs=' width="10" height="10"', body="<g>" * 60 + "</g>" * 60), 413,
     "deeper than 48 levels"),
    ("negative size", SVG.format(attrs=' width="-10" height="-10"', body="<rect/>"), 422, "not a positive size"),
    ("no size", SVG.format(attrs="", body="<rect/>"), 422, "has no size"),
    ("broken XML", SVG.format(attrs=' width="10" height="10"', body="<g>"), 422, "not well-formed XML (line 1, column"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "svg", "status", "says"), SVG_CASES, ids=[c[0] for c in SVG_CASES])
@pytest.mark.parametrize("path", ["/v1/previews", "/v1/preflight", "/v1/jobs"])
def test_svg_refusals_name_the_real_reason(live: int, path: str, name: str, svg: str, status: int, says: str) -> None:
    st, out, _ = post_json(live, path, svg_design(svg))
    assert st == status, (name, st, out)
    assert out["field"] == "design.layers[0].svg" and says in out["message"], (name, out)


def test_an_svg_in_exponent_form_within_limits_is_drawn(live: int) -> None:
    svg = SVG.format(attrs=' width="1e2" height="5e1"', body='<rect width="50" height="20"/>')
    st, _out, _ = post_json(live, "/v1/preflight", svg_design(svg))
    assert st == 200


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@pytest.mark.parametrize("path", ["/v1/previews", "/v1/preflight", "/v1/jobs"])
def test_a_pattern_tile_that_cannot_decode_is_a_422_naming_it_not_a_500(live: int, path: str) -> None:
    tile = _data_url(damaged_png())
    fabric = {"dialect": "fabric", "design": {
        "canvas": {"width": 400, "height": 400}, "canvas_covers": "trim", "template": "coaster-95-round",
        "fabric": {"version": "6.9.1", "objects": [{"type": "Rect", "left": 0, "top": 0, "width": 400, "height": 400,
                                                    "fill": {"type": "pattern", "source": tile}}]}}}  # fmt: skip
    st, out, _ = post_json(live, path, fabric)
    assert st == 422 and out["code"] == "invalid_asset", out
    assert out["field"] == "design.fabric.objects[0]" and "pattern image could not be decoded" in out["message"], out
    native = {"design": {"version": 1, "template": "coaster-95-round", "layers": [
        {"type": "shape", "shape": "rect", "box": {"x": 0, "y": 0, "width": 95, "height": 95},
         "fill": {"type": "pattern", "image": tile, "width": 10, "height": 10}}]}}  # fmt: skip
    st, out, _ = post_json(live, path, native)
    assert st == 422 and out["field"] == "design.layers[0].fill.image", out
    good = _data_url(pyvips.Image.xyz(8, 8)[0].cast("uchar").pngsave_buffer())
    native["design"]["layers"][0]["fill"]["image"] = good
    st, out, _ = post_json(live, "/v1/preflight", native)
    assert st == 200, out


# ----------------------------------------------------------------------------------- fonts and bodies


def _font() -> bytes:
    return open(sorted(glob.glob("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))[0], "rb").read()


def test_malformed_fonts_are_refused_naming_the_body(live: int) -> None:
    import random

    ttf = _font()
    rnd = random.Random(7)
    cases = {"empty": b"", "garbage": bytes(range(256)) * 40, "half": ttf[: len(ttf) // 2], "header": ttf[:12],
             "tables 65535": ttf[:4] + b"\xff\xff" + ttf[6:], "woff1": b"wOFF" + bytes(100),
             "woff2 header": b"wOF2" + bytes(100), "svg": b"<svg/>"}  # fmt: skip
    for i in range(6):
        b = bytearray(ttf)
        for _ in range(50):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        cases[f"bit flips {i}"] = bytes(b)
    for name, data in cases.items():
        st, out, _ = call(live, "POST", "/v1/fonts", data, {"Content-Type": "font/ttf"})
        assert st in (413, 422) and out["field"] == "body" and out["message"], (name, st, out)


def test_a_binary_body_sent_as_json_is_not_called_deeply_nested(live: int) -> None:
    st, out, _ = call(live, "POST", "/v1/fonts", _font(), {"Content-Type": "application/json"})
    assert st == 422 and out["code"] == "invalid_json" and "not UTF-8" in out["message"], out
    st, out, _ = call(live, "POST", "/v1/jobs", "[é".encode("latin-1") * 100, {"Content-Type": "application/json"})
    assert st == 422 and "not UTF-8" in out["message"], out


def test_body_limits_name_the_body(live: int) -> None:
    st, out, _ = post_json(live, "/v1/jobs", json.dumps({"design": {"x": "a" * 2_100_000}}).encode())
    assert st == 413 and out["field"] == "body", out
    ttf = _font()
    two = (b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.ttf\"\r\n\r\n" + ttf
           + b"\r\n--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.ttf\"\r\n\r\n" + ttf
           + b"\r\n--x--\r\n")  # fmt: skip
    st, out, _ = call(live, "POST", "/v1/fonts", two, {"Content-Type": "multipart/form-data; boundary=x"})
    assert 400 <= st < 500 and out["field"] == "body", out


# ------------------------------------------------------------------------------------------------ the CLI


def test_the_cli_names_the_same_reasons_in_one_line_each(tmp_path: Any) -> None:
    import subprocess
    import sys

    svg = SVG.format(attrs=' width="10" height="10"', body="<g>" * 5000 + "</g>" * 5000)
    tile = _data_url(damaged_png())
    files = {
        "svg-deep.json": (svg_design(svg)["design"], "layers[0].svg: SVG nests elements deeper than 48 levels"),
        "svg-huge.json": (svg_design(SVG.format(attrs=' width="1e9" height="1e9"', body=""))["design"],
                          "layers[0].svg: SVG is 1e+09 x 1e+09 units"),
        "pattern.json": ({"version": 1, "template": "coaster-95-round", "layers": [
            {"type": "shape", "shape": "rect", "box": {"x": 0, "y": 0, "width": 95, "height": 95},
             "fill": {"type": "pattern", "image": tile, "width": 10, "height": 10}}]},
            "layers[0].fill.image: pattern image could not be decoded"),
        "surfaces.json": ({"version": 1, "template": "card-folded-5x7",
                           "surfaces": {f"s{i}": {"layers": []} for i in range(10_000)}},
                          "surfaces: 10000 surfaces, over the limit"),
    }  # fmt: skip
    for name, (doc, _says) in files.items():
        (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "quadratic.json").write_bytes(b'{"version": ["' + b'\\"' * 100_000)
    files["quadratic.json"] = ({}, "design: not valid JSON at line 1 column 14")
    for name, (_doc, says) in files.items():
        r = subprocess.run([sys.executable, "-m", "render_engine.cli", "preflight", name], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
        lines = [ln for ln in (r.stderr + r.stdout).splitlines() if ln.strip()]
        assert r.returncode == 1 and "Traceback" not in r.stderr, (name, r.stderr[-500:])
        assert len(lines) == 1 and says in lines[0], (name, lines)


# --------------------------------------------------------------------------------------- GIF: the first frame


def _gif(frames: int) -> bytes:
    rgb = [pyvips.Image.black(48, 32).new_from_image([40 * i, 200 - 40 * i, 90]) for i in range(frames)]
    strip = pyvips.Image.arrayjoin([f.cast("uchar").copy(interpretation="srgb") for f in rgb], across=1)
    strip = strip.copy()
    strip.set_type(pyvips.GValue.gint_type, "page-height", 32)
    return bytes(strip.gifsave_buffer())


def test_a_gif_upload_prints_its_first_frame_and_an_animation_says_so(live: int) -> None:
    """GIFs were refused (422 "not a supported image format"): customers send GIFs saved from chats and old
    phones, and a storefront expects the picture they see. Now the first frame, decoded and verified strictly;
    ``frames`` and a note for an animation; a GIF cut inside its first frame is still a 422."""
    st, out, _ = call(live, "POST", "/v1/assets", _gif(1), {"Content-Type": "image/gif"})
    assert st == 201 and out["format"] == "gif" and (out["width"], out["height"]) == (48, 32), out
    assert out["frames"] == 1 and out["note"] is None, out
    anim = _gif(3)
    st, out, _ = call(live, "POST", "/v1/assets", anim, {"Content-Type": "application/octet-stream"})
    assert st == 201 and out["frames"] == 3 and "only its first frame prints" in out["note"], out
    layer = {"type": "image", "asset_id": out["asset_id"], "box": {"x": 10, "y": 10, "width": 75, "height": 50}}
    design = {"version": 1, "template": "coaster-95-round", "layers": [layer]}
    st, got, _ = call(live, "POST", "/v1/previews?format=png", json.dumps({"design": design}).encode(),
                      {"Content-Type": "application/json", "Accept": "image/png"})  # fmt: skip
    assert st == 200, got
    st, out, _ = call(live, "POST", "/v1/assets", anim[:60], {"Content-Type": "image/gif"})
    assert st == 422 and out["code"] == "invalid_asset", out
    assert "could not be decoded: the file is damaged" in out["message"], out
    # a Fabric data URL takes what an upload takes
    fabric = {"canvas": {"width": 400, "height": 400}, "canvas_covers": "trim", "template": "coaster-95-round",
              "fabric": {"version": "6.9.1", "objects": [{"type": "Image", "left": 0, "top": 0, "width": 48,
                                                          "height": 32, "src": "data:image/gif;base64,"
                                                          + base64.b64encode(anim).decode()}]}}  # fmt: skip
    st, out, _ = post_json(live, "/v1/preflight", {"dialect": "fabric", "design": fabric})
    assert st == 200, out


def test_the_first_frame_is_what_prints(tmp_path: Any) -> None:
    from render_engine.inputs.assets import open_image, probe_image, verify_image
    from render_engine.model.settings import Settings

    path = tmp_path / "a.gif"
    path.write_bytes(_gif(3))
    info = probe_image(path, "layers[0].asset", Settings())
    assert (info.format, info.frames, info.width, info.height) == ("gif", 3, 48, 32)
    verify_image(info, "layers[0].asset")
    img, _k = open_image(info, 1.0, "layers[0].asset")
    r, g, b = (img[i].avg() for i in range(3))
    assert abs(r - 0) < 2 and abs(g - 200) < 2 and abs(b - 90) < 2, (r, g, b)  # frame 0's colour, not frame 1's


def test_undecodable_files_say_why_not_only_the_decoder_class(live: int) -> None:
    """A junk HEIF/TIFF/WebP body was "image could not be decoded (Error)"."""
    for head in (b"\x00\x00\x00\x18ftypheic", b"II*\x00", b"RIFF\x10\x00\x00\x00WEBPVP8 "):
        st, out, _ = call(live, "POST", "/v1/assets", head + bytes(100), {"Content-Type": "image/png"})
        assert st == 422 and out["field"] == "body", out
        assert "damaged, cut short or not the format its first bytes claim" in out["message"], out


def test_a_cjk_sized_font_upload_reaches_the_font_checks_not_the_2_mb_body_limit(live: int) -> None:
    """Every request body but /v1/assets was capped at max_design_bytes (2 MB), so a 3-6 MB Chinese font (the
    documented limit is 10 MB) was "request body over the 2000000 byte limit". Now the fonts route's own 10 MB."""
    from render_engine.inputs.font_upload import MAX_FONT_BYTES

    ttf = _font()
    padded = ttf + bytes(3_000_000)  # 3 MB: past the old cap, far under 10 MB; the font checks decide (422 or 201)
    st, out, _ = call(live, "POST", "/v1/fonts", padded, {"Content-Type": "font/ttf"})
    assert st in (201, 422) and "2000000 byte limit" not in out.get("message", ""), (st, out)
    st, out, _ = call(live, "POST", "/v1/fonts", bytes(MAX_FONT_BYTES + 1), {"Content-Type": "font/ttf"})
    assert st == 413 and out["field"] == "body", out
