"""A new user's first hour: installs that work, errors that say what to fix, docs that tell the truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from render_engine.assets import resolve_path
from render_engine.errors import AssetError
from render_engine.settings import Settings, bundled_dir
from tests.conftest import ROOT, design, write_design


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
    from render_engine.jobs.commands import announce
    from render_engine.jobs.settings import ServiceSettings

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
