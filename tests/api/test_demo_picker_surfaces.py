"""The /demo template picker (#19) on a design template with two photo slots on a two-sided product, driven in
Debian's Chromium (headless) against a real `render-engine serve` (the server of test_demo_browser.py).

`then-and-now` on `cushion-40x40` prints a photo slot on each side (front: "then", back: "now") with a name and a
year: the page shows a field per slot (a file input per photo slot), offers exactly the sides the template
prints (and for `pet-portrait`, which prints the cushion's front only, the front alone), and every preview —
after each field, each upload and the side switch — is the API's preview of the same request, byte for byte.
Slot errors (a photo below the slot's DPI, a year too long) appear under their own fields."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import httpx

from render_engine.testing import synth
from tests.api.test_demo_browser import PREVIEW_B64, ROOT, SHOTS, chromium_page, needs_chromium, server

__all__ = ["server"]  # the module-scoped live server fixture, shared with test_demo_browser.py

ASSETS = ROOT / "examples" / "assets"


@needs_chromium
def test_picker_fills_every_photo_slot_on_every_side(server: str, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tiny = synth.save_jpeg(synth.landscape(200, 150), tmp_path / "tiny.jpg")
    with chromium_page(1100) as (page, errors):

        def wait_js(predicate: str, arg: Any = None, timeout: float = 150.0) -> None:
            deadline = time.monotonic() + timeout  # a two-sided preview + preflight of two big photos, at load 30+
            while not page.evaluate(predicate, arg):
                if time.monotonic() > deadline:
                    state = page.evaluate("({previews: demo.previews, errors: demo.slotErrors, error: demo.error && "
                                          "demo.error.message, status: document.getElementById('preview-status')"
                                          ".textContent})")  # fmt: skip
                    raise AssertionError(f"timed out waiting for {predicate}: {state}")
                time.sleep(0.05)

        def shown() -> int:
            return int(page.evaluate("window.demo.previews"))

        def settled(after: int, extra: str = "true") -> bytes:
            wait_js(f"n => window.demo.previews > n && !document.body.classList.contains('busy') && ({extra})", after)
            return base64.b64decode(page.evaluate(PREVIEW_B64))

        def api_preview() -> bytes:
            req = page.evaluate("window.demo.lastRequest")
            r = httpx.post(f"{server}/v1/previews", json=req, headers={"X-API-Key": key, "Accept": "image/jpeg"},
                           timeout=120)  # fmt: skip
            assert r.status_code == 200, r.text
            return r.content

        def slot_error(name: str) -> str:
            return page.text_content(f'.slot-error[data-slot="{name}"]') or ""

        def options(select: str) -> list[str]:
            return list(page.eval_on_selector_all(f"{select} option", "os => os.map(o => o.value)"))

        def surface_layers(side: str) -> list[dict[str, Any]]:
            return list(page.evaluate("s => window.demo.lastRequest.design.surfaces[s].layers", side))

        def photo_of(slot: str) -> str:
            return str(page.evaluate("s => window.demo.slotPhotos[s].asset_id", slot))

        page.goto(f"{server}/demo")
        wait_js("() => window.demo && window.demo.ready && window.demo.previews > 0")
        key = page.get_attribute('meta[name="render-engine-key"]', "content") or ""

        n = shown()
        page.select_option("#template", "cushion-40x40")
        settled(n)
        assert options("#side") == ["front", "back"]

        # a template with a photo slot on each side: a field per slot, the photo ones file inputs
        n = shown()
        page.select_option("#design", "then-and-now")
        empty = settled(n)
        fields = page.eval_on_selector_all("#slots .slot input", "is => is.map(i => [i.id, i.type])")
        assert fields == [["slot-then", "file"], ["slot-now", "file"], ["slot-names", "text"], ["slot-since", "text"]]
        assert options("#side") == ["front", "back"] and page.input_value("#side") == "front"
        assert slot_error("then").startswith("required") and slot_error("now").startswith("required")
        assert slot_error("names") == "" and slot_error("since") == ""  # they have defaults
        assert page.is_disabled("#order")

        # every text slot typed: the preview changes, and is the API's
        n = shown()
        page.fill("#slot-names", "Mira & Karan")
        page.fill("#slot-since", "1999")
        named = settled(n, "JSON.stringify(window.demo.lastRequest.design).includes('Together since 1999')")
        assert named != empty and named == api_preview()
        assert any(layer.get("text") == "Mira & Karan" for layer in surface_layers("front"))

        # each photo slot uploaded: its photo goes onto its own side, the other side keeps its placeholder
        n = shown()
        page.set_input_files("#slot-then", str(ASSETS / "portrait.jpg"))
        wait_js("() => !!window.demo.slotPhotos.then")
        then = settled(n, "JSON.stringify(window.demo.lastRequest.design.surfaces.front).includes("
                          "window.demo.slotPhotos.then.asset_id)")  # fmt: skip
        assert then != named and then == api_preview()
        assert [la.get("asset_id") for la in surface_layers("front") if la["type"] == "image"] == [photo_of("then")]
        assert not any(la["type"] == "image" for la in surface_layers("back"))  # still the placeholder (SVG)
        assert slot_error("then") == "" and slot_error("now").startswith("required")
        n = shown()
        page.set_input_files("#slot-now", str(ASSETS / "landscape.jpg"))
        wait_js("() => !!window.demo.slotPhotos.now")
        front = settled(n, "Object.keys(window.demo.slotErrors).length === 0")
        assert [la.get("asset_id") for la in surface_layers("back") if la["type"] == "image"] == [photo_of("now")]
        assert front == api_preview()
        page.screenshot(path=str(SHOTS / "13-two-photos-front.png"))

        # the other side: its own preview, the API's of the same request
        n = shown()
        page.select_option("#side", "back")
        back = settled(n, "window.demo.lastRequest.surface === 'back'")
        assert back != front and back == api_preview()
        assert page.evaluate("window.demo.preflight.ok") is True
        page.check("#confirm")
        assert page.is_enabled("#order"), page.text_content("#order-hint")
        page.screenshot(path=str(SHOTS / "14-two-photos-back.png"))

        # slot errors under their own fields: a photo below the slot's DPI, a year too long; no order
        page.set_input_files("#slot-now", str(tiny))
        page.fill("#slot-since", "19999")
        wait_js("() => window.demo.slotErrors.now && window.demo.slotErrors.since")
        assert "dpi" in slot_error("now") and "at least 100 dpi" in slot_error("now"), slot_error("now")
        assert slot_error("since") == "at most 4 characters (it has 5)"
        assert slot_error("then") == "" and slot_error("names") == ""
        for name, bad in (("now", True), ("since", True), ("then", False), ("names", False)):
            assert ("invalid" in (page.get_attribute(f"#slot-{name}", "class") or "")) is bad, name
        assert page.is_disabled("#order")
        page.screenshot(path=str(SHOTS / "15-two-photos-slot-errors.png"))

        # a template printing the front only offers the front alone; your own design all sides again
        n = shown()
        page.select_option("#design", "pet-portrait")
        settled(n)
        assert options("#side") == ["front"]
        assert page.evaluate("window.demo.lastRequest.surface") == "front"
        n = shown()
        page.select_option("#design", "")
        settled(n)
        assert options("#side") == ["front", "back"]
    assert not errors, errors
