"""Customer images: sniffed by content, probed before decoding, decoded strictly, normalised to sRGB."""

from __future__ import annotations

from pathlib import Path

import pytest

from render_engine.inputs.assets import open_image, probe_image, resolve_path, sniff_format
from render_engine.model.errors import AssetError, LimitExceeded
from render_engine.model.settings import Settings

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def _near(px: list[float], rgb: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(px[:3], rgb, strict=False))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_honoured(assets_dir: Path, orientation: int) -> None:
    info = probe_image(assets_dir / f"exif-{orientation}.jpg", "asset", Settings())
    assert info.orientation == orientation
    assert (info.width, info.height) == (120, 80)  # upright size, whatever the stored size
    img, k = open_image(info, 1, "asset")
    assert (img.width, img.height) == (120, 80) and k == 1
    assert _near(img(10, 10), RED), "top-left must be red after orientation"
    assert _near(img(110, 10), GREEN)
    assert _near(img(10, 70), BLUE)


@pytest.mark.parametrize("name", ["cmyk-profile.jpg", "cmyk-noprofile.jpg", "rgb16.png", "quadrants.png"])
def test_cmyk_16bit_and_rgb_inputs_become_8bit_srgb(assets_dir: Path, name: str) -> None:
    info = probe_image(assets_dir / name, "asset", Settings())
    img, _ = open_image(info, 1, "asset")
    assert img.format == "uchar" and img.bands == 3
    assert _near(img(10, 10), RED, tol=60)
    assert _near(img(110, 70), (255, 255, 255), tol=30)


def test_grey_with_alpha_keeps_its_transparency(assets_dir: Path) -> None:
    info = probe_image(assets_dir / "grey-alpha.png", "asset", Settings())
    assert info.has_alpha
    img, _ = open_image(info, 1, "asset")
    assert img.bands == 4
    assert img(50, 50) == [128.0, 128.0, 128.0, 255.0]
    assert img(2, 2)[3] == 0


def test_truncated_jpeg_is_rejected_not_half_decoded(assets_dir: Path) -> None:
    with pytest.raises(AssetError) as info:
        p = probe_image(assets_dir / "truncated.jpg", "layers[1].asset", Settings())
        img, _ = open_image(p, 1, "layers[1].asset")
        img.avg()  # force the decode
    assert info.value.field == "layers[1].asset"


def test_format_is_sniffed_from_bytes_not_the_name(assets_dir: Path) -> None:
    assert sniff_format((assets_dir / "quadrants.png").read_bytes()[:32]) == "png"
    with pytest.raises(AssetError, match="not a supported image format"):
        probe_image(assets_dir / "not-an-image.jpg", "asset", Settings())


def test_pixel_limit_is_checked_before_decoding(assets_dir: Path) -> None:
    with pytest.raises(LimitExceeded) as info:
        probe_image(assets_dir / "photo-1200x800.jpg", "layers[0].asset", Settings(max_source_pixels=1000))
    assert info.value.field == "layers[0].asset"


@pytest.mark.parametrize("bad", ["/etc/passwd", "../outside.jpg", "a/../../outside.jpg", "C:\\x.jpg"])
def test_asset_paths_cannot_leave_the_design_folder(tmp_path: Path, bad: str) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "outside.jpg").write_bytes(b"x")
    with pytest.raises(AssetError):
        resolve_path(tmp_path / "d", bad, "layers[0].asset")


def test_reduced_size_decode_uses_jpeg_shrink_on_load(assets_dir: Path) -> None:
    info = probe_image(assets_dir / "photo-1200x800.jpg", "asset", Settings())
    img, k = open_image(info, 4.5, "asset")
    assert k == 4 and (img.width, img.height) == (300, 200)
