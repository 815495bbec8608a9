"""A third adversarial pass (#15): intake that costs too much time, and requests refused with the wrong error.

* Text layout and the preflight ink tests were quadratic in a long word: a 1 000-character word cost 34 s of
  preflight (every sample point against every glyph edge) and ``_wrap`` re-segmented the rest of the word
  for every line. Both are linear now; the tests pin the results to the old (brute-force) algorithms.
* ``POST /v1/jobs`` intake runs through a gate like previews (bounded by ``preview_timeout``), and timed-out
  work stops at its next deadline check instead of holding its slot until it ends on its own.
* JSON sent as another media type is a ``415`` naming ``Content-Type``; a canvas page over the size limit is a
  ``413`` naming the canvas field; ``due_by`` has a horizon.
Each is checked on the real API app (FastAPI TestClient) or the real layout and preflight code.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from render_engine.checks.regions import flatten, inside
from render_engine.engine import Engine
from render_engine.farm.settings import ServiceSettings
from render_engine.layout.shaping import grapheme_breaks
from render_engine.layout.text import layout_text
from render_engine.model.deadline import DeadlinePassed, check, deadline
from render_engine.model.design import TextLayer
from render_engine.model.geometry import Path
from tests.toolkit import PRINT_UNIT, STOREFRONT, app_client, coaster, text_layer

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

SF, PU = STOREFRONT, PRINT_UNIT
S = {"X-API-Key": SF}


def fabric(objects: list[dict[str, Any]], canvas: dict[str, Any], template: str | None) -> dict[str, Any]:
    d: dict[str, Any] = {"canvas": canvas, "canvas_covers": "trim", "fabric": {"version": "6.9.1", "objects": objects}}
    if template:
        d["template"] = template
    return d


def _client(tmp_path_factory: pytest.TempPathFactory, engine: Engine, **kw: Any) -> Iterator[Any]:
    settings = ServiceSettings(storage_root=tmp_path_factory.mktemp("hostile-intake"), redis_url=None,
                               api_keys=f"storefront:{SF},print-unit:{PU}", **kw)  # fmt: skip
    with app_client(settings, engine) as c:
        yield c


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[Any]:
    yield from _client(tmp_path_factory, engine)


def _jobs_stored(c: Any) -> int:
    return len(c.get("/v1/print-queue?limit=500", headers={"X-API-Key": PU}).json().get("jobs", []))


# ------------------------------------------------------------------------ long words: linear, same answer


def _inside_brute_force(path: Path, pts: np.ndarray) -> np.ndarray:
    """The point-in-outline test as it was: every point against every edge of every contour."""
    x, y = pts[:, 0][:, None], pts[:, 1][:, None]
    winding = np.zeros(len(pts), dtype=np.int64)
    res = np.zeros(len(pts), dtype=bool)
    for poly in flatten(path):
        b = np.roll(poly, -1, axis=0)
        ax, ay, bx, by = poly[:, 0][None], poly[:, 1][None], b[:, 0][None], b[:, 1][None]
        up, down = (ay <= y) & (by > y), (ay > y) & (by <= y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xi = ax + (y - ay) * (bx - ax) / (by - ay)
        right = x < xi
        winding += np.count_nonzero(up & right, axis=1) - np.count_nonzero(down & right, axis=1)
        res ^= (np.count_nonzero((up | down) & right, axis=1) % 2).astype(bool)
    return res if path.evenodd else winding != 0


def _flatten_scalar(path: Path, steps: int = 6) -> list[np.ndarray]:
    """The curve flattening as it was: per-sample Python arithmetic."""
    polys: list[list[tuple[float, float]]] = []
    cur: list[tuple[float, float]] = []
    for op, pts in path.ops:
        if op == "M":
            if len(cur) > 2:
                polys.append(cur)
            cur = [pts[0]]
        elif op == "L":
            cur.append(pts[0])
        elif op == "C" and cur:
            p0 = cur[-1]
            p1, p2, p3 = pts
            for k in range(1, steps + 1):
                t = k / steps
                mt = 1 - t
                x = mt**3 * p0[0] + 3 * mt * mt * t * p1[0] + 3 * mt * t * t * p2[0] + t**3 * p3[0]
                y = mt**3 * p0[1] + 3 * mt * mt * t * p1[1] + 3 * mt * t * t * p2[1] + t**3 * p3[1]
                cur.append((x, y))
        elif op == "Z" and cur:
            if len(cur) > 2:
                polys.append(cur)
            cur = [cur[0]]
    if len(cur) > 2:
        polys.append(cur)
    return [np.asarray(p, dtype=np.float64) for p in polys]


@pytest.mark.parametrize("text", ["Wg@ 8&é", "漢字かな", "مرحبا", "ﷺ🙂", "Å̴̢̛͎", "Hello"])
def test_flatten_and_transformed_equal_the_scalar_versions(engine: Engine, text: str) -> None:
    """The numpy curve sampling and point transform give the same numbers as the per-point Python code."""
    from render_engine.model.geometry import Matrix

    layer = TextLayer.model_validate(text_layer(text, rotation=17))
    block = layout_text(layer, engine.fonts, "layers[0]")
    extra = Path.from_svg("M1 1 C2 5 7 -3 9 9 Z L4 4 C 1 1 2 2 3 3 C 4 4 5 5 6 7 Z M 0 0 L 1 0")
    for path in (block.outline, extra, Path(())):
        got, want = flatten(path), _flatten_scalar(path)
        assert len(got) == len(want)
        assert all(g.shape == w.shape and np.array_equal(g, w) for g, w in zip(got, want, strict=True))
        m = Matrix(a=0.3, b=-0.7, c=1.1, d=0.2, e=-5.5, f=1e-3)
        old = Path(tuple((op, tuple((m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f) for x, y in pts))
                         for op, pts in path.ops), path.evenodd)  # fmt: skip
        assert path.transformed(m) == old


@pytest.mark.parametrize("text", ["Wg@ 8&é", "漢字かな", "مرحبا", "ﷺ🙂", "Å̴̢̛͎"])
@pytest.mark.parametrize("evenodd", [False, True])
def test_inside_equals_the_brute_force_test(engine: Engine, text: str, evenodd: bool) -> None:
    """Culling contours by their bounding boxes changes no answer (non-zero and even-odd, overlapping glyphs:
    letter spacing -0.3 em makes neighbours overlap), including points on the grid of bounds edges."""
    layer = TextLayer.model_validate(text_layer(text, letter_spacing=-0.3))
    block = layout_text(layer, engine.fonts, "layers[0]")
    outline = Path(block.outline.ops, evenodd)
    b = block.bounds
    assert b is not None
    rng = np.random.default_rng(7)
    pts = np.column_stack([rng.uniform(b.x - 1, b.x1 + 1, 4000), rng.uniform(b.y - 1, b.y1 + 1, 4000)])
    xs, ys = np.meshgrid(np.linspace(b.x, b.x1, 40), np.linspace(b.y, b.y1, 40))
    pts = np.concatenate([pts, np.column_stack([xs.ravel(), ys.ravel()])])
    got, want = inside(outline, pts), _inside_brute_force(outline, pts)
    assert got.any() and not got.all()
    assert np.array_equal(got, want)


EPS = 1e-6


def _trim_end(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b


def _wrap_old(text: str, breaks: list[int], adv: list[float], max_em: float) -> list[tuple[int, int]]:
    """The line breaking as it was: each over-long segment re-segmented into graphemes per line."""
    prefix = [0.0]
    for a in adv:
        prefix.append(prefix[-1] + a)

    def width(a: int, b: int) -> float:
        return prefix[_trim_end(text, a, b)] - prefix[a]

    lines, start, last_fit = [], 0, None
    for brk in breaks:
        if width(start, brk) <= max_em + EPS:
            last_fit = brk
            continue
        if last_fit is not None:
            lines.append((start, last_fit))
            start = last_fit
        while width(start, brk) > max_em + EPS:
            seg = [start + g for g in grapheme_breaks(text[start:brk])]
            cut = start
            for g in seg:
                if width(start, g) <= max_em + EPS:
                    cut = g
                else:
                    break
            if cut == start:
                cut = seg[0]
            if cut >= brk:
                break
            lines.append((start, cut))
            start = cut
        last_fit = brk
    lines.append((start, len(text)))
    return lines


WRAP_TEXTS = {
    "one long word": "W" * 700,
    "words and a long one": "Happy birthday " + "a" * 300 + " dear friend",
    "combining marks": "e\u0301" * 200 + " x",
    "emoji and flags": "🇩🇪🇫🇷👩🏽‍💻" * 40,
    "cjk": "漢字かなカナ" * 60,
    "devanagari": "हिन्दीमेंलिखाहुआ" * 25,
    "grapheme wrapping": "Wide words wrapped by grapheme " * 10,
}


@pytest.mark.parametrize("name", list(WRAP_TEXTS))
def test_long_words_break_exactly_as_before(engine: Engine, name: str) -> None:
    """The lines ``layout_text`` makes equal the old algorithm's, fed the same break opportunities and shaped
    advances (computed here from the public shaping functions)."""
    from render_engine.layout.shaping import assign_faces, bidi_levels, char_advances_em, itemize, line_breaks
    from render_engine.model.units import pt_to_mm

    text = WRAP_TEXTS[name]
    by_grapheme = "grapheme" in name
    layer = TextLayer.model_validate(text_layer(text, wrap_by="grapheme" if by_grapheme else "word"))
    block = layout_text(layer, engine.fonts, "layers[0]")
    assert block.size_pt == layer.size  # no shrinking: one size, one wrap
    faces, _missing = assign_faces(text, engine.fonts.fallback_faces(engine.fonts.face(layer.font, field="f")))
    adv = char_advances_em(text, itemize(text, faces, bidi_levels(text)))
    breaks = grapheme_breaks(text) if by_grapheme else line_breaks(text)
    want = _wrap_old(text, breaks, adv, layer.box.width / pt_to_mm(layer.size))
    assert [(ln.start, ln.text) for ln in block.lines] == [(a, text[a:b]) for a, b in want]
    assert len(want) > 3  # it did wrap


def test_a_5000_character_word_lays_out_and_preflights_in_linear_time(engine: Engine, tmp_path: Any) -> None:
    """Before: layout 4.3 s and preflight 34 s for 1 000 characters (quadratic: ~15 min for 5 000). Now linear:
    ~1.5 s + ~1 s for 5 000 on a quiet machine. The bound leaves room for a loaded CI machine and still fails
    the quadratic versions by minutes."""
    from render_engine.checks.preflight import preflight
    from render_engine.model.design import parse_design
    from render_engine.pipeline import prepare

    timings = {}
    for n in (1000, 5000):
        design = parse_design(coaster(text_layer("W" * n)), engine.settings)
        t0 = time.perf_counter()
        prep = prepare(design, engine, tmp_path)
        report = preflight(prep, engine)
        timings[n] = time.perf_counter() - t0
        assert report.texts[0].lines  # laid out and echoed
    print(f"layout + preflight: 1 000 chars {timings[1000]:.2f} s, 5 000 chars {timings[5000]:.2f} s")
    assert timings[5000] < 40.0, timings


# ------------------------------------------------------------------------------------------- deadlines


def test_work_under_a_deadline_stops_at_its_next_check() -> None:
    check()  # no deadline: never raises
    with deadline(0.05):
        check()
        time.sleep(0.1)
        with pytest.raises(DeadlinePassed) as exc:
            check()
        assert exc.value.http_status == 503 and exc.value.code == "render_timeout"
    check()  # the deadline ends with its block


def test_layout_stops_at_the_deadline_instead_of_running_to_the_end(engine: Engine) -> None:
    layer = TextLayer.model_validate(text_layer("漢" * 5000))
    t0 = time.perf_counter()
    with deadline(0.2), pytest.raises(DeadlinePassed):
        layout_text(layer, engine.fonts, "layers[0]")
    assert time.perf_counter() - t0 < 3.0  # all of it takes ~4 s quiet, far more under load


@pytest.fixture(scope="module")
def slow_client(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[Any]:
    """One slot, a 0.5 s bound: a 5 000-character CJK text (seconds of layout and preflight) cannot make it.
    The mockup package and the coaster's scene are loaded first (once per process, seconds on a loaded
    machine): a warm-up request would time out and hold the only slot while they load."""
    from render_engine.mockup import render_mockup
    from render_engine.model.design import parse_design
    from render_engine.pipeline import prepare

    render_mockup(prepare(parse_design(coaster(text_layer("Hi")), engine.settings), engine,
                          tmp_path_factory.mktemp("warm")), engine)  # fmt: skip
    yield from _client(tmp_path_factory, engine, max_concurrent_previews=1, preview_timeout=0.5)


@pytest.mark.parametrize("path", ["/v1/jobs", "/v1/preflight", "/v1/previews"])
def test_intake_is_bounded_and_a_timed_out_check_gives_its_slot_back(slow_client: Any, path: str) -> None:
    """``POST /v1/jobs`` had no time bound (16 s for this design under load, minutes for worse); previews did,
    but a timed-out render kept its slot until it ended, so the next request got 429 for seconds."""
    c = slow_client
    before = _jobs_stored(c)
    body = {"design": coaster(text_layer("漢" * 5000))}
    t0 = time.perf_counter()
    r = c.post(path, json=body, headers=S)
    elapsed = time.perf_counter() - t0
    assert r.status_code == 503, r.text[:300]
    assert r.json()["code"] == "render_timeout" and r.headers["retry-after"]
    assert elapsed < 5.0, elapsed
    assert _jobs_stored(c) == before  # nothing half-accepted
    # the abandoned work stops at its next check: the single slot is free again at once
    deadline_at = time.monotonic() + 3.0
    while True:
        small = c.post("/v1/preflight", json={"design": coaster(text_layer("Hi"))}, headers=S)
        if small.status_code == 200 or time.monotonic() > deadline_at:
            break
        time.sleep(0.1)
    assert small.status_code == 200, small.text[:300]


def test_a_job_with_an_approved_preview_checks_it_inside_its_own_slot(slow_client: Any) -> None:
    """The intake gate and the preview gate nest: a job's approval check renders its preview from inside the
    intake's thread, under the intake's slot and deadline (never waiting for a slot it holds itself)."""
    from api.deps import PreviewGate

    gate = PreviewGate(1, 5.0)
    assert gate.run(lambda: gate.run(lambda: 42)) == 42


# ------------------------------------------------------------------------------------ refused correctly

JSON_ROUTES = ["/v1/jobs", "/v1/previews", "/v1/preflight"]


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "", "text/json; charset=utf-8"])
@pytest.mark.parametrize("path", JSON_ROUTES)
def test_json_sent_as_another_media_type_is_a_415_naming_content_type(client: Any, path: str, ctype: str) -> None:
    import json

    raw = json.dumps({"design": coaster(text_layer("Hi"))})
    headers = {**S, "Content-Type": ctype} if ctype else S
    r = client.post(path, content=raw, headers=headers)
    assert r.status_code == 415, r.text[:300]
    got = r.json()
    assert got["code"] == "unsupported_media_type" and got["field"] == "Content-Type"
    assert "application/json" in got["message"]
    ok = client.post(path, content=raw, headers={**S, "Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code in (200, 202), ok.text[:300]


CANVASES = [(1e308, 400, "width"), (400, 18001, "height"), (0.001, 400, "width")]


@pytest.mark.parametrize(("width", "height", "field"), CANVASES)
def test_a_huge_canvas_without_a_template_is_a_size_limit_naming_the_field(
    client: Any, width: float, height: float, field: str
) -> None:
    body = {"design": fabric([], {"width": width, "height": height}, None), "dialect": "fabric"}
    r = client.post("/v1/preflight", json=body, headers=S)
    assert r.status_code == 413, r.text[:300]
    got = r.json()
    assert got["code"] == "limit_exceeded" and got["field"] == f"design.canvas.{field}"
    assert "1 to 18000 px" in got["message"]
    fine = client.post("/v1/preflight", json={"design": fabric([], {"width": 800, "height": 600}, None),
                                              "dialect": "fabric"}, headers=S)  # fmt: skip
    assert fine.status_code == 200, fine.text[:300]


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("due", "says"),
    [
        ("9999-12-31T00:00:00Z", "days ahead"),
        (_iso(datetime.now(UTC) + timedelta(days=400)), "days ahead"),
        ("2026-12-10T16:00:00", "time zone"),
        ("0001-01-01T00:00:00Z", "in the past"),
        (_iso(datetime.now(UTC) - timedelta(days=3)), "in the past"),
    ],
    ids=["year-9999", "in-400-days", "no-zone", "year-1", "3-days-ago"],  # fixed: xdist workers collect the same
)
def test_due_by_outside_the_horizon_is_refused_naming_the_field(client: Any, due: str, says: str) -> None:
    """Refused by the request schema: before the design is checked, so before any job could exist."""
    r = client.post("/v1/jobs", json={"design": coaster(text_layer("Hi")), "due_by": due}, headers=S)
    assert r.status_code == 422, r.text[:300]
    assert r.json()["field"] == "due_by" and says in r.json()["message"], r.json()


def test_a_due_by_within_the_horizon_is_accepted(client: Any) -> None:
    due = _iso((datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0))
    r = client.post("/v1/jobs", json={"design": coaster(text_layer("Hi")), "due_by": due}, headers=S)
    assert r.status_code == 202, r.text[:300]


# ------------------------------------------------------------------------ found by the atheris intake target


def test_preflight_of_an_image_whose_pixels_cannot_decode_is_a_typed_error_naming_the_layer(
    engine: Engine, tmp_path: Any
) -> None:
    """The DTG check reads the alpha of a placed image: a PNG with damaged pixel data (intact header) raised a
    bare ``pyvips.Error`` out of ``preflight`` (found by ``scripts/fuzz_atheris.py intake``). The API verifies
    uploads first; the CLI and the Python API read local files."""
    import pyvips

    from render_engine import AssetError
    from render_engine.checks.preflight import preflight
    from render_engine.model.design import parse_design
    from render_engine.pipeline import prepare

    rgba = pyvips.Image.xyz(300, 200)[0].cast("uchar")
    png = bytearray(rgba.bandjoin([rgba, rgba, rgba // 2]).copy(interpretation="srgb").pngsave_buffer(compression=1))
    i = png.find(b"IDAT")
    png[i + 40] ^= 0xFF
    (tmp_path / "damaged.png").write_bytes(bytes(png))
    design = parse_design({"version": 1, "template": "tshirt-front-dtg", "layers": [
        {"type": "image", "asset": "damaged.png", "box": {"x": 20, "y": 20, "width": 200, "height": 130}}]},
        engine.settings)  # fmt: skip
    prep = prepare(design, engine, tmp_path)  # the header probe passes: the damage is in the pixel data
    with pytest.raises(AssetError) as exc:
        preflight(prep, engine)
    assert exc.value.field == "layers[0]" and "could not be decoded" in exc.value.message


@pytest.mark.parametrize("dialect", ["native", "fabric"])
def test_many_texts_each_within_the_layer_limit_are_refused_by_the_design_budget_before_work(
    client: Any, dialect: str
) -> None:
    """200 layers of 5 000 characters each passed every limit and cost minutes of layout and preflight (503
    after 30 s at best); the design's total is now checked with the other limits, before any parsing."""
    if dialect == "fabric":
        box = {"type": "Textbox", "text": "漢" * 4000, "left": 10, "top": 10, "width": 300, "fontSize": 40,
               "fontFamily": "Noto Sans"}  # fmt: skip
        body: dict[str, Any] = {"design": fabric([box] * 3, {"width": 400, "height": 400}, "coaster-95-round"),
                                "dialect": "fabric"}  # fmt: skip
        field = "design.fabric.objects[2].text"
    else:
        body, field = {"design": coaster(*[text_layer("x" * 5000)] * 150)}, "design.layers[2].text"
    for path in ("/v1/preflight", "/v1/jobs"):
        t0 = time.perf_counter()
        r = client.post(path, json=body, headers=S)
        assert r.status_code == 413, r.text[:300]
        assert r.json()["field"] == field and "10000 characters together" in r.json()["message"], r.json()
        assert time.perf_counter() - t0 < 5.0


# ------------------------------------------------------------------- HTTP framing, on a real server process


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``render-engine serve`` in a process of its own (uvicorn parses the HTTP), body idle bound 1 s."""
    from tests.live_support import serving

    with serving(tmp_path_factory.mktemp("live"), RENDER_ENGINE_BODY_IDLE_TIMEOUT="1") as port:
        yield port


def _raw(port: int, data: bytes, wait: float = 10.0) -> tuple[int, dict[str, str], bytes, float]:
    """Send ``data`` as it is on a fresh connection; (status, headers, body, seconds) of the answer."""
    import socket

    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        out = b""
        while b"\r\n\r\n" not in out:
            piece = s.recv(65536)
            if not piece:
                break
            out += piece
        head, _, body = out.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        want = int(headers.get("content-length", "-1"))
        s.settimeout(2.0)
        try:
            while want < 0 or len(body) < want:
                piece = s.recv(65536)
                if not piece:
                    break
                body += piece
        except TimeoutError:
            pass
    return int(lines[0].split()[1]), headers, body, time.perf_counter() - t0


HEAD = f"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nX-API-Key: {SF}\r\nContent-Type: application/json\r\n".encode()
STALLS = {
    "chunked body cut off": HEAD + b'Transfer-Encoding: chunked\r\n\r\n10\r\n{"design"',
    "chunk size larger than sent": HEAD + b"Transfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\nhello\r\n",
    "Content-Length larger than sent": HEAD + b"Content-Length: 100\r\n\r\n{}",
}


@pytest.mark.parametrize("name", list(STALLS))
def test_a_stalled_request_body_is_a_408_not_a_hang(live_server: int, name: str) -> None:
    import json

    status, headers, body, seconds = _raw(live_server, STALLS[name])
    assert status == 408 and headers["content-type"] == "application/json", (status, body[:200])
    assert json.loads(body)["code"] == "request_timeout"
    assert seconds < 8.0


def test_http_that_does_not_parse_is_a_clean_400_from_the_server(live_server: int) -> None:
    """Chunked framing that is not hex never reaches the app: uvicorn answers a plain-text 400 and closes
    (docs/api.md says so); a clean 4xx, never a 5xx or a hang."""
    junk = HEAD + b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\nhi\r\n0\r\n\r\n"
    status, _headers, _body, seconds = _raw(live_server, junk)
    assert status == 400 and seconds < 5.0


def test_the_server_answers_text_plain_json_with_415(live_server: int) -> None:
    import json

    raw = json.dumps({"design": coaster(text_layer("Hi"))}).encode()
    head = f"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nX-API-Key: {SF}\r\nContent-Type: text/plain\r\n".encode()
    status, _h, body, _s = _raw(live_server, head + f"Content-Length: {len(raw)}\r\n\r\n".encode() + raw)
    assert status == 415 and json.loads(body)["field"] == "Content-Type"


# ---------------------------------------------------------------------------------------------- the CLI


def test_the_cli_refuses_pipes_and_devices_instead_of_reading_forever(tmp_path: Any) -> None:
    """``render-engine validate fifo.json`` blocked forever on the pipe, and ``/dev/zero`` would have been read
    until memory ran out: a design or rows file must be a regular file (one line each, exit 1, fast)."""
    import os
    import subprocess
    import sys

    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "render_engine.cli", "validate", str(fifo), "/dev/zero"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 1 and "Traceback" not in r.stderr + r.stdout
    lines = (r.stderr + r.stdout).splitlines()
    for name in ("fifo.json", "/dev/zero"):
        assert any(name in ln and "not a regular file" in ln for ln in lines), lines
    assert time.perf_counter() - t0 < 60


@pytest.mark.parametrize("raw", [b"[1, 2]", b"null", b'"design"', b"3"])
@pytest.mark.parametrize("path", JSON_ROUTES)
def test_a_json_body_that_is_not_an_object_says_so(client: Any, path: str, raw: bytes) -> None:
    r = client.post(path, content=raw, headers={**S, "Content-Type": "application/json"})
    assert r.status_code == 422, r.text[:300]
    assert r.json()["field"] == "body" and "JSON object" in r.json()["message"], r.json()
