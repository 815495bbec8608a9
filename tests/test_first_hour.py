"""A new user's first hour: installs that work, errors that say what to fix, docs that tell the truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from render_engine.settings import Settings, bundled_dir


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
