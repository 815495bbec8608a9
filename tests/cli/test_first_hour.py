"""A new user's first hour: installs that work, errors that say what to fix, docs that tell the truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from render_engine.inputs.assets import resolve_path
from render_engine.model.errors import AssetError
from render_engine.model.settings import Settings, bundled_dir
from tests.conftest import ROOT, design, write_design
from tests.toolkit import app_client


def test_bundled_data_folders_exist_and_environment_overrides_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("templates_print", "fonts", "icc_profiles", "mockups"):
        assert bundled_dir(name).is_dir(), name
    s = Settings()
    assert (s.templates_dir / "mug-11oz.json").is_file()
    assert (s.fonts_dir / "catalog.json").is_file()
    assert (s.icc_dir / "profiles.json").is_file()
    monkeypatch.setenv("RENDER_ENGINE_TEMPLATES_DIR", str(tmp_path))
    monkeypatch.setenv("RENDER_ENGINE_FONTS_DIR", str(tmp_path / "f"))
    assert Settings().templates_dir == tmp_path
    assert Settings().fonts_dir == tmp_path / "f"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "render_engine.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_missing_asset_names_the_path_tried_and_what_it_is_relative_to(tmp_path: Path) -> None:
    sub = tmp_path / "designs"
    sub.mkdir()
    box = {"x": 0, "y": 0, "width": 10, "height": 10}
    path = write_design(sub, design("card-5x7", {"type": "image", "asset": "photos/me.jpg", "box": box}))
    r = _cli("validate", str(path))
    assert r.returncode == 1
    line = r.stdout.strip()
    assert "layers[0].asset: asset file not found" in line
    assert "relative to the design file" in line
    assert f"tried {sub.resolve() / 'photos' / 'me.jpg'}" in line
    # the API's message (to_dict) carries neither the server path nor the input
    with pytest.raises(AssetError) as err:
        resolve_path(sub, "photos/me.jpg", "layers[0].asset")
    assert str(sub) not in json.dumps(err.value.to_dict())
    assert "me.jpg" not in json.dumps(err.value.to_dict())


def _overflowing(tmp_path: Path) -> Path:
    """A card whose message crosses the trim (it runs into the bleed): a warning, not an error."""
    text = {"type": "text", "text": "Happy Birthday", "font": {"family": "noto-sans"}, "size": 30,
            "color": "#000000", "box": {"x": -1, "y": 20, "width": 130, "height": 20}}
    return write_design(tmp_path, design("card-5x7", {"type": "background", "color": "#ffffff"}, text))


def test_render_and_validate_print_preflight_warnings_and_strict_fails(tmp_path: Path) -> None:
    path = _overflowing(tmp_path)
    r = _cli("validate", str(path))
    assert r.returncode == 0, r.stderr
    warns = [ln for ln in r.stderr.splitlines() if " WARNING " in ln]
    assert warns and all(ln.startswith(f"{path}: WARNING layers[1]: ") for ln in warns), r.stderr
    assert any("[safe.text_outside]" in ln for ln in warns), r.stderr
    for cmd in (["validate", str(path)], ["render", str(path), "--out", str(tmp_path / "out"), "--dpi", "30"]):
        strict = _cli(*cmd, "--strict")
        assert strict.returncode == 1
        assert [ln for ln in strict.stderr.splitlines() if " WARNING " in ln] == warns
        assert "1 design(s) with preflight warnings (--strict)" in strict.stderr
        assert "Traceback" not in strict.stderr
    assert (tmp_path / "out" / "design.pdf").is_file()  # --strict still renders; only the exit code changes
    clean = _cli("validate", "--strict", str(ROOT / "examples" / "mug-11oz-photo-name.json"))
    assert clean.returncode == 0, clean.stderr


def test_serve_without_keys_prints_the_random_demo_key_the_page_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from render_engine.cli.farm import announce
    from render_engine.farm.settings import ServiceSettings

    settings = ServiceSettings(storage_root=tmp_path, api_keys="", redis_url=None)
    app = create_app(settings)
    announce(settings, app.state.demo_key, "0.0.0.0", 8123)
    err = capsys.readouterr().err
    key = app.state.demo_key.key
    assert f"random storefront-only key for this process: {key}" in err
    assert "http://127.0.0.1:8123/demo" in err
    with TestClient(app) as c:
        assert f'content="{key}"' in c.get("/demo").text
        assert c.get("/v1/templates", headers={"X-API-Key": key}).status_code == 200


BAD_LAYERS = [
    {"type": "text", "text": "a", "size": -1, "box": {"x": 0, "y": 0, "width": -1}},
    {"type": "image"},
    {"type": "shape", "shape": "rect", "box": {"x": 0, "y": 0, "width": 1, "height": 1}, "fill": 12},
]
BAD_FIELDS = ["layers[0].font", "layers[0].size", "layers[0].box.width", "layers[0].box.height", "layers[1].box",
              "layers[2].fill"]


def test_a_schema_error_lists_every_problem_with_its_field_cli_and_api(tmp_path: Path) -> None:
    path = write_design(tmp_path, design("mug-11oz", *BAD_LAYERS))
    r = _cli("validate", str(path))
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert [ln.split(" INVALID ")[1].split(":")[0] for ln in lines] == BAD_FIELDS, r.stdout
    assert all(ln.startswith(f"{path}: INVALID ") for ln in lines) and "more problem" not in r.stdout

    from render_engine.farm.settings import ServiceSettings

    key = "storefront-key-0123456789"
    h = {"X-API-Key": key}
    with app_client(ServiceSettings(storage_root=tmp_path, api_keys=f"storefront:{key}")) as c:
        body = c.post("/v1/preflight", json={"design": design("mug-11oz", *BAD_LAYERS)}, headers=h).json()
        assert body["code"] == "invalid_design" and body["field"] == "design.layers[0].font"
        assert [p["field"] for p in body["problems"]] == ["design." + f for f in BAD_FIELDS]
        # request-level problems too (outputs, priority), as a list
        r2 = c.post("/v1/jobs", json={"design": design("mug-11oz"), "outputs": {"formats": ["tiff"], "dpi": "x"},
                                      "priority": "now"}, headers=h)
        assert r2.status_code == 422
        assert {p["field"] for p in r2.json()["problems"]} == {"outputs.formats[0]", "outputs.dpi", "priority"}
        # a body that is not JSON: where, and why
        bad = b'{"design": {"version": 1,\n  "template": "mug-11oz" "layers": []}}'
        r3 = c.post("/v1/jobs", content=bad, headers={**h, "Content-Type": "application/json"})
        assert r3.status_code == 422 and r3.json()["code"] == "invalid_json"
        with pytest.raises(json.JSONDecodeError) as want:  # the same place Python's own decoder names
            json.loads(bad)
        assert (want.value.lineno, want.value.colno) == (2, 26)
        assert r3.json()["message"] == "not valid JSON at line 2 column 26 (Expecting ',' delimiter)"


def test_unknown_template_and_font_suggest_the_closest(tmp_path: Path) -> None:
    from render_engine.engine import Engine
    from render_engine.model.errors import FontError, TemplateError

    engine = Engine(Settings())
    with pytest.raises(TemplateError, match=r"unknown template \(did you mean mug-11oz\?\)"):
        engine.templates.get("mug11oz")
    with pytest.raises(FontError, match=r"did you mean Dancing Script\?"):
        engine.fonts.family_id("dancing scrpt")
    from render_engine import render_design

    fabric = {"template": "mug-11oz", "canvas": {"width": 1200, "height": 466}, "fabric": {"version": "6.0.0",
              "objects": [{"type": "Textbox", "text": "Hi", "fontFamily": "Dancing Scrpt", "fontSize": 40}]}}
    # Fabric's fontFamily too: printed in the default sans-serif face as Fabric draws it, with the suggestion
    warned = render_design(fabric, tmp_path / "x.pdf").warnings
    assert any("fontFamily" in w and "did you mean Dancing Script?" in w for w in warned), warned
    with pytest.raises(TemplateError) as nothing_close:
        engine.templates.get("zzzzzz")
    assert "did you mean" not in str(nothing_close.value)


def test_colour_names_for_preflight_words() -> None:
    from render_engine.checks.words import colour_name

    named = {(255, 255, 255): "white", (0, 0, 0): "black", (128, 128, 128): "grey", (230, 230, 230): "light grey",
             (255, 255, 0): "yellow", (193, 18, 31): "red", (29, 53, 87): "dark blue", (120, 70, 20): "brown",
             (255, 192, 203): "pink", (0, 128, 0): "dark green", (60, 180, 75): "green", (255, 165, 0): "orange"}
    assert {rgb: colour_name(rgb) for rgb in named} == named


def test_listings_have_column_headers() -> None:
    t = _cli("templates").stdout.splitlines()
    assert t[0].split()[:2] == ["id", "trim"] and "bleed mm" in t[0] and t[0].rstrip().endswith("name")
    from render_engine.model.templates import TemplateCatalog

    # one line per template: every file, and every row of the product tables (templates_print/tables/)
    assert len(t) == 1 + len(TemplateCatalog(ROOT / "templates_print").templates)
    assert len(t) > 1 + len(list((ROOT / "templates_print").glob("*.json")))
    f = _cli("fonts").stdout.splitlines()
    assert f[0].split()[:3] == ["id", "family", "scripts"]


def test_text_echo_keeps_the_exact_text_and_names_trailing_spaces(tmp_path: Path) -> None:
    from render_engine import preflight

    text = {"type": "text", "text": "Grandma Rose ", "font": {"family": "noto-sans"}, "size": 20,
            "color": "#000000", "box": {"x": 20, "y": 20, "width": 150, "height": 30}}
    report = preflight(design("mug-11oz", text))
    echo = report.to_dict()["texts"][0]
    assert echo["text"] == "Grandma Rose " and echo["spaces"] == ["trailing space"]
    assert "text.spaces" in report.codes()
    path = write_design(tmp_path, design("mug-11oz", text))
    out = subprocess.run([sys.executable, "-m", "render_engine.cli", "preflight", str(path)], capture_output=True,
                         text=True, cwd=ROOT, timeout=120).stdout
    assert "text layer 0: 'Grandma Rose '  (trailing space)" in out


def test_template_spec_sources_cite_only_public_sources() -> None:
    """spec_source is shown to anyone reading the catalogue (GET /v1/templates/{id}): it names vendors' public
    specs or standard sizes, never a file of this workspace."""
    for path in sorted((ROOT / "templates_print").glob("*.json")):
        source = json.loads(path.read_text(encoding="utf-8"))["spec_source"]
        assert len(source) > 20, path.name
        for private in ("shared/", "PRINT-FACTS", ".md", "/work/", "internal"):
            assert private not in source, (path.name, private)


def test_every_example_asset_records_its_source_and_licence() -> None:
    assets = ROOT / "examples" / "assets"
    record = (assets / "LICENSES.md").read_text(encoding="utf-8")
    for f in sorted(assets.iterdir()):
        if f.name != "LICENSES.md":
            assert f"`{f.name}`" in record, f.name
            assert f"`{f.name}`" in record, f.name


def test_fabric_file_that_is_not_json_names_the_position(tmp_path: Path) -> None:
    bad = tmp_path / "canvas.fabric.json"
    bad.write_text('{"objects": [1,\n  ]}', encoding="utf-8")
    r = _cli("render", "--dialect", "fabric", "--template", "mug-11oz", str(bad), "--out", str(tmp_path))
    assert r.returncode == 1
    assert f"FAILED {bad}: design: " in r.stderr and "line 2 column 3" in r.stderr, r.stderr


def test_docs_links_and_package_metadata_point_at_things_that_exist() -> None:
    """Every relative link in README.md and docs/ names a file of the repository; pyproject's URLs (if any)
    are real URLs, not placeholders."""
    import re
    import tomllib

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted(ROOT.glob("*/README.md"))]
    broken = []
    for md in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", md.read_text(encoding="utf-8")):
            path = target.split("#")[0]
            if path and not re.match(r"^[a-z]+:", target) and not (md.parent / path).exists():
                broken.append(f"{md.relative_to(ROOT)} -> {target}")
    assert not broken, broken
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for name, url in project.get("urls", {}).items():
        assert url.startswith("https://") and "example" not in url, (name, url)
