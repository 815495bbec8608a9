"""The /demo storefront page, driven in Debian's Chromium (headless) against a real `render-engine serve`.

The server runs as a subprocess with a private storage root, no Redis (embedded worker) and no API keys, so
it makes its own random storefront-only demo key, exactly as a newcomer's `render-engine serve` does; the
test reads that key from the page like the page itself does. Screenshots of every step go to
test-output/demo/; ``RENDER_ENGINE_UPDATE_DOCS_IMAGES=1`` also rewrites the README's docs/img/demo.png (the
ordered state). Skipped only when /usr/bin/chromium is missing (scripts/check.sh installs it).

Playwright drives the system Chromium through `executable_path`; never run `playwright install` here.
Also covers, without a browser, the demo-key rules and the storefront's own-jobs download rule.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from render_engine.testing import synth
from tests.net_support import free_port
from tests.toolkit import app_client

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "demo"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("demo-storage")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENDER_ENGINE_") and k != "REDIS_URL"}
    env["RENDER_ENGINE_STORAGE_ROOT"] = str(root)
    log = (root / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "render_engine.cli", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a cold start (imports, catalogs) takes 30 s and more at load 30+
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("render-engine serve did not start:\n" + (root / "serve.log").read_text())
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("demo-photos")
    tiny = d / "tiny.jpg"
    synth.save_jpeg(synth.landscape(200, 150), tiny)
    # a real photo (examples/assets/LICENSES.md) for the shopper's upload, as in the README's screenshot
    return {"big": ROOT / "examples" / "assets" / "landscape.jpg", "tiny": tiny}


PREVIEW_B64 = """async () => {
  const buf = new Uint8Array(await (await fetch(document.getElementById("preview").src)).arrayBuffer());
  let s = "";
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return btoa(s);
}"""


@contextmanager
def chromium_page(height: int) -> Iterator[tuple[Any, list[str]]]:
    """A page of headless Chromium, 1400 px wide and ``height`` high, and the errors it records: page errors and
    HTTP answers of 400 or more but 422 (a slot error the page shows at its field). Closed after the block."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": height})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and r.status != 422
                else None)  # fmt: skip
        page.set_default_timeout(20_000)
        try:
            yield page, errors
        finally:
            browser.close()


@needs_chromium
def test_demo_page_end_to_end(server: str, photos: dict[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})

        def on_console(m: Any) -> None:
            # a 422 is expected (the unprintable character); any other failed load or script error is not
            if m.type == "error" and "status of 422" not in m.text:
                errors.append(m.text)

        def on_response(r: Any) -> None:
            if r.status >= 400 and r.status != 422:
                errors.append(f"{r.status} {r.url}")

        def on_request(r: Any) -> None:
            if not r.url.startswith((server, "blob:", "data:")):
                outside.append(r.url)

        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", on_console)
        page.on("response", on_response)
        page.on("request", on_request)
        page.set_default_timeout(20_000)

        def wait_js(predicate: str, arg: Any = None, timeout: float = 20.0) -> None:
            # polled with page.evaluate (CDP), not wait_for_function: the page's CSP forbids eval, and the
            # test keeps that CSP on so it proves the page works under it
            deadline = time.monotonic() + timeout
            while not page.evaluate(predicate, arg):
                assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
                time.sleep(0.05)

        def shown() -> int:
            n: int = page.evaluate("window.demo.previews")
            return n

        def wait_preview(after: int) -> bytes:
            wait_js("n => window.demo.previews > n && !document.body.classList.contains('busy')", after)
            return base64.b64decode(page.evaluate(PREVIEW_B64))

        def api_preview(key: str) -> bytes:
            req = page.evaluate("window.demo.lastRequest")
            r = httpx.post(
                f"{server}/v1/previews", json=req, headers={"X-API-Key": key, "Accept": "image/jpeg"}, timeout=30
            )
            assert r.status_code == 200, r.text
            return r.content

        # 1. the page loads the catalog and shows the empty mug
        page.goto(f"{server}/demo")
        wait_js("() => window.demo && window.demo.ready && window.demo.previews > 0")
        key = page.get_attribute('meta[name="render-engine-key"]', "content")
        assert key and len(key) >= 16
        assert page.input_value("#template") == "mug-11oz"
        assert page.eval_on_selector_all("#view option", "os => os.map(o => o.value)") == ["front", "left", "right"]
        page.screenshot(path=str(SHOTS / "01-loaded.png"))

        # the demo key is a storefront key: the print-unit scope is out of reach
        assert httpx.get(f"{server}/v1/print-queue", headers={"X-API-Key": key}).status_code == 403

        # 2. a photo: uploaded through /v1/assets, placed over the bleed box
        n = shown()
        page.set_input_files("#photo", str(photos["big"]))
        photo_only = wait_preview(n)
        design = page.evaluate("window.demo.lastRequest.design")
        image = next(layer for layer in design["layers"] if layer["type"] == "image")
        assert image["box"] == {"x": -2, "y": -2, "width": 232.6, "height": 92.9}
        assert photo_only == api_preview(key)
        page.screenshot(path=str(SHOTS / "02-photo.png"))

        # 3. a name: the preview changes and is the API's preview of the same design, byte for byte
        n = shown()
        page.locator("#text").press_sequentially("Grandma Rose", delay=20)  # keystrokes: debounced previews
        wait_js("() => window.demo.lastRequest.design.layers.some(l => l.text === 'Grandma Rose')")
        named = wait_preview(n)
        design = page.evaluate("window.demo.lastRequest.design")
        text = next(layer for layer in design["layers"] if layer["type"] == "text")
        assert text["text"] == "Grandma Rose"
        assert text["color"] == "#1a1a1a"  # the default colour reads on the white mug
        assert "text.low_contrast" not in page.evaluate("window.demo.preflight.findings.map(f => f.code)")
        assert text["box"] == {"x": 6, "y": 6, "width": 216.6, "height": 76.9}  # the template's safe area
        assert named != photo_only
        assert named == api_preview(key)
        assert page.text_content("#echo") == "Grandma Rose"
        page.screenshot(path=str(SHOTS / "03-name.png"))

        # 4. a character no bundled font has: the page says so, in plain words
        n = page.evaluate("window.demo.previews")
        page.fill("#text", "Grandma \U00013000")
        item = page.wait_for_selector('#findings li[data-code="font_error"]')
        assert "cannot be printed" in item.text_content()  # type: ignore[operator]
        assert "U+13000" in item.text_content()  # type: ignore[operator]
        assert page.is_disabled("#order")
        page.screenshot(path=str(SHOTS / "04-missing-glyph.png"))
        page.fill("#text", "Grandma Rose")
        wait_js("n => window.demo.previews > n && !!window.demo.preflight", n)

        # 5. a tiny photo: the low-resolution blocker with the measured DPI; no order possible
        n = shown()
        page.set_input_files("#photo", str(photos["tiny"]))
        wait_preview(n)
        item = page.wait_for_selector('#findings li[data-code="image.resolution_too_low"]')
        report = page.evaluate("window.demo.preflight")
        finding = next(f for f in report["findings"] if f["code"] == "image.resolution_too_low")
        assert f"Measured {finding['measured']:.1f} DPI" in item.text_content()  # type: ignore[operator]
        assert finding["measured"] < 30
        assert page.is_disabled("#order")
        page.screenshot(path=str(SHOTS / "05-low-resolution.png"))

        # 6. back to the good photo, confirm the spelling, order: the job gets ready and its PDF downloads
        n = shown()
        page.set_input_files("#photo", str(photos["big"]))
        wait_preview(n)
        assert page.is_disabled("#order")  # spelling not confirmed yet
        page.check("#confirm")
        assert page.is_enabled("#order")
        page.click("#order")
        link = page.wait_for_selector('#files a[data-name$=".pdf"]', timeout=45_000)
        head = page.evaluate(
            "async a => Array.from(new Uint8Array(await (await fetch(a.href)).arrayBuffer()).slice(0, 5))", link
        )
        assert bytes(head) == b"%PDF-"
        job: dict[str, Any] = page.evaluate("window.demo.job")
        assert job["state"] == "ready"
        assert "job" in (page.text_content("#job") or "").lower()
        page.screenshot(path=str(SHOTS / "06-ordered.png"), full_page=True)
        if os.environ.get("RENDER_ENGINE_UPDATE_DOCS_IMAGES") == "1":  # the README's screenshot, on request
            page.screenshot(path=str(ROOT / "docs" / "img" / "demo.png"))
        (SHOTS / "job.json").write_text(json.dumps(job, indent=2))

        # 7. a garment: the template's variants (garment colours) become a picker and reach /v1/previews
        n = shown()
        page.select_option("#template", "tshirt-front-dtg")
        wait_preview(n)
        variants = page.eval_on_selector_all("#variant option", "os => os.map(o => o.value)")
        assert variants == ["white", "black", "heather-grey"]
        n = shown()
        page.select_option("#variant", "black")
        shirt = wait_preview(n)
        req = page.evaluate("window.demo.lastRequest")
        assert (req["design"]["template"], req["variant"]) == ("tshirt-front-dtg", "black")
        assert shirt == api_preview(key)
        page.screenshot(path=str(SHOTS / "07-tshirt-black.png"))

        # 8. a t-shirt's back (docs/products.md): the Side picker puts the design on that surface and the preview
        # shows that surface (the API's preview of the same request, byte for byte)
        assert page.is_hidden("#side-label")
        n = shown()
        page.select_option("#template", "tshirt-dtg")
        wait_preview(n)
        sides = page.eval_on_selector_all("#side option", "os => os.map(o => o.value)")
        assert sides == ["front", "back", "sleeve-left"] and page.is_visible("#side-label")
        n = shown()
        page.select_option("#side", "back")
        back = wait_preview(n)
        req = page.evaluate("window.demo.lastRequest")
        assert req["surface"] == "back" and list(req["design"]["surfaces"]) == ["back"]
        assert "layers" not in req["design"]
        assert back == api_preview(key)
        page.screenshot(path=str(SHOTS / "08-tshirt-back.png"))

        # 9. a folded card's inside: ordered, it is one two-page card.pdf
        n = shown()
        page.select_option("#template", "card-folded-5x7")
        wait_preview(n)
        n = shown()
        page.select_option("#side", "inside")
        wait_preview(n)
        assert page.evaluate("window.demo.lastRequest.surface") == "inside"
        page.screenshot(path=str(SHOTS / "09-card-inside.png"))
        page.check("#confirm")
        assert page.is_enabled("#order"), page.text_content("#order-hint")
        before = page.evaluate("window.demo.job.id")  # the mug ordered in step 6
        page.click("#order")
        wait_js("id => window.demo.job.id !== id && ['ready', 'failed'].includes(window.demo.job.state)", before,
                timeout=180)  # fmt: skip
        assert page.evaluate("window.demo.job.state") == "ready", page.text_content("#job")
        link = page.wait_for_selector('#files a[data-name="card.pdf"]', timeout=60_000)
        head = page.evaluate(
            "async a => Array.from(new Uint8Array(await (await fetch(a.href)).arrayBuffer()).slice(0, 5))", link
        )
        assert bytes(head) == b"%PDF-"
        assert page.evaluate("window.demo.job.parts") == [
            {"name": "card", "format": "pdf", "pages": 2, "surfaces": ["outside", "inside"]}
        ]

        browser.close()
    assert not errors, errors
    assert not outside, f"the page fetched from elsewhere: {outside}"


@needs_chromium
def test_demo_template_picker(server: str) -> None:
    """The template picker (#19): the design templates that fit the product (as GET /v1/design-templates
    lists them; another product, another list); picking one shows a field per slot with its constraints;
    the preview is the template filled with what the shopper types (the API's preview of the same request,
    byte for byte), changes with the typed name, and a slot error (required, too long) is shown at its
    field, holding the order back; a photo uploaded into the photo slot clears its error."""

    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(1000) as (page, errors):

        def wait_js(predicate: str, arg: Any = None, timeout: float = 30.0) -> None:
            deadline = time.monotonic() + timeout
            while not page.evaluate(predicate, arg):
                assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
                time.sleep(0.05)

        def settled_preview(after: int) -> bytes:
            wait_js("n => window.demo.previews > n && !document.body.classList.contains('busy')", after)
            return base64.b64decode(page.evaluate(PREVIEW_B64))

        def slot_error(name: str) -> str:
            return page.text_content(f'.slot-error[data-slot="{name}"]') or ""

        page.goto(f"{server}/demo")
        wait_js("() => window.demo && window.demo.ready && window.demo.previews > 0")
        key = page.get_attribute('meta[name="render-engine-key"]', "content") or ""

        def listed(product: str) -> list[str]:
            r = httpx.get(f"{server}/v1/design-templates", params={"product": product}, headers={"X-API-Key": key})
            return [t["id"] for t in r.json()["design_templates"]]

        options = lambda: page.eval_on_selector_all("#design option", "os => os.map(o => o.value)")  # noqa: E731
        assert options() == ["", *listed("mug-11oz")] and "birthday-balloons" in options()
        n = page.evaluate("window.demo.previews")
        page.select_option("#template", "card-5x7")
        settled_preview(n)
        assert options() == ["", *listed("card-5x7")] and options() != ["", *listed("mug-11oz")]
        n = page.evaluate("window.demo.previews")
        page.select_option("#template", "mug-11oz")
        settled_preview(n)

        # the design template: a field per slot, with its constraints; the empty required ones are marked
        n = page.evaluate("window.demo.previews")
        page.select_option("#design", "birthday-balloons")
        empty = settled_preview(n)
        assert page.is_hidden("#free") and page.is_visible("#slot-name")
        assert "up to 18 characters" in (page.text_content("label:has(#slot-name) .hint") or "")
        fonts = page.eval_on_selector_all("#slot-name-font option", "os => os.map(o => o.value)")
        assert fonts == ["", "lobster-two", "dancing-script", "bebas-neue"]
        assert slot_error("name").startswith("required") and slot_error("photo").startswith("required")
        assert page.is_disabled("#order") and "marked fields" in (page.text_content("#order-hint") or "")
        page.screenshot(path=str(SHOTS / "10-template-picked.png"))

        # typing a name: the preview is the template filled with it, and changes with it
        n = page.evaluate("window.demo.previews")
        page.locator("#slot-name").press_sequentially("Asha", delay=20)
        wait_js("() => JSON.stringify(window.demo.lastRequest.design).includes('Asha')")
        asha = settled_preview(n)
        assert asha != empty and slot_error("name") == ""
        req = page.evaluate("window.demo.lastRequest")
        r = httpx.post(f"{server}/v1/previews", json=req, headers={"X-API-Key": key, "Accept": "image/jpeg"},
                       timeout=60)  # fmt: skip
        assert r.status_code == 200 and r.content == asha
        n = page.evaluate("window.demo.previews")
        page.fill("#slot-name", "Ravi")
        wait_js("() => JSON.stringify(window.demo.lastRequest.design).includes('Ravi')")
        ravi = settled_preview(n)
        assert ravi not in (asha, empty)
        page.select_option("#slot-name-color", "#118ab2")
        wait_js("() => JSON.stringify(window.demo.lastRequest.design).includes('#118ab2')")

        # too long for the slot: the API's message at the field, the last good preview kept, no order
        page.fill("#slot-name", "Maximilian Alexander")
        wait_js("() => (document.querySelector('.slot-error[data-slot=name]').textContent || '').includes('at most')")
        assert slot_error("name") == "at most 18 characters (it has 20)"
        assert "invalid" in (page.get_attribute("#slot-name", "class") or "")
        assert page.is_disabled("#order")
        page.screenshot(path=str(SHOTS / "11-template-slot-error.png"))

        # the photo slot: an upload fills it, every error clears, and the order can go
        n = page.evaluate("window.demo.previews")
        page.fill("#slot-name", "Ravi")
        page.set_input_files("#slot-photo", str(ROOT / "examples" / "assets" / "portrait.jpg"))
        wait_js("() => !!window.demo.slotPhotos.photo")
        wait_js("n => window.demo.previews > n && !document.body.classList.contains('busy') && "
                "Object.keys(window.demo.slotErrors).length === 0", n, timeout=60)  # fmt: skip
        design = page.evaluate("window.demo.lastRequest.design")
        assert any(layer.get("asset_id") == page.evaluate("window.demo.slotPhotos.photo.asset_id")
                   for layer in design["layers"])  # fmt: skip
        assert slot_error("photo") == ""
        if page.evaluate("window.demo.preflight.ok"):
            page.check("#confirm")
            assert page.is_enabled("#order"), page.text_content("#order-hint")
        page.screenshot(path=str(SHOTS / "12-template-filled.png"))
    assert not errors, errors


# ------------------------------------------------------------------------------- demo key and download rules


def test_demo_key_rules(tmp_path: Path) -> None:
    from api.routes.demo import demo_api_key
    from render_engine.farm.settings import ServiceSettings

    sf, pu = "storefront-key-0123456789", "printunit-key-0123456789"
    configured = ServiceSettings(storage_root=tmp_path, api_keys=f"storefront:{sf},print-unit:{pu}")
    assert demo_api_key(configured) is None  # keys configured, no demo key: no /demo
    with app_client(configured) as c:
        assert c.get("/demo").status_code == 404
    auto = demo_api_key(ServiceSettings(storage_root=tmp_path, api_keys=""))
    assert auto is not None and auto.scopes == {"storefront"} and len(auto.key) >= 16
    with pytest.raises(ValueError, match="demo key must differ"):
        ServiceSettings(storage_root=tmp_path, api_keys=f"print-unit:{pu}", demo_key=pu)
    named_demo = json.dumps([{"name": "demo", "key": sf, "scopes": ["storefront"]}])
    with pytest.raises(ValueError, match="key name 'demo'"):
        ServiceSettings(storage_root=tmp_path, api_keys=named_demo, demo_key="d" * 20)
    explicit = ServiceSettings(storage_root=tmp_path, api_keys=f"storefront:{sf},print-unit:{pu}", demo_key="d" * 20)
    with app_client(explicit) as c:
        page = c.get("/demo")
        assert page.status_code == 200 and 'content="' + "d" * 20 + '"' in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert c.get("/v1/print-queue", headers={"X-API-Key": "d" * 20}).status_code == 403


def test_storefront_downloads_only_its_own_jobs(tmp_path: Path) -> None:
    from render_engine.farm.settings import ServiceSettings

    keys = json.dumps(
        [
            {"name": "shop-a", "key": "shop-a-key-0123456789", "scopes": ["storefront"]},
            {"name": "shop-b", "key": "shop-b-key-0123456789", "scopes": ["storefront"]},
            {"name": "printer", "key": "printer-key-0123456789", "scopes": ["print-unit"]},
        ]
    )
    a, b, p = ({"X-API-Key": f"{n}-key-0123456789"} for n in ("shop-a", "shop-b", "printer"))
    design = {
        "version": 1,
        "template": "coaster-95-round",
        "layers": [{"type": "background", "color": "#336699"}],
    }
    with app_client(ServiceSettings(storage_root=tmp_path, api_keys=keys)) as c:
        jid = c.post("/v1/jobs", json={"design": design}, headers=a).json()["job_id"]
        deadline = time.monotonic() + 30
        while (job := c.get(f"/v1/jobs/{jid}", headers=a).json())["state"] not in ("ready", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert job["state"] == "ready", job
        url = job["artifacts"][0]["url"]
        assert c.get(url, headers=a).status_code == 200  # its own job
        assert c.get(url, headers=p).status_code == 200  # the print unit, as before
        assert c.get(url, headers=b).status_code == 403  # another shop's job
        assert c.get(url.replace(jid, "0" * 32), headers=b).status_code == 403  # no probing for job ids


def test_demo_files_ship_nothing_external() -> None:
    for name in ("index.html", "demo.js", "demo.css"):
        text = (ROOT / "api" / "demo" / name).read_text("utf-8")
        for bad in ("http://", "https://", "//cdn", "@import"):
            assert bad not in text, (name, bad)
