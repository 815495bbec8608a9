"""An eighth adversarial pass, through the API (the command line's part is :mod:`tests.cli.test_hostile_eighth`).

Known defects fixed here, each pinned by a test that fails without its fix:

1. A photo zip (``POST /v1/batches/upload``, ``photos_zip``) whose entry is encrypted was ``500
   internal_error (RuntimeError)``; one compressed with a method ``zipfile`` lacks (Deflate64, what Windows'
   "Send to > Compressed folder" writes for large files) or whose deflate data is damaged was a 500 too
   (``NotImplementedError``, ``zlib.error``): now the row's problem, naming the file and why.
2. A Fabric path whose arc has a radius of ``1e-300`` was ``422 "the Fabric document could not be translated
   (ZeroDivisionError)"`` on ``design`` (fontTools divides by the squared radius, 0.0): now the object's
   ``path`` command is named; a native path's message says it is the arc.
3. An object that leaves out its kind (a layer without ``type``, a clip without ``shape``) got pydantic's
   "Unable to extract tag using discriminator 'shape'": now "'shape' is missing: one of rect, …".
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.engine import Engine
from render_engine.farm.settings import ServiceSettings
from tests.toolkit import PRINT_UNIT, STOREFRONT, app_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
S = {"X-API-Key": STOREFRONT}
ROOT = Path(__file__).resolve().parents[2]
PHOTO = (ROOT / "examples" / "assets" / "landscape.jpg").read_bytes()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[Any]:
    settings = ServiceSettings(storage_root=tmp_path_factory.mktemp("hostile8"), redis_url=None,
                               api_keys=f"storefront:{STOREFRONT},print-unit:{PRINT_UNIT}")  # fmt: skip
    with app_client(settings, engine) as c:
        yield c


# ------------------------------------------------------------------ 1. photo zips that cannot be read


def _zip(name: str, data: bytes) -> bytearray:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return bytearray(buf.getvalue())


def _flag(raw: bytearray, local: int, central: int, value: int, *, bits: bool = False) -> bytes:
    """Set a byte of the local header (at ``local``) and its central directory copy (at ``central``)."""
    c = raw.rfind(b"PK\x01\x02")
    for at in (local, c + central):
        raw[at] = raw[at] | value if bits else value
    return bytes(raw)


def _encrypted() -> bytes:  # general purpose flag bit 0: "encrypted" (a password-protected zip)
    return _flag(_zip("asha.jpg", PHOTO), 6, 8, 1, bits=True)


def _deflate64() -> bytes:  # compression method 9 (Deflate64)
    return _flag(_zip("asha.jpg", PHOTO), 8, 10, 9)


def _damaged() -> bytes:  # the deflate stream overwritten past the local header
    raw = _zip("asha.jpg", PHOTO)
    raw[60:120] = b"\xff" * 60
    return bytes(raw)


@pytest.mark.parametrize(
    "make, says",
    [
        (_encrypted, "asha.jpg: could not be read from the zip: it is encrypted (a password-protected zip)"),
        (_deflate64, "asha.jpg: could not be read from the zip (That compression method is not supported)"),
        (_damaged, "asha.jpg: could not be read from the zip (Error -3 while decompressing data"),
    ],
    ids=["encrypted", "deflate64", "damaged"],
)
def test_a_photo_zip_entry_that_cannot_be_read_is_the_rows_problem_not_a_500(client: Any, make: Any,
                                                                            says: str) -> None:  # fmt: skip
    options = {"design_template": "birthday-balloons", "product": "mug-11oz"}
    files = {"file": ("rows.csv", b"name,photo\nAsha,asha.jpg\n", "text/csv"), "options": (None, json.dumps(options)),
             "photos_zip": ("photos.zip", make(), "application/zip")}  # fmt: skip
    r = client.post("/v1/batches/upload", files=files, headers=S)
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert [p["field"] for p in problems] == ["rows[1].photos.photo"], problems
    assert problems[0]["message"].startswith(says), problems


# ------------------------------------------------------------------ 2. degenerate arcs


def _fabric(path: Any) -> dict[str, Any]:
    obj = {"type": "path", "path": path, "left": 10, "top": 10, "fill": "#d6336c"}
    return {"dialect": "fabric", "design": {"canvas": {"width": 1200, "height": 466}, "template": "mug-11oz",
                                            "fabric": {"version": "5.3.0", "objects": [obj]}}}  # fmt: skip


@pytest.mark.parametrize("radius", [1e-300, 1e-200])
def test_a_fabric_arc_too_small_to_compute_names_its_object_not_a_zero_division(client: Any, radius: float) -> None:
    body = _fabric([["M", 0, 0], ["A", radius, radius, 0, 1, 1, 100, 100], ["Z"]])
    r = client.post("/v1/preflight", json=body, headers=S)
    assert r.status_code == 422, r.text
    out = r.json()
    assert out["field"] == "design.fabric.objects[0].path[1]", out
    assert "ZeroDivisionError" not in r.text and "could not be translated" not in r.text, out


def test_a_native_arc_too_small_to_compute_says_so(client: Any) -> None:
    shape = {"type": "shape", "shape": "path", "d": "M0 0 A1e-300 1e-300 0 1 1 10 10 Z", "fill": "#d6336c",
             "box": {"x": 10, "y": 10, "width": 40, "height": 40}}  # fmt: skip
    r = client.post("/v1/preflight", json={"design": {"version": 1, "template": "mug-11oz", "layers": [shape]}},
                    headers=S)  # fmt: skip
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "design.layers[0].d", r.json()
    assert r.json()["message"] == "not valid SVG path data: an arc's radii are too small or too large to draw"


# ------------------------------------------------------------------ 3. an object without its kind


def test_a_layer_or_clip_without_its_kind_is_told_the_kinds(client: Any) -> None:
    box = {"x": 10, "y": 10, "width": 40, "height": 40}
    up = client.post("/v1/assets", content=PHOTO, headers=S)
    assert up.status_code == 201, up.text
    photo = {"type": "image", "asset_id": up.json()["asset_id"], "box": box}
    layers = [{"text": "Asha", "box": box}, {**photo, "clip": {"d": "M0 0 L1 1 L0 1 Z"}},
              {**photo, "clips": [{"rx": 2}]}]  # fmt: skip
    r = client.post("/v1/preflight", json={"design": {"version": 1, "template": "mug-11oz", "layers": layers}},
                    headers=S)  # fmt: skip
    assert r.status_code == 422, r.text
    got = {p["field"]: p["message"] for p in r.json()["problems"]}
    kinds = "one of rect, rounded_rect, ellipse, path, mask"
    assert got == {
        "design.layers[0]": "'type' is missing: one of background, calendar, image, qr, shape, svg, text",
        "design.layers[1].clip": f"'shape' is missing: {kinds}",
        "design.layers[2].clips[0]": f"'shape' is missing: {kinds}",
    }, got


# ------------------------------------------------------------------ 4. request heads that never end


@pytest.fixture(scope="module")
def slow_head_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``render-engine serve`` with a 2-second ``body_idle_timeout`` (the bound of a request head too)."""
    import os
    import subprocess
    import sys

    from tests.net_support import free_port, wait_until_answers

    port = free_port()
    env = {**os.environ, "RENDER_ENGINE_STORAGE_ROOT": str(tmp_path_factory.mktemp("heads")),
           "RENDER_ENGINE_API_KEYS": f"storefront:{STOREFRONT},print-unit:{PRINT_UNIT}", "RENDER_ENGINE_REDIS_URL": "",
           "RENDER_ENGINE_EMBEDDED_WORKERS": "0", "RENDER_ENGINE_BODY_IDLE_TIMEOUT": "2",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    env.pop("PYTEST_CURRENT_TEST", None)
    code = f"from render_engine.cli.main import main; raise SystemExit(main(['serve', '--port', '{port}']))"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip

    def answers() -> bool:
        return _get_healthz(port) == 200

    try:
        wait_until_answers(answers, proc, "render-engine serve", timeout=120)
        yield port
    finally:
        proc.terminate()
        proc.wait(30)


def _get_healthz(port: int) -> int:
    import http.client

    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/healthz")
        status = c.getresponse().status
        c.close()
        return status
    except OSError:
        return 0


def _read_all(sock: Any) -> bytes:
    out = b""
    while chunk := sock.recv(4096):
        out += chunk
    return out


@pytest.mark.parametrize("how", ["trickled", "silent"])
def test_a_request_head_that_never_ends_gets_408_and_its_connection_closed(slow_head_server: int, how: str) -> None:
    """A head sent a byte every 0.2 s (each byte restarted uvicorn's only timer), or nothing at all after
    connecting: the connection stayed open for ever (still open after 40 s), and ~20 000 of them (the file
    limit) would have shut everyone out."""
    import socket
    import time

    sock = socket.create_connection(("127.0.0.1", slow_head_server), timeout=30)
    t0 = time.monotonic()
    if how == "trickled":
        head = (
            b"GET /v1/templates HTTP/1.1\r\nHost: x\r\nX-API-Key: " + STOREFRONT.encode() + b"\r\nX-Slow: " + b"a" * 80
        )
        for byte in head:
            try:
                sock.sendall(bytes([byte]))
            except OSError:  # closed by the server: what this test wants
                break
            time.sleep(0.2)
    answer = _read_all(sock)
    took = time.monotonic() - t0
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body == {"code": "request_timeout", "field": "headers",
                    "message": "the request line and headers did not arrive within 2 s"}, body  # fmt: skip
    assert 1.5 < took < 20, took


def test_requests_whose_heads_arrive_keep_their_connection(slow_head_server: int) -> None:
    """The bound is on the head alone: a keep-alive connection's requests, each after a pause (idleness is
    uvicorn's keep-alive, closed silently: a 408 written then would be read as the next request's answer), and a
    head sent in three pieces inside the bound are answered."""
    import http.client
    import socket
    import time

    c = http.client.HTTPConnection("127.0.0.1", slow_head_server, timeout=30)
    for _ in range(3):
        c.request("GET", "/healthz")
        r = c.getresponse()
        assert r.status == 200 and json.loads(r.read()) == {"status": "ok"}
        time.sleep(2.6)  # over the 2 s head bound, under uvicorn's 5 s keep-alive
    c.close()
    sock = socket.create_connection(("127.0.0.1", slow_head_server), timeout=30)
    for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\nConnection: close\r\n", b"\r\n"):
        sock.sendall(piece)
        time.sleep(0.5)
    answer = _read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


# ------------------------------------------------------------------ 5. lone surrogates in design strings


def test_a_lone_surrogate_in_a_design_string_says_so(client: Any) -> None:
    """A text layer's, a Fabric text's or an asset path's lone ``\\ud800`` was "Input should be a valid string,
    unable to parse raw data as a unicode string" (slots already said "lone surrogate")."""
    box = '{"x": 10, "y": 10, "width": 40, "height": 20}'
    native = (
        '{"design": {"version": 1, "template": "mug-11oz", "layers": [{"type": "text", "text": "A\\ud800B", '
        '"font": {"family": "noto-sans"}, "size": 12, "box": ' + box + "}]}}"
    )
    fabric = ('{"dialect": "fabric", "design": {"canvas": {"width": 1200, "height": 466}, "template": "mug-11oz", '
              '"fabric": {"version": "5.3.0", "objects": [{"type": "textbox", "text": "A\\udfffB", "left": 10, '
              '"top": 10, "width": 200, "fontSize": 40, "fontFamily": "Noto Sans"}]}}}')  # fmt: skip
    for body, field in ((native, "design.layers[0].text"), (fabric, "design.fabric.objects[0].text")):
        r = client.post("/v1/preflight", content=body.encode(), headers={**S, "Content-Type": "application/json"})
        assert r.status_code == 422, r.text
        out = r.json()
        assert out["field"] == field, out
        assert "lone surrogate" in out["message"] and "unable to parse raw data" not in out["message"], out


# ------------------------------------------------------------------ 6. entity bombs named as such

_SVG = 'xmlns="http://www.w3.org/2000/svg" width="10" height="10"'
_LAUGHS = "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 8))
_XML = '<?xml version="1.0"?><!DOCTYPE s ['
_BOMBS = {
    "laughs": f'{_XML}<!ENTITY a0 "xxxxxxxxxx">{_LAUGHS}]><svg {_SVG}><text>&a7;</text></svg>',
    "loop": f'{_XML}<!ENTITY a "&b;"><!ENTITY b "&a;">]><svg {_SVG}><text>&a;</text></svg>',
}


@pytest.mark.parametrize("name", sorted(_BOMBS))
def test_an_svg_entity_bomb_is_refused_as_one_not_as_ill_formed_xml(client: Any, name: str) -> None:
    """A billion-laughs SVG was "SVG is not well-formed XML (line 1, column 5)": libxml2 stops it (its entity
    amplification guard) and the sanitiser called that a syntax error."""
    r = client.post("/v1/assets", content=_BOMBS[name].encode(), headers={**S, "Content-Type": "image/svg+xml"})
    assert r.status_code == 413, r.text
    out = r.json()
    assert out["code"] == "limit_exceeded" and out["field"] == "body", out
    assert "entity bomb" in out["message"] and "well-formed" not in out["message"], out
