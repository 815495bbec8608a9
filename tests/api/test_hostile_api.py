"""Hostile bodies and files against the real API app (FastAPI TestClient) and the real CLI (a subprocess):
every problem is a typed 4xx JSON error (CLI: one line, non-zero exit), never a 5xx, a generic ``http_400``,
a traceback, or work done before a limit refuses it."""

from __future__ import annotations

import base64
import gzip
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pyvips
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import toolkit
from tests.farm.test_hostile_jobs import damaged_png
from tests.toolkit import PRINT_UNIT, STOREFRONT, api_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

ROOT = Path(__file__).resolve().parents[2]
SF, PU = STOREFRONT, PRINT_UNIT
S = {"X-API-Key": SF}
JSON = {**S, "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    with api_client(tmp_path_factory.mktemp("hostile-api"), engine, api_keys=f"storefront:{SF},print-unit:{PU}") as c:
        yield c


def coaster(**layer: Any) -> dict[str, Any]:
    """The toolkit's coaster with one "Hi" text layer, ``layer`` overriding its members."""
    return toolkit.coaster(toolkit.text_layer(**{"text": "Hi", **layer}))


def fabric(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"canvas": {"width": 400, "height": 400}, "canvas_covers": "trim", "template": "coaster-95-round",
            "fabric": {"version": "6.9.1", "objects": list(objects)}}  # fmt: skip


def fabric_image(src: str, **kw: Any) -> dict[str, Any]:
    return {"type": "Image", "src": src, "left": 120, "top": 60, "width": 40, "height": 30, "scaleX": 4,
            "scaleY": 2, **kw}  # fmt: skip


def _jobs_stored(c: Any) -> int:
    return len(c.get("/v1/print-queue?limit=500", headers={"X-API-Key": PU}).json().get("jobs", []))


def _typed(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:300])
    body: dict[str, Any] = r.json()
    assert body["code"] == code and body["message"], body
    assert r.headers["x-content-type-options"] == "nosniff"
    return body


# ------------------------------------------------------------------------------------------ parser edges

GOOD = json.dumps({"design": coaster()}).encode()
BODY_CASES = [
    ("huge-int", b'{"design": {"version": ' + b"9" * 100_000 + b"}}", {}, 422, "invalid_json", "line 1 column 24"),
    ("huge-float", b'{"design": {"version": 1e999999}}', {}, 422, "invalid_json", "out of range (at line 1 column 24)"),
    ("nan", b'{"design": {"version": NaN}}', {}, 422, "invalid_json", "is not JSON (at line 1 column 24)"),
    ("latin-1", '{"design": {"template": "caf\xe9"}}'.encode("latin-1"), {}, 422, "invalid_json",
     "byte 0xe9 at line 1 column 29"),
    ("utf-16", GOOD.decode().encode("utf-16"), {}, 422, "invalid_json", "not UTF-8"),
    ("duplicate-keys", b'{"design": {"version": 1, "version": 2}}', {}, 422, "invalid_json", "same key twice"),
    ("truncated", GOOD[:40], {}, 422, "invalid_json", "line 1 column"),
    ("empty", b"", {}, 422, "invalid_json", "line 1 column 1"),
    ("deep", b'{"design":' + b"[" * 5000 + b"]" * 5000 + b"}", {}, 413, "limit_exceeded", "nested deeper"),
    ("gzip", gzip.compress(GOOD), {"Content-Encoding": "gzip"}, 415, "unsupported_content_encoding", "uncompressed"),
    ("br", GOOD, {"Content-Encoding": "br"}, 415, "unsupported_content_encoding", "uncompressed"),
    ("bad-length", GOOD, {"Content-Length": "abc"}, 400, "bad_request", "Content-Length"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "body", "headers", "status", "code", "says"), BODY_CASES, ids=[c[0] for c in BODY_CASES]
)
@pytest.mark.parametrize("path", ["/v1/previews", "/v1/jobs", "/v1/preflight"])
def test_every_body_error_is_a_typed_json_error(
    client: Any, path: str, name: str, body: bytes, headers: dict[str, str], status: int, code: str, says: str
) -> None:
    t0 = time.perf_counter()
    r = client.post(path, content=body, headers={**JSON, **headers})
    got = _typed(r, status, code)
    assert says in got["message"], got
    assert time.perf_counter() - t0 < 2.0


def test_gzip_on_an_upload_is_refused_too(client: Any) -> None:
    png = pyvips.Image.black(8, 8).pngsave_buffer()
    _typed(client.post("/v1/assets", content=gzip.compress(png), headers={**S, "Content-Encoding": "gzip"}),
           415, "unsupported_content_encoding")  # fmt: skip


# ------------------------------------------------------------------------------------------ limits first


def test_a_5000_layer_design_gets_the_documented_413_not_a_schema_message(client: Any) -> None:
    design = coaster()
    design["layers"] = design["layers"] * 5000
    body = _typed(client.post("/v1/previews", json={"design": design}, headers=S), 413, "limit_exceeded")
    assert body["field"] == "design.layers" and "5000 layers, over the limit of 200" in body["message"]
    many = [{"type": "Rect", "left": 1, "top": 1, "width": 2, "height": 2, "fill": "#000"}] * 5000
    body = _typed(client.post("/v1/previews", json={"design": fabric(*many), "dialect": "fabric"}, headers=S),
                  413, "limit_exceeded")  # fmt: skip
    assert body["field"] == "design.fabric.objects", body


@pytest.mark.parametrize("dialect", ["native", "fabric"])
def test_a_10000_character_word_is_refused_by_the_text_limit_before_shaping(client: Any, dialect: str) -> None:
    word = "W" * 10_000
    if dialect == "fabric":
        box = {"type": "Textbox", "text": word, "left": 10, "top": 10, "width": 300, "fontSize": 40,
               "fontFamily": "Noto Sans"}  # fmt: skip
        body: dict[str, Any] = {"design": fabric(box), "dialect": "fabric"}
        field = "design.fabric.objects[0].text"
    else:
        body, field = {"design": coaster(text=word)}, "design.layers[0].text"
    t0 = time.perf_counter()
    got = _typed(client.post("/v1/previews", json=body, headers=S), 413, "limit_exceeded")
    elapsed = time.perf_counter() - t0
    print(f"{dialect}: 10 000-character word refused in {elapsed * 1000:.0f} ms")
    assert got["field"] == field and "10000 characters" in got["message"], got
    # ~10-30 ms here (70-160 ms on a live server with load average 20); shaping it first took 6.5 s
    assert elapsed < 2.0, f"{elapsed:.2f} s: the word was worked on before the limit refused it"


# ------------------------------------------------------------------------------- images: decode before store


def _asset_files(c: Any) -> set[str]:
    root = Path(c.app.state.render.services.settings.storage_root) / "assets"
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_an_upload_whose_pixels_cannot_decode_is_refused_and_not_stored(client: Any) -> None:
    before = _asset_files(client)
    got = _typed(client.post("/v1/assets", content=damaged_png(), headers=S), 422, "invalid_asset")
    assert got["field"] == "body" and "could not be decoded" in got["message"]
    assert _asset_files(client) == before
    ok = client.post("/v1/assets", content=pyvips.Image.black(64, 48).pngsave_buffer(), headers=S)
    assert ok.status_code == 201, ok.text


def test_a_fabric_data_url_that_cannot_decode_is_refused_before_a_job_exists(client: Any) -> None:
    url = "data:image/png;base64," + base64.b64encode(damaged_png()).decode()
    before, assets = _jobs_stored(client), _asset_files(client)
    for path in ("/v1/jobs", "/v1/previews"):
        got = _typed(client.post(path, json={"design": fabric(fabric_image(url)), "dialect": "fabric"}, headers=S),
                     422, "invalid_asset")  # fmt: skip
        assert got["field"] == "design.fabric.objects[0].src", got
    assert _jobs_stored(client) == before and _asset_files(client) == assets


def test_data_url_formats_equal_the_upload_formats_and_the_docs_table_says_so(client: Any) -> None:
    from render_engine.fabric.images import DATA_URL_FORMATS
    from render_engine.inputs.assets import LOADERS

    bmp = "data:image/bmp;base64,Qk0eAAAAAAAAABoAAAAMAAAAAQABAAEAGAAAAP8A"  # BMP: not an upload format
    got = _typed(client.post("/v1/previews", json={"design": fabric(fabric_image(bmp)), "dialect": "fabric"},
                             headers=S), 422, "invalid_design")  # fmt: skip
    assert got["field"] == "design.fabric.objects[0].src" and "upload formats" in got["message"], got
    aliases = {"jpg": "jpeg", "heic": "heif", "avif": "heif"}
    assert {aliases.get(f, f) for f in DATA_URL_FORMATS} == set(LOADERS)
    table = (ROOT / "docs/api.md").read_text(encoding="utf-8").split("### Image formats", 1)[1].split("\n\n")[1]
    documented = set(re.findall(r"`image/([a-z0-9+]+)`", table))
    assert documented == set(DATA_URL_FORMATS) | {"svg+xml"}, documented


def test_svg_data_urls_go_through_the_same_sanitiser_as_svg_layers(client: Any) -> None:
    hostile = ('<!DOCTYPE svg [<!ENTITY c "#2a9d8f">]><svg xmlns="http://www.w3.org/2000/svg" '
               'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" preserveAspectRatio="xMidYMid">'
               '<script>alert(1)</script><use/><use xlink:href="http://example.com/x.svg#a"/>'
               '<style>@import url(http://example.com/x.css);</style><rect fill="&c;" width="10" height="10"/></svg>')
    for url in ("data:image/svg+xml;base64," + base64.b64encode(hostile.encode()).decode(),
                "data:image/svg+xml," + hostile.replace("#", "%23")):  # fmt: skip
        img = fabric_image(url)
        r = client.post("/v1/previews", json={"design": fabric(img), "dialect": "fabric", "width": 200},
                        headers={**S, "Accept": "image/png"})  # fmt: skip
        assert r.status_code == 200, r.text
        pix = pyvips.Image.new_from_buffer(r.content, "")
        assert pix.width == 200
    cycle = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><pattern id="p" width="2" height="2">'
             '<rect fill="url(#p)" width="1" height="1"/></pattern><rect fill="url(#p)" width="5" height="5"/></svg>')
    url = "data:image/svg+xml;base64," + base64.b64encode(cycle.encode()).decode()
    got = _typed(client.post("/v1/jobs", json={"design": fabric(fabric_image(url)), "dialect": "fabric"}, headers=S),
                 422, "invalid_asset")  # fmt: skip
    assert got["field"].startswith("design.fabric.objects[0]") and "cycle" in got["message"], got
    # the same document as a native svg layer: the same refusal
    native = {"version": 1, "template": "coaster-95-round",
              "layers": [{"type": "svg", "svg": cycle, "box": {"x": 1, "y": 1, "width": 50, "height": 50}}]}
    got = _typed(client.post("/v1/jobs", json={"design": native}, headers=S), 422, "invalid_asset")
    assert got["field"] == "design.layers[0].svg" and "cycle" in got["message"], got


# ------------------------------------------------------------------------------------------ served files


def test_previews_artifacts_and_errors_carry_nosniff(client: Any) -> None:
    pv = client.post("/v1/previews", json={"design": coaster(), "width": 200}, headers=S)
    assert pv.status_code == 200 and pv.headers["x-content-type-options"] == "nosniff"
    job = client.post("/v1/jobs", json={"design": coaster(), "outputs": {"formats": ["png"], "dpi": 72}},
                      headers=S).json()["job_id"]  # fmt: skip
    deadline = time.monotonic() + 60
    while (state := client.get(f"/v1/jobs/{job}", headers=S).json())["state"] not in ("ready", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert state["state"] == "ready", state
    for art in state["artifacts"]:
        got = client.get(art["url"], headers={"X-API-Key": PU})
        assert got.status_code == 200 and got.headers["x-content-type-options"] == "nosniff", art["name"]
    assert client.get("/v1/jobs/nope", headers=S).headers["x-content-type-options"] == "nosniff"


def test_document_like_responses_under_v1_get_a_sandboxing_csp() -> None:
    from fastapi.testclient import TestClient
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from api.headers import DOCUMENT_CSP, SecurityHeadersMiddleware

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    app = Starlette(routes=[
        Route("/v1/a.svg", lambda r: Response(svg, media_type="image/svg+xml")),
        Route("/v1/a.html", lambda r: Response(b"<p>x</p>", media_type="text/html")),
        Route("/v1/a.png", lambda r: Response(b"png", media_type="image/png")),
        Route("/demo", lambda r: Response(b"<p>x</p>", media_type="text/html",
                                          headers={"Content-Security-Policy": "script-src 'self'"})),
    ])  # fmt: skip
    app.add_middleware(SecurityHeadersMiddleware)
    c = TestClient(app)
    for path in ("/v1/a.svg", "/v1/a.html"):
        assert c.get(path).headers["content-security-policy"] == DOCUMENT_CSP.decode()
    assert "content-security-policy" not in c.get("/v1/a.png").headers
    assert c.get("/demo").headers["content-security-policy"] == "script-src 'self'"  # its own stays
    assert all(c.get(p).headers["x-content-type-options"] == "nosniff" for p in ("/v1/a.svg", "/v1/a.png", "/demo"))


# ------------------------------------------------------------------------------------------------- CLI


def _cli_files(folder: Path) -> list[Path]:
    files = {
        "bad.json": b'{"version": 1, "template": ',
        "huge-int.json": b'{"version": ' + b"9" * 100_000 + b"}",
        "nan.json": b'{"version": NaN}',
        "binary.json": bytes(range(256)) * 8,
        "latin1.json": '{"version": 1, "template": "caf\xe9"}'.encode("latin-1"),
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
        "array.json": b"[1, 2]",
        "layers.json": json.dumps({**coaster(), "layers": coaster()["layers"] * 5000}).encode(),
        "fabric-junk.json": json.dumps({"width": 400, "height": 400, "objects": [
            {"type": "Textbox", "text": None, "left": "x"}, 5, None, {"type": "Group", "objects": "no"}]}).encode(),
        "fabric-word.json": json.dumps(fabric({"type": "Textbox", "text": "W" * 10_000, "left": 1, "top": 1,
                                               "width": 300, "fontSize": 40, "fontFamily": "Noto Sans"})).encode(),
    }  # fmt: skip
    paths = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    (folder / "a-directory.json").mkdir()
    paths.append(folder / "a-directory.json")
    (folder / "dangling.json").symlink_to(folder / "nowhere" / "x.json")
    paths.append(folder / "dangling.json")
    return paths


def test_the_cli_never_prints_a_traceback_for_any_input_file(tmp_path: Path) -> None:
    files = _cli_files(tmp_path)
    runs = [(["render", "--out", str(tmp_path / "out")], files), (["validate"], files)]
    runs += [(["preflight"], [f]) for f in files if f.name in ("huge-int.json", "binary.json", "layers.json")]
    for argv, these in runs:
        r = subprocess.run([sys.executable, "-m", "render_engine.cli", *argv, *map(str, these)], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
        assert r.returncode == 1, (argv, r.returncode, r.stderr[-2000:])
        assert "Traceback" not in r.stderr + r.stdout and "internal error" not in r.stderr, r.stderr[-3000:]
        for f in these:  # every file is named on at least one line of its own
            lines = [ln for ln in (r.stderr + r.stdout).splitlines() if f.name in ln]
            assert any("FAILED" in ln or "INVALID" in ln for ln in lines), (argv, f.name, lines)


def test_svg_uploads_are_sanitised_stored_sanitised_and_used_like_inline_svg(client: Any) -> None:
    """SVG by upload, inline and as a Fabric data URL: one sanitiser. The upload stores the sanitised document;
    an svg layer's asset_id and a Fabric ``asset:<id>`` both draw it; what the sanitiser refuses inline it
    refuses at upload, with the same code."""
    hostile = ('<!DOCTYPE svg [<!ENTITY c "#e76f51">]><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10">'
               '<script>alert(1)</script><use/><rect fill="&c;" width="20" height="10" onclick="x()"/></svg>')
    up = client.post("/v1/assets", content=hostile.encode(), headers={**S, "Content-Type": "image/svg+xml"})
    assert up.status_code == 201, up.text
    got = up.json()
    assert (got["format"], got["width"], got["height"]) == ("svg", 20, 10)
    stored = client.app.state.render.services.storage.asset_path(got["asset_id"]).read_bytes()
    for bad in (b"script", b"onclick", b"DOCTYPE", b"&c;", b"<use"):
        assert bad not in stored, stored
    assert b'fill="#e76f51"' in stored
    layer = {"type": "svg", "asset_id": got["asset_id"], "box": {"x": 10, "y": 30, "width": 75, "height": 37.5}}
    native = {"version": 1, "template": "coaster-95-round", "layers": [layer]}
    pv = client.post("/v1/previews", json={"design": native, "width": 200}, headers={**S, "Accept": "image/png"})
    assert pv.status_code == 200, pv.text
    img = pyvips.Image.new_from_buffer(pv.content, "")
    assert img.width == 200
    centre = [img.extract_band(k).crop(img.width // 2 - 2, img.height // 2 - 2, 4, 4).avg() for k in range(3)]
    assert abs(centre[0] - 0xE7) < 40 and abs(centre[1] - 0x6F) < 40, centre  # the entity's colour, drawn
    fab = client.post("/v1/previews", json={"design": fabric(fabric_image(f"asset:{got['asset_id']}")),
                                            "dialect": "fabric", "width": 200}, headers={**S, "Accept": "image/png"})
    assert fab.status_code == 200, fab.text
    # a Fabric SVG asset with a crop is refused naming the property, not drawn wrong
    crop = client.post("/v1/previews", json={"design": fabric(fabric_image(f"asset:{got['asset_id']}",
                                                                           clipPath={"type": "Circle", "radius": 5})),
                                             "dialect": "fabric"}, headers=S)  # fmt: skip
    assert crop.status_code == 422 and crop.json()["field"].startswith("design.fabric.objects[0]"), crop.text
    cycle = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><g id="g" clip-path="url(#g)">'
             '<rect width="1" height="1"/></g></svg>')
    refused = _typed(client.post("/v1/assets", content=cycle.encode(), headers=S), 422, "invalid_asset")
    assert refused["field"] == "body" and "cycle" in refused["message"]


def test_a_fabric_image_over_the_pixel_limit_is_refused_from_its_header_before_any_decode(tmp_path: Path) -> None:
    """A small file that decodes to many pixels (here 1200 x 1000 against a 1 MP limit; in production a 2 MB
    PNG can hold gigapixels), with a shadow that would read every alpha value: refused at ``.src``."""
    from render_engine.engine import Engine
    from render_engine.fabric import load_fabric_json
    from render_engine.model.errors import LimitExceeded
    from render_engine.model.settings import Settings

    png = pyvips.Image.black(1200, 1000, bands=4).pngsave_buffer(compression=9)
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    doc = fabric(fabric_image(url, shadow={"color": "#000", "blur": 4, "offsetX": 2, "offsetY": 2}))
    engine = Engine(Settings(max_source_pixels=1_000_000))
    t0 = time.perf_counter()
    with pytest.raises(LimitExceeded) as info:
        load_fabric_json(doc, engine, tmp_path)
    assert info.value.field == "fabric.objects[0].src" and "1200x1000" in info.value.message
    assert time.perf_counter() - t0 < 2.0


_json_atoms = st.sampled_from([b"1", b"-0", b"1e999", b"NaN", b"9" * 5000, b'"\\ud800"', b'"x"', b"null", b"true",
                               b"[]", b"{}", b'{"a":1,"a":2}', b"\xff", b"\xc3\x28", b'"\x00"'])  # fmt: skip


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(_json_atoms | st.binary(max_size=12), max_size=6), wrap=st.booleans())
def test_random_bodies_never_get_a_5xx_or_an_untyped_error(client: Any, parts: list[bytes], wrap: bool) -> None:
    body = b"".join(parts)
    if wrap:
        body = b'{"design": {"version": 1, "template": ' + body + b', "layers": []}}'
    r = client.post("/v1/jobs", content=body, headers=JSON)
    assert r.status_code < 500, (body[:200], r.status_code, r.text[:200])
    if r.status_code >= 400:
        got = r.json()
        assert got["code"] and got["message"] and not got["code"].startswith("http_"), got
