"""A fourth adversarial pass (after #15) over what was added since: batches (JSON rows, CSV text, CSV uploads),
request bodies that cost the server time before they are refused, and the CLI's rows files.

Found and fixed here (each test names the defect it pins):

* The JSON string scanner (``_STRING``: the depth scan and the strict-JSON checks) was quadratic in a body
  with an unterminated string full of escaped quotes: every quote after the opening one started another scan
  to the end — 40 KB of ``\\"`` held the event loop ~50 s; the depth scan peeled one level per regex pass
  (``[`` x 10⁶: 4.5 s). Both are linear now, and the scan + strict parse run off the event loop.
* A batch admitted up to 10 000 rows inside one request with no time bound (minutes): now at most
  ``max_batch_rows`` (413 naming ``rows``/``csv``/``file`` before any row is checked), all rows under one
  ``batch_timeout`` deadline (413 naming the row reached, nothing accepted), one batch checked at a time.
* A CSV header naming a column twice was accepted (the last cell silently won): 422 naming the column.
* The CLI's JSON rows file used Python's lax ``json.loads`` (NaN, duplicate keys, recursion).

Live-server tests run ``render-engine serve`` in its own process (uvicorn parses the HTTP; tests/net_support.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from render_engine.farm.settings import ServiceSettings
from tests.live_support import PU, SF, S, call, live, post_json, upload
from tests.toolkit import app_client

__all__ = ["live"]  # the fixture, used by name
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

BATCH = {"design_template": "christmas-tree", "product": "coaster-95-round", "outputs": {"formats": ["png"]}}


# ------------------------------------------------------------------------------ bodies that cost time


def test_the_json_string_scan_is_linear_for_unterminated_strings_of_escaped_quotes() -> None:
    """``"\\"\\"\\"…`` never closes: with the closing quote required, each later quote restarted the scan to
    the end (quadratic: 40 KB took ~22 s in the depth scan and ~31 s in the strict-JSON check)."""
    from api.limits import json_depth_exceeds
    from render_engine.model.json_input import JsonRefused, check_json

    body = b'{"design": ["' + b'\\"' * 200_000  # 400 KB: hours with the old scan
    t0 = time.perf_counter()
    assert not json_depth_exceeds(body, 64)
    with pytest.raises(JsonRefused, match="line 1 column"):
        check_json(body + b"1" * 200)  # a long number: the strings are blanked to find its position
    assert time.perf_counter() - t0 < 10
    # positions in messages stay right after the strings are blanked (terminated or not)
    with pytest.raises(JsonRefused, match="line 2 column 3"):
        check_json(b'{"a": "x\\"y",\n  ' + b"9" * 101 + b', "b": "c')


def test_the_depth_scan_counts_depth_in_one_pass_and_refuses_unbalanced_deep_bodies() -> None:
    from api.limits import json_depth_exceeds

    assert json_depth_exceeds(b"[" * 1_000_000 + b"]" * 1_000_000, 64)
    assert json_depth_exceeds(b'{"a":' + b"[" * 65, 64)  # never closed, but deeper than the limit already
    assert not json_depth_exceeds(b"[" + b"[]," * 500_000 + b"[]]", 64)  # wide, not deep
    assert not json_depth_exceeds(b'["' + b"[" * 1000 + b'"]', 64)  # brackets in a string
    assert not json_depth_exceeds(b'["\\"' + b"[" * 1000 + b'"]', 64)  # ... after an escaped quote


def test_body_checks_run_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The depth scan and strict parse of a 2 MB body cost up to ~0.5 s (more under load): on the event loop,
    every other request (health checks too) waited that long; a 10 000-layer body took 5-8 s to refuse."""

    import api.limits

    threads: list[str] = []
    real = api.limits.check_json

    def spy(raw: bytes) -> Any:
        threads.append(threading.current_thread().name)
        return real(raw)

    monkeypatch.setattr(api.limits, "check_json", spy)
    settings = ServiceSettings(storage_root=tmp_path, redis_url=None, api_keys=f"storefront:{SF}",
                               embedded_workers=0)  # fmt: skip
    with app_client(settings) as c:
        loop_thread: list[str] = []
        c.portal.call(lambda: loop_thread.append(threading.current_thread().name))  # type: ignore[union-attr]
        r = c.post("/v1/jobs", json={"design": {"version": 1, "template": "coaster-95-round", "layers": []}}, headers=S)
        assert r.status_code in (202, 422), r.text[:300]
    assert threads and loop_thread and threads[0] != loop_thread[0], (threads, loop_thread)


def test_a_10000_layer_body_is_refused_naming_the_field_while_the_server_keeps_answering(live: int) -> None:
    layer = {"type": "text", "text": "x", "font": {"family": "noto-sans"}, "size": 20,
             "box": {"x": 1, "y": 1, "width": 10, "height": 10}}  # fmt: skip
    body = json.dumps({"design": {"version": 1, "template": "coaster-95-round", "layers": [layer] * 10_000}}).encode()
    box: list[Any] = []
    t = threading.Thread(target=lambda: box.append(post_json(live, "/v1/jobs", body)))
    t.start()
    health = []
    while t.is_alive():
        health.append(call(live, "GET", "/healthz")[0])
        time.sleep(0.05)
    t.join()
    status, out, _ = box[0]
    assert status == 413 and out["code"] == "limit_exceeded" and out["field"] == "design.layers", out
    assert health and set(health) == {200}
    # the pathological string body on the live server: a typed 422, not a minute of a blocked event loop
    status, out, seconds = post_json(live, "/v1/jobs", b'{"design": ["' + b'\\"' * 50_000)
    assert status == 422 and out["code"] == "invalid_json" and out["field"] == "body", out
    assert seconds < 20


# ------------------------------------------------------------------------------------------- batches


@pytest.mark.parametrize("how", ["rows", "csv", "upload"])
def test_a_batch_over_max_batch_rows_is_a_413_naming_its_field_before_any_row_is_checked(live: int, how: str) -> None:
    n = 10_001
    if how == "rows":
        status, out, seconds = post_json(live, "/v1/batches", {**BATCH, "rows": [{"name": f"N{i}"} for i in range(n)]})
    elif how == "csv":
        csv_text = "name\n" + "".join(f"N{i}\n" for i in range(n))
        status, out, seconds = post_json(live, "/v1/batches", {**BATCH, "csv": csv_text})
    else:
        status, out, seconds = upload(live, ("name\n" + "".join(f"N{i}\n" for i in range(n))).encode(), BATCH)
    assert status == 413 and out["code"] == "limit_exceeded", out
    assert out["field"] == {"rows": "rows", "csv": "csv", "upload": "file"}[how], out
    assert "at most 10000" in out["message"] and "split" in out["message"], out
    assert seconds < 20  # ~0.1 s; admitting 10 000 rows took minutes


def test_a_batch_over_its_time_budget_is_refused_naming_the_row_reached_and_nothing_is_accepted(
    tmp_path: Path,
) -> None:
    settings = ServiceSettings(storage_root=tmp_path, redis_url=None, api_keys=f"storefront:{SF},print-unit:{PU}",
                               embedded_workers=0, batch_timeout=0.3, batch_sync_rows=1000)  # fmt: skip
    with app_client(settings) as c:
        t0 = time.perf_counter()
        r = c.post("/v1/batches", json={**BATCH, "rows": [{"name": f"N{i}"} for i in range(1000)]}, headers=S)
        seconds = time.perf_counter() - t0
        assert r.status_code == 413 and r.json()["code"] == "limit_exceeded", r.text[:300]
        assert r.json()["field"] == "rows" and "reached row" in r.json()["message"], r.json()
        assert seconds < 15
        assert sum(c.app.state.render.services.store.counts().values()) == 0  # nothing accepted
        again = c.post("/v1/batches", json={**BATCH, "rows": [{"name": "Asha"}]}, headers=S)
        # the gate was given back: checked at once (accepted, or over 0.3 s on a loaded machine), never 429
        assert again.status_code in (202, 413) and again.json().get("code") != "too_many_requests", again.text


@pytest.mark.parametrize(
    ("name", "csv_text", "status", "field", "says"),
    [
        ("duplicate header", "name,name\nAsha,Ravi\n", 422, "csv", "twice"),
        ("huge cell", "name\n" + "x" * 200_000 + "\n", 422, "csv", "field limit"),
        ("only a header", "name\n", 422, "csv", "no rows"),
        ("a NUL in a cell", "name\nAs\x00ha\n", 422, "rows[1].slots.name", ""),
        ("too long for the slot", "name\n" + "W" * 500 + "\n", 422, "rows[1].slots.name", "at most"),
        ("unknown column", "name,nickname\nAsha,A\n", 422, "rows[1]", ""),
    ],
    ids=["duplicate header", "huge cell", "only a header", "NUL", "too long", "unknown column"],
)
def test_hostile_csv_text_gets_a_422_naming_the_field(
    live: int, name: str, csv_text: str, status: int, field: str, says: str
) -> None:
    st, out, _ = post_json(live, "/v1/batches", {**BATCH, "csv": csv_text})
    assert st == status, (name, out)
    named = [out.get("field")] + [p["field"] for p in out.get("problems", [])]
    assert any(str(f).startswith(field) for f in named), (name, out)
    assert says in json.dumps(out), (name, out)


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("latin-1", "name\nZo\xeb\n".encode("latin-1"), "file"),
        ("utf-16", "name\nAsha\n".encode("utf-16"), "file"),
        ("binary", bytes(range(256)) * 20, "file"),
        ("duplicate header", b"name,name\nA,B\n", "file"),
    ],
    ids=["latin-1", "utf-16", "binary", "duplicate header"],
)
def test_hostile_csv_uploads_get_a_422_naming_the_file(live: int, name: str, data: bytes, field: str) -> None:
    st, out, _ = upload(live, data, BATCH)
    assert st == 422 and out["field"] == field, (name, st, out)


def test_formula_like_cells_are_printed_as_text_never_evaluated(live: int) -> None:
    """``=cmd|…``, ``+1``, ``@SUM(…)``: a cell is the text printed; nothing evaluates or exports it."""
    csv_text = "name\n\"=cmd|' /C calc'!A0\"\n+1\n@SUM(A1)\n-2\n"
    st, out, _ = post_json(live, "/v1/batches", {**BATCH, "csv": csv_text})
    assert st == 202 and out["jobs"] == 4, out
    st, got, _ = call(live, "GET", f"/v1/batches/{out['batch_id']}")
    assert st == 200 and got["rows"] == 4


def test_the_cli_reads_json_rows_strictly_and_answers_in_one_line_per_problem(tmp_path: Path) -> None:
    files = {
        "nan.json": b'[{"name": NaN}]',
        "dupe.json": b'[{"name": "A", "name": "B"}]',
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
        "dup-header.csv": b"name,name\nA,B\n",
    }
    for fname, data in files.items():
        (tmp_path / fname).write_bytes(data)
        r = subprocess.run(
            [sys.executable, "-m", "render_engine.cli", "merge", "christmas-tree", fname, "--product",
             "coaster-95-round", "--out", "out"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        text = r.stderr + r.stdout
        assert r.returncode != 0 and "Traceback" not in text, (fname, text[-500:])
        assert "rows" in text and "usage:" not in text, (fname, text[-500:])


# ------------------------------------------------------------------------- multi-surface and page designs


def _cal(**kw: Any) -> dict[str, Any]:
    return {"type": "calendar", "year": 2027, "month": 1, "box": {"x": 10, "y": 155, "width": 190, "height": 132},
            "locale": "en", **kw}  # fmt: skip


def _pages(template: str, n: int, *layers: dict[str, Any]) -> dict[str, Any]:
    return {"design": {"version": 1, "template": template, "pages": [{"layers": list(layers)} for _ in range(n)]}}


PAGE_CASES = [
    ("10 000 calendar pages", _pages("calendar-wall-a4", 10_000, _cal()), 413, "design.pages", "over the limit"),
    ("10 000 book pages", _pages("photo-book-8x8-hardcover", 10_000), 413, "design.pages", "over the limit"),
    ("book 21 pages", _pages("photo-book-8x8-hardcover", 21), 422, "design.pages", "in steps of 2"),
    ("book 0 pages", _pages("photo-book-8x8-hardcover", 0), 422, "design.pages", "20 to 100 pages"),
    ("calendar year 99999", _pages("calendar-wall-a4", 12, _cal(year=99999)), 422, "design.pages[0].layers[0].year",
     "9999"),
    ("calendar year 1e308", _pages("calendar-wall-a4", 12, _cal(year=1e308)), 422, "design.pages[0].layers[0].year",
     ""),
    ("calendar locale", _pages("calendar-wall-a4", 12, _cal(locale="../../etc/passwd")), 422,
     "design.pages[0].layers[0].locale", "'en'"),
    ("calendar 1 000 holidays", _pages("calendar-wall-a4", 12, _cal(holidays=[{"date": "2027-01-01", "label": "x"}]
                                                                         * 1_000)), 422,
     "design.pages[0].layers[0].holidays", "at most 400"),
    ("10 000 surfaces", {"design": {"version": 1, "template": "card-folded-5x7",
                                    "surfaces": {f"s{i}": {"layers": []} for i in range(10_000)}}}, 413,
     "design.surfaces", "10000 surfaces, over the limit"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "body", "status", "field", "says"), PAGE_CASES, ids=[c[0] for c in PAGE_CASES])
def test_page_and_surface_bombs_are_refused_naming_the_field(
    live: int, name: str, body: dict[str, Any], status: int, field: str, says: str
) -> None:
    """10 000 surfaces answered 10 000 "no such surface" problems after 3 s: now one 413 before any check."""
    st, out, seconds = post_json(live, "/v1/preflight", body)
    assert st == status and out["field"] == field and says in out["message"], (name, st, out)
    assert seconds < 30


# ------------------------------------------------------------------ a fifth pass: CSV cells, slots, Fabric names


@pytest.mark.parametrize(
    ("name", "csv_text", "field", "says"),
    [
        ("an unquoted comma", "name\nSmith, John\nAsha\n", "rows[1]", "has 2 cells but the header names 1 column"),
        ("a value under no header", "name,\nAsha,Ravi\n", "rows[1]", "column 2, which the header leaves unnamed"),
        ("a quote never closed", 'name\n"Asha\nRavi\n', "csv", "a quoted cell is never closed"),
    ],
    ids=["unquoted comma", "unnamed column", "unclosed quote"],
)
def test_csv_cells_the_header_does_not_name_are_refused_never_dropped(
    live: int, name: str, csv_text: str, field: str, says: str
) -> None:
    """``Smith, John`` under a one-column header printed "Smith" (the extra cell was silently dropped), a value
    under an empty header name vanished, and an unclosed quote swallowed the rest of the file into one cell
    ("must be one line")."""
    st, out, _ = post_json(live, "/v1/batches", {**BATCH, "csv": csv_text})
    named = {p["field"]: p["message"] for p in out.get("problems", [])} or {out.get("field"): out.get("message")}
    assert st == 422 and any(f == field and says in m for f, m in named.items()), (name, st, out)
    assert "must be one line" not in json.dumps(out), out


def test_csv_line_ends_and_header_spaces_a_spreadsheet_writes_are_read(live: int) -> None:
    """Classic-Mac CR line ends were "not valid CSV (new-line character seen in unquoted field - do you need to
    open the file in universal-newline mode?)"; a header cell ``" name "`` was an unknown slot."""
    for csv_text in ("name\rAsha\rRavi\r", " name \r\nAsha\r\nRavi\r\n", "\ufeffname,\nAsha,\nRavi,\n"):
        st, out, _ = post_json(live, "/v1/batches", {**BATCH, "csv": csv_text})
        assert st == 202 and out["jobs"] == 2, (csv_text, out)


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("utf-16", "name\nAsha\n".encode("utf-16"), "UTF-16"),
        ("xlsx", b"PK\x03\x04" + bytes(200), "spreadsheet workbook"),
        ("gzip", __import__("gzip").compress(b"name\nAsha\n"), "gzip"),
        ("json", json.dumps([{"name": "Asha"}]).encode(), "this is JSON, not CSV"),
        ("cp1252", "name\n\u201cAsha\u201d\n".encode("cp1252"), "byte 0x93 at offset 5"),
    ],
    ids=["utf-16", "xlsx", "gzip", "json", "cp1252"],
)
def test_an_upload_that_is_not_csv_text_says_what_it_is(live: int, name: str, data: bytes, says: str) -> None:
    """A workbook or a JSON rows file was "no rows", every other encoding "the CSV file is UTF-8"."""
    st, out, _ = upload(live, data, BATCH)
    assert st == 422 and out["field"] == "file" and says in out["message"], (name, out)


def test_a_lone_surrogate_in_a_slot_says_so_not_control_characters(live: int) -> None:
    body = b'{"design_template": "christmas-tree", "product": "coaster-95-round", "values": {"name": "A\\ud83dB"}}'
    st, out, _ = post_json(live, "/v1/preflight", body)
    assert st == 422 and out["field"] == "slots.name", out
    assert "lone surrogate (U+D83D)" in out["message"] and "control" not in out["message"], out
    st, out, _ = post_json(live, "/v1/batches", {**BATCH, "rows": [{"name": "\ud83d"}]})  # a batch row too
    assert st == 422 and "lone surrogate" in json.dumps(out), out


def test_a_photo_that_is_not_an_asset_reference_names_the_slot_without_type_tags(live: int) -> None:
    """``photos: {"photo": "<path>"}`` answered ``photos.photo.dict[str,str]`` and ``photos.photo.list[...]``."""
    body = {"design_template": "christmas-tree", "product": "coaster-95-round", "values": {"name": "A"},
            "photos": {"photo": "../../etc/passwd"}}  # fmt: skip
    st, out, _ = post_json(live, "/v1/previews", body)
    assert st == 422 and out["field"] == "photos.photo" and "problems" not in out, out
    assert "dictionary or a valid list" in out["message"], out


def _fabric_doc(obj: dict[str, Any]) -> dict[str, Any]:
    return {"template": "card-folded-5x7", "canvas": {"width": 1000, "height": 700},
            "surfaces": {"outside": {"version": "6.9.1", "objects": [obj]}}}  # fmt: skip


FABRIC_RANGE_CASES = [
    ("huge charSpacing", {"type": "Textbox", "left": 0, "top": 0, "width": 300, "text": "Hi", "fontFamily": "Noto Sans",
                          "fontSize": 20, "charSpacing": 1e7}, "objects[0].charSpacing", "letter spacing, in em"),
    ("huge scale", {"type": "Rect", "left": 0, "top": 0, "width": 10, "height": 10, "scaleX": 1e12, "scaleY": 1e12,
                    "fill": "#f00"},
     "objects[0].width", "(width x scaleX), in mm"),
    ("huge font", {"type": "Textbox", "left": 0, "top": 0, "width": 300, "text": "Hi", "fontFamily": "Noto Sans",
                   "fontSize": 1e6}, "objects[0].fontSize", "font size on the product"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "obj", "prop", "says"), FABRIC_RANGE_CASES, ids=[c[0] for c in FABRIC_RANGE_CASES])
def test_fabric_values_out_of_range_are_named_by_the_fabric_property(
    live: int, name: str, obj: dict[str, Any], prop: str, says: str
) -> None:
    """A Fabric value out of the native range was named by the object only, its message in native words
    (``layers[0].box.x: Input should be …``, ``size: …``): now ``objects[0].left`` / ``fontSize`` with the unit."""
    st, out, _ = post_json(live, "/v1/preflight", {"dialect": "fabric", "design": _fabric_doc(obj)})
    problems = out.get("problems") or [out]
    assert st == 422 and any(p["field"] == f"design.surfaces.outside.{prop}" and says in p["message"]
                             for p in problems), (name, out)  # fmt: skip
    single = {"canvas": {"width": 400, "height": 400}, "canvas_covers": "trim", "template": "coaster-95-round",
              "fabric": {"version": "6.9.1", "objects": [obj]}}  # fmt: skip
    st, out, _ = post_json(live, "/v1/preflight", {"dialect": "fabric", "design": single})
    problems = out.get("problems") or [out]
    assert st == 422 and any(p["field"] == f"design.fabric.{prop}" for p in problems), (name, out)


def test_a_second_batch_while_one_is_checked_gets_a_429_and_the_gate_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One batch is checked at a time per process; the next waits (10 s in production, 0.3 s here), then 429
    with Retry-After and nothing stored; once the first is through, a batch is accepted again."""
    import api.batch_rows

    started, release = threading.Event(), threading.Event()
    real = api.batch_rows.admit_job

    def held(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(api.batch_rows, "admit_job", held)
    settings = ServiceSettings(storage_root=tmp_path, redis_url=None, api_keys=f"storefront:{SF},print-unit:{PU}",
                               embedded_workers=0)  # fmt: skip
    with app_client(settings) as c:
        c.app.state.render.batch_gate.wait = 0.3  # type: ignore[attr-defined]
        first: list[Any] = []
        t = threading.Thread(target=lambda: first.append(c.post("/v1/batches", json={**BATCH, "rows": [
            {"name": "Asha"}]}, headers=S)))  # fmt: skip
        t.start()
        assert started.wait(60)
        second = c.post("/v1/batches", json={**BATCH, "rows": [{"name": "Ravi"}]}, headers=S)
        release.set()
        t.join(60)
        assert second.status_code == 429 and second.json()["code"] == "too_many_requests", second.text
        assert second.headers["retry-after"] and "batch" in second.json()["message"], second.json()
        assert first and first[0].status_code == 202, first
        store = c.app.state.render.services.store
        assert sum(store.counts().values()) == 1  # the first batch's one job; nothing of the second
        again = c.post("/v1/batches", json={**BATCH, "rows": [{"name": "Ravi"}]}, headers=S)
        assert again.status_code == 202, again.text


EMPTY_SURFACES = [
    ("a card's one surface", {"design": {"version": 1, "template": "card-folded-5x7",
                                         "surfaces": {"outside": {"layers": []}}}}, "design.surfaces"),
    ("a t-shirt front", {"design": {"version": 1, "template": "tshirt-dtg", "surfaces": {"front": {"layers": []}}}},
     "design.surfaces"),
    ("20 empty book pages", {"design": {"version": 1, "template": "photo-book-8x8-hardcover",
                                        "pages": [{"layers": []}] * 20}}, "design.pages"),
    ("an empty Fabric canvas", {"dialect": "fabric", "design": {
        "template": "card-folded-5x7", "canvas": {"width": 1000, "height": 700},
        "surfaces": {"outside": {"version": "6.9.1", "objects": []}}}}, "design.surfaces"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "body", "field"), EMPTY_SURFACES, ids=[c[0] for c in EMPTY_SURFACES])
@pytest.mark.parametrize("path", ["/v1/previews", "/v1/preflight", "/v1/jobs"])
def test_surfaces_given_with_no_layers_are_a_422_not_a_500(
    live: int, path: str, name: str, body: dict[str, Any], field: str
) -> None:
    """``surfaces: {"outside": {"layers": []}}`` made no print file, and picking the first surface raised
    IndexError: 500 internal_error on every route (an empty Fabric canvas per side too)."""
    st, out, _ = post_json(live, path, body)
    assert st == 422 and out["field"] == field and "nothing to print" in out["message"], (name, st, out)


def test_a_fabric_object_without_fill_is_painted_black_as_fabric_does(live: int) -> None:
    """Fabric's default ``fill`` is ``rgb(0,0,0)``, so ``toJSON()`` with ``includeDefaultValues: false`` leaves a
    black fill out: such text and shapes were dropped (preflight ok, nothing printed)."""
    text = {"type": "Textbox", "left": 20, "top": 150, "width": 360, "text": "Asha", "fontFamily": "Noto Sans",
            "fontSize": 60}  # fmt: skip
    rect = {"type": "Rect", "left": 0, "top": 0, "width": 400, "height": 100}
    doc = {"canvas": {"width": 400, "height": 400}, "canvas_covers": "trim", "template": "coaster-95-round",
           "fabric": {"version": "6.9.1", "objects": [rect, text]}}  # fmt: skip
    st, out, _ = post_json(live, "/v1/preflight", {"dialect": "fabric", "design": doc})
    assert st == 200 and [t["text"] for t in out["texts"]] == ["Asha"], out
    assert out["source"]["layer_sources"] == ["fabric.objects[0]", "fabric.objects[1]"], out["source"]


def test_cli_outputs_that_cannot_be_written_are_one_line_never_a_traceback(tmp_path: Path) -> None:
    """``personalize``/``gallery``/``schema --out /dev/null/x`` printed a Python traceback, ``render`` and
    ``preflight --proof`` "internal error (NotADirectoryError)"; ``--fonts-dir /`` walked the whole disk and died
    on a vanished /proc entry ("internal error (FileNotFoundError)"), a missing one was ignored; a photo that
    is a device was "asset file not found"."""
    from tests.api.test_hostile_media import svg_design

    design = svg_design('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/>'
                        "</svg>")["design"]  # fmt: skip
    (tmp_path / "d.json").write_text(json.dumps(design), encoding="utf-8")
    text = {"type": "text", "text": "Hi", "font": {"family": "noto-sans"}, "size": 20,
            "box": {"x": 20, "y": 20, "width": 60, "height": 30}}  # fmt: skip
    card = {"version": 1, "template": "card-folded-5x7", "surfaces": {"outside": {"layers": [text]}}}
    (tmp_path / "card.json").write_text(json.dumps(card), encoding="utf-8")
    (tmp_path / "fonts").mkdir()
    for i in range(30):  # a folder far too big to be a fonts folder (the limit is lowered below)
        (tmp_path / "fonts" / f"f{i}.txt").write_text("x")
    runs = {
        "render": (["render", "card.json", "--out", "/dev/null/x"], "cannot write /dev/null/x"),
        "preflight": (["preflight", "card.json", "--proof", "/dev/null/x.png"], "proof: cannot write /dev/null/x"),
        "personalize": (["personalize", "christmas-tree", "--product", "coaster-95-round", "--set", "name=Asha",
                         "--out", "/dev/null/x"], "cannot write /dev/null/x (Not a directory)"),
        "gallery": (["gallery", "--out", "/dev/null/x", "d.json"], "cannot write /dev/null/x (Not a directory)"),
        "schema": (["schema", "--out", "/dev/null/x"], "cannot write /dev/null/x (Not a directory)"),
        "fonts-dir missing": (["render", "d.json", "--fonts-dir", "no-such-folder"], "fonts_dir: --fonts-dir"),
        "fonts-dir huge": (["render", "d.json", "--fonts-dir", "fonts"], "holds over 20 files and folders"),
        "photo device": (["personalize", "pet-portrait", "--product", "mug-11oz", "--photo", "photo=/dev/zero",
                          "--set", "pet=Rex", "--out", "o"], "photos.photo: asset is not a regular file"),
    }  # fmt: skip
    code = ("import sys, render_engine.inputs.font_folder as f; f.MAX_FOLDER_ENTRIES = 20; "
            "from render_engine.cli.main import main; raise SystemExit(main(sys.argv[1:]))")  # fmt: skip
    for name, (argv, says) in runs.items():
        r = subprocess.run([sys.executable, "-c", code, *argv], cwd=tmp_path, capture_output=True, text=True,
                           timeout=300)  # fmt: skip
        lines = [ln for ln in r.stderr.splitlines() if ln.strip() and "WARNING" not in ln]
        assert r.returncode != 0 and "Traceback" not in r.stderr, (name, r.stderr[-800:])
        assert any(says in ln for ln in lines) and len(lines) <= 2, (name, lines)


def _page_text(s: str) -> dict[str, Any]:
    return {"type": "text", "text": s, "font": {"family": "noto-sans"}, "size": 20,
            "box": {"x": 10, "y": 10, "width": 60, "height": 30}}  # fmt: skip


def test_a_book_page_previews_open_at_its_spread_not_no_mockup_scene(live: int) -> None:
    """``POST /v1/previews`` of a book's interior page (``page: 3``, or ``view: "open"``, or a book of pages
    only) was 422 "template photo-book-8x8-hardcover has no mockup scene": only the CLI drew the open book.
    Now the spread holding the page on the open-book scene (as ``render-engine mockup --view open``)."""
    import http.client

    import pyvips

    pages = [{"layers": [_page_text(f"P{i}")]} for i in range(20)]
    book = {"version": 1, "template": "photo-book-8x8-hardcover", "pages": pages,
            "surfaces": {"cover": {"layers": [_page_text("Cover")]}}}  # fmt: skip
    images = {}
    for name, extra in {"page 3": {"page": 3}, "open 3": {"view": "open", "page": 3}, "open 9": {"view": "open",
                        "page": 9}, "pages only": {}}.items():  # fmt: skip
        design = {**book, "surfaces": {}} if name == "pages only" else book
        body = json.dumps({"design": design, **extra}).encode()
        st, out, _ = call(live, "POST", "/v1/previews?format=png", body, {"Content-Type": "application/json",
                                                                           "Accept": "image/png"})  # fmt: skip
        assert st == 200, (name, out)
    c = http.client.HTTPConnection("127.0.0.1", live, timeout=120)
    for name, extra in {"page 3": {"page": 3}, "open 9": {"view": "open", "page": 9}}.items():
        c.request("POST", "/v1/previews?format=png", body=json.dumps({"design": book, **extra}).encode(),
                  headers={**S, "Content-Type": "application/json", "Accept": "image/png"})  # fmt: skip
        r = c.getresponse()
        images[name] = pyvips.Image.new_from_buffer(r.read(), "")
    c.close()
    assert images["page 3"].width == 800 and (images["page 3"] - images["open 9"]).abs().max() > 0  # other pages
    st, out, _ = post_json(live, "/v1/previews", {"design": book, "view": "open", "surface": "cover"})
    assert st == 422 and out["field"] == "surface", out
    card = {"version": 1, "template": "card-folded-5x7", "surfaces": {"outside": {"layers": [_page_text("x")]}}}
    st, out, _ = post_json(live, "/v1/previews", {"design": card, "view": "open"})
    assert st == 422 and out["field"] == "view" and "has no 'open' view" in out["message"], out


@pytest.mark.parametrize(
    ("name", "surfaces", "field", "says"),
    [
        ("a list", {"outside": [1, 2]}, "design.surfaces.outside", "a Fabric canvas is toJSON()"),
        ("null", {"outside": None}, "design.surfaces.outside", "a Fabric canvas is toJSON()"),
        ("not an object", [{"objects": []}], "design.surfaces", 'surfaces is {"<surface>"'),
    ],
    ids=["list", "null", "not an object"],
)
def test_a_fabric_surface_that_is_not_a_canvas_is_named(
    live: int, name: str, surfaces: Any, field: str, says: str
) -> None:
    """With no surface a canvas, the document was read as one canvas: "Fabric's toJSON() has no canvas size"
    naming ``design.canvas``, which the request gave."""
    doc = {"template": "card-folded-5x7", "canvas": {"width": 1000, "height": 700}, "surfaces": surfaces}
    st, out, _ = post_json(live, "/v1/preflight", {"dialect": "fabric", "design": doc})
    assert st == 422 and out["field"] == field and says in out["message"], (name, out)
