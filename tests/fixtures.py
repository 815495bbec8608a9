"""Generators for test input files. Every binary a test reads is made here, from code, at test time.

    python -m tests.fixtures OUT_DIR     # write them all to OUT_DIR to look at

Each function documents what is awkward about its output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyvips

from render_engine.testing import synth

# EXIF orientation -> how the *stored* pixels relate to the upright picture (the inverse of what a viewer
# applies). Orientations 2, 4, 5 and 7 are mirror images and are their own inverse.
_STORE = {
    1: lambda im: im,
    2: lambda im: im.fliphor(),
    3: lambda im: im.rot("d180"),
    4: lambda im: im.flipver(),
    5: lambda im: im.rot("d90").fliphor(),  # transpose
    6: lambda im: im.rot("d270"),  # viewer turns it 90 clockwise
    7: lambda im: im.rot("d270").fliphor(),  # transverse
    8: lambda im: im.rot("d90"),  # viewer turns it 90 counter-clockwise
}


def quadrants(width: int = 120, height: int = 80) -> pyvips.Image:
    """Upright test picture: red top-left, green top-right, blue bottom-left, white bottom-right."""
    xy = pyvips.Image.xyz(width, height)
    left = xy[0] < width / 2
    top = xy[1] < height / 2
    tl = top & left
    tr = top & (left == 0)
    bl = (top == 0) & left
    img = tl.ifthenelse([255, 0, 0], tr.ifthenelse([0, 255, 0], bl.ifthenelse([0, 0, 255], [255, 255, 255])))
    return img.cast("uchar").copy(interpretation="srgb")


def exif_jpeg(path: Path, orientation: int) -> Path:
    """A JPEG whose stored pixels are rotated/mirrored and whose EXIF Orientation tag undoes that."""
    stored = _STORE[orientation](quadrants()).copy()
    stored.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    stored.jpegsave(str(path), Q=95, keep="exif")
    return path


def cmyk_jpeg(path: Path, embed_profile: bool) -> Path:
    """A CMYK JPEG (Adobe-style), with or without an embedded profile (libvips' built-in CMYK profile)."""
    img = quadrants().icc_transform("cmyk", intent="relative")
    img.jpegsave(str(path), Q=95, keep="icc" if embed_profile else "none")
    return path


def png16(path: Path) -> Path:
    """A 16-bit RGB PNG."""
    img = (quadrants().cast("ushort") * 257).copy(interpretation="rgb16")
    img.pngsave(str(path), bitdepth=16)
    return path


def grey_alpha_png(path: Path) -> Path:
    """A greyscale PNG with an alpha channel: opaque mid-grey disc on transparency."""
    xy = pyvips.Image.xyz(100, 100)
    disc = ((xy[0] - 50) ** 2 + (xy[1] - 50) ** 2) < 40**2
    grey = pyvips.Image.black(100, 100) + 128
    img = grey.bandjoin(disc.ifthenelse(255, 0)).cast("uchar").copy(interpretation="b-w")
    img.pngsave(str(path))
    return path


def truncated_jpeg(path: Path) -> Path:
    """The first half of a valid JPEG: decoders that are not strict return half a photo."""
    full = synth.landscape(640, 480).jpegsave_buffer(Q=90)
    path.write_bytes(full[: len(full) // 2])
    return path


def photo(path: Path, width: int, height: int, seed: int = 1) -> Path:
    return synth.save_jpeg(synth.landscape(width, height, seed=seed), path)


def make_all(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for o in range(1, 9):
        exif_jpeg(folder / f"exif-{o}.jpg", o)
    cmyk_jpeg(folder / "cmyk-profile.jpg", True)
    cmyk_jpeg(folder / "cmyk-noprofile.jpg", False)
    png16(folder / "rgb16.png")
    grey_alpha_png(folder / "grey-alpha.png")
    truncated_jpeg(folder / "truncated.jpg")
    quadrants().pngsave(str(folder / "quadrants.png"))
    photo(folder / "photo-1200x800.jpg", 1200, 800)
    (folder / "not-an-image.jpg").write_bytes(b"BM6 this is not what the name says")
    (folder / "heart.svg").write_text(synth.heart_svg(), encoding="utf-8")
    return folder


if __name__ == "__main__":
    print(make_all(Path(sys.argv[1] if len(sys.argv) > 1 else "test-output/fixtures")))
