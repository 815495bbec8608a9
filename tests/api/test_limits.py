"""Resource limits of issue 9: concurrent previews (429 + Retry-After), preview wall time (503), JSON nesting
depth, combining-mark runs, animated images (first frame only, pixels counted over every frame)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pyvips

import render_engine
from api.limits import json_depth_exceeds
from render_engine.engine import Engine
from render_engine.farm.settings import ServiceSettings
from render_engine.inputs.assets import open_image, probe_image
from render_engine.layout.resolve import longest_combining_run
from render_engine.model.errors import LimitExceeded
from render_engine.model.settings import Settings
from tests.toolkit import STOREFRONT, app_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

SF = STOREFRONT
S = {"X-API-Key": SF}


def coaster(text: str = "Hi") -> dict[str, Any]:
    return {
        "version": 1,
        "template": "coaster-95-round",
        "layers": [
            {"type": "text", "text": text, "font": {"family": "noto-sans"}, "size": 20, "color": "#264653",
             "box": {"x": 10, "y": 30, "width": 75, "height": 30}},
        ],
    }


# set when a "sleep…" preflight holds its slot: the tests wait for it instead of guessing how long the request's way
# in takes on a loaded machine
entered = threading.Event()


@pytest.fixture
def slow_client(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """One preview slot, a 1.5 s preview timeout, and a preflight that takes as long as the text says.
    (Generous margins: CI runs this beside other tests on 2 cores.)"""

    import render_engine.checks.preflight as pf

    real = pf.preflight
    entered.clear()
    # warm the engine's fonts, dictionaries and colour transforms first: on a loaded machine a cold first preflight
    # alone can pass the 1.5 s timeout before the slowed step is reached
    render_engine.preflight(coaster("warm"), engine=engine)

    def slow(prep: Any, eng: Any) -> Any:
        text = next(la.text for la in prep.design.layers if hasattr(la, "text"))
        if text.startswith("sleep"):
            entered.set()
            time.sleep(float(text[5:]))
        return real(prep, eng)

    monkeypatch.setattr(pf, "preflight", slow)
    settings = ServiceSettings(
        storage_root=tmp_path, api_keys=f"storefront:{SF}", max_concurrent_previews=1, preview_timeout=1.5
    )
    with app_client(settings, engine) as c:
        yield c


def test_excess_previews_get_429_with_retry_after_not_a_queue(slow_client: Any) -> None:
    first: dict[str, Any] = {}

    def hold() -> None:
        first["r"] = slow_client.post("/v1/preflight", json={"design": coaster("sleep0.8")}, headers=S)

    t = threading.Thread(target=hold)
    t.start()
    assert entered.wait(30), "the first preflight never started"
    t0 = time.perf_counter()
    r = slow_client.post("/v1/preflight", json={"design": coaster("other")}, headers=S)
    assert time.perf_counter() - t0 < 0.6, "the excess request waited instead of being refused"
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    assert r.json()["code"] == "too_many_requests"
    t.join()
    assert first["r"].status_code == 200
    assert slow_client.post("/v1/preflight", json={"design": coaster("again")}, headers=S).status_code == 200


def test_preview_over_its_wall_time_is_503_and_keeps_its_slot_until_done(slow_client: Any) -> None:
    t0 = time.perf_counter()
    r = slow_client.post("/v1/preflight", json={"design": coaster("sleep3.0")}, headers=S)
    assert r.status_code == 503 and r.json()["code"] == "render_timeout" and "retry-after" in r.headers
    assert time.perf_counter() - t0 < 2.5
    # the abandoned render still runs: the one slot is taken, so no second render piles up behind it
    assert slow_client.post("/v1/preflight", json={"design": coaster("x")}, headers=S).status_code == 429
    time.sleep(max(0.0, 3.6 - (time.perf_counter() - t0)))
    assert slow_client.post("/v1/preflight", json={"design": coaster("y")}, headers=S).status_code == 200


def test_json_nesting_depth_is_refused_before_parsing(tmp_path: Path, engine: Engine) -> None:
    settings = ServiceSettings(storage_root=tmp_path, api_keys=f"storefront:{SF}", max_json_depth=32)
    with app_client(settings, engine) as c:
        for depth, status in ((20, 422), (40, 413), (200_000, 413)):
            meta = "[" * depth + "]" * depth
            raw = '{"design": {"version": 1, "template": "coaster-95-round", "layers": [], "meta": ' + meta + "}}"
            r = c.post("/v1/jobs", content=raw.encode(), headers={**S, "Content-Type": "application/json"})
            assert r.status_code == status, (depth, r.text[:200])
            assert set(r.json()) == {"code", "message", "field"}
        ok = c.post("/v1/preflight", json={"design": coaster('brackets in text [[[[{{{{ are "data"')}, headers=S)
        assert ok.status_code == 200, ok.text


def test_json_depth_scan() -> None:
    assert not json_depth_exceeds(b'{"a": [1, {"b": "[[[[[[[["}]}', 3)
    assert json_depth_exceeds(b'{"a": [1, {"b": [[]]}]}', 3)
    assert not json_depth_exceeds(b'{"a": [1, {"b": [[]]}]}', 5)
    assert json_depth_exceeds(b"[[[[[[[", 3)  # unbalanced but deeper than the limit before it breaks: too deep
    assert not json_depth_exceeds(b"[[]", 3)  # unbalanced and shallow: left to the parser
    assert not json_depth_exceeds(b'"\\"[[[[[[[[[[]]]]]]]]]]"', 3)  # brackets after an escaped quote


def test_zalgo_text_is_refused_with_the_field(engine: Engine, tmp_path: Path) -> None:
    from render_engine.model.design import parse_design
    from render_engine.pipeline import prepare

    assert longest_combining_run("a\u0309\u0303") == 2 and longest_combining_run("abc") == 0
    zalgo = "H" + "\u0301\u0316\u0337" * 10 + "i"
    with pytest.raises(LimitExceeded) as info:
        prepare(parse_design(coaster(zalgo)), engine, tmp_path)
    assert info.value.field == "layers[0].text"
    prepare(parse_design(coaster("Hà Nội — ञ्ज् — שָׁלוֹם")), engine, tmp_path)  # real scripts pass


def _animated_webp(path: Path, frames: int, w: int = 64, h: int = 48) -> Path:
    grad = pyvips.Image.xyz(w, h * frames)[1].cast("uchar")  # frames differ (identical ones would be merged)
    strip = grad.bandjoin([grad, grad]).copy(interpretation="srgb")
    strip.set_type(pyvips.GValue.gint_type, "page-height", h)
    strip.webpsave(str(path))
    return path


def test_animated_image_counts_every_frame_but_decodes_only_the_first(tmp_path: Path) -> None:
    path = _animated_webp(tmp_path / "anim.webp", frames=6)
    info = probe_image(path, "layers[0].asset", Settings())
    assert (info.width, info.height) == (64, 48)  # one frame, not the strip
    img, _ = open_image(info, 1.0, "layers[0].asset")
    assert (img.width, img.height) == (64, 48)
    with pytest.raises(LimitExceeded, match="6 pages") as exc:
        probe_image(path, "layers[0].asset", Settings(max_source_pixels=64 * 48 * 5))
    assert exc.value.field == "layers[0].asset"


def test_limit_defaults_are_documented_settings() -> None:
    for model, names in (
        (ServiceSettings, ("max_concurrent_previews", "preview_timeout", "max_json_depth", "job_timeout")),
        (Settings, ("max_combining_run", "max_text_chars", "max_source_pixels", "max_output_pixels")),
    ):
        for n in names:
            assert model.model_fields[n].description, n
    assert json.dumps(ServiceSettings(storage_root=Path("x")).max_concurrent_previews) == "4"


def test_layers_text_length_output_pixels_and_font_paths_are_bounded(tmp_path: Path) -> None:
    from render_engine.model.design import parse_design
    from render_engine.model.errors import DesignError
    from render_engine.pipeline import prepare, render_design

    small = Engine(Settings(max_layers=2, max_text_chars=10, max_output_pixels=1_000_000))
    many = coaster("a")
    many["layers"] *= 3
    cases = [(many, "layers"), (coaster("x" * 11), "layers[0].text")]
    for design, field in cases:
        with pytest.raises(LimitExceeded) as info:
            prepare(parse_design(design), small, tmp_path)
        assert info.value.field == field
    with pytest.raises(LimitExceeded):  # 95 mm + bleed at 300 DPI is ~1.3 MP
        render_design(parse_design(coaster("ok")), small, tmp_path / "out.png", base_dir=tmp_path, fmt="png")
    assert not (tmp_path / "out.png").exists()
    evil = coaster("hi")
    evil["layers"][0]["font"]["family"] = "../../../../etc/passwd"
    with pytest.raises(DesignError) as err:  # fonts come from the catalog by id or family name, never a path
        prepare(parse_design(evil), small, tmp_path)
    assert err.value.field == "layers[0].font.family"


def test_the_security_threat_table_names_only_tests_that_exist() -> None:
    import ast
    import re

    root = Path(__file__).resolve().parents[2]
    refs = set(re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", (root / "docs/security.md").read_text("utf-8")))
    assert len(refs) > 20
    for file, name in refs:
        tree = ast.parse((root / file).read_text("utf-8"))
        assert name in {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}, f"{file}::{name}"
